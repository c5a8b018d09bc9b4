/* Creating, reading and deleting users. */
#include <string.h>

#include "users/user_object.h"

/* Fields shared by register and import, validated into a fresh store row. */
static int prepare_record(authkit_ctx *ctx, const char *username, const char *email, const char *full_name,
                          authkit_store_user *rec)
{
	int rc = ak_validate_username(username);
	if (rc == AUTHKIT_OK)
		rc = ak_normalize_email(email, rec->email);
	if (rc == AUTHKIT_OK)
		rc = ak_validate_full_name(full_name);
	if (rc)
		return rc;
	ak_strlcpy(rec->username, username, sizeof rec->username);
	ak_strlcpy(rec->full_name, full_name ? full_name : "", sizeof rec->full_name);
	rec->is_active = 1;
	rec->created_at = rec->updated_at = ak_now(ctx);
	return AUTHKIT_OK;
}

/* Which unique value was taken: registration already reveals it, so say so. */
static int explain_conflict(authkit_ctx *ctx, const authkit_store_user *rec)
{
	authkit_store_user other;
	if (ctx->store->user_get(ctx->store, AUTHKIT_STORE_BY_USERNAME, 0, rec->username, &other) == AUTHKIT_OK)
		return ak_fail(AUTHKIT_EEXISTS, "username is already taken");
	return ak_fail(AUTHKIT_EEXISTS, "email is already registered");
}

/* Insert the row and its audit event in one transaction. */
static int insert_user(authkit_ctx *ctx, authkit_store_user *rec, const char *event, authkit_user **out)
{
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->user_insert(ctx->store, rec);
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, rec->id, event, NULL, NULL);
	rc = ak_txn_end(ctx, rc);
	if (rc == AUTHKIT_EEXISTS)
		return explain_conflict(ctx, rec);
	if (rc == AUTHKIT_OK && out)
		rc = ak_user_from_record(rec, out);
	return rc;
}

AUTHKIT_EXTERN(int) authkit_user_register(authkit_ctx *ctx, const char *username, const char *email,
                                          const char *full_name, const char *password, authkit_user **out)
{
	ak_clear_error();
	if (out)
		*out = NULL;
	if (!ctx || !password)
		return ak_fail(AUTHKIT_EINVALID, "ctx and password must not be NULL");
	authkit_store_user rec;
	memset(&rec, 0, sizeof rec);
	int rc = prepare_record(ctx, username, email, full_name, &rec);
	if (rc == AUTHKIT_OK)
		rc = ak_password_policy(&ctx->settings, password, username, rec.email);
	/* Hash before any transaction: no lock is held while Argon2id runs. */
	if (rc == AUTHKIT_OK)
		rc = ak_password_hash(password, ctx->settings.argon2_opslimit, ctx->settings.argon2_memlimit,
		                      rec.password_hash);
	if (rc == AUTHKIT_OK)
		rc = insert_user(ctx, &rec, "user.registered", out);
	return rc;
}

AUTHKIT_EXTERN(int) authkit_user_import(authkit_ctx *ctx, const char *username, const char *email,
                                        const char *full_name, const char *password_hash, authkit_user **out)
{
	ak_clear_error();
	if (out)
		*out = NULL;
	if (!ctx || !password_hash)
		return ak_fail(AUTHKIT_EINVALID, "ctx and password_hash must not be NULL");
	if (strnlen(password_hash, AUTHKIT_STORE_HASH_BYTES) >= AUTHKIT_STORE_HASH_BYTES ||
	    !ak_hash_is_supported(password_hash))
		return ak_fail(AUTHKIT_EINVALID, "password_hash is not an Argon2id or bcrypt hash");
	authkit_store_user rec;
	memset(&rec, 0, sizeof rec);
	int rc = prepare_record(ctx, username, email, full_name, &rec);
	if (rc == AUTHKIT_OK) {
		ak_strlcpy(rec.password_hash, password_hash, sizeof rec.password_hash);
		rc = insert_user(ctx, &rec, "user.imported", out);
	}
	return rc;
}

int ak_user_load(authkit_ctx *ctx, int64_t id, authkit_store_user *rec)
{
	if (id <= 0)
		return ak_fail(AUTHKIT_EINVALID, "user id must be positive");
	int rc = ctx->store->user_get(ctx->store, AUTHKIT_STORE_BY_ID, id, NULL, rec);
	return rc == AUTHKIT_ENOTFOUND ? ak_fail(rc, "no such user") : rc;
}

static int get_user(authkit_ctx *ctx, authkit_store_user_key by, int64_t id, const char *key, authkit_user **out)
{
	authkit_store_user rec;
	int rc = by == AUTHKIT_STORE_BY_ID ? ak_user_load(ctx, id, &rec)
	                                   : ctx->store->user_get(ctx->store, by, 0, key, &rec);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(rc, "no such user");
	if (rc == AUTHKIT_OK)
		rc = ak_user_from_record(&rec, out);
	return rc;
}

AUTHKIT_EXTERN(int) authkit_user_get_by_id(authkit_ctx *ctx, int64_t id, authkit_user **out)
{
	ak_clear_error();
	if (!ctx || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and out must not be NULL");
	*out = NULL;
	return get_user(ctx, AUTHKIT_STORE_BY_ID, id, NULL, out);
}

AUTHKIT_EXTERN(int) authkit_user_get_by_username(authkit_ctx *ctx, const char *username, authkit_user **out)
{
	ak_clear_error();
	if (!ctx || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and out must not be NULL");
	*out = NULL;
	int rc = ak_validate_username(username);
	return rc ? rc : get_user(ctx, AUTHKIT_STORE_BY_USERNAME, 0, username, out);
}

AUTHKIT_EXTERN(int) authkit_user_get_by_email(authkit_ctx *ctx, const char *email, authkit_user **out)
{
	ak_clear_error();
	if (!ctx || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and out must not be NULL");
	*out = NULL;
	char normalized[AUTHKIT_STORE_EMAIL_BYTES];
	int rc = ak_normalize_email(email, normalized);
	return rc ? rc : get_user(ctx, AUTHKIT_STORE_BY_EMAIL, 0, normalized, out);
}

AUTHKIT_EXTERN(int) authkit_user_delete(authkit_ctx *ctx, int64_t id)
{
	ak_clear_error();
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	if (id <= 0)
		return ak_fail(AUTHKIT_EINVALID, "user id must be positive");
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->user_delete(ctx->store, id);
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, id, "user.deleted", NULL, NULL);
	rc = ak_txn_end(ctx, rc);
	return rc == AUTHKIT_ENOTFOUND ? ak_fail(rc, "no such user") : rc;
}
