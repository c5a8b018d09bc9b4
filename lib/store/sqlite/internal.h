/*
 * SQLite backend — declarations shared by the files of lib/store/sqlite.
 *
 * File databases get one connection per thread (a pthread key per store),
 * each with its own cache of prepared statements; a thread's connection goes
 * back to an idle list when the thread exits. ":memory:" has one connection
 * shared by every thread and serialised by a recursive mutex, which a
 * transaction keeps held from txn_begin to its commit or rollback.
 */
#ifndef AK_SQLITE_INTERNAL_H
#define AK_SQLITE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "core/internal.h"

#define AK_SQLITE_BUSY_TIMEOUT_DEFAULT 5000

/* Every cached statement. Each area file owns the SQL of its own ids. */
typedef enum ak_sqlite_sql {
	AK_SQL_BEGIN,
	AK_SQL_COMMIT,
	AK_SQL_ROLLBACK,
	AK_SQL_USER_VERSION,
	AK_SQL_USER_INSERT,
	AK_SQL_USER_BY_ID,
	AK_SQL_USER_BY_USERNAME,
	AK_SQL_USER_BY_EMAIL,
	AK_SQL_USER_UPDATE,
	AK_SQL_USER_SET_HASH,
	AK_SQL_USER_DELETE,
	AK_SQL_USER_LIST,
	AK_SQL_USER_COUNT,
	AK_SQL_ROLE_ADD,
	AK_SQL_ROLE_REMOVE,
	AK_SQL_LOGIN_FAILURE,
	AK_SQL_LOGIN_LOCK,
	AK_SQL_LOGIN_SUCCESS,
	AK_SQL_AUDIT_APPEND,
	AK_SQL_AUDIT_QUERY_ALL,
	AK_SQL_AUDIT_QUERY_USER,
	AK_SQL_SAVEPOINT,
	AK_SQL_RELEASE,
	AK_SQL_ROLLBACK_TO,
	AK_SQL_SESSION_INSERT,
	AK_SQL_SESSION_GET,
	AK_SQL_SESSION_GET_BY_HASH,
	AK_SQL_SESSION_TOUCH,
	AK_SQL_SESSION_REVOKE,
	AK_SQL_SESSION_REVOKE_USER,
	AK_SQL_SESSION_LIST,
	AK_SQL_SESSION_CLEANUP,
	AK_SQL_REFRESH_INSERT,
	AK_SQL_REFRESH_LOOKUP,
	AK_SQL_REFRESH_MARK_USED,
	AK_SQL_REFRESH_REVOKE_SESSION,
	AK_SQL_ONE_TIME_INSERT,
	AK_SQL_ONE_TIME_CONSUME,
	AK_SQL_ONE_TIME_DELETE_USER,
	AK_SQL_ONE_TIME_CLEANUP,
	AK_SQL_INTEGRATION_PUT,
	AK_SQL_INTEGRATION_GET,
	AK_SQL_INTEGRATION_LIST,
	AK_SQL_INTEGRATION_SET_STATUS,
	AK_SQL_INTEGRATION_TOUCH,
	AK_SQL_INTEGRATION_DELETE,
	AK_SQL_INTEGRATION_SCAN_STALE,
	AK_SQL_INTEGRATION_REENCRYPT,
	AK_SQL_API_KEY_INSERT,
	AK_SQL_API_KEY_GET,
	AK_SQL_API_KEY_LIST,
	AK_SQL_API_KEY_REVOKE,
	AK_SQL_API_KEY_TOUCH,
	AK_SQL_USAGE_INSERT,
	AK_SQL_USAGE_SUMMARY_USER,
	AK_SQL_USAGE_SUMMARY_ALL,
	AK_SQL_USAGE_FOLD,
	AK_SQL_USAGE_FOLD_MARK,
	AK_SQL_COUNTER_ADD,
	AK_SQL_COUNTER_GET,
	AK_SQL_BUCKET_GET,
	AK_SQL_BUCKET_INSERT,
	AK_SQL_BUCKET_UPDATE,
	AK_SQL_BILLING_MAX_ID,
	AK_SQL_BILLING_INSERT_ALL,
	AK_SQL_BILLING_INSERT_USER,
	AK_SQL_BILLING_MARK_ALL,
	AK_SQL_BILLING_MARK_USER,
	AK_SQL_BILLING_EVENTS_SINCE,
	AK_SQL_BILLING_LIST_ALL,
	AK_SQL_BILLING_LIST_USER,
	AK_SQL_BILLING_SET_STATUS,
	AK_SQL_COUNT
} ak_sqlite_sql;

/* A statement's cache slot and its text (prepared on first use). */
typedef struct ak_sqlite_query {
	ak_sqlite_sql id;
	const char *what; /* for error details: "insert user" */
	const char *sql;
} ak_sqlite_query;

typedef struct ak_sqlite_store ak_sqlite_store;

typedef struct ak_sqlite_session_cache ak_sqlite_session_cache;

typedef struct ak_sqlite_conn {
	sqlite3 *db;
	sqlite3_stmt *stmts[AK_SQL_COUNT];
	bool in_txn;
	ak_sqlite_session_cache *sessions; /* session_cache.c; NULL until used */
	ak_sqlite_store *store;
	struct ak_sqlite_conn *next_all;  /* every connection, closed by free */
	struct ak_sqlite_conn *next_idle; /* released by an exited thread */
} ak_sqlite_conn;

struct ak_sqlite_store {
	authkit_store base; /* first member: the vtable */
	char *path;
	int busy_timeout_ms;
	bool memory;
	uint64_t session_cache_hits; /* atomic; for tests */

	/* file databases */
	pthread_key_t key;
	bool key_created;
	pthread_mutex_t lists_lock; /* guards all and idle */
	ak_sqlite_conn *all;
	ak_sqlite_conn *idle;

	/* ":memory:" */
	pthread_mutex_t shared_lock; /* recursive */
	bool locks_created;
	ak_sqlite_conn *shared;
};

static inline ak_sqlite_store *ak_sqlite_of(authkit_store *store)
{
	return (ak_sqlite_store *)store;
}

/* ---- connections (conn.c) ---- */

int ak_sqlite_store_setup(ak_sqlite_store *s, const char *path, int busy_timeout_ms);
void ak_sqlite_store_teardown(ak_sqlite_store *s);
/* The calling thread's connection (":memory:": the shared one, locked).
 * Every successful acquire is paired with one release. */
int ak_sqlite_acquire(ak_sqlite_store *s, ak_sqlite_conn **out);
void ak_sqlite_release(ak_sqlite_store *s, ak_sqlite_conn *c);

/* ---- statements (stmt.c) ---- */

/* Map a SQLite result code to an AUTHKIT_E* status with a detail message. */
int ak_sqlite_status(ak_sqlite_conn *c, int rc, const char *what);
int ak_sqlite_prepare(ak_sqlite_conn *c, const ak_sqlite_query *q, sqlite3_stmt **out);
/* Run a statement that returns no rows, on a connection already held. */
int ak_sqlite_run(ak_sqlite_conn *c, const ak_sqlite_query *q);
/* Run SQL text that is not cached (schema set-up, migrations). */
int ak_sqlite_exec(ak_sqlite_conn *c, const char *sql, const char *what);
void ak_sqlite_finalize_all(ak_sqlite_conn *c);

/*
 * One slot call: the connection, its prepared statement and the first bind
 * error (reported by the next step, so binds need no checks of their own).
 */
/* Session rows cached per connection while the database is unchanged
 * (session_cache.c). A key is a session id or a token hash. */
typedef struct ak_sqlite_session_key {
	const char *id;
	const unsigned char *hash;
} ak_sqlite_session_key;
typedef struct ak_sqlite_session_seen {
	bool valid;
	unsigned char header[48]; /* the WAL index header before the lookup */
} ak_sqlite_session_seen;
/* true: *out is the cached row, still current. false: look it up, then
 * hand the row to _put with the same seen. */
bool ak_sqlite_session_cache_begin(ak_sqlite_conn *c, const ak_sqlite_session_key *key,
                                   authkit_store_session *out, ak_sqlite_session_seen *seen);
void ak_sqlite_session_cache_put(ak_sqlite_conn *c, const ak_sqlite_session_key *key,
                                 const authkit_store_session *row, const ak_sqlite_session_seen *seen);
void ak_sqlite_session_cache_free(ak_sqlite_conn *c);
uint64_t ak_sqlite_session_cache_hits(authkit_store *store);

typedef struct ak_sqlite_call {
	ak_sqlite_store *store;
	ak_sqlite_conn *conn;
	sqlite3_stmt *stmt;
	const ak_sqlite_query *query;
	int bind_rc;
} ak_sqlite_call;

int ak_sqlite_call_begin(authkit_store *store, const ak_sqlite_query *q, ak_sqlite_call *call);
/* Reset the statement, release the connection, return rc. */
int ak_sqlite_call_end(ak_sqlite_call *call, int rc);

void ak_sqlite_bind_int64(ak_sqlite_call *call, int idx, int64_t v);
void ak_sqlite_bind_text(ak_sqlite_call *call, int idx, const char *s); /* NULL binds SQL NULL */
/* A token hash, as a 32-byte BLOB. */
void ak_sqlite_bind_hash(ak_sqlite_call *call, int idx, const unsigned char hash[AUTHKIT_STORE_HASH_LEN]);

/* Any BLOB of n bytes (n 0: an empty BLOB, not NULL). */
void ak_sqlite_bind_blob(ak_sqlite_call *call, int idx, const void *data, size_t n);

/* Run a one-parameter statement to completion (a cleanup); *count_out
 * (may be NULL) = rows it changed. */
int ak_sqlite_run_counted(authkit_store *store, const ak_sqlite_query *q, int64_t arg, int64_t *count_out);
/* AUTHKIT_OK with a row, AUTHKIT_ENOTFOUND when done, else an error. */
int ak_sqlite_step_row(ak_sqlite_call *call);
/* Step to completion: AUTHKIT_OK, or AUTHKIT_ENOTFOUND when no row changed. */
int ak_sqlite_step_changes(ak_sqlite_call *call);
/* After the last row was read: the statement must now be done. */
int ak_sqlite_step_done(ak_sqlite_call *call);
/* Step through every row, calling fn for each until it returns non-zero;
 * that value is returned as is (whatever it is, ENOTFOUND included), and
 * AUTHKIT_OK when the rows ran out. Ends the call. */
typedef int (*ak_sqlite_row_fn)(sqlite3_stmt *st, void *ctx);
int ak_sqlite_each_row(ak_sqlite_call *call, ak_sqlite_row_fn fn, void *ctx);
/* A text column copied into buf, truncating safely; NULL reads as "". */
void ak_sqlite_column_text(sqlite3_stmt *st, int col, char *buf, size_t size);
/* A token-hash column; anything but a 32-byte BLOB reads as zeros. */
void ak_sqlite_column_hash(sqlite3_stmt *st, int col, unsigned char out[AUTHKIT_STORE_HASH_LEN]);
/* A BLOB column copied into out (capacity cap); *len_out = its length.
 * false (and *len_out 0) when it is longer than cap. NULL reads as empty. */
bool ak_sqlite_column_blob(sqlite3_stmt *st, int col, void *out, size_t cap, size_t *len_out);
/* Rows changed by the call's statement (after it is done). */
int64_t ak_sqlite_changes(const ak_sqlite_call *call);

/* ---- schema (schema.c) ---- */

int ak_sqlite_schema_latest(void);
/* Apply every missing migration, each in its own transaction. */
int ak_sqlite_migrate(ak_sqlite_conn *c);
/* SQL of migration `version` (1-based), NULL if unknown; for tests. */
const char *ak_sqlite_migration_sql(int version);
int ak_sqlite_schema_version(authkit_store *store, int *version_out);

/* ---- slots ---- */

int ak_sqlite_txn_begin(authkit_store *store);
int ak_sqlite_txn_commit(authkit_store *store);
int ak_sqlite_txn_rollback(authkit_store *store);

/*
 * A slot that runs several statements as one atomic step: BEGIN IMMEDIATE
 * when the calling thread has no transaction open, else a SAVEPOINT inside
 * the caller's (so a failure undoes only this step). atomic_begin acquires
 * the connection and keeps it until atomic_end, which commits (releases the
 * savepoint) when commit is true, else rolls back, and returns the status of
 * that commit (AUTHKIT_OK after a rollback).
 */
typedef struct ak_sqlite_atomic {
	ak_sqlite_store *store;
	ak_sqlite_conn *conn;
	bool own; /* BEGIN IMMEDIATE (true) or SAVEPOINT (false) */
} ak_sqlite_atomic;

int ak_sqlite_atomic_begin(authkit_store *store, ak_sqlite_atomic *a);
int ak_sqlite_atomic_end(ak_sqlite_atomic *a, bool commit);

int ak_sqlite_user_insert(authkit_store *store, authkit_store_user *user);
int ak_sqlite_user_get(authkit_store *store, authkit_store_user_key by, int64_t id, const char *key,
                       authkit_store_user *out);
int ak_sqlite_user_delete(authkit_store *store, int64_t id);
int ak_sqlite_user_list(authkit_store *store, int64_t after_id, unsigned int limit, authkit_store_user_cb cb,
                        void *userdata);
int ak_sqlite_user_count(authkit_store *store, int64_t *count_out);

int ak_sqlite_user_update(authkit_store *store, const authkit_store_user *user, unsigned int fields);
int ak_sqlite_user_set_password_hash(authkit_store *store, int64_t id, const char *hash, const char *expected_hash,
                                     int64_t now);
int ak_sqlite_user_role_add(authkit_store *store, int64_t id, const char *role, int64_t now);
int ak_sqlite_user_role_remove(authkit_store *store, int64_t id, const char *role, int64_t now);

int ak_sqlite_login_failure(authkit_store *store, int64_t id, int *failures_out);
int ak_sqlite_login_lock(authkit_store *store, int64_t id, int64_t until);
int ak_sqlite_login_success(authkit_store *store, int64_t id, int64_t now);

int ak_sqlite_audit_append(authkit_store *store, const authkit_store_audit *event);
int ak_sqlite_audit_query(authkit_store *store, int64_t user_id, int64_t since, int64_t until, unsigned int limit,
                          authkit_store_audit_cb cb, void *userdata);

int ak_sqlite_session_insert(authkit_store *store, const authkit_store_session *session);
int ak_sqlite_session_get(authkit_store *store, const char *id, authkit_store_session *out);
int ak_sqlite_session_get_by_hash(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
                                  authkit_store_session *out);
int ak_sqlite_session_touch(authkit_store *store, const char *id, int64_t last_seen_at, int64_t idle_expires_at);
int ak_sqlite_session_revoke(authkit_store *store, const char *id, int64_t now);
int ak_sqlite_session_revoke_user(authkit_store *store, int64_t user_id, const char *except_id, int64_t now,
                                  int64_t *count_out);
int ak_sqlite_session_list(authkit_store *store, int64_t user_id, authkit_store_session_cb cb, void *userdata);
int ak_sqlite_session_cleanup(authkit_store *store, int64_t now, int64_t *count_out);

int ak_sqlite_refresh_insert(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
                             const char *session_id, int64_t user_id, int64_t expires_at, int64_t now);
int ak_sqlite_refresh_rotate(authkit_store *store, const unsigned char old_hash[AUTHKIT_STORE_HASH_LEN],
                             const unsigned char new_hash[AUTHKIT_STORE_HASH_LEN], int64_t new_expires_at,
                             int64_t now, authkit_store_refresh_result *out);

int ak_sqlite_one_time_insert(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
                              int purpose, int64_t user_id, int64_t expires_at, int64_t now);
int ak_sqlite_one_time_consume(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
                               int purpose, int64_t now, int64_t *user_id_out);
int ak_sqlite_one_time_delete_user(authkit_store *store, int64_t user_id, int purpose);
int ak_sqlite_one_time_cleanup(authkit_store *store, int64_t now, int64_t *count_out);

/* ---- version 3 ---- */

int ak_sqlite_integration_put(authkit_store *store, const authkit_store_integration *row);
int ak_sqlite_integration_get(authkit_store *store, int64_t user_id, const char *service,
                              authkit_store_integration *out);
int ak_sqlite_integration_list(authkit_store *store, int64_t user_id, authkit_store_integration_cb cb,
                               void *userdata);
int ak_sqlite_integration_set_status(authkit_store *store, int64_t user_id, const char *service, int is_active,
                                     int64_t now);
int ak_sqlite_integration_touch(authkit_store *store, int64_t user_id, const char *service, int64_t now);
int ak_sqlite_integration_delete(authkit_store *store, int64_t user_id, const char *service);
int ak_sqlite_integration_scan_stale(authkit_store *store, int current_version, int64_t after_user,
                                     const char *after_service, unsigned int limit,
                                     authkit_store_integration_cb cb, void *userdata);
int ak_sqlite_integration_reencrypt(authkit_store *store, const authkit_store_integration *row,
                                    int expected_version,
                                    const unsigned char expected_nonce[AUTHKIT_STORE_NONCE_LEN]);

int ak_sqlite_api_key_insert(authkit_store *store, const authkit_store_api_key *row);
int ak_sqlite_api_key_get(authkit_store *store, const char *public_id, authkit_store_api_key *out);
int ak_sqlite_api_key_list(authkit_store *store, int64_t user_id, authkit_store_api_key_cb cb, void *userdata);
int ak_sqlite_api_key_revoke(authkit_store *store, const char *public_id, int64_t now);
int ak_sqlite_api_key_touch(authkit_store *store, const char *public_id, int64_t now);

int ak_sqlite_usage_insert(authkit_store *store, authkit_store_usage *row, int *duplicate_out);
/* Fold every event not folded yet into usage_daily (usage_rollup.c). */
int ak_sqlite_usage_fold(authkit_store *store);
/* The fold the insert of event inserted_id owes, if it reached a multiple of
 * the fold interval; AUTHKIT_OK otherwise. */
int ak_sqlite_usage_fold_due(authkit_store *store, int64_t inserted_id);
int ak_sqlite_usage_summary(authkit_store *store, int64_t user_id, int64_t since, int64_t until, int group,
                            authkit_store_usage_sum_cb cb, void *userdata);

int ak_sqlite_counter_add(authkit_store *store, const char *key, int64_t amount, int64_t *value_out);
int ak_sqlite_counter_get(authkit_store *store, const char *key, int64_t *value_out);
int ak_sqlite_bucket_get(authkit_store *store, const char *key, int64_t *tokens_out, int64_t *updated_ms_out);
int ak_sqlite_bucket_cas(authkit_store *store, const char *key, int expect_absent, int64_t expected_tokens,
                         int64_t expected_updated_ms, int64_t tokens, int64_t updated_ms);

int ak_sqlite_billing_close(authkit_store *store, int64_t user_id, int64_t period_start, int64_t period_end,
                            int64_t now, int64_t *count_out);
int ak_sqlite_billing_list(authkit_store *store, int64_t user_id, authkit_store_billing_cb cb, void *userdata);
int ak_sqlite_billing_set_status(authkit_store *store, int64_t billing_id, int status);

/* ---- version 4 ---- */

int ak_sqlite_integrity_check(authkit_store *store);

#endif
