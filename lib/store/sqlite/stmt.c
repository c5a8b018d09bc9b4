/*
 * Statement cache, error mapping and the small step/bind helpers every slot
 * is built from. Error details quote sqlite3_errmsg(), which names tables,
 * columns and constraints but never a bound value.
 */
#include <stdint.h>
#include <string.h>

#include "store/sqlite/internal.h"

int ak_sqlite_status(ak_sqlite_conn *c, int rc, const char *what)
{
	const char *msg = c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ak_fail(AUTHKIT_EBUSY, "sqlite: %s: %s", what, msg);
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return ak_fail(AUTHKIT_EEXISTS, "sqlite: %s: %s", what, msg);
		/* A row that references a missing one (a session of no user). */
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return ak_fail(AUTHKIT_ENOTFOUND, "sqlite: %s: %s", what, msg);
		break;
	default:
		break;
	}
	return ak_fail(AUTHKIT_ESTORE, "sqlite: %s: %s", what, msg);
}

int ak_sqlite_prepare(ak_sqlite_conn *c, const ak_sqlite_query *q, sqlite3_stmt **out)
{
	sqlite3_stmt **slot = &c->stmts[q->id];
	if (!*slot) {
		int rc = sqlite3_prepare_v3(c->db, q->sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
		if (rc != SQLITE_OK)
			return ak_sqlite_status(c, rc, q->what);
	} else if (sqlite3_stmt_busy(*slot)) {
		/* Only a row callback calling back into the store can get here;
		 * rebinding the running statement would corrupt its iteration. */
		return ak_fail(AUTHKIT_ESTORE, "sqlite: %s: statement already running (re-entrant call)", q->what);
	}
	*out = *slot;
	return AUTHKIT_OK;
}

int ak_sqlite_run(ak_sqlite_conn *c, const ak_sqlite_query *q)
{
	sqlite3_stmt *st = NULL;
	int rc = ak_sqlite_prepare(c, q, &st);
	if (rc)
		return rc;
	int step = sqlite3_step(st);
	rc = (step == SQLITE_DONE || step == SQLITE_ROW) ? AUTHKIT_OK : ak_sqlite_status(c, step, q->what);
	sqlite3_reset(st);
	return rc;
}

int ak_sqlite_exec(ak_sqlite_conn *c, const char *sql, const char *what)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? AUTHKIT_OK : ak_sqlite_status(c, rc, what);
}

void ak_sqlite_finalize_all(ak_sqlite_conn *c)
{
	for (size_t i = 0; i < AK_SQL_COUNT; i++) {
		sqlite3_finalize(c->stmts[i]);
		c->stmts[i] = NULL;
	}
}

int ak_sqlite_call_begin(authkit_store *store, const ak_sqlite_query *q, ak_sqlite_call *call)
{
	memset(call, 0, sizeof *call);
	call->store = ak_sqlite_of(store);
	call->query = q;
	int rc = ak_sqlite_acquire(call->store, &call->conn);
	if (rc)
		return rc;
	rc = ak_sqlite_prepare(call->conn, q, &call->stmt);
	if (rc)
		ak_sqlite_release(call->store, call->conn);
	return rc;
}

int ak_sqlite_call_end(ak_sqlite_call *call, int rc)
{
	/* Reset ends the statement's implicit read transaction (when iteration
	 * stopped early) and clearing drops pointers to the caller's strings. */
	sqlite3_reset(call->stmt);
	sqlite3_clear_bindings(call->stmt);
	ak_sqlite_release(call->store, call->conn);
	return rc;
}

static void bind_result(ak_sqlite_call *call, int rc)
{
	if (rc != SQLITE_OK && call->bind_rc == SQLITE_OK)
		call->bind_rc = rc;
}

void ak_sqlite_bind_int64(ak_sqlite_call *call, int idx, int64_t v)
{
	bind_result(call, sqlite3_bind_int64(call->stmt, idx, v));
}

void ak_sqlite_bind_text(ak_sqlite_call *call, int idx, const char *s)
{
	/* SQLITE_STATIC: the string outlives the call, and call_end clears it. */
	bind_result(call, s ? sqlite3_bind_text(call->stmt, idx, s, -1, SQLITE_STATIC)
	                    : sqlite3_bind_null(call->stmt, idx));
}

void ak_sqlite_bind_hash(ak_sqlite_call *call, int idx, const unsigned char hash[AUTHKIT_STORE_HASH_LEN])
{
	bind_result(call, sqlite3_bind_blob(call->stmt, idx, hash, AUTHKIT_STORE_HASH_LEN, SQLITE_STATIC));
}

void ak_sqlite_bind_blob(ak_sqlite_call *call, int idx, const void *data, size_t n)
{
	/* sqlite3_bind_blob binds NULL for a NULL pointer: an empty BLOB is asked for explicitly. */
	if (n == 0 || !data)
		bind_result(call, sqlite3_bind_zeroblob(call->stmt, idx, 0));
	else if (n > (size_t)INT32_MAX)
		bind_result(call, SQLITE_TOOBIG);
	else
		bind_result(call, sqlite3_bind_blob(call->stmt, idx, data, (int)n, SQLITE_STATIC));
}

static int step(ak_sqlite_call *call)
{
	return call->bind_rc != SQLITE_OK ? call->bind_rc : sqlite3_step(call->stmt);
}

int ak_sqlite_step_row(ak_sqlite_call *call)
{
	int rc = step(call);
	if (rc == SQLITE_ROW)
		return AUTHKIT_OK;
	if (rc == SQLITE_DONE)
		return AUTHKIT_ENOTFOUND;
	return ak_sqlite_status(call->conn, rc, call->query->what);
}

int ak_sqlite_step_changes(ak_sqlite_call *call)
{
	int rc = step(call);
	if (rc != SQLITE_DONE)
		return ak_sqlite_status(call->conn, rc, call->query->what);
	return sqlite3_changes(call->conn->db) > 0 ? AUTHKIT_OK : AUTHKIT_ENOTFOUND;
}

int ak_sqlite_step_done(ak_sqlite_call *call)
{
	int rc = step(call);
	return rc == SQLITE_DONE ? AUTHKIT_OK : ak_sqlite_status(call->conn, rc, call->query->what);
}

int ak_sqlite_each_row(ak_sqlite_call *call, ak_sqlite_row_fn fn, void *ctx)
{
	int rc;
	/* Only the step's ENOTFOUND means "no more rows"; fn's status is the
	 * caller's callback's and may be any value. */
	while ((rc = ak_sqlite_step_row(call)) == AUTHKIT_OK) {
		rc = fn(call->stmt, ctx);
		if (rc)
			return ak_sqlite_call_end(call, rc);
	}
	return ak_sqlite_call_end(call, rc == AUTHKIT_ENOTFOUND ? AUTHKIT_OK : rc);
}

void ak_sqlite_column_text(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char *text = sqlite3_column_text(st, col);
	ak_strlcpy(buf, text ? (const char *)text : "", size);
}

void ak_sqlite_column_hash(sqlite3_stmt *st, int col, unsigned char out[AUTHKIT_STORE_HASH_LEN])
{
	const void *blob = sqlite3_column_blob(st, col);
	if (blob && sqlite3_column_bytes(st, col) == AUTHKIT_STORE_HASH_LEN)
		memcpy(out, blob, AUTHKIT_STORE_HASH_LEN);
	else
		memset(out, 0, AUTHKIT_STORE_HASH_LEN);
}

bool ak_sqlite_column_blob(sqlite3_stmt *st, int col, void *out, size_t cap, size_t *len_out)
{
	const void *blob = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);
	*len_out = 0;
	if (!blob || n <= 0)
		return true;
	if ((size_t)n > cap)
		return false;
	memcpy(out, blob, (size_t)n);
	*len_out = (size_t)n;
	return true;
}

int64_t ak_sqlite_changes(const ak_sqlite_call *call)
{
	return sqlite3_changes64(call->conn->db);
}

int ak_sqlite_run_counted(authkit_store *store, const ak_sqlite_query *q, int64_t arg, int64_t *count_out)
{
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, q, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_int64(&call, 1, arg);
	rc = ak_sqlite_step_done(&call);
	if (rc == AUTHKIT_OK && count_out)
		*count_out = ak_sqlite_changes(&call);
	return ak_sqlite_call_end(&call, rc);
}
