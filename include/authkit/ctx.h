/*
 * libauthkit — the context.
 *
 * One authkit_ctx holds the settings, the store and the password hasher.
 * It is safe to share between threads: every function taking a ctx may be
 * called concurrently. Password hashing runs with no lock held.
 */
#ifndef AUTHKIT_CTX_H
#define AUTHKIT_CTX_H

#include "common.h"
#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct authkit_ctx authkit_ctx;

/**
 * Open a context. The settings are copied; if the config holds a store
 * (authkit_config_set_store) the context takes it, otherwise the database
 * named by AUTHKIT_DB is opened (and migrated) with the SQLite backend.
 */
AUTHKIT_EXTERN(int) authkit_ctx_open(authkit_ctx **out, authkit_config *cfg);

/**
 * Shortcut: defaults, then the environment, then db (if not NULL) as
 * AUTHKIT_DB.
 */
AUTHKIT_EXTERN(int) authkit_open(authkit_ctx **out, const char *db);

/** Close the context and its store. Accepts NULL. */
AUTHKIT_EXTERN(void) authkit_ctx_free(authkit_ctx *ctx);

/** The context's current time, in milliseconds since the epoch (injected clock if any). */
AUTHKIT_EXTERN(int64_t) authkit_ctx_now_ms(const authkit_ctx *ctx);

/** Schema version of the open store (after migrations). */
AUTHKIT_EXTERN(int) authkit_ctx_schema_version(authkit_ctx *ctx, int *version_out);

/**
 * Check the store for an operator (the CLI's `authkit check`): it answers,
 * and its own consistency check passes (SQLite: PRAGMA integrity_check and
 * PRAGMA foreign_key_check). AUTHKIT_ESTORE with the first problem in the
 * detail message. *integrity_checked_out (may be NULL) is 1 when the backend
 * has a consistency check and it ran, 0 when only connectivity was checked.
 */
AUTHKIT_EXTERN(int) authkit_ctx_check(authkit_ctx *ctx, int *integrity_checked_out);

#ifdef __cplusplus
}
#endif
#endif
