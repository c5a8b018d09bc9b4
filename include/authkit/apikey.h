/*
 * libauthkit — API keys (personal access tokens) for automated clients.
 *
 * A key is `ak_<public id>_<secret>`: "ak_", 22 base64url characters of
 * public id (16 random bytes), "_", 43 base64url characters of secret (32
 * random bytes); 69 characters in all. It is shown once, by
 * authkit_apikey_create(): only the public id and a SHA-256 of the secret
 * are stored. Keys carry free-form scopes, an optional expiry, a last-used
 * time (written at most once a minute) and can be revoked. Verification
 * compares in constant time and costs the same for unknown ids.
 *
 * authkit_request_authenticate() / _ex() accept them as
 * `Authorization: Bearer ak_...` or `X-API-Key: ak_...` (http.h).
 * Deleting a user deletes their keys.
 */
#ifndef AUTHKIT_APIKEY_H
#define AUTHKIT_APIKEY_H

#include "common.h"
#include "ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Declared in token.h; repeated here so this header stands alone. */
typedef struct authkit_principal authkit_principal;

#define AUTHKIT_APIKEY_CHARS 69      /**< length of a key */
#define AUTHKIT_APIKEY_ID_CHARS 22   /**< length of a public id */
#define AUTHKIT_APIKEY_NAME_MAX 64   /**< bytes of a key's name */
#define AUTHKIT_APIKEY_SCOPE_MAX 64  /**< characters of one scope */
#define AUTHKIT_APIKEY_SCOPES_MAX 32 /**< scopes per key */

/** A user's API keys, without their secrets. */
typedef struct authkit_apikey_list authkit_apikey_list;

/**
 * Create a key for user_id. name: 1-64 bytes of UTF-8 without control
 * characters (a label for humans). scopes: NULL or space-separated scopes,
 * each 1-64 characters of A-Z a-z 0-9 _ . : -, at most 32 (duplicates are
 * dropped, 1023 bytes in all). expires_at: seconds since the epoch, in the
 * future, or 0 for never. *key_out (shown once: store nothing but what the
 * user needs) and *public_id_out (may be NULL) are freed with
 * authkit_string_free(). AUTHKIT_ENOTFOUND for an unknown user.
 * Audit: apikey.created.
 */
AUTHKIT_EXTERN(int) authkit_apikey_create(authkit_ctx *ctx, int64_t user_id, const char *name, const char *scopes,
                                          int64_t expires_at, char **key_out, char **public_id_out);

/**
 * Verify a key. AUTHKIT_OK and a principal of kind "api_key" (user id,
 * scopes via authkit_principal_scope*(), jti = the public id, expires_at =
 * the key's expiry or 0, no roles and no session); AUTHKIT_ETOKEN for a
 * malformed key, an unknown id or a wrong secret; AUTHKIT_EREVOKED for a
 * revoked key or a deleted or inactive user; AUTHKIT_EEXPIRED past its
 * expiry. Free *out with authkit_principal_free().
 */
AUTHKIT_EXTERN(int) authkit_apikey_verify(authkit_ctx *ctx, const char *key, authkit_principal **out);

/** Revoke a key by its public id. AUTHKIT_ENOTFOUND if there is none; OK if already revoked. Audit: apikey.revoked. */
AUTHKIT_EXTERN(int) authkit_apikey_revoke(authkit_ctx *ctx, const char *public_id);

/** user_id's keys (revoked and expired included; never a secret). */
AUTHKIT_EXTERN(int) authkit_apikey_list_user(authkit_ctx *ctx, int64_t user_id, authkit_apikey_list **out);

/* List accessors: strings are borrowed from the list; out of range gives NULL / 0. */
AUTHKIT_EXTERN(size_t) authkit_apikey_list_count(const authkit_apikey_list *l);
AUTHKIT_EXTERN(const char *) authkit_apikey_list_public_id(const authkit_apikey_list *l, size_t i);
AUTHKIT_EXTERN(const char *) authkit_apikey_list_name(const authkit_apikey_list *l, size_t i);
AUTHKIT_EXTERN(const char *) authkit_apikey_list_scopes(const authkit_apikey_list *l, size_t i); /**< space-separated */
AUTHKIT_EXTERN(int64_t) authkit_apikey_list_created_at(const authkit_apikey_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_apikey_list_expires_at(const authkit_apikey_list *l, size_t i);   /**< 0: never */
AUTHKIT_EXTERN(int64_t) authkit_apikey_list_last_used_at(const authkit_apikey_list *l, size_t i); /**< 0: never */
AUTHKIT_EXTERN(int64_t) authkit_apikey_list_revoked_at(const authkit_apikey_list *l, size_t i);   /**< 0: live */
AUTHKIT_EXTERN(void) authkit_apikey_list_free(authkit_apikey_list *l);

#ifdef __cplusplus
}
#endif
#endif
