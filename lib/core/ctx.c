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
/* Settings each valid alone but wrong together. */
static int check_settings(const ak_settings *s)
{
	/* last_seen is written at most every touch interval: at or past the
	 * idle timeout, a session in constant use would still expire. */
	if ((int64_t)s->session_touch_seconds >= (int64_t)s->session_idle_minutes * 60)
		return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_SESSION_TOUCH_SECONDS (%d) must be shorter than "
		               "AUTHKIT_SESSION_IDLE_MINUTES (%d min)", (int)s->session_touch_seconds,
		               (int)s->session_idle_minutes);
	if ((int64_t)s->session_idle_minutes > (int64_t)s->session_max_hours * 60)
		return ak_fail(AUTHKIT_ECONFIG, "AUTHKIT_SESSION_IDLE_MINUTES (%d) must not exceed "
		               "AUTHKIT_SESSION_MAX_HOURS (%d h)", (int)s->session_idle_minutes,
		               (int)s->session_max_hours);
	return AUTHKIT_OK;
}

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

/* PostgreSQL URLs by their scheme; everything else (paths, "sqlite:",
 * ":memory:") is SQLite's. */
bool ak_is_postgres_url(const char *db)
{
	return strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0;
}

static int open_store(authkit_config *cfg, authkit_store **out)
{
	if (cfg->store) {
		*out = cfg->store;
		cfg->store = NULL;
		return AUTHKIT_OK;
	}
	const ak_settings *s = &cfg->settings;
	if (s->db[0] == '\0')
		return ak_fail(AUTHKIT_ECONFIG, "no store: set AUTHKIT_DB or authkit_config_set_store()");
	if (ak_is_postgres_url(s->db))
		return authkit_store_postgres_open(out, s->db, s->pg_pool_size, s->pg_timeout_ms);
	return authkit_store_sqlite_open(out, s->db, s->sqlite_busy_timeout_ms);
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
	int rc = check_settings(&ctx->settings);
	if (rc == AUTHKIT_OK)
		rc = make_dummy_hash(ctx);
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
