/*
 * Transactions bound to the calling thread's connection. BEGIN IMMEDIATE
 * takes the write lock up front, so a transaction never fails half-way on a
 * lock upgrade. For ":memory:" txn_begin keeps the shared connection's mutex
 * held until the transaction ends, so no other thread interleaves with it.
 */
#include "store/sqlite/internal.h"

static const ak_sqlite_query q_begin = {AK_SQL_BEGIN, "begin transaction", "BEGIN IMMEDIATE"};
static const ak_sqlite_query q_commit = {AK_SQL_COMMIT, "commit", "COMMIT"};
static const ak_sqlite_query q_rollback = {AK_SQL_ROLLBACK, "rollback", "ROLLBACK"};

int ak_sqlite_txn_begin(authkit_store *store)
{
	ak_sqlite_store *s = ak_sqlite_of(store);
	ak_sqlite_conn *c = NULL;
	int rc = ak_sqlite_acquire(s, &c);
	if (rc)
		return rc;
	if (c->in_txn)
		rc = ak_fail(AUTHKIT_ESTORE, "sqlite: a transaction is already open on this thread");
	else
		rc = ak_sqlite_run(c, &q_begin);
	if (rc == AUTHKIT_OK) {
		c->in_txn = true;
		return AUTHKIT_OK; /* keep the acquisition until commit/rollback */
	}
	ak_sqlite_release(s, c);
	return rc;
}

/* Roll back without touching the error detail of the failure that led here. */
static void rollback_quietly(ak_sqlite_conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

static int finish(ak_sqlite_conn *c, const ak_sqlite_query *q)
{
	/* Some errors (disk full, I/O) make SQLite roll back by itself: then
	 * there is nothing left to roll back, and nothing left to commit. */
	if (q == &q_rollback && sqlite3_get_autocommit(c->db))
		return AUTHKIT_OK;
	int rc = ak_sqlite_run(c, q);
	if (rc)
		rollback_quietly(c); /* a failed COMMIT leaves the transaction open */
	return rc;
}

static int txn_end(authkit_store *store, const ak_sqlite_query *q)
{
	ak_sqlite_store *s = ak_sqlite_of(store);
	ak_sqlite_conn *c = NULL;
	int rc = ak_sqlite_acquire(s, &c);
	if (rc)
		return rc;
	if (!c->in_txn) {
		ak_sqlite_release(s, c);
		return ak_fail(AUTHKIT_ESTORE, "sqlite: %s without a transaction on this thread", q->what);
	}
	rc = finish(c, q);
	c->in_txn = false;
	ak_sqlite_release(s, c); /* this call's acquisition */
	ak_sqlite_release(s, c); /* the one txn_begin kept */
	return rc;
}

int ak_sqlite_txn_commit(authkit_store *store)
{
	return txn_end(store, &q_commit);
}

int ak_sqlite_txn_rollback(authkit_store *store)
{
	return txn_end(store, &q_rollback);
}

/* Inside the caller's transaction a failing step must undo only itself. */
static const ak_sqlite_query q_savepoint = {AK_SQL_SAVEPOINT, "begin savepoint", "SAVEPOINT ak_atomic"};
static const ak_sqlite_query q_release = {AK_SQL_RELEASE, "release savepoint", "RELEASE ak_atomic"};
static const ak_sqlite_query q_rollback_to = {AK_SQL_ROLLBACK_TO, "roll back to savepoint", "ROLLBACK TO ak_atomic"};

int ak_sqlite_atomic_begin(authkit_store *store, ak_sqlite_atomic *a)
{
	a->store = ak_sqlite_of(store);
	a->conn = NULL;
	/* Held to the end: for ":memory:" that keeps every other thread out. */
	int rc = ak_sqlite_acquire(a->store, &a->conn);
	if (rc)
		return rc;
	a->own = !a->conn->in_txn;
	rc = ak_sqlite_run(a->conn, a->own ? &q_begin : &q_savepoint);
	if (rc)
		ak_sqlite_release(a->store, a->conn);
	return rc;
}

int ak_sqlite_atomic_end(ak_sqlite_atomic *a, bool commit)
{
	ak_sqlite_conn *c = a->conn;
	int rc = AUTHKIT_OK;
	if (a->own) {
		if (commit)
			rc = finish(c, &q_commit); /* rolls back if the commit fails */
		else
			rollback_quietly(c);
	} else if (commit) {
		rc = ak_sqlite_run(c, &q_release);
	}
	if (!a->own && (!commit || rc)) {
		/* Undo this step only; the caller's transaction stays open (unless
		 * SQLite already rolled all of it back after an I/O error). */
		if (!sqlite3_get_autocommit(c->db) && ak_sqlite_run(c, &q_rollback_to) == AUTHKIT_OK)
			ak_sqlite_run(c, &q_release);
	}
	ak_sqlite_release(a->store, c);
	return rc;
}
