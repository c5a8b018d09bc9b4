/*
 * libauthkit — storage backend interface (for backend authors).
 *
 * A backend is persistence only: it never decides anything about expiry,
 * lockout or hashing, and it never sees a secret (passwords arrive as PHC
 * strings, tokens as SHA-256 digests, integration keys as ciphertext).
 *
 * A backend allocates a struct whose first member is an authkit_store,
 * initialised with AUTHKIT_STORE_INIT and its slots filled, and hands it to
 * authkit_config_set_store(), which takes ownership; the core calls ->free
 * when it is done. The core rejects an unknown version or a missing required
 * slot with AUTHKIT_EVERSION / AUTHKIT_EINVALID.
 *
 * Contract for every slot:
 *  - Returns AUTHKIT_OK or a negative AUTHKIT_E* code: AUTHKIT_ENOTFOUND
 *    when no row matched, AUTHKIT_EEXISTS on a unique conflict, AUTHKIT_EBUSY
 *    when the database stayed locked past the timeout, AUTHKIT_ESTORE for any
 *    other failure. A failing call changes nothing.
 *  - May be called from many threads at once.
 *  - txn_begin/txn_commit/txn_rollback bind a transaction to the calling
 *    thread; slots called by that thread in between take part in it. The
 *    core never nests transactions and never hashes inside one.
 *  - Atomic operations (login_failure, user_role_add, ...) are atomic on
 *    their own, inside or outside a transaction.
 *  - Strings are NUL-terminated UTF-8 and fit the record's buffers; they are
 *    stored and returned verbatim, and bound as parameters, never pasted
 *    into SQL.
 *  - Times are seconds since the Unix epoch, chosen by the core.
 *
 * Run tests/test_store.c against a new backend (docs/BACKENDS.md).
 */
#ifndef AUTHKIT_SYS_STORE_H
#define AUTHKIT_SYS_STORE_H

#include "../common.h"
#include "../config.h"
#include "../user.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the vtable layout this header describes. */
#define AUTHKIT_STORE_VERSION 4

#define AUTHKIT_STORE_USERNAME_BYTES (AUTHKIT_USERNAME_MAX + 1)
#define AUTHKIT_STORE_EMAIL_BYTES (AUTHKIT_EMAIL_MAX + 1)
#define AUTHKIT_STORE_FULL_NAME_BYTES (AUTHKIT_FULL_NAME_MAX_CHARS * 4 + 1)
#define AUTHKIT_STORE_HASH_BYTES 256
/* Roles travel as one string of space-separated names. */
#define AUTHKIT_STORE_ROLES_BYTES (AUTHKIT_ROLES_PER_USER_MAX * (AUTHKIT_ROLE_MAX + 1) + 1)
#define AUTHKIT_STORE_EVENT_BYTES 48
#define AUTHKIT_STORE_IP_BYTES 64
#define AUTHKIT_STORE_DETAIL_BYTES 256

/** A user row. */
typedef struct authkit_store_user {
	int64_t id;
	char username[AUTHKIT_STORE_USERNAME_BYTES]; /* as typed; unique ASCII-case-insensitively */
	char email[AUTHKIT_STORE_EMAIL_BYTES];       /* lower-cased by the core; unique */
	char full_name[AUTHKIT_STORE_FULL_NAME_BYTES];
	char password_hash[AUTHKIT_STORE_HASH_BYTES]; /* PHC or bcrypt string */
	char roles[AUTHKIT_STORE_ROLES_BYTES];       /* "admin editor" */
	int is_active;
	int is_verified;
	int is_superuser;
	int failed_logins;
	int64_t locked_until;
	int64_t created_at;
	int64_t updated_at;
	int64_t last_login_at;
} authkit_store_user;

/** Which fields user_update writes (updated_at is always written). */
enum {
	AUTHKIT_STORE_F_USERNAME = 1u << 0,
	AUTHKIT_STORE_F_EMAIL = 1u << 1,
	AUTHKIT_STORE_F_FULL_NAME = 1u << 2,
	AUTHKIT_STORE_F_ACTIVE = 1u << 3,
	AUTHKIT_STORE_F_VERIFIED = 1u << 4,
	AUTHKIT_STORE_F_SUPERUSER = 1u << 5
};

/** How user_get finds a user. */
typedef enum {
	AUTHKIT_STORE_BY_ID = 0,
	AUTHKIT_STORE_BY_USERNAME = 1, /* ASCII-case-insensitive match */
	AUTHKIT_STORE_BY_EMAIL = 2     /* exact match on the lower-cased email */
} authkit_store_user_key;

/** An audit row. */
typedef struct authkit_store_audit {
	int64_t id;      /* assigned by the store, increasing */
	int64_t time;
	int64_t user_id; /* 0: none */
	char event[AUTHKIT_STORE_EVENT_BYTES];
	char ip[AUTHKIT_STORE_IP_BYTES];
	char detail[AUTHKIT_STORE_DETAIL_BYTES];
} authkit_store_audit;

#define AUTHKIT_STORE_SESSION_ID_BYTES 33 /* public session id: 22 base64url chars + NUL, room to grow */
#define AUTHKIT_STORE_USER_AGENT_BYTES 256
#define AUTHKIT_STORE_HASH_LEN 32 /* SHA-256 of a token */

/* A server-side session. The token itself is never stored: only its SHA-256. */
typedef struct authkit_store_session {
	char id[AUTHKIT_STORE_SESSION_ID_BYTES]; /* public, random; the JWT "sid" */
	int64_t user_id;
	unsigned char token_hash[AUTHKIT_STORE_HASH_LEN];
	char ip[AUTHKIT_STORE_IP_BYTES];
	char user_agent[AUTHKIT_STORE_USER_AGENT_BYTES];
	int64_t created_at;
	int64_t last_seen_at;
	int64_t idle_expires_at;
	int64_t expires_at;  /* absolute */
	int64_t revoked_at;  /* 0: alive */
} authkit_store_session;

/* What refresh_rotate reports about the token it was given. */
typedef struct authkit_store_refresh_result {
	char session_id[AUTHKIT_STORE_SESSION_ID_BYTES];
	int64_t user_id;
} authkit_store_refresh_result;

/* One-time token purposes. */
typedef enum {
	AUTHKIT_STORE_PURPOSE_RESET = 1,
	AUTHKIT_STORE_PURPOSE_VERIFY = 2
} authkit_store_purpose;

/* Row callbacks: return 0 to continue, non-zero to stop (that value is returned). */
typedef int (*authkit_store_user_cb)(const authkit_store_user *user, void *userdata);
typedef int (*authkit_store_audit_cb)(const authkit_store_audit *event, void *userdata);
typedef int (*authkit_store_session_cb)(const authkit_store_session *session, void *userdata);

/* ---- version 3: integrations (vault), API keys, usage, quotas, rate limits, billing ---- */

#define AUTHKIT_STORE_NAME_BYTES 65      /* service, request type, scope names: 1-64 chars */
#define AUTHKIT_STORE_MODEL_BYTES 129
#define AUTHKIT_STORE_SECRET_MAX 4096    /* largest integration key, plaintext bytes */
#define AUTHKIT_STORE_NONCE_LEN 24       /* XChaCha20-Poly1305 */
#define AUTHKIT_STORE_CIPHER_MAX (AUTHKIT_STORE_SECRET_MAX + 16)
#define AUTHKIT_STORE_MASK_BYTES 32
#define AUTHKIT_STORE_KEY_ID_BYTES 33    /* API key public id */
#define AUTHKIT_STORE_SCOPES_BYTES 1024  /* space-separated */
#define AUTHKIT_STORE_IDEMPOTENCY_BYTES 129
#define AUTHKIT_STORE_COUNTER_KEY_BYTES 256

/* An integration key: ciphertext only; the master key never reaches the store. */
typedef struct authkit_store_integration {
	int64_t user_id;
	char service[AUTHKIT_STORE_NAME_BYTES];
	unsigned char nonce[AUTHKIT_STORE_NONCE_LEN];
	unsigned char ciphertext[AUTHKIT_STORE_CIPHER_MAX];
	size_t ciphertext_len;
	int key_version;  /* master-key version that encrypted it */
	char masked[AUTHKIT_STORE_MASK_BYTES]; /* display form, e.g. "sk-…abcd" */
	int is_active;
	int64_t created_at;
	int64_t updated_at;
	int64_t last_used_at;
} authkit_store_integration;

/* An API key: public id in the clear, SHA-256 of the secret part only. */
typedef struct authkit_store_api_key {
	char public_id[AUTHKIT_STORE_KEY_ID_BYTES];
	int64_t user_id;
	unsigned char secret_hash[AUTHKIT_STORE_HASH_LEN];
	char name[AUTHKIT_STORE_NAME_BYTES];
	char scopes[AUTHKIT_STORE_SCOPES_BYTES];
	int64_t created_at;
	int64_t expires_at;   /* 0: never */
	int64_t last_used_at;
	int64_t revoked_at;   /* 0: live */
} authkit_store_api_key;

/* A usage event. Money is an integer count of micro-units. */
typedef struct authkit_store_usage {
	int64_t id;
	int64_t user_id;      /* kept after the user is deleted: a pseudonym */
	char service[AUTHKIT_STORE_NAME_BYTES];
	char model[AUTHKIT_STORE_MODEL_BYTES];
	char request_type[AUTHKIT_STORE_NAME_BYTES];
	int64_t input_tokens;
	int64_t output_tokens;
	int64_t cost_micros;
	char idempotency_key[AUTHKIT_STORE_IDEMPOTENCY_BYTES]; /* "" = none */
	int64_t time;
	int64_t billing_id;   /* 0 until a billing close takes it */
} authkit_store_usage;

/* Summary grouping. */
typedef enum {
	AUTHKIT_STORE_GROUP_SERVICE = 1,
	AUTHKIT_STORE_GROUP_MODEL = 2,
	AUTHKIT_STORE_GROUP_DAY = 3,   /* UTC day, key "YYYY-MM-DD" */
	AUTHKIT_STORE_GROUP_MONTH = 4  /* UTC month, key "YYYY-MM" */
} authkit_store_group;

typedef struct authkit_store_usage_sum {
	char key[AUTHKIT_STORE_MODEL_BYTES]; /* the group's value */
	int64_t events;
	int64_t input_tokens;
	int64_t output_tokens;
	int64_t cost_micros;
} authkit_store_usage_sum;

/* A billing record: one user's totals for a closed period. */
typedef struct authkit_store_billing {
	int64_t id;
	int64_t user_id;
	int64_t period_start;
	int64_t period_end;
	int64_t events;
	int64_t input_tokens;
	int64_t output_tokens;
	int64_t cost_micros;
	int status;           /* 0 pending, 1 paid, 2 void */
	int64_t created_at;
} authkit_store_billing;

typedef int (*authkit_store_integration_cb)(const authkit_store_integration *row, void *userdata);
typedef int (*authkit_store_api_key_cb)(const authkit_store_api_key *row, void *userdata);
typedef int (*authkit_store_usage_sum_cb)(const authkit_store_usage_sum *row, void *userdata);
typedef int (*authkit_store_billing_cb)(const authkit_store_billing *row, void *userdata);

struct authkit_store {
	unsigned int version; /* AUTHKIT_STORE_VERSION */
	const char *name;     /* "sqlite", "postgres", ... */

	/* lifecycle */
	void (*free)(authkit_store *store);
	int (*schema_version)(authkit_store *store, int *version_out);

	/* transactions bound to the calling thread */
	int (*txn_begin)(authkit_store *store);
	int (*txn_commit)(authkit_store *store);
	int (*txn_rollback)(authkit_store *store);

	/* users */
	int (*user_insert)(authkit_store *store, authkit_store_user *user); /* sets user->id, never a deleted user's */
	int (*user_get)(authkit_store *store, authkit_store_user_key by, int64_t id, const char *key,
	                authkit_store_user *out);
	int (*user_update)(authkit_store *store, const authkit_store_user *user, unsigned int fields);
	/* Replace the hash; if expected_hash is not NULL, only when the stored
	 * hash still equals it (AUTHKIT_ENOTFOUND otherwise). */
	int (*user_set_password_hash)(authkit_store *store, int64_t id, const char *hash,
	                              const char *expected_hash, int64_t now);
	/* Deletes the user and every row that belongs to them. */
	int (*user_delete)(authkit_store *store, int64_t id);
	int (*user_list)(authkit_store *store, int64_t after_id, unsigned int limit, authkit_store_user_cb cb,
	                 void *userdata);
	int (*user_count)(authkit_store *store, int64_t *count_out);
	/* Set semantics: add is a no-op when present, remove when absent. */
	int (*user_role_add)(authkit_store *store, int64_t id, const char *role, int64_t now);
	int (*user_role_remove)(authkit_store *store, int64_t id, const char *role, int64_t now);

	/* login counters (atomic) */
	int (*login_failure)(authkit_store *store, int64_t id, int *failures_out); /* +1, returns new count */
	int (*login_lock)(authkit_store *store, int64_t id, int64_t until);      /* locked_until=until, failures=0 */
	int (*login_success)(authkit_store *store, int64_t id, int64_t now);     /* failures=0, unlock, last_login=now */

	/* audit log (append-only) */
	int (*audit_append)(authkit_store *store, const authkit_store_audit *event);
	/* since <= time < until (until 0: no bound), user_id 0: all, newest first */
	int (*audit_query)(authkit_store *store, int64_t user_id, int64_t since, int64_t until, unsigned int limit,
	                   authkit_store_audit_cb cb, void *userdata);

	/* sessions (rows are deleted with their user) */
	int (*session_insert)(authkit_store *store, const authkit_store_session *session); /* EEXISTS on id/hash clash */
	int (*session_get)(authkit_store *store, const char *id, authkit_store_session *out);
	int (*session_get_by_hash)(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
	                           authkit_store_session *out);
	/* last_seen_at / idle_expires_at of a session that is not revoked (ENOTFOUND otherwise). */
	int (*session_touch)(authkit_store *store, const char *id, int64_t last_seen_at, int64_t idle_expires_at);
	/* Set revoked_at = now if not revoked yet. ENOTFOUND if no such session; OK if already revoked. */
	int (*session_revoke)(authkit_store *store, const char *id, int64_t now);
	/* Revoke every live session of user_id except except_id (NULL: none); *count_out = how many. */
	int (*session_revoke_user)(authkit_store *store, int64_t user_id, const char *except_id, int64_t now,
	                           int64_t *count_out);
	/* The user's sessions that are not revoked, newest first. */
	int (*session_list)(authkit_store *store, int64_t user_id, authkit_store_session_cb cb, void *userdata);
	/* Delete sessions revoked, or with expires_at <= now or idle_expires_at <= now,
	 * with their refresh tokens; *count_out = sessions deleted. */
	int (*session_cleanup)(authkit_store *store, int64_t now, int64_t *count_out);

	/* refresh tokens (hash only), bound to a session */
	int (*refresh_insert)(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
	                      const char *session_id, int64_t user_id, int64_t expires_at, int64_t now);
	/*
	 * Atomically: if old_hash is the session's current refresh token, unexpired
	 * (expires_at > now) and its session not revoked, mark it used and insert
	 * new_hash (expiring at new_expires_at) as the current one: AUTHKIT_OK.
	 * If old_hash was already used: revoke its session (revoked_at = now) and
	 * return AUTHKIT_EREUSE. Expired: AUTHKIT_EEXPIRED. Session revoked:
	 * AUTHKIT_EREVOKED. Unknown: AUTHKIT_ENOTFOUND. *out (all but ENOTFOUND)
	 * names the session and user. Of two concurrent calls with the same
	 * old_hash exactly one returns AUTHKIT_OK.
	 */
	int (*refresh_rotate)(authkit_store *store, const unsigned char old_hash[AUTHKIT_STORE_HASH_LEN],
	                      const unsigned char new_hash[AUTHKIT_STORE_HASH_LEN], int64_t new_expires_at,
	                      int64_t now, authkit_store_refresh_result *out);

	/* one-time tokens (hash only): password reset, email verification */
	int (*one_time_insert)(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
	                       int purpose, int64_t user_id, int64_t expires_at, int64_t now);
	/* Atomically mark used if purpose matches, unused and expires_at > now;
	 * *user_id_out = its user. ENOTFOUND otherwise. Exactly one of N
	 * concurrent calls succeeds. */
	int (*one_time_consume)(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
	                        int purpose, int64_t now, int64_t *user_id_out);
	/* Delete the user's unused tokens of that purpose (after a reset, the others die). */
	int (*one_time_delete_user)(authkit_store *store, int64_t user_id, int purpose);
	/* Delete used or expired one-time tokens; *count_out = how many. */
	int (*one_time_cleanup)(authkit_store *store, int64_t now, int64_t *count_out);

	/* ---- version 3 ---- */

	/* integrations: insert, or replace the row of (user_id, service) */
	int (*integration_put)(authkit_store *store, const authkit_store_integration *row);
	int (*integration_get)(authkit_store *store, int64_t user_id, const char *service,
	                       authkit_store_integration *out);
	/* The user's rows ordered by service. */
	int (*integration_list)(authkit_store *store, int64_t user_id, authkit_store_integration_cb cb, void *userdata);
	int (*integration_set_status)(authkit_store *store, int64_t user_id, const char *service, int is_active,
	                              int64_t now);
	int (*integration_touch)(authkit_store *store, int64_t user_id, const char *service, int64_t now);
	int (*integration_delete)(authkit_store *store, int64_t user_id, const char *service);
	/* Up to limit rows whose key_version != current_version, ordered by
	 * (user_id, service), after the cursor (after_user, after_service; 0 and ""
	 * to start). */
	int (*integration_scan_stale)(authkit_store *store, int current_version, int64_t after_user,
	                              const char *after_service, unsigned int limit, authkit_store_integration_cb cb,
	                              void *userdata);
	/* Replace nonce/ciphertext/key_version of (row->user_id, row->service) only
	 * if the stored key_version is still expected_version and the stored nonce
	 * equals expected_nonce (a concurrent put wins): ENOTFOUND otherwise. */
	int (*integration_reencrypt)(authkit_store *store, const authkit_store_integration *row, int expected_version,
	                             const unsigned char expected_nonce[AUTHKIT_STORE_NONCE_LEN]);

	/* API keys (deleted with their user) */
	int (*api_key_insert)(authkit_store *store, const authkit_store_api_key *row); /* EEXISTS on id clash */
	int (*api_key_get)(authkit_store *store, const char *public_id, authkit_store_api_key *out);
	int (*api_key_list)(authkit_store *store, int64_t user_id, authkit_store_api_key_cb cb, void *userdata);
	/* revoked_at = now if live; ENOTFOUND if no such key; OK if already revoked. */
	int (*api_key_revoke)(authkit_store *store, const char *public_id, int64_t now);
	int (*api_key_touch)(authkit_store *store, const char *public_id, int64_t now);

	/* usage (rows outlive their user; no foreign key) */
	/* Insert; with a non-empty idempotency_key already present, insert nothing,
	 * set *duplicate_out = 1 and return OK. Sets row->id on insert. */
	int (*usage_insert)(authkit_store *store, authkit_store_usage *row, int *duplicate_out);
	/* Sums over since <= time < until for user_id (0: every user), grouped by
	 * AUTHKIT_STORE_GROUP_*; nothing when until <= since. */
	int (*usage_summary)(authkit_store *store, int64_t user_id, int64_t since, int64_t until, int group,
	                     authkit_store_usage_sum_cb cb, void *userdata);

	/* counters for quotas (atomic): value of key += amount, returns the new value */
	int (*counter_add)(authkit_store *store, const char *key, int64_t amount, int64_t *value_out);
	int (*counter_get)(authkit_store *store, const char *key, int64_t *value_out); /* 0 when absent */

	/* token buckets for shared rate limits: state is (tokens in micro-tokens,
	 * updated_ms). get returns ENOTFOUND when absent. cas writes the new state
	 * only if the stored updated_ms/tokens still equal the expected ones (or the
	 * row is absent and expect_absent), else ENOTFOUND: the core retries. */
	int (*bucket_get)(authkit_store *store, const char *key, int64_t *tokens_out, int64_t *updated_ms_out);
	int (*bucket_cas)(authkit_store *store, const char *key, int expect_absent, int64_t expected_tokens,
	                  int64_t expected_updated_ms, int64_t tokens, int64_t updated_ms);

	/* billing */
	/* Atomically: for user_id (0: every user), take every usage row with
	 * billing_id 0 and time < period_end, write one billing row per user with
	 * the sums (status pending, period_start..period_end, created_at now) and
	 * set the rows' billing_id. *count_out = billing rows written. */
	int (*billing_close)(authkit_store *store, int64_t user_id, int64_t period_start, int64_t period_end, int64_t now,
	                     int64_t *count_out);
	/* user_id 0: every user; newest first. */
	int (*billing_list)(authkit_store *store, int64_t user_id, authkit_store_billing_cb cb, void *userdata);
	/* pending -> paid | void only; ENOTFOUND if no such row or not pending. */
	int (*billing_set_status)(authkit_store *store, int64_t billing_id, int status);

	/* ---- version 4 ---- */

	/* Optional (NULL: the backend has no such check). The backend's own
	 * consistency check (SQLite: PRAGMA integrity_check and
	 * foreign_key_check): AUTHKIT_OK, or AUTHKIT_ESTORE with the first
	 * problem in the detail message (names tables and pages, never a value). */
	int (*integrity_check)(authkit_store *store);
};

/** Initialiser: AUTHKIT_STORE_INIT sets the version and clears every slot. */
#define AUTHKIT_STORE_INIT {.version = AUTHKIT_STORE_VERSION}

/** Same as AUTHKIT_STORE_INIT, for bindings and heap-allocated stores. */
AUTHKIT_EXTERN(int) authkit_store_init(authkit_store *store, unsigned int version);

/** Check version and required slots, as the core does. */
AUTHKIT_EXTERN(int) authkit_store_validate(const authkit_store *store);

#ifdef __cplusplus
}
#endif
#endif
