/*
 * libauthkit — passwords.
 *
 * Policy (SECURITY.md): length counted in Unicode code points, at least
 * AUTHKIT_PASSWORD_MIN_LENGTH (default 12); at most 4096 bytes; valid UTF-8
 * without control characters; no composition rules; not in
 * the shipped list of common passwords; must not contain the username or the
 * email's local part (case-insensitively).
 *
 * Hashes are Argon2id PHC strings from libsodium; legacy bcrypt hashes
 * ($2a$/$2b$/$2y$) verify through libcrypt and are upgraded on the next
 * successful authentication.
 */
#ifndef AUTHKIT_PASSWORD_H
#define AUTHKIT_PASSWORD_H

#include "common.h"
#include "ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUTHKIT_PASSWORD_MAX_BYTES 4096
AUTHKIT_EXTERN(size_t) authkit_password_max_bytes(void);

/**
 * Check a candidate password against the policy. username and email may be
 * NULL. Returns AUTHKIT_OK, AUTHKIT_EPASSWORD when a rule is broken (the
 * detail message says which rule, never the password), or AUTHKIT_EINVALID
 * for a NULL password or one that is not valid UTF-8.
 */
AUTHKIT_EXTERN(int) authkit_password_check(authkit_ctx *ctx, const char *password, const char *username,
                                           const char *email);

/** 1 if the password is in the shipped common-password list, else 0. */
AUTHKIT_EXTERN(int) authkit_password_is_common(const char *password);

/** Number of entries in the shipped common-password list. */
AUTHKIT_EXTERN(size_t) authkit_password_common_count(void);

/**
 * Hash a password with the context's Argon2id cost (no policy check).
 * *out is a PHC string freed with authkit_string_free().
 */
AUTHKIT_EXTERN(int) authkit_password_hash(authkit_ctx *ctx, const char *password, char **out);

/**
 * Verify a password against an Argon2id or bcrypt hash.
 * AUTHKIT_OK on match, AUTHKIT_EAUTH on mismatch, AUTHKIT_EINVALID on a hash
 * that is neither.
 */
AUTHKIT_EXTERN(int) authkit_password_verify(const char *hash, const char *password);

/**
 * 1 if the hash should be replaced: bcrypt, or Argon2id with a cost other
 * than the context's; 0 otherwise.
 */
AUTHKIT_EXTERN(int) authkit_password_needs_rehash(authkit_ctx *ctx, const char *hash);

/**
 * Change a user's password: the current one must verify (AUTHKIT_EAUTH
 * otherwise), then the new one must pass the policy (AUTHKIT_EPASSWORD).
 * Every session of the user except keep_session_id (the caller's; NULL
 * keeps none) is revoked. ip (may be NULL) goes to the audit log.
 */
AUTHKIT_EXTERN(int) authkit_password_change(authkit_ctx *ctx, int64_t user_id, const char *current_password,
                                            const char *new_password, const char *keep_session_id,
                                            const char *ip);

/** Administrative set (no current password); the policy still applies and
 * every session of the user is revoked. */
AUTHKIT_EXTERN(int) authkit_password_set(authkit_ctx *ctx, int64_t user_id, const char *new_password);

/** Free a string the library returned; wipes it first. Accepts NULL. */
AUTHKIT_EXTERN(void) authkit_string_free(char *s);

#ifdef __cplusplus
}
#endif
#endif
