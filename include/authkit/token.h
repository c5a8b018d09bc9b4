/*
 * libauthkit — access tokens (JWT).
 *
 * Access tokens are JWTs signed with HMAC (HS256 by default) under keys of at
 * least 32 random bytes, configured with AUTHKIT_JWT_SECRET (the signing key)
 * and AUTHKIT_JWT_OLD_SECRETS (verify-only keys, for rotation), or in code
 * with authkit_config_add_jwt_key(). Without any key, token functions return
 * AUTHKIT_ECONFIG. See docs/TOKENS.md for the format and every check.
 *
 * Verification is pinned to the configured algorithm and key table and
 * validates every claim. In stateful mode (AUTHKIT_JWT_STATEFUL=1, the
 * default) the token's session must also be alive, so logout revokes its
 * access tokens at once.
 */
#ifndef AUTHKIT_TOKEN_H
#define AUTHKIT_TOKEN_H

#include "common.h"
#include "config.h"
#include "ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Who a verified token (or other credential) speaks for. */
typedef struct authkit_principal authkit_principal;

/* authkit_token_verify() flags. */
#define AUTHKIT_VERIFY_DEFAULT 0u   /**< mode from AUTHKIT_JWT_STATEFUL */
#define AUTHKIT_VERIFY_STATELESS 1u /**< signature and claims only */
#define AUTHKIT_VERIFY_STATEFUL 2u  /**< also require the token's session to be alive */

/**
 * Verify an access token. AUTHKIT_OK and the principal on success;
 * AUTHKIT_EEXPIRED when it is past exp (plus leeway); in stateful mode
 * AUTHKIT_EREVOKED / AUTHKIT_EEXPIRED when its session is dead;
 * AUTHKIT_ETOKEN for anything else wrong with the token (the detail message
 * names the failed check, never the token); AUTHKIT_ECONFIG when no JWT key
 * is configured; AUTHKIT_EINVALID for NULL arguments or unknown flags.
 */
AUTHKIT_EXTERN(int) authkit_token_verify(authkit_ctx *ctx, const char *token, unsigned flags,
                                         authkit_principal **out);

/**
 * Issue an access token for user_id (> 0) and session_id (may be NULL: no
 * sid claim, and stateful verification will then reject the token). roles
 * is space-separated and may be NULL. *token_out is freed with
 * authkit_string_free(); expires_at_out (seconds since the epoch) may be NULL.
 */
AUTHKIT_EXTERN(int) authkit_token_issue_access(authkit_ctx *ctx, int64_t user_id, const char *session_id,
                                               const char *roles, char **token_out, int64_t *expires_at_out);

/**
 * Add an explicit HMAC key (in addition to the AUTHKIT_JWT_* secrets). kid is
 * 1-64 characters of A-Z a-z 0-9 . _ -; key is 32-256 bytes (at least the
 * hash size of the algorithm, checked at authkit_ctx_open) and not all one
 * byte. signing != 0 makes it the signing key; at most one signing key may
 * exist (AUTHKIT_JWT_SECRET counts as one). Up to 8 keys. The key is copied.
 */
AUTHKIT_EXTERN(int) authkit_config_add_jwt_key(authkit_config *cfg, const char *kid, const unsigned char *key,
                                               size_t key_len, int signing);

/* Principal accessors. Strings are borrowed from the principal. */
AUTHKIT_EXTERN(int64_t) authkit_principal_user_id(const authkit_principal *p);
AUTHKIT_EXTERN(const char *) authkit_principal_session_id(const authkit_principal *p); /**< "" if none */
AUTHKIT_EXTERN(int64_t) authkit_principal_expires_at(const authkit_principal *p);      /**< seconds; 0 if none */
AUTHKIT_EXTERN(const char *) authkit_principal_jti(const authkit_principal *p);        /**< "" if none */
AUTHKIT_EXTERN(const char *) authkit_principal_kind(const authkit_principal *p);       /**< "access", ... */
AUTHKIT_EXTERN(size_t) authkit_principal_role_count(const authkit_principal *p);
AUTHKIT_EXTERN(const char *) authkit_principal_role(const authkit_principal *p, size_t i); /**< NULL if out of range */
AUTHKIT_EXTERN(int) authkit_principal_has_role(const authkit_principal *p, const char *role); /**< 1 or 0 */
/* Scopes of an API-key principal (apikey.h); none for other kinds. */
AUTHKIT_EXTERN(size_t) authkit_principal_scope_count(const authkit_principal *p);
AUTHKIT_EXTERN(const char *) authkit_principal_scope(const authkit_principal *p, size_t i); /**< NULL if out of range */
AUTHKIT_EXTERN(int) authkit_principal_has_scope(const authkit_principal *p, const char *scope); /**< 1 or 0 */
AUTHKIT_EXTERN(void) authkit_principal_free(authkit_principal *p);

#ifdef __cplusplus
}
#endif
#endif
