/*
 * Refresh tokens: stored by hash, bound to a session, used once each.
 * Rotation reads, decides and writes inside one write transaction (or a
 * savepoint of the caller's), so of concurrent rotations of one token the
 * first marks it used and every later one sees it used.
 */
#include <string.h>

#include "store/sqlite/internal.h"

/* Only for a session of that very user: a token never names another's session. */
static const ak_sqlite_query q_insert = {AK_SQL_REFRESH_INSERT, "insert refresh token",
	"INSERT INTO refresh_tokens (token_hash, session_id, user_id, created_at, expires_at) "
	"SELECT ?1, id, user_id, ?4, ?5 FROM sessions WHERE id = ?2 AND user_id = ?3"};
static const ak_sqlite_query q_lookup = {AK_SQL_REFRESH_LOOKUP, "look up refresh token",
	"SELECT r.session_id, r.user_id, r.expires_at, r.used_at, s.revoked_at "
	"FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = ?1"};
static const ak_sqlite_query q_mark_used = {AK_SQL_REFRESH_MARK_USED, "mark refresh token used",
	"UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at = 0"};
static const ak_sqlite_query q_revoke_session = {AK_SQL_REFRESH_REVOKE_SESSION, "revoke session",
	"UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at = 0"};

int ak_sqlite_refresh_insert(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
                             const char *session_id, int64_t user_id, int64_t expires_at, int64_t now)
{
	if (!token_hash || !session_id)
		return ak_fail(AUTHKIT_EINVALID, "refresh_insert: token_hash or session_id is NULL");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_insert, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_hash(&call, 1, token_hash);
	ak_sqlite_bind_text(&call, 2, session_id);
	ak_sqlite_bind_int64(&call, 3, user_id);
	ak_sqlite_bind_int64(&call, 4, now);
	ak_sqlite_bind_int64(&call, 5, expires_at);
	/* No row inserted: no such session for that user. */
	return ak_sqlite_call_end(&call, ak_sqlite_step_changes(&call));
}

typedef struct refresh_row {
	int64_t expires_at;
	int64_t used_at;
	int64_t revoked_at;
} refresh_row;

static int lookup(authkit_store *store, const unsigned char *hash, refresh_row *row,
                  authkit_store_refresh_result *out)
{
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_lookup, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_hash(&call, 1, hash);
	rc = ak_sqlite_step_row(&call);
	if (rc == AUTHKIT_OK) {
		ak_sqlite_column_text(call.stmt, 0, out->session_id, sizeof out->session_id);
		out->user_id = sqlite3_column_int64(call.stmt, 1);
		row->expires_at = sqlite3_column_int64(call.stmt, 2);
		row->used_at = sqlite3_column_int64(call.stmt, 3);
		row->revoked_at = sqlite3_column_int64(call.stmt, 4);
	}
	return ak_sqlite_call_end(&call, rc);
}

/* Bind (text, int64) and step to completion; *changed = rows changed. */
static int update(authkit_store *store, const ak_sqlite_query *q, const unsigned char *hash, const char *id,
                  int64_t v, int64_t *changed)
{
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, q, &call);
	if (rc)
		return rc;
	if (hash)
		ak_sqlite_bind_hash(&call, 1, hash);
	else
		ak_sqlite_bind_text(&call, 1, id);
	ak_sqlite_bind_int64(&call, 2, v);
	rc = ak_sqlite_step_done(&call);
	*changed = rc == AUTHKIT_OK ? ak_sqlite_changes(&call) : 0;
	return ak_sqlite_call_end(&call, rc);
}

/* A replay: the token was used before, so whoever holds it now may be an
 * attacker. The session dies; the caller commits that. */
static int reuse(authkit_store *store, const authkit_store_refresh_result *out, int64_t now)
{
	int64_t changed = 0;
	int rc = update(store, &q_revoke_session, NULL, out->session_id, now, &changed);
	return rc ? rc : ak_fail(AUTHKIT_EREUSE, "refresh token was already used; its session is revoked");
}

static int rotate(authkit_store *store, const unsigned char *old_hash, const unsigned char *new_hash,
                  int64_t new_expires_at, int64_t now, authkit_store_refresh_result *out)
{
	refresh_row row = {0};
	int rc = lookup(store, old_hash, &row, out);
	if (rc)
		return rc; /* ENOTFOUND included */
	if (row.used_at != 0)
		return reuse(store, out, now);
	if (row.revoked_at != 0)
		return ak_fail(AUTHKIT_EREVOKED, "refresh token's session is revoked");
	if (row.expires_at <= now)
		return ak_fail(AUTHKIT_EEXPIRED, "refresh token expired");
	int64_t changed = 0;
	rc = update(store, &q_mark_used, old_hash, NULL, now, &changed);
	if (rc)
		return rc;
	/* The write lock is held since the lookup, so this cannot happen; if it
	 * did, another rotation won and this one is a replay. */
	if (changed != 1)
		return reuse(store, out, now);
	return ak_sqlite_refresh_insert(store, new_hash, out->session_id, out->user_id, new_expires_at, now);
}

int ak_sqlite_refresh_rotate(authkit_store *store, const unsigned char old_hash[AUTHKIT_STORE_HASH_LEN],
                             const unsigned char new_hash[AUTHKIT_STORE_HASH_LEN], int64_t new_expires_at,
                             int64_t now, authkit_store_refresh_result *out)
{
	/* used_at / revoked_at 0 mean "not yet": now must be after the epoch. */
	if (!old_hash || !new_hash || !out || now <= 0)
		return ak_fail(AUTHKIT_EINVALID, "refresh_rotate: NULL argument or now is not positive");
	memset(out, 0, sizeof *out);
	ak_sqlite_atomic a;
	int rc = ak_sqlite_atomic_begin(store, &a);
	if (rc)
		return rc;
	rc = rotate(store, old_hash, new_hash, new_expires_at, now, out);
	/* A replay's revocation is the point of detecting it: it commits too. */
	int end = ak_sqlite_atomic_end(&a, rc == AUTHKIT_OK || rc == AUTHKIT_EREUSE);
	return end ? end : rc;
}
