/*
 * Fault injection: every writing operation either completes or changes
 * nothing. For each operation, from a known state, fail its 1st, 2nd, 3rd
 * ... store call until it runs out of store calls and succeeds; each failed
 * run must return AUTHKIT_ESTORE, leave no transaction open, and leave the
 * database identical (a raw dump of every table through a separate
 * connection, and a dump through the store's own connection).
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "db_dump.h"
#include "fault_store.h"
#include "helpers.h"

#define PW "Xq7!Nimbus-Vortex-Pyl0n"
#define PW2 "Glacier*Tundra*Mosaic-913"
#define WRONG "Xq7!Nimbus-Vortex-Pyl0N"
#define MAX_ATTEMPTS 3
#define JWT_SECRET "8f3a1c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f1a"

/* ---- fixture: a known state ------------------------------------------ */

static test_clock clk;
static char path[256];
static authkit_store *inner;
static fault_store_ctl *ctl;
static authkit_ctx *ctx;
static int64_t alice, bob, carol;
static char argon_hash[AUTHKIT_STORE_HASH_BYTES];
static char bcrypt_pw[128], bcrypt_hash[128];

static void load_bcrypt_fixture(void)
{
	const char *dir = getenv("AUTHKIT_TEST_FIXTURES");
	ck_assert_msg(dir != NULL, "AUTHKIT_TEST_FIXTURES is not set");
	char file[1024], line[512];
	snprintf(file, sizeof file, "%s/bcrypt_fixture.txt", dir);
	FILE *f = fopen(file, "r");
	ck_assert_msg(f != NULL, "cannot open %s", file);
	bcrypt_hash[0] = '\0';
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *tab = strchr(line, '\t');
		if (!tab || line[0] == '#' || strlen(line) >= sizeof bcrypt_pw || strlen(tab + 1) >= sizeof bcrypt_hash)
			continue;
		*tab = '\0';
		strcpy(bcrypt_pw, line);
		strcpy(bcrypt_hash, tab + 1);
		break;
	}
	fclose(f);
	ck_assert_msg(bcrypt_hash[0] == '$', "no usable line in %s", file);
}

static void setup(void)
{
	memset(&clk, 0, sizeof clk);
	test_tmp_path(path, sizeof path, "fault");
	ck_assert_int_eq(authkit_store_sqlite_open(&inner, path, 0), AUTHKIT_OK);
	authkit_store *wrapped = fault_store_wrap(inner, &ctl);
	ck_assert_ptr_nonnull(wrapped);
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_MAX_LOGIN_ATTEMPTS", MAX_ATTEMPTS), AUTHKIT_OK);
	/* access tokens on: login and refresh also issue a JWT */
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_JWT_SECRET", JWT_SECRET), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_store(cfg, wrapped), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ctx_open(&ctx, cfg), AUTHKIT_OK);
	authkit_config_free(cfg);

	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(ctx, "alice", "alice@example.com", "Alice", PW, &u), AUTHKIT_OK);
	alice = authkit_user_id(u);
	authkit_user_free(u);
	ck_assert_int_eq(authkit_user_add_role(ctx, alice, "admin"), AUTHKIT_OK);
	authkit_store_user rec;
	ck_assert_int_eq(ak_user_load(ctx, alice, &rec), AUTHKIT_OK);
	strcpy(argon_hash, rec.password_hash);

	load_bcrypt_fixture();
	ck_assert_int_eq(authkit_user_import(ctx, "bob", "bob@example.com", NULL, bcrypt_hash, &u), AUTHKIT_OK);
	bob = authkit_user_id(u);
	authkit_user_free(u);

	ck_assert_int_eq(authkit_user_import(ctx, "carol", "carol@example.com", NULL, argon_hash, &u), AUTHKIT_OK);
	carol = authkit_user_id(u);
	authkit_user_free(u);
	for (int i = 0; i < MAX_ATTEMPTS - 1; i++)
		ck_assert_int_eq(authkit_authenticate(ctx, "carol", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	test_clock_advance_s(&clk, 60); /* every later write has a new time */
	fault_store_reset(ctl);
}

static void teardown(void)
{
	authkit_ctx_free(ctx);
	ctx = NULL;
	inner = NULL;
	test_remove_db(path);
}

/* ---- the walk --------------------------------------------------------- */

typedef int (*op_fn)(void);

/*
 * Fail the n-th store call for n = 1, 2, ... until the operation makes
 * fewer than n calls (so nothing was injected): then it must return
 * expect_final and have changed the database.
 */
static void walk(const char *name, op_fn op, int expect_final)
{
	char *raw0 = db_raw_dump(path, 0), *st0 = db_store_dump(inner);
	long n;
	for (n = 1; n < 200; n++) {
		fault_store_fail_at(ctl, n);
		int rc = op();
		char err[256];
		snprintf(err, sizeof err, "%s", authkit_error_last());
		long calls = fault_store_calls(ctl);
		fault_store_reset(ctl);
		if (calls < n) {
			/* ran to the end without an injected failure */
			ck_assert_msg(rc == expect_final, "%s without failure returned %s (%s)", name,
			              authkit_strerror(rc), err);
			break;
		}
		ck_assert_msg(rc == AUTHKIT_ESTORE, "%s with store call %ld of %ld failing returned %s (%s)", name, n,
		              calls, authkit_strerror(rc), err);
		ck_assert_str_ne(err, "");
		/* no transaction left open on this thread */
		ck_assert_msg(inner->txn_begin(inner) == AUTHKIT_OK, "%s, call %ld failing: a transaction was left open",
		              name, n);
		ck_assert_int_eq(inner->txn_rollback(inner), AUTHKIT_OK);
		char *raw1 = db_raw_dump(path, 0), *st1 = db_store_dump(inner);
		ck_assert_msg(strcmp(raw0, raw1) == 0, "%s with store call %ld failing changed the database:\n  %s", name,
		              n, db_first_diff(raw0, raw1));
		ck_assert_msg(strcmp(st0, st1) == 0, "%s with store call %ld failing changed the store:\n  %s", name, n,
		              db_first_diff(st0, st1));
		free(raw1);
		free(st1);
	}
	ck_assert_msg(n > 1, "%s made no store call", name);
	ck_assert_msg(n < 200, "%s never finished", name);
	/* and the successful run did change something */
	char *raw2 = db_raw_dump(path, 0), *st2 = db_store_dump(inner);
	ck_assert_msg(strcmp(raw0, raw2) != 0, "%s changed nothing when it succeeded", name);
	ck_assert_str_ne(st0, st2);
	free(raw0);
	free(st0);
	free(raw2);
	free(st2);
}

static int audit_events(int64_t user_id, const char *event)
{
	authkit_audit_list *l = NULL;
	ck_assert_int_eq(authkit_audit_query(ctx, user_id, 0, 0, 10000, &l), AUTHKIT_OK);
	int n = 0;
	for (size_t i = 0; i < authkit_audit_list_count(l); i++)
		if (strcmp(authkit_audit_list_event(l, i), event) == 0)
			n++;
	authkit_audit_list_free(l);
	return n;
}

/* ---- operations ------------------------------------------------------- */

static int op_register(void)
{
	return authkit_user_register(ctx, "dave", "dave@example.com", "Dave", PW, NULL);
}

static int op_import(void)
{
	return authkit_user_import(ctx, "erin", "erin@example.com", NULL, bcrypt_hash, NULL);
}

static int op_set_email(void)
{
	return authkit_user_set_email(ctx, alice, "Alice.New@Example.org");
}

static int op_set_full_name(void)
{
	return authkit_user_set_full_name(ctx, alice, "Alice Liddell");
}

static int op_set_active(void)
{
	return authkit_user_set_active(ctx, alice, 0);
}

static int op_add_role(void)
{
	return authkit_user_add_role(ctx, alice, "editor");
}

static int op_remove_role(void)
{
	return authkit_user_remove_role(ctx, alice, "admin");
}

static int op_lock(void)
{
	return authkit_user_lock(ctx, alice, 2000000000);
}

static int op_unlock(void)
{
	return authkit_user_unlock(ctx, carol); /* clears carol's failure count */
}

static int op_delete(void)
{
	return authkit_user_delete(ctx, alice);
}

static int op_auth_ok(void)
{
	return authkit_authenticate(ctx, "alice", PW, "192.0.2.1", NULL);
}

static int op_auth_ok_rehash(void)
{
	return authkit_authenticate(ctx, "bob@example.com", bcrypt_pw, "192.0.2.1", NULL);
}

static int op_auth_fail_lockout(void)
{
	return authkit_authenticate(ctx, "carol", WRONG, "192.0.2.2", NULL);
}

static int op_auth_fail_unknown(void)
{
	return authkit_authenticate(ctx, "nobody", PW, "192.0.2.3", NULL);
}

static int op_password_change(void)
{
	return authkit_password_change(ctx, alice, PW, PW2, NULL, "192.0.2.4");
}

static int op_password_set(void)
{
	return authkit_password_set(ctx, alice, PW2);
}

/* ---- sessions and one-time tokens ------------------------------------- */

/* Secrets of sessions opened by a test before its walk. */
static char sid1[64], sid2[64], refresh1[64], reset_token[64], verify_token[64];

static void open_session(const char *who, const char *password, char *sid_out, char *refresh_out)
{
	authkit_login_result *l = NULL;
	ck_assert_int_eq(authkit_login(ctx, who, password, "192.0.2.9", "fault-test", &l), AUTHKIT_OK);
	if (sid_out)
		snprintf(sid_out, 64, "%s", authkit_login_session_id(l));
	if (refresh_out)
		snprintf(refresh_out, 64, "%s", authkit_login_refresh_token(l));
	authkit_login_free(l);
}

/* Whether the session is alive (not revoked, not expired). */
static int session_alive(const char *sid)
{
	authkit_session *s = NULL;
	ck_assert_int_eq(authkit_session_get(ctx, sid, &s), AUTHKIT_OK);
	int alive = authkit_session_revoked_at(s) == 0;
	authkit_session_free(s);
	return alive;
}

static int live_sessions(int64_t user_id)
{
	authkit_session_list *l = NULL;
	ck_assert_int_eq(authkit_session_list_user(ctx, user_id, &l), AUTHKIT_OK);
	int n = (int)authkit_session_list_count(l);
	authkit_session_list_free(l);
	return n;
}

static int op_login(void)
{
	authkit_login_result *l = NULL;
	int rc = authkit_login(ctx, "alice", PW, "192.0.2.5", "fault-test/1.0", &l);
	ck_assert(rc == AUTHKIT_OK ? l != NULL : l == NULL);
	authkit_login_free(l);
	return rc;
}

static int op_refresh(void)
{
	authkit_login_result *l = NULL;
	int rc = authkit_refresh(ctx, refresh1, "192.0.2.6", &l);
	ck_assert(rc == AUTHKIT_OK ? l != NULL : l == NULL);
	if (rc == AUTHKIT_OK) {
		ck_assert_str_eq(authkit_login_session_id(l), sid1);
		ck_assert_ptr_nonnull(authkit_login_access_token(l));
	}
	authkit_login_free(l);
	return rc;
}

static int op_logout(void)
{
	return authkit_logout(ctx, sid1, "192.0.2.7");
}

static int op_revoke_all(void)
{
	int64_t n = -1;
	int rc = authkit_session_revoke_all(ctx, alice, &n);
	if (rc == AUTHKIT_OK)
		ck_assert_int_eq(n, 2);
	else
		ck_assert_int_eq(n, -1);
	return rc;
}

static int op_reset_request(void)
{
	char *token = NULL;
	int rc = authkit_reset_request(ctx, "Alice@Example.com", "192.0.2.8", &token);
	ck_assert(rc == AUTHKIT_OK ? token != NULL : token == NULL);
	authkit_string_free(token);
	return rc;
}

static int op_reset_complete(void)
{
	return authkit_reset_complete(ctx, reset_token, PW2, "192.0.2.10");
}

static int op_verify_complete(void)
{
	int64_t who = 0;
	int rc = authkit_verify_complete(ctx, verify_token, &who);
	ck_assert_int_eq(who, rc == AUTHKIT_OK ? alice : 0);
	return rc;
}

static int op_password_change_keep(void)
{
	return authkit_password_change(ctx, alice, PW, PW2, sid1, "192.0.2.11");
}

static int op_deactivate(void)
{
	return authkit_user_set_active(ctx, alice, 0);
}

/* ---- tests ------------------------------------------------------------ */

START_TEST(fault_register)
{
	walk("register", op_register, AUTHKIT_OK);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_username(ctx, "dave", &u), AUTHKIT_OK);
	authkit_user_free(u);
	ck_assert_int_eq(audit_events(0, "user.registered"), 2);
}
END_TEST

START_TEST(fault_import)
{
	walk("import", op_import, AUTHKIT_OK);
	ck_assert_int_eq(audit_events(0, "user.imported"), 3);
}
END_TEST

START_TEST(fault_set_email)
{
	ck_assert_int_eq(authkit_user_set_verified(ctx, alice, 1), AUTHKIT_OK);
	walk("set_email", op_set_email, AUTHKIT_OK);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, alice, &u), AUTHKIT_OK);
	ck_assert_str_eq(authkit_user_email(u), "alice.new@example.org");
	ck_assert_int_eq(authkit_user_is_verified(u), 0);
	authkit_user_free(u);
}
END_TEST

START_TEST(fault_other_updates)
{
	walk("set_full_name", op_set_full_name, AUTHKIT_OK);
	walk("set_active", op_set_active, AUTHKIT_OK);
	walk("lock", op_lock, AUTHKIT_OK);
	walk("unlock", op_unlock, AUTHKIT_OK);
	walk("remove_role", op_remove_role, AUTHKIT_OK);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, alice, &u), AUTHKIT_OK);
	ck_assert_str_eq(authkit_user_full_name(u), "Alice Liddell");
	ck_assert_int_eq(authkit_user_is_active(u), 0);
	ck_assert_int_eq(authkit_user_locked_until(u), 2000000000);
	ck_assert_uint_eq(authkit_user_role_count(u), 0);
	authkit_user_free(u);
}
END_TEST

START_TEST(fault_add_role)
{
	walk("add_role", op_add_role, AUTHKIT_OK);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, alice, &u), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_has_role(u, "editor"), 1);
	ck_assert_int_eq(authkit_user_has_role(u, "admin"), 1);
	authkit_user_free(u);
}
END_TEST

START_TEST(fault_delete)
{
	walk("delete", op_delete, AUTHKIT_OK);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, alice, &u), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(audit_events(alice, "user.deleted"), 1);
}
END_TEST

START_TEST(fault_authenticate_ok)
{
	walk("authenticate (success)", op_auth_ok, AUTHKIT_OK);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, alice, &u), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_last_login_at(u), test_clock_read(&clk) / 1000);
	authkit_user_free(u);
	ck_assert_int_eq(audit_events(alice, "auth.ok"), 1);
}
END_TEST

START_TEST(fault_authenticate_ok_with_rehash)
{
	walk("authenticate (success, bcrypt rehash)", op_auth_ok_rehash, AUTHKIT_OK);
	authkit_store_user rec;
	ck_assert_int_eq(ak_user_load(ctx, bob, &rec), AUTHKIT_OK);
	ck_assert_msg(strncmp(rec.password_hash, "$argon2id$", 10) == 0, "%s", rec.password_hash);
	ck_assert_int_eq(audit_events(bob, "password.rehashed"), 1);
	ck_assert_int_eq(audit_events(bob, "auth.ok"), 1);
}
END_TEST

START_TEST(fault_authenticate_failure_lockout)
{
	walk("authenticate (failure, lockout)", op_auth_fail_lockout, AUTHKIT_EAUTH);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, carol, &u), AUTHKIT_OK);
	ck_assert_int_gt(authkit_user_locked_until(u), test_clock_read(&clk) / 1000);
	authkit_user_free(u);
	ck_assert_int_eq(audit_events(carol, "auth.lockout"), 1);
	ck_assert_int_eq(audit_events(carol, "auth.failed"), MAX_ATTEMPTS);
}
END_TEST

START_TEST(fault_authenticate_failure_unknown)
{
	walk("authenticate (unknown user)", op_auth_fail_unknown, AUTHKIT_EAUTH);
	ck_assert_int_eq(audit_events(0, "auth.failed"), MAX_ATTEMPTS - 1 + 1);
}
END_TEST

START_TEST(fault_password_change)
{
	walk("password_change", op_password_change, AUTHKIT_OK);
	ck_assert_int_eq(authkit_authenticate(ctx, "alice", PW, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_authenticate(ctx, "alice", PW2, NULL, NULL), AUTHKIT_OK);
	ck_assert_int_eq(audit_events(alice, "password.changed"), 1);
}
END_TEST

START_TEST(fault_password_set)
{
	walk("password_set", op_password_set, AUTHKIT_OK);
	ck_assert_int_eq(authkit_authenticate(ctx, "alice", PW2, NULL, NULL), AUTHKIT_OK);
	ck_assert_int_eq(audit_events(alice, "password.set"), 1);
}
END_TEST

START_TEST(fault_login)
{
	walk("login", op_login, AUTHKIT_OK);
	ck_assert_int_eq(live_sessions(alice), 1);
	ck_assert_int_eq(audit_events(alice, "auth.login"), 1);
	ck_assert_int_eq(audit_events(alice, "auth.ok"), 1);
}
END_TEST

START_TEST(fault_refresh)
{
	open_session("alice", PW, sid1, refresh1);
	/* past the touch interval: the refresh also writes last-seen */
	test_clock_advance_s(&clk, 3600);
	fault_store_reset(ctl);
	walk("refresh", op_refresh, AUTHKIT_OK);
	ck_assert_int_eq(audit_events(alice, "auth.refresh"), 1);
	authkit_session *s = NULL;
	ck_assert_int_eq(authkit_session_get(ctx, sid1, &s), AUTHKIT_OK);
	ck_assert_int_eq(authkit_session_last_seen_at(s), test_clock_read(&clk) / 1000);
	authkit_session_free(s);
	/* the rotated token is now spent: presenting it again is a reuse (which
	 * commits the revocation on purpose, so it is not walked) */
	authkit_login_result *l = NULL;
	ck_assert_int_eq(authkit_refresh(ctx, refresh1, NULL, &l), AUTHKIT_EREUSE);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(session_alive(sid1), 0);
}
END_TEST

START_TEST(fault_logout)
{
	open_session("alice", PW, sid1, NULL);
	fault_store_reset(ctl);
	walk("logout", op_logout, AUTHKIT_OK);
	ck_assert_int_eq(session_alive(sid1), 0);
	ck_assert_int_eq(audit_events(alice, "auth.logout"), 1);
}
END_TEST

START_TEST(fault_session_revoke_all)
{
	open_session("alice", PW, sid1, NULL);
	open_session("alice@example.com", PW, sid2, NULL);
	fault_store_reset(ctl);
	walk("session_revoke_all", op_revoke_all, AUTHKIT_OK);
	ck_assert_int_eq(live_sessions(alice), 0);
	ck_assert_int_eq(audit_events(alice, "session.revoked"), 1);
}
END_TEST

START_TEST(fault_reset_request)
{
	walk("reset_request (known email)", op_reset_request, AUTHKIT_OK);
	ck_assert_int_eq(audit_events(alice, "password.reset_requested"), 1);
}
END_TEST

START_TEST(fault_reset_complete)
{
	char *token = NULL;
	ck_assert_int_eq(authkit_reset_request(ctx, "alice@example.com", NULL, &token), AUTHKIT_OK);
	snprintf(reset_token, sizeof reset_token, "%s", token);
	authkit_string_free(token);
	open_session("alice", PW, sid1, NULL);
	/* a lockout the reset clears */
	ck_assert_int_eq(authkit_user_lock(ctx, alice, 2000000000), AUTHKIT_OK);
	test_clock_advance_s(&clk, 60);
	fault_store_reset(ctl);
	walk("reset_complete", op_reset_complete, AUTHKIT_OK);
	ck_assert_int_eq(session_alive(sid1), 0);
	ck_assert_int_eq(audit_events(alice, "password.reset_completed"), 1);
	ck_assert_int_eq(authkit_reset_complete(ctx, reset_token, PW, NULL), AUTHKIT_ETOKEN); /* single use */
	ck_assert_int_eq(authkit_authenticate(ctx, "alice", PW2, NULL, NULL), AUTHKIT_OK);
}
END_TEST

START_TEST(fault_verify_complete)
{
	char *token = NULL;
	ck_assert_int_eq(authkit_verify_request(ctx, alice, &token), AUTHKIT_OK);
	snprintf(verify_token, sizeof verify_token, "%s", token);
	authkit_string_free(token);
	test_clock_advance_s(&clk, 60);
	fault_store_reset(ctl);
	walk("verify_complete", op_verify_complete, AUTHKIT_OK);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, alice, &u), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_is_verified(u), 1);
	authkit_user_free(u);
	ck_assert_int_eq(audit_events(alice, "email.verified"), 1);
	ck_assert_int_eq(authkit_verify_complete(ctx, verify_token, NULL), AUTHKIT_ETOKEN); /* single use */
}
END_TEST

START_TEST(fault_password_change_revokes_other_sessions)
{
	open_session("alice", PW, sid1, NULL);
	open_session("alice", PW, sid2, NULL);
	test_clock_advance_s(&clk, 60);
	fault_store_reset(ctl);
	walk("password_change (keeping one session)", op_password_change_keep, AUTHKIT_OK);
	ck_assert_int_eq(session_alive(sid1), 1);
	ck_assert_int_eq(session_alive(sid2), 0);
	ck_assert_int_eq(audit_events(alice, "password.changed"), 1);
}
END_TEST

START_TEST(fault_deactivate_revokes_sessions)
{
	open_session("alice", PW, sid1, NULL);
	open_session("alice", PW, sid2, NULL);
	test_clock_advance_s(&clk, 60);
	fault_store_reset(ctl);
	walk("set_active(0) with sessions", op_deactivate, AUTHKIT_OK);
	ck_assert_int_eq(live_sessions(alice), 0);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, alice, &u), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_is_active(u), 0);
	authkit_user_free(u);
}
END_TEST

/* The harness itself: a failure really is injected and really is seen. */
START_TEST(fault_harness_injects)
{
	fault_store_fail_at(ctl, 1);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, alice, &u), AUTHKIT_ESTORE);
	ck_assert_ptr_null(u);
	ck_assert_int_eq(fault_store_calls(ctl), 1);
	ck_assert_int_eq(authkit_user_get_by_id(ctx, alice, &u), AUTHKIT_OK); /* only the first */
	authkit_user_free(u);
	fault_store_reset(ctl);
	int64_t n = 0;
	ck_assert_int_eq(authkit_user_count(ctx, &n), AUTHKIT_OK);
	ck_assert_int_eq(n, 3);
}
END_TEST

static Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("fault");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, fault_harness_injects);
	tcase_add_test(tc, fault_register);
	tcase_add_test(tc, fault_import);
	tcase_add_test(tc, fault_set_email);
	tcase_add_test(tc, fault_other_updates);
	tcase_add_test(tc, fault_add_role);
	tcase_add_test(tc, fault_delete);
	tcase_add_test(tc, fault_authenticate_ok);
	tcase_add_test(tc, fault_authenticate_ok_with_rehash);
	tcase_add_test(tc, fault_authenticate_failure_lockout);
	tcase_add_test(tc, fault_authenticate_failure_unknown);
	tcase_add_test(tc, fault_password_change);
	tcase_add_test(tc, fault_password_set);
	tcase_add_test(tc, fault_login);
	tcase_add_test(tc, fault_refresh);
	tcase_add_test(tc, fault_logout);
	tcase_add_test(tc, fault_session_revoke_all);
	tcase_add_test(tc, fault_reset_request);
	tcase_add_test(tc, fault_reset_complete);
	tcase_add_test(tc, fault_verify_complete);
	tcase_add_test(tc, fault_password_change_revokes_other_sessions);
	tcase_add_test(tc, fault_deactivate_revokes_sessions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fault_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
