/* Login (authenticate + session + tokens) and refresh-token rotation. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "session/session_internal.h"

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static authkit_login_result *login_new(void)
{
	return calloc(1, sizeof(authkit_login_result));
}

AUTHKIT_EXTERN(void) authkit_login_free(authkit_login_result *l)
{
	if (!l)
		return;
	authkit_user_free(l->user);
	authkit_string_free(l->access_token);
	sodium_memzero(l, sizeof *l);
	free(l);
}

int ak_login_issue_access(authkit_ctx *ctx, authkit_login_result *l, const char *roles)
{
	if (!ctx->tokens)
		return AUTHKIT_OK; /* no JWT keys configured: cookie sessions only */
	return authkit_token_issue_access(ctx, l->user_id, l->session_id, roles, &l->access_token,
	                                  &l->access_expires_at);
}

typedef struct session_request {
	authkit_login_result *login;
	const char *ip;
	const char *user_agent;
} session_request;

/* The session row and first refresh token, written inside the successful
 * authentication's transaction (ak_auth_hook). */
static int open_session(authkit_ctx *ctx, const authkit_store_user *user, void *arg)
{
	const session_request *req = arg;
	authkit_login_result *l = req->login;
	const ak_settings *cfg = &ctx->settings;
	int64_t now = ak_now(ctx);
	authkit_store_session s;
	memset(&s, 0, sizeof s);
	ak_strlcpy(s.ip, req->ip ? req->ip : "", sizeof s.ip);
	ak_strlcpy(s.user_agent, req->user_agent ? req->user_agent : "", sizeof s.user_agent);
	ak_random_b64url(s.id, sizeof s.id, AK_SESSION_ID_BYTES);
	ak_new_secret_token(l->session_token);
	ak_new_secret_token(l->refresh_token);
	ak_token_hash(l->session_token, s.token_hash);
	s.user_id = user->id;
	s.created_at = s.last_seen_at = now;
	s.idle_expires_at = now + (int64_t)cfg->session_idle_minutes * 60;
	s.expires_at = now + (int64_t)cfg->session_max_hours * 3600;
	memcpy(l->session_id, s.id, sizeof l->session_id);
	l->user_id = user->id;
	l->refresh_expires_at = min64(now + (int64_t)cfg->refresh_token_days * 86400, s.expires_at);

	unsigned char refresh_hash[AUTHKIT_STORE_HASH_LEN];
	ak_token_hash(l->refresh_token, refresh_hash);
	int rc = ctx->store->session_insert(ctx->store, &s);
	if (rc == AUTHKIT_OK)
		rc = ctx->store->refresh_insert(ctx->store, refresh_hash, s.id, user->id, l->refresh_expires_at, now);
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, user->id, "auth.login", s.ip, NULL);
	/* Signed here so a failure to sign leaves no session behind. */
	if (rc == AUTHKIT_OK)
		rc = ak_login_issue_access(ctx, l, user->roles);
	return rc;
}

static int check_text(const char *s, size_t max, const char *what)
{
	if (!s)
		return AUTHKIT_OK;
	size_t n = strnlen(s, max);
	if (n >= max || !ak_utf8_valid(s, n, NULL) || ak_has_control(s, n))
		return ak_fail(AUTHKIT_EINVALID, "%s must be UTF-8 text of at most %zu bytes", what, max - 1);
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_login(authkit_ctx *ctx, const char *identifier, const char *password, const char *ip,
                                  const char *user_agent, authkit_login_result **out)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out is NULL");
	*out = NULL;
	int rc = check_text(user_agent, AUTHKIT_STORE_USER_AGENT_BYTES, "user_agent");
	if (rc)
		return rc;
	authkit_login_result *l = login_new();
	if (!l)
		return ak_fail(AUTHKIT_ENOMEM, "login allocation failed");
	session_request req = {l, ip, user_agent};
	rc = ak_authenticate(ctx, identifier, password, ip, &l->user, NULL, open_session, &req);
	if (rc) {
		authkit_login_free(l);
		return rc;
	}
	*out = l;
	return AUTHKIT_OK;
}

/* What a successful rotation still needs, inside its transaction: the
 * result's session fields, the session touch and the access token (which
 * reads the user's roles). Any failure here rolls the rotation back, so the
 * caller's refresh token stays usable; nothing is written after the commit. */
static int finish_rotation(authkit_ctx *ctx, authkit_login_result *l, authkit_store_session *s, int64_t now)
{
	l->user_id = s->user_id;
	memcpy(l->session_id, s->id, sizeof l->session_id);
	l->refresh_expires_at = min64(l->refresh_expires_at, s->expires_at);
	int rc = ak_session_touch_if_due(ctx, s, now);
	authkit_store_user user;
	if (rc == AUTHKIT_OK && ctx->tokens)
		rc = ak_user_load(ctx, l->user_id, &user);
	if (rc == AUTHKIT_OK && ctx->tokens)
		rc = ak_login_issue_access(ctx, l, user.roles);
	return rc;
}

/* Rotation, the session touch, the access token and the audit event commit
 * together; a detected reuse commits the session's revocation and reports
 * AUTHKIT_EREUSE. */
static int rotate(authkit_ctx *ctx, const unsigned char old_hash[AUTHKIT_STORE_HASH_LEN], authkit_login_result *l,
                  int64_t now, const char *ip)
{
	unsigned char new_hash[AUTHKIT_STORE_HASH_LEN];
	authkit_store_refresh_result who;
	authkit_store_session s;
	memset(&who, 0, sizeof who);
	ak_new_secret_token(l->refresh_token);
	ak_token_hash(l->refresh_token, new_hash);
	l->refresh_expires_at = now + (int64_t)ctx->settings.refresh_token_days * 86400;
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	int status = ctx->store->refresh_rotate(ctx->store, old_hash, new_hash, l->refresh_expires_at, now, &who);
	rc = status == AUTHKIT_EREUSE ? AUTHKIT_OK : status;
	if (rc == AUTHKIT_OK)
		rc = ctx->store->session_get(ctx->store, who.session_id, &s);
	if (rc == AUTHKIT_OK && status == AUTHKIT_OK)
		rc = ak_session_state(&s, now);
	if (rc == AUTHKIT_OK && status == AUTHKIT_OK)
		rc = finish_rotation(ctx, l, &s, now);
	if (rc == AUTHKIT_OK)
		rc = ak_audit(ctx, who.user_id, status == AUTHKIT_EREUSE ? "auth.refresh_reuse" : "auth.refresh", ip,
		              NULL);
	rc = ak_txn_end(ctx, rc);
	if (rc == AUTHKIT_OK && status == AUTHKIT_EREUSE)
		return ak_fail(AUTHKIT_EREUSE, "refresh token was already used: session revoked");
	if (rc == AUTHKIT_ENOTFOUND)
		return ak_fail(AUTHKIT_ETOKEN, "unknown refresh token");
	if (rc == AUTHKIT_EEXPIRED)
		return ak_fail(rc, "refresh token or session expired");
	if (rc == AUTHKIT_EREVOKED)
		return ak_fail(rc, "session was revoked");
	return rc;
}

AUTHKIT_EXTERN(int) authkit_refresh(authkit_ctx *ctx, const char *refresh_token, const char *ip, authkit_login_result **out)
{
	ak_clear_error();
	if (!ctx || !refresh_token || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx, refresh_token and out must not be NULL");
	*out = NULL;
	int rc = ak_validate_ip(ip);
	if (rc)
		return rc;
	if (!ak_is_b64url(refresh_token, AK_TOKEN_CHARS))
		return ak_fail(AUTHKIT_ETOKEN, "malformed refresh token");
	authkit_login_result *l = login_new();
	if (!l)
		return ak_fail(AUTHKIT_ENOMEM, "refresh allocation failed");
	unsigned char old_hash[AUTHKIT_STORE_HASH_LEN];
	ak_token_hash(refresh_token, old_hash);
	rc = rotate(ctx, old_hash, l, ak_now(ctx), ip);
	if (rc) {
		authkit_login_free(l);
		return rc;
	}
	*out = l;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int64_t) authkit_login_user_id(const authkit_login_result *l) { return l ? l->user_id : 0; }
AUTHKIT_EXTERN(const authkit_user *) authkit_login_user(const authkit_login_result *l) { return l ? l->user : NULL; }
AUTHKIT_EXTERN(const char *) authkit_login_session_id(const authkit_login_result *l) { return l ? l->session_id : NULL; }

AUTHKIT_EXTERN(const char *) authkit_login_session_token(const authkit_login_result *l)
{
	return (l && l->session_token[0]) ? l->session_token : NULL;
}

AUTHKIT_EXTERN(const char *) authkit_login_access_token(const authkit_login_result *l) { return l ? l->access_token : NULL; }
AUTHKIT_EXTERN(int64_t) authkit_login_access_expires_at(const authkit_login_result *l) { return l ? l->access_expires_at : 0; }
AUTHKIT_EXTERN(const char *) authkit_login_refresh_token(const authkit_login_result *l) { return l ? l->refresh_token : NULL; }
AUTHKIT_EXTERN(int64_t) authkit_login_refresh_expires_at(const authkit_login_result *l) { return l ? l->refresh_expires_at : 0; }
