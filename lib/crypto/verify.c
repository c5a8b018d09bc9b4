/*
 * Public hashing entry points: verification dispatches on the hash format
 * (Argon2id PHC or legacy bcrypt); hashing is always Argon2id at the
 * context's cost; needs_rehash says when a login should replace the hash.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "crypto/hashes.h"

bool ak_hash_is_supported(const char *hash)
{
	return ak_hash_is_argon2id(hash) || ak_hash_is_bcrypt(hash);
}

int ak_password_verify(const char *hash, const char *password)
{
	if (!hash || !password)
		return ak_fail(AUTHKIT_EINVALID, "hash and password must not be NULL");
	if (ak_hash_is_argon2id(hash))
		return ak_argon2id_verify(hash, password);
	if (ak_hash_is_bcrypt(hash))
		return ak_bcrypt_verify(hash, password);
	return ak_fail(AUTHKIT_EINVALID, "unsupported or malformed password hash");
}

static bool password_too_long(const char *password)
{
	return strnlen(password, AUTHKIT_PASSWORD_MAX_BYTES + 1) > AUTHKIT_PASSWORD_MAX_BYTES;
}

AUTHKIT_EXTERN(int) authkit_password_verify(const char *hash, const char *password)
{
	ak_clear_error();
	if (password && password_too_long(password))
		return ak_fail(AUTHKIT_EINVALID, "password must be at most %d bytes", AUTHKIT_PASSWORD_MAX_BYTES);
	return ak_password_verify(hash, password);
}

AUTHKIT_EXTERN(int) authkit_password_hash(authkit_ctx *ctx, const char *password, char **out)
{
	ak_clear_error();
	if (out)
		*out = NULL;
	if (!ctx || !password || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx, password and out must not be NULL");
	if (password_too_long(password))
		return ak_fail(AUTHKIT_EINVALID, "password must be at most %d bytes", AUTHKIT_PASSWORD_MAX_BYTES);
	char hash[AUTHKIT_STORE_HASH_BYTES];
	int rc = ak_password_hash(password, (unsigned long long)ctx->settings.argon2_opslimit,
	                          (size_t)ctx->settings.argon2_memlimit, hash);
	if (rc)
		return rc;
	*out = strdup(hash);
	return *out ? AUTHKIT_OK : ak_fail(AUTHKIT_ENOMEM, "out of memory");
}

AUTHKIT_EXTERN(int) authkit_password_needs_rehash(authkit_ctx *ctx, const char *hash)
{
	ak_clear_error();
	if (!ctx || !hash) {
		(void)ak_fail(AUTHKIT_EINVALID, "ctx and hash must not be NULL");
		return 1; /* fail towards replacing the hash, never towards keeping it */
	}
	if (!ak_hash_is_argon2id(hash))
		return 1; /* bcrypt (legacy) or a format we cannot judge */
	return crypto_pwhash_str_needs_rehash(hash, (unsigned long long)ctx->settings.argon2_opslimit,
	                                      (size_t)ctx->settings.argon2_memlimit) != 0;
}

AUTHKIT_EXTERN(void) authkit_string_free(char *s)
{
	if (!s)
		return;
	/* Library strings include hashes: do not leave them in freed memory. */
	sodium_memzero(s, strlen(s));
	free(s);
}
