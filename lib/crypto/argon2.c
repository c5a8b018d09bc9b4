/*
 * Argon2id through libsodium: hashing at the configured cost, a strict PHC
 * format check, and verification counted so tests can prove a code path did
 * the real (expensive) work.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "core/internal.h"
#include "crypto/hashes.h"

_Static_assert(crypto_pwhash_STRBYTES <= AUTHKIT_STORE_HASH_BYTES, "an Argon2id string must fit the store's column");

#define AK_ARGON2ID_PREFIX "$argon2id$v=19$"

/* Limits on hashes we agree to verify. They are wider than anything the
 * configuration can produce (t <= 64, m <= 4 GiB) so imported hashes fit,
 * yet bound the work a hostile stored or imported string can demand. */
#define AK_ARGON2_MAX_T 64ULL
#define AK_ARGON2_MAX_M_KIB (4ULL * 1024 * 1024)
#define AK_ARGON2_MAX_P 16ULL
/* Salt: Argon2's 8-byte minimum. Tag: under 16 bytes is no longer a
 * password hash worth the name. 64 bytes bounds both. */
#define AK_ARGON2_MIN_SALT 8
#define AK_ARGON2_MIN_TAG 16
#define AK_ARGON2_MAX_FIELD 64

static _Atomic uint64_t verify_count;
static _Atomic uint64_t hash_count;

uint64_t ak_argon2_hash_count(void)
{
	return atomic_load_explicit(&hash_count, memory_order_relaxed);
}

int ak_password_hash(const char *password, unsigned long long opslimit, size_t memlimit, char *out)
{
	if (!password || !out)
		return ak_fail(AUTHKIT_EINVALID, "password and out must not be NULL");
	atomic_fetch_add_explicit(&hash_count, 1, memory_order_relaxed);
	errno = 0;
	if (crypto_pwhash_str_alg(out, password, strlen(password), opslimit, memlimit,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0) {
		/* libsodium reports only -1: errno tells a failed allocation from a cost
		 * it refuses. */
		if (errno == ENOMEM)
			return ak_fail(AUTHKIT_ENOMEM, "out of memory hashing the password");
		return ak_fail(AUTHKIT_ECRYPTO, "Argon2id hashing failed (cost out of range?)");
	}
	return AUTHKIT_OK;
}

/* A decimal without sign or leading zero, at most max. Advances *p. */
static bool parse_decimal(const char **p, unsigned long long max, unsigned long long *out)
{
	const char *s = *p;
	unsigned long long v = 0;
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9') {
		v = v * 10 + (unsigned long long)(s[n] - '0');
		if (v > max)
			return false;
		n++;
	}
	if (n == 0 || (n > 1 && s[0] == '0'))
		return false;
	*p = s + n;
	*out = v;
	return true;
}

static bool parse_param(const char **p, const char *name, unsigned long long max, unsigned long long *out)
{
	size_t n = strlen(name);
	if (strncmp(*p, name, n) != 0)
		return false;
	*p += n;
	return parse_decimal(p, max, out);
}

static bool is_b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Unpadded standard base64 of min_bytes..AK_ARGON2_MAX_FIELD bytes, ending
 * at end ('$' or NUL). Advances *p past it. */
static bool parse_b64_field(const char **p, char end, size_t min_bytes)
{
	const char *s = *p;
	size_t n = 0;
	while (is_b64_char(s[n]))
		n++;
	if (s[n] != end || n % 4 == 1)
		return false;
	size_t bytes = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
	if (bytes < min_bytes || bytes > AK_ARGON2_MAX_FIELD)
		return false;
	*p = s + n;
	return true;
}

bool ak_hash_is_argon2id(const char *hash)
{
	if (!hash || strnlen(hash, AUTHKIT_STORE_HASH_BYTES) >= AUTHKIT_STORE_HASH_BYTES)
		return false;
	if (strncmp(hash, AK_ARGON2ID_PREFIX, strlen(AK_ARGON2ID_PREFIX)) != 0)
		return false;
	const char *p = hash + strlen(AK_ARGON2ID_PREFIX);
	unsigned long long m, t, par;
	if (!parse_param(&p, "m=", AK_ARGON2_MAX_M_KIB, &m) || !parse_param(&p, ",t=", AK_ARGON2_MAX_T, &t) ||
	    !parse_param(&p, ",p=", AK_ARGON2_MAX_P, &par))
		return false;
	/* Argon2 needs at least 8 KiB per lane. */
	if (t < 1 || par < 1 || m < 8 * par)
		return false;
	if (*p++ != '$' || !parse_b64_field(&p, '$', AK_ARGON2_MIN_SALT))
		return false;
	p++;
	return parse_b64_field(&p, '\0', AK_ARGON2_MIN_TAG);
}

int ak_argon2id_verify(const char *hash, const char *password)
{
	atomic_fetch_add_explicit(&verify_count, 1, memory_order_relaxed);
	/* -1 covers a mismatch and a failed allocation alike: both deny. */
	if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
		return ak_fail(AUTHKIT_EAUTH, "password does not match");
	return AUTHKIT_OK;
}

uint64_t ak_argon2_verify_count(void)
{
	return atomic_load_explicit(&verify_count, memory_order_relaxed);
}
