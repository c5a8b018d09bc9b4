/*
 * Statements: prepared once per connection, run with binary parameters and
 * results, every wait for the server bounded by the store's timeout (plus a
 * second, so the server's own statement_timeout reports first). Error
 * details quote the server's primary message, which names constraints but
 * never a value (values are in the DETAIL field, which is never used).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/postgres/internal.h"

#define INT8OID 20
#define TEXTOID 25
#define BYTEAOID 17
#define GRACE_MS 1000

/* ---- errors ---- */

static int status_of(const char *state)
{
	if (!state)
		return AUTHKIT_ESTORE;
	if (strcmp(state, "23505") == 0) /* unique_violation */
		return AUTHKIT_EEXISTS;
	if (strcmp(state, "23503") == 0) /* foreign_key_violation: a row of no parent */
		return AUTHKIT_ENOTFOUND;
	/* serialization_failure, deadlock_detected, lock_not_available, query_canceled (statement_timeout) */
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
	    strcmp(state, "57014") == 0)
		return AUTHKIT_EBUSY;
	return AUTHKIT_ESTORE;
}

int ak_pg_status(ak_pg_conn *c, const PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg)
		msg = c->pg ? PQerrorMessage(c->pg) : "no connection";
	int len = (int)strcspn(msg, "\n");
	int code = status_of(state);
	ak_strlcpy(c->last_state, state ? state : "", sizeof c->last_state);
	int rc = ak_fail(code, "postgres: %s: %.*s", what, len, msg);
	/* A broken connection is closed now; the next acquire opens a new one. */
	if (c->pg && PQstatus(c->pg) != CONNECTION_OK)
		ak_pg_conn_drop(c);
	if (c->in_txn)
		c->txn_failed = true;
	return rc;
}

/* ---- waiting for results ---- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The server did not answer in time: the connection's state is unknown, so
 * it is closed (which also ends the statement server-side, eventually). */
static int timed_out(ak_pg_conn *c, const char *what)
{
	int ms = c->store->timeout_ms;
	ak_pg_conn_drop(c);
	if (c->in_txn)
		c->txn_failed = true;
	return ak_fail(AUTHKIT_ESTORE, "postgres: %s: no answer from the server within %d ms", what, ms + GRACE_MS);
}

/* Read every result of the query just sent; *out = the first failed one,
 * else the last. */
static int collect(ak_pg_conn *c, const char *what, PGresult **out)
{
	int64_t deadline = now_ms() + c->store->timeout_ms + GRACE_MS;
	PGresult *keep = NULL;
	for (;;) {
		while (PQisBusy(c->pg)) {
			int64_t left = deadline - now_ms();
			struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
			int n = left > 0 ? poll(&p, 1, (int)left) : 0;
			if (n == 0) {
				PQclear(keep);
				return timed_out(c, what);
			}
			if (n > 0 && !PQconsumeInput(c->pg)) {
				PQclear(keep);
				return ak_pg_status(c, NULL, what);
			}
		}
		PGresult *r = PQgetResult(c->pg);
		if (!r)
			break;
		ExecStatusType st = PQresultStatus(r);
		bool failed = st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE;
		if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR && !failed) {
			PQclear(r); /* keep the first failure */
		} else {
			PQclear(keep);
			keep = r;
		}
	}
	if (!keep)
		return ak_pg_status(c, NULL, what);
	ExecStatusType st = PQresultStatus(keep);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		int rc = ak_pg_status(c, keep, what);
		PQclear(keep);
		return rc;
	}
	*out = keep;
	return AUTHKIT_OK;
}

int ak_pg_exec_text(ak_pg_conn *c, const char *sql, const char *what, char *tag, size_t tag_size)
{
	if (tag)
		*tag = '\0';
	if (!c->pg)
		return ak_fail(AUTHKIT_ESTORE, "postgres: %s: no connection", what);
	if (!PQsendQuery(c->pg, sql))
		return ak_pg_status(c, NULL, what);
	PGresult *res = NULL;
	int rc = collect(c, what, &res);
	if (rc == AUTHKIT_OK && tag)
		ak_strlcpy(tag, PQcmdStatus(res), tag_size);
	PQclear(res);
	return rc;
}

static int prepare(ak_pg_call *call)
{
	ak_pg_conn *c = call->conn;
	const ak_pg_query *q = call->query;
	if (c->prepared[q->id])
		return AUTHKIT_OK;
	char name[16];
	snprintf(name, sizeof name, "ak%d", (int)q->id);
	/* Parameter types come from the binds, which never change for a query. */
	if (!PQsendPrepare(c->pg, name, q->sql, call->nparams, call->types))
		return ak_pg_status(c, NULL, q->what);
	PGresult *res = NULL;
	int rc = collect(c, q->what, &res);
	PQclear(res);
	if (rc == AUTHKIT_OK)
		c->prepared[q->id] = true;
	return rc;
}

static int run_once(ak_pg_call *call)
{
	ak_pg_conn *c = call->conn;
	const ak_pg_query *q = call->query;
	PQclear(call->res);
	call->res = NULL;
	if (!c->pg)
		return ak_fail(AUTHKIT_ESTORE, "postgres: %s: no connection", q->what);
	int rc = prepare(call);
	if (rc)
		return rc;
	char name[16];
	snprintf(name, sizeof name, "ak%d", (int)q->id);
	int formats[AK_PG_MAX_PARAMS];
	for (int i = 0; i < call->nparams; i++)
		formats[i] = 1;
	if (!PQsendQueryPrepared(c->pg, name, call->nparams, call->values, call->lengths, formats, 1))
		return ak_pg_status(c, NULL, q->what);
	return collect(c, q->what, &call->res);
}

/* The server ended the connection before answering (admin_shutdown,
 * crash_shutdown, cannot_connect_now: a restart, pg_terminate_backend), so
 * the statement did not run. Outside a transaction it runs again on a new
 * connection; any other failure might have happened after a commit, and is
 * never retried. */
static bool ended_before_answer(const ak_pg_conn *c)
{
	return !c->in_txn && strncmp(c->last_state, "57P0", 4) == 0 && strchr("123", c->last_state[4]) &&
	       c->last_state[4] != '\0';
}

int ak_pg_run(ak_pg_call *call)
{
	call->conn->last_state[0] = '\0';
	int rc = run_once(call);
	if (rc && ended_before_answer(call->conn) && ak_pg_conn_reopen(call->store, call->conn) == AUTHKIT_OK)
		rc = run_once(call);
	return rc;
}

int ak_pg_run_row(ak_pg_call *call)
{
	int rc = ak_pg_run(call);
	return rc ? rc : PQntuples(call->res) > 0 ? AUTHKIT_OK : AUTHKIT_ENOTFOUND;
}

int64_t ak_pg_changes(const ak_pg_call *call)
{
	const char *n = call->res ? PQcmdTuples(call->res) : "";
	return *n ? strtoll(n, NULL, 10) : 0;
}

int ak_pg_run_changes(ak_pg_call *call)
{
	int rc = ak_pg_run(call);
	return rc ? rc : ak_pg_changes(call) > 0 ? AUTHKIT_OK : AUTHKIT_ENOTFOUND;
}

/* ---- calls ---- */

int ak_pg_call_begin(authkit_store *store, const ak_pg_query *q, ak_pg_call *call)
{
	memset(call, 0, sizeof *call);
	call->store = ak_pg_of(store);
	call->query = q;
	return ak_pg_acquire(call->store, &call->conn);
}

static void release(ak_pg_call *call)
{
	if (call->conn)
		ak_pg_release(call->store, call->conn);
	call->conn = NULL;
}

int ak_pg_call_end(ak_pg_call *call, int rc)
{
	PQclear(call->res);
	call->res = NULL;
	release(call);
	return rc;
}

int ak_pg_each_row(ak_pg_call *call, ak_pg_row_fn fn, void *ctx)
{
	int rc = ak_pg_run(call);
	/* The whole result is in memory: the connection can go back before the
	 * callbacks run, so they may use the store themselves. */
	release(call);
	int rows = rc ? 0 : PQntuples(call->res);
	for (int i = 0; i < rows && rc == AUTHKIT_OK; i++)
		rc = fn(call->res, i, ctx);
	return ak_pg_call_end(call, rc);
}

int ak_pg_run_counted(authkit_store *store, const ak_pg_query *q, int64_t arg, int64_t *count_out)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, q, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, arg);
	rc = ak_pg_run(&call);
	if (rc == AUTHKIT_OK && count_out)
		*count_out = ak_pg_changes(&call);
	return ak_pg_call_end(&call, rc);
}

/* ---- binds ---- */

static void bind(ak_pg_call *call, int idx, Oid type, const char *value, int length)
{
	if (idx < 1 || idx > AK_PG_MAX_PARAMS)
		return; /* a programming error: the statement then fails on a missing parameter */
	call->types[idx - 1] = type;
	call->values[idx - 1] = value;
	call->lengths[idx - 1] = length;
	if (idx > call->nparams)
		call->nparams = idx;
}

void ak_pg_bind_int64(ak_pg_call *call, int idx, int64_t v)
{
	if (idx < 1 || idx > AK_PG_MAX_PARAMS)
		return;
	uint64_t u = (uint64_t)v;
	char *b = call->ints[idx - 1];
	for (int i = 7; i >= 0; i--, u >>= 8)
		b[i] = (char)(u & 0xff);
	bind(call, idx, INT8OID, b, 8);
}

void ak_pg_bind_text(ak_pg_call *call, int idx, const char *s)
{
	bind(call, idx, TEXTOID, s, s ? (int)strlen(s) : 0);
}

void ak_pg_bind_blob(ak_pg_call *call, int idx, const void *data, size_t n)
{
	/* A NULL value pointer is SQL NULL: an empty bytea is "" of length 0. */
	bind(call, idx, BYTEAOID, data ? (const char *)data : "", (int)n);
}

void ak_pg_bind_hash(ak_pg_call *call, int idx, const unsigned char hash[AUTHKIT_STORE_HASH_LEN])
{
	ak_pg_bind_blob(call, idx, hash, AUTHKIT_STORE_HASH_LEN);
}

/* ---- columns ---- */

int64_t ak_pg_int64(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	const unsigned char *b = (const unsigned char *)PQgetvalue(res, row, col);
	int n = PQgetlength(res, row, col);
	if (n != 8 && n != 4 && n != 2)
		return 0;
	/* Sign-extend from the column's width (int2, int4 or int8, big-endian). */
	uint64_t u = (b[0] & 0x80) ? UINT64_MAX : 0;
	for (int i = 0; i < n; i++)
		u = (u << 8) | b[i];
	return (int64_t)u;
}

void ak_pg_text(const PGresult *res, int row, int col, char *buf, size_t size)
{
	/* libpq NUL-terminates every value, binary ones included. */
	ak_strlcpy(buf, PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col), size);
}

void ak_pg_hash(const PGresult *res, int row, int col, unsigned char out[AUTHKIT_STORE_HASH_LEN])
{
	if (!PQgetisnull(res, row, col) && PQgetlength(res, row, col) == AUTHKIT_STORE_HASH_LEN)
		memcpy(out, PQgetvalue(res, row, col), AUTHKIT_STORE_HASH_LEN);
	else
		memset(out, 0, AUTHKIT_STORE_HASH_LEN);
}

bool ak_pg_blob(const PGresult *res, int row, int col, void *out, size_t cap, size_t *len_out)
{
	*len_out = 0;
	if (PQgetisnull(res, row, col))
		return true;
	size_t n = (size_t)PQgetlength(res, row, col);
	if (n > cap)
		return false;
	memcpy(out, PQgetvalue(res, row, col), n);
	*len_out = n;
	return true;
}
