/*
 * Header parsers: `Authorization: Bearer` (RFC 6750 §2.1) and `Cookie`
 * (RFC 6265 §4.2 / §5.4). Pure functions over the caller's strings: no
 * context, no allocation but the returned copy.
 */
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

AUTHKIT_EXTERN(size_t) authkit_http_header_max(void)
{
	return AUTHKIT_HTTP_HEADER_MAX;
}

bool ak_http_is_tchar(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool ak_http_is_cookie_octet(unsigned char c)
{
	/* %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E */
	return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

/* RFC 6750 b64token character (before the trailing '=' padding). */
static bool is_b64token_char(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	return c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* ASCII case-insensitive comparison of n bytes (locale-independent). */
static bool ascii_ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

AUTHKIT_EXTERN(int) authkit_http_bearer(const char *authorization, const char **token_out, size_t *len_out)
{
	ak_clear_error();
	if (!token_out || !len_out)
		return ak_fail(AUTHKIT_EINVALID, "token_out and len_out must not be NULL");
	*token_out = NULL;
	*len_out = 0;
	if (!authorization)
		return ak_fail(AUTHKIT_ENOTFOUND, "no Authorization header");
	if (strnlen(authorization, AUTHKIT_HTTP_HEADER_MAX + 1) > AUTHKIT_HTTP_HEADER_MAX)
		return ak_fail(AUTHKIT_EINVALID, "Authorization header longer than %d bytes", AUTHKIT_HTTP_HEADER_MAX);

	const char *p = authorization;
	while (is_ows(*p))
		p++;
	/* The scheme runs to the first space, tab or the end. */
	size_t scheme_len = 0;
	while (p[scheme_len] && !is_ows(p[scheme_len]))
		scheme_len++;
	if (scheme_len == 0)
		return ak_fail(AUTHKIT_ENOTFOUND, "empty Authorization header");
	/* "Bearer,x", "Bearer:x", "Bearer\vx": a broken Bearer header, not another
	 * scheme, so the caller never falls back to another credential. */
	if (scheme_len > 6 && ascii_ieq(p, "bearer", 6))
		return ak_fail(AUTHKIT_EINVALID, "malformed Bearer scheme");
	for (size_t i = 0; i < scheme_len; i++)
		if (!ak_http_is_tchar((unsigned char)p[i]))
			return ak_fail(AUTHKIT_EINVALID, "malformed Authorization scheme");
	if (scheme_len != 6 || !ascii_ieq(p, "bearer", 6))
		return ak_fail(AUTHKIT_ENOTFOUND, "Authorization header uses another scheme");
	p += 6;

	size_t spaces = 0;
	while (p[spaces] == ' ')
		spaces++;
	if (spaces == 0 && *p != '\0')
		return ak_fail(AUTHKIT_EINVALID, "Bearer scheme must be followed by a space"); /* e.g. a tab */
	p += spaces;

	const char *token = p;
	while (is_b64token_char((unsigned char)*p))
		p++;
	if (p == token)
		return ak_fail(AUTHKIT_EINVALID, "empty or malformed Bearer token");
	while (*p == '=')
		p++;
	if (*p != '\0')
		return ak_fail(AUTHKIT_EINVALID, "unexpected characters after the Bearer token");
	*token_out = token;
	*len_out = (size_t)(p - token);
	return AUTHKIT_OK;
}

static int check_cookie_name(const char *name)
{
	size_t n = strnlen(name, AUTHKIT_HTTP_HEADER_MAX + 1);
	if (n == 0 || n > AUTHKIT_HTTP_HEADER_MAX)
		return ak_fail(AUTHKIT_EINVALID, "cookie name must be 1-%d characters", AUTHKIT_HTTP_HEADER_MAX);
	for (size_t i = 0; i < n; i++)
		if (!ak_http_is_tchar((unsigned char)name[i]))
			return ak_fail(AUTHKIT_EINVALID, "cookie name has a character outside RFC 9110 token");
	return AUTHKIT_OK;
}

static int copy_value(const char *v, size_t len, char **out)
{
	char *s = malloc(len + 1);
	if (!s)
		return ak_fail(AUTHKIT_ENOMEM, "cookie value allocation failed");
	memcpy(s, v, len);
	s[len] = '\0';
	*out = s;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_http_cookie_get(const char *cookie_header, const char *name, char **value_out)
{
	ak_clear_error();
	if (!value_out)
		return ak_fail(AUTHKIT_EINVALID, "value_out is NULL");
	*value_out = NULL;
	if (!cookie_header || !name)
		return ak_fail(AUTHKIT_EINVALID, "cookie_header and name must not be NULL");
	int rc = check_cookie_name(name);
	if (rc)
		return rc;
	size_t total = strnlen(cookie_header, AUTHKIT_HTTP_HEADER_MAX + 1);
	if (total > AUTHKIT_HTTP_HEADER_MAX)
		return ak_fail(AUTHKIT_EINVALID, "Cookie header longer than %d bytes", AUTHKIT_HTTP_HEADER_MAX);
	for (size_t i = 0; i < total; i++)
		if (cookie_header[i] != '\t' && is_ctl((unsigned char)cookie_header[i]))
			return ak_fail(AUTHKIT_EINVALID, "Cookie header contains control characters");

	size_t name_len = strlen(name);
	const char *p = cookie_header;
	while (*p) {
		/* One cookie-pair: up to the next ';' or the end. */
		const char *end = strchr(p, ';');
		if (!end)
			end = p + strlen(p);
		const char *ns = p;
		while (ns < end && is_ows(*ns))
			ns++;
		const char *eq = memchr(ns, '=', (size_t)(end - ns));
		if (eq) { /* RFC 6265 §5.2: a pair without '=' is ignored */
			const char *ne = eq;
			while (ne > ns && is_ows(ne[-1]))
				ne--;
			if ((size_t)(ne - ns) == name_len && memcmp(ns, name, name_len) == 0) {
				const char *vs = eq + 1, *ve = end;
				while (vs < ve && is_ows(*vs))
					vs++;
				while (ve > vs && is_ows(ve[-1]))
					ve--;
				if (ve - vs >= 2 && vs[0] == '"' && ve[-1] == '"') {
					vs++;
					ve--;
				}
				return copy_value(vs, (size_t)(ve - vs), value_out);
			}
		}
		p = *end ? end + 1 : end;
	}
	return ak_fail(AUTHKIT_ENOTFOUND, "no such cookie");
}
