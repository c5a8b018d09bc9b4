/*
 * Password policy (SECURITY.md, Passwords): length in code points, a byte
 * cap, valid UTF-8 without control characters, not a common password, and
 * no username or email local part inside. No composition rules.
 * Detail messages name the rule, never the password.
 */
#include <string.h>

#include "core/internal.h"

/* Shortest email local part worth rejecting: "al" inside a passphrase is
 * a coincidence, not a context word. */
#define AK_MIN_LOCAL_PART 3

static char lower_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII) search for the first needle_len bytes of needle:
 * the email local part is not NUL-terminated where it ends. */
static bool contains_nocase_n(const char *haystack, const char *needle, size_t needle_len)
{
	size_t hn = strlen(haystack);
	for (size_t i = 0; needle_len > 0 && i + needle_len <= hn; i++) {
		size_t k = 0;
		while (k < needle_len && lower_ascii(haystack[i + k]) == lower_ascii(needle[k]))
			k++;
		if (k == needle_len)
			return true;
	}
	return false;
}

static int check_text(const ak_settings *s, const char *password)
{
	size_t len = strnlen(password, AUTHKIT_PASSWORD_MAX_BYTES + 1);
	if (len > AUTHKIT_PASSWORD_MAX_BYTES)
		return ak_fail(AUTHKIT_EPASSWORD, "password must be at most %d bytes", AUTHKIT_PASSWORD_MAX_BYTES);
	size_t codepoints = 0;
	if (!ak_utf8_valid(password, len, &codepoints))
		return ak_fail(AUTHKIT_EINVALID, "password must be valid UTF-8");
	if (ak_has_control(password, len))
		return ak_fail(AUTHKIT_EPASSWORD, "password must not contain control characters");
	if (s->password_min_length > 0 && codepoints < (size_t)s->password_min_length)
		return ak_fail(AUTHKIT_EPASSWORD, "password must be at least %d characters", s->password_min_length);
	return AUTHKIT_OK;
}

static int check_context_words(const char *password, const char *username, const char *email)
{
	if (username && username[0] && ak_contains_nocase(password, username))
		return ak_fail(AUTHKIT_EPASSWORD, "password must not contain the username");
	if (email) {
		const char *at = strchr(email, '@');
		size_t local = at ? (size_t)(at - email) : strlen(email);
		if (local >= AK_MIN_LOCAL_PART && contains_nocase_n(password, email, local))
			return ak_fail(AUTHKIT_EPASSWORD, "password must not contain the email's local part");
	}
	return AUTHKIT_OK;
}

int ak_password_policy(const ak_settings *s, const char *password, const char *username, const char *email)
{
	if (!s || !password)
		return ak_fail(AUTHKIT_EINVALID, "password must not be NULL");
	int rc = check_text(s, password);
	if (rc)
		return rc;
	if (ak_common_password_contains(password))
		return ak_fail(AUTHKIT_EPASSWORD, "password is in the list of common passwords");
	return check_context_words(password, username, email);
}

AUTHKIT_EXTERN(int) authkit_password_check(authkit_ctx *ctx, const char *password, const char *username,
                                           const char *email)
{
	ak_clear_error();
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx must not be NULL");
	return ak_password_policy(&ctx->settings, password, username, email);
}

AUTHKIT_EXTERN(int) authkit_password_is_common(const char *password)
{
	return ak_common_password_contains(password) ? 1 : 0;
}

AUTHKIT_EXTERN(size_t) authkit_password_common_count(void)
{
	return ak_common_password_count();
}

AUTHKIT_EXTERN(size_t) authkit_password_max_bytes(void)
{
	return AUTHKIT_PASSWORD_MAX_BYTES;
}
