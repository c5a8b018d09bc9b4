/* The integration-key vault: master keys (state.c) and rows (vault.c). */
#ifndef AUTHKIT_VAULT_INTERNAL_H
#define AUTHKIT_VAULT_INTERNAL_H

#include <sodium.h>

#include "authkit/vault.h"
#include "core/internal.h"

#define AK_VAULT_KEY_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES /* 32 */
#define AK_VAULT_MAX_KEYS 16 /* current + old */

typedef struct ak_vault_key {
	int version;
	unsigned char key[AK_VAULT_KEY_LEN];
} ak_vault_key;

/* Lives in sodium_malloc'd memory; keys[0] is the current one. */
struct ak_vault_state {
	size_t count;
	ak_vault_key keys[AK_VAULT_MAX_KEYS];
};

/* The key of a version, NULL if not configured. */
const ak_vault_key *ak_vault_key_find(const struct ak_vault_state *st, int version);

#endif
