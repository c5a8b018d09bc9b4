/*
 * libauthkit — the audit log.
 *
 * Append-only record of authentication events: time (seconds), user id
 * (0 when there is none), event name, client IP as passed by the host, and
 * a short detail (a reason, never a secret).
 *
 * Event names: "user.registered", "user.imported", "user.updated" (detail
 * "field=..."), "user.role_added", "user.role_removed", "user.locked",
 * "user.unlocked", "user.deleted", "auth.ok", "auth.failed" (detail
 * "reason=unknown_user", "reason=bad_password", "reason=locked" or
 * "reason=inactive"), "auth.lockout", "auth.login", "auth.logout",
 * "auth.refresh", "auth.refresh_reuse", "session.revoked",
 * "password.changed", "password.change_failed", "password.set",
 * "password.rehashed", "password.reset_requested",
 * "password.reset_completed", "email.verification_requested",
 * "email.verified", "vault.put" (detail "service=S version=N"),
 * "vault.deleted" (detail "service=S"), "vault.rotated" (user 0, detail
 * "rows=N to_version=V"), "apikey.created" and "apikey.revoked" (detail
 * "id=<public id>"), "billing.closed" (detail "records=N start=S end=E"),
 * "billing.status" (user 0, detail "id=N status=paid|void").
 */
#ifndef AUTHKIT_AUDIT_H
#define AUTHKIT_AUDIT_H

#include "common.h"
#include "ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct authkit_audit_list authkit_audit_list;

/**
 * Events with since <= time < until (seconds; until 0 = no upper bound),
 * for user_id (0 = every user), newest first, at most limit (1–10000).
 */
AUTHKIT_EXTERN(int) authkit_audit_query(authkit_ctx *ctx, int64_t user_id, int64_t since, int64_t until,
                                        unsigned limit, authkit_audit_list **out);

AUTHKIT_EXTERN(size_t) authkit_audit_list_count(const authkit_audit_list *l);
AUTHKIT_EXTERN(int64_t) authkit_audit_list_id(const authkit_audit_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_audit_list_time(const authkit_audit_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_audit_list_user_id(const authkit_audit_list *l, size_t i);
/** Borrowed strings; NULL past the end, "" when empty. */
AUTHKIT_EXTERN(const char *) authkit_audit_list_event(const authkit_audit_list *l, size_t i);
AUTHKIT_EXTERN(const char *) authkit_audit_list_ip(const authkit_audit_list *l, size_t i);
AUTHKIT_EXTERN(const char *) authkit_audit_list_detail(const authkit_audit_list *l, size_t i);
AUTHKIT_EXTERN(void) authkit_audit_list_free(authkit_audit_list *l);

#ifdef __cplusplus
}
#endif
#endif
