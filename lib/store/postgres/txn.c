/*
 * Transactions bound to the calling thread: txn_begin takes a pooled
 * connection and pins it to the thread until commit or rollback, so every
 * slot the thread calls meanwhile runs inside it. PostgreSQL aborts a whole
 * transaction on the first failed statement, so a slot that may fail on a
 * constraint inside the caller's transaction runs under a SAVEPOINT and a
 * failure undoes only itself, as the vtable contract asks.
 */
#include <string.h>

#include "store/postgres/internal.h"

int ak_pg_txn_begin(authkit_store *store)
{
	ak_pg_store *s = ak_pg_of(store);
	if (ak_pg_pinned(s))
		return ak_fail(AUTHKIT_ESTORE, "postgres: a transaction is already open on this thread");
	ak_pg_conn *c = NULL;
	int rc = ak_pg_acquire(s, &c);
	if (rc)
		return rc;
	rc = ak_pg_exec_text(c, "BEGIN", "begin transaction", NULL, 0);
	if (rc == AUTHKIT_OK)
		rc = ak_pg_pin(s, c);
	if (rc) {
		if (c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
			ak_pg_exec_text(c, "ROLLBACK", "rollback", NULL, 0);
		ak_pg_release(s, c);
	}
	return rc;
}

/* Roll back without touching the error detail of the failure that led here. */
static void rollback_quietly(ak_pg_conn *c)
{
	if (c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
		PGresult *res = PQexec(c->pg, "ROLLBACK");
		PQclear(res);
	}
}

static int commit(ak_pg_conn *c)
{
	if (!c->pg)
		return ak_fail(AUTHKIT_ESTORE, "postgres: commit: the connection was lost inside the transaction");
	if (c->txn_failed) {
		rollback_quietly(c);
		return ak_fail(AUTHKIT_ESTORE, "postgres: commit: a statement of the transaction failed; rolled back");
	}
	char tag[32];
	int rc = ak_pg_exec_text(c, "COMMIT", "commit", tag, sizeof tag);
	/* The server answers ROLLBACK to the COMMIT of an aborted transaction. */
	if (rc == AUTHKIT_OK && strcmp(tag, "COMMIT") != 0)
		rc = ak_fail(AUTHKIT_ESTORE, "postgres: commit: the transaction had failed and was rolled back");
	if (rc)
		rollback_quietly(c);
	return rc;
}

static int txn_end(authkit_store *store, bool do_commit)
{
	ak_pg_store *s = ak_pg_of(store);
	ak_pg_conn *c = ak_pg_pinned(s);
	if (!c)
		return ak_fail(AUTHKIT_ESTORE, "postgres: %s without a transaction on this thread",
		               do_commit ? "commit" : "rollback");
	int rc = AUTHKIT_OK;
	if (do_commit)
		rc = commit(c);
	else
		rollback_quietly(c);
	ak_pg_unpin(s);
	return rc;
}

int ak_pg_txn_commit(authkit_store *store)
{
	return txn_end(store, true);
}

int ak_pg_txn_rollback(authkit_store *store)
{
	return txn_end(store, false);
}

/* ---- atomic steps ---- */

int ak_pg_atomic_begin(authkit_store *store, ak_pg_atomic *a)
{
	a->store = ak_pg_of(store);
	a->conn = ak_pg_pinned(a->store);
	a->own = a->conn == NULL;
	if (a->own) {
		int rc = ak_pg_txn_begin(store);
		a->conn = rc ? NULL : ak_pg_pinned(a->store);
		return rc;
	}
	if (!a->conn->pg)
		return ak_fail(AUTHKIT_ESTORE, "postgres: the connection was lost inside a transaction");
	return ak_pg_exec_text(a->conn, "SAVEPOINT ak_step", "begin savepoint", NULL, 0);
}

int ak_pg_atomic_end(ak_pg_atomic *a, bool do_commit)
{
	if (a->own)
		return txn_end(&a->store->base, do_commit);
	ak_pg_conn *c = a->conn;
	if (!c->pg)
		return do_commit ? ak_fail(AUTHKIT_ESTORE, "postgres: the connection was lost inside a transaction")
		                 : AUTHKIT_OK;
	/* The step's failure (if any) is undone by the rollback to the savepoint:
	 * the caller's transaction is healthy again. */
	bool failed = c->txn_failed;
	int rc = AUTHKIT_OK;
	if (do_commit && !failed)
		rc = ak_pg_exec_text(c, "RELEASE SAVEPOINT ak_step", "release savepoint", NULL, 0);
	else if (ak_pg_exec_text(c, "ROLLBACK TO SAVEPOINT ak_step; RELEASE SAVEPOINT ak_step",
	                         "roll back to savepoint", NULL, 0) == AUTHKIT_OK)
		c->txn_failed = false;
	if (do_commit && failed)
		rc = ak_fail(AUTHKIT_ESTORE, "postgres: a statement of the step failed; the step was undone");
	return rc;
}

int ak_pg_run_guarded(ak_pg_call *call, int64_t *changed, int64_t *first_col)
{
	ak_pg_conn *c = call->conn;
	bool guard = c->in_txn;
	/* A failure of an earlier statement must still block the commit. */
	bool was_failed = c->txn_failed;
	int rc = guard ? ak_pg_exec_text(c, "SAVEPOINT ak_guard", "begin savepoint", NULL, 0) : AUTHKIT_OK;
	if (rc == AUTHKIT_OK)
		rc = ak_pg_run(call);
	if (rc == AUTHKIT_OK) {
		int64_t n = ak_pg_changes(call);
		if (changed)
			*changed = n;
		if (first_col && PQntuples(call->res) > 0)
			*first_col = ak_pg_int64(call->res, 0, 0);
		if (n == 0)
			rc = AUTHKIT_ENOTFOUND;
	}
	if (guard && c->pg) {
		if (rc == AUTHKIT_OK || rc == AUTHKIT_ENOTFOUND) {
			int end = ak_pg_exec_text(c, "RELEASE SAVEPOINT ak_guard", "release savepoint", NULL, 0);
			rc = end ? end : rc;
		} else if (ak_pg_exec_text(c, "ROLLBACK TO SAVEPOINT ak_guard; RELEASE SAVEPOINT ak_guard",
		                           "roll back to savepoint", NULL, 0) == AUTHKIT_OK) {
			c->txn_failed = was_failed;
		}
	}
	return ak_pg_call_end(call, rc);
}
