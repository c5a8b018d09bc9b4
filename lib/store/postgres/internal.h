/*
 * PostgreSQL backend — declarations shared by the files of lib/store/postgres.
 *
 * A small pool of libpq connections serves every thread: a slot call takes
 * an idle connection, runs one prepared statement (prepared once per
 * connection, binary parameters and results) and gives it back before any
 * row callback runs, so callbacks may call into the store again. txn_begin
 * pins a connection to the calling thread (a pthread key per store) until
 * its commit or rollback, and the slots that thread calls meanwhile run on
 * it. Every wait on the server is bounded by the store's timeout.
 */
#ifndef AK_PG_INTERNAL_H
#define AK_PG_INTERNAL_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>

#include "core/internal.h"

#define AK_PG_POOL_SIZE_DEFAULT 8
#define AK_PG_POOL_SIZE_MAX 256
#define AK_PG_TIMEOUT_MS_DEFAULT 5000
#define AK_PG_MAX_PARAMS 16

/* Every prepared statement. Each area file owns the SQL of its own ids. */
typedef enum ak_pg_sql {
	AK_PG_USER_INSERT,
	AK_PG_USER_BY_ID,
	AK_PG_USER_BY_USERNAME,
	AK_PG_USER_BY_EMAIL,
	AK_PG_USER_UPDATE,
	AK_PG_USER_SET_HASH,
	AK_PG_USER_DELETE,
	AK_PG_USER_LIST,
	AK_PG_USER_COUNT,
	AK_PG_ROLE_ADD,
	AK_PG_ROLE_REMOVE,
	AK_PG_LOGIN_FAILURE,
	AK_PG_LOGIN_LOCK,
	AK_PG_LOGIN_SUCCESS,
	AK_PG_AUDIT_APPEND,
	AK_PG_AUDIT_QUERY_ALL,
	AK_PG_AUDIT_QUERY_USER,
	AK_PG_SESSION_INSERT,
	AK_PG_SESSION_GET,
	AK_PG_SESSION_GET_BY_HASH,
	AK_PG_SESSION_TOUCH,
	AK_PG_SESSION_REVOKE,
	AK_PG_SESSION_REVOKE_USER,
	AK_PG_SESSION_LIST,
	AK_PG_SESSION_CLEANUP,
	AK_PG_REFRESH_INSERT,
	AK_PG_REFRESH_TAKE,
	AK_PG_REFRESH_LOOKUP,
	AK_PG_REFRESH_REVOKE_SESSION,
	AK_PG_ONE_TIME_INSERT,
	AK_PG_ONE_TIME_CONSUME,
	AK_PG_ONE_TIME_DELETE_USER,
	AK_PG_ONE_TIME_CLEANUP,
	AK_PG_INTEGRATION_PUT,
	AK_PG_INTEGRATION_GET,
	AK_PG_INTEGRATION_LIST,
	AK_PG_INTEGRATION_SET_STATUS,
	AK_PG_INTEGRATION_TOUCH,
	AK_PG_INTEGRATION_DELETE,
	AK_PG_INTEGRATION_SCAN_STALE,
	AK_PG_INTEGRATION_REENCRYPT,
	AK_PG_API_KEY_INSERT,
	AK_PG_API_KEY_GET,
	AK_PG_API_KEY_LIST,
	AK_PG_API_KEY_REVOKE,
	AK_PG_API_KEY_TOUCH,
	AK_PG_USAGE_INSERT,
	AK_PG_USAGE_SUMMARY_USER,
	AK_PG_USAGE_SUMMARY_ALL,
	AK_PG_COUNTER_ADD,
	AK_PG_COUNTER_GET,
	AK_PG_BUCKET_GET,
	AK_PG_BUCKET_INSERT,
	AK_PG_BUCKET_UPDATE,
	AK_PG_BILLING_LOCK,
	AK_PG_BILLING_CLOSE,
	AK_PG_BILLING_LIST_ALL,
	AK_PG_BILLING_LIST_USER,
	AK_PG_BILLING_SET_STATUS,
	AK_PG_SCHEMA_VERSION,
	AK_PG_COUNT
} ak_pg_sql;

/* A statement's slot and its text (prepared on first use per connection). */
typedef struct ak_pg_query {
	ak_pg_sql id;
	const char *what; /* for error details: "insert user" */
	const char *sql;
} ak_pg_query;

typedef struct ak_pg_store ak_pg_store;

typedef struct ak_pg_conn {
	PGconn *pg;      /* NULL until opened, and after a failure closed it */
	bool prepared[AK_PG_COUNT];
	bool in_txn;     /* pinned to a thread by txn_begin */
	bool txn_failed; /* a statement failed inside the pinned transaction */
	char last_state[6]; /* SQLSTATE of the last failure, "" if none came */
	ak_pg_store *store;
	struct ak_pg_conn *next_idle;
} ak_pg_conn;

struct ak_pg_store {
	authkit_store base; /* first member: the vtable */
	/* Connection parameters (the caller's, plus our timeouts): libpq
	 * keyword/value arrays, NULL-terminated. May hold a password: wiped. */
	char **keywords;
	char **values;
	int timeout_ms;
	int pool_size;

	pthread_mutex_t lock; /* guards idle, opened */
	pthread_cond_t freed;
	bool locks_created;
	ak_pg_conn *conns; /* pool_size slots */
	ak_pg_conn *idle;
	pthread_key_t pinned; /* the calling thread's transaction connection */
	bool key_created;
};

static inline ak_pg_store *ak_pg_of(authkit_store *store)
{
	return (ak_pg_store *)store;
}

/* ---- connections (conn.c) ---- */

int ak_pg_store_setup(ak_pg_store *s, const char *conninfo, int pool_size, int timeout_ms);
void ak_pg_store_teardown(ak_pg_store *s);
/* The calling thread's transaction connection, or an idle one (waiting up
 * to the timeout: AUTHKIT_EBUSY). The connection is open and alive on
 * success. Every successful acquire is paired with one release. */
int ak_pg_acquire(ak_pg_store *s, ak_pg_conn **out);
void ak_pg_release(ak_pg_store *s, ak_pg_conn *c);
/* The transaction connection pinned to the calling thread, or NULL. */
ak_pg_conn *ak_pg_pinned(ak_pg_store *s);
int ak_pg_pin(ak_pg_store *s, ak_pg_conn *c);
void ak_pg_unpin(ak_pg_store *s);
/* Close the server connection after a failure; the next acquire reopens it. */
void ak_pg_conn_drop(ak_pg_conn *c);
/* Close and open again, now (a connection the server ended). */
int ak_pg_conn_reopen(ak_pg_store *s, ak_pg_conn *c);

/* ---- statements (stmt.c) ---- */

/* Map a failed result (or, with res NULL, the connection's state) to an
 * AUTHKIT_E* status with a detail message that never holds a bound value. */
int ak_pg_status(ak_pg_conn *c, const PGresult *res, const char *what);
/* Run SQL text without parameters (transaction control, migrations);
 * tag (may be NULL) receives the last command's tag, e.g. "COMMIT". */
int ak_pg_exec_text(ak_pg_conn *c, const char *sql, const char *what, char *tag, size_t tag_size);

/* One slot call: its connection, bound parameters and, once run, result. */
typedef struct ak_pg_call {
	ak_pg_store *store;
	ak_pg_conn *conn; /* NULL once released */
	const ak_pg_query *query;
	PGresult *res;
	int nparams;
	Oid types[AK_PG_MAX_PARAMS];
	const char *values[AK_PG_MAX_PARAMS];
	int lengths[AK_PG_MAX_PARAMS];
	char ints[AK_PG_MAX_PARAMS][8]; /* int8 parameters, network order */
} ak_pg_call;

int ak_pg_call_begin(authkit_store *store, const ak_pg_query *q, ak_pg_call *call);
/* Free the result, release the connection (if still held), return rc. */
int ak_pg_call_end(ak_pg_call *call, int rc);

/* Binds take 1-based indexes, as the $n of the SQL. */
void ak_pg_bind_int64(ak_pg_call *call, int idx, int64_t v);
void ak_pg_bind_text(ak_pg_call *call, int idx, const char *s); /* NULL binds SQL NULL */
void ak_pg_bind_blob(ak_pg_call *call, int idx, const void *data, size_t n);
void ak_pg_bind_hash(ak_pg_call *call, int idx, const unsigned char hash[AUTHKIT_STORE_HASH_LEN]);

/* Run the statement; the result stays in call->res. */
int ak_pg_run(ak_pg_call *call);
/* Run: AUTHKIT_OK with at least one row, AUTHKIT_ENOTFOUND with none. */
int ak_pg_run_row(ak_pg_call *call);
/* Run: AUTHKIT_OK when it changed a row, AUTHKIT_ENOTFOUND when none. */
int ak_pg_run_changes(ak_pg_call *call);
/* Rows the statement changed (after a successful run). */
int64_t ak_pg_changes(const ak_pg_call *call);
/* Run, release the connection, then call fn for each row until it returns
 * non-zero (that value is returned as is); AUTHKIT_OK when the rows ran
 * out. Ends the call. */
typedef int (*ak_pg_row_fn)(const PGresult *res, int row, void *ctx);
int ak_pg_each_row(ak_pg_call *call, ak_pg_row_fn fn, void *ctx);
/* A one-int64-parameter statement run to completion (a cleanup);
 * *count_out (may be NULL) = rows it changed. */
int ak_pg_run_counted(authkit_store *store, const ak_pg_query *q, int64_t arg, int64_t *count_out);

/* Binary result columns. Integers of any width read as int64; NULL as 0. */
int64_t ak_pg_int64(const PGresult *res, int row, int col);
/* A text column copied into buf, truncating safely; NULL reads as "". */
void ak_pg_text(const PGresult *res, int row, int col, char *buf, size_t size);
/* A token-hash column; anything but 32 bytes reads as zeros. */
void ak_pg_hash(const PGresult *res, int row, int col, unsigned char out[AUTHKIT_STORE_HASH_LEN]);
/* A bytea column copied into out (capacity cap); false when longer. */
bool ak_pg_blob(const PGresult *res, int row, int col, void *out, size_t cap, size_t *len_out);

/* ---- transactions (txn.c) ---- */

int ak_pg_txn_begin(authkit_store *store);
int ak_pg_txn_commit(authkit_store *store);
int ak_pg_txn_rollback(authkit_store *store);

/*
 * A step of several statements that must be atomic, or a statement that
 * may fail on a constraint and must then undo only itself: BEGIN on a
 * connection of its own when the thread has no transaction, else a
 * SAVEPOINT inside the caller's. The step's statements run on
 * atomic.conn's thread as usual (the connection is pinned meanwhile).
 * atomic_end commits (releases) when commit is true, else rolls back, and
 * returns the status of that commit.
 */
typedef struct ak_pg_atomic {
	ak_pg_store *store;
	ak_pg_conn *conn;
	bool own; /* BEGIN (true) or SAVEPOINT (false) */
} ak_pg_atomic;

int ak_pg_atomic_begin(authkit_store *store, ak_pg_atomic *a);
int ak_pg_atomic_end(ak_pg_atomic *a, bool commit);
/* Run one already bound call as its own atomic step when the calling
 * thread is inside a transaction (a constraint failure must not abort the
 * caller's transaction); plainly otherwise. Ends the call; *changed (may
 * be NULL) = rows it changed, first_col (may be NULL) = column 0 of the
 * first row. Returns the statement's status (ENOTFOUND: no row changed). */
int ak_pg_run_guarded(ak_pg_call *call, int64_t *changed, int64_t *first_col);

/* ---- schema (schema.c) ---- */

int ak_pg_schema_latest(void);
/* Apply every missing migration in one transaction under an advisory lock. */
int ak_pg_migrate(authkit_store *store);
int ak_pg_schema_version(authkit_store *store, int *version_out);

/* ---- slots ---- */

int ak_pg_user_insert(authkit_store *store, authkit_store_user *user);
int ak_pg_user_get(authkit_store *store, authkit_store_user_key by, int64_t id, const char *key,
                   authkit_store_user *out);
int ak_pg_user_delete(authkit_store *store, int64_t id);
int ak_pg_user_list(authkit_store *store, int64_t after_id, unsigned int limit, authkit_store_user_cb cb,
                    void *userdata);
int ak_pg_user_count(authkit_store *store, int64_t *count_out);
int ak_pg_user_update(authkit_store *store, const authkit_store_user *user, unsigned int fields);
int ak_pg_user_set_password_hash(authkit_store *store, int64_t id, const char *hash, const char *expected_hash,
                                 int64_t now);
int ak_pg_user_role_add(authkit_store *store, int64_t id, const char *role, int64_t now);
int ak_pg_user_role_remove(authkit_store *store, int64_t id, const char *role, int64_t now);

int ak_pg_login_failure(authkit_store *store, int64_t id, int *failures_out);
int ak_pg_login_lock(authkit_store *store, int64_t id, int64_t until);
int ak_pg_login_success(authkit_store *store, int64_t id, int64_t now);

int ak_pg_audit_append(authkit_store *store, const authkit_store_audit *event);
int ak_pg_audit_query(authkit_store *store, int64_t user_id, int64_t since, int64_t until, unsigned int limit,
                      authkit_store_audit_cb cb, void *userdata);

int ak_pg_session_insert(authkit_store *store, const authkit_store_session *session);
int ak_pg_session_get(authkit_store *store, const char *id, authkit_store_session *out);
int ak_pg_session_get_by_hash(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
                              authkit_store_session *out);
int ak_pg_session_touch(authkit_store *store, const char *id, int64_t last_seen_at, int64_t idle_expires_at);
int ak_pg_session_revoke(authkit_store *store, const char *id, int64_t now);
int ak_pg_session_revoke_user(authkit_store *store, int64_t user_id, const char *except_id, int64_t now,
                              int64_t *count_out);
int ak_pg_session_list(authkit_store *store, int64_t user_id, authkit_store_session_cb cb, void *userdata);
int ak_pg_session_cleanup(authkit_store *store, int64_t now, int64_t *count_out);

int ak_pg_refresh_insert(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
                         const char *session_id, int64_t user_id, int64_t expires_at, int64_t now);
int ak_pg_refresh_rotate(authkit_store *store, const unsigned char old_hash[AUTHKIT_STORE_HASH_LEN],
                         const unsigned char new_hash[AUTHKIT_STORE_HASH_LEN], int64_t new_expires_at, int64_t now,
                         authkit_store_refresh_result *out);

int ak_pg_one_time_insert(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN], int purpose,
                          int64_t user_id, int64_t expires_at, int64_t now);
int ak_pg_one_time_consume(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN], int purpose,
                           int64_t now, int64_t *user_id_out);
int ak_pg_one_time_delete_user(authkit_store *store, int64_t user_id, int purpose);
int ak_pg_one_time_cleanup(authkit_store *store, int64_t now, int64_t *count_out);

int ak_pg_integration_put(authkit_store *store, const authkit_store_integration *row);
int ak_pg_integration_get(authkit_store *store, int64_t user_id, const char *service, authkit_store_integration *out);
int ak_pg_integration_list(authkit_store *store, int64_t user_id, authkit_store_integration_cb cb, void *userdata);
int ak_pg_integration_set_status(authkit_store *store, int64_t user_id, const char *service, int is_active,
                                 int64_t now);
int ak_pg_integration_touch(authkit_store *store, int64_t user_id, const char *service, int64_t now);
int ak_pg_integration_delete(authkit_store *store, int64_t user_id, const char *service);
int ak_pg_integration_scan_stale(authkit_store *store, int current_version, int64_t after_user,
                                 const char *after_service, unsigned int limit, authkit_store_integration_cb cb,
                                 void *userdata);
int ak_pg_integration_reencrypt(authkit_store *store, const authkit_store_integration *row, int expected_version,
                                const unsigned char expected_nonce[AUTHKIT_STORE_NONCE_LEN]);

int ak_pg_api_key_insert(authkit_store *store, const authkit_store_api_key *row);
int ak_pg_api_key_get(authkit_store *store, const char *public_id, authkit_store_api_key *out);
int ak_pg_api_key_list(authkit_store *store, int64_t user_id, authkit_store_api_key_cb cb, void *userdata);
int ak_pg_api_key_revoke(authkit_store *store, const char *public_id, int64_t now);
int ak_pg_api_key_touch(authkit_store *store, const char *public_id, int64_t now);

int ak_pg_usage_insert(authkit_store *store, authkit_store_usage *row, int *duplicate_out);
int ak_pg_usage_summary(authkit_store *store, int64_t user_id, int64_t since, int64_t until, int group,
                        authkit_store_usage_sum_cb cb, void *userdata);

int ak_pg_counter_add(authkit_store *store, const char *key, int64_t amount, int64_t *value_out);
int ak_pg_counter_get(authkit_store *store, const char *key, int64_t *value_out);
int ak_pg_bucket_get(authkit_store *store, const char *key, int64_t *tokens_out, int64_t *updated_ms_out);
int ak_pg_bucket_cas(authkit_store *store, const char *key, int expect_absent, int64_t expected_tokens,
                     int64_t expected_updated_ms, int64_t tokens, int64_t updated_ms);

int ak_pg_billing_close(authkit_store *store, int64_t user_id, int64_t period_start, int64_t period_end, int64_t now,
                        int64_t *count_out);
int ak_pg_billing_list(authkit_store *store, int64_t user_id, authkit_store_billing_cb cb, void *userdata);
int ak_pg_billing_set_status(authkit_store *store, int64_t billing_id, int status);

#endif
