/* Users: field updates, password hash compare-and-set, role set operations. */
#include <string.h>

#include "store/postgres/internal.h"

_Static_assert(AUTHKIT_STORE_F_USERNAME == 1 && AUTHKIT_STORE_F_EMAIL == 2 && AUTHKIT_STORE_F_FULL_NAME == 4 &&
                       AUTHKIT_STORE_F_ACTIVE == 8 && AUTHKIT_STORE_F_VERIFIED == 16 &&
                       AUTHKIT_STORE_F_SUPERUSER == 32,
               "field bits changed: update q_update");

/* One statement for every mask: $1 is the mask, and each column keeps its
 * value unless its bit is set. No SQL is built at run time. */
static const ak_pg_query q_update = {AK_PG_USER_UPDATE, "update user",
	"UPDATE users SET "
	"username = CASE WHEN $1 & 1 <> 0 THEN $2 ELSE username END, "
	"email = CASE WHEN $1 & 2 <> 0 THEN $3 ELSE email END, "
	"full_name = CASE WHEN $1 & 4 <> 0 THEN $4 ELSE full_name END, "
	"is_active = CASE WHEN $1 & 8 <> 0 THEN $5 ELSE is_active END, "
	"is_verified = CASE WHEN $1 & 16 <> 0 THEN $6 ELSE is_verified END, "
	"is_superuser = CASE WHEN $1 & 32 <> 0 THEN $7 ELSE is_superuser END, "
	"updated_at = $8 "
	"WHERE id = $9"};

/* $4 NULL: unconditional; otherwise only while the stored hash equals it. */
static const ak_pg_query q_set_hash = {AK_PG_USER_SET_HASH, "set password hash",
	"UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1 AND ($4 IS NULL OR password_hash = $4)"};

/* Roles are one space-separated string; padding it with spaces on both
 * sides makes " role " a whole-word match. Each is one atomic UPDATE. */
static const ak_pg_query q_role_add = {AK_PG_ROLE_ADD, "add role",
	"UPDATE users SET roles = CASE "
	"WHEN strpos(' ' || roles || ' ', ' ' || $2 || ' ') > 0 THEN roles "
	"WHEN roles = '' THEN $2 "
	"ELSE roles || ' ' || $2 END, "
	"updated_at = $3 WHERE id = $1"};
static const ak_pg_query q_role_remove = {AK_PG_ROLE_REMOVE, "remove role",
	"UPDATE users SET roles = btrim(replace(' ' || roles || ' ', ' ' || $2 || ' ', ' ')), "
	"updated_at = $3 WHERE id = $1"};

int ak_pg_user_update(authkit_store *store, const authkit_store_user *user, unsigned int fields)
{
	if (!user)
		return ak_fail(AUTHKIT_EINVALID, "user is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_update, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, fields);
	ak_pg_bind_text(&call, 2, user->username);
	ak_pg_bind_text(&call, 3, user->email);
	ak_pg_bind_text(&call, 4, user->full_name);
	ak_pg_bind_int64(&call, 5, user->is_active);
	ak_pg_bind_int64(&call, 6, user->is_verified);
	ak_pg_bind_int64(&call, 7, user->is_superuser);
	ak_pg_bind_int64(&call, 8, user->updated_at);
	ak_pg_bind_int64(&call, 9, user->id);
	/* A username or email taken by someone else: EEXISTS, undoing only this. */
	return ak_pg_run_guarded(&call, NULL, NULL);
}

int ak_pg_user_set_password_hash(authkit_store *store, int64_t id, const char *hash, const char *expected_hash,
                                 int64_t now)
{
	if (!hash)
		return ak_fail(AUTHKIT_EINVALID, "hash is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_set_hash, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, id);
	ak_pg_bind_text(&call, 2, hash);
	ak_pg_bind_int64(&call, 3, now);
	ak_pg_bind_text(&call, 4, expected_hash);
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}

static int change_role(authkit_store *store, const ak_pg_query *q, int64_t id, const char *role, int64_t now)
{
	/* A space would split the role into two words of the roles string. */
	if (!role || !*role || strchr(role, ' '))
		return ak_fail(AUTHKIT_EINVALID, "role is NULL, empty or contains a space");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, q, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, id);
	ak_pg_bind_text(&call, 2, role);
	ak_pg_bind_int64(&call, 3, now);
	/* A set no-op still matches the row, so zero changes means no user. */
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}

int ak_pg_user_role_add(authkit_store *store, int64_t id, const char *role, int64_t now)
{
	return change_role(store, &q_role_add, id, role, now);
}

int ak_pg_user_role_remove(authkit_store *store, int64_t id, const char *role, int64_t now)
{
	return change_role(store, &q_role_remove, id, role, now);
}
