/* Sessions: one row each, found by public id or by the SHA-256 of the cookie token. */
#include <string.h>

#include "store/sqlite/internal.h"

/* Column order read by read_session(). */
#define SESSION_COLUMNS                                                                                   \
	"id, user_id, token_hash, ip, user_agent, created_at, last_seen_at, idle_expires_at, expires_at, " \
	"revoked_at"

static const ak_sqlite_query q_insert = {AK_SQL_SESSION_INSERT, "insert session",
	"INSERT INTO sessions (" SESSION_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"};
static const ak_sqlite_query q_get = {AK_SQL_SESSION_GET, "get session",
	"SELECT " SESSION_COLUMNS " FROM sessions WHERE id = ?1"};
/* The hot path of every cookie check: one lookup in the unique hash index. */
static const ak_sqlite_query q_get_by_hash = {AK_SQL_SESSION_GET_BY_HASH, "get session",
	"SELECT " SESSION_COLUMNS " FROM sessions WHERE token_hash = ?1"};
static const ak_sqlite_query q_touch = {AK_SQL_SESSION_TOUCH, "touch session",
	"UPDATE sessions SET last_seen_at = ?2, idle_expires_at = ?3 WHERE id = ?1 AND revoked_at = 0"};
/* Matches a revoked row too (without changing it), so zero changes means
 * no such session and revoking twice is OK. */
static const ak_sqlite_query q_revoke = {AK_SQL_SESSION_REVOKE, "revoke session",
	"UPDATE sessions SET revoked_at = CASE WHEN revoked_at = 0 THEN ?2 ELSE revoked_at END WHERE id = ?1"};
static const ak_sqlite_query q_revoke_user = {AK_SQL_SESSION_REVOKE_USER, "revoke sessions",
	"UPDATE sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at = 0 AND (?3 IS NULL OR id <> ?3)"};
/* rowid breaks ties between sessions created in the same second. */
static const ak_sqlite_query q_list = {AK_SQL_SESSION_LIST, "list sessions",
	"SELECT " SESSION_COLUMNS " FROM sessions WHERE user_id = ?1 AND revoked_at = 0 "
	"ORDER BY created_at DESC, rowid DESC"};
/* Refresh tokens go with their sessions (ON DELETE CASCADE); changes()
 * counts only the sessions themselves. */
static const ak_sqlite_query q_cleanup = {AK_SQL_SESSION_CLEANUP, "clean up sessions",
	"DELETE FROM sessions WHERE revoked_at <> 0 OR expires_at <= ?1 OR idle_expires_at <= ?1"};

static void read_session(sqlite3_stmt *st, authkit_store_session *out)
{
	memset(out, 0, sizeof *out);
	ak_sqlite_column_text(st, 0, out->id, sizeof out->id);
	out->user_id = sqlite3_column_int64(st, 1);
	ak_sqlite_column_hash(st, 2, out->token_hash);
	ak_sqlite_column_text(st, 3, out->ip, sizeof out->ip);
	ak_sqlite_column_text(st, 4, out->user_agent, sizeof out->user_agent);
	out->created_at = sqlite3_column_int64(st, 5);
	out->last_seen_at = sqlite3_column_int64(st, 6);
	out->idle_expires_at = sqlite3_column_int64(st, 7);
	out->expires_at = sqlite3_column_int64(st, 8);
	out->revoked_at = sqlite3_column_int64(st, 9);
}

/* A session id fits its buffer and is not empty. */
static bool id_ok(const char *id)
{
	return id && *id && strnlen(id, AUTHKIT_STORE_SESSION_ID_BYTES) < AUTHKIT_STORE_SESSION_ID_BYTES;
}

int ak_sqlite_session_insert(authkit_store *store, const authkit_store_session *session)
{
	if (!session || !id_ok(session->id))
		return ak_fail(AUTHKIT_EINVALID, "session is NULL or its id is empty or too long");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_insert, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_text(&call, 1, session->id);
	ak_sqlite_bind_int64(&call, 2, session->user_id);
	ak_sqlite_bind_hash(&call, 3, session->token_hash);
	ak_sqlite_bind_text(&call, 4, session->ip);
	ak_sqlite_bind_text(&call, 5, session->user_agent);
	ak_sqlite_bind_int64(&call, 6, session->created_at);
	ak_sqlite_bind_int64(&call, 7, session->last_seen_at);
	ak_sqlite_bind_int64(&call, 8, session->idle_expires_at);
	ak_sqlite_bind_int64(&call, 9, session->expires_at);
	ak_sqlite_bind_int64(&call, 10, session->revoked_at);
	return ak_sqlite_call_end(&call, ak_sqlite_step_done(&call));
}

/* The liveness check's read: from the connection's cache while nothing was
 * committed since the row was read (session_cache.c), else one lookup. */
static int get_one(authkit_store *store, const ak_sqlite_query *q, const char *id,
                   const unsigned char *hash, authkit_store_session *out)
{
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, q, &call);
	if (rc)
		return rc;
	const ak_sqlite_session_key key = {hash ? NULL : id, hash};
	ak_sqlite_session_seen seen;
	if (ak_sqlite_session_cache_begin(call.conn, &key, out, &seen))
		return ak_sqlite_call_end(&call, AUTHKIT_OK);
	if (hash)
		ak_sqlite_bind_hash(&call, 1, hash);
	else
		ak_sqlite_bind_text(&call, 1, id);
	rc = ak_sqlite_step_row(&call);
	if (rc == AUTHKIT_OK) {
		read_session(call.stmt, out);
		ak_sqlite_session_cache_put(call.conn, &key, out, &seen);
	}
	return ak_sqlite_call_end(&call, rc);
}

int ak_sqlite_session_get(authkit_store *store, const char *id, authkit_store_session *out)
{
	if (!id || !out)
		return ak_fail(AUTHKIT_EINVALID, "session_get: id or out is NULL");
	return get_one(store, &q_get, id, NULL, out);
}

int ak_sqlite_session_get_by_hash(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
                                  authkit_store_session *out)
{
	if (!token_hash || !out)
		return ak_fail(AUTHKIT_EINVALID, "session_get_by_hash: token_hash or out is NULL");
	return get_one(store, &q_get_by_hash, NULL, token_hash, out);
}

int ak_sqlite_session_touch(authkit_store *store, const char *id, int64_t last_seen_at, int64_t idle_expires_at)
{
	if (!id)
		return ak_fail(AUTHKIT_EINVALID, "session_touch: id is NULL");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_touch, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_text(&call, 1, id);
	ak_sqlite_bind_int64(&call, 2, last_seen_at);
	ak_sqlite_bind_int64(&call, 3, idle_expires_at);
	return ak_sqlite_call_end(&call, ak_sqlite_step_changes(&call));
}

int ak_sqlite_session_revoke(authkit_store *store, const char *id, int64_t now)
{
	/* revoked_at 0 means alive: a revocation at time 0 would be a no-op. */
	if (!id || now <= 0)
		return ak_fail(AUTHKIT_EINVALID, "session_revoke: id is NULL or now is not positive");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_revoke, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_text(&call, 1, id);
	ak_sqlite_bind_int64(&call, 2, now);
	return ak_sqlite_call_end(&call, ak_sqlite_step_changes(&call));
}

int ak_sqlite_session_revoke_user(authkit_store *store, int64_t user_id, const char *except_id, int64_t now,
                                  int64_t *count_out)
{
	if (now <= 0)
		return ak_fail(AUTHKIT_EINVALID, "session_revoke_user: now is not positive");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_revoke_user, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_int64(&call, 1, user_id);
	ak_sqlite_bind_int64(&call, 2, now);
	ak_sqlite_bind_text(&call, 3, except_id);
	rc = ak_sqlite_step_done(&call);
	if (rc == AUTHKIT_OK && count_out)
		*count_out = ak_sqlite_changes(&call);
	return ak_sqlite_call_end(&call, rc);
}

typedef struct session_visit {
	authkit_store_session_cb cb;
	void *userdata;
	authkit_store_session session;
} session_visit;

static int visit_session(sqlite3_stmt *st, void *ctx)
{
	session_visit *v = ctx;
	read_session(st, &v->session);
	return v->cb(&v->session, v->userdata);
}

int ak_sqlite_session_list(authkit_store *store, int64_t user_id, authkit_store_session_cb cb, void *userdata)
{
	if (!cb)
		return ak_fail(AUTHKIT_EINVALID, "session_list: callback is NULL");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_list, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_int64(&call, 1, user_id);
	session_visit v = {.cb = cb, .userdata = userdata};
	return ak_sqlite_each_row(&call, visit_session, &v);
}

int ak_sqlite_session_cleanup(authkit_store *store, int64_t now, int64_t *count_out)
{
	return ak_sqlite_run_counted(store, &q_cleanup, now, count_out);
}
