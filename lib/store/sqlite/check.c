/*
 * The integrity_check slot: SQLite's own page-level check, then the foreign
 * keys (a session whose user is gone passes integrity_check but is still
 * damage). The first problem becomes the detail message; SQLite's reports
 * name tables, indexes, pages and rowids, never a stored value.
 */
#include <string.h>

#include "store/sqlite/internal.h"

/* Judges a PRAGMA's first row (st) or its absence (st NULL). */
typedef int (*first_row_fn)(sqlite3_stmt *st);

static int run_pragma(ak_sqlite_conn *c, const char *sql, const char *what, first_row_fn judge)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return ak_sqlite_status(c, rc, what);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = judge(st);
	else if (step == SQLITE_DONE)
		rc = judge(NULL);
	else
		rc = ak_sqlite_status(c, step, what); /* a damaged file often fails here: SQLITE_CORRUPT */
	sqlite3_finalize(st);
	return rc;
}

static const char *text_or(sqlite3_stmt *st, int col, const char *fallback)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	return s ? s : fallback;
}

/* integrity_check answers one row "ok", or up to 100 rows of problems. */
static int judge_integrity(sqlite3_stmt *st)
{
	const char *first = st ? text_or(st, 0, "no answer") : "no answer";
	if (strcmp(first, "ok") == 0)
		return AUTHKIT_OK;
	return ak_fail(AUTHKIT_ESTORE, "sqlite: integrity check: %s", first);
}

/* foreign_key_check answers one row per orphan: table, rowid, parent table. */
static int judge_foreign_keys(sqlite3_stmt *st)
{
	if (!st)
		return AUTHKIT_OK;
	return ak_fail(AUTHKIT_ESTORE, "sqlite: foreign key check: row %lld of %s references a missing row of %s",
	               (long long)sqlite3_column_int64(st, 1), text_or(st, 0, "?"), text_or(st, 2, "?"));
}

int ak_sqlite_integrity_check(authkit_store *store)
{
	ak_sqlite_store *s = ak_sqlite_of(store);
	ak_sqlite_conn *c = NULL;
	int rc = ak_sqlite_acquire(s, &c);
	if (rc)
		return rc;
	rc = run_pragma(c, "PRAGMA integrity_check", "integrity check", judge_integrity);
	if (rc == AUTHKIT_OK)
		rc = run_pragma(c, "PRAGMA foreign_key_check", "foreign key check", judge_foreign_keys);
	ak_sqlite_release(s, c);
	return rc;
}
