/*
 * Fuzz target: authkit_token_verify() in stateless mode (header and payload
 * parsing, key lookup, MAC check, every claim check). Never crashes; a
 * token it accepts yields a well-formed principal.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static authkit_ctx *ctx;
	if (!ctx)
		/* No cache: each input is judged on its own, whatever ran before. */
		ctx = fuzz_ctx_open("AUTHKIT_TOKEN_CACHE_SIZE", "0");
	char *token = fuzz_strdup(data, size);
	authkit_principal *p = NULL;
	int rc = authkit_token_verify(ctx, token, AUTHKIT_VERIFY_STATELESS, &p);
	if (rc == AUTHKIT_OK) {
		fuzz_principal_check(p);
		if (strcmp(authkit_principal_kind(p), "access") != 0)
			abort();
	} else if (p != NULL || (rc != AUTHKIT_ETOKEN && rc != AUTHKIT_EEXPIRED && rc != AUTHKIT_ENOMEM)) {
		fprintf(stderr, "unexpected result %d (%s)\n", rc, authkit_error_last());
		abort();
	}
	authkit_principal_free(p);
	free(token);
	return 0;
}
