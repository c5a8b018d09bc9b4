/* authkit_config_add_jwt_key: explicit keys, kept in the config's settings
 * and parsed (with the AUTHKIT_JWT_* secrets) when a context opens. */
#include <sodium.h>
#include <string.h>

#include "token/token_internal.h"

static bool kid_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-';
}

AUTHKIT_EXTERN(int) authkit_config_add_jwt_key(authkit_config *cfg, const char *kid, const unsigned char *key,
                                               size_t key_len, int signing)
{
	ak_clear_error();
	if (!cfg || !kid || !key)
		return ak_fail(AUTHKIT_EINVALID, "cfg, kid and key must not be NULL");
	size_t n = strnlen(kid, AK_JWT_KID_MAX + 1);
	if (n == 0 || n > AK_JWT_KID_MAX)
		return ak_fail(AUTHKIT_EINVALID, "kid must be 1-%d characters", AK_JWT_KID_MAX);
	for (size_t i = 0; i < n; i++)
		if (!kid_char(kid[i]))
			return ak_fail(AUTHKIT_EINVALID, "kid must be characters of A-Z a-z 0-9 . _ -");
	if (key_len < 32 || key_len > AK_JWT_KEY_MAX)
		return ak_fail(AUTHKIT_EINVALID, "key must be 32-%d bytes", AK_JWT_KEY_MAX);
	bool same = true;
	for (size_t i = 1; i < key_len && same; i++)
		same = key[i] == key[0];
	if (same)
		return ak_fail(AUTHKIT_EINVALID, "key is not random (every byte is the same)");
	ak_settings *s = &cfg->settings;
	if (s->jwt_key_count >= AK_JWT_MAX_KEYS)
		return ak_fail(AUTHKIT_EINVALID, "at most %d explicit JWT keys", AK_JWT_MAX_KEYS);
	for (int i = 0; i < s->jwt_key_count; i++) {
		if (strcmp(s->jwt_keys[i].kid, kid) == 0)
			return ak_fail(AUTHKIT_EEXISTS, "kid already configured");
		if (signing && s->jwt_keys[i].signing)
			return ak_fail(AUTHKIT_EINVALID, "a signing JWT key is already configured");
	}
	ak_jwt_key_cfg *k = &s->jwt_keys[s->jwt_key_count++];
	memcpy(k->kid, kid, n + 1);
	memcpy(k->key, key, key_len);
	k->len = key_len;
	k->signing = signing != 0;
	return AUTHKIT_OK;
}
