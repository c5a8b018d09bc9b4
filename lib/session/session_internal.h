/* Sessions, login results and one-time tokens: shared by lib/session/. */
#ifndef AUTHKIT_SESSION_INTERNAL_H
#define AUTHKIT_SESSION_INTERNAL_H

#include "core/internal.h"

struct authkit_session {
	authkit_store_session rec; /* token_hash is zeroed: snapshots carry no hash */
};

struct authkit_session_list {
	size_t count, capacity;
	authkit_session *items;
};

struct authkit_login_result {
	int64_t user_id;
	authkit_user *user; /* NULL after refresh */
	char session_id[AUTHKIT_STORE_SESSION_ID_BYTES];
	char session_token[AK_TOKEN_CHARS + 1]; /* "" after refresh */
	char refresh_token[AK_TOKEN_CHARS + 1];
	int64_t refresh_expires_at;
	char *access_token; /* NULL without JWT keys */
	int64_t access_expires_at;
};

/* Liveness of a stored session at time now: OK, EREVOKED or EEXPIRED. */
int ak_session_state(const authkit_store_session *s, int64_t now);
/* Write last-seen if the touch interval has passed (at most one write per
 * AUTHKIT_SESSION_TOUCH_SECONDS); updates *s. */
int ak_session_touch_if_due(authkit_ctx *ctx, authkit_store_session *s, int64_t now);
int ak_session_snapshot(const authkit_store_session *rec, authkit_session **out);
/* Issue the access token of a login result (no-op without JWT keys). */
int ak_login_issue_access(authkit_ctx *ctx, authkit_login_result *l, const char *roles);
int ak_validate_session_id(const char *session_id);

#endif
