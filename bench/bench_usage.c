/*
 * libauthkit usage, vault and rate-limit benchmarks: each library figure is
 * printed next to a raw reference measured in the same run (SQLite or
 * libsodium called directly, with the library's own SQL, on the same file),
 * with the ratio, the target and PASS/MISS. Timing never fails the run: the
 * exit status is 0 unless something did not work at all.
 *
 * usage: bench_usage [--quick] [--data-dir DIR]
 *   --quick     tiny iteration counts and a 20,000-event summary table
 *   --data-dir  where the database files go (default $TMPDIR or /tmp); the
 *               summary database is kept and reused by later runs
 */
#include <authkit.h>

#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

/* 64 hex digits: the 32-byte master key the raw decryption also uses. */
#define BENCH_MASTER_KEY "3f1c9a0b7e5d42a88c61f0e2d4b39a7c5e0f18d2a6b4c3e9f7a1d5b08c2e4f60"
#define BENCH_SECRET "sk-proj-Q7vN2kLx9pR4tW8mZ1cB6hJ3fD5gS0aE2yU7iO4qT9nV"
#define VAULT_SERVICE "openai"

/* Calendar of the summary table: the 12 months of 2024, UTC. */
#define YEAR_START 1704067200LL  /* 2024-01-01 */
#define YEAR_END 1735689600LL    /* 2025-01-01 */
#define MONTH_START 1717200000LL /* 2024-06-01: the month summarised */
#define MONTH_END 1719792000LL   /* 2024-07-01 */
#define SUMMARY_USERS 1000
#define HEAVY_USER (SUMMARY_USERS + 1)

/* The statements of lib/store/sqlite/usage.c, integrations.c and counters.c. */
#define USAGE_INSERT_SQL                                                                                   \
	"INSERT INTO usage_events (user_id, service, model, request_type, input_tokens, output_tokens, "     \
	"cost_micros, idempotency_key, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "                   \
	"ON CONFLICT (idempotency_key) DO NOTHING"
/* The library's month summary statement: whole days from the rollups plus
 * the events not folded yet, and (empty for a whole month) partial days. */
#define USAGE_SUMMARY_USER_SQL                                                                             \
	"SELECT k, sum(n), sum(i), sum(o), sum(c) FROM (SELECT CASE ?4 WHEN 1 THEN service WHEN 2 THEN model " \
	"WHEN 3 THEN strftime('%Y-%m-%d', day * 86400, 'unixepoch') "                                      \
	"ELSE strftime('%Y-%m', day * 86400, 'unixepoch') END AS k, events AS n, input_tokens AS i, "       \
	"output_tokens AS o, cost_micros AS c FROM usage_daily WHERE user_id = ?1 AND day >= ?5 AND day < ?6 " \
	"UNION ALL SELECT CASE ?4 WHEN 1 THEN service WHEN 2 THEN model "                                  \
	"WHEN 3 THEN strftime('%Y-%m-%d', time, 'unixepoch') ELSE strftime('%Y-%m', time, 'unixepoch') END, " \
	"1, input_tokens, output_tokens, cost_micros FROM usage_events WHERE id > (SELECT folded_through "   \
	"FROM usage_rollup) AND user_id = ?1 AND +time >= ?2 AND +time < ?3) GROUP BY k ORDER BY k"
#define INTEGRATION_GET_SQL                                                                                \
	"SELECT user_id, service, nonce, ciphertext, key_version, masked, is_active, created_at, updated_at, " \
	"last_used_at FROM integrations WHERE user_id = ?1 AND service = ?2"
#define BUCKET_INSERT_SQL                                                                                  \
	"INSERT INTO buckets (key, tokens, updated_ms) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO NOTHING"
#define BUCKET_UPDATE_SQL                                                                                  \
	"UPDATE buckets SET tokens = ?2, updated_ms = ?3 WHERE key = ?1 AND tokens = ?4 AND updated_ms = ?5"

typedef struct bench_opts {
	bool quick;
	char data_dir[1024];
	int single_block, single_blocks;   /* 1 */
	int batch_size, batches_per_block, batch_blocks; /* 2 */
	int summary_events, heavy_events;  /* 3: table size, of which the heavy user's */
	int summary_queries, heavy_queries;
	int vault_block, vault_blocks;     /* 4 */
	int local_block, local_blocks;     /* 5 */
	int shared_block, shared_blocks;
} bench_opts;

/* ---- small utilities ---- */

static void db_path(const bench_opts *o, char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", o->data_dir, name);
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t realtime_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int open_ctx(const char *path, bool vault, authkit_ctx **out)
{
	authkit_config *cfg = NULL;
	int rc = authkit_config_new(&cfg);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set(cfg, "AUTHKIT_DB", path);
	/* Hashing is not under test: the minimum Argon2id cost. */
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set_int(cfg, "AUTHKIT_ARGON2_OPSLIMIT", 2);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set_int(cfg, "AUTHKIT_ARGON2_MEMLIMIT", 19922944);
	if (rc == AUTHKIT_OK && vault)
		rc = authkit_config_set(cfg, "AUTHKIT_MASTER_KEY", BENCH_MASTER_KEY);
	if (rc == AUTHKIT_OK)
		rc = authkit_ctx_open(out, cfg);
	authkit_config_free(cfg);
	return rc;
}

/* A raw connection set up like lib/store/sqlite/conn.c sets up its own (the
 * file is already in WAL mode: the library set it when it created it). */
static sqlite3 *raw_conn(const char *path)
{
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
	if (db && raw_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;") != SQLITE_OK) {
		sqlite3_close(db);
		db = NULL;
	}
	return db;
}

static sqlite3_stmt *raw_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "ERROR prepare: %s: %s\n", sqlite3_errmsg(db), sql);
		bench_errors++;
		return NULL;
	}
	return st;
}

/* ---- alternated blocks ---- */

/* One timed block of n operations; seconds, or < 0 when something failed. */
typedef double (*block_fn)(void *arg, int n);

/* One warm-up block per side, then blocks alternated with the order flipped
 * every block. Fills lib[] / raw[] with operations per second (per_second)
 * or microseconds per operation; -1 on failure. */
static int alternate(block_fn lib_fn, block_fn raw_fn, void *arg, int blocks, int n, bool per_second, double *lib,
                     double *raw)
{
	if (lib_fn(arg, n) < 0 || raw_fn(arg, n) < 0)
		return -1;
	for (int i = 0; i < blocks; i++) {
		double a, b;
		if (i % 2) {
			a = lib_fn(arg, n);
			b = raw_fn(arg, n);
		} else {
			b = raw_fn(arg, n);
			a = lib_fn(arg, n);
		}
		if (a <= 0 || b <= 0)
			return -1;
		lib[i] = per_second ? n / a : a * 1e6 / n;
		raw[i] = per_second ? n / b : b * 1e6 / n;
	}
	return 0;
}

/* ---- usage rows ---- */

typedef struct ev_row {
	int64_t user_id, input_tokens, output_tokens, cost_micros, time;
	const char *service, *model;
	char key[32];
} ev_row;

static const char *const services[4] = {"openai", "openai", "anthropic", "mistral"};
static const char *const models[4] = {"gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet", "mistral-large"};

/* Event number i, deterministic: user 1..users, time t, a model and its
 * service, token counts and a cost; key "" for none. */
static void gen_row(uint64_t i, int users, int64_t t, const char *key, ev_row *r)
{
	uint64_t h = splitmix64(i);
	int m = (int)(h >> 60) % 4;
	r->user_id = users ? 1 + (int64_t)(h % (uint64_t)users) : HEAVY_USER;
	r->service = services[m];
	r->model = models[m];
	r->input_tokens = 100 + (int64_t)((h >> 16) % 4000);
	r->output_tokens = 50 + (int64_t)((h >> 32) % 1000);
	r->cost_micros = r->input_tokens * (m + 1) / 4 + r->output_tokens * (m + 1);
	r->time = t;
	snprintf(r->key, sizeof r->key, "%s", key);
}

static int set_event(authkit_usage_event *ev, const ev_row *r)
{
	int rc = authkit_usage_event_set_user_id(ev, r->user_id);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_service(ev, r->service);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_model(ev, r->model);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_request_type(ev, "chat");
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_input_tokens(ev, r->input_tokens);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_output_tokens(ev, r->output_tokens);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_cost_micros(ev, r->cost_micros);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_idempotency_key(ev, r->key);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_time(ev, r->time);
	return rc;
}

/* The library's insert, stepped as the library steps it: a row (the new
 * id), then done. 0 when inserted. */
static int raw_insert(sqlite3_stmt *st, const ev_row *r)
{
	sqlite3_bind_int64(st, 1, r->user_id);
	sqlite3_bind_text(st, 2, r->service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, "chat", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, r->input_tokens);
	sqlite3_bind_int64(st, 6, r->output_tokens);
	sqlite3_bind_int64(st, 7, r->cost_micros);
	if (r->key[0])
		sqlite3_bind_text(st, 8, r->key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_int64(st, 9, r->time);
	int rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(sqlite3_db_handle(st)) == 1 ? 0 : -1;
	sqlite3_reset(st);
	return rc;
}

/* ---- 1 and 2: recording ---- */

typedef struct write_fixture {
	authkit_ctx *ctx;
	sqlite3 *db;
	sqlite3_stmt *insert;
	authkit_usage_event *ev;             /* single */
	authkit_usage_event **evs;           /* batch */
	const authkit_usage_event **cevs;
	ev_row *rows;                        /* the next block's rows, made untimed */
	int batch_size;
	uint64_t lib_seq, raw_seq;
} write_fixture;

/* n rows of one side, idempotency keys "L<seq>" or "R<seq>", time now. */
static void make_rows(write_fixture *f, int n, bool library)
{
	int64_t t = (int64_t)time(NULL);
	uint64_t *seq = library ? &f->lib_seq : &f->raw_seq;
	for (int i = 0; i < n; i++) {
		char key[32];
		snprintf(key, sizeof key, "%c%llu", library ? 'L' : 'R', (unsigned long long)*seq);
		gen_row((*seq)++, SUMMARY_USERS, t, key, &f->rows[i]);
	}
}

static double lib_single(void *arg, int n)
{
	write_fixture *f = arg;
	make_rows(f, n, true);
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		int dup = 0, rc = set_event(f->ev, &f->rows[i]);
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_record(f->ctx, f->ev, &dup);
		if (rc || dup) {
			fail("authkit_usage_record", rc ? rc : AUTHKIT_ESTORE);
			return -1;
		}
	}
	return now_s() - t0;
}

static double raw_single(void *arg, int n)
{
	write_fixture *f = arg;
	make_rows(f, n, false);
	double t0 = now_s();
	for (int i = 0; i < n; i++)
		if (raw_insert(f->insert, &f->rows[i])) {
			fprintf(stderr, "ERROR raw insert: %s\n", sqlite3_errmsg(f->db));
			bench_errors++;
			return -1;
		}
	return now_s() - t0;
}

/* n events, in batches of batch_size (each its own transaction). */
static double lib_batch(void *arg, int n)
{
	write_fixture *f = arg;
	make_rows(f, n, true);
	double t0 = now_s();
	for (int b = 0; b < n; b += f->batch_size) {
		for (int i = 0; i < f->batch_size; i++) {
			int rc = set_event(f->evs[i], &f->rows[b + i]);
			if (rc) {
				fail("authkit_usage_event_set_*", rc);
				return -1;
			}
		}
		size_t inserted = 0;
		int rc = authkit_usage_record_batch(f->ctx, f->cevs, (size_t)f->batch_size, &inserted);
		if (rc || inserted != (size_t)f->batch_size) {
			fail("authkit_usage_record_batch", rc ? rc : AUTHKIT_ESTORE);
			return -1;
		}
	}
	return now_s() - t0;
}

static double raw_batch(void *arg, int n)
{
	write_fixture *f = arg;
	make_rows(f, n, false);
	double t0 = now_s();
	for (int b = 0; b < n; b += f->batch_size) {
		/* As lib/store/sqlite/txn.c: BEGIN IMMEDIATE ... COMMIT. */
		if (raw_exec(f->db, "BEGIN IMMEDIATE") != SQLITE_OK)
			return -1;
		for (int i = 0; i < f->batch_size; i++)
			if (raw_insert(f->insert, &f->rows[b + i])) {
				fprintf(stderr, "ERROR raw insert: %s\n", sqlite3_errmsg(f->db));
				raw_exec(f->db, "ROLLBACK");
				bench_errors++;
				return -1;
			}
		if (raw_exec(f->db, "COMMIT") != SQLITE_OK)
			return -1;
	}
	return now_s() - t0;
}

static void bench_writes(const bench_opts *o, write_fixture *f)
{
	int nb = o->single_blocks, n = o->single_block;
	double *lib = calloc((size_t)o->batch_blocks + (size_t)nb, sizeof *lib);
	double *raw = calloc((size_t)o->batch_blocks + (size_t)nb, sizeof *raw);
	if (alternate(lib_single, raw_single, f, nb, n, true, lib, raw) == 0) {
		double lm = median(lib, nb), rm = median(raw, nb);
		row_value_at_least(add_row("usage_record", "library", lm, "raw_sqlite", rm, "op/s"), 10000);
		printf("    %d blocks x %d records per side, alternated, one autocommit transaction each "
		       "(WAL, synchronous=NORMAL); min library %.0f/s, raw %.0f/s\n", nb, n, sorted_min(lib),
		       sorted_min(raw));
	} else {
		bench_errors++;
	}
	nb = o->batch_blocks;
	n = o->batch_size * o->batches_per_block;
	if (alternate(lib_batch, raw_batch, f, nb, n, true, lib, raw) == 0) {
		double lm = median(lib, nb), rm = median(raw, nb);
		row_value_at_least(add_row("usage_record_batch", "library", lm, "raw_sqlite", rm, "ev/s"), 200000);
		printf("    %d blocks x %d batches of %d events per side, alternated, one transaction per batch; "
		       "min library %.0f/s, raw %.0f/s\n", nb, o->batches_per_block, o->batch_size, sorted_min(lib),
		       sorted_min(raw));
	} else {
		bench_errors++;
	}
	free(lib);
	free(raw);
}

/* ---- 3: month summaries over a large table ---- */

static long long raw_count(const char *path, const char *sql)
{
	if (access(path, R_OK) != 0)
		return -1;
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READONLY);
	sqlite3_stmt *st = NULL;
	long long n = -1;
	if (db && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Fill path through authkit_usage_record_batch (10,000 events per call):
 * the spread events in time order over the year, user drawn at random, and
 * the heavy user's events spread over the month. */
static int populate_summary(const bench_opts *o, const char *path)
{
	authkit_ctx *ctx = NULL;
	int rc = open_ctx(path, false, &ctx);
	if (rc) {
		fail("authkit_ctx_open (summary db)", rc);
		return -1;
	}
	enum { CHUNK = 10000 };
	authkit_usage_event **evs = calloc(CHUNK, sizeof *evs);
	for (int i = 0; evs && rc == AUTHKIT_OK && i < CHUNK; i++)
		rc = authkit_usage_event_new(&evs[i]);
	int64_t spread = o->summary_events - o->heavy_events;
	for (int64_t done = 0; evs && rc == AUTHKIT_OK && done < o->summary_events;) {
		int n = 0;
		for (; n < CHUNK && done < o->summary_events; n++, done++) {
			ev_row r;
			if (done < spread)
				gen_row((uint64_t)done, SUMMARY_USERS, YEAR_START + done * (YEAR_END - YEAR_START) / spread,
				        "", &r);
			else
				gen_row((uint64_t)done, 0,
				        MONTH_START + (done - spread) * (MONTH_END - MONTH_START) / o->heavy_events, "", &r);
			rc = set_event(evs[n], &r);
			if (rc)
				break;
		}
		size_t inserted = 0;
		if (rc == AUTHKIT_OK)
			rc = authkit_usage_record_batch(ctx, (const authkit_usage_event *const *)evs, (size_t)n, &inserted);
	}
	if (rc)
		fail("populating the summary db", rc);
	for (int i = 0; evs && i < CHUNK; i++)
		authkit_usage_event_free(evs[i]);
	free(evs);
	authkit_ctx_free(ctx);
	return rc ? -1 : 0;
}

static int prepare_summary_db(const bench_opts *o, const char *path)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM usage_events WHERE user_id = %d", HEAVY_USER);
	if (raw_count(path, "SELECT count(*) FROM usage_events") == o->summary_events &&
	    raw_count(path, sql) == o->heavy_events) {
		printf("    summary db: reusing %s\n", path);
		return 0;
	}
	remove_db(path);
	double t0 = now_s();
	if (populate_summary(o, path))
		return -1;
	printf("    summary db: created %s in %.1f s with authkit_usage_record_batch (10,000 events a call)\n", path,
	       now_s() - t0);
	return raw_count(path, "SELECT count(*) FROM usage_events") == o->summary_events ? 0 : -1;
}

typedef struct summary_fixture {
	authkit_ctx *ctx;
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t events; /* what the last query counted */
} summary_fixture;

typedef struct sum_row {
	char key[129];
	int64_t events, input_tokens, output_tokens, cost_micros;
} sum_row;

static double lib_summary(summary_fixture *f, int64_t user)
{
	authkit_usage_summary *s = NULL;
	double t0 = now_s();
	int rc = authkit_usage_summary_get(f->ctx, user, MONTH_START, MONTH_END, AUTHKIT_USAGE_BY_SERVICE, &s);
	int64_t events = 0;
	for (size_t i = 0; rc == AUTHKIT_OK && i < authkit_usage_summary_count(s); i++)
		events += authkit_usage_summary_events(s, i);
	authkit_usage_summary_free(s);
	double t = now_s() - t0;
	if (rc) {
		fail("authkit_usage_summary_get", rc);
		return -1;
	}
	f->events = events;
	return t;
}

/* The library's statement, every row copied out, as the library does. */
static double raw_summary(summary_fixture *f, int64_t user)
{
	sum_row rows[16];
	int n = 0, rc;
	int64_t events = 0;
	double t0 = now_s();
	sqlite3_bind_int64(f->st, 1, user);
	sqlite3_bind_int64(f->st, 2, MONTH_START);
	sqlite3_bind_int64(f->st, 3, MONTH_END);
	sqlite3_bind_int64(f->st, 5, MONTH_START / 86400);
	sqlite3_bind_int64(f->st, 6, MONTH_END / 86400);
	sqlite3_bind_int64(f->st, 4, AUTHKIT_USAGE_BY_SERVICE);
	while ((rc = sqlite3_step(f->st)) == SQLITE_ROW) {
		sum_row *r = &rows[n < 15 ? n++ : 15];
		const unsigned char *k = sqlite3_column_text(f->st, 0);
		snprintf(r->key, sizeof r->key, "%s", k ? (const char *)k : "");
		r->events = sqlite3_column_int64(f->st, 1);
		r->input_tokens = sqlite3_column_int64(f->st, 2);
		r->output_tokens = sqlite3_column_int64(f->st, 3);
		r->cost_micros = sqlite3_column_int64(f->st, 4);
		events += r->events;
	}
	sqlite3_reset(f->st);
	double t = now_s() - t0;
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "ERROR raw summary: %s\n", sqlite3_errmsg(f->db));
		bench_errors++;
		return -1;
	}
	f->events = events;
	return t;
}

/* count queries per side for users[], alternated; medians in ms. */
static int summary_pairs(summary_fixture *f, const int64_t *users, int count, double *lib, double *raw,
                         int64_t *events_total)
{
	*events_total = 0;
	if (lib_summary(f, users[0]) < 0 || raw_summary(f, users[0]) < 0)
		return -1;
	for (int i = 0; i < count; i++) {
		int64_t le, re;
		if (i % 2) {
			lib[i] = lib_summary(f, users[i]);
			le = f->events;
			raw[i] = raw_summary(f, users[i]);
			re = f->events;
		} else {
			raw[i] = raw_summary(f, users[i]);
			re = f->events;
			lib[i] = lib_summary(f, users[i]);
			le = f->events;
		}
		if (lib[i] < 0 || raw[i] < 0)
			return -1;
		if (le != re) {
			fprintf(stderr, "ERROR summary of user %lld: library %lld events, raw %lld\n", (long long)users[i],
			        (long long)le, (long long)re);
			bench_errors++;
			return -1;
		}
		*events_total += le;
		lib[i] *= 1e3;
		raw[i] *= 1e3;
	}
	return 0;
}

static void bench_summary(const bench_opts *o)
{
	char path[1100], file[64];
	snprintf(file, sizeof file, "authkit-bench-usage-%d.db", o->summary_events);
	db_path(o, path, sizeof path, file);
	if (prepare_summary_db(o, path)) {
		fprintf(stderr, "ERROR could not prepare %s\n", path);
		bench_errors++;
		return;
	}
	summary_fixture f = {0};
	int rc = open_ctx(path, false, &f.ctx);
	if (rc) {
		fail("authkit_ctx_open (summary db)", rc);
		return;
	}
	f.db = raw_conn(path);
	f.st = f.db ? raw_prepare(f.db, USAGE_SUMMARY_USER_SQL) : NULL;
	int q = o->summary_queries, hq = o->heavy_queries;
	int64_t *users = calloc((size_t)q, sizeof *users), *heavy = calloc((size_t)hq, sizeof *heavy);
	double *lib = calloc((size_t)q, sizeof *lib), *raw = calloc((size_t)q, sizeof *raw);
	for (int i = 0; i < q; i++)
		users[i] = 1 + (int64_t)(splitmix64(0xC0FFEEULL + (uint64_t)i) % SUMMARY_USERS);
	for (int i = 0; i < hq; i++)
		heavy[i] = HEAVY_USER;
	int64_t events = 0;
	if (!f.st) {
		bench_errors++;
	} else if (summary_pairs(&f, users, q, lib, raw, &events) == 0) {
		double lm = median(lib, q), rm = median(raw, q);
		row_value_at_most(add_row("summary_month", "library", lm, "raw_sqlite", rm, "ms"), 20);
		printf("    %d random users of %d, one month (2024-06) grouped by service, alternated; %.0f events a "
		       "user-month on average; min library %.3f ms, raw %.3f ms\n", q, SUMMARY_USERS,
		       (double)events / q, sorted_min(lib), sorted_min(raw));
		if (summary_pairs(&f, heavy, hq, lib, raw, &events) == 0) {
			lm = median(lib, hq);
			rm = median(raw, hq);
			row_info(add_row("summary_heavy_user", "library", lm, "raw_sqlite", rm, "ms"));
			printf("    worst case: user %d with %lld events in the month, %d queries per side; min library "
			       "%.3f ms, raw %.3f ms\n", HEAVY_USER, (long long)(events / hq), hq, sorted_min(lib),
			       sorted_min(raw));
		}
	}
	free(users);
	free(heavy);
	free(lib);
	free(raw);
	sqlite3_finalize(f.st);
	sqlite3_close(f.db);
	authkit_ctx_free(f.ctx);
}

/* ---- 4: vault get ---- */

typedef struct vault_fixture {
	authkit_ctx *ctx;
	sqlite3 *db;
	sqlite3_stmt *get;
	int64_t user_id;
	unsigned char master[32];
} vault_fixture;

/* What a raw reader copies out of the row: the columns the store reads. */
typedef struct raw_integration {
	int64_t user_id, created_at, updated_at, last_used_at;
	char service[65], masked[64];
	unsigned char nonce[24], ciphertext[4096 + 16];
	size_t ciphertext_len;
	int key_version, is_active;
} raw_integration;

static double lib_vault(void *arg, int n)
{
	vault_fixture *f = arg;
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		authkit_secret *s = NULL;
		int rc = authkit_vault_get(f->ctx, f->user_id, VAULT_SERVICE, &s);
		size_t len = authkit_secret_len(s);
		authkit_secret_free(s);
		if (rc || len != sizeof BENCH_SECRET - 1) {
			fail("authkit_vault_get", rc ? rc : AUTHKIT_ECRYPTO);
			return -1;
		}
	}
	return now_s() - t0;
}

static void copy_col_text(sqlite3_stmt *st, int col, char *out, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	snprintf(out, size, "%s", s ? (const char *)s : "");
}

/* Prepared lookup, every column copied, AD as lib/vault/vault.c builds it,
 * then XChaCha20-Poly1305 into a buffer wiped afterwards. */
static int raw_vault_one(vault_fixture *f, const char *service)
{
	raw_integration r;
	int ok = -1;
	sqlite3_bind_int64(f->get, 1, f->user_id);
	sqlite3_bind_text(f->get, 2, service, -1, SQLITE_STATIC);
	if (sqlite3_step(f->get) == SQLITE_ROW && sqlite3_column_bytes(f->get, 2) == 24 &&
	    (size_t)sqlite3_column_bytes(f->get, 3) <= sizeof r.ciphertext) {
		r.user_id = sqlite3_column_int64(f->get, 0);
		copy_col_text(f->get, 1, r.service, sizeof r.service);
		memcpy(r.nonce, sqlite3_column_blob(f->get, 2), 24);
		r.ciphertext_len = (size_t)sqlite3_column_bytes(f->get, 3);
		memcpy(r.ciphertext, sqlite3_column_blob(f->get, 3), r.ciphertext_len);
		r.key_version = sqlite3_column_int(f->get, 4);
		copy_col_text(f->get, 5, r.masked, sizeof r.masked);
		r.is_active = sqlite3_column_int(f->get, 6);
		r.created_at = sqlite3_column_int64(f->get, 7);
		r.updated_at = sqlite3_column_int64(f->get, 8);
		r.last_used_at = sqlite3_column_int64(f->get, 9);
		ok = 0;
	}
	sqlite3_reset(f->get);
	if (ok || !r.is_active || r.ciphertext_len < crypto_aead_xchacha20poly1305_ietf_ABYTES + 1)
		return -1;
	unsigned char ad[8 + 1 + 64 + 4], plain[4096 + 1];
	size_t sl = strlen(r.service), o = 0;
	for (int i = 7; i >= 0; i--)
		ad[o++] = (unsigned char)((uint64_t)r.user_id >> (i * 8));
	ad[o++] = (unsigned char)sl;
	memcpy(ad + o, r.service, sl);
	o += sl;
	for (int i = 3; i >= 0; i--)
		ad[o++] = (unsigned char)((uint32_t)r.key_version >> (i * 8));
	unsigned long long mlen = 0;
	ok = crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &mlen, NULL, r.ciphertext, r.ciphertext_len, ad, o,
	                                                r.nonce, f->master) == 0 &&
	             mlen == sizeof BENCH_SECRET - 1
	         ? 0
	         : -1;
	sodium_memzero(plain, mlen);
	return ok;
}

static double raw_vault(void *arg, int n)
{
	vault_fixture *f = arg;
	double t0 = now_s();
	for (int i = 0; i < n; i++)
		if (raw_vault_one(f, VAULT_SERVICE)) {
			fprintf(stderr, "ERROR raw vault lookup or decryption failed: %s\n", sqlite3_errmsg(f->db));
			bench_errors++;
			return -1;
		}
	return now_s() - t0;
}

static void bench_vault(const bench_opts *o, vault_fixture *f)
{
	int nb = o->vault_blocks, n = o->vault_block;
	double *lib = calloc((size_t)nb, sizeof *lib), *raw = calloc((size_t)nb, sizeof *raw);
	if (alternate(lib_vault, raw_vault, f, nb, n, false, lib, raw) == 0) {
		double lm = median(lib, nb), rm = median(raw, nb);
		row_at_most(add_row("vault_get", "library", lm, "raw_decrypt", rm, "us"), 1.5);
		printf("    %d blocks x %d gets per side, alternated, one %zu-byte key; min library %.3f us, raw "
		       "%.3f us\n", nb, n, sizeof BENCH_SECRET - 1, sorted_min(lib), sorted_min(raw));
	} else {
		bench_errors++;
	}
	free(lib);
	free(raw);
}

/* ---- 5: rate limits ---- */

static const char *const rl_keys[4] = {"tenant:1001", "tenant:1002", "tenant:1003", "tenant:1004"};
#define RL_CAPACITY 1000000000LL /* never refuses during the run: the take path is measured */
#define RL_REFILL 1000000000LL

typedef struct inline_bucket {
	int64_t tokens_u, updated_ms;
} inline_bucket;

typedef struct rl_fixture {
	authkit_ctx *ctx;
	authkit_ratelimit *rl;
	inline_bucket local[4];
	sqlite3 *db;
	sqlite3_stmt *update;
	inline_bucket shared[4];
	int64_t refused;
	volatile int64_t sink;
} rl_fixture;

/* The token-bucket arithmetic of lib/usage/ratelimit_local.c, in line, one
 * bucket per key by index, no hashing, no locking. */
static int inline_take(inline_bucket *b, int64_t now_ms)
{
	const int64_t cap_u = RL_CAPACITY * 1000000, per_ms = RL_REFILL * 1000, cost_u = 1000000;
	int64_t t = b->tokens_u;
	if (now_ms > b->updated_ms) {
		int64_t elapsed = now_ms - b->updated_ms, deficit = cap_u - t;
		t = elapsed >= (deficit + per_ms - 1) / per_ms ? cap_u : t + elapsed * per_ms;
		b->updated_ms = now_ms;
	}
	if (t < cost_u) {
		b->tokens_u = t;
		return -1;
	}
	b->tokens_u = t - cost_u;
	return 0;
}

static double lib_local(void *arg, int n)
{
	rl_fixture *f = arg;
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		int rc = authkit_ratelimit_take(f->rl, NULL, rl_keys[i & 3], 1, NULL);
		if (rc == AUTHKIT_ELIMIT)
			f->refused++;
		else if (rc) {
			fail("authkit_ratelimit_take", rc);
			return -1;
		}
	}
	return now_s() - t0;
}

static double raw_local(void *arg, int n)
{
	rl_fixture *f = arg;
	int64_t refused = 0;
	double t0 = now_s();
	for (int i = 0; i < n; i++)
		refused += inline_take(&f->local[i & 3], monotonic_ms());
	double t = now_s() - t0;
	f->sink = f->local[0].tokens_u + refused;
	return t;
}

static double lib_shared(void *arg, int n)
{
	rl_fixture *f = arg;
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		int rc = authkit_ratelimit_shared_take(f->ctx, rl_keys[i & 3], RL_CAPACITY, RL_REFILL, 1, NULL);
		if (rc == AUTHKIT_ELIMIT)
			f->refused++;
		else if (rc) {
			fail("authkit_ratelimit_shared_take", rc);
			return -1;
		}
	}
	return now_s() - t0;
}

/* The store's compare-and-swap UPDATE (autocommit) of the raw side's own
 * bucket rows; the raw side knows their state, so it never reads them. */
static double raw_shared(void *arg, int n)
{
	rl_fixture *f = arg;
	static const char *const raw_keys[4] = {"rl:raw:1001", "rl:raw:1002", "rl:raw:1003", "rl:raw:1004"};
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		inline_bucket *b = &f->shared[i & 3], old = *b;
		if (inline_take(b, realtime_ms())) {
			f->refused++;
			continue;
		}
		sqlite3_bind_text(f->update, 1, raw_keys[i & 3], -1, SQLITE_STATIC);
		sqlite3_bind_int64(f->update, 2, b->tokens_u);
		sqlite3_bind_int64(f->update, 3, b->updated_ms);
		sqlite3_bind_int64(f->update, 4, old.tokens_u);
		sqlite3_bind_int64(f->update, 5, old.updated_ms);
		int rc = sqlite3_step(f->update);
		sqlite3_reset(f->update);
		if (rc != SQLITE_DONE || sqlite3_changes(f->db) != 1) {
			fprintf(stderr, "ERROR raw bucket update: %s\n", sqlite3_errmsg(f->db));
			bench_errors++;
			return -1;
		}
	}
	return now_s() - t0;
}

/* The raw side's bucket rows, full, written by the store's own INSERT. */
static int raw_shared_setup(rl_fixture *f)
{
	static const char *const raw_keys[4] = {"rl:raw:1001", "rl:raw:1002", "rl:raw:1003", "rl:raw:1004"};
	sqlite3_stmt *ins = raw_prepare(f->db, BUCKET_INSERT_SQL);
	f->update = raw_prepare(f->db, BUCKET_UPDATE_SQL);
	int rc = ins && f->update ? 0 : -1;
	for (int i = 0; i < 4 && rc == 0; i++) {
		f->shared[i].tokens_u = RL_CAPACITY * 1000000;
		f->shared[i].updated_ms = realtime_ms();
		sqlite3_bind_text(ins, 1, raw_keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, f->shared[i].tokens_u);
		sqlite3_bind_int64(ins, 3, f->shared[i].updated_ms);
		rc = sqlite3_step(ins) == SQLITE_DONE && sqlite3_changes(f->db) == 1 ? 0 : -1;
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	if (rc)
		fprintf(stderr, "ERROR creating the raw bucket rows: %s\n", sqlite3_errmsg(f->db));
	return rc;
}

static void bench_ratelimits(const bench_opts *o, rl_fixture *f)
{
	int nb = o->local_blocks > o->shared_blocks ? o->local_blocks : o->shared_blocks;
	double *lib = calloc((size_t)nb, sizeof *lib), *raw = calloc((size_t)nb, sizeof *raw);
	int64_t now = monotonic_ms();
	for (int i = 0; i < 4; i++)
		f->local[i] = (inline_bucket){RL_CAPACITY * 1000000, now};
	nb = o->local_blocks;
	if (alternate(lib_local, raw_local, f, nb, o->local_block, true, lib, raw) == 0) {
		double lm = median(lib, nb), rm = median(raw, nb);
		row_value_at_least(add_row("ratelimit_local", "library", lm, "raw_inline", rm, "op/s"), 2000000);
		printf("    %d blocks x %d takes per side on 4 keys, alternated, 1 thread; min library %.0f/s, raw "
		       "%.0f/s\n", nb, o->local_block, sorted_min(lib), sorted_min(raw));
	} else {
		bench_errors++;
	}
	nb = o->shared_blocks;
	if (raw_shared_setup(f) != 0) {
		bench_errors++;
	} else if (alternate(lib_shared, raw_shared, f, nb, o->shared_block, true, lib, raw) == 0) {
		double lm = median(lib, nb), rm = median(raw, nb);
		row_value_at_least(add_row("ratelimit_shared", "library", lm, "raw_update", rm, "op/s"), 10000);
		printf("    %d blocks x %d takes per side on 4 keys, alternated, file db (WAL, synchronous=NORMAL); "
		       "min library %.0f/s, raw %.0f/s\n", nb, o->shared_block, sorted_min(lib), sorted_min(raw));
	} else {
		bench_errors++;
	}
	if (f->refused) {
		fprintf(stderr, "ERROR %lld takes were refused (the buckets should never run dry)\n",
		        (long long)f->refused);
		bench_errors++;
	}
	free(lib);
	free(raw);
}

/* ---- the write database: usage writes, vault, shared buckets ---- */

static int write_fixture_open(const bench_opts *o, const char *path, write_fixture *f)
{
	memset(f, 0, sizeof *f);
	int rc = open_ctx(path, true, &f->ctx);
	if (rc) {
		fail("authkit_ctx_open (write db)", rc);
		return -1;
	}
	f->batch_size = o->batch_size;
	int rows = o->single_block > o->batch_size * o->batches_per_block ? o->single_block
	                                                                      : o->batch_size * o->batches_per_block;
	f->rows = calloc((size_t)rows, sizeof *f->rows);
	f->evs = calloc((size_t)o->batch_size, sizeof *f->evs);
	if (!f->rows || !f->evs)
		return -1;
	rc = authkit_usage_event_new(&f->ev);
	for (int i = 0; rc == AUTHKIT_OK && i < o->batch_size; i++)
		rc = authkit_usage_event_new(&f->evs[i]);
	if (rc) {
		fail("authkit_usage_event_new", rc);
		return -1;
	}
	f->cevs = (const authkit_usage_event **)f->evs;
	f->db = raw_conn(path);
	f->insert = f->db ? raw_prepare(f->db, USAGE_INSERT_SQL) : NULL;
	return f->insert ? 0 : -1;
}

static void write_fixture_close(const bench_opts *o, write_fixture *f)
{
	authkit_usage_event_free(f->ev);
	for (int i = 0; f->evs && i < o->batch_size; i++)
		authkit_usage_event_free(f->evs[i]);
	free(f->evs);
	free(f->rows);
	sqlite3_finalize(f->insert);
	sqlite3_close(f->db);
}

static int vault_setup(write_fixture *w, vault_fixture *v)
{
	memset(v, 0, sizeof *v);
	v->ctx = w->ctx;
	v->db = w->db;
	authkit_user *u = NULL;
	int rc = authkit_user_register(w->ctx, "bench_vault", "vault@bench.example", NULL, "quartz-lantern-meadow-7391",
	                               &u);
	if (rc == AUTHKIT_OK)
		v->user_id = authkit_user_id(u);
	authkit_user_free(u);
	if (rc == AUTHKIT_OK)
		rc = authkit_vault_put(w->ctx, v->user_id, VAULT_SERVICE, (const unsigned char *)BENCH_SECRET,
		                       sizeof BENCH_SECRET - 1);
	if (rc) {
		fail("vault setup (register, put)", rc);
		return -1;
	}
	size_t len = 0;
	if (sodium_hex2bin(v->master, sizeof v->master, BENCH_MASTER_KEY, strlen(BENCH_MASTER_KEY), NULL, &len, NULL) ||
	    len != sizeof v->master)
		return -1;
	v->get = raw_prepare(w->db, INTEGRATION_GET_SQL);
	return v->get ? 0 : -1;
}

/* ---- main ---- */

static int parse_args(int argc, char **argv, bench_opts *o)
{
	memset(o, 0, sizeof *o);
	if (parse_common_args(argc, argv, &o->quick, o->data_dir, sizeof o->data_dir))
		return -1;
	bool q = o->quick;
	o->single_block = q ? 200 : 2000;
	o->single_blocks = q ? 2 : 10;
	o->batch_size = 1000;
	o->batches_per_block = q ? 2 : 10;
	o->batch_blocks = q ? 2 : 10;
	o->summary_events = q ? 20000 : 1000000;
	o->heavy_events = q ? 2000 : 100000;
	o->summary_queries = q ? 20 : 200;
	o->heavy_queries = q ? 3 : 20;
	o->vault_block = q ? 100 : 2000;
	o->vault_blocks = q ? 2 : 20;
	o->local_block = q ? 10000 : 500000;
	o->local_blocks = q ? 2 : 10;
	o->shared_block = q ? 100 : 2000;
	o->shared_blocks = q ? 2 : 10;
	return 0;
}

int main(int argc, char **argv)
{
	bench_opts o;
	if (parse_args(argc, argv, &o))
		return 2;
	load_probe load;
	if (bench_start("usage benchmarks", o.quick, "", o.data_dir, &load))
		return 1;
	char path[1100];
	db_path(&o, path, sizeof path, "authkit-bench-usage-write.db");
	remove_db(path);
	write_fixture w;
	if (write_fixture_open(&o, path, &w) == 0) {
		printf("    write db: %s (recreated each run; WAL, synchronous=NORMAL, idempotency key on every event)\n",
		       path);
		bench_writes(&o, &w);
	} else {
		bench_errors++;
	}
	bench_summary(&o);
	vault_fixture v = {0};
	if (w.ctx && w.db && vault_setup(&w, &v) == 0)
		bench_vault(&o, &v);
	else
		bench_errors++;
	rl_fixture rl = {.ctx = w.ctx, .db = w.db};
	int rc = authkit_ratelimit_new(RL_CAPACITY, RL_REFILL, &rl.rl);
	if (rc)
		fail("authkit_ratelimit_new", rc);
	else if (w.ctx && w.db)
		bench_ratelimits(&o, &rl);
	authkit_ratelimit_free(rl.rl);
	sqlite3_finalize(rl.update);
	sqlite3_finalize(v.get);
	write_fixture_close(&o, &w);
	authkit_ctx_free(w.ctx);
	remove_db(path);
	return bench_finish(&load);
}
