/* Audit log: append-only rows, queried newest first. */
#include <string.h>

#include "store/postgres/internal.h"

static const ak_pg_query q_append = {AK_PG_AUDIT_APPEND, "append audit event",
	"INSERT INTO audit_log (time, user_id, event, ip, detail) VALUES ($1, $2, $3, $4, $5)"};

/* Two statements so each uses its index: (time) for everyone, (user_id,
 * time) for one user. */
#define AUDIT_SELECT "SELECT id, time, user_id, event, ip, detail FROM audit_log "
#define AUDIT_ORDER " ORDER BY time DESC, id DESC LIMIT $3"
static const ak_pg_query q_query_all = {AK_PG_AUDIT_QUERY_ALL, "query audit log",
	AUDIT_SELECT "WHERE time >= $1 AND time < $2" AUDIT_ORDER};
static const ak_pg_query q_query_user = {AK_PG_AUDIT_QUERY_USER, "query audit log",
	AUDIT_SELECT "WHERE user_id = $4 AND time >= $1 AND time < $2" AUDIT_ORDER};

int ak_pg_audit_append(authkit_store *store, const authkit_store_audit *event)
{
	if (!event)
		return ak_fail(AUTHKIT_EINVALID, "event is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_append, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, event->time);
	ak_pg_bind_int64(&call, 2, event->user_id);
	ak_pg_bind_text(&call, 3, event->event);
	ak_pg_bind_text(&call, 4, event->ip);
	ak_pg_bind_text(&call, 5, event->detail);
	return ak_pg_call_end(&call, ak_pg_run(&call));
}

typedef struct audit_visit {
	authkit_store_audit_cb cb;
	void *userdata;
	authkit_store_audit event;
} audit_visit;

static int visit_event(const PGresult *res, int row, void *ctx)
{
	audit_visit *v = ctx;
	authkit_store_audit *a = &v->event;
	memset(a, 0, sizeof *a);
	a->id = ak_pg_int64(res, row, 0);
	a->time = ak_pg_int64(res, row, 1);
	a->user_id = ak_pg_int64(res, row, 2);
	ak_pg_text(res, row, 3, a->event, sizeof a->event);
	ak_pg_text(res, row, 4, a->ip, sizeof a->ip);
	ak_pg_text(res, row, 5, a->detail, sizeof a->detail);
	return v->cb(a, v->userdata);
}

int ak_pg_audit_query(authkit_store *store, int64_t user_id, int64_t since, int64_t until, unsigned int limit,
                      authkit_store_audit_cb cb, void *userdata)
{
	if (!cb)
		return ak_fail(AUTHKIT_EINVALID, "audit_query: callback is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, user_id ? &q_query_user : &q_query_all, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, since);
	ak_pg_bind_int64(&call, 2, until ? until : INT64_MAX); /* until 0: no upper bound */
	ak_pg_bind_int64(&call, 3, limit);
	if (user_id)
		ak_pg_bind_int64(&call, 4, user_id);
	audit_visit v = {.cb = cb, .userdata = userdata};
	return ak_pg_each_row(&call, visit_event, &v);
}
