/*
 * Fuzz target: stored/imported password hash strings (white-box: links the
 * static archive for the format checks behind authkit_user_import).
 *
 * Every input goes through the format checks (ak_hash_is_argon2id,
 * ak_hash_is_bcrypt, ak_hash_is_supported) and
 * authkit_password_needs_rehash(), which only parse. authkit_password_verify()
 * does the real work a hash asks for, so it runs only on hashes whose cost
 * is small: lib/crypto/argon2.c accepts up to m=4 GiB, t=64, p=16 and
 * bcrypt up to cost 31, far too slow (and, for m, too big) per fuzz input.
 * Unsupported strings are verified too: they must fail fast with
 * AUTHKIT_EINVALID.
 */
#include "fuzz_common.h"

#include "core/internal.h"

#define FUZZ_PASSWORD "some password"
#define FUZZ_MAX_INPUT 512      /* both formats are far shorter; keep inputs small */
#define FUZZ_ARGON2_MAX_M 65536 /* KiB */
#define FUZZ_ARGON2_MAX_T 4
#define FUZZ_ARGON2_MAX_MT 65536 /* m * t, KiB passes */
#define FUZZ_BCRYPT_MAX_COST 5

/* m and t of a string ak_hash_is_argon2id accepted
 * ("$argon2id$v=19$m=<m>,t=<t>,p=<p>$..."): the format is strict there. */
static void argon2_cost(const char *hash, unsigned long long *m, unsigned long long *t)
{
	const char *s = hash + strlen("$argon2id$v=19$m=");
	*m = strtoull(s, (char **)&s, 10);
	s += strlen(",t=");
	*t = strtoull(s, NULL, 10);
}

static bool cheap_to_verify(const char *hash)
{
	if (ak_hash_is_argon2id(hash)) {
		unsigned long long m, t;
		argon2_cost(hash, &m, &t);
		return m <= FUZZ_ARGON2_MAX_M && t <= FUZZ_ARGON2_MAX_T && m * t <= FUZZ_ARGON2_MAX_MT;
	}
	if (ak_hash_is_bcrypt(hash))
		return (hash[4] - '0') * 10 + (hash[5] - '0') <= FUZZ_BCRYPT_MAX_COST;
	return true; /* rejected before any hashing */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static authkit_ctx *ctx;
	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (!ctx)
		ctx = fuzz_ctx_open(NULL, NULL);
	char *hash = fuzz_strdup(data, size);

	bool argon2 = ak_hash_is_argon2id(hash);
	bool bcrypt = ak_hash_is_bcrypt(hash);
	bool supported = ak_hash_is_supported(hash);
	if (supported != (argon2 || bcrypt) || (argon2 && bcrypt))
		abort();

	int rehash = authkit_password_needs_rehash(ctx, hash);
	if (rehash != 0 && rehash != 1)
		abort();
	if (!argon2 && rehash != 1) /* bcrypt and unknown formats are always replaced */
		abort();

	if (cheap_to_verify(hash)) {
		int rc = authkit_password_verify(hash, FUZZ_PASSWORD);
		if (!supported && rc != AUTHKIT_EINVALID)
			abort();
		if (supported && rc != AUTHKIT_OK && rc != AUTHKIT_EAUTH && rc != AUTHKIT_ENOMEM)
			abort();
	}
	free(hash);
	return 0;
}
