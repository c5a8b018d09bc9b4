/* Session snapshots and lists. */
#include <stdlib.h>

#include "session/session_internal.h"

AUTHKIT_EXTERN(const char *) authkit_session_id(const authkit_session *s) { return s ? s->rec.id : NULL; }
AUTHKIT_EXTERN(int64_t) authkit_session_user_id(const authkit_session *s) { return s ? s->rec.user_id : 0; }
AUTHKIT_EXTERN(const char *) authkit_session_ip(const authkit_session *s) { return s ? s->rec.ip : NULL; }
AUTHKIT_EXTERN(const char *) authkit_session_user_agent(const authkit_session *s) { return s ? s->rec.user_agent : NULL; }
AUTHKIT_EXTERN(int64_t) authkit_session_created_at(const authkit_session *s) { return s ? s->rec.created_at : 0; }
AUTHKIT_EXTERN(int64_t) authkit_session_last_seen_at(const authkit_session *s) { return s ? s->rec.last_seen_at : 0; }
AUTHKIT_EXTERN(int64_t) authkit_session_idle_expires_at(const authkit_session *s) { return s ? s->rec.idle_expires_at : 0; }
AUTHKIT_EXTERN(int64_t) authkit_session_expires_at(const authkit_session *s) { return s ? s->rec.expires_at : 0; }
AUTHKIT_EXTERN(int64_t) authkit_session_revoked_at(const authkit_session *s) { return s ? s->rec.revoked_at : 0; }
AUTHKIT_EXTERN(void) authkit_session_free(authkit_session *s) { free(s); }

AUTHKIT_EXTERN(size_t) authkit_session_list_count(const authkit_session_list *l) { return l ? l->count : 0; }

AUTHKIT_EXTERN(const authkit_session *) authkit_session_list_get(const authkit_session_list *l, size_t i)
{
	return (l && i < l->count) ? &l->items[i] : NULL;
}

AUTHKIT_EXTERN(void) authkit_session_list_free(authkit_session_list *l)
{
	if (!l)
		return;
	free(l->items);
	free(l);
}
