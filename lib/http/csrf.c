/*
 * CSRF tokens bound to a session (a stateless synchronizer token):
 *
 *   token = base64url(nonce ‖ HMAC-SHA256(K, "authkit-csrf" ‖ session_id ‖ nonce))
 *   K     = HMAC-SHA256(key = raw JWT key, "authkit-csrf-key")
 *
 * nonce is 16 random bytes, the MAC is the full 32 bytes: 48 bytes, 64
 * characters. The raw JWT key is the one the token module decoded from
 * AUTHKIT_JWT_SECRET (or added with authkit_config_add_jwt_key), so hex
 * and base64 spellings of one key agree and every process sharing the
 * secret accepts the others' tokens. K is a separate key (domain-separated
 * derivation): a CSRF MAC is never a JWT signature. Tokens are issued under
 * the signing key and verified against every configured key, so a key
 * rotation does not break forms already on screen.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"
#include "token/token_internal.h"

#define CSRF_NONCE_BYTES 16
#define CSRF_MAC_BYTES crypto_auth_hmacsha256_BYTES /* 32 */
#define CSRF_RAW_BYTES (CSRF_NONCE_BYTES + CSRF_MAC_BYTES)
#define CSRF_SESSION_ID_MAX 255

static const char csrf_label[] = "authkit-csrf";
static const char key_label[] = "authkit-csrf-key";

_Static_assert(AUTHKIT_CSRF_TOKEN_CHARS == (CSRF_RAW_BYTES * 4 + 2) / 3, "CSRF token length");

AUTHKIT_EXTERN(size_t) authkit_csrf_token_chars(void)
{
	return AUTHKIT_CSRF_TOKEN_CHARS;
}

static int check_session_id(const char *session_id)
{
	if (!session_id)
		return ak_fail(AUTHKIT_EINVALID, "session_id is NULL");
	size_t n = strnlen(session_id, CSRF_SESSION_ID_MAX + 1);
	if (n == 0 || n > CSRF_SESSION_ID_MAX || ak_has_control(session_id, n))
		return ak_fail(AUTHKIT_EINVALID, "session_id must be 1-%d characters without control characters",
		               CSRF_SESSION_ID_MAX);
	return AUTHKIT_OK;
}

static void derive_key(const ak_jwt_key *jwt_key, unsigned char k[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, jwt_key->key, jwt_key->len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)key_label, sizeof key_label - 1);
	crypto_auth_hmacsha256_final(&st, k);
	sodium_memzero(&st, sizeof st);
}

static void csrf_mac(const ak_jwt_key *jwt_key, const char *session_id, const unsigned char *nonce,
                     unsigned char mac[CSRF_MAC_BYTES])
{
	unsigned char k[crypto_auth_hmacsha256_BYTES];
	derive_key(jwt_key, k);
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, k, sizeof k);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)csrf_label, sizeof csrf_label - 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)session_id, strlen(session_id));
	crypto_auth_hmacsha256_update(&st, nonce, CSRF_NONCE_BYTES);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(k, sizeof k);
}

static int key_table(const authkit_ctx *ctx, const struct ak_token_state **out)
{
	const struct ak_token_state *t = ctx->tokens;
	if (!t || t->key_count == 0)
		return ak_fail(AUTHKIT_ECONFIG, "CSRF tokens need AUTHKIT_JWT_SECRET");
	*out = t;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_csrf_issue(authkit_ctx *ctx, const char *session_id, char **token_out)
{
	ak_clear_error();
	if (!token_out)
		return ak_fail(AUTHKIT_EINVALID, "token_out is NULL");
	*token_out = NULL;
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	int rc = check_session_id(session_id);
	if (rc)
		return rc;
	const struct ak_token_state *t = NULL;
	rc = key_table(ctx, &t);
	if (rc)
		return rc;
	if (t->signing < 0 || (size_t)t->signing >= t->key_count)
		return ak_fail(AUTHKIT_ECONFIG, "CSRF tokens need a signing key (AUTHKIT_JWT_SECRET)");

	unsigned char raw[CSRF_RAW_BYTES];
	randombytes_buf(raw, CSRF_NONCE_BYTES);
	csrf_mac(&t->keys[t->signing], session_id, raw, raw + CSRF_NONCE_BYTES);
	char *s = malloc(AUTHKIT_CSRF_TOKEN_CHARS + 1);
	if (!s) {
		sodium_memzero(raw, sizeof raw);
		return ak_fail(AUTHKIT_ENOMEM, "CSRF token allocation failed");
	}
	sodium_bin2base64(s, AUTHKIT_CSRF_TOKEN_CHARS + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	*token_out = s;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_csrf_verify(authkit_ctx *ctx, const char *session_id, const char *token)
{
	ak_clear_error();
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	int rc = check_session_id(session_id);
	if (rc)
		return rc;
	const struct ak_token_state *t = NULL;
	rc = key_table(ctx, &t);
	if (rc)
		return rc;
	if (!token)
		return ak_fail(AUTHKIT_ETOKEN, "CSRF token missing");
	if (strnlen(token, AUTHKIT_CSRF_TOKEN_CHARS + 1) != AUTHKIT_CSRF_TOKEN_CHARS)
		return ak_fail(AUTHKIT_ETOKEN, "CSRF token has the wrong length");

	unsigned char raw[CSRF_RAW_BYTES];
	size_t len = 0;
	const char *end = NULL;
	/* libsodium rejects non-zero trailing bits: one encoding per token. */
	if (sodium_base642bin(raw, sizeof raw, token, AUTHKIT_CSRF_TOKEN_CHARS, NULL, &len, &end,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof raw || end != token + AUTHKIT_CSRF_TOKEN_CHARS)
		return ak_fail(AUTHKIT_ETOKEN, "CSRF token is not base64url");

	/* Every configured key is tried (no early exit), each compared in constant time. */
	int match = 0;
	for (size_t i = 0; i < t->key_count; i++) {
		unsigned char mac[CSRF_MAC_BYTES];
		csrf_mac(&t->keys[i], session_id, raw, mac);
		match |= sodium_memcmp(mac, raw + CSRF_NONCE_BYTES, CSRF_MAC_BYTES) == 0;
		sodium_memzero(mac, sizeof mac);
	}
	sodium_memzero(raw, sizeof raw);
	return match ? AUTHKIT_OK : ak_fail(AUTHKIT_ETOKEN, "CSRF token does not match the session");
}
