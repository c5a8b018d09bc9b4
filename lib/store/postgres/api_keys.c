/* API keys: public id in the clear, SHA-256 of the secret part only; deleted with their user. */
#include <string.h>

#include "store/checks.h"
#include "store/postgres/internal.h"

/* Column order read by read_api_key(). */
#define API_KEY_COLUMNS \
	"public_id, user_id, secret_hash, name, scopes, created_at, expires_at, last_used_at, revoked_at"

static const ak_pg_query q_insert = {AK_PG_API_KEY_INSERT, "insert API key",
	"INSERT INTO api_keys (" API_KEY_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"};
static const ak_pg_query q_get = {AK_PG_API_KEY_GET, "get API key",
	"SELECT " API_KEY_COLUMNS " FROM api_keys WHERE public_id = $1"};
/* Revoked keys included; newest first, insertion order breaking ties. */
static const ak_pg_query q_list = {AK_PG_API_KEY_LIST, "list API keys",
	"SELECT " API_KEY_COLUMNS " FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, seq DESC"};
/* Matches a revoked key too (without changing it): zero rows means no such key. */
static const ak_pg_query q_revoke = {AK_PG_API_KEY_REVOKE, "revoke API key",
	"UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN $2 ELSE revoked_at END WHERE public_id = $1"};
static const ak_pg_query q_touch = {AK_PG_API_KEY_TOUCH, "touch API key",
	"UPDATE api_keys SET last_used_at = $2 WHERE public_id = $1"};

static void read_api_key(const PGresult *res, int row, authkit_store_api_key *out)
{
	memset(out, 0, sizeof *out);
	ak_pg_text(res, row, 0, out->public_id, sizeof out->public_id);
	out->user_id = ak_pg_int64(res, row, 1);
	ak_pg_hash(res, row, 2, out->secret_hash);
	ak_pg_text(res, row, 3, out->name, sizeof out->name);
	ak_pg_text(res, row, 4, out->scopes, sizeof out->scopes);
	out->created_at = ak_pg_int64(res, row, 5);
	out->expires_at = ak_pg_int64(res, row, 6);
	out->last_used_at = ak_pg_int64(res, row, 7);
	out->revoked_at = ak_pg_int64(res, row, 8);
}

int ak_pg_api_key_insert(authkit_store *store, const authkit_store_api_key *row)
{
	if (!row || !ak_store_key_ok(row->public_id, AUTHKIT_STORE_KEY_ID_BYTES) ||
	    !ak_store_fits(row->name, sizeof row->name) || !ak_store_fits(row->scopes, sizeof row->scopes))
		return ak_fail(AUTHKIT_EINVALID, "api_key_insert: row is NULL, its id is empty or a field is too long");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_insert, &call);
	if (rc)
		return rc;
	ak_pg_bind_text(&call, 1, row->public_id);
	ak_pg_bind_int64(&call, 2, row->user_id);
	ak_pg_bind_hash(&call, 3, row->secret_hash);
	ak_pg_bind_text(&call, 4, row->name);
	ak_pg_bind_text(&call, 5, row->scopes);
	ak_pg_bind_int64(&call, 6, row->created_at);
	ak_pg_bind_int64(&call, 7, row->expires_at);
	ak_pg_bind_int64(&call, 8, row->last_used_at);
	ak_pg_bind_int64(&call, 9, row->revoked_at);
	/* Id clash: EEXISTS; unknown user (foreign key): ENOTFOUND. */
	return ak_pg_run_guarded(&call, NULL, NULL);
}

int ak_pg_api_key_get(authkit_store *store, const char *public_id, authkit_store_api_key *out)
{
	if (!public_id || !out)
		return ak_fail(AUTHKIT_EINVALID, "api_key_get: public_id or out is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_get, &call);
	if (rc)
		return rc;
	ak_pg_bind_text(&call, 1, public_id);
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK)
		read_api_key(call.res, 0, out);
	return ak_pg_call_end(&call, rc);
}

typedef struct api_key_visit {
	authkit_store_api_key_cb cb;
	void *userdata;
	authkit_store_api_key row;
} api_key_visit;

static int visit_api_key(const PGresult *res, int row, void *ctx)
{
	api_key_visit *v = ctx;
	read_api_key(res, row, &v->row);
	return v->cb(&v->row, v->userdata);
}

int ak_pg_api_key_list(authkit_store *store, int64_t user_id, authkit_store_api_key_cb cb, void *userdata)
{
	if (!cb)
		return ak_fail(AUTHKIT_EINVALID, "api_key_list: callback is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_list, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, user_id);
	api_key_visit v = {.cb = cb, .userdata = userdata};
	return ak_pg_each_row(&call, visit_api_key, &v);
}

/* Bind (public_id, now) and report whether a row matched. */
static int update(authkit_store *store, const ak_pg_query *q, const char *public_id, int64_t now)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, q, &call);
	if (rc)
		return rc;
	ak_pg_bind_text(&call, 1, public_id);
	ak_pg_bind_int64(&call, 2, now);
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}

int ak_pg_api_key_revoke(authkit_store *store, const char *public_id, int64_t now)
{
	/* revoked_at 0 means live: a revocation at time 0 would be a no-op. */
	if (!public_id || now <= 0)
		return ak_fail(AUTHKIT_EINVALID, "api_key_revoke: public_id is NULL or now is not positive");
	return update(store, &q_revoke, public_id, now);
}

int ak_pg_api_key_touch(authkit_store *store, const char *public_id, int64_t now)
{
	if (!public_id)
		return ak_fail(AUTHKIT_EINVALID, "api_key_touch: public_id is NULL");
	return update(store, &q_touch, public_id, now);
}
