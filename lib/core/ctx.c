/* The context: settings, clock, store and the dummy hash, shared by threads. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"

static int64_t system_clock_ms(void *userdata)
{
	(void)userdata;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ak_now_ms(const authkit_ctx *ctx)
{
	return ctx->clock(ctx->clock_userdata);
}

int64_t ak_now(const authkit_ctx *ctx)
{
	int64_t ms = ak_now_ms(ctx);
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

/* Hash a throw-away random password at the configured cost: the unknown-user
 * path verifies against it, so it costs what a real verification costs. */
static int make_dummy_hash(authkit_ctx *ctx)
{
	unsigned char raw[24];
	char password[sizeof raw * 2 + 1];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(password, sizeof password, raw, sizeof raw);
	int rc = ak_password_hash(password, ctx->settings.argon2_opslimit, ctx->settings.argon2_memlimit,
	                          ctx->dummy_hash);
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(password, sizeof password);
	return rc;
}

static int open_store(authkit_config *cfg, authkit_store **out)
{
	if (cfg->store) {
		*out = cfg->store;
		cfg->store = NULL;
		return AUTHKIT_OK;
	}
	if (cfg->settings.db[0] == '\0')
		return ak_fail(AUTHKIT_ECONFIG, "no store: set AUTHKIT_DB or authkit_config_set_store()");
	return authkit_store_sqlite_open(out, cfg->settings.db, cfg->settings.sqlite_busy_timeout_ms);
}

AUTHKIT_EXTERN(int) authkit_ctx_open(authkit_ctx **out, authkit_config *cfg)
{
	ak_clear_error();
	if (!out || !cfg)
		return ak_fail(AUTHKIT_EINVALID, "out and cfg must not be NULL");
	*out = NULL;
	if (sodium_init() < 0)
		return ak_fail(AUTHKIT_ECRYPTO, "libsodium failed to initialise");
	authkit_ctx *ctx = calloc(1, sizeof *ctx);
	if (!ctx)
		return ak_fail(AUTHKIT_ENOMEM, "context allocation failed");
	ctx->settings = cfg->settings;
	ctx->clock = cfg->clock ? cfg->clock : system_clock_ms;
	ctx->clock_userdata = cfg->clock_userdata;
	int rc = make_dummy_hash(ctx);
	if (rc == AUTHKIT_OK)
		rc = ak_tokens_open(ctx);
	if (rc == AUTHKIT_OK)
		rc = ak_vault_open(ctx);
	if (rc == AUTHKIT_OK)
		rc = open_store(cfg, &ctx->store);
	if (rc) {
		authkit_ctx_free(ctx);
		return rc;
	}
	*out = ctx;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_open(authkit_ctx **out, const char *db)
{
	authkit_config *cfg = NULL;
	int rc = authkit_config_new(&cfg);
	if (rc == AUTHKIT_OK)
		rc = authkit_config_load_env(cfg);
	if (rc == AUTHKIT_OK && db)
		rc = authkit_config_set(cfg, "AUTHKIT_DB", db);
	if (rc == AUTHKIT_OK)
		rc = authkit_ctx_open(out, cfg);
	authkit_config_free(cfg);
	return rc;
}

AUTHKIT_EXTERN(void) authkit_ctx_free(authkit_ctx *ctx)
{
	if (!ctx)
		return;
	ak_tokens_close(ctx);
	ak_vault_close(ctx);
	authkit_store_free(ctx->store);
	sodium_memzero(ctx, sizeof *ctx);
	free(ctx);
}

AUTHKIT_EXTERN(int64_t) authkit_ctx_now_ms(const authkit_ctx *ctx)
{
	return ctx ? ak_now_ms(ctx) : 0;
}

AUTHKIT_EXTERN(int) authkit_ctx_schema_version(authkit_ctx *ctx, int *version_out)
{
	ak_clear_error();
	if (!ctx || !version_out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and version_out must not be NULL");
	return ctx->store->schema_version(ctx->store, version_out);
}

AUTHKIT_EXTERN(int) authkit_ctx_check(authkit_ctx *ctx, int *integrity_checked_out)
{
	ak_clear_error();
	if (integrity_checked_out)
		*integrity_checked_out = 0;
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	/* Any query proves the connection; the schema version is the cheapest. */
	int version = 0;
	int rc = ctx->store->schema_version(ctx->store, &version);
	if (rc || !ctx->store->integrity_check)
		return rc;
	rc = ctx->store->integrity_check(ctx->store);
	if (rc == AUTHKIT_OK && integrity_checked_out)
		*integrity_checked_out = 1;
	return rc;
}
