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
/* vault master keys: the fixture's (version 1) and the one rotated to */
#define MASTER_K1 "3b7e1a9c5f2d8e4a6c0b9d7f1e3a5c8b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c"
#define MASTER_K2 "d2a4c6e8f0b1d3f5a7c9e2b4d6f8a0c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3"
#define VAULT_KEY "sk-proj-Fault9Injection-Walk4Vault-abcd"
#define VAULT_KEY2 "sk-ant-Replacement7Key-Fault2Walk-wxyz"

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
	/* the vault on, under master key version 1 */
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_MASTER_KEY", MASTER_K1), AUTHKIT_OK);
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
 * expect_final and have changed the database. users_or_audit: whether the
 * successful run also changes what db_store_dump() shows (users and audit
 * rows); operations that write neither (usage, quota counters) pass 0.
 */
static void walk_ex(const char *name, op_fn op, int expect_final, int users_or_audit)
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
	if (users_or_audit)
		ck_assert_str_ne(st0, st2);
	else
		ck_assert_str_eq(st0, st2);
	free(raw0);
	free(st0);
	free(raw2);
	free(st2);
}

static void walk(const char *name, op_fn op, int expect_final)
{
	walk_ex(name, op, expect_final, 1);
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

/* ---- vault, API keys, usage ------------------------------------------- */

static int vault_put(const char *service, const char *secret)
{
	return authkit_vault_put(ctx, alice, service, (const unsigned char *)secret, strlen(secret));
}

/* The key stored for alice and service, or the error getting it. */
static int vault_get_is(const char *service, const char *expect)
{
	authkit_secret *sec = NULL;
	int rc = authkit_vault_get(ctx, alice, service, &sec);
	if (rc == AUTHKIT_OK) {
		ck_assert_uint_eq(authkit_secret_len(sec), strlen(expect));
		ck_assert_mem_eq(authkit_secret_data(sec), expect, strlen(expect));
	} else {
		ck_assert_ptr_null(sec);
	}
	authkit_secret_free(sec);
	return rc;
}

static int op_vault_put_new(void)
{
	return vault_put("openai", VAULT_KEY);
}

static int op_vault_put_replace(void)
{
	return vault_put("openai", VAULT_KEY2);
}

static int op_vault_delete(void)
{
	return authkit_vault_delete(ctx, alice, "openai");
}

static int op_vault_disable(void)
{
	return authkit_vault_set_active(ctx, alice, "openai", 0);
}

static int op_vault_rotate(void)
{
	int64_t n = -1;
	int done = -1;
	int rc = authkit_vault_rotate(ctx, 2, &n, &done);
	/* one batch of two of the three stale rows */
	ck_assert_int_eq(n, rc == AUTHKIT_OK ? 2 : 0);
	ck_assert_int_eq(done, 0);
	return rc;
}

static char apikey_key[128], apikey_id[64];

static int op_apikey_create(void)
{
	char *key = NULL, *id = NULL;
	int rc = authkit_apikey_create(ctx, alice, "ci runner", "read write read", 0, &key, &id);
	ck_assert(rc == AUTHKIT_OK ? key != NULL && id != NULL : key == NULL && id == NULL);
	if (rc == AUTHKIT_OK) {
		snprintf(apikey_key, sizeof apikey_key, "%s", key);
		snprintf(apikey_id, sizeof apikey_id, "%s", id);
	}
	authkit_string_free(key);
	authkit_string_free(id);
	return rc;
}

static int op_apikey_revoke(void)
{
	return authkit_apikey_revoke(ctx, apikey_id);
}

/* An event of user at time t (0: now) with an idempotency key (NULL: none). */
static authkit_usage_event *usage_event(int64_t user, int64_t t, const char *idem, int64_t cost)
{
	authkit_usage_event *ev = NULL;
	ck_assert_int_eq(authkit_usage_event_new(&ev), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_user_id(ev, user), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_service(ev, "openai"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_model(ev, "gpt-4o"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_input_tokens(ev, 120), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_output_tokens(ev, 30), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_cost_micros(ev, cost), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_idempotency_key(ev, idem), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_time(ev, t), AUTHKIT_OK);
	return ev;
}

static void record(int64_t user, int64_t t, const char *idem, int64_t cost)
{
	authkit_usage_event *ev = usage_event(user, t, idem, cost);
	int dup = -1;
	ck_assert_int_eq(authkit_usage_record(ctx, ev, &dup), AUTHKIT_OK);
	ck_assert_int_eq(dup, 0);
	authkit_usage_event_free(ev);
}

static int op_usage_record(void)
{
	authkit_usage_event *ev = usage_event(alice, 0, "evt-1", 2500);
	int dup = -1;
	int rc = authkit_usage_record(ctx, ev, &dup);
	ck_assert_int_eq(dup, 0);
	authkit_usage_event_free(ev);
	return rc;
}

static int op_usage_record_batch(void)
{
	/* two new, one repeating an earlier one of the batch, one already recorded */
	authkit_usage_event *evs[4] = {
		usage_event(alice, 0, "batch-1", 100),
		usage_event(bob, 0, "batch-2", 200),
		usage_event(alice, 0, "batch-1", 100),
		usage_event(alice, 0, "seeded", 300),
	};
	size_t inserted = 99;
	int rc = authkit_usage_record_batch(ctx, (const authkit_usage_event *const *)evs, 4, &inserted);
	ck_assert_uint_eq(inserted, rc == AUTHKIT_OK ? 2 : 0);
	for (size_t i = 0; i < 4; i++)
		authkit_usage_event_free(evs[i]);
	return rc;
}

#define DAY 86400

static int op_billing_close(void)
{
	int64_t n = -1;
	int rc = authkit_billing_close(ctx, 0, 0, DAY, &n);
	ck_assert_int_eq(n, rc == AUTHKIT_OK ? 2 : 0);
	return rc;
}

static int64_t billing_id;

static int op_billing_paid(void)
{
	return authkit_billing_set_status(ctx, billing_id, AUTHKIT_BILLING_PAID);
}

static int64_t charge_expect;

static int op_quota_charge(void)
{
	int64_t used = -1;
	int rc = authkit_quota_charge(ctx, alice, "openai", AUTHKIT_QUOTA_TOKENS, AUTHKIT_PERIOD_DAY, 7, &used);
	ck_assert_int_eq(used, rc == AUTHKIT_OK ? charge_expect : 0);
	return rc;
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

START_TEST(fault_vault_put_new)
{
	walk("vault_put (new)", op_vault_put_new, AUTHKIT_OK);
	ck_assert_int_eq(vault_get_is("openai", VAULT_KEY), AUTHKIT_OK);
	ck_assert_int_eq(audit_events(alice, "vault.put"), 1);
}
END_TEST

START_TEST(fault_vault_put_replace)
{
	ck_assert_int_eq(vault_put("openai", VAULT_KEY), AUTHKIT_OK);
	int64_t created = test_clock_read(&clk) / 1000;
	ck_assert_int_eq(authkit_vault_set_active(ctx, alice, "openai", 0), AUTHKIT_OK);
	test_clock_advance_s(&clk, 60);
	fault_store_reset(ctl);
	walk("vault_put (replace)", op_vault_put_replace, AUTHKIT_OK);
	ck_assert_int_eq(vault_get_is("openai", VAULT_KEY2), AUTHKIT_OK); /* active again */
	authkit_vault_list *l = NULL;
	ck_assert_int_eq(authkit_vault_list_user(ctx, alice, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_vault_list_count(l), 1);
	ck_assert_int_eq(authkit_vault_list_created_at(l, 0), created);
	ck_assert_int_eq(authkit_vault_list_updated_at(l, 0), test_clock_read(&clk) / 1000);
	authkit_vault_list_free(l);
	ck_assert_int_eq(audit_events(alice, "vault.put"), 2);
}
END_TEST

START_TEST(fault_vault_delete)
{
	ck_assert_int_eq(vault_put("openai", VAULT_KEY), AUTHKIT_OK);
	ck_assert_int_eq(vault_put("anthropic", VAULT_KEY2), AUTHKIT_OK);
	fault_store_reset(ctl);
	walk("vault_delete", op_vault_delete, AUTHKIT_OK);
	ck_assert_int_eq(vault_get_is("openai", VAULT_KEY), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(vault_get_is("anthropic", VAULT_KEY2), AUTHKIT_OK);
	ck_assert_int_eq(audit_events(alice, "vault.deleted"), 1);
}
END_TEST

START_TEST(fault_vault_set_active)
{
	ck_assert_int_eq(vault_put("openai", VAULT_KEY), AUTHKIT_OK);
	test_clock_advance_s(&clk, 60);
	fault_store_reset(ctl);
	walk("vault_set_active(0)", op_vault_disable, AUTHKIT_OK); /* writes an audit row */
	ck_assert_int_eq(vault_get_is("openai", VAULT_KEY), AUTHKIT_EREVOKED);
}
END_TEST

START_TEST(fault_vault_rotate)
{
	/* three rows under version 1 */
	ck_assert_int_eq(vault_put("openai", VAULT_KEY), AUTHKIT_OK);
	ck_assert_int_eq(vault_put("anthropic", VAULT_KEY2), AUTHKIT_OK);
	ck_assert_int_eq(authkit_vault_put(ctx, bob, "openai", (const unsigned char *)VAULT_KEY2, strlen(VAULT_KEY2)),
	                 AUTHKIT_OK);
	/* a second context on the same database, at version 2, through its own
	 * fault store; the walk runs on it */
	authkit_store *inner2 = NULL;
	fault_store_ctl *ctl2 = NULL;
	ck_assert_int_eq(authkit_store_sqlite_open(&inner2, path, 0), AUTHKIT_OK);
	authkit_store *wrapped2 = fault_store_wrap(inner2, &ctl2);
	ck_assert_ptr_nonnull(wrapped2);
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_MASTER_KEY", MASTER_K2), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_MASTER_KEY_VERSION", "2"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_MASTER_OLD_KEYS", "1:" MASTER_K1), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_store(cfg, wrapped2), AUTHKIT_OK);
	authkit_ctx *ctx2 = NULL;
	ck_assert_int_eq(authkit_ctx_open(&ctx2, cfg), AUTHKIT_OK);
	authkit_config_free(cfg);
	authkit_ctx *ctx1 = ctx;
	authkit_store *inner1 = inner;
	fault_store_ctl *ctl1 = ctl;
	ctx = ctx2;
	inner = inner2;
	ctl = ctl2;
	test_clock_advance_s(&clk, 60);
	fault_store_reset(ctl);

	walk("vault_rotate (one batch)", op_vault_rotate, AUTHKIT_OK);
	ck_assert_int_eq(audit_events(0, "vault.rotated"), 1);
	/* every row still reads through the new context */
	ck_assert_int_eq(vault_get_is("openai", VAULT_KEY), AUTHKIT_OK);
	ck_assert_int_eq(vault_get_is("anthropic", VAULT_KEY2), AUTHKIT_OK);
	int64_t n = 0;
	int done = 0;
	ck_assert_int_eq(authkit_vault_rotate(ctx, 2, &n, &done), AUTHKIT_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(done, 1);

	ctx = ctx1;
	inner = inner1;
	ctl = ctl1;
	authkit_ctx_free(ctx2);
}
END_TEST

START_TEST(fault_apikey_create)
{
	walk("apikey_create", op_apikey_create, AUTHKIT_OK);
	authkit_principal *p = NULL;
	ck_assert_int_eq(authkit_apikey_verify(ctx, apikey_key, &p), AUTHKIT_OK);
	authkit_principal_free(p);
	authkit_apikey_list *l = NULL;
	ck_assert_int_eq(authkit_apikey_list_user(ctx, alice, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_apikey_list_count(l), 1);
	ck_assert_str_eq(authkit_apikey_list_public_id(l, 0), apikey_id);
	authkit_apikey_list_free(l);
	ck_assert_int_eq(audit_events(alice, "apikey.created"), 1);
}
END_TEST

START_TEST(fault_apikey_revoke)
{
	ck_assert_int_eq(op_apikey_create(), AUTHKIT_OK);
	test_clock_advance_s(&clk, 60);
	fault_store_reset(ctl);
	walk("apikey_revoke", op_apikey_revoke, AUTHKIT_OK);
	authkit_principal *p = NULL;
	ck_assert_int_eq(authkit_apikey_verify(ctx, apikey_key, &p), AUTHKIT_EREVOKED);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(audit_events(alice, "apikey.revoked"), 1);
}
END_TEST

static int64_t usage_events(int64_t user)
{
	authkit_usage_summary *s = NULL;
	ck_assert_int_eq(authkit_usage_summary_get(ctx, user, 0, 0, AUTHKIT_USAGE_BY_SERVICE, &s), AUTHKIT_OK);
	int64_t n = authkit_usage_summary_count(s) ? authkit_usage_summary_events(s, 0) : 0;
	authkit_usage_summary_free(s);
	return n;
}

START_TEST(fault_usage_record)
{
	walk_ex("usage_record", op_usage_record, AUTHKIT_OK, 0);
	ck_assert_int_eq(usage_events(alice), 1);
	/* the idempotency key is taken now */
	authkit_usage_event *ev = usage_event(alice, 0, "evt-1", 2500);
	int dup = 0;
	ck_assert_int_eq(authkit_usage_record(ctx, ev, &dup), AUTHKIT_OK);
	ck_assert_int_eq(dup, 1);
	authkit_usage_event_free(ev);
}
END_TEST

START_TEST(fault_usage_record_batch)
{
	record(alice, 0, "seeded", 300);
	fault_store_reset(ctl);
	walk_ex("usage_record_batch", op_usage_record_batch, AUTHKIT_OK, 0);
	ck_assert_int_eq(usage_events(alice), 2);
	ck_assert_int_eq(usage_events(bob), 1);
}
END_TEST

START_TEST(fault_billing_close)
{
	record(alice, 100, "a-1", 1000);
	record(alice, 200, "a-2", 2000);
	record(bob, 300, NULL, 4000);
	record(bob, DAY + 5, NULL, 8000); /* the next period: not billed */
	fault_store_reset(ctl);
	walk("billing_close", op_billing_close, AUTHKIT_OK);
	authkit_billing_list *l = NULL;
	ck_assert_int_eq(authkit_billing_list_get(ctx, 0, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_billing_list_count(l), 2);
	int64_t cost = authkit_billing_list_cost_micros(l, 0) + authkit_billing_list_cost_micros(l, 1);
	ck_assert_int_eq(cost, 7000);
	authkit_billing_list_free(l);
	ck_assert_int_eq(audit_events(0, "billing.closed"), 1);
	int64_t n = -1;
	ck_assert_int_eq(authkit_billing_close(ctx, 0, 0, DAY, &n), AUTHKIT_OK); /* billed once */
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(fault_billing_set_status)
{
	record(alice, 100, NULL, 1000);
	int64_t n = 0;
	ck_assert_int_eq(authkit_billing_close(ctx, alice, 0, DAY, &n), AUTHKIT_OK);
	ck_assert_int_eq(n, 1);
	authkit_billing_list *l = NULL;
	ck_assert_int_eq(authkit_billing_list_get(ctx, alice, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_billing_list_count(l), 1);
	billing_id = authkit_billing_list_id(l, 0);
	authkit_billing_list_free(l);
	fault_store_reset(ctl);
	walk("billing_set_status", op_billing_paid, AUTHKIT_OK);
	ck_assert_int_eq(authkit_billing_list_get(ctx, alice, &l), AUTHKIT_OK);
	ck_assert_int_eq(authkit_billing_list_status(l, 0), AUTHKIT_BILLING_PAID);
	authkit_billing_list_free(l);
	ck_assert_int_eq(audit_events(0, "billing.status"), 1);
	ck_assert_int_eq(authkit_billing_set_status(ctx, billing_id, AUTHKIT_BILLING_VOID), AUTHKIT_ENOTFOUND);
}
END_TEST

START_TEST(fault_quota_charge)
{
	charge_expect = 7; /* a new counter */
	walk_ex("quota_charge (new counter)", op_quota_charge, AUTHKIT_OK, 0);
	charge_expect = 14; /* an existing one */
	walk_ex("quota_charge (existing counter)", op_quota_charge, AUTHKIT_OK, 0);
	int64_t remaining = -1;
	ck_assert_int_eq(authkit_quota_check(ctx, alice, "openai", AUTHKIT_QUOTA_TOKENS, AUTHKIT_PERIOD_DAY, 20, 0,
	                                     &remaining, NULL),
	                 AUTHKIT_OK);
	ck_assert_int_eq(remaining, 6);
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
	tcase_add_test(tc, fault_vault_put_new);
	tcase_add_test(tc, fault_vault_put_replace);
	tcase_add_test(tc, fault_vault_delete);
	tcase_add_test(tc, fault_vault_set_active);
	tcase_add_test(tc, fault_vault_rotate);
	tcase_add_test(tc, fault_apikey_create);
	tcase_add_test(tc, fault_apikey_revoke);
	tcase_add_test(tc, fault_usage_record);
	tcase_add_test(tc, fault_usage_record_batch);
	tcase_add_test(tc, fault_billing_close);
	tcase_add_test(tc, fault_billing_set_status);
	tcase_add_test(tc, fault_quota_charge);
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
