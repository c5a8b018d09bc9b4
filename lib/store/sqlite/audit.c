/* Audit log: append-only rows, queried newest first. */
#include <string.h>

#include "store/sqlite/internal.h"

static const ak_sqlite_query q_append = {AK_SQL_AUDIT_APPEND, "append audit event",
	"INSERT INTO audit_log (time, user_id, event, ip, detail) VALUES (?1, ?2, ?3, ?4, ?5)"};

/* Two statements rather than "(?3 = 0 OR user_id = ?3)" so each can use its
 * index: (time) for everyone, (user_id, time) for one user. The implicit
 * rowid at the end of both indexes gives the "id DESC" tie-break for free. */
#define AUDIT_SELECT "SELECT id, time, user_id, event, ip, detail FROM audit_log "
#define AUDIT_ORDER " ORDER BY time DESC, id DESC LIMIT ?3"
static const ak_sqlite_query q_query_all = {AK_SQL_AUDIT_QUERY_ALL, "query audit log",
	AUDIT_SELECT "WHERE time >= ?1 AND time < ?2" AUDIT_ORDER};
static const ak_sqlite_query q_query_user = {AK_SQL_AUDIT_QUERY_USER, "query audit log",
	AUDIT_SELECT "WHERE user_id = ?4 AND time >= ?1 AND time < ?2" AUDIT_ORDER};

int ak_sqlite_audit_append(authkit_store *store, const authkit_store_audit *event)
{
	if (!event)
		return ak_fail(AUTHKIT_EINVALID, "event is NULL");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_append, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_int64(&call, 1, event->time);
	ak_sqlite_bind_int64(&call, 2, event->user_id);
	ak_sqlite_bind_text(&call, 3, event->event);
	ak_sqlite_bind_text(&call, 4, event->ip);
	ak_sqlite_bind_text(&call, 5, event->detail);
	return ak_sqlite_call_end(&call, ak_sqlite_step_done(&call));
}

static void read_event(sqlite3_stmt *st, authkit_store_audit *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(st, 0);
	a->time = sqlite3_column_int64(st, 1);
	a->user_id = sqlite3_column_int64(st, 2);
	ak_sqlite_column_text(st, 3, a->event, sizeof a->event);
	ak_sqlite_column_text(st, 4, a->ip, sizeof a->ip);
	ak_sqlite_column_text(st, 5, a->detail, sizeof a->detail);
}

typedef struct audit_visit {
	authkit_store_audit_cb cb;
	void *userdata;
	authkit_store_audit event;
} audit_visit;

static int visit_event(sqlite3_stmt *st, void *ctx)
{
	audit_visit *v = ctx;
	read_event(st, &v->event);
	return v->cb(&v->event, v->userdata);
}

int ak_sqlite_audit_query(authkit_store *store, int64_t user_id, int64_t since, int64_t until, unsigned int limit,
                          authkit_store_audit_cb cb, void *userdata)
{
	if (!cb)
		return ak_fail(AUTHKIT_EINVALID, "audit_query: callback is NULL");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, user_id ? &q_query_user : &q_query_all, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_int64(&call, 1, since);
	ak_sqlite_bind_int64(&call, 2, until ? until : INT64_MAX); /* until 0: no upper bound */
	ak_sqlite_bind_int64(&call, 3, limit);
	if (user_id)
		ak_sqlite_bind_int64(&call, 4, user_id);
	audit_visit v = {.cb = cb, .userdata = userdata};
	return ak_sqlite_each_row(&call, visit_event, &v);
}
