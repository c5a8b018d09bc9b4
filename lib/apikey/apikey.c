/* API keys: ak_<public id>_<secret>, only SHA-256(secret) stored. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authkit/apikey.h"
#include "token/token_internal.h"

#define AK_APIKEY_PREFIX "ak_"
#define AK_APIKEY_PREFIX_LEN 3
#define AK_APIKEY_ID_BYTES 16
#define AK_APIKEY_SECRET_BYTES 32
#define AK_APIKEY_SECRET_CHARS 43
#define AK_APIKEY_TOUCH_SECONDS 60

_Static_assert(AUTHKIT_APIKEY_CHARS == AK_APIKEY_PREFIX_LEN + AUTHKIT_APIKEY_ID_CHARS + 1 + AK_APIKEY_SECRET_CHARS,
               "key layout");
_Static_assert(AUTHKIT_APIKEY_ID_CHARS < AUTHKIT_STORE_KEY_ID_BYTES, "public id fits the store");

static bool scope_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
	       c == ':' || c == '-';
}

/* Validate and normalise scopes into out (single spaces, no duplicates). */
static int normalize_scopes(const char *scopes, char out[AUTHKIT_STORE_SCOPES_BYTES])
{
	out[0] = '\0';
	if (!scopes)
		return AUTHKIT_OK;
	if (strnlen(scopes, 8192 + 1) > 8192)
		return ak_fail(AUTHKIT_EINVALID, "scopes are too long");
	size_t used = 0, count = 0;
	for (const char *p = scopes; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t n = 0;
		while (p[n] && p[n] != ' ') {
			if (!scope_char(p[n]))
				return ak_fail(AUTHKIT_EINVALID, "scopes must be space-separated A-Z a-z 0-9 _ . : -");
			n++;
		}
		if (n > AUTHKIT_APIKEY_SCOPE_MAX)
			return ak_fail(AUTHKIT_EINVALID, "a scope is longer than %d characters", AUTHKIT_APIKEY_SCOPE_MAX);
		/* duplicate? */
		bool dup = false;
		for (const char *q = out; *q && !dup;) {
			size_t m = strcspn(q, " ");
			dup = m == n && memcmp(q, p, n) == 0;
			q += m;
			while (*q == ' ')
				q++;
		}
		if (!dup) {
			if (++count > AUTHKIT_APIKEY_SCOPES_MAX)
				return ak_fail(AUTHKIT_EINVALID, "more than %d scopes", AUTHKIT_APIKEY_SCOPES_MAX);
			if (used + (used ? 1 : 0) + n + 1 > AUTHKIT_STORE_SCOPES_BYTES)
				return ak_fail(AUTHKIT_EINVALID, "scopes are longer than %d bytes in all",
				               AUTHKIT_STORE_SCOPES_BYTES - 1);
			if (used)
				out[used++] = ' ';
			memcpy(out + used, p, n);
			used += n;
			out[used] = '\0';
		}
		p += n;
	}
	return AUTHKIT_OK;
}

static int check_name(const char *name)
{
	if (!name)
		return ak_fail(AUTHKIT_EINVALID, "name is NULL");
	size_t n = strnlen(name, AUTHKIT_APIKEY_NAME_MAX + 1);
	if (n < 1 || n > AUTHKIT_APIKEY_NAME_MAX)
		return ak_fail(AUTHKIT_EINVALID, "name must be 1-%d bytes", AUTHKIT_APIKEY_NAME_MAX);
	if (!ak_utf8_valid(name, n, NULL) || ak_has_control(name, n))
		return ak_fail(AUTHKIT_EINVALID, "name must be UTF-8 without control characters");
	return AUTHKIT_OK;
}

static bool valid_public_id(const char *id)
{
	return id && strnlen(id, AUTHKIT_APIKEY_ID_CHARS + 1) == AUTHKIT_APIKEY_ID_CHARS &&
	       ak_is_b64url(id, AUTHKIT_APIKEY_ID_CHARS);
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* ---- create ---- */

AUTHKIT_EXTERN(int) authkit_apikey_create(authkit_ctx *ctx, int64_t user_id, const char *name, const char *scopes,
                                          int64_t expires_at, char **key_out, char **public_id_out)
{
	ak_clear_error();
	if (key_out)
		*key_out = NULL;
	if (public_id_out)
		*public_id_out = NULL;
	if (!ctx || !key_out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and key_out must not be NULL");
	if (user_id <= 0)
		return ak_fail(AUTHKIT_EINVALID, "user_id must be positive");
	int rc = check_name(name);
	if (rc)
		return rc;
	authkit_store_api_key row;
	memset(&row, 0, sizeof row);
	rc = normalize_scopes(scopes, row.scopes);
	if (rc)
		return rc;
	int64_t now = ak_now(ctx);
	if (expires_at < 0 || (expires_at != 0 && expires_at <= now))
		return ak_fail(AUTHKIT_EINVALID, "expires_at must be in the future, or 0 for never");

	char secret[AK_APIKEY_SECRET_CHARS + 1];
	ak_random_b64url(row.public_id, sizeof row.public_id, AK_APIKEY_ID_BYTES);
	ak_random_b64url(secret, sizeof secret, AK_APIKEY_SECRET_BYTES);
	crypto_hash_sha256(row.secret_hash, (const unsigned char *)secret, AK_APIKEY_SECRET_CHARS);
	row.user_id = user_id;
	ak_strlcpy(row.name, name, sizeof row.name);
	row.created_at = now;
	row.expires_at = expires_at;

	char *key = malloc(AUTHKIT_APIKEY_CHARS + 1);
	char *id = public_id_out ? dup_str(row.public_id) : NULL;
	if (!key || (public_id_out && !id)) {
		free(key);
		free(id);
		sodium_memzero(secret, sizeof secret);
		return ak_fail(AUTHKIT_ENOMEM, "allocation failed");
	}
	snprintf(key, AUTHKIT_APIKEY_CHARS + 1, AK_APIKEY_PREFIX "%s_%s", row.public_id, secret);
	sodium_memzero(secret, sizeof secret);

	authkit_store_user user;
	rc = ak_txn_begin(ctx);
	if (rc == AUTHKIT_OK) {
		rc = ak_user_load(ctx, user_id, &user);
		if (rc == AUTHKIT_OK)
			rc = ctx->store->api_key_insert(ctx->store, &row);
		if (rc == AUTHKIT_OK) {
			char detail[AUTHKIT_STORE_DETAIL_BYTES];
			snprintf(detail, sizeof detail, "id=%s", row.public_id);
			rc = ak_audit(ctx, user_id, "apikey.created", NULL, detail);
		}
		rc = ak_txn_end(ctx, rc);
	}
	sodium_memzero(&user, sizeof user);
	if (rc) {
		sodium_memzero(key, AUTHKIT_APIKEY_CHARS + 1);
		free(key);
		free(id);
		return rc;
	}
	*key_out = key;
	if (public_id_out)
		*public_id_out = id;
	return AUTHKIT_OK;
}

/* ---- verify ---- */

int ak_apikey_verify(authkit_ctx *ctx, const char *key, authkit_principal **out)
{
	/* Strict shape: the format is public, so rejecting early leaks nothing. */
	if (strnlen(key, AUTHKIT_APIKEY_CHARS + 1) != AUTHKIT_APIKEY_CHARS ||
	    memcmp(key, AK_APIKEY_PREFIX, AK_APIKEY_PREFIX_LEN) != 0 ||
	    key[AK_APIKEY_PREFIX_LEN + AUTHKIT_APIKEY_ID_CHARS] != '_' ||
	    !ak_is_b64url(key + AK_APIKEY_PREFIX_LEN + AUTHKIT_APIKEY_ID_CHARS + 1, AK_APIKEY_SECRET_CHARS))
		return ak_fail(AUTHKIT_ETOKEN, "malformed API key");
	char id[AUTHKIT_APIKEY_ID_CHARS + 1];
	memcpy(id, key + AK_APIKEY_PREFIX_LEN, AUTHKIT_APIKEY_ID_CHARS);
	id[AUTHKIT_APIKEY_ID_CHARS] = '\0';
	if (!ak_is_b64url(id, AUTHKIT_APIKEY_ID_CHARS))
		return ak_fail(AUTHKIT_ETOKEN, "malformed API key");
	const char *secret = key + AK_APIKEY_PREFIX_LEN + AUTHKIT_APIKEY_ID_CHARS + 1;

	authkit_store_api_key row;
	memset(&row, 0, sizeof row);
	int rc = ctx->store->api_key_get(ctx->store, id, &row);
	if (rc != AUTHKIT_OK && rc != AUTHKIT_ENOTFOUND)
		return rc;
	bool known = rc == AUTHKIT_OK;
	/* Unknown id: compare against a random digest so the path costs the same. */
	unsigned char expected[AUTHKIT_STORE_HASH_LEN], got[AUTHKIT_STORE_HASH_LEN];
	if (known)
		memcpy(expected, row.secret_hash, sizeof expected);
	else
		randombytes_buf(expected, sizeof expected);
	crypto_hash_sha256(got, (const unsigned char *)secret, AK_APIKEY_SECRET_CHARS);
	bool match = sodium_memcmp(got, expected, sizeof got) == 0;
	sodium_memzero(got, sizeof got);
	if (!known || !match)
		return ak_fail(AUTHKIT_ETOKEN, "unknown API key or wrong secret");

	int64_t now = ak_now(ctx);
	if (row.revoked_at != 0)
		return ak_fail(AUTHKIT_EREVOKED, "the API key is revoked");
	if (row.expires_at != 0 && row.expires_at <= now)
		return ak_fail(AUTHKIT_EEXPIRED, "the API key has expired");
	authkit_store_user user;
	rc = ak_user_load(ctx, row.user_id, &user);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(AUTHKIT_EREVOKED, "the API key's user no longer exists");
	if (rc)
		return rc;
	bool active = user.is_active != 0;
	sodium_memzero(&user, sizeof user);
	if (!active)
		return ak_fail(AUTHKIT_EREVOKED, "the API key's user is inactive");
	if (now - row.last_used_at >= AK_APIKEY_TOUCH_SECONDS) {
		rc = ctx->store->api_key_touch(ctx->store, id, now);
		if (rc && rc != AUTHKIT_ENOTFOUND)
			return rc;
	}
	authkit_principal *p = NULL;
	rc = ak_principal_new(row.user_id, NULL, "api_key", row.expires_at, NULL, &p);
	if (rc == AUTHKIT_OK)
		rc = ak_principal_set_scopes(p, row.scopes);
	if (rc == AUTHKIT_OK)
		rc = ak_principal_set_jti(p, id);
	if (rc) {
		authkit_principal_free(p);
		return rc;
	}
	*out = p;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_apikey_verify(authkit_ctx *ctx, const char *key, authkit_principal **out)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out is NULL");
	*out = NULL;
	if (!ctx || !key)
		return ak_fail(AUTHKIT_EINVALID, "ctx and key must not be NULL");
	return ak_apikey_verify(ctx, key, out);
}

/* ---- revoke ---- */

AUTHKIT_EXTERN(int) authkit_apikey_revoke(authkit_ctx *ctx, const char *public_id)
{
	ak_clear_error();
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	if (!valid_public_id(public_id))
		return ak_fail(AUTHKIT_EINVALID, "public_id must be %d base64url characters", AUTHKIT_APIKEY_ID_CHARS);
	authkit_store_api_key row;
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->api_key_get(ctx->store, public_id, &row);
	if (rc == AUTHKIT_ENOTFOUND)
		rc = ak_fail(rc, "no such API key");
	if (rc == AUTHKIT_OK && row.revoked_at == 0) {
		rc = ctx->store->api_key_revoke(ctx->store, public_id, ak_now(ctx));
		if (rc == AUTHKIT_OK) {
			char detail[AUTHKIT_STORE_DETAIL_BYTES];
			snprintf(detail, sizeof detail, "id=%s", public_id);
			rc = ak_audit(ctx, row.user_id, "apikey.revoked", NULL, detail);
		}
	}
	return ak_txn_end(ctx, rc);
}

/* ---- list ---- */

struct authkit_apikey_list {
	size_t count, capacity;
	authkit_store_api_key *items;
};

static int collect(const authkit_store_api_key *r, void *userdata)
{
	authkit_apikey_list *l = userdata;
	if (!ak_array_reserve(&l->items, &l->capacity, l->count, sizeof *l->items))
		return AUTHKIT_ENOMEM;
	authkit_store_api_key *it = &l->items[l->count++];
	*it = *r;
	memset(it->secret_hash, 0, sizeof it->secret_hash); /* never handed out */
	return 0;
}

AUTHKIT_EXTERN(int) authkit_apikey_list_user(authkit_ctx *ctx, int64_t user_id, authkit_apikey_list **out)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out is NULL");
	*out = NULL;
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	if (user_id <= 0)
		return ak_fail(AUTHKIT_EINVALID, "user_id must be positive");
	authkit_apikey_list *l = calloc(1, sizeof *l);
	if (!l)
		return ak_fail(AUTHKIT_ENOMEM, "list allocation failed");
	int rc = ctx->store->api_key_list(ctx->store, user_id, collect, l);
	if (rc) {
		authkit_apikey_list_free(l);
		return rc == AUTHKIT_ENOMEM ? ak_fail(rc, "list allocation failed") : rc;
	}
	*out = l;
	return AUTHKIT_OK;
}

static const authkit_store_api_key *item(const authkit_apikey_list *l, size_t i)
{
	return l && i < l->count ? &l->items[i] : NULL;
}

AUTHKIT_EXTERN(size_t) authkit_apikey_list_count(const authkit_apikey_list *l) { return l ? l->count : 0; }
AUTHKIT_EXTERN(const char *) authkit_apikey_list_public_id(const authkit_apikey_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->public_id : NULL;
}
AUTHKIT_EXTERN(const char *) authkit_apikey_list_name(const authkit_apikey_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->name : NULL;
}
AUTHKIT_EXTERN(const char *) authkit_apikey_list_scopes(const authkit_apikey_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->scopes : NULL;
}
AUTHKIT_EXTERN(int64_t) authkit_apikey_list_created_at(const authkit_apikey_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->created_at : 0;
}
AUTHKIT_EXTERN(int64_t) authkit_apikey_list_expires_at(const authkit_apikey_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->expires_at : 0;
}
AUTHKIT_EXTERN(int64_t) authkit_apikey_list_last_used_at(const authkit_apikey_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->last_used_at : 0;
}
AUTHKIT_EXTERN(int64_t) authkit_apikey_list_revoked_at(const authkit_apikey_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->revoked_at : 0;
}

AUTHKIT_EXTERN(void) authkit_apikey_list_free(authkit_apikey_list *l)
{
	if (!l)
		return;
	free(l->items);
	free(l);
}
