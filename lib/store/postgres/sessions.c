/* Sessions: one row each, found by public id or by the SHA-256 of the cookie token. */
#include <string.h>

#include "store/checks.h"
#include "store/postgres/internal.h"

/* Column order read by read_session(). */
#define SESSION_COLUMNS                                                                                   \
	"id, user_id, token_hash, ip, user_agent, created_at, last_seen_at, idle_expires_at, expires_at, " \
	"revoked_at"

static const ak_pg_query q_insert = {AK_PG_SESSION_INSERT, "insert session",
	"INSERT INTO sessions (" SESSION_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"};
static const ak_pg_query q_get = {AK_PG_SESSION_GET, "get session",
	"SELECT " SESSION_COLUMNS " FROM sessions WHERE id = $1"};
/* The hot path of every cookie check: one probe of the unique hash index. */
static const ak_pg_query q_get_by_hash = {AK_PG_SESSION_GET_BY_HASH, "get session",
	"SELECT " SESSION_COLUMNS " FROM sessions WHERE token_hash = $1"};
static const ak_pg_query q_touch = {AK_PG_SESSION_TOUCH, "touch session",
	"UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id = $1 AND revoked_at = 0"};
/* Matches a revoked row too (without changing it), so zero rows means no
 * such session and revoking twice is OK. */
static const ak_pg_query q_revoke = {AK_PG_SESSION_REVOKE, "revoke session",
	"UPDATE sessions SET revoked_at = CASE WHEN revoked_at = 0 THEN $2 ELSE revoked_at END WHERE id = $1"};
static const ak_pg_query q_revoke_user = {AK_PG_SESSION_REVOKE_USER, "revoke sessions",
	"UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at = 0 AND ($3 IS NULL OR id <> $3)"};
/* seq (insertion order) breaks ties between sessions of the same second. */
static const ak_pg_query q_list = {AK_PG_SESSION_LIST, "list sessions",
	"SELECT " SESSION_COLUMNS " FROM sessions WHERE user_id = $1 AND revoked_at = 0 "
	"ORDER BY created_at DESC, seq DESC"};
/* Refresh tokens go with their sessions (ON DELETE CASCADE); the count is
 * of sessions only. */
static const ak_pg_query q_cleanup = {AK_PG_SESSION_CLEANUP, "clean up sessions",
	"DELETE FROM sessions WHERE revoked_at <> 0 OR expires_at <= $1 OR idle_expires_at <= $1"};

static void read_session(const PGresult *res, int row, authkit_store_session *out)
{
	memset(out, 0, sizeof *out);
	ak_pg_text(res, row, 0, out->id, sizeof out->id);
	out->user_id = ak_pg_int64(res, row, 1);
	ak_pg_hash(res, row, 2, out->token_hash);
	ak_pg_text(res, row, 3, out->ip, sizeof out->ip);
	ak_pg_text(res, row, 4, out->user_agent, sizeof out->user_agent);
	out->created_at = ak_pg_int64(res, row, 5);
	out->last_seen_at = ak_pg_int64(res, row, 6);
	out->idle_expires_at = ak_pg_int64(res, row, 7);
	out->expires_at = ak_pg_int64(res, row, 8);
	out->revoked_at = ak_pg_int64(res, row, 9);
}

int ak_pg_session_insert(authkit_store *store, const authkit_store_session *session)
{
	if (!session || !ak_store_key_ok(session->id, AUTHKIT_STORE_SESSION_ID_BYTES))
		return ak_fail(AUTHKIT_EINVALID, "session is NULL or its id is empty or too long");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_insert, &call);
	if (rc)
		return rc;
	ak_pg_bind_text(&call, 1, session->id);
	ak_pg_bind_int64(&call, 2, session->user_id);
	ak_pg_bind_hash(&call, 3, session->token_hash);
	ak_pg_bind_text(&call, 4, session->ip);
	ak_pg_bind_text(&call, 5, session->user_agent);
	ak_pg_bind_int64(&call, 6, session->created_at);
	ak_pg_bind_int64(&call, 7, session->last_seen_at);
	ak_pg_bind_int64(&call, 8, session->idle_expires_at);
	ak_pg_bind_int64(&call, 9, session->expires_at);
	ak_pg_bind_int64(&call, 10, session->revoked_at);
	/* Id or hash clash: EEXISTS; no such user (foreign key): ENOTFOUND. */
	return ak_pg_run_guarded(&call, NULL, NULL);
}

static int get_one(authkit_store *store, const ak_pg_query *q, const char *id, const unsigned char *hash,
                   authkit_store_session *out)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, q, &call);
	if (rc)
		return rc;
	if (hash)
		ak_pg_bind_hash(&call, 1, hash);
	else
		ak_pg_bind_text(&call, 1, id);
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK)
		read_session(call.res, 0, out);
	return ak_pg_call_end(&call, rc);
}

int ak_pg_session_get(authkit_store *store, const char *id, authkit_store_session *out)
{
	if (!id || !out)
		return ak_fail(AUTHKIT_EINVALID, "session_get: id or out is NULL");
	return get_one(store, &q_get, id, NULL, out);
}

int ak_pg_session_get_by_hash(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
                              authkit_store_session *out)
{
	if (!token_hash || !out)
		return ak_fail(AUTHKIT_EINVALID, "session_get_by_hash: token_hash or out is NULL");
	return get_one(store, &q_get_by_hash, NULL, token_hash, out);
}

int ak_pg_session_touch(authkit_store *store, const char *id, int64_t last_seen_at, int64_t idle_expires_at)
{
	if (!id)
		return ak_fail(AUTHKIT_EINVALID, "session_touch: id is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_touch, &call);
	if (rc)
		return rc;
	ak_pg_bind_text(&call, 1, id);
	ak_pg_bind_int64(&call, 2, last_seen_at);
	ak_pg_bind_int64(&call, 3, idle_expires_at);
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}

int ak_pg_session_revoke(authkit_store *store, const char *id, int64_t now)
{
	/* revoked_at 0 means alive: a revocation at time 0 would be a no-op. */
	if (!id || now <= 0)
		return ak_fail(AUTHKIT_EINVALID, "session_revoke: id is NULL or now is not positive");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_revoke, &call);
	if (rc)
		return rc;
	ak_pg_bind_text(&call, 1, id);
	ak_pg_bind_int64(&call, 2, now);
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}

int ak_pg_session_revoke_user(authkit_store *store, int64_t user_id, const char *except_id, int64_t now,
                              int64_t *count_out)
{
	if (now <= 0)
		return ak_fail(AUTHKIT_EINVALID, "session_revoke_user: now is not positive");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_revoke_user, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, user_id);
	ak_pg_bind_int64(&call, 2, now);
	ak_pg_bind_text(&call, 3, except_id);
	rc = ak_pg_run(&call);
	if (rc == AUTHKIT_OK && count_out)
		*count_out = ak_pg_changes(&call);
	return ak_pg_call_end(&call, rc);
}

typedef struct session_visit {
	authkit_store_session_cb cb;
	void *userdata;
	authkit_store_session session;
} session_visit;

static int visit_session(const PGresult *res, int row, void *ctx)
{
	session_visit *v = ctx;
	read_session(res, row, &v->session);
	return v->cb(&v->session, v->userdata);
}

int ak_pg_session_list(authkit_store *store, int64_t user_id, authkit_store_session_cb cb, void *userdata)
{
	if (!cb)
		return ak_fail(AUTHKIT_EINVALID, "session_list: callback is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_list, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, user_id);
	session_visit v = {.cb = cb, .userdata = userdata};
	return ak_pg_each_row(&call, visit_session, &v);
}

int ak_pg_session_cleanup(authkit_store *store, int64_t now, int64_t *count_out)
{
	return ak_pg_run_counted(store, &q_cleanup, now, count_out);
}
