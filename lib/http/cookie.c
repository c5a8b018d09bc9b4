/*
 * The session cookie: its effective name and a hardened Set-Cookie value
 * (HttpOnly, SameSite, Path=/, Secure + `__Host-` prefix when configured,
 * never Domain). Configuration is checked here, where it is used: a bad
 * AUTHKIT_COOKIE_* value is AUTHKIT_ECONFIG.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

static bool has_prefix_nocase(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++) {
		unsigned char a = (unsigned char)*s, b = (unsigned char)*prefix;
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

int ak_http_cookie_name(const authkit_ctx *ctx, char *out, size_t out_size)
{
	const ak_settings *s = &ctx->settings;
	const char *name = s->cookie_name;
	size_t n = strlen(name);
	if (n == 0)
		return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_COOKIE_NAME is empty");
	for (size_t i = 0; i < n; i++)
		if (!ak_http_is_tchar((unsigned char)name[i]))
			return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_COOKIE_NAME is not a valid cookie name");
	/* Browsers match the prefixes case-insensitively (RFC 6265bis §4.1.3). */
	bool host = has_prefix_nocase(name, "__Host-");
	bool prefixed = host || has_prefix_nocase(name, "__Secure-");
	/* Older browsers honour only the exact spellings. */
	if (prefixed && strncmp(name, "__Host-", 7) != 0 && strncmp(name, "__Secure-", 9) != 0)
		return ak_fail(AUTHKIT_ECONFIG, "write the cookie prefix exactly as __Host- or __Secure-");
	if (!s->cookie_secure) {
		if (prefixed)
			return ak_fail(AUTHKIT_ECONFIG, "a __Host-/__Secure- cookie name needs AUTHKIT_COOKIE_SECURE=1");
		ak_strlcpy(out, name, out_size);
		return AUTHKIT_OK;
	}
	if (host) {
		ak_strlcpy(out, name, out_size);
		return AUTHKIT_OK;
	}
	if (n + sizeof "__Host-" > out_size)
		return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_COOKIE_NAME is too long");
	snprintf(out, out_size, "__Host-%s", name);
	return AUTHKIT_OK;
}

static int samesite(const ak_settings *s, const char **out)
{
	static const char *const values[] = {"Strict", "Lax", "None"};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		if (strlen(s->cookie_samesite) == strlen(values[i]) && has_prefix_nocase(s->cookie_samesite, values[i])) {
			if (i == 2 && !s->cookie_secure)
				return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_COOKIE_SAMESITE=None needs AUTHKIT_COOKIE_SECURE=1");
			*out = values[i];
			return AUTHKIT_OK;
		}
	}
	return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_COOKIE_SAMESITE must be Strict, Lax or None");
}

static char *dup_string(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

AUTHKIT_EXTERN(int) authkit_http_cookie_name(authkit_ctx *ctx, char **name_out)
{
	ak_clear_error();
	if (!name_out)
		return ak_fail(AUTHKIT_EINVALID, "name_out is NULL");
	*name_out = NULL;
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	char name[AK_COOKIE_NAME_BYTES];
	int rc = ak_http_cookie_name(ctx, name, sizeof name);
	if (rc)
		return rc;
	*name_out = dup_string(name);
	return *name_out ? AUTHKIT_OK : ak_fail(AUTHKIT_ENOMEM, "cookie name allocation failed");
}

static int check_value(const char *value)
{
	if (!value)
		return ak_fail(AUTHKIT_EINVALID, "value is NULL");
	size_t n = strnlen(value, AK_COOKIE_VALUE_MAX + 1);
	if (n == 0 || n > AK_COOKIE_VALUE_MAX)
		return ak_fail(AUTHKIT_EINVALID, "cookie value must be 1-%d characters", AK_COOKIE_VALUE_MAX);
	for (size_t i = 0; i < n; i++)
		if (!ak_http_is_cookie_octet((unsigned char)value[i]))
			return ak_fail(AUTHKIT_EINVALID, "cookie value has a character outside RFC 6265 cookie-octet");
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_http_set_cookie(authkit_ctx *ctx, const char *value, int64_t max_age_seconds,
                                            char **header_out)
{
	ak_clear_error();
	if (!header_out)
		return ak_fail(AUTHKIT_EINVALID, "header_out is NULL");
	*header_out = NULL;
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	if (max_age_seconds < 0)
		return ak_fail(AUTHKIT_EINVALID, "max_age_seconds must not be negative");
	if (max_age_seconds == 0)
		value = ""; /* deletion cookie */
	else {
		int rc = check_value(value);
		if (rc)
			return rc;
		if (max_age_seconds > AK_COOKIE_MAX_AGE_CAP)
			max_age_seconds = AK_COOKIE_MAX_AGE_CAP;
	}
	char name[AK_COOKIE_NAME_BYTES];
	const char *same_site = NULL;
	int rc = ak_http_cookie_name(ctx, name, sizeof name);
	if (rc == AUTHKIT_OK)
		rc = samesite(&ctx->settings, &same_site);
	if (rc)
		return rc;

	const char *secure = ctx->settings.cookie_secure ? "; Secure" : "";
	const char *fmt = "%s=%s; Path=/; Max-Age=%" PRId64 "; HttpOnly%s; SameSite=%s";
	int len = snprintf(NULL, 0, fmt, name, value, max_age_seconds, secure, same_site);
	if (len < 0)
		return ak_fail(AUTHKIT_ENOMEM, "Set-Cookie formatting failed");
	char *h = malloc((size_t)len + 1);
	if (!h)
		return ak_fail(AUTHKIT_ENOMEM, "Set-Cookie allocation failed");
	snprintf(h, (size_t)len + 1, fmt, name, value, max_age_seconds, secure, same_site);
	*header_out = h;
	return AUTHKIT_OK;
}
