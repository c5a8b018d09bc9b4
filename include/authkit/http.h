/*
 * libauthkit — framework-agnostic HTTP request glue.
 *
 * Helpers a host's HTTP layer calls with raw header values; none of them
 * knows about a particular server library:
 *  - authkit_http_bearer(): the token of an `Authorization: Bearer` value;
 *  - authkit_http_cookie_get(): one cookie of a `Cookie` header;
 *  - authkit_http_set_cookie() / authkit_http_cookie_name(): the hardened
 *    `Set-Cookie` value for the session cookie and the name to read back;
 *  - authkit_csrf_issue() / authkit_csrf_verify(): CSRF tokens bound to a
 *    session (for cookie-authenticated, state-changing requests);
 *  - authkit_request_authenticate() / _ex(): a principal from an API key,
 *    an access token or the session cookie.
 *
 * Header values are limited to AUTHKIT_HTTP_HEADER_MAX (8 KiB) bytes.
 */
#ifndef AUTHKIT_HTTP_H
#define AUTHKIT_HTTP_H

#include "common.h"
#include "ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Declared in token.h; repeated here so this header stands alone. */
typedef struct authkit_principal authkit_principal;

/** Longest header value the parsers accept, in bytes (without the NUL). */
#define AUTHKIT_HTTP_HEADER_MAX 8192
AUTHKIT_EXTERN(size_t) authkit_http_header_max(void);

/**
 * Parse an `Authorization` header value of the form `Bearer <token>`
 * (RFC 6750: scheme case-insensitive, one or more spaces, a b64token
 * `[A-Za-z0-9-._~+/]+=*`, nothing after it; leading spaces/tabs of the value
 * are ignored). On success *token_out points into authorization (borrowed,
 * NUL-terminated since nothing may follow) and *len_out is its length.
 * AUTHKIT_ENOTFOUND when authorization is NULL, empty or uses another
 * well-formed scheme (e.g. Basic); AUTHKIT_EINVALID when it is a malformed
 * Bearer value, a scheme that starts with "Bearer" but is not exactly it
 * ("Bearer,x", "Bearerx"), a scheme that is not an HTTP token, longer than
 * AUTHKIT_HTTP_HEADER_MAX, or an out pointer is NULL.
 */
AUTHKIT_EXTERN(int) authkit_http_bearer(const char *authorization, const char **token_out, size_t *len_out);

/**
 * The value of the first cookie named exactly name (case-sensitive) in a
 * `Cookie` header value (`a=b; c=d`; a missing space after `;` is
 * tolerated, a value in double quotes is returned without them, pairs
 * without `=` are skipped). *value_out is a copy, freed with
 * authkit_string_free(). AUTHKIT_ENOTFOUND when there is no such cookie;
 * AUTHKIT_EINVALID when an argument is NULL, name is not a cookie name, or
 * the header is longer than AUTHKIT_HTTP_HEADER_MAX or contains control
 * characters.
 */
AUTHKIT_EXTERN(int) authkit_http_cookie_get(const char *cookie_header, const char *name, char **value_out);

/**
 * The session cookie's effective name: AUTHKIT_COOKIE_NAME, prefixed with
 * `__Host-` when AUTHKIT_COOKIE_SECURE is 1 (unless it already has the
 * prefix). Read the cookie under this name. Free with authkit_string_free().
 * AUTHKIT_ECONFIG when the configured name is not a valid cookie name or
 * uses a `__Host-`/`__Secure-` prefix without AUTHKIT_COOKIE_SECURE.
 */
AUTHKIT_EXTERN(int) authkit_http_cookie_name(authkit_ctx *ctx, char **name_out);

/**
 * A `Set-Cookie` header value (without the `Set-Cookie: ` part) for the
 * session cookie, e.g. with the defaults:
 *   `__Host-authkit_session=<value>; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax`
 * Never a Domain attribute. SameSite comes from AUTHKIT_COOKIE_SAMESITE
 * (Strict, Lax or None, any case); None without AUTHKIT_COOKIE_SECURE is
 * AUTHKIT_ECONFIG. max_age_seconds 0 builds the deletion cookie (empty
 * value, Max-Age=0; value is ignored and may be NULL); values above 400 days
 * are lowered to 400 days (RFC 6265bis). Otherwise value must be 1–4096
 * cookie-octets (no space, `"`, `,`, `;`, `\`, control or non-ASCII bytes)
 * or the call fails with AUTHKIT_EINVALID, as it does for a negative
 * max_age_seconds. Free with authkit_string_free().
 */
AUTHKIT_EXTERN(int) authkit_http_set_cookie(authkit_ctx *ctx, const char *value, int64_t max_age_seconds,
                                            char **header_out);

/**
 * A CSRF token bound to a session id (the public id, e.g.
 * authkit_login_session_id() / authkit_principal_session_id()): 64 base64url
 * characters, a fresh random nonce and an HMAC-SHA256 under a key derived
 * from AUTHKIT_JWT_SECRET, so every process sharing the secret accepts it.
 * Put it in forms (hidden field) or a header; it is not a secret from the
 * user, only from other sites. AUTHKIT_ECONFIG without AUTHKIT_JWT_SECRET.
 * Free with authkit_string_free().
 */
AUTHKIT_EXTERN(int) authkit_csrf_issue(authkit_ctx *ctx, const char *session_id, char **token_out);

/**
 * AUTHKIT_OK when token was issued for session_id with the configured
 * secret; AUTHKIT_ETOKEN otherwise (NULL, malformed, tampered, another
 * session's). Compared in constant time. AUTHKIT_ECONFIG without
 * AUTHKIT_JWT_SECRET; AUTHKIT_EINVALID for a NULL ctx or a NULL/invalid
 * session_id.
 */
AUTHKIT_EXTERN(int) authkit_csrf_verify(authkit_ctx *ctx, const char *session_id, const char *token);

/** Length of a CSRF token in characters (without the NUL). */
#define AUTHKIT_CSRF_TOKEN_CHARS 64
AUTHKIT_EXTERN(size_t) authkit_csrf_token_chars(void);

/**
 * Authenticate a request from its raw `Authorization` and `Cookie` header
 * values (either may be NULL when the request has none):
 *  1. a Bearer token → authkit_apikey_verify() for an `ak_` key (apikey.h),
 *     else authkit_token_verify(AUTHKIT_VERIFY_DEFAULT);
 *  2. otherwise the session cookie (authkit_http_cookie_name()) →
 *     authkit_session_check(), giving a principal of kind "session" with
 *     the user's roles and expires_at = the earlier of the idle and
 *     absolute expiry;
 *  3. otherwise AUTHKIT_ENOTFOUND (no credentials: answer 401 / redirect).
 * A credential that is present but bad returns its error (AUTHKIT_ETOKEN,
 * AUTHKIT_EEXPIRED, AUTHKIT_EREVOKED, ...; a malformed Bearer value or an
 * unparseable Cookie header is AUTHKIT_ETOKEN) and never falls back to the
 * other credential. An Authorization header with another scheme counts as
 * absent. Cookie-authenticated requests that change state must also pass
 * authkit_csrf_verify(). Free *out with authkit_principal_free().
 */
AUTHKIT_EXTERN(int) authkit_request_authenticate(authkit_ctx *ctx, const char *authorization,
                                                 const char *cookie_header, authkit_principal **out);

/**
 * authkit_request_authenticate() with the raw `X-API-Key` header value too
 * (may be NULL). A non-blank X-API-Key is checked first (surrounding
 * spaces and tabs ignored) with authkit_apikey_verify() and is the answer:
 * a bad one returns its error (AUTHKIT_ETOKEN for anything that is not a
 * valid key, AUTHKIT_EREVOKED, AUTHKIT_EEXPIRED) and never falls back to
 * Authorization or the cookie. NULL, empty or blank: as
 * authkit_request_authenticate().
 */
AUTHKIT_EXTERN(int) authkit_request_authenticate_ex(authkit_ctx *ctx, const char *authorization,
                                                    const char *cookie_header, const char *x_api_key,
                                                    authkit_principal **out);

#ifdef __cplusplus
}
#endif
#endif
