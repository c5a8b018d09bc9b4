/*
 * Credential checks. Every failure returns AUTHKIT_EAUTH after one full
 * password verification (against a dummy hash when there is no usable
 * account), so neither the code nor the time tells an unknown user from a
 * wrong password, a locked account or an inactive one.
 */
#include <string.h>

#include "core/internal.h"
#include "users/user_object.h"

static const char *const reason_detail[] = {
	[AUTHKIT_AUTH_OK] = "",
	[AUTHKIT_AUTH_UNKNOWN_USER] = "reason=unknown_user",
	[AUTHKIT_AUTH_BAD_PASSWORD] = "reason=bad_password",
	[AUTHKIT_AUTH_LOCKED] = "reason=locked",
	[AUTHKIT_AUTH_INACTIVE] = "reason=inactive",
};

/* Find the account: an identifier with '@' is an email, else a username.
 * A malformed identifier cannot name an account: ENOTFOUND. */
static int find_account(authkit_ctx *ctx, const char *identifier, authkit_store_user *rec)
{
	char key[AUTHKIT_STORE_EMAIL_BYTES];
	authkit_store_user_key by = AUTHKIT_STORE_BY_USERNAME;
	if (strchr(identifier, '@')) {
		if (ak_normalize_email(identifier, key))
			return AUTHKIT_ENOTFOUND;
		by = AUTHKIT_STORE_BY_EMAIL;
	} else {
		if (ak_validate_username(identifier))
			return AUTHKIT_ENOTFOUND;
		ak_strlcpy(key, identifier, sizeof key);
	}
	ak_clear_error();
	return ctx->store->user_get(ctx->store, by, 0, key, rec);
}

/* Spend what a real verification spends, and throw the result away. */
static void verify_dummy(authkit_ctx *ctx, const char *password)
{
	(void)ak_password_verify(ctx->dummy_hash, password);
}

int ak_count_bad_password(authkit_ctx *ctx, int64_t user_id, const char *ip)
{
	int failures = 0;
	int rc = ctx->store->login_failure(ctx->store, user_id, &failures);
	if (rc == AUTHKIT_OK && failures >= ctx->settings.max_login_attempts) {
		int64_t until = ak_now(ctx) + (int64_t)ctx->settings.lockout_minutes * 60;
		rc = ctx->store->login_lock(ctx->store, user_id, until);
		if (rc == AUTHKIT_OK)
			rc = ak_audit(ctx, user_id, "auth.lockout", ip, NULL);
	}
	return rc;
}

/* Record a rejected attempt. A bad password counts toward the lockout; the
 * count, the lock and the audit rows commit together. */
static int reject(authkit_ctx *ctx, const authkit_store_user *rec, int reason, const char *ip)
{
	int64_t user_id = rec ? rec->id : 0;
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	if (reason == AUTHKIT_AUTH_BAD_PASSWORD)
		rc = ak_count_bad_password(ctx, user_id, ip);
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, user_id, "auth.failed", ip, reason_detail[reason]);
	rc = ak_txn_end(ctx, rc);
	return rc ? rc : ak_fail(AUTHKIT_EAUTH, "invalid credentials");
}

/* Hash the password again when the stored hash is bcrypt or has an outdated
 * cost; done before the success transaction so no lock is held meanwhile. */
static bool rehash_if_needed(authkit_ctx *ctx, const authkit_store_user *rec, const char *password, char *new_hash)
{
	if (!authkit_password_needs_rehash(ctx, rec->password_hash))
		return false;
	return ak_password_hash(password, ctx->settings.argon2_opslimit, ctx->settings.argon2_memlimit, new_hash) ==
	       AUTHKIT_OK;
}

/* The password was checked against a snapshot read before the (slow)
 * verification. Inside the success transaction, re-read the row: if a reset,
 * a password change, a deactivation or a lockout landed meanwhile, this
 * login must fail like any other (*reason says how). */
static int still_valid(authkit_ctx *ctx, const authkit_store_user *checked, int64_t now, int *reason,
                       authkit_store_user *current)
{
	int rc = ctx->store->user_get(ctx->store, AUTHKIT_STORE_BY_ID, checked->id, NULL, current);
	if (rc == AUTHKIT_ENOTFOUND) {
		*reason = AUTHKIT_AUTH_UNKNOWN_USER;
		return AUTHKIT_EAUTH;
	}
	if (rc)
		return rc;
	if (strcmp(current->password_hash, checked->password_hash) != 0)
		*reason = AUTHKIT_AUTH_BAD_PASSWORD;
	else if (!current->is_active)
		*reason = AUTHKIT_AUTH_INACTIVE;
	else if (current->locked_until > now)
		*reason = AUTHKIT_AUTH_LOCKED;
	else
		return AUTHKIT_OK;
	return AUTHKIT_EAUTH;
}

static int accept(authkit_ctx *ctx, authkit_store_user *rec, const char *password, const char *ip, ak_auth_hook hook,
                  void *hook_arg, int *reason)
{
	char new_hash[AUTHKIT_STORE_HASH_BYTES];
	bool rehash = rehash_if_needed(ctx, rec, password, new_hash);
	int64_t now = ak_now(ctx);
	authkit_store_user current;
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = still_valid(ctx, rec, now, reason, &current);
	if (rc == AUTHKIT_EAUTH) {
		ak_txn_rollback(ctx);
		return reject(ctx, *reason == AUTHKIT_AUTH_UNKNOWN_USER ? NULL : &current, *reason, ip);
	}
	if (rc == AUTHKIT_OK)
		rc = ctx->store->login_success(ctx->store, rec->id, now);
	if (rc == AUTHKIT_OK && rehash) {
		/* Compare-and-set: a concurrent password change wins. */
		int set = ctx->store->user_set_password_hash(ctx->store, rec->id, new_hash, rec->password_hash, now);
		if (set == AUTHKIT_OK)
			rc = ak_audit(ctx, rec->id, "password.rehashed", ip, NULL);
		else if (set != AUTHKIT_ENOTFOUND)
			rc = set;
	}
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, rec->id, "auth.ok", ip, NULL);
	if (rc == AUTHKIT_OK && hook)
		rc = hook(ctx, rec, hook_arg);
	rc = ak_txn_end(ctx, rc);
	if (rc == AUTHKIT_OK) {
		rec->failed_logins = 0;
		rec->locked_until = 0;
		rec->last_login_at = now;
	}
	return rc;
}

static int check_arguments(authkit_ctx *ctx, const char *identifier, const char *password, const char *ip)
{
	if (!ctx || !identifier || !password)
		return ak_fail(AUTHKIT_EINVALID, "ctx, identifier and password must not be NULL");
	size_t n = strnlen(identifier, AUTHKIT_EMAIL_MAX + 1);
	if (n == 0 || n > AUTHKIT_EMAIL_MAX)
		return ak_fail(AUTHKIT_EINVALID, "identifier must be 1-%d bytes", AUTHKIT_EMAIL_MAX);
	/* Not text at all is a caller error; well-formed text that names no
	 * account (a typo, "x@y") is an unknown user like any other. */
	if (!ak_utf8_valid(identifier, n, NULL) || ak_has_control(identifier, n))
		return ak_fail(AUTHKIT_EINVALID, "identifier must be UTF-8 text without control characters");
	if (strnlen(password, AUTHKIT_PASSWORD_MAX_BYTES + 1) > AUTHKIT_PASSWORD_MAX_BYTES)
		return ak_fail(AUTHKIT_EINVALID, "password must be at most %d bytes", AUTHKIT_PASSWORD_MAX_BYTES);
	return ak_validate_ip(ip);
}

static int authenticate(authkit_ctx *ctx, const char *identifier, const char *password, const char *ip,
                        authkit_user **out, int *reason, ak_auth_hook hook, void *hook_arg)
{
	authkit_store_user rec;
	int rc = find_account(ctx, identifier, &rec);
	if (rc == AUTHKIT_ENOTFOUND) {
		verify_dummy(ctx, password);
		*reason = AUTHKIT_AUTH_UNKNOWN_USER;
		return reject(ctx, NULL, *reason, ip);
	}
	if (rc)
		return rc;
	if (rec.locked_until > ak_now(ctx) || !rec.is_active) {
		verify_dummy(ctx, password);
		*reason = rec.is_active ? AUTHKIT_AUTH_LOCKED : AUTHKIT_AUTH_INACTIVE;
		return reject(ctx, &rec, *reason, ip);
	}
	if (ak_password_verify(rec.password_hash, password) != AUTHKIT_OK) {
		*reason = AUTHKIT_AUTH_BAD_PASSWORD;
		return reject(ctx, &rec, *reason, ip);
	}
	rc = accept(ctx, &rec, password, ip, hook, hook_arg, reason);
	if (rc == AUTHKIT_OK && out)
		rc = ak_user_from_record(&rec, out);
	return rc;
}

int ak_authenticate(authkit_ctx *ctx, const char *identifier, const char *password, const char *ip,
                    authkit_user **out, int *reason_out, ak_auth_hook hook, void *hook_arg)
{
	int reason = AUTHKIT_AUTH_OK;
	if (out)
		*out = NULL;
	int rc = check_arguments(ctx, identifier, password, ip);
	if (rc == AUTHKIT_OK)
		rc = authenticate(ctx, identifier, password, ip, out, &reason, hook, hook_arg);
	if (reason_out)
		*reason_out = reason;
	return rc;
}

AUTHKIT_EXTERN(int) authkit_authenticate_ex(authkit_ctx *ctx, const char *identifier, const char *password,
                                            const char *ip, authkit_user **out, int *reason_out)
{
	ak_clear_error();
	return ak_authenticate(ctx, identifier, password, ip, out, reason_out, NULL, NULL);
}

AUTHKIT_EXTERN(int) authkit_authenticate(authkit_ctx *ctx, const char *identifier, const char *password,
                                         const char *ip, authkit_user **out)
{
	return authkit_authenticate_ex(ctx, identifier, password, ip, out, NULL);
}
