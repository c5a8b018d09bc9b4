/*
 * bench_backends: the session check, a refresh rotation and one usage
 * record on each store backend (a SQLite file, and PostgreSQL when a server
 * is named), each next to a raw reference on the same backend doing the
 * same database work with the library's own SQL: raw SQLite prepared
 * statements, or raw libpq prepared statements (binary parameters, as the
 * library sends them). Prints ratios; never fails on a timing.
 *
 * usage: bench_backends [--quick] [--data-dir DIR]
 * PostgreSQL: AUTHKIT_BENCH_PG=postgresql://… (else AUTHKIT_TEST_PG, as set by
 * eval "$(scripts/pg-test-cluster.sh start)"); the bench works in a schema
 * "authkit_bench" it recreates. Without a server only SQLite runs.
 */
#include <authkit.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"

#define PW "Xq7!Nimbus-Vortex-Pyl0n"
#define SESSIONS 16

/* ---- what a raw reference does, per backend ---- */

typedef struct raw_chain {
	char session_id[64];
	int64_t user_id;
	unsigned char hash[32]; /* the current refresh token's SHA-256 */
} raw_chain;

typedef struct raw_ops {
	const char *label;
	int (*session_check)(void *db, const char *token);
	int (*refresh)(void *db, raw_chain *chain);
	int (*usage)(void *db, int64_t user_id, int seq);
} raw_ops;

/* A new refresh token as the library makes one: 32 random bytes, base64url,
 * and its SHA-256 is what the store keeps. */
static void new_token_hash(unsigned char hash[32])
{
	unsigned char raw[32];
	char token[64];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(token, sizeof token, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
}

static void token_hash(const char *token, unsigned char hash[32])
{
	crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
}

static int64_t wall_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- raw SQLite (lib/store/sqlite/{sessions,refresh,audit,usage}.c) ---- */

enum { SQ_SESSION, SQ_LOOKUP, SQ_MARK, SQ_INSERT, SQ_SESSION_ID, SQ_AUDIT, SQ_USAGE, SQ_BEGIN, SQ_COMMIT, SQ_COUNT };

static const char *const sq_sql[SQ_COUNT] = {
	"SELECT id, user_id, token_hash, ip, user_agent, created_at, last_seen_at, idle_expires_at, expires_at, "
	"revoked_at FROM sessions WHERE token_hash = ?1",
	"SELECT r.session_id, r.user_id, r.expires_at, r.used_at, s.revoked_at FROM refresh_tokens r JOIN sessions s "
	"ON s.id = r.session_id WHERE r.token_hash = ?1",
	"UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at = 0",
	"INSERT INTO refresh_tokens (token_hash, session_id, user_id, created_at, expires_at) "
	"SELECT ?1, id, user_id, ?4, ?5 FROM sessions WHERE id = ?2 AND user_id = ?3",
	"SELECT id, user_id, token_hash, ip, user_agent, created_at, last_seen_at, idle_expires_at, expires_at, "
	"revoked_at FROM sessions WHERE id = ?1",
	"INSERT INTO audit_log (time, user_id, event, ip, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
	"INSERT INTO usage_events (user_id, service, model, request_type, input_tokens, output_tokens, cost_micros, "
	"idempotency_key, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	"ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
	"BEGIN IMMEDIATE",
	"COMMIT",
};

typedef struct sq_db {
	sqlite3 *db;
	sqlite3_stmt *st[SQ_COUNT];
} sq_db;

static int sq_step(sq_db *d, int id)
{
	int rc = sqlite3_step(d->st[id]);
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(d->st[id]);
	sqlite3_reset(d->st[id]);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int sq_session_check(void *db, const char *token)
{
	sq_db *d = db;
	unsigned char h[32];
	token_hash(token, h);
	sqlite3_stmt *st = d->st[SQ_SESSION];
	sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
	int ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 9) == 0 &&
	         sqlite3_column_int64(st, 8) > wall_s();
	sqlite3_reset(st);
	return ok ? 0 : -1;
}

static int sq_refresh(void *db, raw_chain *c)
{
	sq_db *d = db;
	unsigned char next[32];
	new_token_hash(next);
	int64_t now = wall_s();
	int rc = sq_step(d, SQ_BEGIN);
	sqlite3_stmt *st = d->st[SQ_LOOKUP];
	sqlite3_bind_blob(st, 1, c->hash, 32, SQLITE_STATIC);
	if (rc == 0 && (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 3) != 0))
		rc = -1;
	sqlite3_reset(st);
	sqlite3_bind_blob(d->st[SQ_MARK], 1, c->hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(d->st[SQ_MARK], 2, now);
	if (rc == 0)
		rc = sq_step(d, SQ_MARK);
	st = d->st[SQ_INSERT];
	sqlite3_bind_blob(st, 1, next, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->user_id);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now + 86400);
	if (rc == 0)
		rc = sq_step(d, SQ_INSERT);
	sqlite3_bind_text(d->st[SQ_SESSION_ID], 1, c->session_id, -1, SQLITE_STATIC);
	if (rc == 0)
		rc = sq_step(d, SQ_SESSION_ID);
	st = d->st[SQ_AUDIT];
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, c->user_id);
	sqlite3_bind_text(st, 3, "auth.refresh", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, "", -1, SQLITE_STATIC);
	if (rc == 0)
		rc = sq_step(d, SQ_AUDIT);
	if (rc == 0)
		rc = sq_step(d, SQ_COMMIT);
	else
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
	memcpy(c->hash, next, 32);
	return rc;
}

static int sq_usage(void *db, int64_t user_id, int seq)
{
	sq_db *d = db;
	char key[32];
	snprintf(key, sizeof key, "raw-%d", seq);
	sqlite3_stmt *st = d->st[SQ_USAGE];
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, "openai", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, "gpt-4o", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, "chat", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, 100);
	sqlite3_bind_int64(st, 6, 200);
	sqlite3_bind_int64(st, 7, 1500);
	sqlite3_bind_text(st, 8, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 9, wall_s());
	return sq_step(d, SQ_USAGE);
}

static const raw_ops sqlite_ops = {"raw_sqlite", sq_session_check, sq_refresh, sq_usage};

static sq_db *sq_open(const char *path)
{
	static sq_db d;
	d.db = raw_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
	if (!d.db || raw_exec(d.db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;"))
		return NULL;
	for (int i = 0; i < SQ_COUNT; i++)
		if (sqlite3_prepare_v2(d.db, sq_sql[i], -1, &d.st[i], NULL) != SQLITE_OK) {
			fprintf(stderr, "ERROR sqlite prepare: %s\n", sqlite3_errmsg(d.db));
			return NULL;
		}
	return &d;
}

static void sq_close(sq_db *d)
{
	for (int i = 0; d && i < SQ_COUNT; i++)
		sqlite3_finalize(d->st[i]);
	if (d)
		sqlite3_close(d->db);
}

/* ---- raw libpq (lib/store/postgres/{sessions,refresh,audit,usage}.c) ---- */

enum { PQ_SESSION, PQ_TAKE, PQ_SESSION_ID, PQ_AUDIT, PQ_USAGE, PQ_COUNT };

static const char *const pq_sql[PQ_COUNT] = {
	"SELECT id, user_id, token_hash, ip, user_agent, created_at, last_seen_at, idle_expires_at, expires_at, "
	"revoked_at FROM sessions WHERE token_hash = $1",
	"WITH won AS (UPDATE refresh_tokens r SET used_at = $4 FROM sessions s "
	"WHERE r.token_hash = $1 AND s.id = r.session_id AND r.used_at = 0 AND s.revoked_at = 0 "
	"AND r.expires_at > $4 AND NOT EXISTS (SELECT 1 FROM refresh_tokens n WHERE n.token_hash = $2) "
	"RETURNING r.session_id, r.user_id) "
	"INSERT INTO refresh_tokens (token_hash, session_id, user_id, created_at, expires_at) "
	"SELECT $2, session_id, user_id, $4, $3 FROM won RETURNING session_id, user_id",
	"SELECT id, user_id, token_hash, ip, user_agent, created_at, last_seen_at, idle_expires_at, expires_at, "
	"revoked_at FROM sessions WHERE id = $1",
	"INSERT INTO audit_log (time, user_id, event, ip, detail) VALUES ($1, $2, $3, $4, $5)",
	"INSERT INTO usage_events (user_id, service, model, request_type, input_tokens, output_tokens, cost_micros, "
	"idempotency_key, time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
	"ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
};

#define INT8OID 20
#define TEXTOID 25
#define BYTEAOID 17

/* Parameters as the library binds them: binary, typed. */
typedef struct pq_params {
	int n;
	Oid types[10];
	const char *values[10];
	int lengths[10], formats[10];
	char ints[10][8];
} pq_params;

static void p_int(pq_params *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--, u >>= 8)
		p->ints[p->n][i] = (char)(u & 0xff);
	p->types[p->n] = INT8OID;
	p->values[p->n] = p->ints[p->n];
	p->lengths[p->n] = 8;
	p->formats[p->n++] = 1;
}

static void p_bytes(pq_params *p, Oid type, const void *data, int len)
{
	p->types[p->n] = type;
	p->values[p->n] = data;
	p->lengths[p->n] = len;
	p->formats[p->n++] = 1;
}

static void p_text(pq_params *p, const char *s)
{
	p_bytes(p, TEXTOID, s, (int)strlen(s));
}

/* Run statement id (prepared on first use); the rows it returned, -1 on error. */
static int pq_run(PGconn *pg, int id, pq_params *p)
{
	static bool prepared[PQ_COUNT];
	char name[16];
	snprintf(name, sizeof name, "raw%d", id);
	if (!prepared[id]) {
		PGresult *r = PQprepare(pg, name, pq_sql[id], p->n, p->types);
		prepared[id] = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!prepared[id])
			fprintf(stderr, "ERROR prepare: %s", PQresultErrorMessage(r));
		PQclear(r);
	}
	PGresult *r = PQexecPrepared(pg, name, p->n, p->values, p->lengths, p->formats, 1);
	ExecStatusType st = PQresultStatus(r);
	int rows = st == PGRES_TUPLES_OK ? PQntuples(r) : st == PGRES_COMMAND_OK ? 0 : -1;
	static const char zero[8];
	if (rows == 1 && id == PQ_SESSION) /* liveness (revoked_at 0), as the library checks it */
		rows = memcmp(PQgetvalue(r, 0, 9), zero, 8) == 0;
	PQclear(r);
	return rows;
}

static int pq_simple(PGconn *pg, const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "ERROR %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

static int pq_session_check(void *db, const char *token)
{
	unsigned char h[32];
	token_hash(token, h);
	pq_params p = {0};
	p_bytes(&p, BYTEAOID, h, 32);
	return pq_run(db, PQ_SESSION, &p) == 1 ? 0 : -1;
}

static int pq_refresh(void *db, raw_chain *c)
{
	unsigned char next[32];
	new_token_hash(next);
	int64_t now = wall_s();
	int rc = pq_simple(db, "BEGIN ISOLATION LEVEL READ COMMITTED");
	pq_params take = {0};
	p_bytes(&take, BYTEAOID, c->hash, 32);
	p_bytes(&take, BYTEAOID, next, 32);
	p_int(&take, now + 86400);
	p_int(&take, now);
	if (rc == 0 && pq_run(db, PQ_TAKE, &take) != 1)
		rc = -1;
	pq_params sid = {0};
	p_text(&sid, c->session_id);
	if (rc == 0 && pq_run(db, PQ_SESSION_ID, &sid) != 1)
		rc = -1;
	pq_params audit = {0};
	p_int(&audit, now);
	p_int(&audit, c->user_id);
	p_text(&audit, "auth.refresh");
	p_text(&audit, "");
	p_text(&audit, "");
	if (rc == 0 && pq_run(db, PQ_AUDIT, &audit) != 0)
		rc = -1;
	rc = rc == 0 ? pq_simple(db, "COMMIT") : (pq_simple(db, "ROLLBACK"), -1);
	memcpy(c->hash, next, 32);
	return rc;
}

static int pq_usage(void *db, int64_t user_id, int seq)
{
	char key[32];
	snprintf(key, sizeof key, "raw-%d", seq);
	pq_params p = {0};
	p_int(&p, user_id);
	p_text(&p, "openai");
	p_text(&p, "gpt-4o");
	p_text(&p, "chat");
	p_int(&p, 100);
	p_int(&p, 200);
	p_int(&p, 1500);
	p_text(&p, key);
	p_int(&p, wall_s());
	return pq_run(db, PQ_USAGE, &p) == 1 ? 0 : -1;
}

static const raw_ops pg_ops = {"raw_libpq", pq_session_check, pq_refresh, pq_usage};

/* ---- the library side ---- */

typedef struct fixture {
	authkit_ctx *ctx;
	int64_t user_id;
	char tokens[SESSIONS][64];  /* session tokens checked round robin */
	char refresh[128];          /* the library's refresh chain */
	raw_chain raw;              /* the raw side's, on another session */
	int usage_seq;
} fixture;

static int lib_usage(fixture *f, int seq)
{
	authkit_usage_event *ev = NULL;
	char key[32];
	snprintf(key, sizeof key, "lib-%d", seq);
	int rc = authkit_usage_event_new(&ev);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_user_id(ev, f->user_id);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_service(ev, "openai");
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_model(ev, "gpt-4o");
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_request_type(ev, "chat");
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_input_tokens(ev, 100);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_output_tokens(ev, 200);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_cost_micros(ev, 1500);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_idempotency_key(ev, key);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_record(f->ctx, ev, NULL);
	authkit_usage_event_free(ev);
	return rc;
}

static int lib_session_check(fixture *f, int i)
{
	authkit_session *s = NULL;
	int rc = authkit_session_check(f->ctx, f->tokens[i % SESSIONS], &s);
	authkit_session_free(s);
	return rc;
}

static int lib_refresh(fixture *f)
{
	authkit_login_result *l = NULL;
	int rc = authkit_refresh(f->ctx, f->refresh, "192.0.2.1", &l);
	if (rc == AUTHKIT_OK)
		snprintf(f->refresh, sizeof f->refresh, "%s", authkit_login_refresh_token(l));
	authkit_login_free(l);
	return rc;
}

enum { OP_SESSION, OP_REFRESH, OP_USAGE };

/* n operations of one kind on one side; seconds per operation. */
static double block(fixture *f, const raw_ops *raw, void *db, int op, bool lib, int n)
{
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		int rc;
		if (op == OP_SESSION)
			rc = lib ? lib_session_check(f, i) : raw->session_check(db, f->tokens[i % SESSIONS]);
		else if (op == OP_REFRESH)
			rc = lib ? lib_refresh(f) : raw->refresh(db, &f->raw);
		else
			rc = lib ? lib_usage(f, f->usage_seq++) : raw->usage(db, f->user_id, f->usage_seq++);
		if (rc) {
			fail(lib ? "library call" : "raw reference", rc);
			return 0;
		}
	}
	return (now_s() - t0) / n;
}

/* Warm-up, then blocks alternated (order flipped each block); medians. */
static void measure(fixture *f, const raw_ops *raw, void *db, const char *backend, int op, int n, int blocks)
{
	static const char *const names[] = {"session_check", "refresh", "usage_record"};
	double lib[32], ref[32];
	block(f, raw, db, op, true, n / 4 + 1);
	block(f, raw, db, op, false, n / 4 + 1);
	for (int b = 0; b < blocks; b++) {
		bool lib_first = b % 2 == 0;
		double first = block(f, raw, db, op, lib_first, n);
		double second = block(f, raw, db, op, !lib_first, n);
		lib[b] = (lib_first ? first : second) * 1e6;
		ref[b] = (lib_first ? second : first) * 1e6;
	}
	char name[32];
	snprintf(name, sizeof name, "%s_%s", names[op], backend);
	bench_row *r = add_row(name, "library", median(lib, blocks), raw->label, median(ref, blocks), "us");
	row_at_most(r, 1.3);
	printf("  (minima: library %.2f us, %s %.2f us)\n", sorted_min(lib), raw->label, sorted_min(ref));
}

static int setup(fixture *f, const char *db, const char *backend)
{
	memset(f, 0, sizeof *f);
	authkit_config *cfg = NULL;
	int rc = authkit_config_new(&cfg);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set(cfg, "AUTHKIT_DB", db);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set_int(cfg, "AUTHKIT_ARGON2_OPSLIMIT", 2);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set_int(cfg, "AUTHKIT_ARGON2_MEMLIMIT", 19 * 1024 * 1024);
	if (rc == AUTHKIT_OK)
		rc = authkit_ctx_open(&f->ctx, cfg);
	authkit_config_free(cfg);
	authkit_user *u = NULL;
	if (rc == AUTHKIT_OK)
		rc = authkit_user_register(f->ctx, "bench", "bench@example.com", NULL, PW, &u);
	f->user_id = authkit_user_id(u);
	authkit_user_free(u);
	for (int i = 0; rc == AUTHKIT_OK && i <= SESSIONS; i++) {
		authkit_login_result *l = NULL;
		rc = authkit_login(f->ctx, "bench", PW, "192.0.2.1", "bench", &l);
		if (rc == AUTHKIT_OK && i < SESSIONS) {
			snprintf(f->tokens[i], sizeof f->tokens[i], "%s", authkit_login_session_token(l));
			if (i == 0)
				snprintf(f->refresh, sizeof f->refresh, "%s", authkit_login_refresh_token(l));
		} else if (rc == AUTHKIT_OK) { /* the raw side's own session and chain */
			snprintf(f->raw.session_id, sizeof f->raw.session_id, "%s", authkit_login_session_id(l));
			f->raw.user_id = f->user_id;
			token_hash(authkit_login_refresh_token(l), f->raw.hash);
		}
		authkit_login_free(l);
	}
	if (rc)
		fprintf(stderr, "ERROR %s setup: %s (%s)\n", backend, authkit_strerror(rc), authkit_error_last());
	return rc;
}

static void measure_all(fixture *f, const raw_ops *raw, void *db, const char *backend, bool quick)
{
	int n = quick ? 100 : 2000, blocks = quick ? 3 : 10;
	measure(f, raw, db, backend, OP_SESSION, n, blocks);
	measure(f, raw, db, backend, OP_REFRESH, quick ? 50 : 500, blocks);
	measure(f, raw, db, backend, OP_USAGE, n, blocks);
}

static void run_sqlite(const char *data_dir, bool quick)
{
	char path[1100];
	snprintf(path, sizeof path, "%s/authkit-bench-backends.db", data_dir);
	remove_db(path);
	/* The library's context first (it migrates), then the raw connection. */
	fixture f;
	if (setup(&f, path, "sqlite")) {
		bench_errors++;
		return;
	}
	sq_db *d = sq_open(path);
	if (!d) {
		bench_errors++;
		authkit_ctx_free(f.ctx);
		return;
	}
	measure_all(&f, &sqlite_ops, d, "sqlite", quick);
	sq_close(d);
	authkit_ctx_free(f.ctx);
	remove_db(path);
}

static void run_postgres(bool quick)
{
	const char *url = getenv("AUTHKIT_BENCH_PG");
	if (!url || !*url)
		url = getenv("AUTHKIT_TEST_PG");
	if (!url || !*url) {
		printf("postgres: skipped (set AUTHKIT_BENCH_PG, or eval \"$(scripts/pg-test-cluster.sh start)\")\n");
		return;
	}
	PGconn *admin = PQconnectdb(url);
	if (PQstatus(admin) != CONNECTION_OK || pq_simple(admin, "SET client_min_messages = warning") ||
	    pq_simple(admin, "DROP SCHEMA IF EXISTS authkit_bench CASCADE") ||
	    pq_simple(admin, "CREATE SCHEMA authkit_bench")) {
		fprintf(stderr, "ERROR postgres: %s", PQerrorMessage(admin));
		bench_errors++;
		PQfinish(admin);
		return;
	}
	char db[1200];
	snprintf(db, sizeof db, "%s%soptions=-csearch_path%%3Dauthkit_bench", url, strchr(url, '?') ? "&" : "?");
	PGconn *raw = PQconnectdb(db);
	fixture f;
	if (PQstatus(raw) != CONNECTION_OK || setup(&f, db, "postgres")) {
		bench_errors++;
	} else {
		measure_all(&f, &pg_ops, raw, "postgres", quick);
		authkit_ctx_free(f.ctx);
	}
	PQfinish(raw);
	pq_simple(admin, "DROP SCHEMA IF EXISTS authkit_bench CASCADE");
	PQfinish(admin);
}

int main(int argc, char **argv)
{
	bool quick = false;
	char data_dir[1024];
	if (parse_common_args(argc, argv, &quick, data_dir, sizeof data_dir))
		return 2;
	char libs[64];
	snprintf(libs, sizeof libs, ", libpq %d", PQlibVersion());
	load_probe load;
	if (bench_start("store backends", quick, libs, data_dir, &load))
		return 1;
	run_sqlite(data_dir, quick);
	run_postgres(quick);
	return bench_finish(&load);
}
