/*
 * Authenticate a request from its X-API-Key, Authorization and Cookie headers.
 *
 * Order: an X-API-Key (authkit_request_authenticate_ex only), else a Bearer
 * token (an API key or a JWT), else the session cookie, else "no credentials".
 * A credential that is present but bad is the answer: there is no fallback
 * from a rejected bearer token to the cookie (or back), so a stolen-but-
 * revoked token never "works" because a cookie happens to ride along.
 */
#include <sodium.h>
#include <string.h>

#include "authkit/apikey.h"
#include "http/http_internal.h"
#include "token/token_internal.h"

/* API keys (lib/apikey/): `ak_…` strings, as `Authorization: Bearer ak_…` or
 * `X-API-Key: ak_…`. A JWT always starts with "eyJ", so the two never
 * collide. */
#define AK_API_KEY_PREFIX "ak_"

static bool is_api_key(const char *token)
{
	return strncmp(token, AK_API_KEY_PREFIX, sizeof AK_API_KEY_PREFIX - 1) == 0;
}

static int authenticate_api_key(authkit_ctx *ctx, const char *key, authkit_principal **out)
{
	return ak_apikey_verify(ctx, key, out);
}

/* The X-API-Key value without surrounding spaces/tabs, into buf. Empty or
 * blank: absent (AUTHKIT_ENOTFOUND). */
static int x_api_key_value(const char *header, char *buf, size_t size)
{
	size_t n = strnlen(header, AUTHKIT_HTTP_HEADER_MAX + 1);
	if (n > AUTHKIT_HTTP_HEADER_MAX)
		return ak_fail(AUTHKIT_ETOKEN, "X-API-Key header is too long");
	while (n && (header[n - 1] == ' ' || header[n - 1] == '\t'))
		n--;
	while (n && (*header == ' ' || *header == '\t')) {
		header++;
		n--;
	}
	if (n == 0)
		return AUTHKIT_ENOTFOUND;
	if (n >= size)
		return ak_fail(AUTHKIT_ETOKEN, "malformed X-API-Key header");
	memcpy(buf, header, n);
	buf[n] = '\0';
	return AUTHKIT_OK;
}

static int authenticate_bearer(authkit_ctx *ctx, const char *token, authkit_principal **out)
{
	if (is_api_key(token))
		return authenticate_api_key(ctx, token, out);
	return authkit_token_verify(ctx, token, AUTHKIT_VERIFY_DEFAULT, out);
}

/* Roles of a user snapshot, space-separated, into out (AUTHKIT_STORE_ROLES_BYTES). */
static void join_roles(const authkit_user *u, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < authkit_user_role_count(u); i++) {
		const char *r = authkit_user_role(u, i);
		size_t n = strlen(r);
		if (used + n + (i ? 1 : 0) + 1 > size)
			break; /* cannot happen within the role limits */
		if (i)
			out[used++] = ' ';
		memcpy(out + used, r, n + 1);
		used += n;
	}
}

static int authenticate_session(authkit_ctx *ctx, const char *session_token, authkit_principal **out)
{
	authkit_session *s = NULL;
	int rc = authkit_session_check(ctx, session_token, &s);
	if (rc)
		return rc;
	authkit_user *u = NULL;
	rc = authkit_user_get_by_id(ctx, authkit_session_user_id(s), &u);
	if (rc == AUTHKIT_ENOTFOUND)
		rc = ak_fail(AUTHKIT_EREVOKED, "the session's user no longer exists");
	else if (rc == AUTHKIT_OK && !authkit_user_is_active(u))
		rc = ak_fail(AUTHKIT_EREVOKED, "the session's user is inactive");
	if (rc == AUTHKIT_OK) {
		char roles[AUTHKIT_STORE_ROLES_BYTES];
		join_roles(u, roles, sizeof roles);
		int64_t idle = authkit_session_idle_expires_at(s), abs = authkit_session_expires_at(s);
		rc = ak_principal_new(authkit_user_id(u), authkit_session_id(s), "session", idle < abs ? idle : abs,
		                      roles[0] ? roles : NULL, out);
	}
	authkit_user_free(u);
	authkit_session_free(s);
	return rc;
}

static int request_authenticate(authkit_ctx *ctx, const char *authorization, const char *cookie_header,
                                authkit_principal **out)
{

	/* 1. Bearer. Another scheme (Basic, ...) counts as no Authorization. */
	const char *token = NULL;
	size_t len = 0;
	int rc = authkit_http_bearer(authorization, &token, &len);
	if (rc == AUTHKIT_OK)
		return authenticate_bearer(ctx, token, out); /* token is NUL-terminated: nothing may follow it */
	if (rc != AUTHKIT_ENOTFOUND)
		return ak_fail(AUTHKIT_ETOKEN, "malformed Authorization: Bearer header");

	/* 2. Session cookie. */
	if (!cookie_header)
		return ak_fail(AUTHKIT_ENOTFOUND, "no credentials in the request");
	char name[AK_COOKIE_NAME_BYTES];
	rc = ak_http_cookie_name(ctx, name, sizeof name);
	if (rc)
		return rc;
	char *value = NULL;
	rc = authkit_http_cookie_get(cookie_header, name, &value);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(AUTHKIT_ENOTFOUND, "no credentials in the request");
	if (rc == AUTHKIT_ENOMEM)
		return rc;
	if (rc)
		return ak_fail(AUTHKIT_ETOKEN, "unparseable Cookie header");
	rc = authenticate_session(ctx, value, out);
	authkit_string_free(value);
	return rc;
}

AUTHKIT_EXTERN(int) authkit_request_authenticate(authkit_ctx *ctx, const char *authorization,
                                                 const char *cookie_header, authkit_principal **out)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out is NULL");
	*out = NULL;
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	return request_authenticate(ctx, authorization, cookie_header, out);
}

AUTHKIT_EXTERN(int) authkit_request_authenticate_ex(authkit_ctx *ctx, const char *authorization,
                                                    const char *cookie_header, const char *x_api_key,
                                                    authkit_principal **out)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out is NULL");
	*out = NULL;
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	/* 0. X-API-Key: present means it is the answer, good or bad. */
	if (x_api_key) {
		char key[AUTHKIT_APIKEY_CHARS + 2];
		int rc = x_api_key_value(x_api_key, key, sizeof key);
		if (rc == AUTHKIT_OK) {
			rc = is_api_key(key) ? authenticate_api_key(ctx, key, out)
			                     : ak_fail(AUTHKIT_ETOKEN, "X-API-Key is not an API key");
			sodium_memzero(key, sizeof key);
			return rc;
		}
		if (rc != AUTHKIT_ENOTFOUND)
			return rc;
	}
	return request_authenticate(ctx, authorization, cookie_header, out);
}
