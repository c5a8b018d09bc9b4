/* authkit_user snapshots: built from store rows, read through accessors. */
#include <stdlib.h>
#include <string.h>

#include "users/user_object.h"

static void split_roles(authkit_user *u, const char *roles)
{
	ak_strlcpy(u->roles, roles, sizeof u->roles);
	u->role_count = 0;
	char *p = u->roles;
	while (*p && u->role_count < AUTHKIT_ROLES_PER_USER_MAX) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		u->role_offset[u->role_count++] = (uint16_t)(p - u->roles);
		while (*p && *p != ' ')
			p++;
	}
	/* Terminate the last name if more roles follow than fit. */
	if (*p == ' ')
		*p = '\0';
}

void ak_user_fill(authkit_user *u, const authkit_store_user *rec)
{
	memset(u, 0, sizeof *u);
	u->id = rec->id;
	ak_strlcpy(u->username, rec->username, sizeof u->username);
	ak_strlcpy(u->email, rec->email, sizeof u->email);
	ak_strlcpy(u->full_name, rec->full_name, sizeof u->full_name);
	u->is_active = rec->is_active != 0;
	u->is_verified = rec->is_verified != 0;
	u->is_superuser = rec->is_superuser != 0;
	u->failed_logins = rec->failed_logins;
	u->locked_until = rec->locked_until;
	u->created_at = rec->created_at;
	u->updated_at = rec->updated_at;
	u->last_login_at = rec->last_login_at;
	split_roles(u, rec->roles);
}

int ak_user_from_record(const authkit_store_user *rec, authkit_user **out)
{
	authkit_user *u = malloc(sizeof *u);
	if (!u)
		return ak_fail(AUTHKIT_ENOMEM, "user allocation failed");
	ak_user_fill(u, rec);
	*out = u;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int64_t) authkit_user_id(const authkit_user *u) { return u ? u->id : 0; }
AUTHKIT_EXTERN(const char *) authkit_user_username(const authkit_user *u) { return u ? u->username : NULL; }
AUTHKIT_EXTERN(const char *) authkit_user_email(const authkit_user *u) { return u ? u->email : NULL; }
AUTHKIT_EXTERN(const char *) authkit_user_full_name(const authkit_user *u) { return u ? u->full_name : NULL; }
AUTHKIT_EXTERN(int) authkit_user_is_active(const authkit_user *u) { return u ? u->is_active : 0; }
AUTHKIT_EXTERN(int) authkit_user_is_verified(const authkit_user *u) { return u ? u->is_verified : 0; }
AUTHKIT_EXTERN(int) authkit_user_is_superuser(const authkit_user *u) { return u ? u->is_superuser : 0; }
AUTHKIT_EXTERN(int64_t) authkit_user_created_at(const authkit_user *u) { return u ? u->created_at : 0; }
AUTHKIT_EXTERN(int64_t) authkit_user_updated_at(const authkit_user *u) { return u ? u->updated_at : 0; }
AUTHKIT_EXTERN(int64_t) authkit_user_last_login_at(const authkit_user *u) { return u ? u->last_login_at : 0; }
AUTHKIT_EXTERN(int64_t) authkit_user_locked_until(const authkit_user *u) { return u ? u->locked_until : 0; }
AUTHKIT_EXTERN(int) authkit_user_failed_logins(const authkit_user *u) { return u ? u->failed_logins : 0; }
AUTHKIT_EXTERN(size_t) authkit_user_role_count(const authkit_user *u) { return u ? u->role_count : 0; }

AUTHKIT_EXTERN(const char *) authkit_user_role(const authkit_user *u, size_t i)
{
	return (u && i < u->role_count) ? u->roles + u->role_offset[i] : NULL;
}

AUTHKIT_EXTERN(int) authkit_user_has_role(const authkit_user *u, const char *role)
{
	if (!u || !role)
		return 0;
	for (size_t i = 0; i < u->role_count; i++)
		if (strcmp(u->roles + u->role_offset[i], role) == 0)
			return 1;
	return 0;
}

AUTHKIT_EXTERN(void) authkit_user_free(authkit_user *u)
{
	free(u);
}
