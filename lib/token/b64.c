/* Strict base64url (RFC 7515 section 2: unpadded, URL-safe alphabet).
 *
 * Table-driven and not constant time: it only ever decodes public bytes (the
 * token's header, payload and MAC segments; the MAC is then compared with
 * sodium_memcmp). It accepts exactly what libsodium's sodium_base642bin with
 * sodium_base64_VARIANT_URLSAFE_NO_PADDING accepts when the whole input must
 * be consumed: no '=', no '+' '/', no other character, no dangling character
 * (length % 4 == 1), and no non-zero unused bits in the last character, so
 * every byte string has exactly one accepted encoding. */
#include <stdlib.h>

#include "token/token_internal.h"

#define BAD 0xff

/* 0-63 for the base64url alphabet, BAD for every other byte. */
static const unsigned char b64url_value[256] = {
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, /* 0x00 */
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, /* 0x10 */
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, 62,  BAD, BAD, /* 0x20: '-' */
	52,  53,  54,  55,  56,  57,  58,  59,  60,  61,  BAD, BAD, BAD, BAD, BAD, BAD, /* 0x30: 0-9 */
	BAD, 0,   1,   2,   3,   4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,  /* 0x40: A-O */
	15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25,  BAD, BAD, BAD, BAD, 63,  /* 0x50: P-Z '_' */
	BAD, 26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,  /* 0x60: a-o */
	41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51,  BAD, BAD, BAD, BAD, BAD, /* 0x70: p-z */
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, /* 0x80 */
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
};

bool ak_b64url_chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b64url_value[(unsigned char)s[i]] == BAD)
			return false;
	return true;
}

size_t ak_b64url_decoded_max(size_t n)
{
	return n / 4 * 3 + 2;
}

int ak_b64url_decode_to(const char *s, size_t n, unsigned char *out, size_t cap, size_t *out_len)
{
	*out_len = 0;
	size_t rem = n % 4;
	size_t len = n / 4 * 3 + (rem ? rem - 1 : 0);
	if (n == 0 || rem == 1)
		return ak_fail(AUTHKIT_ETOKEN, "token rejected: bad base64url");
	if (len > cap)
		return ak_fail(AUTHKIT_EINVALID, "base64url decode: output buffer too small");
	const unsigned char *p = (const unsigned char *)s;
	unsigned char *o = out;
	unsigned bad = 0;
	for (size_t i = n / 4; i > 0; i--, p += 4, o += 3) {
		unsigned a = b64url_value[p[0]], b = b64url_value[p[1]], c = b64url_value[p[2]], d = b64url_value[p[3]];
		bad |= a | b | c | d; /* BAD is the only value with bit 7 (or 6) set */
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
		o[0] = (unsigned char)(v >> 16);
		o[1] = (unsigned char)(v >> 8);
		o[2] = (unsigned char)v;
	}
	if (rem) {
		unsigned a = b64url_value[p[0]], b = b64url_value[p[1]];
		unsigned c = rem == 3 ? b64url_value[p[2]] : 0;
		bad |= a | b | c;
		if (bad < 64) {
			uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
			/* the unused low bits of the last character must be zero */
			if (rem == 2 ? (b & 0x0f) != 0 : (c & 0x03) != 0)
				bad = BAD;
			o[0] = (unsigned char)(v >> 16);
			if (rem == 3)
				o[1] = (unsigned char)(v >> 8);
		}
	}
	if (bad >= 64)
		return ak_fail(AUTHKIT_ETOKEN, "token rejected: bad base64url");
	*out_len = len;
	return AUTHKIT_OK;
}

int ak_b64url_decode(const char *s, size_t n, unsigned char **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (n == 0 || n % 4 == 1 || !ak_b64url_chars(s, n))
		return ak_fail(AUTHKIT_ETOKEN, "token rejected: bad base64url");
	size_t cap = ak_b64url_decoded_max(n);
	unsigned char *buf = malloc(cap + 1);
	if (!buf)
		return ak_fail(AUTHKIT_ENOMEM, "token decode: out of memory");
	size_t len = 0;
	int rc = ak_b64url_decode_to(s, n, buf, cap, &len);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return AUTHKIT_OK;
}
