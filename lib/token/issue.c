/* authkit_token_issue_access: a JWT signed by libjwt with the signing key. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"


static int check_args(const struct ak_token_state *st, int64_t user_id, const char *session_id, const char *roles,
                      size_t *role_count)
{
	if (user_id <= 0)
		return ak_fail(AUTHKIT_EINVALID, "user_id must be positive");
	if (session_id) {
		size_t n = strnlen(session_id, AK_JWT_SID_MAX + 1);
		if (n == 0 || n > AK_JWT_SID_MAX || !ak_b64url_chars(session_id, n))
			return ak_fail(AUTHKIT_EINVALID, "session_id must be 1-%d base64url characters", AK_JWT_SID_MAX);
	}
	int rc = ak_roles_validate(roles, role_count);
	if (rc)
		return rc;
	if (st->signing < 0)
		return ak_fail(AUTHKIT_ECONFIG, "no signing JWT key: only verification keys are configured");
	return AUTHKIT_OK;
}

/* {"roles": [...]} from a validated space-separated list. */
static char *roles_json(const char *roles)
{
	json_t *arr = json_array();
	char buf[AK_JWT_ROLES_MAX];
	ak_strlcpy(buf, roles, sizeof buf);
	char *save = NULL;
	for (char *r = strtok_r(buf, " ", &save); r && arr; r = strtok_r(NULL, " ", &save))
		if (json_array_append_new(arr, json_string(r)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	json_t *obj = arr ? json_pack("{so}", "roles", arr) : NULL;
	char *s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	return s;
}

static int add_claims(const struct ak_token_state *st, jwt_t *jwt, int64_t user_id, const char *session_id,
                      const char *roles, size_t role_count, int64_t now, int64_t exp)
{
	char sub[24], jti[AK_JWT_JTI_MAX + 1];
	snprintf(sub, sizeof sub, "%" PRId64, user_id);
	ak_random_b64url(jti, sizeof jti, 16); /* 128 random bits */
	const ak_jwt_key *key = &st->keys[st->signing];
	int err = jwt_set_alg(jwt, st->alg, key->key, (int)key->len);
	err = err ? err : jwt_add_header(jwt, "kid", key->kid);
	err = err ? err : jwt_add_grant(jwt, "iss", st->issuer);
	err = err ? err : jwt_add_grant(jwt, "aud", st->audience);
	err = err ? err : jwt_add_grant(jwt, "sub", sub);
	if (session_id)
		err = err ? err : jwt_add_grant(jwt, "sid", session_id);
	err = err ? err : jwt_add_grant_int(jwt, "iat", (long)now);
	err = err ? err : jwt_add_grant_int(jwt, "exp", (long)exp);
	err = err ? err : jwt_add_grant(jwt, "jti", jti);
	err = err ? err : jwt_add_grant(jwt, "token_use", AK_JWT_KIND_ACCESS);
	if (!err && role_count > 0) {
		char *json = roles_json(roles);
		err = json ? jwt_add_grants_json(jwt, json) : ENOMEM;
		free(json);
	}
	return err ? ak_fail(err == ENOMEM ? AUTHKIT_ENOMEM : AUTHKIT_ECRYPTO, "building the JWT failed") : AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_token_issue_access(authkit_ctx *ctx, int64_t user_id, const char *session_id,
                                               const char *roles, char **token_out, int64_t *expires_at_out)
{
	ak_clear_error();
	if (!ctx || !token_out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and token_out must not be NULL");
	*token_out = NULL;
	if (expires_at_out)
		*expires_at_out = 0;
	const struct ak_token_state *st = ctx->tokens;
	if (!st)
		return ak_fail(AUTHKIT_ECONFIG, "access tokens are off: no AUTHKIT_JWT_SECRET or JWT key configured");
	size_t role_count = 0;
	int rc = check_args(st, user_id, session_id, roles, &role_count);
	if (rc)
		return rc;
	int64_t now = ak_now(ctx);
	int64_t exp = now + st->lifetime;
	jwt_t *jwt = NULL;
	if (jwt_new(&jwt) != 0)
		return ak_fail(AUTHKIT_ENOMEM, "jwt_new failed");
	rc = add_claims(st, jwt, user_id, session_id, roles, role_count, now, exp);
	char *encoded = rc ? NULL : jwt_encode_str(jwt);
	jwt_free(jwt); /* libjwt wipes its copy of the key */
	if (rc)
		return rc;
	if (!encoded)
		return ak_fail(AUTHKIT_ECRYPTO, "jwt_encode_str failed");
	/* Our own allocation, so authkit_string_free() owns what we return. */
	size_t n = strlen(encoded);
	char *copy = n <= AK_JWT_MAX_TOKEN ? malloc(n + 1) : NULL;
	if (copy)
		memcpy(copy, encoded, n + 1);
	sodium_memzero(encoded, n);
	free(encoded);
	if (!copy)
		return ak_fail(n > AK_JWT_MAX_TOKEN ? AUTHKIT_EINVALID : AUTHKIT_ENOMEM, "token too long or out of memory");
	*token_out = copy;
	if (expires_at_out)
		*expires_at_out = exp;
	return AUTHKIT_OK;
}
