/*
 * Fuzz target: the raw-header parsers. The input is used as an
 * Authorization value (authkit_http_bearer), as a Cookie value
 * (authkit_http_cookie_get under a few names), and as each header of
 * authkit_request_authenticate(); an input holding a newline is also split
 * there into an Authorization and a Cookie value for one combined call.
 */
#include "fuzz_common.h"

static authkit_ctx *ctx;
static char *session_cookie;

static void authenticate(const char *authorization, const char *cookie)
{
	authkit_principal *p = NULL;
	int rc = authkit_request_authenticate(ctx, authorization, cookie, &p);
	if (rc == AUTHKIT_OK)
		fuzz_principal_check(p);
	else if (p != NULL)
		abort();
	authkit_principal_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ctx) {
		ctx = fuzz_ctx_open(NULL, NULL);
		fuzz_check(authkit_http_cookie_name(ctx, &session_cookie), "cookie_name");
	}
	char *s = fuzz_strdup(data, size);
	size_t len = strlen(s);

	const char *tok = NULL;
	size_t tok_len = 0;
	int rc = authkit_http_bearer(s, &tok, &tok_len);
	if (rc == AUTHKIT_OK) {
		/* Borrowed from s, NUL-terminated, nothing after it. */
		if (!tok || tok < s || tok + tok_len != s + len || tok_len == 0 || strlen(tok) != tok_len)
			abort();
	} else if (rc != AUTHKIT_ENOTFOUND && rc != AUTHKIT_EINVALID) {
		abort();
	}

	const char *names[] = {session_cookie, "authkit_session", "sid", "a"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *value = NULL;
		rc = authkit_http_cookie_get(s, names[i], &value);
		if (rc == AUTHKIT_OK) {
			if (!value || strlen(value) > len)
				abort();
		} else if (value != NULL || (rc != AUTHKIT_ENOTFOUND && rc != AUTHKIT_EINVALID && rc != AUTHKIT_ENOMEM)) {
			abort();
		}
		authkit_string_free(value);
	}

	authenticate(s, NULL);
	authenticate(NULL, s);
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		authenticate(s, nl + 1);
	}
	free(s);
	return 0;
}
