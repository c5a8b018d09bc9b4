/* authkit_token_verify: SECURITY.md's libjwt rules, in order. The MAC is
 * checked here with libsodium (HS256, HS512) or by libjwt (HS384 only), with
 * the key and algorithm chosen here, before the payload JSON is parsed. */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define REJECT(...) ak_fail(AUTHKIT_ETOKEN, "token rejected: " __VA_ARGS__)

static const char *const forbidden_fields[] = {"crit", "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "cty", "zip"};

static bool is_field(const char *name, const char *want)
{
	return strcmp(name, want) == 0;
}

/* Rules 3 and 4: our own parse of the header, before libjwt sees it. */
static int check_header_object(const struct ak_token_state *st, const json_t *header, const ak_jwt_key **key_out)
{
	const char *name;
	const json_t *v;
	const json_t *alg = NULL, *kid = NULL;
	json_object_foreach((json_t *)header, name, v) {
		if (is_field(name, "alg")) {
			alg = v;
		} else if (is_field(name, "kid")) {
			kid = v;
		} else if (is_field(name, "typ")) {
			if (!json_is_string(v) || json_string_length(v) != 3 || memcmp(json_string_value(v), "JWT", 3) != 0)
				return REJECT("header typ is not JWT");
		} else {
			for (size_t i = 0; i < sizeof forbidden_fields / sizeof forbidden_fields[0]; i++)
				if (is_field(name, forbidden_fields[i]))
					return REJECT("forbidden header field %s", forbidden_fields[i]);
			return REJECT("header field other than alg, typ, kid");
		}
	}
	if (!alg)
		return REJECT("header alg missing");
	if (!json_is_string(alg) || json_string_length(alg) != strlen(st->alg_name) ||
	    memcmp(json_string_value(alg), st->alg_name, json_string_length(alg)) != 0)
		return REJECT("header alg is not the configured %s", st->alg_name);
	if (!kid)
		return REJECT("header kid missing");
	if (!json_is_string(kid))
		return REJECT("header kid is not a string");
	*key_out = ak_token_key_find(st, json_string_value(kid), json_string_length(kid));
	return *key_out ? AUTHKIT_OK : REJECT("unknown kid");
}

/* Rules 3 and 4. buf (cap bytes) is scratch space for the decoded header. */
static int check_header(const struct ak_token_state *st, const char *seg, size_t n, unsigned char *buf, size_t cap,
                        const ak_jwt_key **key_out)
{
	size_t len = 0;
	int rc = ak_b64url_decode_to(seg, n, buf, cap, &len);
	if (rc)
		return rc == AUTHKIT_ETOKEN ? REJECT("header is not base64url") : rc;
	json_error_t err;
	json_t *header = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!header)
		return REJECT("header is not JSON without duplicate keys");
	rc = json_is_object(header) ? check_header_object(st, header, key_out) : REJECT("header is not an object");
	json_decref(header);
	return rc;
}

/* HMAC of the signing input (header_b64 "." payload_b64, exactly as sent)
 * under the key found by kid, compared in constant time with the decoded
 * signature (mac_len bytes). HS256 and HS512 through libsodium; libsodium has
 * no HMAC-SHA384, so HS384 goes through libjwt's jwt_decode with the key and
 * algorithm pinned here (it re-decodes the token, slower but equivalent). */
static int check_signature(const struct ak_token_state *st, const char *token, size_t signed_len,
                           const unsigned char *sig, size_t sig_len, const ak_jwt_key *key)
{
	unsigned char mac[crypto_auth_hmacsha512_BYTES];
	bool ok = false;
	if (st->alg == JWT_ALG_HS256) {
		crypto_auth_hmacsha256_state hs;
		crypto_auth_hmacsha256_init(&hs, key->key, key->len);
		crypto_auth_hmacsha256_update(&hs, (const unsigned char *)token, signed_len);
		crypto_auth_hmacsha256_final(&hs, mac);
		sodium_memzero(&hs, sizeof hs);
		ok = sig_len == crypto_auth_hmacsha256_BYTES && sodium_memcmp(mac, sig, crypto_auth_hmacsha256_BYTES) == 0;
	} else if (st->alg == JWT_ALG_HS512) {
		crypto_auth_hmacsha512_state hs;
		crypto_auth_hmacsha512_init(&hs, key->key, key->len);
		crypto_auth_hmacsha512_update(&hs, (const unsigned char *)token, signed_len);
		crypto_auth_hmacsha512_final(&hs, mac);
		sodium_memzero(&hs, sizeof hs);
		ok = sig_len == crypto_auth_hmacsha512_BYTES && sodium_memcmp(mac, sig, crypto_auth_hmacsha512_BYTES) == 0;
	} else if (st->alg == JWT_ALG_HS384) {
		jwt_t *jwt = NULL;
		int err = jwt_decode(&jwt, token, key->key, (int)key->len);
		ok = err == 0 && jwt && jwt_get_alg(jwt) == st->alg;
		jwt_free(jwt);
	}
	sodium_memzero(mac, sizeof mac);
	return ok ? AUTHKIT_OK : REJECT("bad signature");
}

int ak_token_verify_signed(const struct ak_token_state *st, const char *token, size_t len, int64_t now,
                           ak_claims *out)
{
	memset(out, 0, sizeof *out);
	if (len > AK_JWT_MAX_TOKEN)
		return REJECT("longer than %d bytes", AK_JWT_MAX_TOKEN);
	const char *dot1 = memchr(token, '.', len);
	const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		return REJECT("not three dot-separated parts");
	const char *payload = dot1 + 1, *sig = dot2 + 1;
	size_t header_len = (size_t)(dot1 - token), payload_len = (size_t)(dot2 - payload);
	size_t sig_len = len - (size_t)(sig - token);
	/* Scratch for the decoded header, then the payload: a segment of a token
	 * of at most AK_JWT_MAX_TOKEN bytes never decodes to more. */
	unsigned char buf[AK_JWT_MAX_TOKEN / 4 * 3 + 3];
	const ak_jwt_key *key = NULL;
	int rc = check_header(st, token, header_len, buf, sizeof buf, &key);
	if (rc)
		return rc;
	if (sig_len == 0)
		return REJECT("empty signature");
	/* Strict decode to exactly the MAC length: a non-canonical encoding of
	 * the right MAC is rejected too. */
	unsigned char mac[crypto_auth_hmacsha512_BYTES];
	size_t mac_len = 0;
	if (sig_len != st->sig_chars || ak_b64url_decode_to(sig, sig_len, mac, sizeof mac, &mac_len) != AUTHKIT_OK ||
	    mac_len != st->min_key_len)
		return REJECT("signature is not a base64url %s MAC", st->alg_name);
	/* Decoded strictly here; parsed only once the MAC is verified. */
	size_t json_len = 0;
	rc = ak_b64url_decode_to(payload, payload_len, buf, sizeof buf, &json_len);
	if (rc)
		return rc == AUTHKIT_ETOKEN ? REJECT("payload is not base64url") : rc;
	rc = check_signature(st, token, (size_t)(dot2 - token), mac, mac_len, key);
	if (rc)
		return rc;
	json_error_t err;
	json_t *claims = json_loadb((const char *)buf, json_len, JSON_REJECT_DUPLICATES, &err);
	if (!claims)
		return REJECT("payload is not JSON without duplicate keys");
	rc = ak_token_check_claims(st, claims, now, out);
	json_decref(claims);
	return rc;
}

static int resolve_mode(const struct ak_token_state *st, unsigned flags, bool *stateful)
{
	if (flags == AUTHKIT_VERIFY_DEFAULT)
		*stateful = st->stateful;
	else if (flags == AUTHKIT_VERIFY_STATELESS)
		*stateful = false;
	else if (flags == AUTHKIT_VERIFY_STATEFUL)
		*stateful = true;
	else
		return ak_fail(AUTHKIT_EINVALID, "flags must be one of AUTHKIT_VERIFY_DEFAULT, _STATELESS, _STATEFUL");
	return AUTHKIT_OK;
}

/* Rule 6: the token's session must be alive (checked on every call, cache
 * hit or not). */
static int check_session(authkit_ctx *ctx, const ak_claims *c)
{
	if (!c->sid[0])
		return REJECT("sid missing (stateful mode)");
	int rc = ak_session_alive(ctx, c->sid, c->user_id);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(AUTHKIT_EREVOKED, "token rejected: session does not exist");
	return rc;
}

AUTHKIT_EXTERN(int) authkit_token_verify(authkit_ctx *ctx, const char *token, unsigned flags,
                                         authkit_principal **out)
{
	ak_clear_error();
	if (!ctx || !token || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx, token and out must not be NULL");
	*out = NULL;
	struct ak_token_state *st = ctx->tokens;
	if (!st)
		return ak_fail(AUTHKIT_ECONFIG, "access tokens are off: no AUTHKIT_JWT_SECRET or JWT key configured");
	bool stateful = false;
	int rc = resolve_mode(st, flags, &stateful);
	if (rc)
		return rc;
	/* Rule 2: the size cap comes before anything reads the token. */
	size_t len = strnlen(token, AK_JWT_MAX_TOKEN + 1);
	if (len > AK_JWT_MAX_TOKEN)
		return REJECT("longer than %d bytes", AK_JWT_MAX_TOKEN);
	if (len == 0)
		return REJECT("empty");
	int64_t now = ak_now(ctx);
	ak_claims c;
	unsigned char key[32];
	bool hit = false;
	if (st->cache) {
		ak_token_cache_key(st->cache, token, len, key);
		hit = ak_token_cache_get(st->cache, key, now, st->leeway, &c);
	}
	if (!hit) {
		rc = ak_token_verify_signed(st, token, len, now, &c);
		if (rc)
			return rc;
		if (st->cache)
			ak_token_cache_put(st->cache, key, &c);
	}
	if (stateful && (rc = check_session(ctx, &c)) != AUTHKIT_OK)
		return rc;
	authkit_principal *p = NULL;
	rc = ak_principal_new(c.user_id, c.sid, AK_JWT_KIND_ACCESS, c.exp, c.roles, &p);
	if (rc == AUTHKIT_OK && (rc = ak_principal_set_jti(p, c.jti)) != AUTHKIT_OK)
		authkit_principal_free(p);
	if (rc == AUTHKIT_OK)
		*out = p;
	return rc;
}
