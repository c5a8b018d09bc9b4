/* User commands (user create/list/show/lock/...) and sessions revoke. */
#include <string.h>

#include "cli.h"

/* ---- the user record, as every user command prints it ---- */

static const cli_column user_columns[] = {
	{"id", CLI_INT},          {"username", CLI_TEXT},     {"email", CLI_TEXT},
	{"full_name", CLI_TEXT},  {"active", CLI_BOOL},       {"verified", CLI_BOOL},
	{"admin", CLI_BOOL},      {"locked_until", CLI_TIME}, {"last_login", CLI_TIME},
	{"created", CLI_TIME},
	/* user show only */
	{"updated", CLI_TIME},    {"failed_logins", CLI_INT}, {"roles", CLI_TEXT},
	{"sessions", CLI_INT},
};
#define USER_LIST_COLUMNS 10
#define USER_SHOW_COLUMNS (sizeof user_columns / sizeof user_columns[0])

static void roles_text(const authkit_user *u, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < authkit_user_role_count(u); i++) {
		size_t len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s", i ? " " : "", authkit_user_role(u, i));
	}
}

/* A lock that has run out is no lock: show it as none. */
static int64_t live_lock(const cli_run *r, const authkit_user *u)
{
	int64_t until = authkit_user_locked_until(u);
	return until * 1000 > authkit_ctx_now_ms(r->ctx) ? until : 0;
}

/* sessions < 0: a list row (the first USER_LIST_COLUMNS columns). */
static bool add_user_row(const cli_run *r, cli_table *t, const authkit_user *u, int64_t sessions)
{
	bool ok = cli_table_row(t) && cli_table_int(t, authkit_user_id(u)) &&
	          cli_table_text(t, authkit_user_username(u)) && cli_table_text(t, authkit_user_email(u)) &&
	          cli_table_text(t, authkit_user_full_name(u)) && cli_table_int(t, authkit_user_is_active(u)) &&
	          cli_table_int(t, authkit_user_is_verified(u)) && cli_table_int(t, authkit_user_is_superuser(u)) &&
	          cli_table_int(t, live_lock(r, u)) && cli_table_int(t, authkit_user_last_login_at(u)) &&
	          cli_table_int(t, authkit_user_created_at(u));
	if (!ok || sessions < 0)
		return ok;
	char roles[AUTHKIT_ROLES_PER_USER_MAX * (AUTHKIT_ROLE_MAX + 1) + 1];
	roles_text(u, roles, sizeof roles);
	return cli_table_int(t, authkit_user_updated_at(u)) && cli_table_int(t, authkit_user_failed_logins(u)) &&
	       cli_table_text(t, roles) && cli_table_int(t, sessions);
}

/* ---- user create ---- */

/* A generated password that the policy accepts (it may ask for more
 * characters than the default, or forbid the username inside). */
static int generate_password(cli_run *r, char *buf)
{
	const char *username = r->args[0], *email = r->args[1];
	for (size_t len = 24; len <= AUTHKIT_PASSWORD_MAX_BYTES / 16; len *= 2) {
		if (cli_generate_password(buf, CLI_PASSWORD_BUF, len) != 0)
			return cli_fail(r, CLI_FAILED, "the system's random generator failed");
		if (authkit_password_check(r->ctx, buf, username, email) == AUTHKIT_OK)
			return CLI_OK;
	}
	return cli_fail_status(r, AUTHKIT_EPASSWORD, "no generated password passes the policy");
}

static int get_new_password(cli_run *r, char *buf)
{
	bool from_stdin = cli_flag(r, "password-stdin"), generate = cli_flag(r, "generate-password");
	if (from_stdin && generate)
		return cli_fail(r, CLI_USAGE, "--password-stdin and --generate-password exclude each other");
	return generate ? generate_password(r, buf) : cli_read_password(r, r->args[0], true, buf);
}

/* Register, then make an admin: undone if the second step fails, so a
 * failed `user create --admin` leaves no half-made user behind. */
static int create_user(cli_run *r, const char *password, authkit_user **out)
{
	int rc = authkit_user_register(r->ctx, r->args[0], r->args[1], cli_value(r, "full-name"), password, out);
	if (rc)
		return cli_fail_status(r, rc, "cannot create the user");
	if (!cli_flag(r, "admin"))
		return CLI_OK;
	int64_t id = authkit_user_id(*out);
	rc = authkit_user_set_superuser(r->ctx, id, 1);
	if (rc == AUTHKIT_OK)
		return CLI_OK;
	int code = cli_fail_status(r, rc, "cannot make the user an admin");
	authkit_user_delete(r->ctx, id);
	authkit_user_free(*out);
	*out = NULL;
	return code;
}

static int run_user_create(cli_run *r)
{
	char password[CLI_PASSWORD_BUF];
	authkit_user *u = NULL;
	int rc = get_new_password(r, password);
	if (rc == CLI_OK)
		rc = create_user(r, password, &u);
	if (rc == CLI_OK) {
		printf("created %suser %s (id %lld)\n", cli_flag(r, "admin") ? "admin " : "", authkit_user_username(u),
		       (long long)authkit_user_id(u));
		/* The one secret the CLI ever prints: stdout only, once. */
		if (cli_flag(r, "generate-password"))
			printf("password: %s\n", password);
	}
	cli_wipe(password, sizeof password);
	authkit_user_free(u);
	return rc;
}

const cli_cmd cli_cmd_user_create = {
	.name = "user create",
	.args = "USERNAME EMAIL",
	.summary = "create a user; the password is never an argument",
	.details = "The password is read from the terminal with echo off (twice), or from the\n"
	           "first line of standard input with --password-stdin, or generated and\n"
	           "printed once on stdout as \"password: ...\" with --generate-password.\n"
	           "It is never taken from the command line. The password policy applies.\n",
	.min_args = 2,
	.max_args = 2,
	.opens_db = true,
	.run = run_user_create,
	.opts = {{"full-name", "NAME", "the user's full name"},
	         {"admin", NULL, "make the user an administrator (superuser)"},
	         {"password-stdin", NULL, "read the password from the first line of stdin"},
	         {"generate-password", NULL, "generate a password and print it once"}},
};

/* ---- user list / show ---- */

static int run_user_list(cli_run *r)
{
	cli_format format;
	int rc = cli_opt_format(r, &format);
	if (rc)
		return rc;
	cli_table *t = cli_table_new(user_columns, USER_LIST_COLUMNS);
	if (!t)
		return cli_fail(r, CLI_FAILED, "out of memory");
	int64_t after = 0;
	for (bool more = true; more && rc == CLI_OK;) {
		authkit_user_list *page = NULL;
		int status = authkit_user_list_page(r->ctx, after, 1000, &page);
		if (status)
			rc = cli_fail_status(r, status, "cannot list users");
		size_t n = page ? authkit_user_list_count(page) : 0;
		for (size_t i = 0; i < n && rc == CLI_OK; i++)
			if (!add_user_row(r, t, authkit_user_list_get(page, i), -1))
				rc = cli_fail(r, CLI_FAILED, "out of memory");
		if (n)
			after = authkit_user_id(authkit_user_list_get(page, n - 1));
		more = n == 1000;
		authkit_user_list_free(page);
	}
	if (rc == CLI_OK)
		rc = cli_table_print(r, t, format);
	cli_table_free(t);
	return rc;
}

static const char format_help[] = "output format: table (default), csv or json";

const cli_cmd cli_cmd_user_list = {
	.name = "user list",
	.args = "",
	.summary = "list every user",
	.opens_db = true,
	.run = run_user_list,
	.opts = {{"format", "FORMAT", format_help}},
};

static int count_sessions(const cli_run *r, int64_t id, int64_t *n)
{
	authkit_session_list *l = NULL;
	int rc = authkit_session_list_user(r->ctx, id, &l);
	*n = 0;
	for (size_t i = 0; rc == AUTHKIT_OK && i < authkit_session_list_count(l); i++) {
		const authkit_session *s = authkit_session_list_get(l, i);
		/* Listed until cleanup; count only the ones still usable. */
		*n += authkit_session_expires_at(s) * 1000 > authkit_ctx_now_ms(r->ctx) &&
		      authkit_session_idle_expires_at(s) * 1000 > authkit_ctx_now_ms(r->ctx);
	}
	authkit_session_list_free(l);
	return rc;
}

static int run_user_show(cli_run *r)
{
	cli_format format;
	authkit_user *u = NULL;
	int rc = cli_opt_format(r, &format);
	if (rc == CLI_OK)
		rc = cli_find_user(r, r->args[0], &u);
	if (rc)
		return rc;
	int64_t sessions = 0;
	int status = count_sessions(r, authkit_user_id(u), &sessions);
	cli_table *t = status ? NULL : cli_table_new(user_columns, USER_SHOW_COLUMNS);
	if (status)
		rc = cli_fail_status(r, status, "cannot list the user's sessions");
	else if (!t || !add_user_row(r, t, u, sessions))
		rc = cli_fail(r, CLI_FAILED, "out of memory");
	else
		rc = cli_table_print_record(r, t, format);
	cli_table_free(t);
	authkit_user_free(u);
	return rc;
}

const cli_cmd cli_cmd_user_show = {
	.name = "user show",
	.args = "USER",
	.summary = "show one user (USER: username, email or id:N)",
	.details = "\"sessions\" counts the user's sessions that are neither revoked nor expired.\n",
	.min_args = 1,
	.max_args = 1,
	.opens_db = true,
	.run = run_user_show,
	.opts = {{"format", "FORMAT", format_help}},
};

/* ---- one change to one user ---- */

/* One library call on a user id; arg is the call's own parameter, if any. */
typedef int (*user_change_fn)(authkit_ctx *ctx, int64_t id, int64_t arg);

/* Find USER, apply change, print "<done> <username>". Options are checked
 * before this, so a bad one never touches the user. */
static int change_user(cli_run *r, user_change_fn change, int64_t arg, const char *done)
{
	authkit_user *u = NULL;
	int rc = cli_find_user(r, r->args[0], &u);
	if (rc)
		return rc;
	int status = change(r->ctx, authkit_user_id(u), arg);
	if (status == AUTHKIT_OK)
		printf("%s %s\n", done, authkit_user_username(u));
	else
		rc = cli_fail_status(r, status, "failed");
	authkit_user_free(u);
	return rc;
}

static int lock(authkit_ctx *ctx, int64_t id, int64_t until)
{
	return authkit_user_lock(ctx, id, until);
}

static int unlock(authkit_ctx *ctx, int64_t id, int64_t unused)
{
	(void)unused;
	return authkit_user_unlock(ctx, id);
}

static int set_active(authkit_ctx *ctx, int64_t id, int64_t active)
{
	return authkit_user_set_active(ctx, id, (int)active);
}

static int delete_user(authkit_ctx *ctx, int64_t id, int64_t unused)
{
	(void)unused;
	return authkit_user_delete(ctx, id);
}

/* "Until unlocked": the last second of year 9999, which every tool can print. */
#define LOCK_FOREVER 253402300799LL
#define MINUTES_MAX (100LL * 365 * 24 * 60)

static int run_user_lock(cli_run *r)
{
	int64_t minutes = 0;
	int rc = cli_opt_int(r, "minutes", 1, MINUTES_MAX, &minutes);
	if (rc)
		return rc;
	int64_t until = minutes ? authkit_ctx_now_ms(r->ctx) / 1000 + minutes * 60 : LOCK_FOREVER;
	return change_user(r, lock, until, "locked");
}

static int run_user_unlock(cli_run *r)
{
	return change_user(r, unlock, 0, "unlocked");
}

static int run_user_activate(cli_run *r)
{
	return change_user(r, set_active, 1, "activated");
}

static int run_user_deactivate(cli_run *r)
{
	return change_user(r, set_active, 0, "deactivated");
}

static int run_user_delete(cli_run *r)
{
	return change_user(r, delete_user, 0, "deleted");
}

const cli_cmd cli_cmd_user_lock = {
	.name = "user lock",
	.args = "USER",
	.summary = "lock an account, until unlocked or for --minutes",
	.details = "A locked account cannot log in, even with the right password.\n",
	.min_args = 1,
	.max_args = 1,
	.opens_db = true,
	.run = run_user_lock,
	.opts = {{"minutes", "N", "lock for N minutes (default: until `user unlock`)"}},
};

const cli_cmd cli_cmd_user_unlock = {
	.name = "user unlock",
	.args = "USER",
	.summary = "clear a lock and the failed-login count",
	.min_args = 1,
	.max_args = 1,
	.opens_db = true,
	.run = run_user_unlock,
};

const cli_cmd cli_cmd_user_activate = {
	.name = "user activate",
	.args = "USER",
	.summary = "let a deactivated user log in again",
	.min_args = 1,
	.max_args = 1,
	.opens_db = true,
	.run = run_user_activate,
};

const cli_cmd cli_cmd_user_deactivate = {
	.name = "user deactivate",
	.args = "USER",
	.summary = "stop a user logging in (the account is kept)",
	.min_args = 1,
	.max_args = 1,
	.opens_db = true,
	.run = run_user_deactivate,
};

const cli_cmd cli_cmd_user_delete = {
	.name = "user delete",
	.args = "USER",
	.summary = "delete a user and their sessions, tokens, keys",
	.details = "Immediate and final. Usage and billing rows stay, under the user's id.\n",
	.min_args = 1,
	.max_args = 1,
	.opens_db = true,
	.run = run_user_delete,
};

/* ---- user verify-password ---- */

static const char *const auth_reasons[] = {"ok", "unknown user", "wrong password", "account locked",
                                           "account inactive"};

static int verify(cli_run *r, const authkit_user *u, const char *password)
{
	int reason = 0;
	int status = authkit_authenticate_ex(r->ctx, authkit_user_username(u), password, NULL, NULL, &reason);
	if (status == AUTHKIT_OK) {
		printf("password ok for %s\n", authkit_user_username(u));
		return CLI_OK;
	}
	/* The operator may know why; a web client never should (auth.h). */
	if (status == AUTHKIT_EAUTH && reason > 0 && reason <= AUTHKIT_AUTH_INACTIVE)
		return cli_fail(r, CLI_AUTH, "authentication failed: %s", auth_reasons[reason]);
	return cli_fail_status(r, status, "authentication failed");
}

static int run_verify_password(cli_run *r)
{
	authkit_user *u = NULL;
	int rc = cli_find_user(r, r->args[0], &u);
	if (rc)
		return rc;
	char password[CLI_PASSWORD_BUF];
	rc = cli_read_password(r, authkit_user_username(u), false, password);
	if (rc == CLI_OK)
		rc = verify(r, u, password);
	cli_wipe(password, sizeof password);
	authkit_user_free(u);
	return rc;
}

const cli_cmd cli_cmd_user_verify_password = {
	.name = "user verify-password",
	.args = "USER",
	.summary = "check a password with a real login attempt",
	.details = "This is a login: a failure counts toward the lockout, a success resets\n"
	           "the count, records the login and replaces a legacy (bcrypt) hash with\n"
	           "Argon2id. Exit 0 when the password is right, 8 when it is not.\n",
	.min_args = 1,
	.max_args = 1,
	.opens_db = true,
	.run = run_verify_password,
	.opts = {{"password-stdin", NULL, "read the password from the first line of stdin"}},
};

/* ---- sessions revoke ---- */

static int run_sessions_revoke(cli_run *r)
{
	const char *ref = cli_value(r, "user");
	if (!ref)
		return cli_fail(r, CLI_USAGE, "--user USER is required");
	authkit_user *u = NULL;
	int rc = cli_find_user(r, ref, &u);
	if (rc)
		return rc;
	int64_t n = 0;
	int status = authkit_session_revoke_all(r->ctx, authkit_user_id(u), &n);
	if (status == AUTHKIT_OK)
		printf("revoked %lld sessions of %s\n", (long long)n, authkit_user_username(u));
	else
		rc = cli_fail_status(r, status, "cannot revoke the sessions");
	authkit_user_free(u);
	return rc;
}

const cli_cmd cli_cmd_sessions_revoke = {
	.name = "sessions revoke",
	.args = "--user USER", /* shown in help; the option itself is checked by the command */
	.summary = "log a user out everywhere",
	.details = "In stateful mode (the default) their access tokens stop working at once.\n",
	.opens_db = true,
	.run = run_sessions_revoke,
	.opts = {{"user", "USER", "whose sessions (required)"}},
};
