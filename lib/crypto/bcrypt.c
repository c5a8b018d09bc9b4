/*
 * Legacy bcrypt ($2a$, $2b$, $2y$) verification through libxcrypt, for
 * hashes imported from other applications. New hashes are never bcrypt:
 * it truncates passwords at 72 bytes.
 */
#include <crypt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "crypto/hashes.h"

/* "$2b$" + two cost digits + "$" + 22 salt chars + 31 hash chars. */
#define AK_BCRYPT_LEN 60
#define AK_BCRYPT_HEADER 7
#define AK_BCRYPT_MIN_COST 4
#define AK_BCRYPT_MAX_COST 31

/* bcrypt's own base64 alphabet: "./A-Za-z0-9". */
static bool is_bcrypt_b64(char c)
{
	return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool ak_hash_is_bcrypt(const char *hash)
{
	if (!hash || strnlen(hash, AK_BCRYPT_LEN + 1) != AK_BCRYPT_LEN)
		return false;
	/* $2x$ (the sign-extension bug's marker) is deliberately not accepted. */
	if (hash[0] != '$' || hash[1] != '2' || !strchr("aby", hash[2]) || hash[3] != '$' || hash[6] != '$')
		return false;
	if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9')
		return false;
	int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
	if (cost < AK_BCRYPT_MIN_COST || cost > AK_BCRYPT_MAX_COST)
		return false;
	for (size_t i = AK_BCRYPT_HEADER; i < AK_BCRYPT_LEN; i++)
		if (!is_bcrypt_b64(hash[i]))
			return false;
	return true;
}

/* crypt_r semantics. With libxcrypt, crypt_rn is crypt_r returning NULL
 * instead of a failure token; calling it also keeps libcrypt linked under
 * AddressSanitizer, whose runtime defines a crypt_r interceptor: with only
 * crypt_r referenced, --as-needed drops libcrypt and the interceptor then
 * calls a NULL "real" crypt_r. */
static const char *run_crypt(const char *password, const char *hash, struct crypt_data *data)
{
#if defined(XCRYPT_VERSION_NUM)
	return crypt_rn(password, hash, data, (int)sizeof *data);
#else
	return crypt_r(password, hash, data);
#endif
}

int ak_bcrypt_verify(const char *hash, const char *password)
{
	/* struct crypt_data is ~32 KiB: too big for a thread's stack. crypt_r
	 * wants it zeroed before first use; calloc does that. */
	struct crypt_data *data = calloc(1, sizeof *data);
	if (!data)
		return ak_fail(AUTHKIT_ENOMEM, "out of memory verifying a bcrypt hash");
	/* NULL or a "*..." failure token (e.g. a password over libxcrypt's
	 * 512-byte limit) never equals a well-formed hash: it denies. */
	const char *out = run_crypt(password, hash, data);
	bool match = out && strnlen(out, AK_BCRYPT_LEN + 1) == AK_BCRYPT_LEN &&
	             sodium_memcmp(out, hash, AK_BCRYPT_LEN) == 0;
	/* The scratch space held key material derived from the password. */
	sodium_memzero(data, sizeof *data);
	free(data);
	return match ? AUTHKIT_OK : ak_fail(AUTHKIT_EAUTH, "password does not match");
}
