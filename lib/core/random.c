/* Random secrets and their stored form. */
#include <sodium.h>
#include <string.h>

#include "core/internal.h"

void ak_random_b64url(char *out, size_t out_size, size_t nbytes)
{
	unsigned char raw[64];
	randombytes_buf(raw, nbytes);
	sodium_bin2base64(out, out_size, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

void ak_new_secret_token(char out[AK_TOKEN_CHARS + 1])
{
	ak_random_b64url(out, AK_TOKEN_CHARS + 1, AK_TOKEN_BYTES);
}

static bool is_b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool ak_is_b64url(const char *s, size_t chars)
{
	for (size_t i = 0; i < chars; i++)
		if (!is_b64url_char(s[i]))
			return false;
	return s[chars] == '\0';
}

void ak_token_hash(const char *token, unsigned char out[AUTHKIT_STORE_HASH_LEN])
{
	crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}
