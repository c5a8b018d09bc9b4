/*
 * Usage metering, quotas, rate limits and billing: idempotency under
 * threads, summaries against independently computed sums, all-or-nothing
 * batches (with fault injection), billing closes racing inserts, quota
 * periods and token buckets on the fake clock, shared buckets across two
 * contexts on one database file.
 */
#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"
#include "fault_store.h"
#include "helpers.h"

/* 2024-01-31 23:59:00 UTC */
#define T_JAN31_2359 1706745540LL

static authkit_usage_event *mk_event(int64_t user, const char *service, const char *model, int64_t in, int64_t out,
                                     int64_t cost, const char *key, int64_t time)
{
	authkit_usage_event *ev = NULL;
	ck_assert_int_eq(authkit_usage_event_new(&ev), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_user_id(ev, user), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_service(ev, service), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_model(ev, model), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_request_type(ev, "chat"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_input_tokens(ev, in), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_output_tokens(ev, out), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_cost_micros(ev, cost), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_idempotency_key(ev, key), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_time(ev, time), AUTHKIT_OK);
	return ev;
}

/* Totals over every user and all time. */
static void totals(authkit_ctx *c, int64_t user, int64_t *events, int64_t *in, int64_t *out, int64_t *cost)
{
	authkit_usage_summary *s = NULL;
	ck_assert_int_eq(authkit_usage_summary_get(c, user, 0, 0, AUTHKIT_USAGE_BY_SERVICE, &s), AUTHKIT_OK);
	*events = *in = *out = *cost = 0;
	for (size_t i = 0; i < authkit_usage_summary_count(s); i++) {
		*events += authkit_usage_summary_events(s, i);
		*in += authkit_usage_summary_input_tokens(s, i);
		*out += authkit_usage_summary_output_tokens(s, i);
		*cost += authkit_usage_summary_cost_micros(s, i);
	}
	authkit_usage_summary_free(s);
}

static int64_t total_events(authkit_ctx *c)
{
	int64_t e, i, o, k;
	totals(c, 0, &e, &i, &o, &k);
	return e;
}

/* ---- recording and idempotency ---- */

START_TEST(record_and_duplicate)
{
	test_clock clk = {0};
	authkit_ctx *c = test_ctx(&clk, 0, NULL);
	authkit_usage_event *ev = mk_event(7, "openai", "gpt-4o-mini", 100, 20, 1500, "req-1", 0);
	int dup = -1;
	ck_assert_int_eq(authkit_usage_record(c, ev, &dup), AUTHKIT_OK);
	ck_assert_int_eq(dup, 0);
	ck_assert_int_eq(authkit_usage_record(c, ev, &dup), AUTHKIT_OK);
	ck_assert_int_eq(dup, 1);
	ck_assert_int_eq(authkit_usage_record(c, ev, NULL), AUTHKIT_OK);
	/* no key: every record counts */
	ck_assert_int_eq(authkit_usage_event_set_idempotency_key(ev, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_record(c, ev, &dup), AUTHKIT_OK);
	ck_assert_int_eq(dup, 0);
	ck_assert_int_eq(authkit_usage_record(c, ev, &dup), AUTHKIT_OK);
	ck_assert_int_eq(dup, 0);
	int64_t e, in, out, cost;
	totals(c, 7, &e, &in, &out, &cost);
	ck_assert_int_eq(e, 3);
	ck_assert_int_eq(in, 300);
	ck_assert_int_eq(out, 60);
	ck_assert_int_eq(cost, 4500);
	/* default time is the context clock */
	authkit_usage_summary *s = NULL;
	int64_t now = ak_now(c);
	ck_assert_int_eq(authkit_usage_summary_get(c, 7, now, now + 1, AUTHKIT_USAGE_BY_MODEL, &s), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_usage_summary_count(s), 1);
	ck_assert_str_eq(authkit_usage_summary_key(s, 0), "gpt-4o-mini");
	ck_assert_ptr_null(authkit_usage_summary_key(s, 1));
	authkit_usage_summary_free(s);
	/* setters refuse and keep the old value */
	ck_assert_int_eq(authkit_usage_event_set_service(ev, "has space"), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_cost_micros(ev, -1), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_idempotency_key(ev, "tab\tkey"), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_record(c, ev, &dup), AUTHKIT_OK);
	totals(c, 7, &e, &in, &out, &cost);
	ck_assert_int_eq(cost, 6000);
	/* incomplete events */
	authkit_usage_event *empty = NULL;
	ck_assert_int_eq(authkit_usage_event_new(&empty), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_record(c, empty, &dup), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_user_id(empty, 1), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_record(c, empty, &dup), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_service(empty, "anthropic"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_record(c, empty, &dup), AUTHKIT_OK);
	authkit_usage_event_free(empty);
	authkit_usage_event_free(ev);
	authkit_ctx_free(c);
}
END_TEST

#define IDEM_THREADS 8
#define IDEM_KEYS 60

typedef struct idem_arg {
	authkit_ctx *ctx;
	int index;
	int inserted[IDEM_KEYS];
	int duplicates;
	int errors;
} idem_arg;

static void *idem_worker(void *p)
{
	idem_arg *a = p;
	for (int k = 0; k < IDEM_KEYS; k++) {
		/* threads walk the keys from different starting points */
		int key = (k + a->index * 7) % IDEM_KEYS;
		char name[32];
		snprintf(name, sizeof name, "idem-%d", key);
		authkit_usage_event *ev = NULL;
		authkit_usage_event_new(&ev);
		authkit_usage_event_set_user_id(ev, 1 + key % 3);
		authkit_usage_event_set_service(ev, "openai");
		authkit_usage_event_set_cost_micros(ev, 1000 + key);
		authkit_usage_event_set_idempotency_key(ev, name);
		int dup = -1;
		int rc = authkit_usage_record(a->ctx, ev, &dup);
		authkit_usage_event_free(ev);
		if (rc != AUTHKIT_OK)
			a->errors++;
		else if (dup)
			a->duplicates++;
		else
			a->inserted[key]++;
	}
	return NULL;
}

START_TEST(idempotency_under_threads)
{
	test_clock clk = {0};
	char path[256];
	authkit_ctx *c = test_ctx(&clk, 1, path);
	/* a second context on the same file: two connections pools at once */
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", path), AUTHKIT_OK);
	authkit_ctx *c2 = test_ctx_from_config(cfg);
	idem_arg args[IDEM_THREADS];
	pthread_t th[IDEM_THREADS];
	memset(args, 0, sizeof args);
	for (int i = 0; i < IDEM_THREADS; i++) {
		args[i].ctx = i % 2 ? c2 : c;
		args[i].index = i;
		ck_assert_int_eq(pthread_create(&th[i], NULL, idem_worker, &args[i]), 0);
	}
	for (int i = 0; i < IDEM_THREADS; i++)
		pthread_join(th[i], NULL);
	int dups = 0;
	for (int i = 0; i < IDEM_THREADS; i++) {
		ck_assert_int_eq(args[i].errors, 0);
		dups += args[i].duplicates;
	}
	int64_t expected_cost = 0;
	for (int k = 0; k < IDEM_KEYS; k++) {
		int n = 0;
		for (int i = 0; i < IDEM_THREADS; i++)
			n += args[i].inserted[k];
		ck_assert_msg(n == 1, "key %d inserted %d times", k, n);
		expected_cost += 1000 + k;
	}
	ck_assert_int_eq(dups, IDEM_KEYS * (IDEM_THREADS - 1));
	int64_t e, in, out, cost;
	totals(c, 0, &e, &in, &out, &cost);
	ck_assert_int_eq(e, IDEM_KEYS);
	ck_assert_int_eq(cost, expected_cost);
	authkit_ctx_free(c2);
	authkit_ctx_free(c);
	test_remove_db(path);
}
END_TEST

/* ---- summaries against independent sums ---- */

#define SUM_EVENTS 600
static const char *const SERVICES[] = {"openai", "anthropic", "stability"};
static const char *const MODELS[] = {"gpt-4o", "claude-3-5-sonnet@20240620", "sdxl/v1.0"};

typedef struct sum_row {
	char key[32];
	int64_t events, in, out, cost;
} sum_row;

typedef struct rnd_event {
	int64_t user, in, out, cost, time;
	int service, model;
} rnd_event;

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static void group_key(const rnd_event *e, int group, char *out, size_t size)
{
	time_t t = (time_t)e->time;
	struct tm tm;
	gmtime_r(&t, &tm);
	switch (group) {
	case AUTHKIT_USAGE_BY_SERVICE: snprintf(out, size, "%s", SERVICES[e->service]); break;
	case AUTHKIT_USAGE_BY_MODEL: snprintf(out, size, "%s", MODELS[e->model]); break;
	case AUTHKIT_USAGE_BY_DAY: strftime(out, size, "%Y-%m-%d", &tm); break;
	default: strftime(out, size, "%Y-%m", &tm); break;
	}
}

/* Expected rows for (user, since, until, group), sorted by key. */
static size_t expect(const rnd_event *ev, size_t n, int64_t user, int64_t since, int64_t until, int group,
                     sum_row *rows)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if ((user && ev[i].user != user) || ev[i].time < since || (until && ev[i].time >= until))
			continue;
		char key[32];
		group_key(&ev[i], group, key, sizeof key);
		size_t j = 0;
		while (j < count && strcmp(rows[j].key, key) != 0)
			j++;
		if (j == count) {
			memset(&rows[count], 0, sizeof rows[count]);
			snprintf(rows[count].key, sizeof rows[count].key, "%s", key);
			count++;
		}
		rows[j].events++;
		rows[j].in += ev[i].in;
		rows[j].out += ev[i].out;
		rows[j].cost += ev[i].cost;
	}
	for (size_t i = 1; i < count; i++)
		for (size_t j = i; j > 0 && strcmp(rows[j - 1].key, rows[j].key) > 0; j--) {
			sum_row t = rows[j];
			rows[j] = rows[j - 1];
			rows[j - 1] = t;
		}
	return count;
}

START_TEST(summaries_match_independent_sums)
{
	test_clock clk = {0};
	authkit_ctx *c = test_ctx(&clk, 0, NULL);
	static rnd_event ev[SUM_EVENTS];
	const int64_t t0 = 1704067200LL - 10 * 86400; /* 2023-12-22 */
	/* record in batches of 50 */
	for (size_t b = 0; b < SUM_EVENTS; b += 50) {
		authkit_usage_event *batch[50];
		for (size_t i = 0; i < 50; i++) {
			rnd_event *e = &ev[b + i];
			e->user = 1 + (int64_t)(rng() % 4);
			e->service = (int)(rng() % 3);
			e->model = (int)(rng() % 3);
			e->in = (int64_t)(rng() % 5000);
			e->out = (int64_t)(rng() % 3000);
			e->cost = (int64_t)(rng() % 2000000) + (i == 7 ? AUTHKIT_USAGE_COST_MAX / 1000 : 0);
			e->time = t0 + (int64_t)(rng() % (75 * 86400)); /* into March */
			batch[i] = mk_event(e->user, SERVICES[e->service], MODELS[e->model], e->in, e->out, e->cost, NULL,
			                    e->time);
		}
		size_t inserted = 0;
		ck_assert_int_eq(authkit_usage_record_batch(c, (const authkit_usage_event *const *)batch, 50, &inserted),
		                 AUTHKIT_OK);
		ck_assert_uint_eq(inserted, 50);
		for (size_t i = 0; i < 50; i++)
			authkit_usage_event_free(batch[i]);
	}
	const int64_t ranges[][2] = {{0, 0}, {t0 + 86400 * 5 + 3600, t0 + 86400 * 40 + 17}, {t0 + 100, t0 + 101},
	                             {1704067200LL, 1706745600LL} /* January */};
	static sum_row want[256];
	for (int64_t user = 0; user <= 5; user++)
		for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
			for (int group = AUTHKIT_USAGE_BY_SERVICE; group <= AUTHKIT_USAGE_BY_MONTH; group++) {
				size_t n = expect(ev, SUM_EVENTS, user, ranges[r][0], ranges[r][1], group, want);
				authkit_usage_summary *s = NULL;
				ck_assert_int_eq(authkit_usage_summary_get(c, user, ranges[r][0], ranges[r][1], group, &s),
				                 AUTHKIT_OK);
				ck_assert_uint_eq(authkit_usage_summary_count(s), n);
				for (size_t i = 0; i < n; i++) {
					ck_assert_str_eq(authkit_usage_summary_key(s, i), want[i].key);
					ck_assert_int_eq(authkit_usage_summary_events(s, i), want[i].events);
					ck_assert_int_eq(authkit_usage_summary_input_tokens(s, i), want[i].in);
					ck_assert_int_eq(authkit_usage_summary_output_tokens(s, i), want[i].out);
					ck_assert_int_eq(authkit_usage_summary_cost_micros(s, i), want[i].cost);
				}
				authkit_usage_summary_free(s);
			}
	authkit_ctx_free(c);
}
END_TEST

/* ---- batches: all or nothing ---- */

START_TEST(batch_invalid_event_records_nothing)
{
	test_clock clk = {0};
	authkit_ctx *c = test_ctx(&clk, 0, NULL);
	authkit_usage_event *ev[4];
	for (int i = 0; i < 4; i++) {
		char key[16];
		snprintf(key, sizeof key, "b-%d", i);
		ev[i] = mk_event(3, "openai", "", 1, 1, 10, key, 0);
	}
	authkit_usage_event *bad = NULL;
	ck_assert_int_eq(authkit_usage_event_new(&bad), AUTHKIT_OK); /* no user, no service */
	const authkit_usage_event *list[5] = {ev[0], ev[1], bad, ev[2], ev[3]};
	size_t inserted = 99;
	ck_assert_int_eq(authkit_usage_record_batch(c, list, 5, &inserted), AUTHKIT_EINVALID);
	ck_assert_uint_eq(inserted, 0);
	list[2] = NULL;
	ck_assert_int_eq(authkit_usage_record_batch(c, list, 5, &inserted), AUTHKIT_EINVALID);
	ck_assert_int_eq(total_events(c), 0);
	/* duplicates within the batch and against earlier records are skipped */
	int dup;
	ck_assert_int_eq(authkit_usage_record(c, ev[0], &dup), AUTHKIT_OK);
	const authkit_usage_event *with_dups[6] = {ev[0], ev[1], ev[1], ev[2], ev[3], ev[3]};
	ck_assert_int_eq(authkit_usage_record_batch(c, with_dups, 6, &inserted), AUTHKIT_OK);
	ck_assert_uint_eq(inserted, 3);
	ck_assert_int_eq(total_events(c), 4);
	ck_assert_int_eq(authkit_usage_record_batch(c, with_dups, 6, &inserted), AUTHKIT_OK);
	ck_assert_uint_eq(inserted, 0);
	authkit_usage_event_free(bad);
	for (int i = 0; i < 4; i++)
		authkit_usage_event_free(ev[i]);
	authkit_ctx_free(c);
}
END_TEST

START_TEST(batch_fault_mid_way_records_nothing)
{
	test_clock clk = {0};
	char path[256];
	test_tmp_path(path, sizeof path, "usage-fault");
	authkit_store *inner = NULL;
	ck_assert_int_eq(authkit_store_sqlite_open(&inner, path, 0), AUTHKIT_OK);
	fault_store_ctl *ctl = NULL;
	authkit_store *store = fault_store_wrap(inner, &ctl);
	ck_assert_ptr_nonnull(store);
	authkit_ctx *c = test_ctx_with_store(&clk, store);
	enum { N = 6 };
	authkit_usage_event *ev[N];
	for (int i = 0; i < N; i++) {
		char key[16];
		snprintf(key, sizeof key, "f-%d", i);
		ev[i] = mk_event(1 + i % 2, "openai", "gpt-4o", 10, 5, 100 + i, key, 0);
	}
	/* count the slot calls of a successful batch on a scratch context */
	fault_store_reset(ctl);
	long calls = 0;
	for (long n = 1;; n++) {
		fault_store_fail_at(ctl, n);
		size_t inserted = 99;
		int rc = authkit_usage_record_batch(c, (const authkit_usage_event *const *)ev, N, &inserted);
		long made = fault_store_calls(ctl);
		fault_store_reset(ctl);
		if (rc == AUTHKIT_OK) {
			ck_assert_uint_eq(inserted, N);
			ck_assert_int_lt(made, n); /* the fault was never reached */
			calls = made;
			break;
		}
		ck_assert_int_eq(rc, AUTHKIT_ESTORE);
		ck_assert_uint_eq(inserted, 0);
		ck_assert_int_eq(total_events(c), 0);
		ck_assert_int_lt(n, 100);
	}
	ck_assert_int_ge(calls, N + 2); /* begin, N inserts, commit */
	int64_t e, in, out, cost;
	totals(c, 0, &e, &in, &out, &cost);
	ck_assert_int_eq(e, N);
	ck_assert_int_eq(cost, 100 + 101 + 102 + 103 + 104 + 105);
	for (int i = 0; i < N; i++)
		authkit_usage_event_free(ev[i]);
	authkit_ctx_free(c);
	test_remove_db(path);
}
END_TEST

/* ---- billing ---- */

#define BILL_THREADS 4

typedef struct bill_arg {
	authkit_ctx *ctx;
	int64_t user;
	atomic_int *stop;
	atomic_long *recorded;
	int64_t events, in, out, cost;
	int errors;
} bill_arg;

static void *bill_worker(void *p)
{
	bill_arg *a = p;
	for (int64_t i = 0; !atomic_load(a->stop) && i < 100000; i++) {
		authkit_usage_event *ev = NULL;
		authkit_usage_event_new(&ev);
		authkit_usage_event_set_user_id(ev, a->user);
		authkit_usage_event_set_service(ev, "openai");
		int64_t in = 1 + i % 7, out = 2 + i % 5, cost = 1000 + i % 13;
		authkit_usage_event_set_input_tokens(ev, in);
		authkit_usage_event_set_output_tokens(ev, out);
		authkit_usage_event_set_cost_micros(ev, cost);
		int dup = 0;
		int rc = authkit_usage_record(a->ctx, ev, &dup);
		authkit_usage_event_free(ev);
		if (rc != AUTHKIT_OK || dup) {
			a->errors++;
			continue;
		}
		a->events++;
		a->in += in;
		a->out += out;
		a->cost += cost;
		atomic_fetch_add(a->recorded, 1);
	}
	return NULL;
}

static void wait_for(atomic_long *counter, long at_least)
{
	while (atomic_load(counter) < at_least)
		sched_yield();
}

START_TEST(billing_close_races_inserts)
{
	test_clock clk = {0};
	char path[256];
	authkit_ctx *c = test_ctx(&clk, 1, path);
	const int64_t period = 3600;
	int64_t start = ak_now(c);
	atomic_int stop = 0;
	atomic_long recorded = 0;
	bill_arg args[BILL_THREADS];
	pthread_t th[BILL_THREADS];
	memset(args, 0, sizeof args);
	for (int i = 0; i < BILL_THREADS; i++) {
		args[i] = (bill_arg){.ctx = c, .user = 10 + i, .stop = &stop, .recorded = &recorded};
		ck_assert_int_eq(pthread_create(&th[i], NULL, bill_worker, &args[i]), 0);
	}
	/* three consecutive periods, each closed while the threads keep recording */
	int64_t records = 0, closes_with_rows = 0;
	for (int p = 0; p < 3; p++) {
		/* 150 more records completed after the previous close: at most one
		 * per thread read the clock before it moved, so this period has rows */
		wait_for(&recorded, atomic_load(&recorded) + 150);
		int64_t end = start + (p + 1) * period;
		test_clock_set(&clk, end * 1000);
		int64_t n = -1;
		ck_assert_int_eq(authkit_billing_close(c, 0, start + p * period, end, &n), AUTHKIT_OK);
		ck_assert_int_le(n, BILL_THREADS);
		records += n;
		closes_with_rows += n > 0;
	}
	wait_for(&recorded, 600);
	atomic_store(&stop, 1);
	for (int i = 0; i < BILL_THREADS; i++)
		pthread_join(th[i], NULL);
	/* a final close catches what arrived after the third */
	int64_t n = 0;
	ck_assert_int_eq(authkit_billing_close(c, 0, start + 3 * period, start + 4 * period + 1, &n), AUTHKIT_OK);
	records += n;
	ck_assert_int_eq(closes_with_rows, 3);

	int64_t want_e = 0, want_in = 0, want_out = 0, want_cost = 0;
	for (int i = 0; i < BILL_THREADS; i++) {
		ck_assert_int_eq(args[i].errors, 0);
		want_e += args[i].events;
		want_in += args[i].in;
		want_out += args[i].out;
		want_cost += args[i].cost;
	}
	authkit_billing_list *l = NULL;
	ck_assert_int_eq(authkit_billing_list_get(c, 0, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_billing_list_count(l), (size_t)records);
	int64_t got_e = 0, got_in = 0, got_out = 0, got_cost = 0;
	int64_t per_user[BILL_THREADS] = {0};
	for (size_t i = 0; i < authkit_billing_list_count(l); i++) {
		got_e += authkit_billing_list_events(l, i);
		got_in += authkit_billing_list_input_tokens(l, i);
		got_out += authkit_billing_list_output_tokens(l, i);
		got_cost += authkit_billing_list_cost_micros(l, i);
		ck_assert_int_eq(authkit_billing_list_status(l, i), AUTHKIT_BILLING_PENDING);
		int64_t u = authkit_billing_list_user_id(l, i);
		ck_assert(u >= 10 && u < 10 + BILL_THREADS);
		per_user[u - 10] += authkit_billing_list_cost_micros(l, i);
	}
	authkit_billing_list_free(l);
	ck_assert_int_eq(got_e, want_e);
	ck_assert_int_eq(got_in, want_in);
	ck_assert_int_eq(got_out, want_out);
	ck_assert_int_eq(got_cost, want_cost);
	for (int i = 0; i < BILL_THREADS; i++)
		ck_assert_int_eq(per_user[i], args[i].cost);
	/* every row belongs to exactly one billing record */
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(db,
	                                    "SELECT count(*), (SELECT count(*) FROM usage_events u LEFT JOIN billing b"
	                                    " ON b.id = u.billing_id WHERE b.id IS NULL) FROM usage_events",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int64(st, 0), want_e);
	ck_assert_int_eq(sqlite3_column_int64(st, 1), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	ck_assert_int_eq(test_audit_count(c, 0, "billing.closed", NULL), 4);
	/* nothing left: closing again writes nothing */
	ck_assert_int_eq(authkit_billing_close(c, 0, start, start + 10 * period, &n), AUTHKIT_OK);
	ck_assert_int_eq(n, 0);
	authkit_ctx_free(c);
	test_remove_db(path);
}
END_TEST

START_TEST(billing_status_transitions)
{
	test_clock clk = {0};
	authkit_ctx *c = test_ctx(&clk, 0, NULL);
	int64_t now = ak_now(c);
	for (int64_t u = 1; u <= 3; u++) {
		authkit_usage_event *ev = mk_event(u, "openai", "m", 10 * u, u, 1000 * u, NULL, now - 10);
		ck_assert_int_eq(authkit_usage_record(c, ev, NULL), AUTHKIT_OK);
		ck_assert_int_eq(authkit_usage_record(c, ev, NULL), AUTHKIT_OK);
		authkit_usage_event_free(ev);
	}
	int64_t n = 0;
	/* one user only */
	ck_assert_int_eq(authkit_billing_close(c, 2, now - 100, now, &n), AUTHKIT_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(authkit_billing_close(c, 0, now - 100, now, &n), AUTHKIT_OK);
	ck_assert_int_eq(n, 2);
	authkit_billing_list *l = NULL;
	ck_assert_int_eq(authkit_billing_list_get(c, 2, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_billing_list_count(l), 1);
	ck_assert_int_eq(authkit_billing_list_events(l, 0), 2);
	ck_assert_int_eq(authkit_billing_list_input_tokens(l, 0), 40);
	ck_assert_int_eq(authkit_billing_list_output_tokens(l, 0), 4);
	ck_assert_int_eq(authkit_billing_list_cost_micros(l, 0), 4000);
	ck_assert_int_eq(authkit_billing_list_period_start(l, 0), now - 100);
	ck_assert_int_eq(authkit_billing_list_period_end(l, 0), now);
	ck_assert_int_eq(authkit_billing_list_created_at(l, 0), now);
	ck_assert_int_eq(authkit_billing_list_status(l, 1), -1);
	int64_t id2 = authkit_billing_list_id(l, 0);
	authkit_billing_list_free(l);
	ck_assert_int_eq(authkit_billing_list_get(c, 0, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_billing_list_count(l), 3);
	int64_t other = authkit_billing_list_id(l, 0) == id2 ? authkit_billing_list_id(l, 1)
	                                                      : authkit_billing_list_id(l, 0);
	authkit_billing_list_free(l);

	ck_assert_int_eq(authkit_billing_set_status(c, id2, AUTHKIT_BILLING_PENDING), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_billing_set_status(c, id2, AUTHKIT_BILLING_PAID), AUTHKIT_OK);
	ck_assert_int_eq(authkit_billing_set_status(c, id2, AUTHKIT_BILLING_VOID), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_billing_set_status(c, id2, AUTHKIT_BILLING_PAID), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_billing_set_status(c, other, AUTHKIT_BILLING_VOID), AUTHKIT_OK);
	ck_assert_int_eq(authkit_billing_set_status(c, other, AUTHKIT_BILLING_PAID), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_billing_set_status(c, id2 + 1000, AUTHKIT_BILLING_PAID), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_billing_list_get(c, 2, &l), AUTHKIT_OK);
	ck_assert_int_eq(authkit_billing_list_status(l, 0), AUTHKIT_BILLING_PAID);
	authkit_billing_list_free(l);
	ck_assert_int_eq(test_audit_count(c, 0, "billing.status", NULL), 2);
	ck_assert_int_eq(test_audit_count(c, 2, "billing.closed", NULL), 1);
	authkit_ctx_free(c);
}
END_TEST

START_TEST(user_delete_keeps_usage_and_billing)
{
	test_clock clk = {0};
	authkit_ctx *c = test_ctx(&clk, 0, NULL);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(c, "carol", "carol@example.com", NULL, "Xq7!Nimbus-Vortex-Pyl0n", &u),
	                 AUTHKIT_OK);
	int64_t id = authkit_user_id(u);
	authkit_user_free(u);
	int64_t now = ak_now(c);
	authkit_usage_event *ev = mk_event(id, "openai", "gpt-4o", 5, 6, 700, "carol-1", now - 5);
	ck_assert_int_eq(authkit_usage_record(c, ev, NULL), AUTHKIT_OK);
	authkit_usage_event_free(ev);
	int64_t n = 0;
	ck_assert_int_eq(authkit_billing_close(c, id, now - 60, now, &n), AUTHKIT_OK);
	ck_assert_int_eq(n, 1);
	ev = mk_event(id, "openai", "gpt-4o", 1, 1, 300, "carol-2", now);
	ck_assert_int_eq(authkit_usage_record(c, ev, NULL), AUTHKIT_OK);
	authkit_usage_event_free(ev);
	ck_assert_int_eq(authkit_quota_charge(c, id, NULL, AUTHKIT_QUOTA_COST, AUTHKIT_PERIOD_DAY, 1000, NULL),
	                 AUTHKIT_OK);

	ck_assert_int_eq(authkit_user_delete(c, id), AUTHKIT_OK);
	int64_t e, in, out, cost;
	totals(c, id, &e, &in, &out, &cost);
	ck_assert_int_eq(e, 2);
	ck_assert_int_eq(cost, 1000);
	authkit_billing_list *l = NULL;
	ck_assert_int_eq(authkit_billing_list_get(c, id, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_billing_list_count(l), 1);
	ck_assert_int_eq(authkit_billing_list_cost_micros(l, 0), 700);
	authkit_billing_list_free(l);
	/* the rest can still be billed after the deletion */
	ck_assert_int_eq(authkit_billing_close(c, id, now, now + 1, &n), AUTHKIT_OK);
	ck_assert_int_eq(n, 1);
	authkit_ctx_free(c);
}
END_TEST

/* ---- quotas ---- */

START_TEST(quota_across_period_boundary)
{
	test_clock clk = {0};
	test_clock_set(&clk, T_JAN31_2359 * 1000);
	authkit_ctx *c = test_ctx(&clk, 0, NULL);
	int64_t rem = -1, wait = -1, used = -1;
	const int TK = AUTHKIT_QUOTA_TOKENS, D = AUTHKIT_PERIOD_DAY, MO = AUTHKIT_PERIOD_MONTH;
	ck_assert_int_eq(authkit_quota_check(c, 5, "openai", TK, D, 100, 10, &rem, &wait), AUTHKIT_OK);
	ck_assert_int_eq(rem, 100);
	ck_assert_int_eq(wait, 0);
	ck_assert_int_eq(authkit_quota_charge(c, 5, "openai", TK, D, 60, &used), AUTHKIT_OK);
	ck_assert_int_eq(used, 60);
	ck_assert_int_eq(authkit_quota_charge(c, 5, "openai", TK, D, 35, &used), AUTHKIT_OK);
	ck_assert_int_eq(used, 95);
	ck_assert_int_eq(authkit_quota_check(c, 5, "openai", TK, D, 100, 5, &rem, &wait), AUTHKIT_OK);
	ck_assert_int_eq(rem, 5);
	ck_assert_int_eq(authkit_quota_check(c, 5, "openai", TK, D, 100, 6, &rem, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(rem, 5);
	ck_assert_int_eq(wait, 60); /* midnight */
	/* other services, the overall quota, other users, other kinds are separate */
	ck_assert_int_eq(authkit_quota_check(c, 5, "anthropic", TK, D, 100, 100, &rem, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_quota_check(c, 5, NULL, TK, D, 100, 100, &rem, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_quota_check(c, 6, "openai", TK, D, 100, 100, &rem, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_quota_check(c, 5, "openai", AUTHKIT_QUOTA_COST, D, 100, 100, NULL, NULL), AUTHKIT_OK);
	/* charging past the limit is allowed (it was used); then nothing is left */
	ck_assert_int_eq(authkit_quota_charge(c, 5, "openai", TK, D, 10, &used), AUTHKIT_OK);
	ck_assert_int_eq(used, 105);
	ck_assert_int_eq(authkit_quota_check(c, 5, "openai", TK, D, 100, 0, &rem, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(rem, 0);
	/* requests per month: limit 3 */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(authkit_quota_check(c, 5, NULL, AUTHKIT_QUOTA_REQUESTS, MO, 3, 1, &rem, &wait), AUTHKIT_OK);
		ck_assert_int_eq(rem, 3 - i);
		ck_assert_int_eq(authkit_quota_charge(c, 5, NULL, AUTHKIT_QUOTA_REQUESTS, MO, 1, &used), AUTHKIT_OK);
	}
	ck_assert_int_eq(authkit_quota_check(c, 5, NULL, AUTHKIT_QUOTA_REQUESTS, MO, 3, 0, &rem, &wait),
	                 AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 60); /* February starts at the same midnight */
	test_clock_advance_s(&clk, 59);
	ck_assert_int_eq(authkit_quota_check(c, 5, "openai", TK, D, 100, 1, &rem, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 1);
	test_clock_advance_s(&clk, 1); /* 2024-02-01 00:00:00 */
	ck_assert_int_eq(authkit_quota_check(c, 5, "openai", TK, D, 100, 100, &rem, &wait), AUTHKIT_OK);
	ck_assert_int_eq(rem, 100);
	ck_assert_int_eq(wait, 0);
	ck_assert_int_eq(authkit_quota_check(c, 5, NULL, AUTHKIT_QUOTA_REQUESTS, MO, 3, 1, &rem, &wait), AUTHKIT_OK);
	ck_assert_int_eq(rem, 3);
	ck_assert_int_eq(authkit_quota_charge(c, 5, NULL, AUTHKIT_QUOTA_REQUESTS, MO, 3, &used), AUTHKIT_OK);
	ck_assert_int_eq(used, 3);
	ck_assert_int_eq(authkit_quota_check(c, 5, NULL, AUTHKIT_QUOTA_REQUESTS, MO, 3, 1, &rem, &wait),
	                 AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 29 * 86400); /* 2024 is a leap year */
	/* December rolls over into the next year */
	test_clock_set(&clk, 1735603200LL * 1000); /* 2024-12-31 00:00:00 */
	ck_assert_int_eq(authkit_quota_charge(c, 5, NULL, AUTHKIT_QUOTA_REQUESTS, MO, 3, &used), AUTHKIT_OK);
	ck_assert_int_eq(used, 3);
	ck_assert_int_eq(authkit_quota_check(c, 5, NULL, AUTHKIT_QUOTA_REQUESTS, MO, 3, 1, &rem, &wait),
	                 AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 86400);
	authkit_ctx_free(c);
}
END_TEST

/* ---- local rate limits ---- */

static void clock_add_ms(test_clock *clk, int64_t ms)
{
	test_clock_set(clk, atomic_load(&clk->now_ms) + ms);
}

START_TEST(local_refill_burst_wait)
{
	test_clock clk = {0};
	authkit_ctx *c = test_ctx(&clk, 0, NULL);
	authkit_ratelimit *rl = NULL;
	ck_assert_int_eq(authkit_ratelimit_new(10, 2, &rl), AUTHKIT_OK);
	int64_t wait = -1;
	for (int i = 0; i < 10; i++) /* burst */
		ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 1, &wait), AUTHKIT_OK);
	ck_assert_int_eq(wait, 0);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 1, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 500);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 3, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 1500);
	/* other keys have their own bucket */
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "ip:192.0.2.1", 10, &wait), AUTHKIT_OK);
	clock_add_ms(&clk, 499);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 1, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 1);
	clock_add_ms(&clk, 1);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 1, &wait), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 1, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 500);
	/* partial refill: 1250 ms = 2.5 tokens; 2 taken, half a token left */
	clock_add_ms(&clk, 1250);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 2, &wait), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 1, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 250);
	/* a long pause refills to the capacity, never beyond */
	test_clock_advance_s(&clk, 3600);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 10, &wait), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 1, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 500);
	/* a clock going backwards refills nothing */
	clock_add_ms(&clk, -5000);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 1, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 500);
	/* cost above capacity can never succeed */
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "user:1", 11, &wait), AUTHKIT_EINVALID);
	ck_assert_uint_eq(authkit_ratelimit_size(rl), 2);
	authkit_ratelimit_free(rl);
	/* the monotonic clock when no context is given */
	ck_assert_int_eq(authkit_ratelimit_new(1, 1, &rl), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ratelimit_take(rl, NULL, "k", 1, &wait), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ratelimit_take(rl, NULL, "k", 1, &wait), AUTHKIT_ELIMIT);
	ck_assert(wait >= 1 && wait <= 1000);
	authkit_ratelimit_free(rl);
	authkit_ctx_free(c);
}
END_TEST

START_TEST(local_memory_is_bounded)
{
	test_clock clk = {0};
	authkit_ctx *c = test_ctx(&clk, 0, NULL);
	authkit_ratelimit *rl = NULL;
	ck_assert_int_eq(authkit_ratelimit_new(2, 1, &rl), AUTHKIT_OK);
	int64_t max = authkit_usage_limit(AUTHKIT_LIMIT_RATELIMIT_LOCAL_KEYS);
	ck_assert_int_eq(max, AUTHKIT_RATELIMIT_LOCAL_KEYS);
	char key[32];
	for (int64_t i = 0; i < max + 5000; i++) {
		snprintf(key, sizeof key, "ip:%lld", (long long)i);
		ck_assert_int_eq(authkit_ratelimit_take(rl, c, key, 1, NULL), AUTHKIT_OK);
		/* a key in constant use stays remembered */
		int rc = authkit_ratelimit_take(rl, c, "hot", 1, NULL);
		if (i >= 2)
			ck_assert_int_eq(rc, AUTHKIT_ELIMIT);
	}
	ck_assert_uint_le(authkit_ratelimit_size(rl), (size_t)max);
	ck_assert_uint_gt(authkit_ratelimit_size(rl), (size_t)max / 2);
	authkit_ratelimit_free(rl);
	authkit_ctx_free(c);
}
END_TEST

typedef struct take_arg {
	authkit_ratelimit *rl;
	authkit_ctx *ctx;
	int attempts;
	int ok, limited, busy, other;
} take_arg;

static void *local_taker(void *p)
{
	take_arg *a = p;
	for (int i = 0; i < a->attempts; i++) {
		int rc = authkit_ratelimit_take(a->rl, a->ctx, "shared-key", 1, NULL);
		if (rc == AUTHKIT_OK)
			a->ok++;
		else if (rc == AUTHKIT_ELIMIT)
			a->limited++;
		else
			a->other++;
	}
	return NULL;
}

START_TEST(local_threads_never_exceed_capacity)
{
	test_clock clk = {0};
	authkit_ctx *c = test_ctx(&clk, 0, NULL);
	authkit_ratelimit *rl = NULL;
	ck_assert_int_eq(authkit_ratelimit_new(1000, 1, &rl), AUTHKIT_OK);
	take_arg args[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		args[i] = (take_arg){.rl = rl, .ctx = c, .attempts = 400};
		ck_assert_int_eq(pthread_create(&th[i], NULL, local_taker, &args[i]), 0);
	}
	int ok = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		ok += args[i].ok;
		ck_assert_int_eq(args[i].other, 0);
	}
	ck_assert_int_eq(ok, 1000); /* frozen clock: exactly the capacity */
	authkit_ratelimit_free(rl);
	authkit_ctx_free(c);
}
END_TEST

/* ---- shared rate limits ---- */

START_TEST(shared_two_contexts_one_file)
{
	test_clock clk = {0};
	char path[256];
	authkit_ctx *a = test_ctx(&clk, 1, path);
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", path), AUTHKIT_OK);
	authkit_ctx *b = test_ctx_from_config(cfg);
	int64_t wait = -1;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(authkit_ratelimit_shared_take(a, "route:/api/chat", 5, 1, 1, &wait), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ratelimit_shared_take(b, "route:/api/chat", 5, 1, 2, &wait), AUTHKIT_OK);
	ck_assert_int_eq(wait, 0);
	ck_assert_int_eq(authkit_ratelimit_shared_take(a, "route:/api/chat", 5, 1, 1, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 1000);
	ck_assert_int_eq(authkit_ratelimit_shared_take(b, "route:/api/chat", 5, 1, 2, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 2000);
	/* another key is independent */
	ck_assert_int_eq(authkit_ratelimit_shared_take(b, "route:/api/image", 5, 1, 5, &wait), AUTHKIT_OK);
	clock_add_ms(&clk, 999);
	ck_assert_int_eq(authkit_ratelimit_shared_take(b, "route:/api/chat", 5, 1, 1, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 1);
	clock_add_ms(&clk, 1);
	ck_assert_int_eq(authkit_ratelimit_shared_take(b, "route:/api/chat", 5, 1, 1, &wait), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ratelimit_shared_take(a, "route:/api/chat", 5, 1, 1, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(wait, 1000);
	/* refill to the capacity and no further, seen from either context */
	test_clock_advance_s(&clk, 600);
	ck_assert_int_eq(authkit_ratelimit_shared_take(a, "route:/api/chat", 5, 1, 5, &wait), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ratelimit_shared_take(b, "route:/api/chat", 5, 1, 1, &wait), AUTHKIT_ELIMIT);
	ck_assert_int_eq(authkit_ratelimit_shared_take(a, "route:/api/chat", 5, 1, 6, &wait), AUTHKIT_EINVALID);
	authkit_ctx_free(b);
	authkit_ctx_free(a);
	test_remove_db(path);
}
END_TEST

static void *shared_taker(void *p)
{
	take_arg *a = p;
	for (int i = 0; i < a->attempts; i++) {
		int rc = authkit_ratelimit_shared_take(a->ctx, "ip:203.0.113.9", 100, 1, 1, NULL);
		if (rc == AUTHKIT_OK)
			a->ok++;
		else if (rc == AUTHKIT_ELIMIT)
			a->limited++;
		else if (rc == AUTHKIT_EBUSY)
			a->busy++;
		else
			a->other++;
	}
	return NULL;
}

START_TEST(shared_threads_never_exceed_capacity)
{
	test_clock clk = {0};
	char path[256];
	authkit_ctx *a = test_ctx(&clk, 1, path);
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", path), AUTHKIT_OK);
	authkit_ctx *b = test_ctx_from_config(cfg);
	take_arg args[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		args[i] = (take_arg){.ctx = i % 2 ? b : a, .attempts = 30};
		ck_assert_int_eq(pthread_create(&th[i], NULL, shared_taker, &args[i]), 0);
	}
	int ok = 0, limited = 0, busy = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		ok += args[i].ok;
		limited += args[i].limited;
		busy += args[i].busy;
		ck_assert_int_eq(args[i].other, 0);
	}
	ck_assert_int_le(ok, 100);
	ck_assert_int_eq(ok + limited + busy, 240);
	/* the clock is frozen: whatever is left can still be taken, exactly */
	int more = 0;
	while (authkit_ratelimit_shared_take(a, "ip:203.0.113.9", 100, 1, 1, NULL) == AUTHKIT_OK)
		more++;
	ck_assert_int_eq(ok + more, 100);
	authkit_ctx_free(b);
	authkit_ctx_free(a);
	test_remove_db(path);
}
END_TEST

/* ---- arguments ---- */

START_TEST(argument_checks)
{
	test_clock clk = {0};
	authkit_ctx *c = test_ctx(&clk, 0, NULL);
	authkit_usage_event *ev = NULL;
	ck_assert_int_eq(authkit_usage_event_new(NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_new(&ev), AUTHKIT_OK);
	char s65[66], s129[131];
	memset(s65, 'a', 65);
	s65[65] = '\0';
	memset(s129, 'm', 129);
	s129[129] = '\0';
	ck_assert_int_eq(authkit_usage_event_set_service(ev, s65), AUTHKIT_EINVALID);
	s65[64] = '\0';
	ck_assert_int_eq(authkit_usage_event_set_service(ev, s65), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_service(ev, ""), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_service(ev, "open ai"), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_service(ev, "openai\xC3\xA9"), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_model(ev, s129), AUTHKIT_EINVALID);
	s129[128] = '\0';
	ck_assert_int_eq(authkit_usage_event_set_model(ev, s129), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_model(ev, "a@b+c"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_request_type(ev, "a@b"), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_input_tokens(ev, AUTHKIT_USAGE_TOKENS_MAX + 1), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_output_tokens(ev, -1), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_cost_micros(ev, AUTHKIT_USAGE_COST_MAX), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_cost_micros(ev, INT64_MAX), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_idempotency_key(ev, s129), AUTHKIT_OK);
	ck_assert_int_eq(authkit_usage_event_set_idempotency_key(ev, "k\x7f"), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_time(ev, -1), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_user_id(ev, 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_event_set_user_id(NULL, 1), AUTHKIT_EINVALID);
	const authkit_usage_event *one[1] = {ev};
	ck_assert_int_eq(authkit_usage_record_batch(c, one, 0, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_record_batch(c, NULL, 1, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_record_batch(c, one, AUTHKIT_USAGE_BATCH_MAX + 1, NULL), AUTHKIT_EINVALID);
	authkit_usage_summary *s = NULL;
	ck_assert_int_eq(authkit_usage_summary_get(c, 0, 10, 10, AUTHKIT_USAGE_BY_DAY, &s), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_summary_get(c, 0, 0, 0, 5, &s), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_usage_summary_get(c, -1, 0, 0, 1, &s), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_quota_check(c, 1, NULL, 4, AUTHKIT_PERIOD_DAY, 1, 1, NULL, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_quota_check(c, 1, NULL, 1, 3, 1, 1, NULL, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_quota_check(c, 1, "", 1, 1, 1, 1, NULL, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_quota_check(c, 1, NULL, 1, 1, -1, 1, NULL, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_quota_charge(c, 0, NULL, 1, 1, 1, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_quota_charge(c, 1, NULL, 1, 1, -1, NULL), AUTHKIT_EINVALID);
	authkit_ratelimit *rl = NULL;
	ck_assert_int_eq(authkit_ratelimit_new(0, 1, &rl), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_ratelimit_new(1, 0, &rl), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_ratelimit_new(AUTHKIT_RATELIMIT_CAPACITY_MAX + 1, 1, &rl), AUTHKIT_EINVALID);
	ck_assert_ptr_null(rl);
	ck_assert_int_eq(authkit_ratelimit_new(AUTHKIT_RATELIMIT_CAPACITY_MAX, AUTHKIT_RATELIMIT_CAPACITY_MAX, &rl),
	                 AUTHKIT_OK);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "", 1, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "a\nb", 1, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "\xC3\x28", 1, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "k", 0, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_ratelimit_take(rl, c, "k", AUTHKIT_RATELIMIT_CAPACITY_MAX, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ratelimit_take(NULL, c, "k", 1, NULL), AUTHKIT_EINVALID);
	authkit_ratelimit_free(rl);
	authkit_ratelimit_free(NULL);
	ck_assert_int_eq(authkit_billing_close(c, 0, 10, 10, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_billing_set_status(c, 0, AUTHKIT_BILLING_PAID), AUTHKIT_EINVALID);
	ck_assert_uint_eq(authkit_billing_list_count(NULL), 0);
	ck_assert_uint_eq(authkit_usage_summary_count(NULL), 0);
	ck_assert_int_eq(authkit_usage_limit(0), -1);
	authkit_usage_summary_free(NULL);
	authkit_billing_list_free(NULL);
	authkit_usage_event_free(NULL);
	authkit_usage_event_free(ev);
	authkit_ctx_free(c);
}
END_TEST

static Suite *usage_suite(void)
{
	Suite *s = suite_create("usage");
	TCase *tm = tcase_create("metering");
	tcase_set_timeout(tm, 300);
	tcase_add_test(tm, record_and_duplicate);
	tcase_add_test(tm, idempotency_under_threads);
	tcase_add_test(tm, summaries_match_independent_sums);
	tcase_add_test(tm, batch_invalid_event_records_nothing);
	tcase_add_test(tm, batch_fault_mid_way_records_nothing);
	tcase_add_test(tm, argument_checks);
	suite_add_tcase(s, tm);
	TCase *tb = tcase_create("billing");
	tcase_set_timeout(tb, 300);
	tcase_add_test(tb, billing_close_races_inserts);
	tcase_add_test(tb, billing_status_transitions);
	tcase_add_test(tb, user_delete_keeps_usage_and_billing);
	suite_add_tcase(s, tb);
	TCase *tq = tcase_create("limits");
	tcase_set_timeout(tq, 300);
	tcase_add_test(tq, quota_across_period_boundary);
	tcase_add_test(tq, local_refill_burst_wait);
	tcase_add_test(tq, local_memory_is_bounded);
	tcase_add_test(tq, local_threads_never_exceed_capacity);
	tcase_add_test(tq, shared_two_contexts_one_file);
	tcase_add_test(tq, shared_threads_never_exceed_capacity);
	suite_add_tcase(s, tq);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(usage_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
