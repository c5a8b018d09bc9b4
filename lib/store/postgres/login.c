/* Login counters: each is one atomic UPDATE, inside or outside a transaction. */
#include "store/postgres/internal.h"

/* The row lock makes concurrent increments queue; RETURNING hands back the
 * count this very statement wrote, so each caller sees a distinct value. */
static const ak_pg_query q_failure = {AK_PG_LOGIN_FAILURE, "record login failure",
	"UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins"};
static const ak_pg_query q_lock = {AK_PG_LOGIN_LOCK, "lock account",
	"UPDATE users SET locked_until = $2, failed_logins = 0 WHERE id = $1"};
static const ak_pg_query q_success = {AK_PG_LOGIN_SUCCESS, "record login success",
	"UPDATE users SET failed_logins = 0, locked_until = 0, last_login_at = $2 WHERE id = $1"};

int ak_pg_login_failure(authkit_store *store, int64_t id, int *failures_out)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_failure, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, id);
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK && failures_out)
		*failures_out = (int)ak_pg_int64(call.res, 0, 0);
	return ak_pg_call_end(&call, rc);
}

/* Both remaining counters bind (id, time) and must match a row. */
static int set_by_id(authkit_store *store, const ak_pg_query *q, int64_t id, int64_t when)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, q, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, id);
	ak_pg_bind_int64(&call, 2, when);
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}

int ak_pg_login_lock(authkit_store *store, int64_t id, int64_t until)
{
	return set_by_id(store, &q_lock, id, until);
}

int ak_pg_login_success(authkit_store *store, int64_t id, int64_t now)
{
	return set_by_id(store, &q_success, id, now);
}
