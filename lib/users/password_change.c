/* Changing a password: by the user (current password required) or by an
 * administrator. The new one always passes the policy. */
#include <sodium.h>
#include <string.h>

#include "users/user_object.h"

/* Hash the new password (no lock held), then swap it in only if the stored
 * hash is still the one we checked against, with its audit event. */
static int replace_hash(authkit_ctx *ctx, const authkit_store_user *rec, const char *new_password,
                        const char *event, const char *ip)
{
	char hash[AUTHKIT_STORE_HASH_BYTES];
	int rc = ak_password_hash(new_password, ctx->settings.argon2_opslimit, ctx->settings.argon2_memlimit, hash);
	if (rc)
		return rc;
	rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->user_set_password_hash(ctx->store, rec->id, hash, rec->password_hash, ak_now(ctx));
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, rec->id, event, ip, NULL);
	rc = ak_txn_end(ctx, rc);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(rc, "the password was changed concurrently; try again");
	return rc;
}

static int load_and_check_policy(authkit_ctx *ctx, int64_t user_id, const char *new_password,
                                 authkit_store_user *rec)
{
	if (!ctx || !new_password)
		return ak_fail(AUTHKIT_EINVALID, "ctx and new_password must not be NULL");
	int rc = ak_user_load(ctx, user_id, rec);
	if (rc == AUTHKIT_OK)
		rc = ak_password_policy(&ctx->settings, new_password, rec->username, rec->email);
	return rc;
}

AUTHKIT_EXTERN(int) authkit_password_change(authkit_ctx *ctx, int64_t user_id, const char *current_password,
                                            const char *new_password, const char *ip)
{
	ak_clear_error();
	if (!current_password || strnlen(current_password, AUTHKIT_PASSWORD_MAX_BYTES + 1) > AUTHKIT_PASSWORD_MAX_BYTES)
		return ak_fail(AUTHKIT_EINVALID, "current_password must be at most %d bytes", AUTHKIT_PASSWORD_MAX_BYTES);
	int rc = ak_validate_ip(ip);
	if (rc)
		return rc;
	authkit_store_user rec;
	rc = load_and_check_policy(ctx, user_id, new_password, &rec);
	if (rc)
		return rc;
	rc = ak_password_verify(rec.password_hash, current_password);
	if (rc) {
		ak_audit(ctx, user_id, "password.change_failed", ip, "reason=bad_password");
		return ak_fail(AUTHKIT_EAUTH, "current password is wrong");
	}
	return replace_hash(ctx, &rec, new_password, "password.changed", ip);
}

AUTHKIT_EXTERN(int) authkit_password_set(authkit_ctx *ctx, int64_t user_id, const char *new_password)
{
	ak_clear_error();
	authkit_store_user rec;
	int rc = load_and_check_policy(ctx, user_id, new_password, &rec);
	return rc ? rc : replace_hash(ctx, &rec, new_password, "password.set", NULL);
}
