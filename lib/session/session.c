/* Session checks, listing, revocation and cleanup. */
#include <stdlib.h>
#include <string.h>

#include "session/session_internal.h"

int ak_validate_session_id(const char *session_id)
{
	if (!session_id || !ak_is_b64url(session_id, AK_SESSION_ID_CHARS))
		return ak_fail(AUTHKIT_EINVALID, "session id must be %d base64url characters", AK_SESSION_ID_CHARS);
	return AUTHKIT_OK;
}

int ak_session_state(const authkit_store_session *s, int64_t now)
{
	if (s->revoked_at)
		return ak_fail(AUTHKIT_EREVOKED, "session was revoked");
	if (now >= s->expires_at || now >= s->idle_expires_at)
		return ak_fail(AUTHKIT_EEXPIRED, "session expired");
	return AUTHKIT_OK;
}

int ak_session_touch_if_due(authkit_ctx *ctx, authkit_store_session *s, int64_t now)
{
	if (now - s->last_seen_at < ctx->settings.session_touch_seconds)
		return AUTHKIT_OK;
	int64_t idle = now + (int64_t)ctx->settings.session_idle_minutes * 60;
	int rc = ctx->store->session_touch(ctx->store, s->id, now, idle);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(AUTHKIT_EREVOKED, "session was revoked");
	if (rc == AUTHKIT_OK) {
		s->last_seen_at = now;
		s->idle_expires_at = idle;
	}
	return rc;
}

int ak_session_snapshot(const authkit_store_session *rec, authkit_session **out)
{
	authkit_session *s = malloc(sizeof *s);
	if (!s)
		return ak_fail(AUTHKIT_ENOMEM, "session allocation failed");
	s->rec = *rec;
	memset(s->rec.token_hash, 0, sizeof s->rec.token_hash);
	*out = s;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_session_check(authkit_ctx *ctx, const char *session_token, authkit_session **out)
{
	ak_clear_error();
	if (out)
		*out = NULL;
	if (!ctx || !session_token)
		return ak_fail(AUTHKIT_EINVALID, "ctx and session_token must not be NULL");
	if (!ak_is_b64url(session_token, AK_TOKEN_CHARS))
		return ak_fail(AUTHKIT_ETOKEN, "malformed session token");
	authkit_store_session s;
	unsigned char hash[AUTHKIT_STORE_HASH_LEN];
	ak_token_hash(session_token, hash);
	int rc = ctx->store->session_get_by_hash(ctx->store, hash, &s);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(AUTHKIT_ETOKEN, "unknown session token");
	int64_t now = ak_now(ctx);
	if (rc == AUTHKIT_OK)
		rc = ak_session_state(&s, now);
	if (rc == AUTHKIT_OK)
		rc = ak_session_touch_if_due(ctx, &s, now);
	if (rc == AUTHKIT_OK && out)
		rc = ak_session_snapshot(&s, out);
	return rc;
}

int ak_session_alive(authkit_ctx *ctx, const char *session_id, int64_t user_id)
{
	if (ak_validate_session_id(session_id))
		return ak_fail(AUTHKIT_ETOKEN, "malformed session id");
	authkit_store_session s;
	int rc = ctx->store->session_get(ctx->store, session_id, &s);
	if (rc == AUTHKIT_ENOTFOUND || (rc == AUTHKIT_OK && s.user_id != user_id))
		return ak_fail(AUTHKIT_EREVOKED, "session does not exist");
	int64_t now = ak_now(ctx);
	if (rc == AUTHKIT_OK)
		rc = ak_session_state(&s, now);
	if (rc == AUTHKIT_OK)
		rc = ak_session_touch_if_due(ctx, &s, now);
	return rc;
}

AUTHKIT_EXTERN(int) authkit_session_get(authkit_ctx *ctx, const char *session_id, authkit_session **out)
{
	ak_clear_error();
	if (!ctx || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and out must not be NULL");
	*out = NULL;
	int rc = ak_validate_session_id(session_id);
	if (rc)
		return rc;
	authkit_store_session s;
	rc = ctx->store->session_get(ctx->store, session_id, &s);
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(rc, "no such session");
	return rc ? rc : ak_session_snapshot(&s, out);
}

static int collect_session(const authkit_store_session *rec, void *userdata)
{
	authkit_session_list *l = userdata;
	if (!ak_array_reserve(&l->items, &l->capacity, l->count, sizeof *l->items))
		return AUTHKIT_ENOMEM;
	l->items[l->count].rec = *rec;
	memset(l->items[l->count].rec.token_hash, 0, AUTHKIT_STORE_HASH_LEN);
	l->count++;
	return 0;
}

AUTHKIT_EXTERN(int) authkit_session_list_user(authkit_ctx *ctx, int64_t user_id, authkit_session_list **out)
{
	ak_clear_error();
	if (!ctx || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and out must not be NULL");
	*out = NULL;
	if (user_id <= 0)
		return ak_fail(AUTHKIT_EINVALID, "user id must be positive");
	authkit_session_list *l = calloc(1, sizeof *l);
	if (!l)
		return ak_fail(AUTHKIT_ENOMEM, "session list allocation failed");
	int rc = ctx->store->session_list(ctx->store, user_id, collect_session, l);
	if (rc) {
		authkit_session_list_free(l);
		return rc == AUTHKIT_ENOMEM ? ak_fail(rc, "session list allocation failed") : rc;
	}
	*out = l;
	return AUTHKIT_OK;
}

/* Revoke and record it in one transaction. */
static int revoke_one(authkit_ctx *ctx, const char *session_id, const char *event, const char *ip)
{
	authkit_store_session s;
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->session_get(ctx->store, session_id, &s);
	if (rc == AUTHKIT_OK)
		rc = ctx->store->session_revoke(ctx->store, session_id, ak_now(ctx));
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, s.user_id, event, ip, NULL);
	rc = ak_txn_end(ctx, rc);
	return rc == AUTHKIT_ENOTFOUND ? ak_fail(rc, "no such session") : rc;
}

AUTHKIT_EXTERN(int) authkit_session_revoke(authkit_ctx *ctx, const char *session_id)
{
	ak_clear_error();
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	int rc = ak_validate_session_id(session_id);
	return rc ? rc : revoke_one(ctx, session_id, "session.revoked", NULL);
}

AUTHKIT_EXTERN(int) authkit_logout(authkit_ctx *ctx, const char *session_id, const char *ip)
{
	ak_clear_error();
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	int rc = ak_validate_session_id(session_id);
	if (rc == AUTHKIT_OK)
		rc = ak_validate_ip(ip);
	return rc ? rc : revoke_one(ctx, session_id, "auth.logout", ip);
}

static int revoke_user(authkit_ctx *ctx, int64_t user_id, const char *keep, int64_t *count_out)
{
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	if (user_id <= 0)
		return ak_fail(AUTHKIT_EINVALID, "user id must be positive");
	if (keep && ak_validate_session_id(keep))
		return AUTHKIT_EINVALID;
	int64_t count = 0;
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->session_revoke_user(ctx->store, user_id, keep, ak_now(ctx), &count);
	if (rc == AUTHKIT_OK && count > 0)
		rc = ak_audit(ctx, user_id, "session.revoked", NULL, keep ? "scope=others" : "scope=all");
	rc = ak_txn_end(ctx, rc);
	if (rc == AUTHKIT_OK && count_out)
		*count_out = count;
	return rc;
}

AUTHKIT_EXTERN(int) authkit_session_revoke_others(authkit_ctx *ctx, int64_t user_id, const char *keep_session_id,
                                                  int64_t *count_out)
{
	ak_clear_error();
	if (!keep_session_id)
		return ak_fail(AUTHKIT_EINVALID, "keep_session_id is NULL");
	return revoke_user(ctx, user_id, keep_session_id, count_out);
}

AUTHKIT_EXTERN(int) authkit_session_revoke_all(authkit_ctx *ctx, int64_t user_id, int64_t *count_out)
{
	ak_clear_error();
	return revoke_user(ctx, user_id, NULL, count_out);
}

AUTHKIT_EXTERN(int) authkit_session_cleanup(authkit_ctx *ctx, int64_t *sessions_out, int64_t *tokens_out)
{
	ak_clear_error();
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	int64_t now = ak_now(ctx), sessions = 0, tokens = 0;
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->session_cleanup(ctx->store, now, &sessions);
	if (rc == AUTHKIT_OK)
		rc = ctx->store->one_time_cleanup(ctx->store, now, &tokens);
	rc = ak_txn_end(ctx, rc);
	if (rc == AUTHKIT_OK) {
		if (sessions_out)
			*sessions_out = sessions;
		if (tokens_out)
			*tokens_out = tokens;
	}
	return rc;
}
