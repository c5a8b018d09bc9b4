/*
 * libauthkit — credential checks.
 *
 * authkit_authenticate() returns one status, AUTHKIT_EAUTH, for an unknown
 * user, a wrong password, a locked account and an inactive account, and
 * spends the same work on each (a full Argon2id verify against a dummy hash
 * when the user does not exist), so a client learns nothing from either the
 * code or the time. The true reason goes to the audit log, and optionally to
 * the host through authkit_authenticate_ex() for its own logs — never to the
 * client.
 */
#ifndef AUTHKIT_AUTH_H
#define AUTHKIT_AUTH_H

#include "common.h"
#include "ctx.h"
#include "user.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Why a credential check failed (for the host's logs only). */
typedef enum {
	AUTHKIT_AUTH_OK = 0,
	AUTHKIT_AUTH_UNKNOWN_USER = 1,
	AUTHKIT_AUTH_BAD_PASSWORD = 2,
	AUTHKIT_AUTH_LOCKED = 3,
	AUTHKIT_AUTH_INACTIVE = 4
} authkit_auth_reason;

/**
 * Check identifier (username or email) and password. On success the failure
 * counter is reset, last-login updated, a legacy or outdated hash replaced,
 * and *out (if out is not NULL) receives the user. ip may be NULL.
 * After AUTHKIT_MAX_LOGIN_ATTEMPTS consecutive failures the account is
 * locked for AUTHKIT_LOCKOUT_MINUTES; a correct password fails meanwhile.
 */
AUTHKIT_EXTERN(int) authkit_authenticate(authkit_ctx *ctx, const char *identifier, const char *password,
                                         const char *ip, authkit_user **out);

/** As authkit_authenticate(), and *reason_out tells why it failed. */
AUTHKIT_EXTERN(int) authkit_authenticate_ex(authkit_ctx *ctx, const char *identifier, const char *password,
                                            const char *ip, authkit_user **out, int *reason_out);

#ifdef __cplusplus
}
#endif
#endif
