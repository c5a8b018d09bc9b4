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
/* Copy with truncation to dst_size - 1 bytes; always NUL-terminates. */
void ak_strlcpy(char *dst, const char *src, size_t dst_size);

/* ---- configuration (lib/core/config.c) ---- */

typedef struct ak_settings {
	char db[4096];
	int password_min_length;     /* code points */
	int max_login_attempts;
	int lockout_minutes;
	long long argon2_opslimit;    /* Argon2id passes */
	long long argon2_memlimit;    /* bytes */
	int sqlite_busy_timeout_ms;
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
};

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
/* Shipped list lookup on the lower-cased password: O(log n). */
bool ak_common_password_contains(const char *password);
size_t ak_common_password_count(void);

/* ---- stores ---- */

/* Version and required-slot check (lib/store/store.c). */
int ak_store_validate(const authkit_store *store);

#endif
