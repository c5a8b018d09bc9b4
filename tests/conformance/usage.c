/*
 * Conformance: Usage events (idempotent under 8 threads), summaries, counters, buckets and
 * billing (closes racing inserts: every event billed exactly once).
 */
#include <time.h>

#include "conformance/internal.h"

static void group_key(const usage_ev *e, int group, char *key, size_t size)
{
	time_t t = (time_t)e->time;
	struct tm tm;
	gmtime_r(&t, &tm);
	if (group == AUTHKIT_STORE_GROUP_SERVICE)
		snprintf(key, size, "%s", e->service);
	else if (group == AUTHKIT_STORE_GROUP_MODEL)
		snprintf(key, size, "%s", e->model);
	else if (group == AUTHKIT_STORE_GROUP_DAY)
		strftime(key, size, "%Y-%m-%d", &tm);
	else
		strftime(key, size, "%Y-%m", &tm);
}

void expect_summary(authkit_store *s, const usage_ev *ev, int n, int64_t user, int64_t since, int64_t until,
                    int group)
{
	static sums want, got;
	memset(&want, 0, sizeof want);
	memset(&got, 0, sizeof got);
	for (int i = 0; i < n; i++) {
		if ((user && ev[i].user != user) || ev[i].time < since || ev[i].time >= until)
			continue;
		char key[AUTHKIT_STORE_MODEL_BYTES];
		group_key(&ev[i], group, key, sizeof key);
		int j = 0;
		while (j < want.count && strcmp(want.rows[j].key, key) != 0)
			j++;
		if (j == want.count)
			snprintf(want.rows[want.count++].key, sizeof want.rows[0].key, "%s", key);
		want.rows[j].events++;
		want.rows[j].input_tokens += ev[i].in;
		want.rows[j].output_tokens += ev[i].out;
		want.rows[j].cost_micros += ev[i].cost;
	}
	OK(s->usage_summary(s, user, since, until, group, collect_sum, &got));
	ck_assert_int_eq(got.count, want.count);
	for (int i = 0; i < got.count; i++) {
		if (i > 0) /* ordered by key */
			ck_assert_int_lt(strcmp(got.rows[i - 1].key, got.rows[i].key), 0);
		int j = 0;
		while (j < want.count && strcmp(want.rows[j].key, got.rows[i].key) != 0)
			j++;
		ck_assert_msg(j < want.count, "unexpected group %s", got.rows[i].key);
		ck_assert_int_eq(got.rows[i].events, want.rows[j].events);
		ck_assert_int_eq(got.rows[i].input_tokens, want.rows[j].input_tokens);
		ck_assert_int_eq(got.rows[i].output_tokens, want.rows[j].output_tokens);
		ck_assert_int_eq(got.rows[i].cost_micros, want.rows[j].cost_micros);
	}
}

START_TEST(test_usage)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = alice + 1000; /* usage needs no user row */
	static const usage_ev ev[] = {
		{0, 10, 20, 1500, NOV30 - DAY + 5, "openai", "gpt-4o"},
		{0, 1, 2, 30, NOV30, "openai", "gpt-4o-mini"},
		{0, 100, 0, 7, NOV30 + 3600, "anthropic", "claude"},
		{0, 5, 5, 5, NOV30 + DAY - 1, "openai", "gpt-4o"},
		{0, 7, 8, 9, NOV30 + DAY, "openai", "gpt-4o"}, /* 2023-12-01 */
		{1, 3, 4, 11, NOV30 + 2 * DAY, "anthropic", "claude"},
		{1, 6, 6, 13, NOV30 - 5, "images", "sdxl"},
		{1, 2, 9, 1000000, NOV30 + 40 * DAY, "openai", "gpt-4o"}, /* 2024-01 */
	};
	int n = (int)(sizeof ev / sizeof ev[0]);
	usage_ev evs[16];
	for (int i = 0; i < n; i++) {
		evs[i] = ev[i];
		evs[i].user = ev[i].user ? bob : alice;
		char idem[32];
		snprintf(idem, sizeof idem, "req-%d", i);
		int dup = -1;
		OK(usage_insert(s, evs[i].user, evs[i].service, evs[i].model, evs[i].in, evs[i].out, evs[i].cost,
		                i % 2 ? idem : "", evs[i].time, &dup));
		ck_assert_int_eq(dup, 0);
	}
	/* A retry with the same key inserts nothing, whatever else differs. */
	int dup = -1;
	OK(usage_insert(s, bob, "openai", "x", 999, 999, 999, "req-1", NOV30, &dup));
	ck_assert_int_eq(dup, 1);
	OK(usage_insert(s, alice, "openai", "x", 999, 999, 999, "req-3", NOV30, NULL));
	expect_rows(s, "usage_events", n);
	/* "" is "no key": never a duplicate, stored as NULL. */
	expect_sql(s, "SELECT count(*) FROM usage_events WHERE idempotency_key IS NULL", (n + 1) / 2);
	/* Ids are set and increase; billing_id starts at 0. */
	authkit_store_usage u;
	memset(&u, 0, sizeof u);
	u.user_id = alice;
	snprintf(u.service, sizeof u.service, "openai");
	u.time = NOV30 + 100 * DAY;
	u.billing_id = 77;
	OK(s->usage_insert(s, &u, &dup));
	ck_assert_int_eq(dup, 0);
	expect_sql(s, "SELECT max(id) FROM usage_events", u.id);
	ck_assert_int_eq(u.billing_id, 0);
	expect_sql(s, "SELECT max(billing_id) FROM usage_events", 0);
	evs[n] = (usage_ev){alice, 0, 0, 0, NOV30 + 100 * DAY, "openai", ""};
	n++;

	/* Every grouping, one user and all users, a few windows. */
	const int64_t windows[][2] = {{0, INT64_MAX}, {NOV30, NOV30 + DAY}, {NOV30 - DAY + 5, NOV30 + DAY + 1},
	                              {NOV30 + 2 * DAY, NOV30 + 2 * DAY}, {NOV30 - DAY + 6, NOV30 + 2 * DAY + 1},
	                              {NOV30 - DAY, NOV30 + 2 * DAY}, {NOV30 + 1, NOV30 + 41 * DAY},
	                              {NOV30 - 4, NOV30 + DAY}, {NOV30 + 3600, INT64_MAX}};
	for (int g = AUTHKIT_STORE_GROUP_SERVICE; g <= AUTHKIT_STORE_GROUP_MONTH; g++)
		for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
			expect_summary(s, evs, n, alice, windows[w][0], windows[w][1], g);
			expect_summary(s, evs, n, bob, windows[w][0], windows[w][1], g);
			expect_summary(s, evs, n, 0, windows[w][0], windows[w][1], g);
		}
	/* Spot checks of the keys themselves. */
	static sums got;
	memset(&got, 0, sizeof got);
	OK(s->usage_summary(s, 0, 0, INT64_MAX, AUTHKIT_STORE_GROUP_MONTH, collect_sum, &got));
	ck_assert_int_eq(got.count, 4);
	ck_assert_str_eq(got.rows[0].key, "2023-11");
	ck_assert_int_eq(got.rows[0].events, 5);
	ck_assert_str_eq(got.rows[1].key, "2023-12");
	ck_assert_str_eq(got.rows[2].key, "2024-01");
	ck_assert_int_eq(got.rows[2].cost_micros, 1000000);
	memset(&got, 0, sizeof got);
	OK(s->usage_summary(s, alice, NOV30, NOV30 + 2 * DAY, AUTHKIT_STORE_GROUP_DAY, collect_sum, &got));
	ck_assert_int_eq(got.count, 2);
	ck_assert_str_eq(got.rows[0].key, "2023-11-30");
	ck_assert_int_eq(got.rows[0].events, 3);
	ck_assert_int_eq(got.rows[0].input_tokens, 106);
	ck_assert_str_eq(got.rows[1].key, "2023-12-01");

	ck_assert_int_eq(s->usage_summary(s, 0, 0, 1, 0, collect_sum, &got), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->usage_summary(s, 0, 0, 1, 5, collect_sum, &got), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->usage_summary(s, 0, 0, 1, AUTHKIT_STORE_GROUP_DAY, NULL, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->usage_insert(s, NULL, &dup), AUTHKIT_EINVALID);

	backend_close(&b);
}
END_TEST

#define IDEM_KEYS 100

typedef struct idem_job {
	authkit_store *store;
	_Atomic int inserted, duplicates, errors;
	_Atomic int next;
} idem_job;

static void *insert_idem(void *arg)
{
	idem_job *job = arg;
	int me = atomic_fetch_add(&job->next, 1);
	for (int k = 0; k < IDEM_KEYS; k++) {
		int key = (k + me * 13) % IDEM_KEYS; /* threads walk the keys in different orders */
		char idem[32];
		snprintf(idem, sizeof idem, "retry-%d", key);
		int dup = -1;
		int rc = usage_insert(job->store, 1 + key % 5, "openai", "gpt", 1, 1, key, idem, T0 + key, &dup);
		if (rc)
			atomic_fetch_add(&job->errors, 1);
		else if (dup)
			atomic_fetch_add(&job->duplicates, 1);
		else
			atomic_fetch_add(&job->inserted, 1);
	}
	return NULL;
}

START_TEST(test_usage_idempotency_race)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	static idem_job job;
	memset(&job, 0, sizeof job);
	job.store = s;
	run_threads(insert_idem, &job);
	ck_assert_msg(atomic_load(&job.errors) == 0, "%d errors (%s)", atomic_load(&job.errors), authkit_error_last());
	ck_assert_int_eq(atomic_load(&job.inserted), IDEM_KEYS);
	ck_assert_int_eq(atomic_load(&job.duplicates), (THREADS - 1) * IDEM_KEYS);
	expect_rows(s, "usage_events", IDEM_KEYS);
	expect_sql(s, "SELECT count(DISTINCT idempotency_key) FROM usage_events", IDEM_KEYS);
	backend_close(&b);
}
END_TEST

#define COUNTER_ADDS 200

typedef struct add_job {
	authkit_store *store;
	_Atomic int errors;
	_Atomic int seen[THREADS * COUNTER_ADDS + 1];
} add_job;

static void *add_counter(void *arg)
{
	add_job *job = arg;
	for (int i = 0; i < COUNTER_ADDS; i++) {
		int64_t v = 0;
		int rc = job->store->counter_add(job->store, "quota:user:1:2023-11", 1, &v);
		if (rc || v < 1 || v > THREADS * COUNTER_ADDS)
			atomic_fetch_add(&job->errors, 1);
		else
			atomic_fetch_add(&job->seen[v], 1);
	}
	return NULL;
}

START_TEST(test_counters)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t v = -1;
	OK(s->counter_get(s, "k", &v));
	ck_assert_int_eq(v, 0); /* absent */
	OK(s->counter_add(s, "k", 5, &v));
	ck_assert_int_eq(v, 5);
	OK(s->counter_add(s, "k", -2, &v));
	ck_assert_int_eq(v, 3);
	OK(s->counter_add(s, "k", 0, NULL));
	OK(s->counter_get(s, "k", &v));
	ck_assert_int_eq(v, 3);
	OK(s->counter_add(s, "K", 1, &v)); /* keys are exact */
	ck_assert_int_eq(v, 1);
	OK(s->counter_add(s, "'; DROP TABLE counters; --", 7, &v));
	OK(s->counter_get(s, "'; DROP TABLE counters; --", &v));
	ck_assert_int_eq(v, 7);
	/* An overflow fails and changes nothing. */
	OK(s->counter_add(s, "big", INT64_MAX - 1, &v));
	ck_assert_int_ne(s->counter_add(s, "big", 2, &v), AUTHKIT_OK);
	OK(s->counter_get(s, "big", &v));
	ck_assert_int_eq(v, INT64_MAX - 1);
	ck_assert_int_eq(s->counter_add(s, "", 1, &v), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->counter_add(s, NULL, 1, &v), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->counter_get(s, "k", NULL), AUTHKIT_EINVALID);

	/* Concurrent adds: an exact total, every value handed out once. */
	static add_job job;
	memset(&job, 0, sizeof job);
	job.store = s;
	run_threads(add_counter, &job);
	ck_assert_msg(atomic_load(&job.errors) == 0, "%d errors (%s)", atomic_load(&job.errors), authkit_error_last());
	OK(s->counter_get(s, "quota:user:1:2023-11", &v));
	ck_assert_int_eq(v, THREADS * COUNTER_ADDS);
	for (int i = 1; i <= THREADS * COUNTER_ADDS; i++)
		ck_assert_int_eq(atomic_load(&job.seen[i]), 1);
	backend_close(&b);
}
END_TEST

START_TEST(test_buckets)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t tokens = -1, ms = -1;
	ck_assert_int_eq(s->bucket_get(s, "ip:192.0.2.1", &tokens, &ms), AUTHKIT_ENOTFOUND);
	/* Absent: only an expect_absent write lands. */
	ck_assert_int_eq(s->bucket_cas(s, "ip:192.0.2.1", 0, 0, 0, 5000000, 1000), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->bucket_get(s, "ip:192.0.2.1", &tokens, &ms), AUTHKIT_ENOTFOUND);
	OK(s->bucket_cas(s, "ip:192.0.2.1", 1, 0, 0, 5000000, 1000));
	OK(s->bucket_get(s, "ip:192.0.2.1", &tokens, &ms));
	ck_assert_int_eq(tokens, 5000000);
	ck_assert_int_eq(ms, 1000);
	/* Present: a second create loses. */
	ck_assert_int_eq(s->bucket_cas(s, "ip:192.0.2.1", 1, 0, 0, 1, 1), AUTHKIT_ENOTFOUND);
	/* Stale expectations (tokens, or time) lose; the current ones win. */
	ck_assert_int_eq(s->bucket_cas(s, "ip:192.0.2.1", 0, 4000000, 1000, 3000000, 2000), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->bucket_cas(s, "ip:192.0.2.1", 0, 5000000, 999, 3000000, 2000), AUTHKIT_ENOTFOUND);
	OK(s->bucket_get(s, "ip:192.0.2.1", &tokens, &ms));
	ck_assert_int_eq(tokens, 5000000);
	ck_assert_int_eq(ms, 1000);
	OK(s->bucket_cas(s, "ip:192.0.2.1", 0, 5000000, 1000, 4000000, 2000));
	OK(s->bucket_get(s, "ip:192.0.2.1", &tokens, &ms));
	ck_assert_int_eq(tokens, 4000000);
	ck_assert_int_eq(ms, 2000);
	ck_assert_int_eq(s->bucket_cas(s, "ip:192.0.2.1", 0, 5000000, 1000, 1, 3000), AUTHKIT_ENOTFOUND); /* once */
	/* Buckets are independent of counters and of each other. */
	ck_assert_int_eq(s->bucket_get(s, "ip:192.0.2.2", &tokens, &ms), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->bucket_get(s, NULL, &tokens, &ms), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->bucket_get(s, "k", NULL, &ms), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->bucket_cas(s, "", 1, 0, 0, 1, 1), AUTHKIT_EINVALID);
	backend_close(&b);
}
END_TEST

START_TEST(test_billing)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	const int64_t end = NOV30 + DAY; /* the period closes at 2023-12-01 */
	/* user 7: three events in the period, one after; user 9: two in, one earlier unbilled; user 11: none in. */
	OK(usage_insert(s, 7, "openai", "m", 10, 1, 100, "", end - 100, NULL));
	OK(usage_insert(s, 7, "openai", "m", 20, 2, 200, "", end - 50, NULL));
	OK(usage_insert(s, 7, "images", "m", 30, 3, 300, "", end - 1, NULL));
	OK(usage_insert(s, 7, "openai", "m", 40, 4, 400, "", end, NULL)); /* time < end only */
	OK(usage_insert(s, 9, "openai", "m", 1, 1, 1, "", end - 10, NULL));
	OK(usage_insert(s, 9, "openai", "m", 2, 2, 2, "", end - 40 * DAY, NULL)); /* late: still unbilled */
	OK(usage_insert(s, 11, "openai", "m", 5, 5, 5, "", end + 10, NULL));

	int64_t n = -1;
	OK(s->billing_close(s, 0, NOV30 - 29 * DAY, end, end + 5, &n));
	ck_assert_int_eq(n, 2);
	bills got = {0};
	OK(s->billing_list(s, 0, collect_bill, &got));
	ck_assert_int_eq(got.count, 2);
	ck_assert_int_gt(got.rows[0].id, got.rows[1].id); /* newest first */
	for (int i = 0; i < 2; i++) {
		const authkit_store_billing *r = &got.rows[i];
		ck_assert_int_eq(r->period_start, NOV30 - 29 * DAY);
		ck_assert_int_eq(r->period_end, end);
		ck_assert_int_eq(r->status, 0);
		ck_assert_int_eq(r->created_at, end + 5);
		if (r->user_id == 7) {
			ck_assert_int_eq(r->events, 3);
			ck_assert_int_eq(r->input_tokens, 60);
			ck_assert_int_eq(r->output_tokens, 6);
			ck_assert_int_eq(r->cost_micros, 600);
		} else {
			ck_assert_int_eq(r->user_id, 9);
			ck_assert_int_eq(r->events, 2);
			ck_assert_int_eq(r->input_tokens, 3);
			ck_assert_int_eq(r->cost_micros, 3);
		}
	}
	/* Each event carries its user's billing row. */
	expect_sql(s, "SELECT count(*) FROM usage_events u JOIN billing b ON b.id = u.billing_id "
	                              "WHERE b.user_id = u.user_id", 5);
	expect_sql(s, "SELECT count(*) FROM usage_events WHERE billing_id = 0", 2);

	/* Closing again takes nothing. */
	OK(s->billing_close(s, 0, NOV30 - 29 * DAY, end, end + 6, &n));
	ck_assert_int_eq(n, 0);
	expect_rows(s, "billing", 2);

	/* A close for one user takes only theirs. */
	OK(usage_insert(s, 9, "openai", "m", 1, 1, 50, "", end + 20, NULL));
	OK(s->billing_close(s, 7, end, end + DAY, end + DAY, &n));
	ck_assert_int_eq(n, 1);
	memset(&got, 0, sizeof got);
	OK(s->billing_list(s, 7, collect_bill, &got));
	ck_assert_int_eq(got.count, 2);
	ck_assert_int_eq(got.rows[0].events, 1);
	ck_assert_int_eq(got.rows[0].cost_micros, 400);
	ck_assert_int_eq(got.rows[0].user_id, 7);
	ck_assert_int_eq(got.rows[1].events, 3);
	expect_sql(s, "SELECT count(*) FROM usage_events WHERE billing_id = 0", 2); /* 9's and 11's */
	OK(s->billing_close(s, 0, end, end + DAY, end + DAY, NULL));
	expect_sql(s, "SELECT count(*) FROM usage_events WHERE billing_id = 0", 0);
	expect_sql_same(s, "SELECT sum(cost_micros) FROM billing", "SELECT sum(cost_micros) FROM usage_events");
	ck_assert_int_eq(s->billing_close(s, 0, end, end - 1, end, &n), AUTHKIT_EINVALID);

	/* Status: pending -> paid | void only. */
	memset(&got, 0, sizeof got);
	OK(s->billing_list(s, 0, collect_bill, &got));
	ck_assert_int_eq(got.count, 5);
	int64_t id = got.rows[4].id;
	ck_assert_int_eq(s->billing_set_status(s, id, 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->billing_set_status(s, id, 3), AUTHKIT_EINVALID);
	OK(s->billing_set_status(s, id, 1));
	ck_assert_int_eq(s->billing_set_status(s, id, 2), AUTHKIT_ENOTFOUND); /* paid stays paid */
	ck_assert_int_eq(s->billing_set_status(s, id, 1), AUTHKIT_ENOTFOUND);
	OK(s->billing_set_status(s, got.rows[3].id, 2));
	ck_assert_int_eq(s->billing_set_status(s, got.rows[3].id, 1), AUTHKIT_ENOTFOUND); /* void stays void */
	ck_assert_int_eq(s->billing_set_status(s, 999999, 1), AUTHKIT_ENOTFOUND);
	memset(&got, 0, sizeof got);
	OK(s->billing_list(s, 0, collect_bill, &got));
	ck_assert_int_eq(got.rows[4].status, 1);
	ck_assert_int_eq(got.rows[3].status, 2);
	ck_assert_int_eq(got.rows[2].status, 0);
	ck_assert_int_eq(s->billing_list(s, 0, NULL, NULL), AUTHKIT_EINVALID);

	/* Inside a caller's transaction that rolls back, nothing is closed. */
	OK(usage_insert(s, 7, "openai", "m", 1, 1, 1, "", end + 30, NULL));
	OK(s->txn_begin(s));
	OK(s->billing_close(s, 0, end, end + 2 * DAY, end + 2 * DAY, &n));
	ck_assert_int_eq(n, 1);
	OK(s->txn_rollback(s));
	expect_rows(s, "billing", 5);
	expect_sql(s, "SELECT count(*) FROM usage_events WHERE billing_id = 0", 1);
	backend_close(&b);
}
END_TEST

#define BILL_WRITERS 4
#define BILL_EVENTS 300

typedef struct bill_job {
	authkit_store *store;
	_Atomic int running;
	_Atomic int errors;
	_Atomic int next;
} bill_job;

static void *bill_writer(void *arg)
{
	bill_job *job = arg;
	int me = atomic_fetch_add(&job->next, 1);
	for (int i = 0; i < BILL_EVENTS; i++)
		if (usage_insert(job->store, 1 + (i + me) % 3, "openai", "m", i, me, 1 + i % 7, "", T0 + i, NULL))
			atomic_fetch_add(&job->errors, 1);
	atomic_fetch_sub(&job->running, 1);
	return NULL;
}

/* Closes race with inserts: every event is billed exactly once. */
START_TEST(test_billing_race)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	static bill_job job;
	memset(&job, 0, sizeof job);
	job.store = s;
	atomic_store(&job.running, BILL_WRITERS);
	pthread_t t[BILL_WRITERS];
	for (int i = 0; i < BILL_WRITERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, bill_writer, &job), 0);
	int closes = 0;
	int64_t rows = 0, n = 0;
	while (atomic_load(&job.running) > 0) {
		OK(s->billing_close(s, 0, 0, T0 + BILL_EVENTS, T0 + closes, &n));
		rows += n;
		closes++;
	}
	for (int i = 0; i < BILL_WRITERS; i++)
		pthread_join(t[i], NULL);
	OK(s->billing_close(s, 0, 0, T0 + BILL_EVENTS, T0 + closes, &n));
	rows += n;
	ck_assert_msg(atomic_load(&job.errors) == 0, "%d insert errors (%s)", atomic_load(&job.errors),
	              authkit_error_last());
	expect_rows(s, "usage_events", BILL_WRITERS * BILL_EVENTS);
	expect_rows(s, "billing", rows);
	expect_sql(s, "SELECT count(*) FROM usage_events WHERE billing_id = 0", 0);
	expect_sql(s, "SELECT sum(events) FROM billing", BILL_WRITERS * BILL_EVENTS);
	expect_sql_same(s, "SELECT sum(cost_micros) FROM billing", "SELECT sum(cost_micros) FROM usage_events");
	expect_sql_same(s, "SELECT sum(input_tokens) FROM billing", "SELECT sum(input_tokens) FROM usage_events");
	/* Every billing row is exactly the sum of the events that point at it. */
	expect_sql(s, "SELECT count(*) FROM billing b WHERE b.events <> (SELECT count(*) FROM "
	                              "usage_events u WHERE u.billing_id = b.id AND u.user_id = b.user_id) OR "
	                              "b.cost_micros <> (SELECT sum(cost_micros) FROM usage_events u WHERE "
	                              "u.billing_id = b.id)", 0);
	backend_close(&b);
}
END_TEST

START_TEST(test_user_delete_keeps_usage)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	static authkit_store_integration r;
	make_integration(&r, alice, "openai", 1, 1, 20);
	OK(s->integration_put(s, &r));
	make_integration(&r, alice, "anthropic", 1, 2, 20);
	OK(s->integration_put(s, &r));
	make_integration(&r, bob, "openai", 1, 3, 20);
	OK(s->integration_put(s, &r));
	authkit_store_api_key k;
	make_api_key(&k, "ak_a", alice, 1, T0);
	OK(s->api_key_insert(s, &k));
	make_api_key(&k, "ak_b", bob, 2, T0);
	OK(s->api_key_insert(s, &k));
	OK(usage_insert(s, alice, "openai", "m", 1, 2, 3, "a-1", T0, NULL));
	OK(usage_insert(s, alice, "openai", "m", 1, 2, 3, "a-2", T0 + 1, NULL));
	OK(s->billing_close(s, alice, 0, T0 + 1, T0 + 10, NULL));
	OK(s->counter_add(s, "quota:alice", 3, NULL));

	OK(s->user_delete(s, alice));
	static authkit_store_integration got;
	ck_assert_int_eq(s->integration_get(s, alice, "openai", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->integration_get(s, alice, "anthropic", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->api_key_get(s, "ak_a", &k), AUTHKIT_ENOTFOUND);
	OK(s->integration_get(s, bob, "openai", &got));
	OK(s->api_key_get(s, "ak_b", &k));
	expect_rows(s, "integrations", 1);
	expect_rows(s, "api_keys", 1);
	/* Usage and billing outlive the user, under the old id. */
	expect_rows(s, "usage_events", 2);
	expect_rows(s, "billing", 1);
	static sums sm;
	memset(&sm, 0, sizeof sm);
	OK(s->usage_summary(s, alice, 0, INT64_MAX, AUTHKIT_STORE_GROUP_SERVICE, collect_sum, &sm));
	ck_assert_int_eq(sm.count, 1);
	ck_assert_int_eq(sm.rows[0].events, 2);
	bills bl = {0};
	OK(s->billing_list(s, alice, collect_bill, &bl));
	ck_assert_int_eq(bl.count, 1);
	ck_assert_int_eq(bl.rows[0].events, 1);
	backend_close(&b);
}
END_TEST

void conformance_add_usage(TCase *tc, int count)
{
	tcase_add_loop_test(tc, test_usage, 0, count);
	tcase_add_loop_test(tc, test_usage_idempotency_race, 0, count);
	tcase_add_loop_test(tc, test_counters, 0, count);
	tcase_add_loop_test(tc, test_buckets, 0, count);
	tcase_add_loop_test(tc, test_billing, 0, count);
	tcase_add_loop_test(tc, test_billing_race, 0, count);
	tcase_add_loop_test(tc, test_user_delete_keeps_usage, 0, count);
}
