/* Users: insert, look up, list, count, delete. */
#include <string.h>

#include "store/postgres/internal.h"

/* Column order read by read_user(). */
#define USER_COLUMNS                                                                                      \
	"id, username, email, full_name, password_hash, roles, is_active, is_verified, is_superuser, "   \
	"failed_logins, locked_until, created_at, updated_at, last_login_at"

static const ak_pg_query q_insert = {AK_PG_USER_INSERT, "insert user",
	"INSERT INTO users (username, email, full_name, password_hash, roles, is_active, is_verified, "
	"is_superuser, failed_logins, locked_until, created_at, updated_at, last_login_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id"};
static const ak_pg_query q_by_id = {AK_PG_USER_BY_ID, "get user",
	"SELECT " USER_COLUMNS " FROM users WHERE id = $1"};
/* The unique index is on lower(username) (column collation "C": ASCII
 * folding only); the key is folded the same way, so the index is used. */
static const ak_pg_query q_by_username = {AK_PG_USER_BY_USERNAME, "get user",
	"SELECT " USER_COLUMNS " FROM users WHERE lower(username) = lower($1 COLLATE \"C\")"};
static const ak_pg_query q_by_email = {AK_PG_USER_BY_EMAIL, "get user",
	"SELECT " USER_COLUMNS " FROM users WHERE email = $1"};
static const ak_pg_query q_delete = {AK_PG_USER_DELETE, "delete user", "DELETE FROM users WHERE id = $1"};
static const ak_pg_query q_list = {AK_PG_USER_LIST, "list users",
	"SELECT " USER_COLUMNS " FROM users WHERE id > $1 ORDER BY id LIMIT $2"};
static const ak_pg_query q_count = {AK_PG_USER_COUNT, "count users", "SELECT count(*) FROM users"};

static void read_user(const PGresult *res, int row, authkit_store_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = ak_pg_int64(res, row, 0);
	ak_pg_text(res, row, 1, u->username, sizeof u->username);
	ak_pg_text(res, row, 2, u->email, sizeof u->email);
	ak_pg_text(res, row, 3, u->full_name, sizeof u->full_name);
	ak_pg_text(res, row, 4, u->password_hash, sizeof u->password_hash);
	ak_pg_text(res, row, 5, u->roles, sizeof u->roles);
	u->is_active = (int)ak_pg_int64(res, row, 6);
	u->is_verified = (int)ak_pg_int64(res, row, 7);
	u->is_superuser = (int)ak_pg_int64(res, row, 8);
	u->failed_logins = (int)ak_pg_int64(res, row, 9);
	u->locked_until = ak_pg_int64(res, row, 10);
	u->created_at = ak_pg_int64(res, row, 11);
	u->updated_at = ak_pg_int64(res, row, 12);
	u->last_login_at = ak_pg_int64(res, row, 13);
}

int ak_pg_user_insert(authkit_store *store, authkit_store_user *user)
{
	if (!user)
		return ak_fail(AUTHKIT_EINVALID, "user is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_insert, &call);
	if (rc)
		return rc;
	ak_pg_bind_text(&call, 1, user->username);
	ak_pg_bind_text(&call, 2, user->email);
	ak_pg_bind_text(&call, 3, user->full_name);
	ak_pg_bind_text(&call, 4, user->password_hash);
	ak_pg_bind_text(&call, 5, user->roles);
	ak_pg_bind_int64(&call, 6, user->is_active);
	ak_pg_bind_int64(&call, 7, user->is_verified);
	ak_pg_bind_int64(&call, 8, user->is_superuser);
	ak_pg_bind_int64(&call, 9, user->failed_logins);
	ak_pg_bind_int64(&call, 10, user->locked_until);
	ak_pg_bind_int64(&call, 11, user->created_at);
	ak_pg_bind_int64(&call, 12, user->updated_at);
	ak_pg_bind_int64(&call, 13, user->last_login_at);
	int64_t id = 0;
	/* A taken username or email is EEXISTS and, inside a transaction,
	 * leaves the caller's transaction usable. */
	rc = ak_pg_run_guarded(&call, NULL, &id);
	if (rc == AUTHKIT_OK)
		user->id = id;
	else if (rc == AUTHKIT_ENOTFOUND)
		rc = ak_fail(AUTHKIT_ESTORE, "postgres: insert user returned no id");
	return rc;
}

static const ak_pg_query *lookup_query(authkit_store_user_key by)
{
	switch (by) {
	case AUTHKIT_STORE_BY_ID: return &q_by_id;
	case AUTHKIT_STORE_BY_USERNAME: return &q_by_username;
	case AUTHKIT_STORE_BY_EMAIL: return &q_by_email;
	}
	return NULL;
}

int ak_pg_user_get(authkit_store *store, authkit_store_user_key by, int64_t id, const char *key,
                   authkit_store_user *out)
{
	const ak_pg_query *q = lookup_query(by);
	if (!q || !out || (by != AUTHKIT_STORE_BY_ID && !key))
		return ak_fail(AUTHKIT_EINVALID, "user_get: bad lookup key or NULL out");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, q, &call);
	if (rc)
		return rc;
	if (by == AUTHKIT_STORE_BY_ID)
		ak_pg_bind_int64(&call, 1, id);
	else
		ak_pg_bind_text(&call, 1, key);
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK)
		read_user(call.res, 0, out);
	return ak_pg_call_end(&call, rc);
}

int ak_pg_user_delete(authkit_store *store, int64_t id)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_delete, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, id);
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}

typedef struct user_visit {
	authkit_store_user_cb cb;
	void *userdata;
	authkit_store_user user; /* one row buffer for the whole iteration */
} user_visit;

static int visit_user(const PGresult *res, int row, void *ctx)
{
	user_visit *v = ctx;
	read_user(res, row, &v->user);
	return v->cb(&v->user, v->userdata);
}

int ak_pg_user_list(authkit_store *store, int64_t after_id, unsigned int limit, authkit_store_user_cb cb,
                    void *userdata)
{
	if (!cb)
		return ak_fail(AUTHKIT_EINVALID, "user_list: callback is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_list, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, after_id);
	ak_pg_bind_int64(&call, 2, limit);
	user_visit v = {.cb = cb, .userdata = userdata};
	return ak_pg_each_row(&call, visit_user, &v);
}

int ak_pg_user_count(authkit_store *store, int64_t *count_out)
{
	if (!count_out)
		return ak_fail(AUTHKIT_EINVALID, "count_out is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_count, &call);
	if (rc)
		return rc;
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK)
		*count_out = ak_pg_int64(call.res, 0, 0);
	else if (rc == AUTHKIT_ENOTFOUND)
		rc = ak_fail(AUTHKIT_ESTORE, "postgres: count users returned no row");
	return ak_pg_call_end(&call, rc);
}
