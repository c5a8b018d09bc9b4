/*
 * libauthkit token and session benchmarks: each library figure is printed
 * next to a raw reference measured in the same run (libjwt or SQLite called
 * directly, on the same tokens and the same file), with the ratio, the target
 * and PASS/MISS. Timing never fails the run: the exit status is 0 unless
 * something did not work at all.
 *
 * usage: bench_tokens [--quick] [--data-dir DIR]
 *   --quick     tiny iteration counts and 10,000 sessions (smoke run for CI)
 *   --data-dir  where the database files go (default $TMPDIR or /tmp); the
 *               sessions database is kept and reused by later runs
 */
#include <authkit.h>

#include <jwt.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

#define BENCH_USER "bench_tokens"
#define BENCH_EMAIL "tokens@bench.example"
#define BENCH_PASSWORD "quartz-lantern-meadow-7391"
/* Fixed signing key (hex of 32 bytes), so tokens and files are reproducible. */
#define BENCH_JWT_SECRET "3f9a1c5e7b2d4086a1e3c5b7d9f1a3c5e7092b4d6f8a1c3e5b7d9f0a2c4e6b81"
#define BENCH_ROLES "reader writer"
#define RAW_USER_AGENT "authkit-bench-raw"
#define TEN_YEARS (INT64_C(10) * 365 * 86400)
#define TOKEN_CHARS 43 /* 32 bytes, unpadded base64url */
#define SID_CHARS 22   /* 16 bytes, unpadded base64url */

/* The exact column list and queries of lib/store/sqlite/sessions.c. */
#define SESSION_COLUMNS                                                                                   \
	"id, user_id, token_hash, ip, user_agent, created_at, last_seen_at, idle_expires_at, expires_at, " \
	"revoked_at"
#define SESSION_BY_HASH_SQL "SELECT " SESSION_COLUMNS " FROM sessions WHERE token_hash = ?1"
#define SESSION_BY_ID_SQL "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = ?1"
#define SESSION_INSERT_SQL "INSERT INTO sessions (" SESSION_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
/* The refresh-rotation statements of lib/store/sqlite/refresh.c. */
#define REFRESH_LOOKUP_SQL                                                                  \
	"SELECT r.session_id, r.user_id, r.expires_at, r.used_at, s.revoked_at "             \
	"FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = ?1"
#define REFRESH_MARK_USED_SQL "UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at = 0"
#define REFRESH_INSERT_SQL                                                                  \
	"INSERT INTO refresh_tokens (token_hash, session_id, user_id, created_at, expires_at) " \
	"SELECT ?1, id, user_id, ?4, ?5 FROM sessions WHERE id = ?2 AND user_id = ?3"

typedef struct bench_opts {
	bool quick;
	char data_dir[1024];
	int sessions;      /* rows in the sessions file (benchmarks 3 and 4) */
	int sample;        /* known sessions checked out of those */
	int tokens;        /* distinct access tokens (benchmarks 1 and 4) */
	int block;         /* operations per timed block */
	int blocks;        /* blocks per side */
	int refresh_block; /* rotations per timed block */
	int refresh_blocks;
	int touch_blocks;  /* blocks per side, session check with touch on every call */
} bench_opts;

/* ---- small utilities ---- */

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void b64url(char *out, size_t size, const unsigned char *bin, size_t len)
{
	sodium_bin2base64(out, size, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* ---- contexts and raw SQLite ---- */

/* cache_size < 0: the library default (AUTHKIT_TOKEN_CACHE_SIZE unset). */
static int open_ctx(const char *path, int cache_size, int touch_seconds, authkit_ctx **out)
{
	authkit_config *cfg = NULL;
	int rc = authkit_config_new(&cfg);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set(cfg, "AUTHKIT_DB", path);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set(cfg, "AUTHKIT_JWT_SECRET", BENCH_JWT_SECRET);
	/* Hashing is not under test: the minimum Argon2id cost. */
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set_int(cfg, "AUTHKIT_ARGON2_OPSLIMIT", 2);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set_int(cfg, "AUTHKIT_ARGON2_MEMLIMIT", 19922944);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_set_int(cfg, "AUTHKIT_SESSION_TOUCH_SECONDS", touch_seconds);
	if (rc == AUTHKIT_OK && cache_size >= 0)
		rc = authkit_config_set_int(cfg, "AUTHKIT_TOKEN_CACHE_SIZE", cache_size);
	if (rc == AUTHKIT_OK)
		rc = authkit_ctx_open(out, cfg);
	authkit_config_free(cfg);
	return rc;
}

static sqlite3_stmt *raw_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "ERROR prepare %s: %s\n", sql, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* A connection set up like lib/store/sqlite/conn.c sets up its own. */
static sqlite3 *raw_open_like_library(const char *path)
{
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
	if (db && raw_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;") != SQLITE_OK) {
		sqlite3_close(db);
		db = NULL;
	}
	return db;
}

/* ---- the sessions file ---- */

/*
 * Session i of the file has a token and an id derived from i under a fixed
 * key (BLAKE2b), so every run can present any session's token without
 * storing them; the token's SHA-256 is what the row holds, as the library
 * stores it. Only the bench's own rows are made this way.
 */
static void derive_session(int i, char token[TOKEN_CHARS + 1], char id[SID_CHARS + 1])
{
	static const unsigned char key[crypto_generichash_KEYBYTES] = "authkit-bench-sessions-v1";
	unsigned char in[8], out[48];
	for (int b = 0; b < 8; b++)
		in[b] = (unsigned char)((uint64_t)i >> (8 * b));
	crypto_generichash(out, sizeof out, in, sizeof in, key, sizeof key);
	b64url(token, TOKEN_CHARS + 1, out, 32);
	b64url(id, SID_CHARS + 1, out + 32, 16);
}

static void token_hash(const char *token, unsigned char out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

/* What a raw reader copies out of a sessions row: the fields the library keeps. */
typedef struct raw_session {
	char id[33];
	int64_t user_id;
	unsigned char token_hash[32];
	char ip[64], user_agent[256];
	int64_t created_at, last_seen_at, idle_expires_at, expires_at, revoked_at;
} raw_session;

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

static void read_raw_session(sqlite3_stmt *st, raw_session *s)
{
	memset(s, 0, sizeof *s);
	copy_text(st, 0, s->id, sizeof s->id);
	s->user_id = sqlite3_column_int64(st, 1);
	const void *blob = sqlite3_column_blob(st, 2);
	if (blob && sqlite3_column_bytes(st, 2) == 32)
		memcpy(s->token_hash, blob, 32);
	copy_text(st, 3, s->ip, sizeof s->ip);
	copy_text(st, 4, s->user_agent, sizeof s->user_agent);
	s->created_at = sqlite3_column_int64(st, 5);
	s->last_seen_at = sqlite3_column_int64(st, 6);
	s->idle_expires_at = sqlite3_column_int64(st, 7);
	s->expires_at = sqlite3_column_int64(st, 8);
	s->revoked_at = sqlite3_column_int64(st, 9);
}

static bool raw_alive(const raw_session *s, int64_t now)
{
	return s->revoked_at == 0 && now < s->expires_at && now < s->idle_expires_at;
}

/* One raw lookup with st bound to a hash (blob) or an id (text); 0 when alive. */
static int raw_session_lookup(sqlite3_stmt *st, const unsigned char *hash, const char *id, raw_session *s)
{
	if (hash)
		sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		read_raw_session(st, s);
		rc = raw_alive(s, (int64_t)time(NULL)) ? 0 : -1;
	}
	sqlite3_reset(st);
	return rc;
}

static long long raw_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The file holds the bench's rows 0..n-1 (first and last are looked up). */
static bool sessions_file_ready(const char *path, int n)
{
	if (access(path, R_OK) != 0)
		return false;
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READONLY);
	sqlite3_stmt *st = db ? raw_prepare(db, SESSION_BY_HASH_SQL) : NULL;
	bool ok = st != NULL;
	for (int k = 0; ok && k < 2; k++) {
		char token[TOKEN_CHARS + 1], id[SID_CHARS + 1];
		unsigned char h[32];
		raw_session s;
		derive_session(k ? n - 1 : 0, token, id);
		token_hash(token, h);
		ok = raw_session_lookup(st, h, NULL, &s) == 0 && strcmp(s.id, id) == 0;
	}
	if (ok) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE user_agent = '%s'", RAW_USER_AGENT);
		ok = raw_count(db, sql) == n;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

/* n rows in one transaction, into the schema the library created. */
static int raw_insert_sessions(const char *path, int64_t user_id, int n)
{
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READWRITE);
	if (!db || raw_exec(db, "PRAGMA cache_size=-262144; BEGIN") != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	sqlite3_stmt *st = raw_prepare(db, SESSION_INSERT_SQL);
	int64_t now = (int64_t)time(NULL);
	int rc = st ? 0 : -1;
	for (int i = 0; i < n && rc == 0; i++) {
		char token[TOKEN_CHARS + 1], id[SID_CHARS + 1];
		unsigned char h[32];
		derive_session(i, token, id);
		token_hash(token, h);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, user_id);
		sqlite3_bind_blob(st, 3, h, 32, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, "198.51.100.7", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, RAW_USER_AGENT, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, now);
		sqlite3_bind_int64(st, 7, now);
		/* Far expiries: the file stays usable by later runs. */
		sqlite3_bind_int64(st, 8, now + TEN_YEARS);
		sqlite3_bind_int64(st, 9, now + TEN_YEARS);
		sqlite3_bind_int64(st, 10, 0);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	if (rc)
		fprintf(stderr, "ERROR raw session insert: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	rc = raw_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK") == SQLITE_OK ? rc : -1;
	sqlite3_close(db); /* last connection: checkpoints the WAL into the file */
	return rc;
}

/* Register the user (if new) and log in: a real session, checked. */
static int login_user(authkit_ctx *ctx, bool create, int64_t *user_id)
{
	authkit_user *u = NULL;
	int rc = create ? authkit_user_register(ctx, BENCH_USER, BENCH_EMAIL, NULL, BENCH_PASSWORD, &u) : AUTHKIT_OK;
	authkit_user_free(u);
	if (rc) {
		fail("authkit_user_register", rc);
		return rc;
	}
	authkit_login_result *l = NULL;
	rc = authkit_login(ctx, BENCH_USER, BENCH_PASSWORD, "198.51.100.7", "bench", &l);
	if (rc == AUTHKIT_OK)
		rc = authkit_session_check(ctx, authkit_login_session_token(l), NULL);
	if (rc == AUTHKIT_OK)
		*user_id = authkit_login_user_id(l);
	else
		fail("authkit_login / authkit_session_check", rc);
	authkit_login_free(l);
	return rc;
}

/* Make sure path holds the user and n bench sessions; *user_id gets the user. */
static int prepare_sessions_db(const char *path, int n, int64_t *user_id)
{
	bool reuse = sessions_file_ready(path, n);
	if (!reuse)
		remove_db(path);
	double t0 = now_s();
	authkit_ctx *ctx = NULL;
	int rc = open_ctx(path, 0, 3600, &ctx);
	if (rc) {
		fail("authkit_ctx_open (sessions db)", rc);
		return rc;
	}
	rc = login_user(ctx, !reuse, user_id);
	for (int i = 0; i < 2 && rc == AUTHKIT_OK && !reuse; i++)
		rc = login_user(ctx, false, user_id);
	authkit_ctx_free(ctx);
	if (rc)
		return rc;
	if (reuse) {
		printf("    sessions db: reusing %s (%d bench sessions)\n", path, n);
		return 0;
	}
	if (raw_insert_sessions(path, *user_id, n))
		return -1;
	printf("    sessions db: created %s in %.1f s: 1 authkit_user_register + 3 authkit_login (real sessions), "
	       "then %d raw INSERTs into the library-created schema, one transaction\n",
	       path, now_s() - t0, n);
	return sessions_file_ready(path, n) ? 0 : -1;
}

/* The sampled sessions become "seen now", so no check within the hour is
 * due a last-seen write (AUTHKIT_SESSION_TOUCH_SECONDS=3600). Untimed. */
static int refresh_last_seen(const char *path, const int *sample, int count)
{
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READWRITE);
	sqlite3_stmt *st = NULL;
	int rc = db && raw_exec(db, "BEGIN") == SQLITE_OK ? 0 : -1;
	if (rc == 0 && !(st = raw_prepare(db, "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1")))
		rc = -1;
	int64_t now = (int64_t)time(NULL);
	for (int i = 0; i < count && rc == 0; i++) {
		char token[TOKEN_CHARS + 1], id[SID_CHARS + 1];
		derive_session(sample[i], token, id);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, now);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (db)
		rc = raw_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK") == SQLITE_OK ? rc : -1;
	sqlite3_close(db);
	return rc;
}

/* ---- interleaved timed blocks ---- */

/* One operation on item i; nonzero means it failed. */
typedef int (*op_fn)(void *arg, int i);

typedef struct side {
	op_fn fn;
	void *arg;
	long failures;
} side;

/* Microseconds per operation over items [from, from + n) (mod items). */
static double time_block(side *s, int from, int n, int items)
{
	double t0 = now_s();
	for (int i = from; i < from + n; i++)
		s->failures += s->fn(s->arg, i % items) != 0;
	return (now_s() - t0) * 1e6 / n;
}

/* One warm-up block each, then nb blocks of b per side, alternated (the
 * order flips every block); medians of the per-operation times. */
static int compare(side *lib, side *raw, int b, int nb, int items, double *lib_us, double *raw_us,
                   double *lib_min, double *raw_min)
{
	double *l = calloc((size_t)nb, sizeof *l), *r = calloc((size_t)nb, sizeof *r);
	if (!l || !r) {
		free(l);
		free(r);
		return -1;
	}
	time_block(lib, 0, b, items);
	time_block(raw, 0, b, items);
	for (int i = 0; i < nb; i++) {
		if (i % 2) {
			l[i] = time_block(lib, (i + 1) * b, b, items);
			r[i] = time_block(raw, (i + 1) * b, b, items);
		} else {
			r[i] = time_block(raw, (i + 1) * b, b, items);
			l[i] = time_block(lib, (i + 1) * b, b, items);
		}
	}
	*lib_us = median(l, nb);
	*raw_us = median(r, nb);
	*lib_min = l[0];
	*raw_min = r[0];
	free(l);
	free(r);
	return lib->failures || raw->failures ? -1 : 0;
}

static void report_failures(const char *what, const side *lib, const side *raw)
{
	fprintf(stderr, "ERROR %s: %ld library and %ld raw operations failed (%s)\n", what, lib->failures,
	        raw->failures, authkit_error_last());
	bench_errors++;
}

/* ---- the token fixture ---- */

typedef struct fixture {
	const bench_opts *o;
	char path[1100];
	int64_t user_id;
	unsigned char key[32];   /* AUTHKIT_JWT_SECRET decoded: what jwt_decode gets */
	int *sample;             /* indexes of the checked sessions, in a random order */
	char (*tokens)[1024];    /* access tokens, token i for session sample[i] */
	char (*session_tokens)[TOKEN_CHARS + 1];
	char (*sids)[SID_CHARS + 1];
	authkit_ctx *nocache;    /* AUTHKIT_TOKEN_CACHE_SIZE=0 */
	authkit_ctx *cached;     /* the default cache */
	sqlite3 *raw;            /* raw connection, like the library's */
	sqlite3_stmt *by_hash, *by_id;
} fixture;

static int issue_tokens(fixture *f)
{
	int n = f->o->tokens;
	for (int i = 0; i < n; i++) {
		char *tok = NULL;
		int rc = authkit_token_issue_access(f->nocache, f->user_id, f->sids[i % f->o->sample], BENCH_ROLES, &tok,
		                                    NULL);
		if (rc || strlen(tok) >= sizeof f->tokens[i]) {
			fail("authkit_token_issue_access", rc ? rc : AUTHKIT_EINVALID);
			authkit_string_free(tok);
			return -1;
		}
		memcpy(f->tokens[i], tok, strlen(tok) + 1);
		authkit_string_free(tok);
	}
	return 0;
}

static int fixture_open(const bench_opts *o, fixture *f)
{
	memset(f, 0, sizeof *f);
	f->o = o;
	char file[64];
	snprintf(file, sizeof file, "authkit-bench-sessions-%d.db", o->sessions);
	snprintf(f->path, sizeof f->path, "%s/%s", o->data_dir, file);
	if (sodium_hex2bin(f->key, sizeof f->key, BENCH_JWT_SECRET, strlen(BENCH_JWT_SECRET), NULL, NULL, NULL)) {
		bench_errors++;
		return -1;
	}
	if (prepare_sessions_db(f->path, o->sessions, &f->user_id))
		return -1;
	f->sample = malloc((size_t)o->sample * sizeof *f->sample);
	f->tokens = malloc((size_t)o->tokens * sizeof *f->tokens);
	f->session_tokens = malloc((size_t)o->sample * sizeof *f->session_tokens);
	f->sids = malloc((size_t)o->sample * sizeof *f->sids);
	if (!f->sample || !f->tokens || !f->session_tokens || !f->sids)
		return -1;
	/* A spread of distinct sessions (stride through the file), visited in a random order. */
	for (int i = 0; i < o->sample; i++)
		f->sample[i] = (int)((int64_t)i * o->sessions / o->sample);
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	for (int i = o->sample - 1; i > 0; i--) {
		int j = (int)(xorshift64(&seed) % (uint64_t)(i + 1)), t = f->sample[i];
		f->sample[i] = f->sample[j];
		f->sample[j] = t;
	}
	for (int i = 0; i < o->sample; i++)
		derive_session(f->sample[i], f->session_tokens[i], f->sids[i]);
	if (refresh_last_seen(f->path, f->sample, o->sample))
		return -1;
	int rc = open_ctx(f->path, 0, 3600, &f->nocache);
	if (rc == AUTHKIT_OK)
		rc = open_ctx(f->path, -1, 3600, &f->cached);
	if (rc) {
		fail("authkit_ctx_open", rc);
		return -1;
	}
	if (issue_tokens(f))
		return -1;
	f->raw = raw_open_like_library(f->path);
	if (!f->raw || !(f->by_hash = raw_prepare(f->raw, SESSION_BY_HASH_SQL)) ||
	    !(f->by_id = raw_prepare(f->raw, SESSION_BY_ID_SQL)))
		return -1;
	printf("    %d access tokens issued by authkit_token_issue_access (HS256, roles \"%s\", sid of %d distinct "
	       "sessions), %zu bytes each\n", o->tokens, BENCH_ROLES, o->sample < o->tokens ? o->sample : o->tokens,
	       strlen(f->tokens[0]));
	return 0;
}

static void fixture_close(fixture *f)
{
	sqlite3_finalize(f->by_hash);
	sqlite3_finalize(f->by_id);
	sqlite3_close(f->raw);
	authkit_ctx_free(f->nocache);
	authkit_ctx_free(f->cached);
	free(f->sample);
	free(f->tokens);
	free(f->session_tokens);
	free(f->sids);
}

/* ---- operations ---- */

typedef struct verify_arg {
	fixture *f;
	authkit_ctx *ctx;
	unsigned flags;
	int fixed; /* >= 0: always this token */
} verify_arg;

static int op_lib_verify(void *arg, int i)
{
	verify_arg *a = arg;
	authkit_principal *p = NULL;
	int rc = authkit_token_verify(a->ctx, a->f->tokens[a->fixed >= 0 ? a->fixed : i], a->flags, &p);
	rc = rc == AUTHKIT_OK && authkit_principal_user_id(p) == a->f->user_id ? 0 : -1;
	authkit_principal_free(p);
	return rc;
}

static int op_raw_decode(void *arg, int i)
{
	verify_arg *a = arg;
	jwt_t *jwt = NULL;
	int rc = jwt_decode(&jwt, a->f->tokens[a->fixed >= 0 ? a->fixed : i], a->f->key, (int)sizeof a->f->key);
	jwt_free(jwt);
	return rc;
}

/* Raw stateful: jwt_decode, its sid, the session by id (alive, same user). */
static int op_raw_decode_lookup(void *arg, int i)
{
	verify_arg *a = arg;
	jwt_t *jwt = NULL;
	raw_session s;
	int rc = jwt_decode(&jwt, a->f->tokens[i], a->f->key, (int)sizeof a->f->key);
	const char *sid = rc == 0 ? jwt_get_grant(jwt, "sid") : NULL;
	rc = sid && raw_session_lookup(a->f->by_id, NULL, sid, &s) == 0 && s.user_id == a->f->user_id ? 0 : -1;
	jwt_free(jwt);
	return rc;
}

typedef struct check_arg {
	fixture *f;
	authkit_ctx *ctx;
} check_arg;

static int op_lib_check(void *arg, int i)
{
	check_arg *a = arg;
	authkit_session *s = NULL;
	int rc = authkit_session_check(a->ctx, a->f->session_tokens[i], &s);
	rc = rc == AUTHKIT_OK && authkit_session_user_id(s) == a->f->user_id ? 0 : -1;
	authkit_session_free(s);
	return rc;
}

static int op_raw_check(void *arg, int i)
{
	check_arg *a = arg;
	unsigned char h[32];
	raw_session s;
	token_hash(a->f->session_tokens[i], h);
	return raw_session_lookup(a->f->by_hash, h, NULL, &s) == 0 && s.user_id == a->f->user_id ? 0 : -1;
}

/* "session_check_1m", "session_check_10k": row names fit the 20-column field. */
static void size_label(char *out, size_t size, const char *prefix, int n)
{
	if (n % 1000000 == 0)
		snprintf(out, size, "%s%dm", prefix, n / 1000000);
	else
		snprintf(out, size, "%s%dk", prefix, n / 1000);
}

/* ---- 1, 2, 4: access tokens ---- */

static void bench_stateless(fixture *f)
{
	const bench_opts *o = f->o;
	verify_arg a = {f, f->nocache, AUTHKIT_VERIFY_STATELESS, -1};
	side lib = {op_lib_verify, &a, 0}, raw = {op_raw_decode, &a, 0};
	double lu, ru, lmin, rmin;
	if (compare(&lib, &raw, o->block, o->blocks, o->tokens, &lu, &ru, &lmin, &rmin)) {
		report_failures("stateless verify", &lib, &raw);
		return;
	}
	row_at_most(add_row("verify_stateless", "library", lu, "jwt_decode", ru, "us"), 1.25);
	printf("    %d distinct tokens, cache off (AUTHKIT_TOKEN_CACHE_SIZE=0); %d blocks x %d per side, alternated; "
	       "min library %.3f us, raw %.3f us\n", o->tokens, o->blocks, o->block, lmin, rmin);
}

static void bench_cached(fixture *f)
{
	const bench_opts *o = f->o;
	verify_arg a = {f, f->cached, AUTHKIT_VERIFY_STATELESS, 0};
	side lib = {op_lib_verify, &a, 0}, raw = {op_raw_decode, &a, 0};
	double lu, ru, lmin, rmin;
	if (compare(&lib, &raw, o->block, o->blocks, o->tokens, &lu, &ru, &lmin, &rmin)) {
		report_failures("cached verify", &lib, &raw);
		return;
	}
	row_at_most(add_row("verify_cached", "library", lu, "jwt_decode", ru, "us"), 0.20);
	printf("    one token verified repeatedly (stateless), default cache (4096 entries), vs jwt_decode of it; "
	       "min library %.3f us, raw %.3f us\n", lmin, rmin);
}

static void bench_stateful(fixture *f)
{
	const bench_opts *o = f->o;
	verify_arg a = {f, f->nocache, AUTHKIT_VERIFY_STATEFUL, -1};
	side lib = {op_lib_verify, &a, 0}, raw = {op_raw_decode_lookup, &a, 0};
	double lu, ru, lmin, rmin;
	if (compare(&lib, &raw, o->block, o->blocks, o->tokens, &lu, &ru, &lmin, &rmin)) {
		report_failures("stateful verify", &lib, &raw);
		return;
	}
	char name[32];
	size_label(name, sizeof name, "verify_stateful_", o->sessions);
	row_at_most(add_row(name, "library", lu, "decode+id", ru, "us"), 1.30);
	printf("    %d distinct tokens over %d sessions, cache off; raw = jwt_decode + jwt_get_grant(sid) + "
	       "SELECT by id (same columns) in one loop; min library %.3f us, raw %.3f us\n", o->tokens,
	       o->sample < o->tokens ? o->sample : o->tokens, lmin, rmin);
}

/* ---- 3: session check ---- */

static void bench_session_check(fixture *f)
{
	const bench_opts *o = f->o;
	check_arg a = {f, f->nocache};
	side lib = {op_lib_check, &a, 0}, raw = {op_raw_check, &a, 0};
	double lu, ru, lmin, rmin;
	if (compare(&lib, &raw, o->block, o->blocks, o->sample, &lu, &ru, &lmin, &rmin)) {
		report_failures("session check", &lib, &raw);
		return;
	}
	char name[32];
	size_label(name, sizeof name, "session_check_", o->sessions);
	row_at_most(add_row(name, "library", lu, "raw_sqlite", ru, "us"), 1.50);
	printf("    %d distinct sessions of %d, random order; AUTHKIT_SESSION_TOUCH_SECONDS=3600 (no write); "
	       "raw = SHA-256 + SELECT by token_hash (same columns); min library %.3f us, raw %.3f us\n", o->sample,
	       o->sessions, lmin, rmin);
}

/* The same with a last-seen write on every call (AUTHKIT_SESSION_TOUCH_SECONDS=0). */
static void bench_session_check_touch(fixture *f)
{
	const bench_opts *o = f->o;
	authkit_ctx *ctx = NULL;
	int rc = open_ctx(f->path, 0, 0, &ctx);
	if (rc) {
		fail("authkit_ctx_open (touch 0)", rc);
		return;
	}
	check_arg a = {f, ctx};
	side lib = {op_lib_check, &a, 0}, raw = {op_raw_check, &a, 0};
	double lu, ru, lmin, rmin;
	int b = o->block / 4 > 0 ? o->block / 4 : 1;
	if (compare(&lib, &raw, b, o->touch_blocks, o->sample, &lu, &ru, &lmin, &rmin))
		report_failures("session check (touch)", &lib, &raw);
	else
		row_info(add_row("session_check_touch", "library", lu, "raw_sqlite", ru, "us"));
	authkit_ctx_free(ctx);
	printf("    AUTHKIT_SESSION_TOUCH_SECONDS=0: every check also writes last-seen (one autocommit UPDATE); "
	       "%d blocks x %d; the raw side does no write\n", o->touch_blocks, b);
	/* The touched rows are "seen now" again, so later runs start alike. */
}

/* ---- 5: refresh rotation ---- */

typedef struct refresh_arg {
	authkit_ctx *ctx;
	char token[TOKEN_CHARS + 1]; /* the current refresh token of the chain */
	/* raw side */
	sqlite3 *db;
	sqlite3_stmt *begin, *commit, *lookup, *mark, *insert;
} refresh_arg;

static int op_lib_refresh(void *arg, int i)
{
	(void)i;
	refresh_arg *a = arg;
	authkit_login_result *l = NULL;
	int rc = authkit_refresh(a->ctx, a->token, "198.51.100.7", &l);
	if (rc == AUTHKIT_OK)
		memcpy(a->token, authkit_login_refresh_token(l), TOKEN_CHARS + 1);
	authkit_login_free(l);
	return rc;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The store's rotation done by hand: BEGIN IMMEDIATE, look the old token up
 * (joined with its session), mark it used, insert the new one, COMMIT; the
 * new token is 32 random bytes, base64url, stored as its SHA-256. */
static int op_raw_refresh(void *arg, int i)
{
	(void)i;
	refresh_arg *a = arg;
	unsigned char old_hash[32], new_hash[32], bytes[32];
	char next[TOKEN_CHARS + 1], sid[33] = "";
	int64_t now = (int64_t)time(NULL), user_id = 0;
	token_hash(a->token, old_hash);
	randombytes_buf(bytes, sizeof bytes);
	b64url(next, sizeof next, bytes, sizeof bytes);
	token_hash(next, new_hash);
	if (step_done(a->begin))
		return -1;
	int rc = -1;
	sqlite3_bind_blob(a->lookup, 1, old_hash, 32, SQLITE_STATIC);
	if (sqlite3_step(a->lookup) == SQLITE_ROW) {
		copy_text(a->lookup, 0, sid, sizeof sid);
		user_id = sqlite3_column_int64(a->lookup, 1);
		rc = sqlite3_column_int64(a->lookup, 2) > now && sqlite3_column_int64(a->lookup, 3) == 0 &&
		     sqlite3_column_int64(a->lookup, 4) == 0 ? 0 : -1;
	}
	sqlite3_reset(a->lookup);
	if (rc == 0) {
		sqlite3_bind_blob(a->mark, 1, old_hash, 32, SQLITE_STATIC);
		sqlite3_bind_int64(a->mark, 2, now);
		rc = step_done(a->mark) == 0 && sqlite3_changes(a->db) == 1 ? 0 : -1;
	}
	if (rc == 0) {
		sqlite3_bind_blob(a->insert, 1, new_hash, 32, SQLITE_STATIC);
		sqlite3_bind_text(a->insert, 2, sid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(a->insert, 3, user_id);
		sqlite3_bind_int64(a->insert, 4, now);
		sqlite3_bind_int64(a->insert, 5, now + 14 * 86400);
		rc = step_done(a->insert) == 0 && sqlite3_changes(a->db) == 1 ? 0 : -1;
	}
	if (rc) {
		raw_exec(a->db, "ROLLBACK");
		return -1;
	}
	if (step_done(a->commit))
		return -1;
	memcpy(a->token, next, sizeof next);
	return 0;
}

static int refresh_login(authkit_ctx *ctx, char token[TOKEN_CHARS + 1])
{
	authkit_login_result *l = NULL;
	int rc = authkit_login(ctx, BENCH_USER, BENCH_PASSWORD, "198.51.100.7", "bench", &l);
	if (rc == AUTHKIT_OK)
		memcpy(token, authkit_login_refresh_token(l), TOKEN_CHARS + 1);
	else
		fail("authkit_login (refresh db)", rc);
	authkit_login_free(l);
	return rc;
}

static void bench_refresh(const bench_opts *o)
{
	char path[1100];
	snprintf(path, sizeof path, "%s/authkit-bench-refresh.db", o->data_dir);
	remove_db(path);
	refresh_arg lib_a, raw_a;
	memset(&lib_a, 0, sizeof lib_a);
	memset(&raw_a, 0, sizeof raw_a);
	authkit_user *u = NULL;
	int rc = open_ctx(path, -1, 3600, &lib_a.ctx);
	if (rc == AUTHKIT_OK)
		rc = authkit_user_register(lib_a.ctx, BENCH_USER, BENCH_EMAIL, NULL, BENCH_PASSWORD, &u);
	authkit_user_free(u);
	if (rc) {
		fail("refresh db setup", rc);
		authkit_ctx_free(lib_a.ctx);
		return;
	}
	/* Two sessions: one chain for the library, one for the raw loop. */
	if (refresh_login(lib_a.ctx, lib_a.token) || refresh_login(lib_a.ctx, raw_a.token))
		goto out;
	raw_a.db = raw_open_like_library(path);
	if (!raw_a.db || !(raw_a.begin = raw_prepare(raw_a.db, "BEGIN IMMEDIATE")) ||
	    !(raw_a.commit = raw_prepare(raw_a.db, "COMMIT")) || !(raw_a.lookup = raw_prepare(raw_a.db, REFRESH_LOOKUP_SQL)) ||
	    !(raw_a.mark = raw_prepare(raw_a.db, REFRESH_MARK_USED_SQL)) ||
	    !(raw_a.insert = raw_prepare(raw_a.db, REFRESH_INSERT_SQL))) {
		bench_errors++;
		goto out;
	}
	side lib = {op_lib_refresh, &lib_a, 0}, raw = {op_raw_refresh, &raw_a, 0};
	double lu, ru, lmin, rmin;
	if (compare(&lib, &raw, o->refresh_block, o->refresh_blocks, 1, &lu, &ru, &lmin, &rmin)) {
		report_failures("refresh rotation", &lib, &raw);
		goto out;
	}
	row_value_at_least(add_row("refresh_rotation", "library", 1e6 / lu, "raw_sqlite", 1e6 / ru, "op/s"), 5000);
	printf("    file db %s, WAL, synchronous=NORMAL; each authkit_refresh uses the previous refresh token; "
	       "%d blocks x %d per side, alternated; raw = BEGIN IMMEDIATE, lookup, mark used, insert, COMMIT; "
	       "library per op %.1f us (min block %.1f), raw %.1f us (min %.1f)\n", path, o->refresh_blocks,
	       o->refresh_block, lu, lmin, ru, rmin);
out:
	sqlite3_finalize(raw_a.begin);
	sqlite3_finalize(raw_a.commit);
	sqlite3_finalize(raw_a.lookup);
	sqlite3_finalize(raw_a.mark);
	sqlite3_finalize(raw_a.insert);
	sqlite3_close(raw_a.db);
	authkit_ctx_free(lib_a.ctx);
	remove_db(path);
}

/* ---- main ---- */

static int parse_args(int argc, char **argv, bench_opts *o)
{
	memset(o, 0, sizeof *o);
	if (parse_common_args(argc, argv, &o->quick, o->data_dir, sizeof o->data_dir))
		return -1;
	o->sessions = o->quick ? 10000 : 1000000;
	o->sample = o->quick ? 1000 : 100000;
	o->tokens = o->quick ? 500 : 20000;
	o->block = o->quick ? 200 : 5000;
	o->blocks = o->quick ? 2 : 20;
	o->refresh_block = o->quick ? 50 : 1000;
	o->refresh_blocks = o->quick ? 2 : 10;
	o->touch_blocks = o->quick ? 2 : 6;
	return 0;
}

int main(int argc, char **argv)
{
	bench_opts o;
	fixture f;
	if (parse_args(argc, argv, &o))
		return 2;
	load_probe load;
	if (bench_start("token and session benchmarks", o.quick, ", libjwt (jwt_decode)", o.data_dir, &load))
		return 1;
	if (fixture_open(&o, &f) == 0) {
		bench_stateless(&f);
		bench_cached(&f);
		bench_session_check(&f);
		bench_stateful(&f);
		bench_session_check_touch(&f);
	} else {
		fprintf(stderr, "ERROR could not prepare the sessions database or the tokens\n");
		bench_errors++;
	}
	fixture_close(&f);
	bench_refresh(&o);
	return bench_finish(&load);
}
