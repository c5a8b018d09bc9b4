/*
 * One context shared by many threads: registrations and logins from 8
 * threads give exact totals (users, audit events, failure counters); a
 * lockout raced by many threads stays consistent; and password hashing holds
 * no lock, so two threads authenticate in clearly less than twice the time
 * of one.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/internal.h"
#include "fault_store.h"
#include "helpers.h"

#define PW "Xq7!Nimbus-Vortex-Pyl0n"
#define WRONG "Xq7!Nimbus-Vortex-Pyl0N"
#define THREADS 8
#define USERS_PER_THREAD 4

static test_clock clk;
static authkit_ctx *ctx;
static char path[256];

static void setup_file(void)
{
	memset(&clk, 0, sizeof clk);
	ctx = test_ctx(&clk, 1, path);
}

static void teardown_file(void)
{
	authkit_ctx_free(ctx);
	ctx = NULL;
	test_remove_db(path);
}

/* Failures inside threads are collected and asserted by the main thread. */
typedef struct worker {
	pthread_t th;
	int index;
	int failures;
	char first_failure[256];
	int64_t ids[USERS_PER_THREAD];
	int bad_password, locked; /* lockout race: reasons seen */
} worker;

#define EXPECT(w, cond, ...)                                                                                   \
	do {                                                                                                   \
		if (!(cond)) {                                                                                 \
			if ((w)->failures++ == 0)                                                              \
				snprintf((w)->first_failure, sizeof (w)->first_failure, __VA_ARGS__);          \
		}                                                                                              \
	} while (0)

static void *register_and_login(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < USERS_PER_THREAD; i++) {
		char un[32], em[64];
		snprintf(un, sizeof un, "t%du%d", w->index, i);
		snprintf(em, sizeof em, "t%du%d@example.com", w->index, i);
		authkit_user *u = NULL;
		int rc = authkit_user_register(ctx, un, em, "Thread User", PW, &u);
		EXPECT(w, rc == AUTHKIT_OK, "register %s: %s (%s)", un, authkit_strerror(rc), authkit_error_last());
		w->ids[i] = authkit_user_id(u);
		authkit_user_free(u);
	}
	for (int i = 0; i < USERS_PER_THREAD; i++) {
		char un[32], em[64];
		snprintf(un, sizeof un, "T%dU%d", w->index, i); /* any case */
		snprintf(em, sizeof em, "t%du%d@EXAMPLE.com", w->index, i);
		authkit_user *u = NULL;
		int rc = authkit_authenticate(ctx, un, PW, "10.0.0.1", &u);
		EXPECT(w, rc == AUTHKIT_OK, "login %s: %s (%s)", un, authkit_strerror(rc), authkit_error_last());
		EXPECT(w, authkit_user_id(u) == w->ids[i], "login %s: wrong user", un);
		authkit_user_free(u);
		int reason = -1;
		rc = authkit_authenticate_ex(ctx, un, WRONG, "10.0.0.2", NULL, &reason);
		EXPECT(w, rc == AUTHKIT_EAUTH && reason == AUTHKIT_AUTH_BAD_PASSWORD, "wrong password %s: %d/%d", un, rc,
		       reason);
		rc = authkit_authenticate_ex(ctx, em, WRONG, "10.0.0.2", NULL, &reason);
		EXPECT(w, rc == AUTHKIT_EAUTH && reason == AUTHKIT_AUTH_BAD_PASSWORD, "wrong password %s: %d/%d", em, rc,
		       reason);
		/* and someone else's lookups meanwhile */
		authkit_user_list *l = NULL;
		rc = authkit_user_list_page(ctx, 0, 100, &l);
		EXPECT(w, rc == AUTHKIT_OK, "list: %s", authkit_strerror(rc));
		authkit_user_list_free(l);
	}
	int reason = -1;
	int rc = authkit_authenticate_ex(ctx, "nobody-here", PW, NULL, NULL, &reason);
	EXPECT(w, rc == AUTHKIT_EAUTH && reason == AUTHKIT_AUTH_UNKNOWN_USER, "unknown user: %d/%d", rc, reason);
	return NULL;
}

static void run_workers(worker *w, int n, void *(*fn)(void *))
{
	for (int i = 0; i < n; i++) {
		w[i].index = i;
		ck_assert_int_eq(pthread_create(&w[i].th, NULL, fn, &w[i]), 0);
	}
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pthread_join(w[i].th, NULL), 0);
	for (int i = 0; i < n; i++)
		ck_assert_msg(w[i].failures == 0, "thread %d: %d failures, first: %s", i, w[i].failures,
		              w[i].first_failure);
}

static void check_totals(worker *w)
{
	const int users = THREADS * USERS_PER_THREAD;
	int64_t count = -1;
	ck_assert_int_eq(authkit_user_count(ctx, &count), AUTHKIT_OK);
	ck_assert_int_eq(count, users);
	ck_assert_int_eq(test_audit_count(ctx, 0, "user.registered", NULL), users);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.ok", NULL), users);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.failed", "reason=bad_password"), 2 * users);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.failed", "reason=unknown_user"), THREADS);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.failed", NULL), 2 * users + THREADS);
	ck_assert_int_eq(test_audit_count(ctx, 0, "auth.lockout", NULL), 0);
	ck_assert_int_eq(test_audit_count(ctx, 0, NULL, NULL), users + users + 2 * users + THREADS);
	/* every id distinct, every counter exact */
	for (int t = 0; t < THREADS; t++)
		for (int i = 0; i < USERS_PER_THREAD; i++) {
			int64_t id = w[t].ids[i];
			for (int t2 = 0; t2 < THREADS; t2++)
				for (int i2 = 0; i2 < USERS_PER_THREAD; i2++)
					if (t2 != t || i2 != i)
						ck_assert_int_ne(id, w[t2].ids[i2]);
			authkit_user *u = NULL;
			ck_assert_int_eq(authkit_user_get_by_id(ctx, id, &u), AUTHKIT_OK);
			ck_assert_int_eq(authkit_user_failed_logins(u), 2);
			ck_assert_int_eq(authkit_user_locked_until(u), 0);
			ck_assert_int_eq(authkit_user_last_login_at(u), test_clock_read(&clk) / 1000);
			authkit_user_free(u);
			ck_assert_int_eq(test_audit_count(ctx, id, "auth.ok", NULL), 1);
			ck_assert_int_eq(test_audit_count(ctx, id, "auth.failed", "reason=bad_password"), 2);
		}
}

START_TEST(shared_context_exact_totals)
{
	/* loop 0: a file database (a connection per thread); loop 1: ":memory:" (one shared connection) */
	if (_i == 1) {
		authkit_ctx_free(ctx);
		test_remove_db(path);
		ctx = test_ctx(&clk, 0, NULL);
	}
	worker w[THREADS];
	memset(w, 0, sizeof w);
	run_workers(w, THREADS, register_and_login);
	check_totals(w);
}
END_TEST

/* ---- lockout raced by many threads ----------------------------------- */

static void *hammer(void *arg)
{
	worker *w = arg;
	for (int k = 0; k < 2; k++) {
		int reason = -1;
		int rc = authkit_authenticate_ex(ctx, k ? "victim@example.com" : "VICTIM", WRONG, NULL, NULL, &reason);
		EXPECT(w, rc == AUTHKIT_EAUTH, "attempt: %s", authkit_strerror(rc));
		if (reason == AUTHKIT_AUTH_BAD_PASSWORD)
			w->bad_password++;
		else if (reason == AUTHKIT_AUTH_LOCKED)
			w->locked++;
		else
			EXPECT(w, 0, "unexpected reason %d", reason);
	}
	return NULL;
}

START_TEST(lockout_race_is_consistent)
{
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(ctx, "victim", "victim@example.com", NULL, PW, &u), AUTHKIT_OK);
	int64_t id = authkit_user_id(u);
	authkit_user_free(u);
	worker w[THREADS];
	memset(w, 0, sizeof w);
	run_workers(w, THREADS, hammer);
	int bad = 0, locked = 0;
	for (int i = 0; i < THREADS; i++) {
		bad += w[i].bad_password;
		locked += w[i].locked;
	}
	ck_assert_int_eq(bad + locked, 2 * THREADS);
	ck_assert_int_ge(bad, 5); /* the lock comes from the 5th counted failure */
	/* each group of 5 counted failures locks once; the rest is the counter */
	ck_assert_int_eq(test_audit_count(ctx, id, "auth.lockout", NULL), bad / 5);
	ck_assert_int_eq(test_audit_count(ctx, id, "auth.failed", "reason=bad_password"), bad);
	ck_assert_int_eq(test_audit_count(ctx, id, "auth.failed", "reason=locked"), locked);
	ck_assert_int_eq(test_audit_count(ctx, id, "auth.failed", NULL), 2 * THREADS);
	ck_assert_int_eq(authkit_user_get_by_id(ctx, id, &u), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_failed_logins(u), bad % 5);
	ck_assert_int_gt(authkit_user_locked_until(u), test_clock_read(&clk) / 1000);
	authkit_user_free(u);
	int reason = -1;
	ck_assert_int_eq(authkit_authenticate_ex(ctx, "victim", PW, NULL, NULL, &reason), AUTHKIT_EAUTH);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_LOCKED);
}
END_TEST

/* ---- hashing holds no lock -------------------------------------------- */

/*
 * "No lock is held while hashing", proven without timing: every lock the
 * library takes is a store transaction, so a watcher on the store's
 * transactions records the Argon2id hash and verify counters at txn_begin and
 * checks they have not moved at the matching commit or rollback. Only this
 * thread runs here, so any movement is hashing inside a transaction.
 */
typedef struct txn_watch {
	uint64_t hashes, verifies;
	int transactions, violations;
} txn_watch;

static void watch_txn(int event, void *userdata)
{
	txn_watch *w = userdata;
	if (event == FAULT_TXN_BEGIN) {
		w->hashes = ak_argon2_hash_count();
		w->verifies = ak_argon2_verify_count();
		return;
	}
	w->transactions++;
	if (ak_argon2_hash_count() != w->hashes || ak_argon2_verify_count() != w->verifies)
		w->violations++;
}

START_TEST(no_hashing_inside_a_transaction)
{
	authkit_store *inner = NULL;
	fault_store_ctl *ctl = NULL;
	txn_watch watch = {0};
	ck_assert_int_eq(authkit_store_sqlite_open(&inner, ":memory:", 0), AUTHKIT_OK);
	authkit_store *store = fault_store_wrap(inner, &ctl);
	ck_assert_ptr_nonnull(store);
	fault_store_on_txn(ctl, watch_txn, &watch);
	authkit_ctx *c = test_ctx_with_store(&clk, store);
	const char *pw2 = "another long passphrase 42";
	int64_t before_hashes = (int64_t)ak_argon2_hash_count();

	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(c, "hasher", "hasher@example.com", NULL, PW, &u), AUTHKIT_OK);
	int64_t id = authkit_user_id(u);
	authkit_user_free(u);
	ck_assert_int_eq(authkit_authenticate(c, "hasher", PW, NULL, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_authenticate(c, "hasher", "wrong password here", NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_authenticate(c, "nobody", PW, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(authkit_password_change(c, id, PW, pw2, NULL, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_password_set(c, id, PW), AUTHKIT_OK);
	authkit_login_result *l = NULL;
	ck_assert_int_eq(authkit_login(c, "hasher", PW, NULL, NULL, &l), AUTHKIT_OK);
	authkit_login_free(l);
	char *reset = NULL;
	ck_assert_int_eq(authkit_reset_request(c, "hasher@example.com", NULL, &reset), AUTHKIT_OK);
	ck_assert_ptr_nonnull(reset);
	ck_assert_int_eq(authkit_reset_complete(c, reset, pw2, NULL), AUTHKIT_OK);
	authkit_string_free(reset);

	/* Hashing really happened, transactions really ran, never together. */
	ck_assert_int_ge((int64_t)ak_argon2_hash_count() - before_hashes, 4);
	ck_assert_int_ge(watch.transactions, 8);
	ck_assert_int_eq(watch.violations, 0);
	authkit_ctx_free(c);
}
END_TEST

static Suite *threads_suite(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tcase_create("threads");
	tcase_add_checked_fixture(tc, setup_file, teardown_file);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, shared_context_exact_totals, 0, 2);
	tcase_add_test(tc, lockout_race_is_consistent);
	tcase_add_test(tc, no_hashing_inside_a_transaction);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(threads_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
