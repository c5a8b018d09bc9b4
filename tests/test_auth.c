/*
 * Credential checks: login by username or email, one status for every
 * failure with the true reason in authenticate_ex and the audit log,
 * lockout, the dummy verification for unknown/locked/inactive accounts,
 * legacy bcrypt upgrade, rehash on cost change, password change and set.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "helpers.h"

#define PW "Xq7!Nimbus-Vortex-Pyl0n"
#define PW2 "Glacier*Tundra*Mosaic-913"
#define WRONG "Xq7!Nimbus-Vortex-Pyl0N"

static test_clock clk;
static authkit_ctx *ctx;

static void setup(void)
{
	memset(&clk, 0, sizeof clk);
	ctx = test_ctx(&clk, 0, NULL);
}

static void teardown(void)
{
	authkit_ctx_free(ctx);
	ctx = NULL;
}

static int64_t now_s(void)
{
	return test_clock_read(&clk) / 1000;
}

/* A context with lockout settings (and optionally another Argon2 cost) on db. */
static authkit_ctx *open_ctx(const char *db, int max_attempts, int lockout_minutes, int opslimit)
{
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", db), AUTHKIT_OK);
	if (max_attempts)
		ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_MAX_LOGIN_ATTEMPTS", max_attempts), AUTHKIT_OK);
	if (lockout_minutes)
		ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_LOCKOUT_MINUTES", lockout_minutes), AUTHKIT_OK);
	if (opslimit)
		ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_ARGON2_OPSLIMIT", opslimit), AUTHKIT_OK);
	return test_ctx_from_config(cfg);
}

static int64_t reg_in(authkit_ctx *c, const char *username, const char *email)
{
	authkit_user *u = NULL;
	int rc = authkit_user_register(c, username, email, NULL, PW, &u);
	ck_assert_msg(rc == AUTHKIT_OK, "register %s: %s (%s)", username, authkit_strerror(rc), authkit_error_last());
	int64_t id = authkit_user_id(u);
	authkit_user_free(u);
	return id;
}

static int64_t reg(const char *username, const char *email)
{
	return reg_in(ctx, username, email);
}

static authkit_user *get_in(authkit_ctx *c, int64_t id)
{
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(c, id, &u), AUTHKIT_OK);
	return u;
}

static int failed_logins(authkit_ctx *c, int64_t id)
{
	authkit_user *u = get_in(c, id);
	int n = authkit_user_failed_logins(u);
	authkit_user_free(u);
	return n;
}

static int64_t locked_until(authkit_ctx *c, int64_t id)
{
	authkit_user *u = get_in(c, id);
	int64_t t = authkit_user_locked_until(u);
	authkit_user_free(u);
	return t;
}

/* The newest audit row must be this one. */
static void assert_last_audit(authkit_ctx *c, int64_t user_id, const char *event, const char *detail,
                              const char *ip)
{
	authkit_audit_list *l = NULL;
	ck_assert_int_eq(authkit_audit_query(c, 0, 0, 0, 1, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_audit_list_count(l), 1);
	ck_assert_str_eq(authkit_audit_list_event(l, 0), event);
	ck_assert_int_eq(authkit_audit_list_user_id(l, 0), user_id);
	if (detail)
		ck_assert_str_eq(authkit_audit_list_detail(l, 0), detail);
	if (ip)
		ck_assert_str_eq(authkit_audit_list_ip(l, 0), ip);
	ck_assert_int_eq(authkit_audit_list_time(l, 0), now_s());
	authkit_audit_list_free(l);
}

static void stored_hash(authkit_ctx *c, int64_t id, char *out)
{
	authkit_store_user rec;
	ck_assert_int_eq(c->store->user_get(c->store, AUTHKIT_STORE_BY_ID, id, NULL, &rec), AUTHKIT_OK);
	strcpy(out, rec.password_hash);
}

/* ------------------------------------------------------------------ */

START_TEST(login_by_username_or_email)
{
	int64_t id = reg("Alice_01", "Alice@Example.com");
	const char *ids[] = {"Alice_01", "alice_01", "ALICE_01", "alice@example.com", "ALICE@EXAMPLE.COM",
	                     "Alice@Example.com"};
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		authkit_user *u = NULL;
		int reason = -1;
		int rc = authkit_authenticate_ex(ctx, ids[i], PW, "203.0.113.7", &u, &reason);
		ck_assert_msg(rc == AUTHKIT_OK, "%s: %s", ids[i], authkit_strerror(rc));
		ck_assert_int_eq(reason, AUTHKIT_AUTH_OK);
		ck_assert_ptr_nonnull(u);
		ck_assert_int_eq(authkit_user_id(u), id);
		ck_assert_str_eq(authkit_user_username(u), "Alice_01");
		ck_assert_str_eq(authkit_user_email(u), "alice@example.com");
		ck_assert_int_eq(authkit_user_last_login_at(u), now_s());
		ck_assert_int_eq(authkit_user_failed_logins(u), 0);
		authkit_user_free(u);
		assert_last_audit(ctx, id, "auth.ok", NULL, "203.0.113.7");
	}
	/* out may be NULL, ip may be NULL */
	ck_assert_int_eq(authkit_authenticate(ctx, "alice_01", PW, NULL, NULL), AUTHKIT_OK);
	assert_last_audit(ctx, id, "auth.ok", NULL, "");
	ck_assert_int_eq(test_audit_count(ctx, id, "auth.ok", NULL), 7);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.failed", NULL), 0);
	/* IPv6 with a zone goes to the log verbatim */
	ck_assert_int_eq(authkit_authenticate(ctx, "alice_01", PW, "[fe80::1%eth0]", NULL), AUTHKIT_OK);
	assert_last_audit(ctx, id, "auth.ok", NULL, "[fe80::1%eth0]");
}
END_TEST

START_TEST(every_failure_is_eauth_with_reason)
{
	int64_t id = reg("bob", "bob@example.com");
	int64_t inactive = reg("carl", "carl@example.com");
	int64_t locked = reg("dora", "dora@example.com");
	ck_assert_int_eq(authkit_user_set_active(ctx, inactive, 0), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_lock(ctx, locked, now_s() + 600), AUTHKIT_OK);

	struct {
		const char *identifier, *password;
		int reason;
		int64_t user_id;
		const char *detail;
	} cases[] = {
	    {"bob", WRONG, AUTHKIT_AUTH_BAD_PASSWORD, id, "reason=bad_password"},
	    {"BOB@example.com", "", AUTHKIT_AUTH_BAD_PASSWORD, id, "reason=bad_password"},
	    {"nobody", PW, AUTHKIT_AUTH_UNKNOWN_USER, 0, "reason=unknown_user"},
	    {"nobody@example.com", PW, AUTHKIT_AUTH_UNKNOWN_USER, 0, "reason=unknown_user"},
	    {"carl", PW, AUTHKIT_AUTH_INACTIVE, inactive, "reason=inactive"},
	    {"carl@example.com", WRONG, AUTHKIT_AUTH_INACTIVE, inactive, "reason=inactive"},
	    {"dora", PW, AUTHKIT_AUTH_LOCKED, locked, "reason=locked"},
	    {"DORA@EXAMPLE.COM", WRONG, AUTHKIT_AUTH_LOCKED, locked, "reason=locked"},
	};
	char first_message[256] = "";
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		authkit_user *u = (authkit_user *)&clk;
		int reason = -1;
		int rc = authkit_authenticate_ex(ctx, cases[i].identifier, cases[i].password, "198.51.100.2", &u,
		                                 &reason);
		ck_assert_msg(rc == AUTHKIT_EAUTH, "case %zu: %s", i, authkit_strerror(rc));
		ck_assert_msg(reason == cases[i].reason, "case %zu: reason %d", i, reason);
		ck_assert_ptr_null(u);
		/* the message does not tell the cases apart either */
		if (i == 0)
			snprintf(first_message, sizeof first_message, "%s", authkit_error_last());
		ck_assert_str_ne(authkit_error_last(), "");
		ck_assert_str_eq(authkit_error_last(), first_message);
		ck_assert_ptr_null(strstr(authkit_error_last(), cases[i].password[0] ? cases[i].password : "\x01"));
		assert_last_audit(ctx, cases[i].user_id, "auth.failed", cases[i].detail, "198.51.100.2");
		/* the plain variant answers the same */
		ck_assert_int_eq(authkit_authenticate(ctx, cases[i].identifier, cases[i].password, NULL, NULL),
		                 AUTHKIT_EAUTH);
	}
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.failed", NULL), 16);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.failed", "reason=unknown_user"), 4);
	ck_assert_int_eq(test_audit_count(ctx, id, "auth.failed", "reason=bad_password"), 4);
	ck_assert_int_eq(test_audit_count(ctx, inactive, "auth.failed", "reason=inactive"), 4);
	ck_assert_int_eq(test_audit_count(ctx, locked, "auth.failed", "reason=locked"), 4);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.ok", NULL), 0);
	/* only bad passwords count toward the lockout */
	ck_assert_int_eq(failed_logins(ctx, id), 4);
	ck_assert_int_eq(failed_logins(ctx, inactive), 0);
	/* a malformed identifier cannot name an account: unknown user */
	int reason = -1;
	ck_assert_int_eq(authkit_authenticate_ex(ctx, "no spaces allowed", PW, NULL, NULL, &reason), AUTHKIT_EAUTH);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_UNKNOWN_USER);
	ck_assert_int_eq(authkit_authenticate_ex(ctx, "x@y", PW, NULL, NULL, &reason), AUTHKIT_EAUTH);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_UNKNOWN_USER);
	/* the right password still works for the active account */
	ck_assert_int_eq(authkit_authenticate_ex(ctx, "bob", PW, NULL, NULL, &reason), AUTHKIT_OK);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_OK);
}
END_TEST

START_TEST(lockout_and_expiry)
{
	authkit_ctx_free(ctx);
	ctx = open_ctx(":memory:", 3, 10, 0);
	int64_t id = reg("erin", "erin@example.com");
	int reason;

	ck_assert_int_eq(authkit_authenticate(ctx, "erin", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(failed_logins(ctx, id), 1);
	ck_assert_int_eq(authkit_authenticate(ctx, "ERIN", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(failed_logins(ctx, id), 2);
	ck_assert_int_eq(locked_until(ctx, id), 0);
	ck_assert_int_eq(test_audit_count(ctx, id, "auth.lockout", NULL), 0);
	/* third failure, through the email: the same account */
	int64_t t_lock = now_s();
	ck_assert_int_eq(authkit_authenticate_ex(ctx, "Erin@Example.com", WRONG, "192.0.2.9", NULL, &reason),
	                 AUTHKIT_EAUTH);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_BAD_PASSWORD);
	ck_assert_int_eq(locked_until(ctx, id), t_lock + 600);
	ck_assert_int_eq(test_audit_count(ctx, id, "auth.lockout", NULL), 1);

	/* the correct password fails during the lockout */
	ck_assert_int_eq(authkit_authenticate_ex(ctx, "erin", PW, NULL, NULL, &reason), AUTHKIT_EAUTH);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_LOCKED);
	test_clock_advance_s(&clk, 599);
	ck_assert_int_eq(authkit_authenticate_ex(ctx, "erin@example.com", PW, NULL, NULL, &reason), AUTHKIT_EAUTH);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_LOCKED);
	ck_assert_int_eq(test_audit_count(ctx, id, "auth.failed", "reason=locked"), 2);
	ck_assert_int_eq(test_audit_count(ctx, id, "auth.lockout", NULL), 1); /* no new lockout while locked */
	ck_assert_int_eq(locked_until(ctx, id), t_lock + 600);      /* nor an extension */

	/* when the lockout minutes have passed, it works again */
	test_clock_advance_s(&clk, 1);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_authenticate_ex(ctx, "erin", PW, NULL, &u, &reason), AUTHKIT_OK);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_OK);
	ck_assert_int_eq(authkit_user_locked_until(u), 0);
	ck_assert_int_eq(authkit_user_failed_logins(u), 0);
	authkit_user_free(u);
	ck_assert_int_eq(locked_until(ctx, id), 0);

	/* a fresh count after the lockout: two more failures do not lock */
	ck_assert_int_eq(authkit_authenticate(ctx, "erin", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_authenticate(ctx, "erin", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(locked_until(ctx, id), 0);
	ck_assert_int_eq(authkit_authenticate(ctx, "erin", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_gt(locked_until(ctx, id), now_s());

	/* an administrator can clear it */
	ck_assert_int_eq(authkit_user_unlock(ctx, id), AUTHKIT_OK);
	ck_assert_int_eq(authkit_authenticate(ctx, "erin", PW, NULL, NULL), AUTHKIT_OK);
}
END_TEST

START_TEST(success_resets_counter)
{
	authkit_ctx_free(ctx);
	ctx = open_ctx(":memory:", 3, 10, 0);
	int64_t id = reg("fred", "fred@example.com");
	int64_t other = reg("gail", "gail@example.com");
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(authkit_authenticate(ctx, "fred", WRONG, NULL, NULL), AUTHKIT_EAUTH);
		ck_assert_int_eq(authkit_authenticate(ctx, "fred@example.com", WRONG, NULL, NULL), AUTHKIT_EAUTH);
		ck_assert_int_eq(failed_logins(ctx, id), 2);
		ck_assert_int_eq(authkit_authenticate(ctx, "fred", PW, NULL, NULL), AUTHKIT_OK);
		ck_assert_int_eq(failed_logins(ctx, id), 0);
		ck_assert_int_eq(locked_until(ctx, id), 0);
	}
	ck_assert_int_eq(test_audit_count(ctx, id, "auth.lockout", NULL), 0);
	/* counters are per account */
	ck_assert_int_eq(authkit_authenticate(ctx, "gail", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(failed_logins(ctx, other), 1);
	ck_assert_int_eq(failed_logins(ctx, id), 0);
}
END_TEST

START_TEST(lockout_lives_in_the_store)
{
	char path[256];
	test_tmp_path(path, sizeof path, "auth-lock");
	authkit_ctx *a = open_ctx(path, 2, 5, 0);
	authkit_ctx *b = open_ctx(path, 2, 5, 0);
	int64_t id = reg_in(a, "hugo", "hugo@example.com");
	ck_assert_int_eq(authkit_authenticate(a, "hugo", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_authenticate(b, "HUGO", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	int reason = -1;
	ck_assert_int_eq(authkit_authenticate_ex(a, "hugo", PW, NULL, NULL, &reason), AUTHKIT_EAUTH);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_LOCKED);
	ck_assert_int_eq(authkit_authenticate_ex(b, "hugo@example.com", PW, NULL, NULL, &reason), AUTHKIT_EAUTH);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_LOCKED);
	ck_assert_int_eq(locked_until(b, id), now_s() + 300);
	authkit_ctx_free(a);
	authkit_ctx_free(b);
	/* and across a reopen */
	a = open_ctx(path, 2, 5, 0);
	ck_assert_int_eq(authkit_authenticate_ex(a, "hugo", PW, NULL, NULL, &reason), AUTHKIT_EAUTH);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_LOCKED);
	test_clock_advance_s(&clk, 300);
	ck_assert_int_eq(authkit_authenticate(a, "hugo", PW, NULL, NULL), AUTHKIT_OK);
	authkit_ctx_free(a);
	test_remove_db(path);
}
END_TEST

START_TEST(last_login_updated)
{
	int64_t id = reg("ivy", "ivy@example.com");
	authkit_user *u = get_in(ctx, id);
	ck_assert_int_eq(authkit_user_last_login_at(u), 0);
	int64_t updated = authkit_user_updated_at(u);
	authkit_user_free(u);
	test_clock_advance_s(&clk, 1234);
	ck_assert_int_eq(authkit_authenticate(ctx, "ivy", PW, NULL, NULL), AUTHKIT_OK);
	u = get_in(ctx, id);
	ck_assert_int_eq(authkit_user_last_login_at(u), now_s());
	ck_assert_int_eq(authkit_user_updated_at(u), updated); /* a login is not a profile update */
	authkit_user_free(u);
	int64_t first = now_s();
	test_clock_advance_s(&clk, 60);
	ck_assert_int_eq(authkit_authenticate(ctx, "ivy", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	u = get_in(ctx, id);
	ck_assert_int_eq(authkit_user_last_login_at(u), first); /* failures do not count */
	authkit_user_free(u);
}
END_TEST

START_TEST(same_work_for_every_failure)
{
	int64_t inactive = reg("jack", "jack@example.com");
	int64_t locked = reg("kim", "kim@example.com");
	reg("lena", "lena@example.com");
	ck_assert_int_eq(authkit_user_set_active(ctx, inactive, 0), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_lock(ctx, locked, now_s() + 600), AUTHKIT_OK);
	struct {
		const char *identifier, *password;
		int reason;
	} cases[] = {
	    {"nobody", PW, AUTHKIT_AUTH_UNKNOWN_USER},
	    {"nobody@example.com", WRONG, AUTHKIT_AUTH_UNKNOWN_USER},
	    {"not a valid name", PW, AUTHKIT_AUTH_UNKNOWN_USER},
	    {"jack", PW, AUTHKIT_AUTH_INACTIVE},
	    {"jack", WRONG, AUTHKIT_AUTH_INACTIVE},
	    {"kim", PW, AUTHKIT_AUTH_LOCKED},
	    {"kim@example.com", WRONG, AUTHKIT_AUTH_LOCKED},
	    {"lena", WRONG, AUTHKIT_AUTH_BAD_PASSWORD},
	    {"lena", PW, AUTHKIT_AUTH_OK},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		uint64_t before = ak_argon2_verify_count();
		int reason = -1;
		int rc = authkit_authenticate_ex(ctx, cases[i].identifier, cases[i].password, NULL, NULL, &reason);
		uint64_t after = ak_argon2_verify_count();
		ck_assert_int_eq(reason, cases[i].reason);
		ck_assert_int_eq(rc, cases[i].reason == AUTHKIT_AUTH_OK ? AUTHKIT_OK : AUTHKIT_EAUTH);
		ck_assert_msg(after - before == 1, "case %zu (%s): %llu Argon2id verifications, expected 1", i,
		              cases[i].identifier, (unsigned long long)(after - before));
	}
}
END_TEST

START_TEST(legacy_bcrypt_upgraded)
{
	bcrypt_case bc[8];
	int n = (int)test_load_bcrypt_fixture(bc, 8);
	if (n > 4)
		n = 4; /* bcrypt is slow on purpose: a few are enough */
	for (int i = 0; i < n; i++) {
		char un[16], em[32], h[AUTHKIT_STORE_HASH_BYTES];
		snprintf(un, sizeof un, "legacy%d", i);
		snprintf(em, sizeof em, "legacy%d@example.com", i);
		ck_assert_msg(strncmp(bc[i].hash, "$2", 2) == 0, "fixture line %d is not bcrypt", i);
		authkit_user *u = NULL;
		int rc = authkit_user_import(ctx, un, em, NULL, bc[i].hash, &u);
		ck_assert_msg(rc == AUTHKIT_OK, "import fixture %d: %s", i, authkit_error_last());
		int64_t id = authkit_user_id(u);
		authkit_user_free(u);
		ck_assert_int_eq(authkit_password_needs_rehash(ctx, bc[i].hash), 1);
		ck_assert_int_eq(authkit_password_verify(bc[i].hash, bc[i].password), AUTHKIT_OK);

		/* a wrong password neither logs in nor touches the hash */
		char wrong[140];
		snprintf(wrong, sizeof wrong, "%.127sx", bc[i].password); /* fixture passwords are < 128 bytes */
		ck_assert_int_eq(authkit_authenticate(ctx, un, wrong, NULL, NULL), AUTHKIT_EAUTH);
		stored_hash(ctx, id, h);
		ck_assert_str_eq(h, bc[i].hash);

		/* the right one does, and the hash becomes Argon2id */
		rc = authkit_authenticate(ctx, em, bc[i].password, "127.0.0.1", NULL);
		ck_assert_msg(rc == AUTHKIT_OK, "bcrypt fixture %d: %s (%s)", i, authkit_strerror(rc),
		              authkit_error_last());
		stored_hash(ctx, id, h);
		ck_assert_msg(strncmp(h, "$argon2id$", 10) == 0, "not upgraded: %s", h);
		ck_assert_int_eq(authkit_password_needs_rehash(ctx, h), 0);
		ck_assert_int_eq(authkit_password_verify(h, bc[i].password), AUTHKIT_OK);
		ck_assert_int_eq(test_audit_count(ctx, id, "password.rehashed", NULL), 1);
		/* and it keeps working, with no second rehash */
		ck_assert_int_eq(authkit_authenticate(ctx, un, bc[i].password, NULL, NULL), AUTHKIT_OK);
		ck_assert_int_eq(authkit_authenticate(ctx, un, wrong, NULL, NULL), AUTHKIT_EAUTH);
		ck_assert_int_eq(test_audit_count(ctx, id, "password.rehashed", NULL), 1);
		char h2[AUTHKIT_STORE_HASH_BYTES];
		stored_hash(ctx, id, h2);
		ck_assert_str_eq(h2, h);
	}
}
END_TEST

START_TEST(cost_change_rehashes)
{
	char path[256];
	authkit_ctx_free(ctx);
	ctx = test_ctx(&clk, 1, path);
	int64_t id = reg("mike", "mike@example.com");
	char h1[AUTHKIT_STORE_HASH_BYTES], h2[AUTHKIT_STORE_HASH_BYTES], h3[AUTHKIT_STORE_HASH_BYTES];
	stored_hash(ctx, id, h1);
	ck_assert_ptr_nonnull(strstr(h1, "t=2"));
	ck_assert_int_eq(authkit_password_needs_rehash(ctx, h1), 0);
	/* a login at the same cost leaves the hash alone */
	ck_assert_int_eq(authkit_authenticate(ctx, "mike", PW, NULL, NULL), AUTHKIT_OK);
	stored_hash(ctx, id, h2);
	ck_assert_str_eq(h1, h2);

	authkit_ctx *c3 = open_ctx(path, 0, 0, 3);
	ck_assert_int_eq(authkit_password_needs_rehash(c3, h1), 1);
	ck_assert_int_eq(test_audit_count(c3, id, "password.rehashed", NULL), 0);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_authenticate(c3, "mike", PW, NULL, &u), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_id(u), id);
	authkit_user_free(u);
	stored_hash(c3, id, h3);
	ck_assert_str_ne(h3, h1);
	ck_assert_ptr_nonnull(strstr(h3, "t=3"));
	ck_assert_int_eq(authkit_password_needs_rehash(c3, h3), 0);
	ck_assert_int_eq(authkit_password_needs_rehash(ctx, h3), 1);
	ck_assert_int_eq(test_audit_count(c3, id, "password.rehashed", NULL), 1);
	/* still works at the new cost, no second rehash */
	ck_assert_int_eq(authkit_authenticate(c3, "mike", PW, NULL, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_authenticate(c3, "mike", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(test_audit_count(c3, id, "password.rehashed", NULL), 1);
	/* a failed login does not rehash */
	ck_assert_int_eq(authkit_authenticate(ctx, "mike", WRONG, NULL, NULL), AUTHKIT_EAUTH);
	stored_hash(ctx, id, h2);
	ck_assert_str_eq(h2, h3);
	authkit_ctx_free(c3);
	authkit_ctx_free(ctx);
	ctx = NULL;
	test_remove_db(path);
}
END_TEST

START_TEST(password_change)
{
	int64_t id = reg("nina", "nina@example.com");
	char h0[AUTHKIT_STORE_HASH_BYTES], h1[AUTHKIT_STORE_HASH_BYTES];
	stored_hash(ctx, id, h0);

	/* the current password is required */
	ck_assert_int_eq(authkit_password_change(ctx, id, WRONG, PW2, NULL, "192.0.2.3"), AUTHKIT_EAUTH);
	ck_assert_ptr_null(strstr(authkit_error_last(), WRONG));
	ck_assert_ptr_null(strstr(authkit_error_last(), PW2));
	ck_assert_int_eq(authkit_password_change(ctx, id, "", PW2, NULL, NULL), AUTHKIT_EAUTH);
	stored_hash(ctx, id, h1);
	ck_assert_str_eq(h0, h1);
	ck_assert_int_eq(test_audit_count(ctx, id, "password.changed", NULL), 0);

	/* the policy applies to the new one */
	const char *weak[] = {"short", "password1234", "nina-is-my-name-2024", "my nina@example.com box",
	                      "xxNINAxx-long-enough-pw"};
	for (size_t i = 0; i < sizeof weak / sizeof *weak; i++) {
		int rc = authkit_password_change(ctx, id, PW, weak[i], NULL, NULL);
		ck_assert_msg(rc == AUTHKIT_EPASSWORD, "weak #%zu: %s", i, authkit_strerror(rc));
		ck_assert_ptr_null(strstr(authkit_error_last(), weak[i]));
	}
	stored_hash(ctx, id, h1);
	ck_assert_str_eq(h0, h1);
	ck_assert_int_eq(authkit_authenticate(ctx, "nina", PW, NULL, NULL), AUTHKIT_OK);

	/* unknown user */
	ck_assert_int_eq(authkit_password_change(ctx, id + 1, PW, PW2, NULL, NULL), AUTHKIT_ENOTFOUND);

	/* the real thing */
	test_clock_advance_s(&clk, 30);
	ck_assert_int_eq(authkit_password_change(ctx, id, PW, PW2, NULL, "192.0.2.3"), AUTHKIT_OK);
	assert_last_audit(ctx, id, "password.changed", NULL, "192.0.2.3");
	stored_hash(ctx, id, h1);
	ck_assert_str_ne(h0, h1);
	ck_assert_msg(strncmp(h1, "$argon2id$", 10) == 0, "%s", h1);
	ck_assert_ptr_null(strstr(h1, PW2));
	int reason = -1;
	ck_assert_int_eq(authkit_authenticate_ex(ctx, "nina", PW, NULL, NULL, &reason), AUTHKIT_EAUTH);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_BAD_PASSWORD);
	ck_assert_int_eq(authkit_authenticate(ctx, "nina", PW2, NULL, NULL), AUTHKIT_OK);
	ck_assert_int_eq(test_audit_count(ctx, id, "password.changed", NULL), 1);
	/* the old one no longer counts as current either */
	ck_assert_int_eq(authkit_password_change(ctx, id, PW, "Another-Fine-Passphrase-77", NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_authenticate(ctx, "nina", PW2, NULL, NULL), AUTHKIT_OK);
}
END_TEST

START_TEST(password_set)
{
	int64_t id = reg("omar", "omar@example.com");
	ck_assert_int_eq(authkit_password_set(ctx, id, "tiny"), AUTHKIT_EPASSWORD);
	ck_assert_int_eq(authkit_password_set(ctx, id, "password1234"), AUTHKIT_EPASSWORD);
	ck_assert_int_eq(authkit_password_set(ctx, id, "omar-omar-omar-omar"), AUTHKIT_EPASSWORD);
	ck_assert_int_eq(authkit_password_set(ctx, id + 1, PW2), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_authenticate(ctx, "omar", PW, NULL, NULL), AUTHKIT_OK);
	ck_assert_int_eq(test_audit_count(ctx, id, "password.set", NULL), 0);

	ck_assert_int_eq(authkit_password_set(ctx, id, PW2), AUTHKIT_OK);
	assert_last_audit(ctx, id, "password.set", NULL, NULL);
	ck_assert_int_eq(authkit_authenticate(ctx, "omar", PW, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_authenticate(ctx, "omar", PW2, NULL, NULL), AUTHKIT_OK);

	/* set works on an imported bcrypt user too and replaces the legacy hash */
	bcrypt_case bc[8];
	test_load_bcrypt_fixture(bc, 8);
	int64_t legacy = 0;
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_import(ctx, "pete", "pete@example.com", NULL, bc[0].hash, &u), AUTHKIT_OK);
	legacy = authkit_user_id(u);
	authkit_user_free(u);
	ck_assert_int_eq(authkit_password_set(ctx, legacy, PW), AUTHKIT_OK);
	char h[AUTHKIT_STORE_HASH_BYTES];
	stored_hash(ctx, legacy, h);
	ck_assert_msg(strncmp(h, "$argon2id$", 10) == 0, "%s", h);
	ck_assert_int_eq(authkit_authenticate(ctx, "pete", bc[0].password, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_authenticate(ctx, "pete", PW, NULL, NULL), AUTHKIT_OK);
}
END_TEST

START_TEST(hash_and_verify)
{
	char *h1 = NULL, *h2 = NULL;
	ck_assert_int_eq(authkit_password_hash(ctx, PW, &h1), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_hash(ctx, PW, &h2), AUTHKIT_OK);
	ck_assert_str_ne(h1, h2); /* salted */
	ck_assert_msg(strncmp(h1, "$argon2id$", 10) == 0, "%s", h1);
	ck_assert_ptr_nonnull(strstr(h1, "m=19456"));
	ck_assert_ptr_nonnull(strstr(h1, "t=2"));
	ck_assert_int_eq(authkit_password_verify(h1, PW), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_verify(h2, PW), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_verify(h1, WRONG), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_password_verify(h1, ""), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_password_verify("not a hash", PW), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_password_needs_rehash(ctx, h1), 0);

	/* long passwords are not truncated: they differ only after byte 1024 */
	char long1[1100], long2[1100];
	memset(long1, 'k', 1090);
	long1[1090] = '\0';
	strcpy(long2, long1);
	long2[1080] = 'K';
	char *hl = NULL;
	ck_assert_int_eq(authkit_password_hash(ctx, long1, &hl), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_verify(hl, long1), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_verify(hl, long2), AUTHKIT_EAUTH);
	authkit_string_free(hl);

	/* a 1024-byte password with variety registers and logs in */
	char big[1100];
	for (int i = 0; i < 1024; i++)
		big[i] = (char)('a' + (i * 7 + i / 26) % 26);
	big[1024] = '\0';
	ck_assert_int_eq(authkit_password_check(ctx, big, "quinn", "quinn@example.com"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_register(ctx, "quinn", "quinn@example.com", NULL, big, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_authenticate(ctx, "quinn", big, NULL, NULL), AUTHKIT_OK);
	big[1000] = big[1000] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(authkit_authenticate(ctx, "quinn", big, NULL, NULL), AUTHKIT_EAUTH);
	authkit_string_free(h1);
	authkit_string_free(h2);
}
END_TEST

static Suite *auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, login_by_username_or_email);
	tcase_add_test(tc, every_failure_is_eauth_with_reason);
	tcase_add_test(tc, lockout_and_expiry);
	tcase_add_test(tc, success_resets_counter);
	tcase_add_test(tc, lockout_lives_in_the_store);
	tcase_add_test(tc, last_login_updated);
	tcase_add_test(tc, same_work_for_every_failure);
	tcase_add_test(tc, legacy_bcrypt_upgraded);
	tcase_add_test(tc, cost_change_rehashes);
	tcase_add_test(tc, password_change);
	tcase_add_test(tc, password_set);
	tcase_add_test(tc, hash_and_verify);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
