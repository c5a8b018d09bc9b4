/*
 * libauthkit — built-in storage backends.
 *
 * Most hosts never call these: authkit_ctx_open() opens AUTHKIT_DB with the
 * PostgreSQL backend when it is a "postgresql://" or "postgres://" URL, and
 * with the SQLite backend otherwise. Open a store yourself to tune it or to
 * wrap it, then hand it to authkit_config_set_store(). Backend authors: see
 * authkit/sys/store.h.
 */
#ifndef AUTHKIT_STORE_H
#define AUTHKIT_STORE_H

#include "common.h"
#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Open (creating if needed) and migrate a SQLite database. path is a file
 * path, "sqlite:" followed by a path, or ":memory:" (one private in-memory
 * database shared by every thread of this store). busy_timeout_ms 0 means
 * the default, 5000. Files use WAL, foreign keys and one connection per
 * thread with its prepared statements.
 */
AUTHKIT_EXTERN(int) authkit_store_sqlite_open(authkit_store **out, const char *path, int busy_timeout_ms);

/**
 * Connect to PostgreSQL and migrate (every missing step in one transaction
 * under an advisory lock: concurrent openers migrate once). conninfo is a
 * libpq connection string: a "postgresql://" URL or "key=value" pairs.
 * pool_size connections (0: the default, 8; at most 256) are shared by
 * every thread, opened on first use, replaced when the server restarted.
 * timeout_ms (0: the default, 5000) bounds every wait: connecting (rounded
 * up to whole seconds, at least 2), each statement (statement_timeout), a
 * silent server (keepalives, tcp_user_timeout and our own wait, plus one
 * second) and a wait for a free pooled connection (AUTHKIT_EBUSY). A dead
 * server makes calls fail with AUTHKIT_ESTORE; they work again once it is
 * back. Built without libpq: AUTHKIT_ECONFIG.
 */
AUTHKIT_EXTERN(int) authkit_store_postgres_open(authkit_store **out, const char *conninfo, int pool_size,
                                                int timeout_ms);

/** Free a store that was not handed to a config. Accepts NULL. */
AUTHKIT_EXTERN(void) authkit_store_free(authkit_store *store);

/** Latest schema version this build of the library migrates to. */
AUTHKIT_EXTERN(int) authkit_store_schema_latest(void);

#ifdef __cplusplus
}
#endif
#endif
