/* Input rules for user fields. Each returns AUTHKIT_OK or AUTHKIT_EINVALID
 * with a detail that names the field, never echoes it. */
#include <string.h>

#include "core/internal.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool all_chars_in(const char *s, size_t n, const char *extra)
{
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !strchr(extra, s[i]))
			return false;
	return true;
}

int ak_validate_username(const char *username)
{
	if (!username)
		return ak_fail(AUTHKIT_EINVALID, "username is NULL");
	size_t n = strnlen(username, AUTHKIT_USERNAME_MAX + 1);
	if (n < AUTHKIT_USERNAME_MIN || n > AUTHKIT_USERNAME_MAX)
		return ak_fail(AUTHKIT_EINVALID, "username must be %d-%d characters", AUTHKIT_USERNAME_MIN,
		               AUTHKIT_USERNAME_MAX);
	if (!all_chars_in(username, n, "_.-"))
		return ak_fail(AUTHKIT_EINVALID, "username may contain only A-Z a-z 0-9 _ . -");
	return AUTHKIT_OK;
}

/* RFC 5322 dot-atom local part (the part people actually use). */
static bool email_local_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return false;
		if (!is_alnum(s[i]) && !strchr("!#$%&'*+/=?^_`{|}~.-", s[i]))
			return false;
	}
	return true;
}

/* Host name of two or more labels of letters, digits and inner hyphens. */
static bool email_domain_ok(const char *s, size_t n)
{
	size_t label = 0, labels = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			labels++;
			label = 0;
			continue;
		}
		if (!is_alnum(s[i]) && !(s[i] == '-' && label > 0))
			return false;
		label++;
	}
	return labels >= 2;
}

int ak_normalize_email(const char *email, char *out)
{
	if (!email)
		return ak_fail(AUTHKIT_EINVALID, "email is NULL");
	size_t n = strnlen(email, AUTHKIT_EMAIL_MAX + 1);
	if (n == 0 || n > AUTHKIT_EMAIL_MAX)
		return ak_fail(AUTHKIT_EINVALID, "email must be 1-%d characters", AUTHKIT_EMAIL_MAX);
	const char *at = strchr(email, '@');
	if (!at || strchr(at + 1, '@') || !email_local_ok(email, (size_t)(at - email)) ||
	    !email_domain_ok(at + 1, n - (size_t)(at - email) - 1))
		return ak_fail(AUTHKIT_EINVALID, "email is not a valid address");
	ak_ascii_lower(out, AUTHKIT_STORE_EMAIL_BYTES, email);
	return AUTHKIT_OK;
}

int ak_validate_full_name(const char *full_name)
{
	if (!full_name)
		return AUTHKIT_OK; /* optional */
	size_t n = strnlen(full_name, AUTHKIT_STORE_FULL_NAME_BYTES), chars = 0;
	if (n >= AUTHKIT_STORE_FULL_NAME_BYTES || !ak_utf8_valid(full_name, n, &chars) ||
	    chars > AUTHKIT_FULL_NAME_MAX_CHARS)
		return ak_fail(AUTHKIT_EINVALID, "full name must be valid UTF-8 of at most %d characters",
		               AUTHKIT_FULL_NAME_MAX_CHARS);
	if (ak_has_control(full_name, n))
		return ak_fail(AUTHKIT_EINVALID, "full name must not contain control characters");
	return AUTHKIT_OK;
}

int ak_validate_role(const char *role)
{
	if (!role)
		return ak_fail(AUTHKIT_EINVALID, "role is NULL");
	size_t n = strnlen(role, AUTHKIT_ROLE_MAX + 1);
	if (n == 0 || n > AUTHKIT_ROLE_MAX || !all_chars_in(role, n, "_.:-"))
		return ak_fail(AUTHKIT_EINVALID, "role must be 1-%d characters of A-Z a-z 0-9 _ . : -", AUTHKIT_ROLE_MAX);
	return AUTHKIT_OK;
}

/* The host passes the client address as text (IPv4, IPv6, maybe a zone). */
int ak_validate_ip(const char *ip)
{
	if (!ip)
		return AUTHKIT_OK;
	size_t n = strnlen(ip, AUTHKIT_STORE_IP_BYTES);
	if (n >= AUTHKIT_STORE_IP_BYTES || !all_chars_in(ip, n, ".:%[]_-"))
		return ak_fail(AUTHKIT_EINVALID, "ip must be at most %d characters of an address",
		               AUTHKIT_STORE_IP_BYTES - 1);
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(size_t) authkit_username_max(void)
{
	return AUTHKIT_USERNAME_MAX;
}

AUTHKIT_EXTERN(size_t) authkit_email_max(void)
{
	return AUTHKIT_EMAIL_MAX;
}
