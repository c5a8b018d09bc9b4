/* API keys: public id in the clear, SHA-256 of the secret part only; deleted with their user. */
#include <string.h>

#include "store/sqlite/internal.h"

/* Column order read by read_api_key(). */
#define API_KEY_COLUMNS \
	"public_id, user_id, secret_hash, name, scopes, created_at, expires_at, last_used_at, revoked_at"

static const ak_sqlite_query q_insert = {AK_SQL_API_KEY_INSERT, "insert API key",
	"INSERT INTO api_keys (" API_KEY_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"};
static const ak_sqlite_query q_get = {AK_SQL_API_KEY_GET, "get API key",
	"SELECT " API_KEY_COLUMNS " FROM api_keys WHERE public_id = ?1"};
/* Revoked keys included (the caller shows them as such); newest first,
 * rowid breaking ties within one second. */
static const ak_sqlite_query q_list = {AK_SQL_API_KEY_LIST, "list API keys",
	"SELECT " API_KEY_COLUMNS " FROM api_keys WHERE user_id = ?1 ORDER BY created_at DESC, rowid DESC"};
/* Matches a revoked key too (without changing it): zero changes means no such key. */
static const ak_sqlite_query q_revoke = {AK_SQL_API_KEY_REVOKE, "revoke API key",
	"UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ?2 ELSE revoked_at END "
	"WHERE public_id = ?1"};
static const ak_sqlite_query q_touch = {AK_SQL_API_KEY_TOUCH, "touch API key",
	"UPDATE api_keys SET last_used_at = ?2 WHERE public_id = ?1"};

static void read_api_key(sqlite3_stmt *st, authkit_store_api_key *out)
{
	memset(out, 0, sizeof *out);
	ak_sqlite_column_text(st, 0, out->public_id, sizeof out->public_id);
	out->user_id = sqlite3_column_int64(st, 1);
	ak_sqlite_column_hash(st, 2, out->secret_hash);
	ak_sqlite_column_text(st, 3, out->name, sizeof out->name);
	ak_sqlite_column_text(st, 4, out->scopes, sizeof out->scopes);
	out->created_at = sqlite3_column_int64(st, 5);
	out->expires_at = sqlite3_column_int64(st, 6);
	out->last_used_at = sqlite3_column_int64(st, 7);
	out->revoked_at = sqlite3_column_int64(st, 8);
}

static bool id_ok(const char *id)
{
	return id && *id && strnlen(id, AUTHKIT_STORE_KEY_ID_BYTES) < AUTHKIT_STORE_KEY_ID_BYTES;
}

static bool fits(const char *s, size_t size)
{
	return strnlen(s, size) < size;
}

int ak_sqlite_api_key_insert(authkit_store *store, const authkit_store_api_key *row)
{
	if (!row || !id_ok(row->public_id) || !fits(row->name, sizeof row->name) ||
	    !fits(row->scopes, sizeof row->scopes))
		return ak_fail(AUTHKIT_EINVALID, "api_key_insert: row is NULL, its id is empty or a field is too long");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_insert, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_text(&call, 1, row->public_id);
	ak_sqlite_bind_int64(&call, 2, row->user_id);
	ak_sqlite_bind_hash(&call, 3, row->secret_hash);
	ak_sqlite_bind_text(&call, 4, row->name);
	ak_sqlite_bind_text(&call, 5, row->scopes);
	ak_sqlite_bind_int64(&call, 6, row->created_at);
	ak_sqlite_bind_int64(&call, 7, row->expires_at);
	ak_sqlite_bind_int64(&call, 8, row->last_used_at);
	ak_sqlite_bind_int64(&call, 9, row->revoked_at);
	/* Id clash: EEXISTS; unknown user (foreign key): ENOTFOUND. */
	return ak_sqlite_call_end(&call, ak_sqlite_step_done(&call));
}

int ak_sqlite_api_key_get(authkit_store *store, const char *public_id, authkit_store_api_key *out)
{
	if (!public_id || !out)
		return ak_fail(AUTHKIT_EINVALID, "api_key_get: public_id or out is NULL");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_get, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_text(&call, 1, public_id);
	rc = ak_sqlite_step_row(&call);
	if (rc == AUTHKIT_OK)
		read_api_key(call.stmt, out);
	return ak_sqlite_call_end(&call, rc);
}

typedef struct api_key_visit {
	authkit_store_api_key_cb cb;
	void *userdata;
	authkit_store_api_key row;
} api_key_visit;

static int visit_api_key(sqlite3_stmt *st, void *ctx)
{
	api_key_visit *v = ctx;
	read_api_key(st, &v->row);
	return v->cb(&v->row, v->userdata);
}

int ak_sqlite_api_key_list(authkit_store *store, int64_t user_id, authkit_store_api_key_cb cb, void *userdata)
{
	if (!cb)
		return ak_fail(AUTHKIT_EINVALID, "api_key_list: callback is NULL");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_list, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_int64(&call, 1, user_id);
	api_key_visit v = {.cb = cb, .userdata = userdata};
	return ak_sqlite_each_row(&call, visit_api_key, &v);
}

/* Bind (public_id, now) and report whether a row matched. */
static int update(authkit_store *store, const ak_sqlite_query *q, const char *public_id, int64_t now)
{
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, q, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_text(&call, 1, public_id);
	ak_sqlite_bind_int64(&call, 2, now);
	return ak_sqlite_call_end(&call, ak_sqlite_step_changes(&call));
}

int ak_sqlite_api_key_revoke(authkit_store *store, const char *public_id, int64_t now)
{
	/* revoked_at 0 means live: a revocation at time 0 would be a no-op. */
	if (!public_id || now <= 0)
		return ak_fail(AUTHKIT_EINVALID, "api_key_revoke: public_id is NULL or now is not positive");
	return update(store, &q_revoke, public_id, now);
}

int ak_sqlite_api_key_touch(authkit_store *store, const char *public_id, int64_t now)
{
	if (!public_id)
		return ak_fail(AUTHKIT_EINVALID, "api_key_touch: public_id is NULL");
	return update(store, &q_touch, public_id, now);
}
