/*
 * libauthkit — internal declarations shared by lib/ (never installed).
 * Everything here has hidden visibility; internal names start with ak_.
 */
#ifndef AUTHKIT_INTERNAL_H
#define AUTHKIT_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>

#include "authkit.h"
#include "authkit/sys/store.h"

#if defined(__GNUC__)
#define AK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AK_PRINTF(a, b)
#endif

/* ---- errors (lib/core/error.c) ---- */

/* Record a detail message for this thread and return code. The message must
 * never contain a secret: name the argument, not its value. */
int ak_fail(int code, const char *fmt, ...) AK_PRINTF(2, 3);
/* Clear the detail message at the start of a public call. */
void ak_clear_error(void);

/* ---- text helpers (lib/core/text.c) ---- */

/* Valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF) of exactly len
 * bytes; *codepoints_out (may be NULL) receives the code point count. */
bool ak_utf8_valid(const char *s, size_t len, size_t *codepoints_out);
/* True if s contains a C0 control character or DEL. */
bool ak_has_control(const char *s, size_t len);
/* ASCII lower-case copy into dst (dst_size including NUL); false if it does not fit. */
bool ak_ascii_lower(char *dst, size_t dst_size, const char *src);
/* Case-insensitive (ASCII) substring test. */
bool ak_contains_nocase(const char *haystack, const char *needle);
/* Room for one more element in a growable array (items_field is the address
 * of the array pointer): doubles the capacity when count reached it. False
 * when out of memory, the array unchanged. */
bool ak_array_reserve(void *items_field, size_t *capacity, size_t count, size_t elem_size);
/* Copy with truncation to dst_size - 1 bytes; always NUL-terminates. */
void ak_strlcpy(char *dst, const char *src, size_t dst_size);

/* ---- configuration (lib/core/config.c) ---- */

/* An explicit access-token key (authkit_config_add_jwt_key, lib/token/). */
#define AK_JWT_MAX_KEYS 8
#define AK_JWT_KID_MAX 64
#define AK_JWT_KEY_MAX 256
typedef struct ak_jwt_key_cfg {
	char kid[AK_JWT_KID_MAX + 1];
	unsigned char key[AK_JWT_KEY_MAX];
	size_t len;
	int signing;
} ak_jwt_key_cfg;

typedef struct ak_settings {
	char db[4096];
	int password_min_length;     /* code points */
	int max_login_attempts;
	int lockout_minutes;
	long long argon2_opslimit;    /* Argon2id passes */
	long long argon2_memlimit;    /* bytes */
	int sqlite_busy_timeout_ms;
	int pg_pool_size;            /* PostgreSQL: pooled connections */
	int pg_timeout_ms;           /* PostgreSQL: bound on every wait */
	/* access tokens (JWT) */
	char jwt_secret[1024];       /* hex or base64 of >= 32 bytes; "" = tokens off */
	char jwt_old_secrets[4096];  /* comma-separated, verify only */
	char jwt_issuer[256];
	char jwt_audience[256];
	char jwt_alg[8];             /* HS256 | HS384 | HS512 */
	int jwt_leeway_seconds;
	int jwt_stateful;            /* 1: verify also requires the session alive */
	int token_cache_size;        /* verified-token cache entries, 0 = off */
	int access_token_minutes;
	ak_jwt_key_cfg jwt_keys[AK_JWT_MAX_KEYS]; /* explicit keys; wiped from ctx once parsed */
	int jwt_key_count;
	/* sessions and refresh tokens */
	int refresh_token_days;
	int session_idle_minutes;
	int session_max_hours;
	int session_touch_seconds;   /* last-seen written at most this often */
	/* one-time tokens */
	int reset_token_minutes;
	int verify_token_hours;
	/* cookies */
	char cookie_name[64];
	int cookie_secure;
	char cookie_samesite[8];     /* Strict | Lax | None */
	/* integration-key vault (lib/vault/); wiped from ctx once parsed */
	char master_key[256];        /* hex or base64 of exactly 32 bytes; "" = vault off */
	int master_key_version;      /* version of master_key (default 1) */
	char master_old_keys[4096];  /* "version:key,version:key", decrypt only */
} ak_settings;

struct authkit_config {
	ak_settings settings;
	authkit_clock_fn clock;
	void *clock_userdata;
	authkit_store *store; /* owned until a ctx takes it */
};

void ak_settings_defaults(ak_settings *s);

/* ---- context (lib/core/ctx.c) ---- */

struct authkit_ctx {
	ak_settings settings;
	authkit_clock_fn clock;
	void *clock_userdata;
	authkit_store *store;
	/* Argon2id hash of a random password with the configured cost; verified
	 * against for unknown users so their path costs the same. */
	char dummy_hash[AUTHKIT_STORE_HASH_BYTES];
	/* Access-token keys and the verified-token cache (lib/token/);
	 * NULL when no AUTHKIT_JWT_SECRET is configured. */
	struct ak_token_state *tokens;
	/* Master keys of the integration-key vault (lib/vault/); NULL when no
	 * AUTHKIT_MASTER_KEY is configured. */
	struct ak_vault_state *vault;
};

/* Set up / tear down ctx->tokens from ctx->settings (lib/token/state.c).
 * ak_tokens_open wipes the secrets from ctx->settings once parsed. */
int ak_tokens_open(authkit_ctx *ctx);
void ak_tokens_close(authkit_ctx *ctx);

/* Set up / tear down ctx->vault (lib/vault/state.c). ak_vault_open fails
 * with AUTHKIT_ECONFIG for a configured key that is unparsable, not 32 bytes
 * or all one byte, and wipes the keys from ctx->settings either way. */
int ak_vault_open(authkit_ctx *ctx);
void ak_vault_close(authkit_ctx *ctx);

/* AUTHKIT_DB names a PostgreSQL database ("postgresql://", "postgres://"). */
bool ak_is_postgres_url(const char *db);

int64_t ak_now_ms(const authkit_ctx *ctx);
int64_t ak_now(const authkit_ctx *ctx); /* seconds */

/* ---- transactions (lib/core/txn.c) ---- */

int ak_txn_begin(authkit_ctx *ctx);
/* Commit; on failure the transaction is rolled back. */
int ak_txn_commit(authkit_ctx *ctx);
void ak_txn_rollback(authkit_ctx *ctx);
/* Finish a transaction: commit when rc is AUTHKIT_OK, else roll back. Returns
 * the final status. */
int ak_txn_end(authkit_ctx *ctx, int rc);

/* ---- audit (lib/audit/audit.c) ---- */

/* Append an event. detail may be NULL. Returns the store's status. */
int ak_audit(authkit_ctx *ctx, int64_t user_id, const char *event, const char *ip, const char *detail);

/* ---- users (lib/users/) ---- */

int ak_validate_username(const char *username);
/* Validates and lower-cases into out (AUTHKIT_STORE_EMAIL_BYTES). */
int ak_normalize_email(const char *email, char *out);
int ak_validate_full_name(const char *full_name);
int ak_validate_role(const char *role);
int ak_validate_ip(const char *ip);
int ak_user_from_record(const authkit_store_user *rec, authkit_user **out);
int ak_user_load(authkit_ctx *ctx, int64_t id, authkit_store_user *rec);

/* ---- credential checks (lib/auth/) ---- */

/* Runs inside the transaction that records a successful authentication, so
 * what it writes (a session) commits with it or not at all. */
typedef int (*ak_auth_hook)(authkit_ctx *ctx, const authkit_store_user *user, void *arg);

/* Inside a transaction: count a wrong password toward the lockout and lock
 * the account at AUTHKIT_MAX_LOGIN_ATTEMPTS (audited). */
int ak_count_bad_password(authkit_ctx *ctx, int64_t user_id, const char *ip);

/* authkit_authenticate_ex() with a hook (may be NULL). Arguments are checked. */
int ak_authenticate(authkit_ctx *ctx, const char *identifier, const char *password, const char *ip,
                    authkit_user **out, int *reason_out, ak_auth_hook hook, void *hook_arg);

/* ---- passwords (lib/crypto/) ---- */

/* Policy check, as authkit_password_check() (ctx only for settings). */
int ak_password_policy(const ak_settings *s, const char *password, const char *username, const char *email);
/* Argon2id hash into out (AUTHKIT_STORE_HASH_BYTES) with the given cost. No lock is held. */
int ak_password_hash(const char *password, unsigned long long opslimit, size_t memlimit, char *out);
/* AUTHKIT_OK on match, AUTHKIT_EAUTH on mismatch, AUTHKIT_EINVALID for an unknown format. */
int ak_password_verify(const char *hash, const char *password);
bool ak_hash_is_bcrypt(const char *hash);
bool ak_hash_is_argon2id(const char *hash);
/* Well-formed hash we can verify (argon2id PHC or bcrypt). */
bool ak_hash_is_supported(const char *hash);
/* Number of Argon2id verifications performed by this process (tests use it
 * to prove that the unknown-user path does real work). */
uint64_t ak_argon2_verify_count(void);
/* Number of Argon2id hashes computed (tests: never inside a transaction). */
uint64_t ak_argon2_hash_count(void);
/* Shipped list lookup on the lower-cased password: O(log n). */
bool ak_common_password_contains(const char *password);
size_t ak_common_password_count(void);

/* ---- random tokens (lib/core/random.c) ---- */

#define AK_TOKEN_BYTES 32     /* 256-bit secrets */
#define AK_TOKEN_CHARS 43     /* base64url, no padding */
#define AK_SESSION_ID_BYTES 16
#define AK_SESSION_ID_CHARS 22

/* nbytes random bytes as unpadded base64url into out (size >= chars + 1). */
void ak_random_b64url(char *out, size_t out_size, size_t nbytes);
/* A 256-bit secret token (AK_TOKEN_CHARS + NUL). */
void ak_new_secret_token(char out[AK_TOKEN_CHARS + 1]);
/* True if s is exactly chars characters of unpadded base64url. */
bool ak_is_b64url(const char *s, size_t chars);
/* SHA-256 of a token: what the store keeps. */
void ak_token_hash(const char *token, unsigned char out[AUTHKIT_STORE_HASH_LEN]);

/* ---- sessions (lib/session/) ---- */

/* AUTHKIT_OK if the session exists, belongs to user_id, is not revoked and
 * neither idle- nor absolutely expired; AUTHKIT_EREVOKED / AUTHKIT_EEXPIRED /
 * AUTHKIT_ENOTFOUND otherwise. Used by stateful access-token verification. */
int ak_session_alive(authkit_ctx *ctx, const char *session_id, int64_t user_id);

/* ---- API keys (lib/apikey/) ---- */

/* authkit_apikey_verify() without clearing the error (request glue);
 * ctx, key and out are not NULL. */
int ak_apikey_verify(authkit_ctx *ctx, const char *key, authkit_principal **out);

/* ---- stores ---- */

/* Version and required-slot check (lib/store/store.c). */
int ak_store_validate(const authkit_store *store);

#endif
