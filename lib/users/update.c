/* Changing a user's profile, flags, roles and lock state. Each change and
 * its audit event commit together or not at all. */
#include <string.h>

#include "users/user_object.h"

typedef int (*ak_user_change_fn)(authkit_ctx *ctx, int64_t id, const void *arg);

/* Run change + audit event in one transaction. */
static int change_user(authkit_ctx *ctx, int64_t id, ak_user_change_fn change, const void *arg, const char *event,
                       const char *detail)
{
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	if (id <= 0)
		return ak_fail(AUTHKIT_EINVALID, "user id must be positive");
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = change(ctx, id, arg);
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, id, event, NULL, detail);
	rc = ak_txn_end(ctx, rc);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(rc, "no such user");
	if (rc == AUTHKIT_EEXISTS)
		return ak_fail(rc, "username or email is already taken");
	return rc;
}

typedef struct field_update {
	authkit_store_user rec;
	unsigned fields;
} field_update;

static int write_fields(authkit_ctx *ctx, int64_t id, const void *arg)
{
	const field_update *fu = arg;
	authkit_store_user rec = fu->rec;
	rec.id = id;
	rec.updated_at = ak_now(ctx);
	return ctx->store->user_update(ctx->store, &rec, fu->fields);
}

static int update_fields(authkit_ctx *ctx, int64_t id, field_update *fu, const char *detail)
{
	return change_user(ctx, id, write_fields, fu, "user.updated", detail);
}

AUTHKIT_EXTERN(int) authkit_user_set_full_name(authkit_ctx *ctx, int64_t id, const char *full_name)
{
	ak_clear_error();
	int rc = ak_validate_full_name(full_name);
	if (rc)
		return rc;
	field_update fu = {.fields = AUTHKIT_STORE_F_FULL_NAME};
	ak_strlcpy(fu.rec.full_name, full_name ? full_name : "", sizeof fu.rec.full_name);
	return update_fields(ctx, id, &fu, "field=full_name");
}

AUTHKIT_EXTERN(int) authkit_user_set_username(authkit_ctx *ctx, int64_t id, const char *username)
{
	ak_clear_error();
	int rc = ak_validate_username(username);
	if (rc)
		return rc;
	field_update fu = {.fields = AUTHKIT_STORE_F_USERNAME};
	ak_strlcpy(fu.rec.username, username, sizeof fu.rec.username);
	return update_fields(ctx, id, &fu, "field=username");
}

/* A verification or reset link sent to the old address must not work for
 * the new one: the user's outstanding one-time tokens die with the change. */
static int write_email_change(authkit_ctx *ctx, int64_t id, const void *arg)
{
	int rc = write_fields(ctx, id, arg);
	if (rc == AUTHKIT_OK)
		rc = ctx->store->one_time_delete_user(ctx->store, id, AUTHKIT_STORE_PURPOSE_VERIFY);
	if (rc == AUTHKIT_OK)
		rc = ctx->store->one_time_delete_user(ctx->store, id, AUTHKIT_STORE_PURPOSE_RESET);
	return rc;
}

AUTHKIT_EXTERN(int) authkit_user_set_email(authkit_ctx *ctx, int64_t id, const char *email)
{
	ak_clear_error();
	field_update fu = {.fields = AUTHKIT_STORE_F_EMAIL | AUTHKIT_STORE_F_VERIFIED};
	int rc = ak_normalize_email(email, fu.rec.email);
	if (rc)
		return rc;
	fu.rec.is_verified = 0; /* a new address must be verified again */
	return change_user(ctx, id, write_email_change, &fu, "user.updated", "field=email");
}

static int set_flag(authkit_ctx *ctx, int64_t id, unsigned field, int value, const char *detail)
{
	ak_clear_error();
	if (value != 0 && value != 1)
		return ak_fail(AUTHKIT_EINVALID, "flag must be 0 or 1");
	field_update fu = {.fields = field};
	fu.rec.is_active = fu.rec.is_verified = fu.rec.is_superuser = value;
	return update_fields(ctx, id, &fu, detail);
}

/* Deactivation also ends every session, in the same transaction. */
static int write_deactivation(authkit_ctx *ctx, int64_t id, const void *arg)
{
	int64_t revoked = 0;
	int rc = write_fields(ctx, id, arg);
	return rc ? rc : ctx->store->session_revoke_user(ctx->store, id, NULL, ak_now(ctx), &revoked);
}

AUTHKIT_EXTERN(int) authkit_user_set_active(authkit_ctx *ctx, int64_t id, int active)
{
	if (active != 0)
		return set_flag(ctx, id, AUTHKIT_STORE_F_ACTIVE, active, "field=active value=1");
	ak_clear_error();
	field_update fu = {.fields = AUTHKIT_STORE_F_ACTIVE};
	fu.rec.is_active = 0;
	return change_user(ctx, id, write_deactivation, &fu, "user.updated", "field=active value=0");
}

AUTHKIT_EXTERN(int) authkit_user_set_verified(authkit_ctx *ctx, int64_t id, int verified)
{
	return set_flag(ctx, id, AUTHKIT_STORE_F_VERIFIED, verified,
	                verified ? "field=verified value=1" : "field=verified value=0");
}

AUTHKIT_EXTERN(int) authkit_user_set_superuser(authkit_ctx *ctx, int64_t id, int superuser)
{
	return set_flag(ctx, id, AUTHKIT_STORE_F_SUPERUSER, superuser,
	                superuser ? "field=superuser value=1" : "field=superuser value=0");
}

static int add_role(authkit_ctx *ctx, int64_t id, const void *role)
{
	authkit_store_user rec;
	int rc = ak_user_load(ctx, id, &rec);
	if (rc)
		return rc;
	authkit_user snapshot;
	ak_user_fill(&snapshot, &rec);
	if (!authkit_user_has_role(&snapshot, role) && snapshot.role_count >= AUTHKIT_ROLES_PER_USER_MAX)
		return ak_fail(AUTHKIT_EINVALID, "a user has at most %d roles", AUTHKIT_ROLES_PER_USER_MAX);
	return ctx->store->user_role_add(ctx->store, id, role, ak_now(ctx));
}

static int remove_role(authkit_ctx *ctx, int64_t id, const void *role)
{
	return ctx->store->user_role_remove(ctx->store, id, role, ak_now(ctx));
}

AUTHKIT_EXTERN(int) authkit_user_add_role(authkit_ctx *ctx, int64_t id, const char *role)
{
	ak_clear_error();
	int rc = ak_validate_role(role);
	return rc ? rc : change_user(ctx, id, add_role, role, "user.role_added", NULL);
}

AUTHKIT_EXTERN(int) authkit_user_remove_role(authkit_ctx *ctx, int64_t id, const char *role)
{
	ak_clear_error();
	int rc = ak_validate_role(role);
	return rc ? rc : change_user(ctx, id, remove_role, role, "user.role_removed", NULL);
}

static int lock_until(authkit_ctx *ctx, int64_t id, const void *until)
{
	return ctx->store->login_lock(ctx->store, id, *(const int64_t *)until);
}

AUTHKIT_EXTERN(int) authkit_user_lock(authkit_ctx *ctx, int64_t id, int64_t until)
{
	ak_clear_error();
	if (until <= 0)
		return ak_fail(AUTHKIT_EINVALID, "until must be a positive time");
	return change_user(ctx, id, lock_until, &until, "user.locked", NULL);
}

AUTHKIT_EXTERN(int) authkit_user_unlock(authkit_ctx *ctx, int64_t id)
{
	ak_clear_error();
	int64_t never = 0;
	return change_user(ctx, id, lock_until, &never, "user.unlocked", NULL);
}
