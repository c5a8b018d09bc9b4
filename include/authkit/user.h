/*
 * libauthkit — users.
 *
 * Usernames: 3–32 characters of [A-Za-z0-9_.-], unique case-insensitively,
 * stored as typed. Emails: syntax-checked, stored lower-cased, unique.
 * Full names: optional, valid UTF-8, at most 128 code points, no control
 * characters. Roles: up to 16 names of 1–32 characters of [A-Za-z0-9_.:-].
 *
 * Timestamps are seconds since the Unix epoch (0 = never).
 * An authkit_user is a snapshot: accessors borrow strings from it, and it is
 * released with authkit_user_free().
 */
#ifndef AUTHKIT_USER_H
#define AUTHKIT_USER_H

#include "common.h"
#include "ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct authkit_user authkit_user;
typedef struct authkit_user_list authkit_user_list;

/** Register a new user. The password goes through the policy and Argon2id. */
AUTHKIT_EXTERN(int) authkit_user_register(authkit_ctx *ctx, const char *username, const char *email,
                                          const char *full_name, const char *password,
                                          authkit_user **out);

/**
 * Create a user with an existing password hash, for migrations from other
 * systems: an Argon2id PHC string ($argon2id$...) or a bcrypt hash
 * ($2a$, $2b$, $2y$). A bcrypt hash is replaced by Argon2id on the user's
 * next successful authentication. out may be NULL.
 */
AUTHKIT_EXTERN(int) authkit_user_import(authkit_ctx *ctx, const char *username, const char *email,
                                        const char *full_name, const char *password_hash,
                                        authkit_user **out);

AUTHKIT_EXTERN(int) authkit_user_get_by_id(authkit_ctx *ctx, int64_t id, authkit_user **out);
AUTHKIT_EXTERN(int) authkit_user_get_by_username(authkit_ctx *ctx, const char *username, authkit_user **out);
AUTHKIT_EXTERN(int) authkit_user_get_by_email(authkit_ctx *ctx, const char *email, authkit_user **out);

/**
 * Users with id > after_id in id order, at most limit (1–1000) of them.
 * Pass the last id of a page as after_id to get the next page.
 */
AUTHKIT_EXTERN(int) authkit_user_list_page(authkit_ctx *ctx, int64_t after_id, unsigned limit,
                                      authkit_user_list **out);

/** Number of users in the store. */
AUTHKIT_EXTERN(int) authkit_user_count(authkit_ctx *ctx, int64_t *count_out);

/** Update the full name (NULL or "" clears it). */
AUTHKIT_EXTERN(int) authkit_user_set_full_name(authkit_ctx *ctx, int64_t id, const char *full_name);
/** Change the username (same rules as register). */
AUTHKIT_EXTERN(int) authkit_user_set_username(authkit_ctx *ctx, int64_t id, const char *username);
/** Change the email; clears the verified flag so the new address is re-verified. */
AUTHKIT_EXTERN(int) authkit_user_set_email(authkit_ctx *ctx, int64_t id, const char *email);
/** Activate (1) or deactivate (0). Inactive users cannot authenticate. */
AUTHKIT_EXTERN(int) authkit_user_set_active(authkit_ctx *ctx, int64_t id, int active);
AUTHKIT_EXTERN(int) authkit_user_set_verified(authkit_ctx *ctx, int64_t id, int verified);
AUTHKIT_EXTERN(int) authkit_user_set_superuser(authkit_ctx *ctx, int64_t id, int superuser);
/** Add a named role (no-op if present). */
AUTHKIT_EXTERN(int) authkit_user_add_role(authkit_ctx *ctx, int64_t id, const char *role);
/** Remove a named role (no-op if absent). */
AUTHKIT_EXTERN(int) authkit_user_remove_role(authkit_ctx *ctx, int64_t id, const char *role);
/** Lock the account until the given time (seconds), as the lockout does. */
AUTHKIT_EXTERN(int) authkit_user_lock(authkit_ctx *ctx, int64_t id, int64_t until);
/** Clear a lockout and the failure counter. */
AUTHKIT_EXTERN(int) authkit_user_unlock(authkit_ctx *ctx, int64_t id);
/** Delete the user and everything that belongs to them. */
AUTHKIT_EXTERN(int) authkit_user_delete(authkit_ctx *ctx, int64_t id);

/* Accessors. Strings are borrowed from the user object. */
AUTHKIT_EXTERN(int64_t) authkit_user_id(const authkit_user *u);
AUTHKIT_EXTERN(const char *) authkit_user_username(const authkit_user *u);
AUTHKIT_EXTERN(const char *) authkit_user_email(const authkit_user *u);
AUTHKIT_EXTERN(const char *) authkit_user_full_name(const authkit_user *u); /**< "" when unset */
AUTHKIT_EXTERN(int) authkit_user_is_active(const authkit_user *u);
AUTHKIT_EXTERN(int) authkit_user_is_verified(const authkit_user *u);
AUTHKIT_EXTERN(int) authkit_user_is_superuser(const authkit_user *u);
AUTHKIT_EXTERN(int64_t) authkit_user_created_at(const authkit_user *u);
AUTHKIT_EXTERN(int64_t) authkit_user_updated_at(const authkit_user *u);
AUTHKIT_EXTERN(int64_t) authkit_user_last_login_at(const authkit_user *u);
AUTHKIT_EXTERN(int64_t) authkit_user_locked_until(const authkit_user *u);
AUTHKIT_EXTERN(int) authkit_user_failed_logins(const authkit_user *u);
AUTHKIT_EXTERN(size_t) authkit_user_role_count(const authkit_user *u);
AUTHKIT_EXTERN(const char *) authkit_user_role(const authkit_user *u, size_t i); /**< NULL past the end */
AUTHKIT_EXTERN(int) authkit_user_has_role(const authkit_user *u, const char *role);
AUTHKIT_EXTERN(void) authkit_user_free(authkit_user *u);

AUTHKIT_EXTERN(size_t) authkit_user_list_count(const authkit_user_list *l);
/** Borrowed from the list; NULL past the end. */
AUTHKIT_EXTERN(const authkit_user *) authkit_user_list_get(const authkit_user_list *l, size_t i);
AUTHKIT_EXTERN(void) authkit_user_list_free(authkit_user_list *l);

/* Limits, as functions for bindings (the macros below have the same values). */
#define AUTHKIT_USERNAME_MIN 3
#define AUTHKIT_USERNAME_MAX 32
#define AUTHKIT_EMAIL_MAX 254
#define AUTHKIT_FULL_NAME_MAX_CHARS 128
#define AUTHKIT_ROLE_MAX 32
#define AUTHKIT_ROLES_PER_USER_MAX 16
AUTHKIT_EXTERN(size_t) authkit_username_max(void);
AUTHKIT_EXTERN(size_t) authkit_email_max(void);

#ifdef __cplusplus
}
#endif
#endif
