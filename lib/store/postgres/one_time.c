/* One-time tokens (password reset, email verification): stored by hash, used once. */
#include "store/postgres/internal.h"

static const ak_pg_query q_insert = {AK_PG_ONE_TIME_INSERT, "insert one-time token",
	"INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at) "
	"VALUES ($1, $2, $3, $4, $5)"};
/* One statement decides and marks. Concurrent redemptions queue on the row
 * lock and re-check used_at = 0 on the committed row: exactly one gets a
 * row back. */
static const ak_pg_query q_consume = {AK_PG_ONE_TIME_CONSUME, "consume one-time token",
	"UPDATE one_time_tokens SET used_at = $4 "
	"WHERE token_hash = $1 AND purpose = $2 AND used_at = 0 AND expires_at > $3 RETURNING user_id"};
static const ak_pg_query q_delete_user = {AK_PG_ONE_TIME_DELETE_USER, "delete one-time tokens",
	"DELETE FROM one_time_tokens WHERE user_id = $1 AND purpose = $2 AND used_at = 0"};
static const ak_pg_query q_cleanup = {AK_PG_ONE_TIME_CLEANUP, "clean up one-time tokens",
	"DELETE FROM one_time_tokens WHERE used_at <> 0 OR expires_at <= $1"};

int ak_pg_one_time_insert(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN], int purpose,
                          int64_t user_id, int64_t expires_at, int64_t now)
{
	if (!token_hash)
		return ak_fail(AUTHKIT_EINVALID, "one_time_insert: token_hash is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_insert, &call);
	if (rc)
		return rc;
	ak_pg_bind_hash(&call, 1, token_hash);
	ak_pg_bind_int64(&call, 2, purpose);
	ak_pg_bind_int64(&call, 3, user_id);
	ak_pg_bind_int64(&call, 4, now);
	ak_pg_bind_int64(&call, 5, expires_at);
	/* An unknown user fails the foreign key: ENOTFOUND; a clash: EEXISTS. */
	return ak_pg_run_guarded(&call, NULL, NULL);
}

int ak_pg_one_time_consume(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN], int purpose,
                           int64_t now, int64_t *user_id_out)
{
	/* used_at 0 means unused: marking it used at time 0 would not. */
	if (!token_hash || now <= 0)
		return ak_fail(AUTHKIT_EINVALID, "one_time_consume: token_hash is NULL or now is not positive");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_consume, &call);
	if (rc)
		return rc;
	ak_pg_bind_hash(&call, 1, token_hash);
	ak_pg_bind_int64(&call, 2, purpose);
	ak_pg_bind_int64(&call, 3, now);
	ak_pg_bind_int64(&call, 4, now);
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK && user_id_out)
		*user_id_out = ak_pg_int64(call.res, 0, 0);
	return ak_pg_call_end(&call, rc);
}

int ak_pg_one_time_delete_user(authkit_store *store, int64_t user_id, int purpose)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_delete_user, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, user_id);
	ak_pg_bind_int64(&call, 2, purpose);
	/* Deleting none is fine: there may have been nothing left. */
	return ak_pg_call_end(&call, ak_pg_run(&call));
}

int ak_pg_one_time_cleanup(authkit_store *store, int64_t now, int64_t *count_out)
{
	return ak_pg_run_counted(store, &q_cleanup, now, count_out);
}
