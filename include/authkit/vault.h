/*
 * libauthkit — the integration-key vault: per-user third-party API keys
 * (OpenAI, Anthropic, ...) encrypted at rest.
 *
 * Each key is encrypted with XChaCha20-Poly1305 under a master key held
 * outside the database (AUTHKIT_MASTER_KEY: 32 bytes as hex or base64), with
 * a fresh random nonce per write and associated data binding the row to its
 * user, service and master-key version, so a row copied elsewhere or a
 * flipped bit fails to decrypt. Master keys are versioned
 * (AUTHKIT_MASTER_KEY_VERSION, AUTHKIT_MASTER_OLD_KEYS = "version:key,...")
 * and authkit_vault_rotate() re-encrypts rows under the current one.
 * Without a master key every vault function returns AUTHKIT_ECONFIG.
 * See docs/VAULT.md for the threat model and the rotation runbook.
 *
 * Service names are 1-64 characters of a-z 0-9 _ . - (lower case). Keys are
 * 1-4096 bytes of any content.
 */
#ifndef AUTHKIT_VAULT_H
#define AUTHKIT_VAULT_H

#include "common.h"
#include "ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUTHKIT_VAULT_SERVICE_MAX 64  /**< characters */
#define AUTHKIT_VAULT_SECRET_MAX 4096 /**< bytes */

/** A decrypted key; authkit_secret_free() wipes it before freeing. */
typedef struct authkit_secret authkit_secret;
/** A user's integrations, without their keys. */
typedef struct authkit_vault_list authkit_vault_list;

/**
 * Store (insert or replace) user_id's key for service. The key is
 * encrypted under the current master key; the masked display form is
 * computed now from the plaintext. AUTHKIT_ENOTFOUND for an unknown user;
 * AUTHKIT_EINVALID for a bad service name, a NULL secret or a length
 * outside 1-4096. A replaced row becomes active again. Audit: vault.put.
 */
AUTHKIT_EXTERN(int) authkit_vault_put(authkit_ctx *ctx, int64_t user_id, const char *service,
                                      const unsigned char *secret, size_t len);

/**
 * Decrypt user_id's key for service into *out and record its last use
 * (written at most once a minute per key: last_used_at is precise to 60 s).
 * AUTHKIT_ENOTFOUND when there is none; AUTHKIT_EREVOKED when it is
 * disabled; AUTHKIT_ECRYPTO when it fails to authenticate (tampered or
 * moved) or its master-key version is not configured.
 */
AUTHKIT_EXTERN(int) authkit_vault_get(authkit_ctx *ctx, int64_t user_id, const char *service,
                                      authkit_secret **out);

/* Secret accessors: the bytes (NUL-terminated for convenience, not
 * counted) are borrowed from the secret. */
AUTHKIT_EXTERN(const unsigned char *) authkit_secret_data(const authkit_secret *s);
AUTHKIT_EXTERN(size_t) authkit_secret_len(const authkit_secret *s);
/** Wipes the bytes, then frees. NULL is a no-op. */
AUTHKIT_EXTERN(void) authkit_secret_free(authkit_secret *s);

/** user_id's integrations ordered by service (none: an empty list). */
AUTHKIT_EXTERN(int) authkit_vault_list_user(authkit_ctx *ctx, int64_t user_id, authkit_vault_list **out);

/* List accessors: strings are borrowed from the list; out of range gives
 * NULL / 0. */
AUTHKIT_EXTERN(size_t) authkit_vault_list_count(const authkit_vault_list *l);
AUTHKIT_EXTERN(const char *) authkit_vault_list_service(const authkit_vault_list *l, size_t i);
/** Display form, e.g. "sk-…abcd" (UTF-8 ellipsis); never more than 4 trailing characters of the key. */
AUTHKIT_EXTERN(const char *) authkit_vault_list_masked(const authkit_vault_list *l, size_t i);
AUTHKIT_EXTERN(int) authkit_vault_list_is_active(const authkit_vault_list *l, size_t i);
AUTHKIT_EXTERN(int) authkit_vault_list_key_version(const authkit_vault_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_vault_list_created_at(const authkit_vault_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_vault_list_updated_at(const authkit_vault_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_vault_list_last_used_at(const authkit_vault_list *l, size_t i); /**< 0: never */
AUTHKIT_EXTERN(void) authkit_vault_list_free(authkit_vault_list *l);

/** Enable (1) or disable (0) a key. AUTHKIT_ENOTFOUND when there is none. */
AUTHKIT_EXTERN(int) authkit_vault_set_active(authkit_ctx *ctx, int64_t user_id, const char *service, int active);

/** Delete a key. AUTHKIT_ENOTFOUND when there is none. Audit: vault.deleted. */
AUTHKIT_EXTERN(int) authkit_vault_delete(authkit_ctx *ctx, int64_t user_id, const char *service);

/**
 * One batch (1-1000 rows) of master-key rotation: rows not encrypted under
 * the current version are decrypted with their version's key and written
 * back under the current one, each with a compare-and-swap so a concurrent
 * put wins and no row is ever unreadable. Call until *done_out is 1; safe
 * to interrupt and resume at any point. *reencrypted_out (may be NULL)
 * counts rows rewritten by this call. AUTHKIT_ECRYPTO (the detail names the
 * version) when a row's version key is not configured or a row fails to
 * authenticate. Audit: vault.rotated per batch that rewrote rows.
 */
AUTHKIT_EXTERN(int) authkit_vault_rotate(authkit_ctx *ctx, unsigned batch_size, int64_t *reencrypted_out,
                                         int *done_out);

#ifdef __cplusplus
}
#endif
#endif
