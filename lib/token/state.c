/* ctx->tokens: algorithm, key table, claim settings and the cache. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

static int set_alg(struct ak_token_state *st, const char *name)
{
	static const struct {
		const char *name;
		jwt_alg_t alg;
		size_t bytes;
	} algs[] = {{"HS256", JWT_ALG_HS256, 32}, {"HS384", JWT_ALG_HS384, 48}, {"HS512", JWT_ALG_HS512, 64}};
	for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
		if (strcmp(name, algs[i].name) == 0) {
			st->alg = algs[i].alg;
			ak_strlcpy(st->alg_name, name, sizeof st->alg_name);
			st->min_key_len = algs[i].bytes;
			st->sig_chars = (algs[i].bytes * 4 + 2) / 3; /* unpadded base64url */
			return AUTHKIT_OK;
		}
	}
	return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_JWT_ALG must be HS256, HS384 or HS512");
}

static int open_state(struct ak_token_state *st, const ak_settings *s)
{
	int rc = set_alg(st, s->jwt_alg);
	if (rc)
		return rc;
	if (!s->jwt_issuer[0] || strlen(s->jwt_issuer) >= sizeof st->issuer)
		return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_JWT_ISSUER must not be empty");
	if (!s->jwt_audience[0] || strlen(s->jwt_audience) >= sizeof st->audience)
		return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_JWT_AUDIENCE must not be empty");
	ak_strlcpy(st->issuer, s->jwt_issuer, sizeof st->issuer);
	ak_strlcpy(st->audience, s->jwt_audience, sizeof st->audience);
	st->leeway = s->jwt_leeway_seconds < 0 ? 0 : s->jwt_leeway_seconds > 60 ? 60 : s->jwt_leeway_seconds;
	st->stateful = s->jwt_stateful != 0;
	st->lifetime = (int64_t)s->access_token_minutes * 60;
	rc = ak_token_keys_load(st, s);
	if (rc == AUTHKIT_OK && s->token_cache_size > 0)
		rc = ak_token_cache_new((size_t)s->token_cache_size, &st->cache);
	return rc;
}

static void free_state(struct ak_token_state *st)
{
	if (!st)
		return;
	ak_token_cache_free(st->cache);
	sodium_memzero(st, sizeof *st);
	free(st);
}

int ak_tokens_open(authkit_ctx *ctx)
{
	ak_settings *s = &ctx->settings;
	ctx->tokens = NULL;
	int rc = AUTHKIT_OK;
	if (s->jwt_secret[0] || s->jwt_old_secrets[0] || s->jwt_key_count > 0) {
		struct ak_token_state *st = calloc(1, sizeof *st);
		if (!st)
			rc = ak_fail(AUTHKIT_ENOMEM, "token state allocation failed");
		else if ((rc = open_state(st, s)) != AUTHKIT_OK)
			free_state(st);
		else
			ctx->tokens = st;
	}
	/* The parsed table is the only copy the context keeps. */
	sodium_memzero(s->jwt_secret, sizeof s->jwt_secret);
	sodium_memzero(s->jwt_old_secrets, sizeof s->jwt_old_secrets);
	sodium_memzero(s->jwt_keys, sizeof s->jwt_keys);
	s->jwt_key_count = 0;
	return rc;
}

void ak_tokens_close(authkit_ctx *ctx)
{
	free_state(ctx->tokens);
	ctx->tokens = NULL;
}
