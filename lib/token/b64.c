/* Strict base64url (RFC 7515 section 2: unpadded, URL-safe alphabet). */
#include <sodium.h>
#include <stdlib.h>

#include "token/token_internal.h"

bool ak_b64url_chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

int ak_b64url_decode(const char *s, size_t n, unsigned char **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (n == 0 || !ak_b64url_chars(s, n))
		return ak_fail(AUTHKIT_ETOKEN, "token rejected: bad base64url");
	size_t cap = n / 4 * 3 + 3;
	unsigned char *buf = malloc(cap + 1);
	if (!buf)
		return ak_fail(AUTHKIT_ENOMEM, "token decode: out of memory");
	size_t len = 0;
	const char *end = NULL;
	/* libsodium rejects a dangling character and non-zero trailing bits, so
	 * each byte string has exactly one accepted encoding. */
	if (sodium_base642bin(buf, cap, s, n, NULL, &len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != s + n) {
		free(buf);
		return ak_fail(AUTHKIT_ETOKEN, "token rejected: bad base64url");
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return AUTHKIT_OK;
}
