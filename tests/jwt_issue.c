/*
 * Helper for check_jwt_interop.py, through the public API only:
 *   jwt_issue issue  <secret>          print an access token for user 42
 *   jwt_issue verify <secret> <token>  verify (stateless); print the claims
 * The secret is given as AUTHKIT_JWT_SECRET would be (hex or base64).
 * Exit 0 on success, 1 on rejection, 2 on usage or setup errors.
 */
#include <stdio.h>
#include <string.h>

#include "authkit.h"

static authkit_ctx *open_ctx(const char *secret)
{
	authkit_config *cfg = NULL;
	authkit_ctx *ctx = NULL;
	if (authkit_config_new(&cfg) || authkit_config_set(cfg, "AUTHKIT_DB", ":memory:") ||
	    authkit_config_set_int(cfg, "AUTHKIT_ARGON2_OPSLIMIT", 2) ||
	    authkit_config_set_int(cfg, "AUTHKIT_ARGON2_MEMLIMIT", 19 * 1024 * 1024) ||
	    authkit_config_set(cfg, "AUTHKIT_JWT_SECRET", secret) || authkit_ctx_open(&ctx, cfg)) {
		fprintf(stderr, "setup: %s\n", authkit_error_last());
		ctx = NULL;
	}
	authkit_config_free(cfg);
	return ctx;
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "issue") != 0 && strcmp(argv[1], "verify") != 0) ||
	    (strcmp(argv[1], "verify") == 0 && argc != 4)) {
		fprintf(stderr, "usage: jwt_issue issue <secret> | verify <secret> <token>\n");
		return 2;
	}
	authkit_ctx *ctx = open_ctx(argv[2]);
	if (!ctx)
		return 2;
	int status = 0;
	if (strcmp(argv[1], "issue") == 0) {
		char *token = NULL;
		int rc = authkit_token_issue_access(ctx, 42, "c2lkLXNlc3Npb24tMDAx", "admin editor", &token, NULL);
		if (rc) {
			fprintf(stderr, "issue: %s\n", authkit_error_last());
			status = 2;
		} else {
			printf("%s\n", token);
		}
		authkit_string_free(token);
	} else {
		authkit_principal *p = NULL;
		int rc = authkit_token_verify(ctx, argv[3], AUTHKIT_VERIFY_STATELESS, &p);
		if (rc) {
			printf("rejected %d %s\n", rc, authkit_error_last());
			status = 1;
		} else {
			printf("ok user=%lld sid=%s kind=%s roles=", (long long)authkit_principal_user_id(p),
			       authkit_principal_session_id(p), authkit_principal_kind(p));
			for (size_t i = 0; i < authkit_principal_role_count(p); i++)
				printf("%s%s", i ? "," : "", authkit_principal_role(p, i));
			printf("\n");
		}
		authkit_principal_free(p);
	}
	authkit_ctx_free(ctx);
	return status;
}
