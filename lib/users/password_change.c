/* Changing a password: by the user (current password required) or by an
 * administrator. The new one always passes the policy, and the user's other
 * sessions end with the old password. */
#include <string.h>

#include "users/user_object.h"

typedef struct password_swap {
	const authkit_store_user *user;
	const char *new_hash;
	const char *keep_session_id; /* NULL: revoke every session */
	const char *event;
	const char *ip;
} password_swap;

/* Swap the hash in only if the stored one is still the one we checked, end
 * the other sessions, and audit: one transaction. */
static int swap_in_txn(authkit_ctx *ctx, const password_swap *swap)
{
	int64_t now = ak_now(ctx), revoked = 0;
	int rc = ctx->store->user_set_password_hash(ctx->store, swap->user->id, swap->new_hash,
	                                            swap->user->password_hash, now);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(rc, "the password was changed concurrently; try again");
	if (rc == AUTHKIT_OK)
		rc = ctx->store->session_revoke_user(ctx->store, swap->user->id, swap->keep_session_id, now, &revoked);
	/* Reset links issued before the change die with the old password. */
	if (rc == AUTHKIT_OK)
		rc = ctx->store->one_time_delete_user(ctx->store, swap->user->id, AUTHKIT_STORE_PURPOSE_RESET);
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, swap->user->id, swap->event, swap->ip, NULL);
	return rc;
}

/* Policy, then hash (no lock held), then the swap. */
static int replace_password(authkit_ctx *ctx, const authkit_store_user *user, const char *new_password,
                            const char *keep_session_id, const char *event, const char *ip)
{
	int rc = ak_password_policy(&ctx->settings, new_password, user->username, user->email);
	if (rc)
		return rc;
	char hash[AUTHKIT_STORE_HASH_BYTES];
	rc = ak_password_hash(new_password, ctx->settings.argon2_opslimit, ctx->settings.argon2_memlimit, hash);
	if (rc)
		return rc;
	password_swap swap = {user, hash, keep_session_id, event, ip};
	rc = ak_txn_begin(ctx);
	return rc ? rc : ak_txn_end(ctx, swap_in_txn(ctx, &swap));
}

static int check_change_arguments(authkit_ctx *ctx, const char *current, const char *new_password,
                                  const char *keep_session_id, const char *ip)
{
	if (!ctx || !current || !new_password)
		return ak_fail(AUTHKIT_EINVALID, "ctx, current_password and new_password must not be NULL");
	if (strnlen(current, AUTHKIT_PASSWORD_MAX_BYTES + 1) > AUTHKIT_PASSWORD_MAX_BYTES)
		return ak_fail(AUTHKIT_EINVALID, "current_password must be at most %d bytes", AUTHKIT_PASSWORD_MAX_BYTES);
	if (keep_session_id && !ak_is_b64url(keep_session_id, AK_SESSION_ID_CHARS))
		return ak_fail(AUTHKIT_EINVALID, "keep_session_id is not a session id");
	return ak_validate_ip(ip);
}

static int reject_change(authkit_ctx *ctx, int64_t user_id, bool locked, const char *ip)
{
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	if (!locked)
		rc = ak_count_bad_password(ctx, user_id, ip);
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, user_id, "password.change_failed", ip, locked ? "reason=locked" : "reason=bad_password");
	rc = ak_txn_end(ctx, rc);
	return rc ? rc : ak_fail(AUTHKIT_EAUTH, "current password is wrong");
}

AUTHKIT_EXTERN(int) authkit_password_change(authkit_ctx *ctx, int64_t user_id, const char *current_password,
                                            const char *new_password, const char *keep_session_id,
                                            const char *ip)
{
	ak_clear_error();
	int rc = check_change_arguments(ctx, current_password, new_password, keep_session_id, ip);
	authkit_store_user user;
	if (rc == AUTHKIT_OK)
		rc = ak_user_load(ctx, user_id, &user);
	if (rc)
		return rc;
	/* A stolen session must not become an unlimited password oracle: a wrong
	 * current password counts toward the lockout, and a locked account cannot
	 * change its password (a reset still can). */
	bool locked = user.locked_until > ak_now(ctx);
	if (ak_password_verify(locked ? ctx->dummy_hash : user.password_hash, current_password) != AUTHKIT_OK ||
	    locked)
		return reject_change(ctx, user_id, locked, ip);
	return replace_password(ctx, &user, new_password, keep_session_id, "password.changed", ip);
}

AUTHKIT_EXTERN(int) authkit_password_set(authkit_ctx *ctx, int64_t user_id, const char *new_password)
{
	ak_clear_error();
	if (!ctx || !new_password)
		return ak_fail(AUTHKIT_EINVALID, "ctx and new_password must not be NULL");
	authkit_store_user user;
	int rc = ak_user_load(ctx, user_id, &user);
	return rc ? rc : replace_password(ctx, &user, new_password, NULL, "password.set", NULL);
}
