/*
 * Two processes, one PostgreSQL database: what several hosts behind a load
 * balancer rely on. Each process (this one and a forked child) has its own
 * context, pool and clock; they step through the scenarios together over
 * two pipes. A logout in one makes the other reject the session and the
 * access token at once (stateful verification); failed logins from both
 * count toward one lockout; a shared rate limit holds across both; usage
 * recorded from both, with retries racing across them, sums exactly.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "authkit.h"
#include "helpers.h"
#include "pg_helpers.h"

#define PW "Xq7!Nimbus-Vortex-Pyl0n"
#define WRONG "Xq7!Nimbus-Vortex-Pyl0N"
#define JWT_SECRET "8f1c2e3d4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define TAKES 60
#define CAPACITY 50
#define EVENTS 100

static int to_child[2], to_parent[2];

static void send_line(int fd, const char *line)
{
	size_t n = strlen(line) + 1;
	ck_assert_int_eq(write(fd, line, n), (ssize_t)n);
}

/* One NUL-terminated line (the messages are small and never interleave). */
static void recv_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size && read(fd, &buf[n], 1) == 1 && buf[n] != '\0')
		n++;
	buf[n] = '\0';
}

static authkit_ctx *open_ctx(const char *conninfo, test_clock *clk)
{
	authkit_config *cfg = test_config(clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", conninfo), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_JWT_SECRET", JWT_SECRET), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_JWT_STATEFUL", 1), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_MAX_LOGIN_ATTEMPTS", 4), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_PG_POOL_SIZE", 4), AUTHKIT_OK);
	return test_ctx_from_config(cfg);
}

static int authenticate(authkit_ctx *ctx, const char *password)
{
	authkit_user *u = NULL;
	int rc = authkit_authenticate(ctx, "shared", password, "192.0.2.7", &u);
	authkit_user_free(u);
	return rc;
}

static int verify(authkit_ctx *ctx, const char *token)
{
	authkit_principal *p = NULL;
	int rc = authkit_token_verify(ctx, token, AUTHKIT_VERIFY_STATEFUL, &p);
	authkit_principal_free(p);
	return rc;
}

static int check_session(authkit_ctx *ctx, const char *token)
{
	authkit_session *s = NULL;
	int rc = authkit_session_check(ctx, token, &s);
	authkit_session_free(s);
	return rc;
}

static int take_all(authkit_ctx *ctx)
{
	int ok = 0;
	for (int i = 0; i < TAKES; i++)
		ok += authkit_ratelimit_shared_take(ctx, "ip:198.51.100.1", CAPACITY, 1, 1, NULL) == AUTHKIT_OK;
	return ok;
}

/* EVENTS events: even ones under a key both processes use (a retry racing
 * across hosts), odd ones under this process's own key. *inserted = how
 * many this process actually inserted. */
static int record_all(authkit_ctx *ctx, int64_t user_id, const char *me, int *inserted)
{
	*inserted = 0;
	for (int i = 0; i < EVENTS; i++) {
		authkit_usage_event *ev = NULL;
		char key[64];
		snprintf(key, sizeof key, "%s-%d", i % 2 ? me : "both", i);
		int rc = authkit_usage_event_new(&ev);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_user_id(ev, user_id);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_service(ev, "openai");
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_input_tokens(ev, i);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_cost_micros(ev, 1000 + i);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_event_set_idempotency_key(ev, key);
		int dup = 0;
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_record(ctx, ev, &dup);
		authkit_usage_event_free(ev);
		if (rc)
			return rc;
		*inserted += !dup;
	}
	return AUTHKIT_OK;
}

/* ---- the second process ---- */

static int failures;
#define EXPECT(cond)                                                                                    \
	do {                                                                                            \
		if (!(cond)) {                                                                          \
			fprintf(stderr, "child: line %d: %s (%s)\n", __LINE__, #cond, authkit_error_last()); \
			failures++;                                                                     \
		}                                                                                       \
	} while (0)

static void child(const char *conninfo)
{
	test_clock clk = {0};
	authkit_ctx *ctx = open_ctx(conninfo, &clk);
	char access[2048], session[256], msg[64];
	recv_line(to_child[0], access, sizeof access);
	recv_line(to_child[0], session, sizeof session);
	EXPECT(verify(ctx, access) == AUTHKIT_OK);
	EXPECT(check_session(ctx, session) == AUTHKIT_OK);
	send_line(to_parent[1], "seen");

	recv_line(to_child[0], msg, sizeof msg); /* "logged-out" */
	EXPECT(verify(ctx, access) == AUTHKIT_EREVOKED);
	EXPECT(check_session(ctx, session) == AUTHKIT_EREVOKED);
	send_line(to_parent[1], "rejected");

	recv_line(to_child[0], msg, sizeof msg); /* "failed-twice" */
	EXPECT(authenticate(ctx, WRONG) == AUTHKIT_EAUTH);
	EXPECT(authenticate(ctx, WRONG) == AUTHKIT_EAUTH); /* the fourth failure: locked */
	EXPECT(authenticate(ctx, PW) == AUTHKIT_EAUTH);
	send_line(to_parent[1], "locked");

	recv_line(to_child[0], msg, sizeof msg); /* "go" */
	snprintf(msg, sizeof msg, "%d", take_all(ctx));
	send_line(to_parent[1], msg);

	char user[32];
	recv_line(to_child[0], user, sizeof user);
	int inserted = 0;
	EXPECT(record_all(ctx, strtoll(user, NULL, 10), "b", &inserted) == AUTHKIT_OK);
	snprintf(msg, sizeof msg, "%d", inserted);
	send_line(to_parent[1], msg);
	authkit_ctx_free(ctx);
	_exit(failures ? 1 : 0);
}

/* ---- the first process (the test) ---- */

START_TEST(two_processes_one_database)
{
	char schema[64], conninfo[1024], msg[64];
	pg_test_schema_new(schema, sizeof schema, conninfo, sizeof conninfo, NULL);
	ck_assert_int_eq(pipe(to_child), 0);
	ck_assert_int_eq(pipe(to_parent), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		child(conninfo);

	test_clock clk = {0};
	authkit_ctx *ctx = open_ctx(conninfo, &clk);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(ctx, "shared", "shared@example.com", NULL, PW, &u), AUTHKIT_OK);
	int64_t user_id = authkit_user_id(u);
	authkit_user_free(u);
	authkit_login_result *l = NULL;
	ck_assert_int_eq(authkit_login(ctx, "shared", PW, "192.0.2.7", "test", &l), AUTHKIT_OK);

	/* Logout here: the other process rejects the session and token at once. */
	send_line(to_child[1], authkit_login_access_token(l));
	send_line(to_child[1], authkit_login_session_token(l));
	recv_line(to_parent[0], msg, sizeof msg);
	ck_assert_str_eq(msg, "seen");
	ck_assert_int_eq(authkit_logout(ctx, authkit_login_session_id(l), "192.0.2.7"), AUTHKIT_OK);
	send_line(to_child[1], "logged-out");
	recv_line(to_parent[0], msg, sizeof msg);
	ck_assert_str_eq(msg, "rejected");
	ck_assert_int_eq(verify(ctx, authkit_login_access_token(l)), AUTHKIT_EREVOKED);
	authkit_login_free(l);

	/* Two failures here, two there: the fourth locks the account for both. */
	ck_assert_int_eq(authenticate(ctx, WRONG), AUTHKIT_EAUTH);
	ck_assert_int_eq(authenticate(ctx, WRONG), AUTHKIT_EAUTH);
	send_line(to_child[1], "failed-twice");
	recv_line(to_parent[0], msg, sizeof msg);
	ck_assert_str_eq(msg, "locked");
	ck_assert_int_eq(authenticate(ctx, PW), AUTHKIT_EAUTH);
	ck_assert_int_eq(test_audit_count(ctx, user_id, "auth.lockout", NULL), 1);

	/* One bucket, both processes taking at once (the clock stands still:
	 * no refill): exactly its capacity is granted in all. */
	send_line(to_child[1], "go");
	int mine = take_all(ctx);
	recv_line(to_parent[0], msg, sizeof msg);
	int theirs = atoi(msg);
	ck_assert_msg(mine + theirs == CAPACITY, "granted %d here and %d there, capacity %d", mine, theirs, CAPACITY);

	/* Usage from both, with the shared keys racing: counted once each. */
	snprintf(msg, sizeof msg, "%lld", (long long)user_id);
	send_line(to_child[1], msg);
	int inserted = 0;
	ck_assert_int_eq(record_all(ctx, user_id, "a", &inserted), AUTHKIT_OK);
	recv_line(to_parent[0], msg, sizeof msg);
	int theirs_inserted = atoi(msg);
	ck_assert_int_eq(inserted + theirs_inserted, EVENTS + EVENTS / 2);
	authkit_usage_summary *sum = NULL;
	ck_assert_int_eq(authkit_usage_summary_get(ctx, user_id, 0, INT64_MAX, AUTHKIT_STORE_GROUP_SERVICE, &sum),
	                 AUTHKIT_OK);
	ck_assert_uint_eq(authkit_usage_summary_count(sum), 1);
	int64_t want_cost = 0, want_in = 0;
	for (int i = 0; i < EVENTS; i++) {
		int copies = i % 2 ? 2 : 1; /* odd: one per process; even: shared */
		want_cost += copies * (1000 + i);
		want_in += copies * i;
	}
	ck_assert_int_eq(authkit_usage_summary_events(sum, 0), EVENTS + EVENTS / 2);
	ck_assert_int_eq(authkit_usage_summary_input_tokens(sum, 0), want_in);
	ck_assert_int_eq(authkit_usage_summary_cost_micros(sum, 0), want_cost);
	authkit_usage_summary_free(sum);

	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the second process failed (see its output)");
	authkit_ctx_free(ctx);
	pg_test_schema_drop(schema);
}
END_TEST

int main(void)
{
	pg_test_server(); /* skips (77) without a server, unless one is required */
	Suite *s = suite_create("pg-shared");
	TCase *tc = tcase_create("two processes");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, two_processes_one_database);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
