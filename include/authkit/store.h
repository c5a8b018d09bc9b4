/*
 * libauthkit — built-in storage backends.
 *
 * Most hosts never call these: authkit_ctx_open() opens AUTHKIT_DB with the
 * SQLite backend. Open a store yourself to tune it or to wrap it, then hand
 * it to authkit_config_set_store(). Backend authors: see authkit/sys/store.h.
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

/** Free a store that was not handed to a config. Accepts NULL. */
AUTHKIT_EXTERN(void) authkit_store_free(authkit_store *store);

/** Latest schema version this build of the library migrates to. */
AUTHKIT_EXTERN(int) authkit_store_schema_latest(void);

#ifdef __cplusplus
}
#endif
#endif
