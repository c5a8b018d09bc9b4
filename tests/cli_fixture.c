/*
 * cli_fixture: sets up and inspects databases for tests/check_cli.py
 * through the public API, where the CLI has no command for it (recording
 * usage, writing the vault) or where time must be moved (expired rows).
 *
 *   cli_fixture usage DB          events from stdin, one per line:
 *                                 user_id service model input output cost_micros time
 *   cli_fixture expired DB USER DAYS   as if DAYS ago: log USER in (a session),
 *                                 request a reset and a verification (two tokens);
 *                                 password on stdin
 *   cli_fixture login DB USER     log in now (a live session); password on stdin
 *   cli_fixture hash DB           an Argon2id PHC string of the password on stdin
 *   cli_fixture vault-put DB USER_ID SERVICE   the key on stdin
 *   cli_fixture vault-get DB USER_ID SERVICE   prints the key
 *
 * Settings come from AUTHKIT_* like the CLI's. Exit 0, or 1 with the
 * library's message on stderr.
 */
#include <authkit.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct fixed_clock {
	int64_t ms;
} fixed_clock;

static int64_t read_fixed(void *userdata)
{
	return ((fixed_clock *)userdata)->ms;
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "cli_fixture: %s: %s (%s)\n", what, authkit_strerror(rc), authkit_error_last());
	return 1;
}

/* A context on db with the environment's settings; clock NULL: wall clock. */
static authkit_ctx *open_db(const char *db, fixed_clock *clock)
{
	authkit_config *cfg = NULL;
	authkit_ctx *ctx = NULL;
	int rc = authkit_config_new(&cfg);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_load_env(cfg);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set(cfg, "AUTHKIT_DB", db);
	if (rc == AUTHKIT_OK && clock)
		rc = authkit_config_set_clock(cfg, read_fixed, clock);
	if (rc == AUTHKIT_OK)
		rc = authkit_ctx_open(&ctx, cfg);
	authkit_config_free(cfg);
	if (rc)
		fail("open", rc);
	return ctx;
}

static void read_stdin_line(char *buf, size_t size)
{
	if (!fgets(buf, (int)size, stdin))
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
}

static int record_usage(authkit_ctx *ctx)
{
	char line[512], service[65], model[129];
	long long user, in, out, cost, time;
	while (fgets(line, sizeof line, stdin)) {
		if (sscanf(line, "%lld %64s %128s %lld %lld %lld %lld", &user, service, model, &in, &out, &cost, &time) != 7)
			continue;
		authkit_usage_event *ev = NULL;
		int rc = authkit_usage_event_new(&ev);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_user_id(ev, user);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_service(ev, service);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_model(ev, model);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_input_tokens(ev, in);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_output_tokens(ev, out);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_cost_micros(ev, cost);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_time(ev, time);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_record(ctx, ev, NULL);
		authkit_usage_event_free(ev);
		if (rc)
			return fail("usage", rc);
	}
	return 0;
}

static int log_in(authkit_ctx *ctx, const char *user, const char *password)
{
	authkit_login_result *l = NULL;
	int rc = authkit_login(ctx, user, password, "127.0.0.1", "cli_fixture", &l);
	authkit_login_free(l);
	return rc ? fail("login", rc) : 0;
}

/* A session and two one-time tokens, made at the context's (past) time. */
static int make_expired(authkit_ctx *ctx, const char *user, const char *password)
{
	authkit_user *u = NULL;
	char *reset = NULL, *verify = NULL;
	int rc = log_in(ctx, user, password) ? AUTHKIT_EAUTH : AUTHKIT_OK;
	if (rc == AUTHKIT_OK)
		rc = authkit_user_get_by_username(ctx, user, &u);
	if (rc == AUTHKIT_OK)
		rc = authkit_reset_request(ctx, authkit_user_email(u), NULL, &reset);
	if (rc == AUTHKIT_OK)
		rc = authkit_verify_request(ctx, authkit_user_id(u), &verify);
	if (rc == AUTHKIT_OK && (!reset || !verify))
		rc = AUTHKIT_ENOTFOUND;
	authkit_string_free(reset);
	authkit_string_free(verify);
	authkit_user_free(u);
	return rc ? fail("expired", rc) : 0;
}

static int print_hash(authkit_ctx *ctx, const char *password)
{
	char *hash = NULL;
	int rc = authkit_password_hash(ctx, password, &hash);
	if (rc == AUTHKIT_OK)
		printf("%s\n", hash);
	authkit_string_free(hash);
	return rc ? fail("hash", rc) : 0;
}

static int vault(authkit_ctx *ctx, bool put, const char *user, const char *service)
{
	int64_t id = strtoll(user, NULL, 10);
	if (put) {
		char key[4200];
		read_stdin_line(key, sizeof key);
		int rc = authkit_vault_put(ctx, id, service, (const unsigned char *)key, strlen(key));
		return rc ? fail("vault-put", rc) : 0;
	}
	authkit_secret *s = NULL;
	int rc = authkit_vault_get(ctx, id, service, &s);
	if (rc == AUTHKIT_OK)
		printf("%s\n", (const char *)authkit_secret_data(s));
	authkit_secret_free(s);
	return rc ? fail("vault-get", rc) : 0;
}

static int run(authkit_ctx *ctx, const char *cmd, int argc, char **argv)
{
	char password[4200];
	if (strcmp(cmd, "usage") == 0)
		return record_usage(ctx);
	if (strcmp(cmd, "vault-put") == 0 || strcmp(cmd, "vault-get") == 0)
		return argc < 5 ? 2 : vault(ctx, cmd[6] == 'p', argv[3], argv[4]);
	read_stdin_line(password, sizeof password);
	if (strcmp(cmd, "hash") == 0)
		return print_hash(ctx, password);
	if (argc < 4)
		return 2;
	if (strcmp(cmd, "login") == 0)
		return log_in(ctx, argv[3], password);
	if (strcmp(cmd, "expired") == 0)
		return make_expired(ctx, argv[3], password);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: cli_fixture COMMAND DB [ARGS] (see the source)\n");
		return 2;
	}
	fixed_clock past = {0};
	bool expired = strcmp(argv[1], "expired") == 0;
	if (expired && argc >= 5)
		past.ms = ((int64_t)time(NULL) - (int64_t)atoll(argv[4]) * 86400) * 1000;
	authkit_ctx *ctx = open_db(argv[2], expired ? &past : NULL);
	if (!ctx)
		return 1;
	int rc = run(ctx, argv[1], argc, argv);
	authkit_ctx_free(ctx);
	return rc;
}
