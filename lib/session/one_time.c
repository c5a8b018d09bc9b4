/* One-time tokens: password reset and email verification. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "session/session_internal.h"

static int copy_token(const char *token, char **out)
{
	*out = strdup(token);
	return *out ? AUTHKIT_OK : ak_fail(AUTHKIT_ENOMEM, "token allocation failed");
}

/* Store a fresh token for user_id and audit it, in one transaction. */
static int issue(authkit_ctx *ctx, int64_t user_id, int purpose, int64_t lifetime, const char *event, const char *ip,
                 char token[AK_TOKEN_CHARS + 1])
{
	unsigned char hash[AUTHKIT_STORE_HASH_LEN];
	int64_t now = ak_now(ctx);
	ak_token_hash(token, hash);
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->one_time_insert(ctx->store, hash, purpose, user_id, now + lifetime, now);
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, user_id, event, ip, NULL);
	return ak_txn_end(ctx, rc);
}

AUTHKIT_EXTERN(int) authkit_reset_request(authkit_ctx *ctx, const char *email, const char *ip, char **token_out)
{
	ak_clear_error();
	if (!ctx || !token_out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and token_out must not be NULL");
	*token_out = NULL;
	char normalized[AUTHKIT_STORE_EMAIL_BYTES];
	int rc = ak_normalize_email(email, normalized);
	if (rc == AUTHKIT_OK)
		rc = ak_validate_ip(ip);
	if (rc)
		return rc;
	authkit_store_user user;
	rc = ctx->store->user_get(ctx->store, AUTHKIT_STORE_BY_EMAIL, 0, normalized, &user);
	if (rc != AUTHKIT_OK && rc != AUTHKIT_ENOTFOUND)
		return rc;
	/* Same work either way: a token is made, and one audit row is written. */
	char token[AK_TOKEN_CHARS + 1];
	ak_new_secret_token(token);
	if (rc == AUTHKIT_ENOTFOUND || !user.is_active) {
		ak_clear_error();
		rc = ak_audit(ctx, 0, "password.reset_requested", ip, "account=none");
	} else {
		rc = issue(ctx, user.id, AUTHKIT_STORE_PURPOSE_RESET, (int64_t)ctx->settings.reset_token_minutes * 60,
		           "password.reset_requested", ip, token);
		if (rc == AUTHKIT_OK)
			rc = copy_token(token, token_out);
	}
	sodium_memzero(token, sizeof token);
	return rc;
}

typedef struct reset_job {
	const unsigned char *hash;
	const char *new_password;
	const char *new_hash;
	const char *ip;
} reset_job;

/* Inside one transaction: consume, check the policy against this user, set
 * the password, kill the user's other reset tokens and every session. A
 * rejected password rolls everything back, so the token stays usable. */
static int reset_in_txn(authkit_ctx *ctx, const reset_job *job)
{
	int64_t now = ak_now(ctx), user_id = 0, revoked = 0;
	authkit_store_user user;
	int rc = ctx->store->one_time_consume(ctx->store, job->hash, AUTHKIT_STORE_PURPOSE_RESET, now, &user_id);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(AUTHKIT_ETOKEN, "invalid or expired reset token");
	if (rc == AUTHKIT_OK)
		rc = ak_user_load(ctx, user_id, &user);
	if (rc == AUTHKIT_OK)
		rc = ak_password_policy(&ctx->settings, job->new_password, user.username, user.email);
	if (rc == AUTHKIT_OK)
		rc = ctx->store->user_set_password_hash(ctx->store, user_id, job->new_hash, NULL, now);
	if (rc == AUTHKIT_OK)
		rc = ctx->store->one_time_delete_user(ctx->store, user_id, AUTHKIT_STORE_PURPOSE_RESET);
	if (rc == AUTHKIT_OK)
		rc = ctx->store->session_revoke_user(ctx->store, user_id, NULL, now, &revoked);
	if (rc == AUTHKIT_OK)
		rc = ctx->store->login_lock(ctx->store, user_id, 0); /* a reset also clears a lockout */
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, user_id, "password.reset_completed", job->ip, NULL);
	return rc;
}

/* Whether a reset token would be accepted now, without using it: it is
 * consumed in a transaction that is always rolled back (the store has no
 * read-only lookup of one-time tokens). The real consume happens again in
 * reset_in_txn, so a token used up in between still fails there. */
static int reset_token_live(authkit_ctx *ctx, const unsigned char *hash)
{
	int64_t user_id = 0;
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->one_time_consume(ctx->store, hash, AUTHKIT_STORE_PURPOSE_RESET, ak_now(ctx), &user_id);
	/* Undoing the consume is part of the answer: a failed rollback is a
	 * store failure, whatever the lookup said. */
	int undo = ctx->store->txn_rollback(ctx->store);
	if (rc == AUTHKIT_ENOTFOUND && undo == AUTHKIT_OK)
		return ak_fail(AUTHKIT_ETOKEN, "invalid or expired reset token");
	return rc ? rc : undo;
}

AUTHKIT_EXTERN(int) authkit_reset_complete(authkit_ctx *ctx, const char *token, const char *new_password,
                                           const char *ip)
{
	ak_clear_error();
	if (!ctx || !token)
		return ak_fail(AUTHKIT_EINVALID, "ctx and token must not be NULL");
	int rc = ak_validate_ip(ip);
	if (rc)
		return rc;
	if (!ak_is_b64url(token, AK_TOKEN_CHARS))
		return ak_fail(AUTHKIT_ETOKEN, "malformed reset token");
	unsigned char hash[AUTHKIT_STORE_HASH_LEN];
	ak_token_hash(token, hash);
	/* Token, then context-free rules, then the hash, all before the
	 * transaction: no lock is held while Argon2id runs, and a guessed or
	 * stale token costs a lookup, never a hash. */
	rc = reset_token_live(ctx, hash);
	if (rc == AUTHKIT_OK)
		rc = ak_password_policy(&ctx->settings, new_password, NULL, NULL);
	char new_hash[AUTHKIT_STORE_HASH_BYTES];
	if (rc == AUTHKIT_OK)
		rc = ak_password_hash(new_password, ctx->settings.argon2_opslimit, ctx->settings.argon2_memlimit, new_hash);
	if (rc)
		return rc;
	reset_job job = {hash, new_password, new_hash, ip};
	rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	return ak_txn_end(ctx, reset_in_txn(ctx, &job));
}

AUTHKIT_EXTERN(int) authkit_verify_request(authkit_ctx *ctx, int64_t user_id, char **token_out)
{
	ak_clear_error();
	if (!ctx || !token_out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and token_out must not be NULL");
	*token_out = NULL;
	authkit_store_user user;
	int rc = ak_user_load(ctx, user_id, &user);
	if (rc)
		return rc;
	char token[AK_TOKEN_CHARS + 1];
	ak_new_secret_token(token);
	rc = issue(ctx, user_id, AUTHKIT_STORE_PURPOSE_VERIFY, (int64_t)ctx->settings.verify_token_hours * 3600,
	           "email.verification_requested", NULL, token);
	if (rc == AUTHKIT_OK)
		rc = copy_token(token, token_out);
	sodium_memzero(token, sizeof token);
	return rc;
}

static int verify_in_txn(authkit_ctx *ctx, const unsigned char *hash, int64_t *user_id)
{
	int64_t now = ak_now(ctx);
	int rc = ctx->store->one_time_consume(ctx->store, hash, AUTHKIT_STORE_PURPOSE_VERIFY, now, user_id);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(AUTHKIT_ETOKEN, "invalid or expired verification token");
	authkit_store_user rec;
	memset(&rec, 0, sizeof rec);
	rec.id = *user_id;
	rec.is_verified = 1;
	rec.updated_at = now;
	if (rc == AUTHKIT_OK)
		rc = ctx->store->user_update(ctx->store, &rec, AUTHKIT_STORE_F_VERIFIED);
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, *user_id, "email.verified", NULL, NULL);
	return rc;
}

AUTHKIT_EXTERN(int) authkit_verify_complete(authkit_ctx *ctx, const char *token, int64_t *user_id_out)
{
	ak_clear_error();
	if (!ctx || !token)
		return ak_fail(AUTHKIT_EINVALID, "ctx and token must not be NULL");
	if (!ak_is_b64url(token, AK_TOKEN_CHARS))
		return ak_fail(AUTHKIT_ETOKEN, "malformed verification token");
	unsigned char hash[AUTHKIT_STORE_HASH_LEN];
	ak_token_hash(token, hash);
	int64_t user_id = 0;
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ak_txn_end(ctx, verify_in_txn(ctx, hash, &user_id));
	if (rc == AUTHKIT_OK && user_id_out)
		*user_id_out = user_id;
	return rc;
}
