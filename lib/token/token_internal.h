/* Access tokens (JWT): state, claims, cache and principals, shared by lib/token/
 * and used by other modules (request glue, API keys) through ak_principal_new. */
#ifndef AUTHKIT_TOKEN_INTERNAL_H
#define AUTHKIT_TOKEN_INTERNAL_H

#include <jwt.h>

#include "authkit/token.h"
#include "core/internal.h"

#define AK_JWT_MAX_TOKEN 8192   /* bytes; longer tokens are rejected before any decoding */
#define AK_JWT_MAX_TABLE 32     /* configured keys: secret + old secrets + explicit */
#define AK_JWT_SID_MAX 64
#define AK_JWT_JTI_MAX 64
#define AK_JWT_ROLES_MAX AUTHKIT_STORE_ROLES_BYTES /* space-separated, NUL included */
#define AK_JWT_KIND_MAX 16
#define AK_JWT_TIME_MAX INT64_C(253402300799) /* 9999-12-31: bounds every time claim */
#define AK_JWT_KIND_ACCESS "access"

typedef struct ak_jwt_key {
	char kid[AK_JWT_KID_MAX + 1];
	size_t kid_len;
	unsigned char key[AK_JWT_KEY_MAX];
	size_t len;
} ak_jwt_key;

typedef struct ak_token_cache ak_token_cache;

struct ak_token_state {
	jwt_alg_t alg;
	char alg_name[8];    /* "HS256" ... exactly as the header must carry it */
	size_t min_key_len;  /* hash size of the algorithm (RFC 7518 3.2) */
	size_t sig_chars;    /* base64url length of the MAC */
	ak_jwt_key keys[AK_JWT_MAX_TABLE];
	size_t key_count;
	int signing;         /* index into keys, -1: verify only */
	char issuer[256];
	char audience[256];
	int64_t leeway;      /* seconds */
	int stateful;
	int64_t lifetime;    /* seconds */
	ak_token_cache *cache; /* NULL when AUTHKIT_TOKEN_CACHE_SIZE is 0 */
};

/* The claims a verified access token carries (also what the cache stores). */
typedef struct ak_claims {
	int64_t user_id;
	int64_t iat;
	int64_t exp;
	int64_t not_before; /* max(iat, nbf) */
	char sid[AK_JWT_SID_MAX + 1];
	char jti[AK_JWT_JTI_MAX + 1];
	char roles[AK_JWT_ROLES_MAX];
} ak_claims;

/* ---- keys.c ---- */
/* Fill st's key table from settings (secret, old secrets, explicit keys).
 * AUTHKIT_ECONFIG with a detail that never contains key material. */
int ak_token_keys_load(struct ak_token_state *st, const ak_settings *s);
/* kid of a key: hex of the first 8 bytes of SHA-256(key). */
void ak_token_kid(const unsigned char *key, size_t len, char kid[17]);
/* Exact (length and bytes) lookup of kid in the table; NULL if absent. */
const ak_jwt_key *ak_token_key_find(const struct ak_token_state *st, const char *kid, size_t kid_len);

/* ---- b64.c ---- */
/* Strict unpadded base64url (table-driven, not constant time: for public
 * bytes). AUTHKIT_ETOKEN for empty or any non-canonical input: '=', '+', '/',
 * any other non-alphabet byte, length % 4 == 1, non-zero unused bits. */
/* Decode into a fresh malloc'd buffer (NUL appended, not counted). */
int ak_b64url_decode(const char *s, size_t n, unsigned char **out, size_t *out_len);
/* Decode into out (cap bytes; ak_b64url_decoded_max(n) always suffices,
 * AUTHKIT_EINVALID if cap is smaller than the decoded length). */
int ak_b64url_decode_to(const char *s, size_t n, unsigned char *out, size_t cap, size_t *out_len);
size_t ak_b64url_decoded_max(size_t n);
bool ak_b64url_chars(const char *s, size_t n);

/* ---- claims.c ---- */
/* Check a parsed payload at time now: must be an object; types, times, iss,
 * aud, sub, token_use, sid, jti, roles. AUTHKIT_EEXPIRED or AUTHKIT_ETOKEN
 * (detail names the check); *out zeroed on failure. */
struct json_t; /* jansson */
int ak_token_check_claims(const struct ak_token_state *st, const struct json_t *payload, int64_t now,
                          ak_claims *out);
/* The same on decoded payload bytes: parsed once with jansson, duplicate keys
 * rejected, then ak_token_check_claims. */
int ak_token_check_payload(const struct ak_token_state *st, const char *json, size_t len, int64_t now,
                           ak_claims *out);

/* ---- verify.c ---- */
/* Header, signature and claims of a token of length len (<= AK_JWT_MAX_TOKEN),
 * no cache, no session check. */
int ak_token_verify_signed(const struct ak_token_state *st, const char *token, size_t len, int64_t now,
                           ak_claims *out);

/* ---- cache.c ---- */
int ak_token_cache_new(size_t entries, ak_token_cache **out);
void ak_token_cache_free(ak_token_cache *c);
/* 32-byte keyed hash of a token: the cache key. */
void ak_token_cache_key(const ak_token_cache *c, const char *token, size_t len, unsigned char key[32]);
/* A hit copies the claims and returns true only while not_before - leeway
 * <= now <= exp + leeway; an entry outside that window is dropped. */
bool ak_token_cache_get(ak_token_cache *c, const unsigned char key[32], int64_t now, int64_t leeway, ak_claims *out);
void ak_token_cache_put(ak_token_cache *c, const unsigned char key[32], const ak_claims *claims);
/* Hits / insertions since the context opened (white-box tests). */
uint64_t ak_token_cache_hits(const authkit_ctx *ctx);
uint64_t ak_token_cache_puts(const authkit_ctx *ctx);

/* ---- principal.c ---- */
/* A principal for other modules (request glue, API keys). session_id may be
 * NULL; kind 1-15 characters; roles space-separated, may be NULL.
 * AUTHKIT_EINVALID for bad arguments. */
int ak_principal_new(int64_t user_id, const char *session_id, const char *kind, int64_t expires_at,
                     const char *roles, authkit_principal **out);
/* Set the token id (NULL or <= AK_JWT_JTI_MAX chars). */
int ak_principal_set_jti(authkit_principal *p, const char *jti);
/* Set the scopes (API keys): space-separated, already validated by the
 * caller; NULL for none. AUTHKIT_EINVALID if too long or too many. */
#define AK_PRINCIPAL_SCOPES_MAX 32
int ak_principal_set_scopes(authkit_principal *p, const char *scopes);
/* Split and validate space-separated roles; the count is returned. */
int ak_roles_validate(const char *roles, size_t *count_out);

#endif
