/* Users: insert, look up, list, count, delete. */
#include <string.h>

#include "store/sqlite/internal.h"

/* Column order read by read_user(). */
#define USER_COLUMNS                                                                                      \
	"id, username, email, full_name, password_hash, roles, is_active, is_verified, is_superuser, "   \
	"failed_logins, locked_until, created_at, updated_at, last_login_at"

static const ak_sqlite_query q_insert = {AK_SQL_USER_INSERT, "insert user",
	/* The id is never one a deleted user had (schema step 6). */
	"INSERT INTO users (id, username, email, full_name, password_hash, roles, is_active, is_verified, "
	"is_superuser, failed_logins, locked_until, created_at, updated_at, last_login_at) "
	"VALUES (max(coalesce((SELECT max(id) FROM users), 0), (SELECT id FROM user_id_floor)) + 1, "
	"?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id"};
/* username has COLLATE NOCASE, so "=" compares ASCII-case-insensitively
 * and uses the unique index. */
static const ak_sqlite_query q_by_id = {AK_SQL_USER_BY_ID, "get user",
	"SELECT " USER_COLUMNS " FROM users WHERE id = ?1"};
static const ak_sqlite_query q_by_username = {AK_SQL_USER_BY_USERNAME, "get user",
	"SELECT " USER_COLUMNS " FROM users WHERE username = ?1"};
static const ak_sqlite_query q_by_email = {AK_SQL_USER_BY_EMAIL, "get user",
	"SELECT " USER_COLUMNS " FROM users WHERE email = ?1"};
static const ak_sqlite_query q_delete = {AK_SQL_USER_DELETE, "delete user",
	"DELETE FROM users WHERE id = ?1"};
static const ak_sqlite_query q_list = {AK_SQL_USER_LIST, "list users",
	"SELECT " USER_COLUMNS " FROM users WHERE id > ?1 ORDER BY id LIMIT ?2"};
static const ak_sqlite_query q_count = {AK_SQL_USER_COUNT, "count users", "SELECT count(*) FROM users"};

static void read_user(sqlite3_stmt *st, authkit_store_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, 0);
	ak_sqlite_column_text(st, 1, u->username, sizeof u->username);
	ak_sqlite_column_text(st, 2, u->email, sizeof u->email);
	ak_sqlite_column_text(st, 3, u->full_name, sizeof u->full_name);
	ak_sqlite_column_text(st, 4, u->password_hash, sizeof u->password_hash);
	ak_sqlite_column_text(st, 5, u->roles, sizeof u->roles);
	u->is_active = sqlite3_column_int(st, 6);
	u->is_verified = sqlite3_column_int(st, 7);
	u->is_superuser = sqlite3_column_int(st, 8);
	u->failed_logins = sqlite3_column_int(st, 9);
	u->locked_until = sqlite3_column_int64(st, 10);
	u->created_at = sqlite3_column_int64(st, 11);
	u->updated_at = sqlite3_column_int64(st, 12);
	u->last_login_at = sqlite3_column_int64(st, 13);
}

static void bind_user(ak_sqlite_call *call, const authkit_store_user *u)
{
	ak_sqlite_bind_text(call, 1, u->username);
	ak_sqlite_bind_text(call, 2, u->email);
	ak_sqlite_bind_text(call, 3, u->full_name);
	ak_sqlite_bind_text(call, 4, u->password_hash);
	ak_sqlite_bind_text(call, 5, u->roles);
	ak_sqlite_bind_int64(call, 6, u->is_active);
	ak_sqlite_bind_int64(call, 7, u->is_verified);
	ak_sqlite_bind_int64(call, 8, u->is_superuser);
	ak_sqlite_bind_int64(call, 9, u->failed_logins);
	ak_sqlite_bind_int64(call, 10, u->locked_until);
	ak_sqlite_bind_int64(call, 11, u->created_at);
	ak_sqlite_bind_int64(call, 12, u->updated_at);
	ak_sqlite_bind_int64(call, 13, u->last_login_at);
}

int ak_sqlite_user_insert(authkit_store *store, authkit_store_user *user)
{
	if (!user)
		return ak_fail(AUTHKIT_EINVALID, "user is NULL");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_insert, &call);
	if (rc)
		return rc;
	bind_user(&call, user);
	rc = ak_sqlite_step_row(&call);
	int64_t id = rc == AUTHKIT_OK ? sqlite3_column_int64(call.stmt, 0) : 0;
	/* The autocommit write is only final once the statement is done. */
	if (rc == AUTHKIT_OK)
		rc = ak_sqlite_step_done(&call);
	if (rc == AUTHKIT_OK)
		user->id = id;
	else if (rc == AUTHKIT_ENOTFOUND)
		rc = ak_fail(AUTHKIT_ESTORE, "sqlite: insert user returned no id");
	return ak_sqlite_call_end(&call, rc);
}

static const ak_sqlite_query *lookup_query(authkit_store_user_key by)
{
	switch (by) {
	case AUTHKIT_STORE_BY_ID: return &q_by_id;
	case AUTHKIT_STORE_BY_USERNAME: return &q_by_username;
	case AUTHKIT_STORE_BY_EMAIL: return &q_by_email;
	}
	return NULL;
}

int ak_sqlite_user_get(authkit_store *store, authkit_store_user_key by, int64_t id, const char *key,
                       authkit_store_user *out)
{
	const ak_sqlite_query *q = lookup_query(by);
	if (!q || !out || (by != AUTHKIT_STORE_BY_ID && !key))
		return ak_fail(AUTHKIT_EINVALID, "user_get: bad lookup key or NULL out");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, q, &call);
	if (rc)
		return rc;
	if (by == AUTHKIT_STORE_BY_ID)
		ak_sqlite_bind_int64(&call, 1, id);
	else
		ak_sqlite_bind_text(&call, 1, key);
	rc = ak_sqlite_step_row(&call);
	if (rc == AUTHKIT_OK)
		read_user(call.stmt, out);
	return ak_sqlite_call_end(&call, rc);
}

int ak_sqlite_user_delete(authkit_store *store, int64_t id)
{
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_delete, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_int64(&call, 1, id);
	return ak_sqlite_call_end(&call, ak_sqlite_step_changes(&call));
}

typedef struct user_visit {
	authkit_store_user_cb cb;
	void *userdata;
	authkit_store_user user; /* one row buffer for the whole iteration */
} user_visit;

static int visit_user(sqlite3_stmt *st, void *ctx)
{
	user_visit *v = ctx;
	read_user(st, &v->user);
	return v->cb(&v->user, v->userdata);
}

int ak_sqlite_user_list(authkit_store *store, int64_t after_id, unsigned int limit, authkit_store_user_cb cb,
                        void *userdata)
{
	if (!cb)
		return ak_fail(AUTHKIT_EINVALID, "user_list: callback is NULL");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_list, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_int64(&call, 1, after_id);
	ak_sqlite_bind_int64(&call, 2, limit);
	user_visit v = {.cb = cb, .userdata = userdata};
	return ak_sqlite_each_row(&call, visit_user, &v);
}

int ak_sqlite_user_count(authkit_store *store, int64_t *count_out)
{
	if (!count_out)
		return ak_fail(AUTHKIT_EINVALID, "count_out is NULL");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_count, &call);
	if (rc)
		return rc;
	rc = ak_sqlite_step_row(&call);
	if (rc == AUTHKIT_OK)
		*count_out = sqlite3_column_int64(call.stmt, 0);
	else if (rc == AUTHKIT_ENOTFOUND)
		rc = ak_fail(AUTHKIT_ESTORE, "sqlite: count users returned no row");
	return ak_sqlite_call_end(&call, rc);
}
