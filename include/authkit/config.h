/*
 * libauthkit — configuration.
 *
 * A config is built in code or from AUTHKIT_* environment variables, then
 * handed to authkit_ctx_open(). Keys are named exactly like the environment
 * variables ("AUTHKIT_DB", "AUTHKIT_PASSWORD_MIN_LENGTH", ...), so one table
 * in docs/CONFIGURATION.md documents both.
 */
#ifndef AUTHKIT_CONFIG_H
#define AUTHKIT_CONFIG_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct authkit_config authkit_config;
typedef struct authkit_store authkit_store;

/**
 * Clock callback: the current time in milliseconds since the Unix epoch.
 * Tests inject one to move time instead of sleeping. Must be thread-safe.
 */
typedef int64_t (*authkit_clock_fn)(void *userdata);

/** A config holding the defaults. Free with authkit_config_free(). */
AUTHKIT_EXTERN(int) authkit_config_new(authkit_config **out);
AUTHKIT_EXTERN(void) authkit_config_free(authkit_config *cfg);

/**
 * Set one key from its string form, e.g. ("AUTHKIT_LOCKOUT_MINUTES", "30").
 * Unknown keys, unparsable or out-of-range values: AUTHKIT_EINVALID and the
 * config is unchanged.
 */
AUTHKIT_EXTERN(int) authkit_config_set(authkit_config *cfg, const char *key, const char *value);

/** Set an integer key, e.g. ("AUTHKIT_MAX_LOGIN_ATTEMPTS", 5). */
AUTHKIT_EXTERN(int) authkit_config_set_int(authkit_config *cfg, const char *key, int64_t value);

/**
 * Read every known AUTHKIT_* variable present in the environment. The first
 * bad one fails the call (its name is in the detail message; its value is
 * not, since it may be a secret).
 */
AUTHKIT_EXTERN(int) authkit_config_load_env(authkit_config *cfg);

/** Replace the wall clock. fn NULL restores the system clock. */
AUTHKIT_EXTERN(int) authkit_config_set_clock(authkit_config *cfg, authkit_clock_fn fn, void *userdata);

/**
 * Use this store instead of opening AUTHKIT_DB. The config takes ownership
 * of the store on every return path (it is freed on error), and hands it to
 * the next successful authkit_ctx_open().
 */
AUTHKIT_EXTERN(int) authkit_config_set_store(authkit_config *cfg, authkit_store *store);

#ifdef __cplusplus
}
#endif
#endif
