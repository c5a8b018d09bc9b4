/*
 * Sessions, refresh rotation, one-time tokens and what revokes sessions.
 * Time moves through the fake clock; nothing sleeps.
 */
#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "fault_store.h"
#include "helpers.h"

#define PW "correct horse battery staple"
#define PW2 "another long passphrase 42"
#define JWT_SECRET "3f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0"

static test_clock clk;
static authkit_ctx *ctx;
static fault_store_ctl *ctl;
static char path[256];
static int64_t alice;

/* A file database behind the fault store (used here only to count calls). */
static void setup(void)
{
	authkit_store *inner = NULL;
	test_clock_set(&clk, 1700000000000LL);
	test_tmp_path(path, sizeof path, "session");
	ck_assert_int_eq(authkit_store_sqlite_open(&inner, path, 0), AUTHKIT_OK);
	authkit_store *store = fault_store_wrap(inner, &ctl);
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_JWT_SECRET", JWT_SECRET), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_store(cfg, store), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ctx_open(&ctx, cfg), AUTHKIT_OK);
	authkit_config_free(cfg);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(ctx, "alice", "alice@example.com", NULL, PW, &u), AUTHKIT_OK);
	alice = authkit_user_id(u);
	authkit_user_free(u);
}

static void teardown(void)
{
	authkit_ctx_free(ctx);
	ctx = NULL;
	test_remove_db(path);
}

static authkit_login_result *login(const char *pw)
{
	authkit_login_result *l = NULL;
	int rc = authkit_login(ctx, "alice", pw, "192.0.2.1", "test-agent/1.0", &l);
	ck_assert_msg(rc == AUTHKIT_OK, "login: %s", authkit_error_last());
	return l;
}

static int check(const authkit_login_result *l)
{
	return authkit_session_check(ctx, authkit_login_session_token(l), NULL);
}

START_TEST(login_opens_a_session)
{
	authkit_login_result *l = login(PW);
	ck_assert_int_eq(authkit_login_user_id(l), alice);
	ck_assert_str_eq(authkit_user_username(authkit_login_user(l)), "alice");
	ck_assert_uint_eq(strlen(authkit_login_session_token(l)), 43);
	ck_assert_uint_eq(strlen(authkit_login_refresh_token(l)), 43);
	ck_assert_uint_eq(strlen(authkit_login_session_id(l)), 22);
	ck_assert_str_ne(authkit_login_session_token(l), authkit_login_refresh_token(l));
	ck_assert_ptr_nonnull(authkit_login_access_token(l));
	ck_assert_int_eq(authkit_login_access_expires_at(l), 1700000000 + 30 * 60);
	ck_assert_int_eq(authkit_login_refresh_expires_at(l), 1700000000 + 7 * 86400);

	authkit_session *s = NULL;
	ck_assert_int_eq(authkit_session_check(ctx, authkit_login_session_token(l), &s), AUTHKIT_OK);
	ck_assert_str_eq(authkit_session_id(s), authkit_login_session_id(l));
	ck_assert_int_eq(authkit_session_user_id(s), alice);
	ck_assert_str_eq(authkit_session_ip(s), "192.0.2.1");
	ck_assert_str_eq(authkit_session_user_agent(s), "test-agent/1.0");
	ck_assert_int_eq(authkit_session_created_at(s), 1700000000);
	ck_assert_int_eq(authkit_session_revoked_at(s), 0);
	authkit_session_free(s);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.login", NULL), 1);

	/* a wrong password opens nothing */
	authkit_login_result *bad = NULL;
	ck_assert_int_eq(authkit_login(ctx, "alice", "not the password!", NULL, NULL, &bad), AUTHKIT_EAUTH);
	ck_assert_ptr_null(bad);
	authkit_session_list *list = NULL;
	ck_assert_int_eq(authkit_session_list_user(ctx, alice, &list), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_session_list_count(list), 1);
	authkit_session_list_free(list);
	authkit_login_free(l);
}
END_TEST

START_TEST(bad_session_tokens)
{
	authkit_login_result *l = login(PW);
	char forged[44];
	strcpy(forged, authkit_login_session_token(l));
	forged[0] = forged[0] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(authkit_session_check(ctx, forged, NULL), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_session_check(ctx, "short", NULL), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_session_check(ctx, "", NULL), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_session_check(ctx, NULL, NULL), AUTHKIT_EINVALID);
	/* the refresh token is not a session token */
	ck_assert_int_eq(authkit_session_check(ctx, authkit_login_refresh_token(l), NULL), AUTHKIT_ETOKEN);
	ck_assert_int_eq(check(l), AUTHKIT_OK);
	authkit_login_free(l);
}
END_TEST

START_TEST(idle_and_absolute_expiry)
{
	authkit_login_result *l = login(PW);
	int64_t idle = 7 * 24 * 3600;
	/* idle: just before the edge alive, at the edge expired */
	test_clock_advance_s(&clk, idle - 1);
	ck_assert_int_eq(check(l), AUTHKIT_OK); /* and touched: idle restarts */
	test_clock_advance_s(&clk, idle - 1);
	ck_assert_int_eq(check(l), AUTHKIT_OK);
	test_clock_advance_s(&clk, idle);
	ck_assert_int_eq(check(l), AUTHKIT_EEXPIRED);
	authkit_login_free(l);

	/* absolute: activity every day never passes the 30-day cap */
	l = login(PW);
	int64_t start = ak_now(ctx);
	while (ak_now(ctx) + 86400 < start + 30 * 86400) {
		test_clock_advance_s(&clk, 86400);
		ck_assert_int_eq(check(l), AUTHKIT_OK);
	}
	test_clock_set(&clk, (start + 30 * 86400) * 1000);
	ck_assert_int_eq(check(l), AUTHKIT_EEXPIRED);
	authkit_login_free(l);
}
END_TEST

START_TEST(last_seen_written_at_most_once_a_minute)
{
	authkit_login_result *l = login(PW);
	fault_store_reset(ctl);
	ck_assert_int_eq(check(l), AUTHKIT_OK);
	ck_assert_int_eq(fault_store_calls(ctl), 1); /* one lookup, no write */
	test_clock_advance_s(&clk, 59);
	fault_store_reset(ctl);
	ck_assert_int_eq(check(l), AUTHKIT_OK);
	ck_assert_int_eq(fault_store_calls(ctl), 1);
	test_clock_advance_s(&clk, 1);
	fault_store_reset(ctl);
	ck_assert_int_eq(check(l), AUTHKIT_OK);
	ck_assert_int_eq(fault_store_calls(ctl), 2); /* lookup + touch */
	authkit_session *s = NULL;
	ck_assert_int_eq(authkit_session_get(ctx, authkit_login_session_id(l), &s), AUTHKIT_OK);
	ck_assert_int_eq(authkit_session_last_seen_at(s), 1700000060);
	ck_assert_int_eq(authkit_session_idle_expires_at(s), 1700000060 + 7 * 24 * 3600);
	authkit_session_free(s);
	authkit_login_free(l);
}
END_TEST

START_TEST(revoke_one_others_all_and_cleanup)
{
	authkit_login_result *a = login(PW), *b = login(PW), *c = login(PW);
	ck_assert_int_eq(authkit_logout(ctx, authkit_login_session_id(a), "192.0.2.1"), AUTHKIT_OK);
	ck_assert_int_eq(check(a), AUTHKIT_EREVOKED);
	ck_assert_int_eq(authkit_logout(ctx, authkit_login_session_id(a), NULL), AUTHKIT_OK); /* idempotent */
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.logout", NULL), 2);

	int64_t n = -1;
	ck_assert_int_eq(authkit_session_revoke_others(ctx, alice, authkit_login_session_id(b), &n), AUTHKIT_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(check(b), AUTHKIT_OK);
	ck_assert_int_eq(check(c), AUTHKIT_EREVOKED);
	ck_assert_int_eq(authkit_session_revoke_all(ctx, alice, &n), AUTHKIT_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(check(b), AUTHKIT_EREVOKED);

	/* two live sessions: one idles out, one stays */
	authkit_login_result *d = login(PW);
	test_clock_advance_s(&clk, 6 * 24 * 3600);
	authkit_login_result *e = login(PW);
	test_clock_advance_s(&clk, 2 * 24 * 3600);
	int64_t sessions = -1, tokens = -1;
	ck_assert_int_eq(authkit_session_cleanup(ctx, &sessions, &tokens), AUTHKIT_OK);
	ck_assert_int_eq(sessions, 4); /* a, b, c revoked; d idle-expired */
	ck_assert_int_eq(tokens, 0);
	ck_assert_int_eq(check(e), AUTHKIT_OK);
	ck_assert_int_eq(check(d), AUTHKIT_ETOKEN); /* gone */
	ck_assert_int_eq(authkit_session_cleanup(ctx, &sessions, NULL), AUTHKIT_OK);
	ck_assert_int_eq(sessions, 0);
	authkit_login_free(a);
	authkit_login_free(b);
	authkit_login_free(c);
	authkit_login_free(d);
	authkit_login_free(e);
}
END_TEST

START_TEST(refresh_rotates_and_detects_reuse)
{
	authkit_login_result *l = login(PW);
	authkit_login_result *r1 = NULL, *r2 = NULL, *again = NULL;
	ck_assert_int_eq(authkit_refresh(ctx, authkit_login_refresh_token(l), NULL, &r1), AUTHKIT_OK);
	ck_assert_str_eq(authkit_login_session_id(r1), authkit_login_session_id(l));
	ck_assert_str_ne(authkit_login_refresh_token(r1), authkit_login_refresh_token(l));
	ck_assert_ptr_null(authkit_login_session_token(r1));
	ck_assert_ptr_nonnull(authkit_login_access_token(r1));
	ck_assert_int_eq(authkit_login_user_id(r1), alice);
	ck_assert_int_eq(authkit_refresh(ctx, authkit_login_refresh_token(r1), NULL, &r2), AUTHKIT_OK);
	/* replay of a rotated token: reuse, and the whole session dies */
	ck_assert_int_eq(authkit_refresh(ctx, authkit_login_refresh_token(l), NULL, &again), AUTHKIT_EREUSE);
	ck_assert_ptr_null(again);
	ck_assert_int_eq(check(l), AUTHKIT_EREVOKED);
	ck_assert_int_eq(authkit_refresh(ctx, authkit_login_refresh_token(r2), NULL, &again), AUTHKIT_EREVOKED);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.refresh_reuse", NULL), 1);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.refresh", NULL), 2);
	ck_assert_int_eq(authkit_refresh(ctx, "garbage", NULL, &again), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_refresh(ctx, authkit_login_session_token(l), NULL, &again), AUTHKIT_ETOKEN);
	authkit_login_free(l);
	authkit_login_free(r1);
	authkit_login_free(r2);
}
END_TEST

START_TEST(refresh_expiry)
{
	authkit_login_result *l = login(PW), *r = NULL;
	/* keep the session alive but let the refresh token lapse */
	for (int day = 0; day < 7; day++) {
		test_clock_advance_s(&clk, 86400);
		ck_assert_int_eq(check(l), AUTHKIT_OK);
	}
	ck_assert_int_eq(authkit_refresh(ctx, authkit_login_refresh_token(l), NULL, &r), AUTHKIT_EEXPIRED);
	ck_assert_int_eq(check(l), AUTHKIT_OK);
	authkit_login_free(l);
}
END_TEST

typedef struct racer {
	const char *token;
	int purpose; /* 0: refresh, 1: verify */
	pthread_barrier_t *barrier;
	int rc;
} racer;

static void *race(void *arg)
{
	racer *r = arg;
	pthread_barrier_wait(r->barrier);
	if (r->purpose == 0) {
		authkit_login_result *out = NULL;
		r->rc = authkit_refresh(ctx, r->token, NULL, &out);
		authkit_login_free(out);
	} else {
		r->rc = authkit_verify_complete(ctx, r->token, NULL);
	}
	return NULL;
}

static int race_count_ok(const char *token, int purpose, int n)
{
	pthread_t t[16];
	racer r[16];
	pthread_barrier_t barrier;
	pthread_barrier_init(&barrier, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		r[i] = (racer){token, purpose, &barrier, -999};
		pthread_create(&t[i], NULL, race, &r[i]);
	}
	int ok = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		ok += r[i].rc == AUTHKIT_OK;
		ck_assert_msg(r[i].rc == AUTHKIT_OK || r[i].rc == AUTHKIT_EREUSE || r[i].rc == AUTHKIT_ETOKEN ||
		                  r[i].rc == AUTHKIT_EREVOKED,
		              "unexpected status %d", r[i].rc);
	}
	pthread_barrier_destroy(&barrier);
	return ok;
}

START_TEST(concurrent_refresh_has_one_winner)
{
	for (int round = 0; round < 3; round++) {
		authkit_login_result *l = login(PW);
		ck_assert_int_eq(race_count_ok(authkit_login_refresh_token(l), 0, 8), 1);
		authkit_login_free(l);
	}
}
END_TEST

START_TEST(one_time_token_redeemed_once_by_16_threads)
{
	char *token = NULL;
	ck_assert_int_eq(authkit_verify_request(ctx, alice, &token), AUTHKIT_OK);
	ck_assert_int_eq(race_count_ok(token, 1, 16), 1);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, alice, &u), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_is_verified(u), 1);
	authkit_user_free(u);
	authkit_string_free(token);
}
END_TEST

START_TEST(password_reset)
{
	authkit_login_result *l = login(PW);
	char *token = NULL, *none = (char *)"unset";
	/* unknown email: same status, nothing to send */
	ck_assert_int_eq(authkit_reset_request(ctx, "nobody@example.com", NULL, &none), AUTHKIT_OK);
	ck_assert_ptr_null(none);
	ck_assert_int_eq(authkit_reset_request(ctx, "Alice@Example.com", "192.0.2.1", &token), AUTHKIT_OK);
	ck_assert_ptr_nonnull(token);
	ck_assert_int_eq(test_audit_count(ctx, 0, "password.reset_requested", NULL), 2);
	/* a verification token cannot reset a password */
	char *verify = NULL;
	ck_assert_int_eq(authkit_verify_request(ctx, alice, &verify), AUTHKIT_OK);
	ck_assert_int_eq(authkit_reset_complete(ctx, verify, PW2, NULL), AUTHKIT_ETOKEN);
	/* a wrong token is refused before any hashing (no CPU for guessers) */
	uint64_t hashes = ak_argon2_hash_count();
	ck_assert_int_eq(authkit_reset_complete(ctx, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", PW2, NULL), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_reset_complete(ctx, verify, PW2, NULL), AUTHKIT_ETOKEN);
	ck_assert_uint_eq(ak_argon2_hash_count(), hashes);
	/* a rejected password does not consume the token */
	ck_assert_int_eq(authkit_reset_complete(ctx, token, "short", NULL), AUTHKIT_EPASSWORD);
	ck_assert_int_eq(authkit_reset_complete(ctx, token, "my name is alice ok", NULL), AUTHKIT_EPASSWORD);
	ck_assert_int_eq(authkit_reset_complete(ctx, token, PW2, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_reset_complete(ctx, token, PW2, NULL), AUTHKIT_ETOKEN); /* single use */
	ck_assert_int_eq(check(l), AUTHKIT_EREVOKED);                                  /* every session ends */
	ck_assert_int_eq(authkit_authenticate(ctx, "alice", PW, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_authenticate(ctx, "alice", PW2, NULL, NULL), AUTHKIT_OK);
	ck_assert_int_eq(test_audit_count(ctx, 0, "password.reset_completed", NULL), 1);
	/* the verification token still verifies: purposes are separate */
	ck_assert_int_eq(authkit_verify_complete(ctx, verify, NULL), AUTHKIT_OK);
	authkit_string_free(token);
	authkit_string_free(verify);
	authkit_login_free(l);
}
END_TEST

START_TEST(one_time_token_expiry)
{
	char *reset = NULL, *verify = NULL;
	ck_assert_int_eq(authkit_reset_request(ctx, "alice@example.com", NULL, &reset), AUTHKIT_OK);
	ck_assert_int_eq(authkit_verify_request(ctx, alice, &verify), AUTHKIT_OK);
	test_clock_advance_s(&clk, 3600);
	ck_assert_int_eq(authkit_reset_complete(ctx, reset, PW2, NULL), AUTHKIT_ETOKEN);
	test_clock_advance_s(&clk, 47 * 3600 - 1);
	ck_assert_int_eq(authkit_verify_complete(ctx, verify, NULL), AUTHKIT_OK);
	int64_t sessions = 0, tokens = 0;
	ck_assert_int_eq(authkit_session_cleanup(ctx, &sessions, &tokens), AUTHKIT_OK);
	ck_assert_int_eq(tokens, 2); /* one expired, one used */
	authkit_string_free(reset);
	authkit_string_free(verify);
}
END_TEST

START_TEST(password_change_keeps_only_the_callers_session)
{
	authkit_login_result *mine = login(PW), *other = login(PW);
	ck_assert_int_eq(authkit_password_change(ctx, alice, PW, PW2, authkit_login_session_id(mine), NULL), AUTHKIT_OK);
	ck_assert_int_eq(check(mine), AUTHKIT_OK);
	ck_assert_int_eq(check(other), AUTHKIT_EREVOKED);
	authkit_login_free(mine);
	authkit_login_free(other);
}
END_TEST

START_TEST(deactivate_and_delete_end_sessions)
{
	authkit_login_result *l = login(PW);
	ck_assert_int_eq(authkit_user_set_active(ctx, alice, 0), AUTHKIT_OK);
	ck_assert_int_eq(check(l), AUTHKIT_EREVOKED);
	ck_assert_int_eq(authkit_user_set_active(ctx, alice, 1), AUTHKIT_OK);
	authkit_login_free(l);
	l = login(PW);
	char sid[32];
	strcpy(sid, authkit_login_session_id(l));
	ck_assert_int_eq(authkit_user_delete(ctx, alice), AUTHKIT_OK);
	ck_assert_int_eq(check(l), AUTHKIT_ETOKEN);
	authkit_session *s = NULL;
	ck_assert_int_eq(authkit_session_get(ctx, sid, &s), AUTHKIT_ENOTFOUND);
	authkit_login_result *r = NULL;
	ck_assert_int_eq(authkit_refresh(ctx, authkit_login_refresh_token(l), NULL, &r), AUTHKIT_ETOKEN);
	authkit_login_free(l);
}
END_TEST

/* Read the database file and its WAL; none of the secrets may be in them. */
static void assert_not_in_files(const char *secret)
{
	const char *suffix[] = {"", "-wal"};
	for (int i = 0; i < 2; i++) {
		char p[300];
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		FILE *f = fopen(p, "rb");
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		fseek(f, 0, SEEK_SET);
		char *buf = malloc((size_t)n + 1);
		ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		ck_assert_msg(memmem(buf, (size_t)n, secret, strlen(secret)) == NULL, "a secret is stored in %s", p);
		free(buf);
	}
}

START_TEST(no_secret_reaches_the_database)
{
	const char *secrets[16];
	int n = 0;
	authkit_login_result *l = login(PW), *r = NULL;
	ck_assert_int_eq(authkit_refresh(ctx, authkit_login_refresh_token(l), NULL, &r), AUTHKIT_OK);
	char *reset = NULL, *verify = NULL;
	ck_assert_int_eq(authkit_reset_request(ctx, "alice@example.com", NULL, &reset), AUTHKIT_OK);
	ck_assert_int_eq(authkit_verify_request(ctx, alice, &verify), AUTHKIT_OK);
	ck_assert_int_eq(authkit_verify_complete(ctx, verify, NULL), AUTHKIT_OK);
	authkit_login_result *l2 = login(PW);
	secrets[n++] = authkit_login_session_token(l);
	secrets[n++] = authkit_login_refresh_token(l);
	secrets[n++] = authkit_login_access_token(l);
	secrets[n++] = authkit_login_refresh_token(r);
	secrets[n++] = authkit_login_access_token(r);
	secrets[n++] = authkit_login_session_token(l2);
	secrets[n++] = reset;
	secrets[n++] = verify;
	secrets[n++] = PW;
	for (int i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(secrets[i]);
		assert_not_in_files(secrets[i]);
	}
	/* the reset still works after the scan (the scan proves absence, not loss) */
	ck_assert_int_eq(authkit_reset_complete(ctx, reset, PW2, NULL), AUTHKIT_OK);
	assert_not_in_files(PW2);
	authkit_string_free(reset);
	authkit_string_free(verify);
	authkit_login_free(l);
	authkit_login_free(l2);
	authkit_login_free(r);
}
END_TEST

START_TEST(fault_injection_login_and_refresh_change_nothing)
{
	/* login: failing any store call leaves no session behind */
	for (long n = 1;; n++) {
		authkit_login_result *l = NULL;
		fault_store_fail_at(ctl, n);
		int rc = authkit_login(ctx, "alice", PW, NULL, NULL, &l);
		fault_store_fail_at(ctl, 0);
		authkit_session_list *list = NULL;
		ck_assert_int_eq(authkit_session_list_user(ctx, alice, &list), AUTHKIT_OK);
		size_t count = authkit_session_list_count(list);
		authkit_session_list_free(list);
		if (rc == AUTHKIT_OK) {
			ck_assert_uint_eq(count, 1);
			authkit_login_free(l);
			break;
		}
		ck_assert_int_eq(rc, AUTHKIT_ESTORE);
		ck_assert_uint_eq(count, 0);
		ck_assert_int_lt(n, 50);
	}
}
END_TEST


/*
 * A change that lands while a login is inside its (slow) password check must
 * win: the login re-reads the account in its success transaction. The clock
 * callback is the hook: authentication reads the clock once before the
 * verification and again after it, and the second read runs the raw SQL
 * change on another connection, exactly between the two.
 */
typedef struct race_clock {
	int calls;
	int fire_at;
	const char *sql;
} race_clock;

static race_clock rclk;

static int64_t racing_clock(void *userdata)
{
	(void)userdata;
	if (++rclk.calls == rclk.fire_at && rclk.sql) {
		sqlite3 *db = NULL;
		ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
		sqlite3_busy_timeout(db, 5000);
		ck_assert_int_eq(sqlite3_exec(db, rclk.sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	return test_clock_read(&clk);
}

START_TEST(change_during_password_check_wins)
{
	const char *changes[] = {
		"UPDATE users SET is_active = 0 WHERE username = 'alice'",
		"UPDATE users SET locked_until = 4000000000 WHERE username = 'alice'",
		"UPDATE users SET password_hash = '$2b$04$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBEgG' "
		"WHERE username = 'alice'",
	};
	int want[] = {AUTHKIT_AUTH_INACTIVE, AUTHKIT_AUTH_LOCKED, AUTHKIT_AUTH_BAD_PASSWORD};
	for (int i = 0; i < 3; i++) {
		authkit_config *cfg = test_config(&clk);
		ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", path), AUTHKIT_OK);
		ck_assert_int_eq(authkit_config_set_clock(cfg, racing_clock, NULL), AUTHKIT_OK);
		authkit_ctx *c = NULL;
		ck_assert_int_eq(authkit_ctx_open(&c, cfg), AUTHKIT_OK);
		authkit_config_free(cfg);
		/* Find which clock read comes after the verification. */
		rclk = (race_clock){0, 0, NULL};
		ck_assert_int_eq(authkit_authenticate(c, "alice", PW, NULL, NULL), AUTHKIT_OK);
		int per_login = rclk.calls;
		ck_assert_int_ge(per_login, 2);
		rclk = (race_clock){0, 2, changes[i]};
		int reason = -1;
		uint64_t verifies = ak_argon2_verify_count();
		ck_assert_int_eq(authkit_authenticate_ex(c, "alice", PW, NULL, NULL, &reason), AUTHKIT_EAUTH);
		ck_assert_uint_eq(ak_argon2_verify_count() - verifies, 1); /* the change landed after it */
		ck_assert_int_eq(reason, want[i]);
		authkit_session_list *list = NULL;
		ck_assert_int_eq(authkit_session_list_user(c, alice, &list), AUTHKIT_OK);
		ck_assert_uint_eq(authkit_session_list_count(list), 0);
		authkit_session_list_free(list);
		authkit_user *u = NULL;
		ck_assert_int_eq(authkit_user_get_by_id(c, alice, &u), AUTHKIT_OK);
		if (i == 1)
			ck_assert_int_eq(authkit_user_locked_until(u), 4000000000LL); /* not erased */
		authkit_user_free(u);
		authkit_ctx_free(c);
		/* put alice back for the next case */
		sqlite3 *db = NULL;
		ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
		sqlite3_exec(db, "UPDATE users SET is_active = 1, locked_until = 0, failed_logins = 0", NULL, NULL, NULL);
		sqlite3_close(db);
	}
}
END_TEST

START_TEST(email_change_kills_outstanding_links)
{
	char *verify = NULL, *reset = NULL;
	ck_assert_int_eq(authkit_verify_request(ctx, alice, &verify), AUTHKIT_OK);
	ck_assert_int_eq(authkit_reset_request(ctx, "alice@example.com", NULL, &reset), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_set_email(ctx, alice, "ceo@victim.example"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_verify_complete(ctx, verify, NULL), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_reset_complete(ctx, reset, PW2, NULL), AUTHKIT_ETOKEN);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, alice, &u), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_is_verified(u), 0);
	authkit_user_free(u);
	authkit_string_free(verify);
	authkit_string_free(reset);
}
END_TEST

START_TEST(password_change_kills_reset_links)
{
	char *reset = NULL;
	ck_assert_int_eq(authkit_reset_request(ctx, "alice@example.com", NULL, &reset), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_change(ctx, alice, PW, PW2, NULL, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_reset_complete(ctx, reset, "a third long passphrase", NULL), AUTHKIT_ETOKEN);
	authkit_string_free(reset);
}
END_TEST


START_TEST(password_change_guesses_count_toward_lockout)
{
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(authkit_password_change(ctx, alice, "a wrong guess here", PW2, NULL, NULL), AUTHKIT_EAUTH);
	/* locked now: even the right current password fails, and so does login */
	ck_assert_int_eq(authkit_password_change(ctx, alice, PW, PW2, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_authenticate(ctx, "alice", PW, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.lockout", NULL), 1);
	test_clock_advance_s(&clk, 30 * 60);
	ck_assert_int_eq(authkit_password_change(ctx, alice, PW, PW2, NULL, NULL), AUTHKIT_OK);
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, login_opens_a_session);
	tcase_add_test(tc, bad_session_tokens);
	tcase_add_test(tc, idle_and_absolute_expiry);
	tcase_add_test(tc, last_seen_written_at_most_once_a_minute);
	tcase_add_test(tc, revoke_one_others_all_and_cleanup);
	tcase_add_test(tc, refresh_rotates_and_detects_reuse);
	tcase_add_test(tc, refresh_expiry);
	tcase_add_test(tc, concurrent_refresh_has_one_winner);
	tcase_add_test(tc, one_time_token_redeemed_once_by_16_threads);
	tcase_add_test(tc, password_reset);
	tcase_add_test(tc, one_time_token_expiry);
	tcase_add_test(tc, password_change_keeps_only_the_callers_session);
	tcase_add_test(tc, deactivate_and_delete_end_sessions);
	tcase_add_test(tc, no_secret_reaches_the_database);
	tcase_add_test(tc, fault_injection_login_and_refresh_change_nothing);
	tcase_add_test(tc, change_during_password_check_wins);
	tcase_add_test(tc, email_change_kills_outstanding_links);
	tcase_add_test(tc, password_change_kills_reset_links);
	tcase_add_test(tc, password_change_guesses_count_toward_lockout);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(session_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
