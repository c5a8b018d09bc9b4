/* The caller-facing user snapshot (no password hash inside). */
#ifndef AUTHKIT_USER_OBJECT_H
#define AUTHKIT_USER_OBJECT_H

#include "core/internal.h"

struct authkit_user {
	int64_t id;
	char username[AUTHKIT_STORE_USERNAME_BYTES];
	char email[AUTHKIT_STORE_EMAIL_BYTES];
	char full_name[AUTHKIT_STORE_FULL_NAME_BYTES];
	int is_active, is_verified, is_superuser, failed_logins;
	int64_t locked_until, created_at, updated_at, last_login_at;
	/* Role names, NUL-separated in roles; offsets (not pointers) so the
	 * struct can be copied into lists. */
	char roles[AUTHKIT_STORE_ROLES_BYTES];
	uint16_t role_offset[AUTHKIT_ROLES_PER_USER_MAX];
	size_t role_count;
};

struct authkit_user_list {
	size_t count, capacity;
	authkit_user *items;
};

/* Fill a snapshot from a store row. */
void ak_user_fill(authkit_user *u, const authkit_store_user *rec);

#endif
