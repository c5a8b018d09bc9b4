/* The key table: AUTHKIT_JWT_SECRET (signs), AUTHKIT_JWT_OLD_SECRETS (verify
 * only) and explicit keys. Details never contain key material. */
#include <sodium.h>
#include <string.h>

#include "token/token_internal.h"

void ak_token_kid(const unsigned char *key, size_t len, char kid[17])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, key, len);
	sodium_bin2hex(kid, 17, digest, 8);
}

const ak_jwt_key *ak_token_key_find(const struct ak_token_state *st, const char *kid, size_t kid_len)
{
	for (size_t i = 0; i < st->key_count; i++)
		if (st->keys[i].kid_len == kid_len && memcmp(st->keys[i].kid, kid, kid_len) == 0)
			return &st->keys[i];
	return NULL;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static bool weak_key(const unsigned char *key, size_t len)
{
	for (size_t i = 1; i < len; i++)
		if (key[i] != key[0])
			return false;
	return true; /* all zero, or one byte repeated */
}

/* Hex (64+ digits) or base64 / base64url, padded or not. */
static bool decode_secret(const char *text, size_t n, unsigned char *out, size_t *len)
{
	const char *end = NULL;
	if (n >= 64 && n % 2 == 0 && all_hex(text, n))
		return sodium_hex2bin(out, AK_JWT_KEY_MAX, text, n, NULL, len, &end) == 0 && end == text + n;
	static const int variants[] = {sodium_base64_VARIANT_URLSAFE_NO_PADDING, sodium_base64_VARIANT_URLSAFE,
	                               sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING};
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
		if (sodium_base642bin(out, AK_JWT_KEY_MAX, text, n, NULL, len, &end, variants[i]) == 0 && end == text + n)
			return true;
	return false;
}

static int add_key(struct ak_token_state *st, const char *kid, const unsigned char *key, size_t len, const char *what,
                   size_t *index_out)
{
	if (len < st->min_key_len || len > AK_JWT_KEY_MAX)
		return ak_fail(AUTHKIT_ECONFIG, "%s: %s keys must be %zu-%d bytes", what, st->alg_name, st->min_key_len,
		               AK_JWT_KEY_MAX);
	if (weak_key(key, len))
		return ak_fail(AUTHKIT_ECONFIG, "%s: key is not random (every byte is the same)", what);
	size_t kid_len = strlen(kid);
	const ak_jwt_key *dup = ak_token_key_find(st, kid, kid_len);
	if (dup) {
		if (dup->len == len && sodium_memcmp(dup->key, key, len) == 0) {
			*index_out = (size_t)(dup - st->keys); /* the same key listed twice */
			return AUTHKIT_OK;
		}
		return ak_fail(AUTHKIT_ECONFIG, "%s: kid already used by another key", what);
	}
	if (st->key_count == AK_JWT_MAX_TABLE)
		return ak_fail(AUTHKIT_ECONFIG, "%s: more than %d keys", what, AK_JWT_MAX_TABLE);
	ak_jwt_key *k = &st->keys[st->key_count];
	ak_strlcpy(k->kid, kid, sizeof k->kid);
	k->kid_len = kid_len;
	memcpy(k->key, key, len);
	k->len = len;
	*index_out = st->key_count++;
	return AUTHKIT_OK;
}

static int add_secret(struct ak_token_state *st, const char *text, size_t n, const char *what, size_t *index_out)
{
	unsigned char key[AK_JWT_KEY_MAX];
	size_t len = 0;
	int rc;
	if (!decode_secret(text, n, key, &len)) {
		rc = ak_fail(AUTHKIT_ECONFIG, "%s must be hex (64+ digits) or base64 of %zu-%d random bytes", what,
		             st->min_key_len, AK_JWT_KEY_MAX);
	} else {
		char kid[17];
		ak_token_kid(key, len, kid);
		rc = add_key(st, kid, key, len, what, index_out);
	}
	sodium_memzero(key, sizeof key);
	return rc;
}

static int load_old_secrets(struct ak_token_state *st, const char *list)
{
	size_t entry = 0;
	const char *p = list;
	while (*p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *a = p, *b = end;
		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		entry++;
		char what[64];
		snprintf(what, sizeof what, "AUTHKIT_JWT_OLD_SECRETS entry %zu", entry);
		if (a == b)
			return ak_fail(AUTHKIT_ECONFIG, "%s is empty", what);
		size_t index;
		int rc = add_secret(st, a, (size_t)(b - a), what, &index);
		if (rc)
			return rc;
		p = comma ? comma + 1 : end;
		if (comma && !*p)
			return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_JWT_OLD_SECRETS ends with a comma");
	}
	return AUTHKIT_OK;
}

int ak_token_keys_load(struct ak_token_state *st, const ak_settings *s)
{
	st->signing = -1;
	size_t index;
	int rc;
	if (s->jwt_secret[0]) {
		rc = add_secret(st, s->jwt_secret, strlen(s->jwt_secret), "AUTHKIT_JWT_SECRET", &index);
		if (rc)
			return rc;
		st->signing = (int)index;
	}
	if (s->jwt_old_secrets[0] && (rc = load_old_secrets(st, s->jwt_old_secrets)) != AUTHKIT_OK)
		return rc;
	for (int i = 0; i < s->jwt_key_count && i < AK_JWT_MAX_KEYS; i++) {
		const ak_jwt_key_cfg *k = &s->jwt_keys[i];
		if (ak_token_key_find(st, k->kid, strlen(k->kid)))
			return ak_fail(AUTHKIT_ECONFIG, "explicit JWT key %d: kid already used by another key", i + 1);
		rc = add_key(st, k->kid, k->key, k->len, "explicit JWT key", &index);
		if (rc)
			return rc;
		if (k->signing) {
			if (st->signing >= 0)
				return ak_fail(AUTHKIT_ECONFIG, "more than one signing JWT key (AUTHKIT_JWT_SECRET signs)");
			st->signing = (int)index;
		}
	}
	return AUTHKIT_OK;
}
