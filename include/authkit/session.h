/*
 * libauthkit — login, server-side sessions and refresh tokens.
 *
 * authkit_login() authenticates (see auth.h), creates a server-side session
 * and returns three secrets, each shown once and stored only as a SHA-256:
 *  - the session token (256 random bits, base64url): the web cookie value,
 *    checked with authkit_session_check();
 *  - an access token (JWT, see token.h) when AUTHKIT_JWT_SECRET is set;
 *  - a refresh token (256 random bits, base64url), rotated on every
 *    authkit_refresh(); presenting a rotated one again revokes the session
 *    (AUTHKIT_EREUSE).
 *
 * A session dies when revoked, AUTHKIT_SESSION_IDLE_MINUTES after it was last
 * seen, or AUTHKIT_SESSION_MAX_HOURS after login, whichever comes first.
 * Last-seen is written at most every AUTHKIT_SESSION_TOUCH_SECONDS.
 */
#ifndef AUTHKIT_SESSION_H
#define AUTHKIT_SESSION_H

#include "common.h"
#include "ctx.h"
#include "user.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct authkit_login_result authkit_login_result;
typedef struct authkit_session authkit_session;
typedef struct authkit_session_list authkit_session_list;

/**
 * Authenticate and open a session. ip and user_agent may be NULL. Fails
 * like authkit_authenticate() (AUTHKIT_EAUTH for every credential failure).
 */
AUTHKIT_EXTERN(int) authkit_login(authkit_ctx *ctx, const char *identifier, const char *password, const char *ip,
                                  const char *user_agent, authkit_login_result **out);

/**
 * Trade a refresh token for a new access token and a new refresh token of
 * the same session. AUTHKIT_EREUSE (the session is now revoked) when the
 * token was already used, AUTHKIT_EEXPIRED, AUTHKIT_EREVOKED, or
 * AUTHKIT_ETOKEN for an unknown or malformed token. The result has no
 * session token and no user (authkit_login_session_token() returns NULL).
 */
AUTHKIT_EXTERN(int) authkit_refresh(authkit_ctx *ctx, const char *refresh_token, const char *ip,
                                    authkit_login_result **out);

/** Revoke the session (logout). ip may be NULL. */
AUTHKIT_EXTERN(int) authkit_logout(authkit_ctx *ctx, const char *session_id, const char *ip);

/* Login results. Strings are borrowed from the result; authkit_login_free() wipes them. */
AUTHKIT_EXTERN(int64_t) authkit_login_user_id(const authkit_login_result *l);
AUTHKIT_EXTERN(const authkit_user *) authkit_login_user(const authkit_login_result *l); /**< NULL after refresh */
AUTHKIT_EXTERN(const char *) authkit_login_session_id(const authkit_login_result *l);
AUTHKIT_EXTERN(const char *) authkit_login_session_token(const authkit_login_result *l); /**< NULL after refresh */
AUTHKIT_EXTERN(const char *) authkit_login_access_token(const authkit_login_result *l);  /**< NULL without JWT keys */
AUTHKIT_EXTERN(int64_t) authkit_login_access_expires_at(const authkit_login_result *l);
AUTHKIT_EXTERN(const char *) authkit_login_refresh_token(const authkit_login_result *l);
AUTHKIT_EXTERN(int64_t) authkit_login_refresh_expires_at(const authkit_login_result *l);
AUTHKIT_EXTERN(void) authkit_login_free(authkit_login_result *l);

/**
 * Check a session token (the cookie value): AUTHKIT_OK and the session when
 * it is alive; AUTHKIT_EEXPIRED, AUTHKIT_EREVOKED, or AUTHKIT_ETOKEN for an
 * unknown or malformed token. Extends the idle expiry. out may be NULL.
 */
AUTHKIT_EXTERN(int) authkit_session_check(authkit_ctx *ctx, const char *session_token, authkit_session **out);

/** The session by its public id (alive or not). */
AUTHKIT_EXTERN(int) authkit_session_get(authkit_ctx *ctx, const char *session_id, authkit_session **out);

/** The user's sessions that are not revoked, newest first (expired ones included until cleanup). */
AUTHKIT_EXTERN(int) authkit_session_list_user(authkit_ctx *ctx, int64_t user_id, authkit_session_list **out);

/** Revoke one session. Revoking a revoked session is not an error. */
AUTHKIT_EXTERN(int) authkit_session_revoke(authkit_ctx *ctx, const char *session_id);
/** Revoke every session of the user but keep_session_id. count_out may be NULL. */
AUTHKIT_EXTERN(int) authkit_session_revoke_others(authkit_ctx *ctx, int64_t user_id, const char *keep_session_id,
                                                  int64_t *count_out);
/** Revoke every session of the user. count_out may be NULL. */
AUTHKIT_EXTERN(int) authkit_session_revoke_all(authkit_ctx *ctx, int64_t user_id, int64_t *count_out);

/**
 * Delete revoked and expired sessions (with their refresh tokens) and used
 * or expired one-time tokens. Counts may be NULL.
 */
AUTHKIT_EXTERN(int) authkit_session_cleanup(authkit_ctx *ctx, int64_t *sessions_out, int64_t *tokens_out);

/* Session snapshots. */
AUTHKIT_EXTERN(const char *) authkit_session_id(const authkit_session *s);
AUTHKIT_EXTERN(int64_t) authkit_session_user_id(const authkit_session *s);
AUTHKIT_EXTERN(const char *) authkit_session_ip(const authkit_session *s);
AUTHKIT_EXTERN(const char *) authkit_session_user_agent(const authkit_session *s);
AUTHKIT_EXTERN(int64_t) authkit_session_created_at(const authkit_session *s);
AUTHKIT_EXTERN(int64_t) authkit_session_last_seen_at(const authkit_session *s);
AUTHKIT_EXTERN(int64_t) authkit_session_idle_expires_at(const authkit_session *s);
AUTHKIT_EXTERN(int64_t) authkit_session_expires_at(const authkit_session *s);
AUTHKIT_EXTERN(int64_t) authkit_session_revoked_at(const authkit_session *s);
AUTHKIT_EXTERN(void) authkit_session_free(authkit_session *s);

AUTHKIT_EXTERN(size_t) authkit_session_list_count(const authkit_session_list *l);
AUTHKIT_EXTERN(const authkit_session *) authkit_session_list_get(const authkit_session_list *l, size_t i);
AUTHKIT_EXTERN(void) authkit_session_list_free(authkit_session_list *l);

/*
 * One-time tokens: password reset and email verification. 256 random bits,
 * base64url, stored as SHA-256, single use, bound to purpose and user.
 */

/**
 * Start a password reset for an email address. When the address belongs to
 * an active user, *token_out receives the token to send (free with
 * authkit_string_free); otherwise *token_out is NULL and the call still
 * returns AUTHKIT_OK after the same work, so callers behave identically.
 * Valid AUTHKIT_RESET_TOKEN_MINUTES (60).
 */
AUTHKIT_EXTERN(int) authkit_reset_request(authkit_ctx *ctx, const char *email, const char *ip, char **token_out);

/**
 * Finish a reset: consume the token, set the new password (policy applies;
 * a rejected password does not consume the token) and revoke every session
 * of the user. AUTHKIT_ETOKEN for an unknown, used, expired or
 * wrong-purpose token.
 */
AUTHKIT_EXTERN(int) authkit_reset_complete(authkit_ctx *ctx, const char *token, const char *new_password,
                                           const char *ip);

/** Issue an email-verification token for the user (valid AUTHKIT_VERIFY_TOKEN_HOURS, 48). */
AUTHKIT_EXTERN(int) authkit_verify_request(authkit_ctx *ctx, int64_t user_id, char **token_out);

/** Consume a verification token and mark its user verified; *user_id_out may be NULL. */
AUTHKIT_EXTERN(int) authkit_verify_complete(authkit_ctx *ctx, const char *token, int64_t *user_id_out);

#ifdef __cplusplus
}
#endif
#endif
