/* ctx->vault: the master keys, parsed once at ctx open. Details never
 * contain key material. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault_internal.h"

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/* Exactly 32 bytes as 64 hex digits or base64 / base64url, padded or not. */
static int decode_key(const char *text, size_t n, unsigned char out[AK_VAULT_KEY_LEN], const char *what)
{
	unsigned char buf[64];
	size_t len = 0;
	const char *end = NULL;
	bool ok = false;
	if (n == 64 && all_hex(text, n)) {
		ok = sodium_hex2bin(buf, sizeof buf, text, n, NULL, &len, &end) == 0 && end == text + n;
	} else {
		static const int variants[] = {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
		                               sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
		for (size_t i = 0; i < sizeof variants / sizeof variants[0] && !ok; i++)
			ok = sodium_base642bin(buf, sizeof buf, text, n, NULL, &len, &end, variants[i]) == 0 &&
			     end == text + n;
	}
	int rc = AUTHKIT_OK;
	if (!ok)
		rc = ak_fail(AUTHKIT_ECONFIG, "%s is not hex or base64", what);
	else if (len != AK_VAULT_KEY_LEN)
		rc = ak_fail(AUTHKIT_ECONFIG, "%s must be exactly 32 bytes (64 hex digits or 44 base64 characters)", what);
	else {
		bool same = true;
		for (size_t i = 1; i < len; i++)
			same = same && buf[i] == buf[0];
		if (same)
			rc = ak_fail(AUTHKIT_ECONFIG, "%s is not random (every byte is the same)", what);
		else
			memcpy(out, buf, AK_VAULT_KEY_LEN);
	}
	sodium_memzero(buf, sizeof buf);
	return rc;
}

const ak_vault_key *ak_vault_key_find(const struct ak_vault_state *st, int version)
{
	for (size_t i = 0; i < st->count; i++)
		if (st->keys[i].version == version)
			return &st->keys[i];
	return NULL;
}

static int add_key(struct ak_vault_state *st, int version, const char *text, size_t n, const char *what)
{
	unsigned char key[AK_VAULT_KEY_LEN];
	int rc = decode_key(text, n, key, what);
	if (rc)
		return rc;
	const ak_vault_key *dup = ak_vault_key_find(st, version);
	if (dup) {
		if (sodium_memcmp(dup->key, key, sizeof key) != 0)
			rc = ak_fail(AUTHKIT_ECONFIG, "%s: version %d is configured twice with different keys", what,
			             version);
	} else if (st->count == AK_VAULT_MAX_KEYS) {
		rc = ak_fail(AUTHKIT_ECONFIG, "%s: more than %d master keys", what, AK_VAULT_MAX_KEYS);
	} else {
		st->keys[st->count].version = version;
		memcpy(st->keys[st->count].key, key, sizeof key);
		st->count++;
	}
	sodium_memzero(key, sizeof key);
	return rc;
}

/* "version:key,version:key" (spaces around items ignored). */
static int add_old_keys(struct ak_vault_state *st, const char *list)
{
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, ",");
		size_t item = n;
		while (item && p[item - 1] == ' ')
			item--;
		const char *colon = memchr(p, ':', item);
		if (!colon || colon == p)
			return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_MASTER_OLD_KEYS items must be version:key");
		long long v = 0;
		for (const char *d = p; d < colon; d++) {
			if (*d < '0' || *d > '9' || v > INT_MAX)
				return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_MASTER_OLD_KEYS: a version is not a positive integer");
			v = v * 10 + (*d - '0');
		}
		if (v < 1 || v > INT_MAX)
			return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_MASTER_OLD_KEYS: a version is not a positive integer");
		int rc = add_key(st, (int)v, colon + 1, (size_t)(p + item - colon - 1), "AUTHKIT_MASTER_OLD_KEYS");
		if (rc)
			return rc;
		p += n;
	}
	return AUTHKIT_OK;
}

static void free_state(struct ak_vault_state *st)
{
	if (st)
		sodium_free(st); /* wipes */
}

int ak_vault_open(authkit_ctx *ctx)
{
	ak_settings *s = &ctx->settings;
	ctx->vault = NULL;
	int rc = AUTHKIT_OK;
	if (!s->master_key[0] && s->master_old_keys[0]) {
		rc = ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_MASTER_OLD_KEYS needs AUTHKIT_MASTER_KEY");
	} else if (s->master_key[0]) {
		struct ak_vault_state *st = sodium_malloc(sizeof *st);
		if (!st) {
			rc = ak_fail(AUTHKIT_ENOMEM, "vault state allocation failed");
		} else {
			memset(st, 0, sizeof *st);
			if (s->master_key_version < 1)
				rc = ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_MASTER_KEY_VERSION must be positive");
			if (rc == AUTHKIT_OK)
				rc = add_key(st, s->master_key_version, s->master_key, strlen(s->master_key),
				             "AUTHKIT_MASTER_KEY");
			if (rc == AUTHKIT_OK)
				rc = add_old_keys(st, s->master_old_keys);
			if (rc)
				free_state(st);
			else
				ctx->vault = st;
		}
	}
	/* The parsed table is the only copy the context keeps. */
	sodium_memzero(s->master_key, sizeof s->master_key);
	sodium_memzero(s->master_old_keys, sizeof s->master_old_keys);
	return rc;
}

void ak_vault_close(authkit_ctx *ctx)
{
	free_state(ctx->vault);
	ctx->vault = NULL;
}
