/*
 * libauthkit benchmarks: each library figure is printed next to a raw
 * reference measured in the same run (libsodium or SQLite called directly),
 * with the ratio, the target and PASS/MISS. Timing never fails the run: the
 * exit status is 0 unless something did not work at all.
 *
 * usage: bench_auth [--quick] [--data-dir DIR]
 *   --quick     tiny iteration counts and 10,000 users (smoke run for CI)
 *   --data-dir  where the database files go (default $TMPDIR or /tmp); the
 *               users database is kept and reused by later runs
 */
#include <authkit.h>

#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

#define KNOWN_USER "bench_known"
#define KNOWN_EMAIL "known@bench.example"
#define KNOWN_PASSWORD "quartz-lantern-meadow-7391"
#define WRONG_PASSWORD "quartz-lantern-meadow-7392"
#define UNKNOWN_USER "bench_nobody"
#define LOOKUP_PASSWORD "imported-user-password-5150"
#define MAX_THREADS 2

/* The exact query of lib/store/sqlite/users.c (q_by_username): same columns,
 * same order; the username column is declared COLLATE NOCASE, so "=" is
 * case-insensitive and uses the column's unique index. */
#define USER_BY_USERNAME_SQL                                                                                      \
	"SELECT id, username, email, full_name, password_hash, roles, is_active, is_verified, is_superuser, "    \
	"failed_logins, locked_until, created_at, updated_at, last_login_at FROM users WHERE username = ?1"

typedef struct bench_opts {
	bool quick;
	char data_dir[1024];
	int auth_iters;      /* per side, benchmarks 1 and 2 */
	int thread_auths;    /* per thread per round, benchmark 3 */
	int thread_rounds;
	int users;           /* benchmark 4 */
	int lookup_block;    /* lookups per timed block */
	int lookup_blocks;   /* blocks per side */
} bench_opts;

/* ---- small utilities ---- */

static void db_path(const bench_opts *o, char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", o->data_dir, name);
}

/* ---- contexts and raw SQLite ---- */

static int open_ctx(const char *path, authkit_ctx **out)
{
	authkit_config *cfg = NULL;
	int rc = authkit_config_new(&cfg);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set(cfg, "AUTHKIT_DB", path);
	/* Wrong passwords are measured many times: no lockout during the run.
	 * The Argon2id cost stays at the library default on purpose. */
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set_int(cfg, "AUTHKIT_MAX_LOGIN_ATTEMPTS", 1000);
	if (rc == AUTHKIT_OK)
		rc = authkit_ctx_open(out, cfg);
	authkit_config_free(cfg);
	return rc;
}

/* The stored password hash of username, read straight from the file. */
static int raw_fetch_hash(const char *path, const char *username, char *out, size_t size)
{
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READONLY);
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (db && sqlite3_prepare_v2(db, USER_BY_USERNAME_SQL, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 4)) {
			snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 4));
			rc = 0;
		}
	}
	if (rc)
		fprintf(stderr, "ERROR reading the hash of %s: %s\n", username, db ? sqlite3_errmsg(db) : "no db");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* "$argon2id$v=19$m=65536,t=2,p=1$salt$hash" -> "m=65536,t=2,p=1". */
static void hash_params(const char *hash, char *out, size_t size)
{
	const char *p = strstr(hash, "$m=");
	size_t n = p ? strcspn(p + 1, "$") : 0;
	snprintf(out, size, "%.*s", (int)n, p ? p + 1 : "");
}

/* ---- 1 and 2: single authentications against raw verification ---- */

typedef struct auth_fixture {
	char path[1100];
	authkit_ctx *ctx;
	int64_t known_id;
	char known_hash[256];
} auth_fixture;

static int register_user(authkit_ctx *ctx, const char *username, const char *email, int64_t *id_out)
{
	authkit_user *u = NULL;
	int rc = authkit_user_register(ctx, username, email, NULL, KNOWN_PASSWORD, &u);
	if (rc == AUTHKIT_OK && id_out)
		*id_out = authkit_user_id(u);
	authkit_user_free(u);
	return rc;
}

static int auth_fixture_open(const bench_opts *o, auth_fixture *f)
{
	memset(f, 0, sizeof *f);
	db_path(o, f->path, sizeof f->path, "authkit-bench-auth.db");
	remove_db(f->path);
	int rc = open_ctx(f->path, &f->ctx);
	if (rc) {
		fail("authkit_ctx_open (auth db)", rc);
		return rc;
	}
	rc = register_user(f->ctx, KNOWN_USER, KNOWN_EMAIL, &f->known_id);
	if (rc == AUTHKIT_OK)
		rc = register_user(f->ctx, "bench_t0", "t0@bench.example", NULL);
	if (rc == AUTHKIT_OK)
		rc = register_user(f->ctx, "bench_t1", "t1@bench.example", NULL);
	if (rc) {
		fail("authkit_user_register", rc);
		return rc;
	}
	return raw_fetch_hash(f->path, KNOWN_USER, f->known_hash, sizeof f->known_hash);
}

static void auth_fixture_close(auth_fixture *f)
{
	authkit_ctx_free(f->ctx);
	remove_db(f->path);
}

/* Milliseconds of one authentication; *rc_out gets its status. */
static double time_auth(authkit_ctx *ctx, const char *user, const char *password, int *rc_out)
{
	double t0 = now_s();
	*rc_out = authkit_authenticate(ctx, user, password, "198.51.100.7", NULL);
	return (now_s() - t0) * 1e3;
}

static double time_raw_verify(const char *hash, const char *password, int *ok_out)
{
	double t0 = now_s();
	*ok_out = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	return (now_s() - t0) * 1e3;
}

static void bench_known_user(const bench_opts *o, auth_fixture *f)
{
	int n = o->auth_iters, rc = 0, ok = 0;
	double *lib = calloc((size_t)n, sizeof *lib), *raw = calloc((size_t)n, sizeof *raw);
	/* One warm-up of each: first-touch page faults, SQLite statement preparation. */
	time_auth(f->ctx, KNOWN_USER, KNOWN_PASSWORD, &rc);
	time_raw_verify(f->known_hash, KNOWN_PASSWORD, &ok);
	for (int i = 0; i < n && rc == AUTHKIT_OK && ok; i++) {
		if (i % 2) {
			lib[i] = time_auth(f->ctx, KNOWN_USER, KNOWN_PASSWORD, &rc);
			raw[i] = time_raw_verify(f->known_hash, KNOWN_PASSWORD, &ok);
		} else {
			raw[i] = time_raw_verify(f->known_hash, KNOWN_PASSWORD, &ok);
			lib[i] = time_auth(f->ctx, KNOWN_USER, KNOWN_PASSWORD, &rc);
		}
	}
	if (rc != AUTHKIT_OK || !ok) {
		if (rc)
			fail("authenticate (known user, correct password)", rc);
		else
			fail("crypto_pwhash_str_verify of the stored hash", AUTHKIT_EAUTH);
	} else {
		double lm = median(lib, n), rm = median(raw, n);
		row_at_most(add_row("auth_known_user", "library", lm, "raw_verify", rm, "ms"), 1.03);
		printf("    %d interleaved pairs; min library %.3f ms, raw %.3f ms\n", n, sorted_min(lib),
		       sorted_min(raw));
	}
	free(lib);
	free(raw);
}

/* Untimed: forget the failures so every round starts from the same row. */
static void reset_failures(auth_fixture *f)
{
	int rc = authkit_user_unlock(f->ctx, f->known_id);
	if (rc)
		fail("authkit_user_unlock", rc);
}

static void bench_unknown_vs_wrong(const bench_opts *o, auth_fixture *f)
{
	int n = o->auth_iters, rc1 = AUTHKIT_EAUTH, rc2 = AUTHKIT_EAUTH;
	double *unk = calloc((size_t)n, sizeof *unk), *bad = calloc((size_t)n, sizeof *bad);
	time_auth(f->ctx, UNKNOWN_USER, KNOWN_PASSWORD, &rc1);
	time_auth(f->ctx, KNOWN_USER, WRONG_PASSWORD, &rc2);
	reset_failures(f);
	for (int i = 0; i < n && rc1 == AUTHKIT_EAUTH && rc2 == AUTHKIT_EAUTH; i++) {
		if (i % 2) {
			unk[i] = time_auth(f->ctx, UNKNOWN_USER, KNOWN_PASSWORD, &rc1);
			bad[i] = time_auth(f->ctx, KNOWN_USER, WRONG_PASSWORD, &rc2);
		} else {
			bad[i] = time_auth(f->ctx, KNOWN_USER, WRONG_PASSWORD, &rc2);
			unk[i] = time_auth(f->ctx, UNKNOWN_USER, KNOWN_PASSWORD, &rc1);
		}
		reset_failures(f);
	}
	if (rc1 != AUTHKIT_EAUTH || rc2 != AUTHKIT_EAUTH) {
		fail("authenticate (expected AUTHKIT_EAUTH)", rc1 != AUTHKIT_EAUTH ? rc1 : rc2);
	} else {
		double um = median(unk, n), bm = median(bad, n);
		row_between(add_row("auth_unknown_vs_bad", "unknown", um, "wrong_pw", bm, "ms"), 0.9, 1.1);
		printf("    %d interleaved pairs; min unknown %.3f ms, wrong password %.3f ms\n", n, sorted_min(unk),
		       sorted_min(bad));
	}
	free(unk);
	free(bad);
}

/* ---- 3: throughput of 1 and 2 threads on one shared context ---- */

typedef struct thread_job {
	authkit_ctx *ctx;      /* NULL: raw crypto_pwhash_str_verify on hash */
	const char *user;
	const char *hash;
	int count;
	int failures;
	pthread_barrier_t *start;
	double t_start, t_end;
} thread_job;

static void *thread_main(void *arg)
{
	thread_job *j = arg;
	pthread_barrier_wait(j->start);
	j->t_start = now_s();
	for (int i = 0; i < j->count; i++) {
		if (j->ctx)
			j->failures += authkit_authenticate(j->ctx, j->user, KNOWN_PASSWORD, NULL, NULL) != AUTHKIT_OK;
		else
			j->failures += crypto_pwhash_str_verify(j->hash, KNOWN_PASSWORD, strlen(KNOWN_PASSWORD)) != 0;
	}
	j->t_end = now_s();
	return NULL;
}

/* Run nthreads jobs at once; returns the wall time (first start to last end) or -1. */
static double run_threads(authkit_ctx *ctx, const char *hash, int nthreads, int count)
{
	static const char *const users[MAX_THREADS] = {"bench_t0", "bench_t1"};
	pthread_t tid[MAX_THREADS];
	thread_job jobs[MAX_THREADS];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	for (int t = 0; t < nthreads; t++) {
		jobs[t] = (thread_job){.ctx = ctx, .user = users[t], .hash = hash, .count = count, .start = &start};
		pthread_create(&tid[t], NULL, thread_main, &jobs[t]);
	}
	double first = 0, last = 0;
	int failures = 0;
	for (int t = 0; t < nthreads; t++) {
		pthread_join(tid[t], NULL);
		first = (t == 0 || jobs[t].t_start < first) ? jobs[t].t_start : first;
		last = jobs[t].t_end > last ? jobs[t].t_end : last;
		failures += jobs[t].failures;
	}
	pthread_barrier_destroy(&start);
	return failures ? -1 : last - first;
}

/* Seconds spent by 1 and by 2 threads, library and raw, accumulated per round. */
typedef struct scaling {
	double lib1, lib2, raw1, raw2;
} scaling;

/* One round: 1 thread then 2 threads, library then raw (order flipped on odd
 * rounds), so machine drift hits all four alike. */
static int scaling_round(const bench_opts *o, auth_fixture *f, int round, scaling *t)
{
	int k = o->thread_auths;
	double v[4];
	for (int i = 0; i < 4; i++) {
		int which = round % 2 ? 3 - i : i;
		v[which] = run_threads(which < 2 ? f->ctx : NULL, f->known_hash, which % 2 ? 2 : 1, k);
		if (v[which] < 0)
			return -1;
	}
	t->lib1 += v[0];
	t->lib2 += v[1];
	t->raw1 += v[2];
	t->raw2 += v[3];
	return 0;
}

static void bench_threads(const bench_opts *o, auth_fixture *f)
{
	scaling t = {0};
	double ops = (double)o->thread_rounds * o->thread_auths;
	printf("    threads: %ld online cores; %d rounds x %d authentications per thread, "
	       "library and raw rounds interleaved\n", sysconf(_SC_NPROCESSORS_ONLN), o->thread_rounds,
	       o->thread_auths);
	for (int r = 0; r < o->thread_rounds; r++) {
		if (scaling_round(o, f, r, &t)) {
			fprintf(stderr, "ERROR a threaded authentication failed: %s\n", authkit_error_last());
			bench_errors++;
			return;
		}
	}
	row_at_least(add_row("auth_2t_vs_1t", "2 threads", 2 * ops / t.lib2, "1 thread", ops / t.lib1, "op/s"), 1.7);
	/* The hardware ceiling: the same with libsodium alone. */
	row_info(add_row("raw_verify_2t_vs_1t", "2 threads", 2 * ops / t.raw2, "1 thread", ops / t.raw1, "op/s"));
}

/* ---- 4: user lookup by username in a large database ---- */

/* Number of users in the file, or -1 if it is missing or unreadable. */
static long long raw_count_users(const char *path)
{
	if (access(path, R_OK) != 0)
		return -1;
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READONLY);
	sqlite3_stmt *st = NULL;
	long long n = -1;
	if (db && sqlite3_prepare_v2(db, "SELECT count(*) FROM users", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void user_name(char *out, size_t size, int i)
{
	snprintf(out, size, "user%06d", i);
}

static void user_email(char *out, size_t size, int i)
{
	snprintf(out, size, "user%06d@bench.example", i);
}

/* The first user goes through authkit_user_import; returns its id or -1. */
static int64_t import_seed(const char *path)
{
	authkit_ctx *ctx = NULL;
	char *hash = NULL;
	authkit_user *u = NULL;
	int64_t id = -1;
	int rc = open_ctx(path, &ctx);
	if (rc == AUTHKIT_OK)
		rc = authkit_password_hash(ctx, LOOKUP_PASSWORD, &hash);
	if (rc == AUTHKIT_OK)
		rc = authkit_user_import(ctx, "user000000", "user000000@bench.example", "Bench User", hash, &u);
	if (rc)
		fail("creating the users database", rc);
	else
		id = authkit_user_id(u);
	authkit_user_free(u);
	authkit_string_free(hash);
	authkit_ctx_free(ctx);
	return id;
}

/* Append ", col" for every column of users except the ones bound explicitly. */
static int copied_columns(sqlite3 *db, char *out, size_t size)
{
	sqlite3_stmt *st = NULL;
	size_t len = 0;
	out[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('users')", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		if (strcmp(c, "id") == 0 || strcmp(c, "username") == 0 || strcmp(c, "email") == 0)
			continue;
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, ", %s", c);
	}
	sqlite3_finalize(st);
	return len < size ? 0 : -1;
}

/* Copy the seed row n-1 times with new usernames and emails, in one
 * transaction, into the schema the library created. */
static int raw_clone_users(const char *path, int64_t seed, int n)
{
	char cols[2048], sql[4600], name[40], email[64];
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READWRITE);
	sqlite3_stmt *st = NULL;
	int rc = db ? copied_columns(db, cols, sizeof cols) : -1;
	if (rc == 0) {
		snprintf(sql, sizeof sql, "INSERT INTO users (username, email%s) SELECT ?1, ?2%s FROM users WHERE id = ?3",
		         cols, cols);
		rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK ? raw_exec(db, "BEGIN") : -1;
	}
	for (int i = 1; i < n && rc == 0; i++) {
		user_name(name, sizeof name, i);
		user_email(email, sizeof email, i);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, seed);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	if (rc && db)
		fprintf(stderr, "raw insert failed: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (db)
		rc = raw_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK") == SQLITE_OK ? rc : -1;
	sqlite3_close(db);
	return rc;
}

/* Slow path, used when the schema does not allow cloning rows: import every user. */
static int import_all(const char *path, int n)
{
	authkit_ctx *ctx = NULL;
	char *hash = NULL, name[40], email[64];
	int rc = open_ctx(path, &ctx);
	if (rc == AUTHKIT_OK)
		rc = authkit_password_hash(ctx, LOOKUP_PASSWORD, &hash);
	for (int i = 1; i < n && rc == AUTHKIT_OK; i++) {
		user_name(name, sizeof name, i);
		user_email(email, sizeof email, i);
		rc = authkit_user_import(ctx, name, email, "Bench User", hash, NULL);
	}
	if (rc)
		fail("authkit_user_import", rc);
	authkit_string_free(hash);
	authkit_ctx_free(ctx);
	return rc;
}

/* Make sure path holds exactly n users user000000.. ; says how. */
static int prepare_users_db(const char *path, int n)
{
	if (raw_count_users(path) == n) {
		printf("    users db: reusing %s (%d users)\n", path, n);
		return 0;
	}
	remove_db(path);
	double t0 = now_s();
	int64_t seed = import_seed(path);
	if (seed < 0)
		return -1;
	const char *how = "1 authkit_user_import (precomputed Argon2id hash) + raw SQL INSERTs cloning its row, "
	                  "one transaction, into the library-created schema";
	if (raw_clone_users(path, seed, n)) {
		how = "authkit_user_import of every user with one precomputed Argon2id hash";
		if (import_all(path, n))
			return -1;
	}
	printf("    users db: created %s with %d users in %.1f s: %s\n", path, n, now_s() - t0, how);
	return raw_count_users(path) == n ? 0 : -1;
}

/* What a raw reader copies out of a row: the same fields the library keeps. */
typedef struct raw_user {
	int64_t id;
	char username[33], email[255], full_name[513], password_hash[256], roles[529];
	int is_active, is_verified, is_superuser, failed_logins;
	int64_t locked_until, created_at, updated_at, last_login_at;
} raw_user;

static void copy_text(sqlite3_stmt *st, int col, char *out, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	if (!s || n >= size)
		n = 0;
	if (n)
		memcpy(out, s, n);
	out[n] = '\0';
}

static void read_raw_user(sqlite3_stmt *st, raw_user *u)
{
	u->id = sqlite3_column_int64(st, 0);
	copy_text(st, 1, u->username, sizeof u->username);
	copy_text(st, 2, u->email, sizeof u->email);
	copy_text(st, 3, u->full_name, sizeof u->full_name);
	copy_text(st, 4, u->password_hash, sizeof u->password_hash);
	copy_text(st, 5, u->roles, sizeof u->roles);
	u->is_active = sqlite3_column_int(st, 6);
	u->is_verified = sqlite3_column_int(st, 7);
	u->is_superuser = sqlite3_column_int(st, 8);
	u->failed_logins = sqlite3_column_int(st, 9);
	u->locked_until = sqlite3_column_int64(st, 10);
	u->created_at = sqlite3_column_int64(st, 11);
	u->updated_at = sqlite3_column_int64(st, 12);
	u->last_login_at = sqlite3_column_int64(st, 13);
}

/* One raw lookup; returns the id or -1. */
static int64_t raw_lookup(sqlite3_stmt *st, const char *username, raw_user *u)
{
	int64_t id = -1;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		read_raw_user(st, u);
		id = u->id;
	}
	sqlite3_reset(st);
	return id;
}

static int64_t lib_lookup(authkit_ctx *ctx, const char *username)
{
	authkit_user *u = NULL;
	int64_t id = authkit_user_get_by_username(ctx, username, &u) == AUTHKIT_OK ? authkit_user_id(u) : -1;
	authkit_user_free(u);
	return id;
}

typedef struct lookup_run {
	authkit_ctx *ctx;
	sqlite3_stmt *st;
	char (*names)[16]; /* the random sequence, formatted ahead of time */
	int count;
	long misses;
} lookup_run;

/* Microseconds per lookup over names[from, from + n). */
static double time_block(lookup_run *r, bool library, int from, int n)
{
	raw_user u;
	double t0 = now_s();
	for (int i = from; i < from + n; i++) {
		int64_t id = library ? lib_lookup(r->ctx, r->names[i]) : raw_lookup(r->st, r->names[i], &u);
		r->misses += id < 0;
	}
	return (now_s() - t0) * 1e6 / n;
}

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static char (*random_names(int count, int users))[16]
{
	char (*names)[16] = malloc((size_t)count * sizeof *names);
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	for (int i = 0; names && i < count; i++)
		user_name(names[i], sizeof names[i], (int)(xorshift64(&seed) % (uint64_t)users));
	return names;
}

static void lookup_blocks(const bench_opts *o, lookup_run *r)
{
	int b = o->lookup_block, nb = o->lookup_blocks;
	double *lib = calloc((size_t)nb, sizeof *lib), *raw = calloc((size_t)nb, sizeof *raw);
	/* Warm-up over the first block: prepared statements, page cache. */
	time_block(r, true, 0, b);
	time_block(r, false, 0, b);
	for (int i = 0; i < nb; i++) {
		if (i % 2) {
			lib[i] = time_block(r, true, i * b, b);
			raw[i] = time_block(r, false, i * b, b);
		} else {
			raw[i] = time_block(r, false, i * b, b);
			lib[i] = time_block(r, true, i * b, b);
		}
	}
	if (r->misses) {
		fprintf(stderr, "ERROR %ld lookups found nothing\n", r->misses);
		bench_errors++;
	} else {
		char name[32];
		double lm = median(lib, nb), rm = median(raw, nb);
		snprintf(name, sizeof name, "user_lookup_%dk", o->users / 1000);
		row_at_most(add_row(name, "library", lm, "raw_sqlite", rm, "us"), 1.5);
		printf("    %d blocks x %d lookups per side, alternated, same random sequence; "
		       "min library %.3f us, raw %.3f us\n", nb, b, sorted_min(lib), sorted_min(raw));
	}
	free(lib);
	free(raw);
}

/* A connection set up like lib/store/sqlite/conn.c sets up its own. */
static int lookup_prepare_raw(const char *path, sqlite3 **db, sqlite3_stmt **st)
{
	*db = raw_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
	if (!*db || raw_exec(*db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;") != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v3(*db, USER_BY_USERNAME_SQL, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
		fprintf(stderr, "ERROR prepare: %s\n", sqlite3_errmsg(*db));
		return -1;
	}
	return 0;
}

static void bench_lookup(const bench_opts *o)
{
	char path[1100], file[64];
	snprintf(file, sizeof file, "authkit-bench-users-%d.db", o->users);
	db_path(o, path, sizeof path, file);
	if (prepare_users_db(path, o->users)) {
		fprintf(stderr, "ERROR could not prepare %s\n", path);
		bench_errors++;
		return;
	}
	lookup_run r = {.count = o->lookup_block * o->lookup_blocks};
	sqlite3 *db = NULL;
	r.names = random_names(r.count, o->users);
	int rc = open_ctx(path, &r.ctx);
	if (rc)
		fail("authkit_ctx_open (users db)", rc);
	else if (r.names && lookup_prepare_raw(path, &db, &r.st) == 0)
		lookup_blocks(o, &r);
	else
		bench_errors++;
	sqlite3_finalize(r.st);
	sqlite3_close(db);
	authkit_ctx_free(r.ctx);
	free(r.names);
}

/* ---- main ---- */

static int parse_args(int argc, char **argv, bench_opts *o)
{
	memset(o, 0, sizeof *o);
	if (parse_common_args(argc, argv, &o->quick, o->data_dir, sizeof o->data_dir))
		return -1;
	o->auth_iters = o->quick ? 3 : 40;
	o->thread_auths = o->quick ? 2 : 8;
	o->thread_rounds = o->quick ? 1 : 6;
	o->users = o->quick ? 10000 : 100000;
	o->lookup_block = o->quick ? 500 : 10000;
	o->lookup_blocks = o->quick ? 2 : 20;
	return 0;
}

int main(int argc, char **argv)
{
	bench_opts o;
	auth_fixture f;
	if (parse_args(argc, argv, &o))
		return 2;
	load_probe load;
	if (bench_start("benchmarks", o.quick, "", o.data_dir, &load))
		return 1;
	if (auth_fixture_open(&o, &f) == 0) {
		char params[64];
		hash_params(f.known_hash, params, sizeof params);
		printf("    auth db: %s, Argon2id cost of the stored hash: %s (library default)\n", f.path, params);
		bench_known_user(&o, &f);
		bench_unknown_vs_wrong(&o, &f);
		bench_threads(&o, &f);
	} else {
		bench_errors++;
	}
	auth_fixture_close(&f);
	bench_lookup(&o);
	return bench_finish(&load);
}
