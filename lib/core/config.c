/*
 * Configuration: one table describes every key, its range and where it
 * lives, so code setters, string setters and the environment agree.
 */
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

/* OWASP Password Storage floor for Argon2id: m >= 19 MiB, t >= 2. */
#define AK_ARGON2_MIN_OPS 2ULL
#define AK_ARGON2_MIN_MEM (19ULL * 1024 * 1024)
#define AK_ARGON2_MAX_OPS 64ULL
#define AK_ARGON2_MAX_MEM (4ULL * 1024 * 1024 * 1024)

typedef enum { AK_KEY_INT, AK_KEY_STRING } ak_key_type;

typedef struct ak_key {
	const char *name;
	ak_key_type type;
	long long min, max;
	size_t offset; /* into ak_settings */
	size_t size;   /* of the field */
} ak_key;

#define AK_INT_KEY(n, field, lo, hi) \
	{n, AK_KEY_INT, lo, hi, offsetof(ak_settings, field), sizeof(((ak_settings *)0)->field)}
#define AK_STR_KEY(n, field) {n, AK_KEY_STRING, 0, 0, offsetof(ak_settings, field), sizeof(((ak_settings *)0)->field)}

static const ak_key keys[] = {
	AK_STR_KEY("AUTHKIT_DB", db),
	AK_INT_KEY("AUTHKIT_PASSWORD_MIN_LENGTH", password_min_length, 8, 256),
	AK_INT_KEY("AUTHKIT_MAX_LOGIN_ATTEMPTS", max_login_attempts, 1, 1000),
	AK_INT_KEY("AUTHKIT_LOCKOUT_MINUTES", lockout_minutes, 1, 525600),
	AK_INT_KEY("AUTHKIT_ARGON2_OPSLIMIT", argon2_opslimit, (long long)AK_ARGON2_MIN_OPS, (long long)AK_ARGON2_MAX_OPS),
	AK_INT_KEY("AUTHKIT_ARGON2_MEMLIMIT", argon2_memlimit, (long long)AK_ARGON2_MIN_MEM, (long long)AK_ARGON2_MAX_MEM),
	AK_INT_KEY("AUTHKIT_SQLITE_BUSY_TIMEOUT_MS", sqlite_busy_timeout_ms, 0, 600000),
	AK_INT_KEY("AUTHKIT_PG_POOL_SIZE", pg_pool_size, 1, 256),
	AK_INT_KEY("AUTHKIT_PG_TIMEOUT_MS", pg_timeout_ms, 100, 600000),
	AK_STR_KEY("AUTHKIT_JWT_SECRET", jwt_secret),
	AK_STR_KEY("AUTHKIT_JWT_OLD_SECRETS", jwt_old_secrets),
	AK_STR_KEY("AUTHKIT_JWT_ISSUER", jwt_issuer),
	AK_STR_KEY("AUTHKIT_JWT_AUDIENCE", jwt_audience),
	AK_STR_KEY("AUTHKIT_JWT_ALG", jwt_alg),
	AK_INT_KEY("AUTHKIT_JWT_LEEWAY_SECONDS", jwt_leeway_seconds, 0, 60),
	AK_INT_KEY("AUTHKIT_JWT_STATEFUL", jwt_stateful, 0, 1),
	AK_INT_KEY("AUTHKIT_TOKEN_CACHE_SIZE", token_cache_size, 0, 65536),
	AK_INT_KEY("AUTHKIT_ACCESS_TOKEN_MINUTES", access_token_minutes, 1, 1440),
	AK_INT_KEY("AUTHKIT_REFRESH_TOKEN_DAYS", refresh_token_days, 1, 365),
	AK_INT_KEY("AUTHKIT_SESSION_IDLE_MINUTES", session_idle_minutes, 1, 525600),
	AK_INT_KEY("AUTHKIT_SESSION_MAX_HOURS", session_max_hours, 1, 87600),
	AK_INT_KEY("AUTHKIT_SESSION_TOUCH_SECONDS", session_touch_seconds, 0, 3600),
	AK_INT_KEY("AUTHKIT_RESET_TOKEN_MINUTES", reset_token_minutes, 5, 10080),
	AK_INT_KEY("AUTHKIT_VERIFY_TOKEN_HOURS", verify_token_hours, 1, 720),
	AK_STR_KEY("AUTHKIT_COOKIE_NAME", cookie_name),
	AK_INT_KEY("AUTHKIT_COOKIE_SECURE", cookie_secure, 0, 1),
	AK_STR_KEY("AUTHKIT_COOKIE_SAMESITE", cookie_samesite),
	AK_STR_KEY("AUTHKIT_MASTER_KEY", master_key),
	AK_INT_KEY("AUTHKIT_MASTER_KEY_VERSION", master_key_version, 1, 2147483647),
	AK_STR_KEY("AUTHKIT_MASTER_OLD_KEYS", master_old_keys),
};

void ak_settings_defaults(ak_settings *s)
{
	memset(s, 0, sizeof *s);
	s->password_min_length = 12;
	s->max_login_attempts = 5;
	s->lockout_minutes = 30;
	s->argon2_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	s->argon2_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	s->sqlite_busy_timeout_ms = 5000;
	s->pg_pool_size = 8;
	s->pg_timeout_ms = 5000;
	strcpy(s->jwt_issuer, "authkit");
	strcpy(s->jwt_audience, "authkit");
	strcpy(s->jwt_alg, "HS256");
	s->jwt_leeway_seconds = 30;
	s->jwt_stateful = 1;
	s->token_cache_size = 4096;
	s->access_token_minutes = 30;
	s->refresh_token_days = 7;
	s->session_idle_minutes = 7 * 24 * 60;
	s->session_max_hours = 30 * 24;
	s->session_touch_seconds = 60;
	s->reset_token_minutes = 60;
	s->verify_token_hours = 48;
	strcpy(s->cookie_name, "authkit_session");
	s->cookie_secure = 1;
	strcpy(s->cookie_samesite, "Lax");
	s->master_key_version = 1;
}

static const ak_key *find_key(const char *name)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static void store_int(void *field, size_t size, long long v)
{
	/* Settings hold integers as int or long long only. */
	if (size == sizeof(int))
		*(int *)field = (int)v;
	else
		*(long long *)field = v;
}

static int set_int_key(authkit_config *cfg, const ak_key *k, int64_t v)
{
	if (v < k->min || v > k->max)
		return ak_fail(AUTHKIT_EINVALID, "%s must be between %lld and %lld", k->name, k->min, k->max);
	store_int((char *)&cfg->settings + k->offset, k->size, v);
	return AUTHKIT_OK;
}

static int parse_int(const char *name, const char *value, int64_t *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	if (errno || end == value || *end != '\0')
		return ak_fail(AUTHKIT_EINVALID, "%s is not an integer", name);
	*out = v;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_config_new(authkit_config **out)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out is NULL");
	*out = calloc(1, sizeof **out);
	if (!*out)
		return ak_fail(AUTHKIT_ENOMEM, "config allocation failed");
	ak_settings_defaults(&(*out)->settings);
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(void) authkit_config_free(authkit_config *cfg)
{
	if (!cfg)
		return;
	authkit_store_free(cfg->store);
	sodium_memzero(cfg, sizeof *cfg);
	free(cfg);
}

AUTHKIT_EXTERN(int) authkit_config_set(authkit_config *cfg, const char *key, const char *value)
{
	ak_clear_error();
	if (!cfg || !key || !value)
		return ak_fail(AUTHKIT_EINVALID, "cfg, key and value must not be NULL");
	const ak_key *k = find_key(key);
	if (!k)
		return ak_fail(AUTHKIT_EINVALID, "unknown configuration key");
	if (k->type == AK_KEY_INT) {
		int64_t v = 0;
		int rc = parse_int(k->name, value, &v);
		return rc ? rc : set_int_key(cfg, k, v);
	}
	size_t n = strlen(value);
	if (n >= k->size || ak_has_control(value, n))
		return ak_fail(AUTHKIT_EINVALID, "%s is too long or has control characters", k->name);
	memcpy((char *)&cfg->settings + k->offset, value, n + 1);
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_config_set_int(authkit_config *cfg, const char *key, int64_t value)
{
	ak_clear_error();
	if (!cfg || !key)
		return ak_fail(AUTHKIT_EINVALID, "cfg and key must not be NULL");
	const ak_key *k = find_key(key);
	if (!k || k->type != AK_KEY_INT)
		return ak_fail(AUTHKIT_EINVALID, "unknown integer configuration key");
	return set_int_key(cfg, k, value);
}

AUTHKIT_EXTERN(int) authkit_config_load_env(authkit_config *cfg)
{
	ak_clear_error();
	if (!cfg)
		return ak_fail(AUTHKIT_EINVALID, "cfg is NULL");
	/* Validate into a copy so a bad variable leaves the config unchanged. */
	authkit_config tmp = *cfg;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *v = getenv(keys[i].name);
		if (!v)
			continue;
		int rc = authkit_config_set(&tmp, keys[i].name, v);
		if (rc) {
			sodium_memzero(&tmp, sizeof tmp);
			return rc;
		}
	}
	cfg->settings = tmp.settings;
	sodium_memzero(&tmp, sizeof tmp); /* it held AUTHKIT_JWT_SECRET / AUTHKIT_MASTER_KEY */
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_config_set_clock(authkit_config *cfg, authkit_clock_fn fn, void *userdata)
{
	ak_clear_error();
	if (!cfg)
		return ak_fail(AUTHKIT_EINVALID, "cfg is NULL");
	cfg->clock = fn;
	cfg->clock_userdata = fn ? userdata : NULL;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_config_set_store(authkit_config *cfg, authkit_store *store)
{
	ak_clear_error();
	if (!cfg) {
		authkit_store_free(store);
		return ak_fail(AUTHKIT_EINVALID, "cfg is NULL");
	}
	int rc = ak_store_validate(store);
	if (rc) {
		if (store && store->version == AUTHKIT_STORE_VERSION && store->free)
			store->free(store);
		return rc;
	}
	authkit_store_free(cfg->store);
	cfg->store = store;
	return AUTHKIT_OK;
}
