/*
 * Billing: closing a period turns every unbilled usage event before its end
 * into one billing row per user, and marks the events with that row's id.
 * Both statements run in one write transaction (BEGIN IMMEDIATE, or a
 * savepoint of the caller's), so an event inserted concurrently lands either
 * before the close (and is counted) or after it (and is left for the next):
 * never counted twice, never lost.
 */
#include "store/sqlite/internal.h"

/* Every billing row this close writes has an id above the largest before it. */
static const ak_sqlite_query q_max_id = {AK_SQL_BILLING_MAX_ID, "read last billing id",
	"SELECT coalesce(max(id), 0) FROM billing"};

#define BILLING_INSERT                                                                                    \
	"INSERT INTO billing (user_id, period_start, period_end, events, input_tokens, output_tokens, "     \
	"cost_micros, status, created_at) SELECT user_id, ?1, ?2, count(*), sum(input_tokens), "            \
	"sum(output_tokens), sum(cost_micros), 0, ?3 FROM usage_events WHERE billing_id = 0 AND time < ?2 "
static const ak_sqlite_query q_insert_all = {AK_SQL_BILLING_INSERT_ALL, "close billing period",
	BILLING_INSERT "GROUP BY user_id ORDER BY user_id"};
static const ak_sqlite_query q_insert_user = {AK_SQL_BILLING_INSERT_USER, "close billing period",
	BILLING_INSERT "AND user_id = ?4 GROUP BY user_id ORDER BY user_id"};

/* ?3: the largest billing id before this close. */
#define BILLING_MARK                                                                                      \
	"UPDATE usage_events SET billing_id = (SELECT b.id FROM billing b "                                 \
	"WHERE b.user_id = usage_events.user_id AND b.id > ?3) WHERE billing_id = 0 AND time < ?2 "
static const ak_sqlite_query q_mark_all = {AK_SQL_BILLING_MARK_ALL, "mark billed usage",
	BILLING_MARK "AND ?1 = 0"};
static const ak_sqlite_query q_mark_user = {AK_SQL_BILLING_MARK_USER, "mark billed usage",
	BILLING_MARK "AND user_id = ?1"};
/* Cross-check: the events the new rows count are exactly the rows marked. */
static const ak_sqlite_query q_events_since = {AK_SQL_BILLING_EVENTS_SINCE, "check billing close",
	"SELECT count(*), coalesce(sum(events), 0) FROM billing WHERE id > ?1"};

#define BILLING_COLUMNS                                                                                    \
	"id, user_id, period_start, period_end, events, input_tokens, output_tokens, cost_micros, status, " \
	"created_at"
static const ak_sqlite_query q_list_all = {AK_SQL_BILLING_LIST_ALL, "list billing",
	"SELECT " BILLING_COLUMNS " FROM billing WHERE ?1 = 0 ORDER BY id DESC"};
static const ak_sqlite_query q_list_user = {AK_SQL_BILLING_LIST_USER, "list billing",
	"SELECT " BILLING_COLUMNS " FROM billing WHERE user_id = ?1 ORDER BY id DESC"};
static const ak_sqlite_query q_set_status = {AK_SQL_BILLING_SET_STATUS, "set billing status",
	"UPDATE billing SET status = ?2 WHERE id = ?1 AND status = 0"};

/* Two integer columns of one row of q, with ?1 bound to arg. */
static int read_pair(authkit_store *store, const ak_sqlite_query *q, int64_t arg, int64_t *a, int64_t *b)
{
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, q, &call);
	if (rc)
		return rc;
	if (sqlite3_bind_parameter_count(call.stmt) > 0)
		ak_sqlite_bind_int64(&call, 1, arg);
	rc = ak_sqlite_step_row(&call);
	if (rc == AUTHKIT_OK) {
		*a = sqlite3_column_int64(call.stmt, 0);
		*b = sqlite3_column_count(call.stmt) > 1 ? sqlite3_column_int64(call.stmt, 1) : 0;
		rc = ak_sqlite_step_done(&call);
	} else if (rc == AUTHKIT_ENOTFOUND) {
		rc = ak_fail(AUTHKIT_ESTORE, "sqlite: %s: no row", q->what);
	}
	return ak_sqlite_call_end(&call, rc);
}

/* Run q with args bound as ?1, ?2, ...; *changed = rows it wrote. */
static int write_step(authkit_store *store, const ak_sqlite_query *q, const int64_t *args, int nargs,
                      int64_t *changed)
{
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, q, &call);
	if (rc)
		return rc;
	for (int i = 0; i < nargs; i++)
		ak_sqlite_bind_int64(&call, i + 1, args[i]);
	rc = ak_sqlite_step_done(&call);
	*changed = rc == AUTHKIT_OK ? ak_sqlite_changes(&call) : 0;
	return ak_sqlite_call_end(&call, rc);
}

static int close_period(authkit_store *store, int64_t user_id, int64_t period_start, int64_t period_end,
                        int64_t now, int64_t *count_out)
{
	int64_t last_id = 0, unused = 0;
	int rc = read_pair(store, &q_max_id, 0, &last_id, &unused);
	if (rc)
		return rc;
	int64_t inserted = 0, marked = 0;
	const int64_t insert_args[] = {period_start, period_end, now, user_id};
	rc = write_step(store, user_id ? &q_insert_user : &q_insert_all, insert_args, user_id ? 4 : 3, &inserted);
	if (rc)
		return rc;
	const int64_t mark_args[] = {user_id, period_end, last_id};
	rc = write_step(store, user_id ? &q_mark_user : &q_mark_all, mark_args, 3, &marked);
	if (rc)
		return rc;
	int64_t rows = 0, events = 0;
	rc = read_pair(store, &q_events_since, last_id, &rows, &events);
	if (rc)
		return rc;
	if (rows != inserted || events != marked)
		return ak_fail(AUTHKIT_ESTORE, "sqlite: billing close: %lld events counted but %lld marked",
		               (long long)events, (long long)marked);
	*count_out = inserted;
	return AUTHKIT_OK;
}

int ak_sqlite_billing_close(authkit_store *store, int64_t user_id, int64_t period_start, int64_t period_end,
                            int64_t now, int64_t *count_out)
{
	if (period_end < period_start)
		return ak_fail(AUTHKIT_EINVALID, "billing_close: period_end is before period_start");
	int64_t count = 0;
	ak_sqlite_atomic a;
	int rc = ak_sqlite_atomic_begin(store, &a);
	if (rc)
		return rc;
	rc = close_period(store, user_id, period_start, period_end, now, &count);
	int end = ak_sqlite_atomic_end(&a, rc == AUTHKIT_OK);
	if (rc == AUTHKIT_OK)
		rc = end;
	if (rc == AUTHKIT_OK && count_out)
		*count_out = count;
	return rc;
}

typedef struct billing_visit {
	authkit_store_billing_cb cb;
	void *userdata;
	authkit_store_billing row;
} billing_visit;

static int visit_billing(sqlite3_stmt *st, void *ctx)
{
	billing_visit *v = ctx;
	authkit_store_billing *r = &v->row;
	r->id = sqlite3_column_int64(st, 0);
	r->user_id = sqlite3_column_int64(st, 1);
	r->period_start = sqlite3_column_int64(st, 2);
	r->period_end = sqlite3_column_int64(st, 3);
	r->events = sqlite3_column_int64(st, 4);
	r->input_tokens = sqlite3_column_int64(st, 5);
	r->output_tokens = sqlite3_column_int64(st, 6);
	r->cost_micros = sqlite3_column_int64(st, 7);
	r->status = sqlite3_column_int(st, 8);
	r->created_at = sqlite3_column_int64(st, 9);
	return v->cb(r, v->userdata);
}

int ak_sqlite_billing_list(authkit_store *store, int64_t user_id, authkit_store_billing_cb cb, void *userdata)
{
	if (!cb)
		return ak_fail(AUTHKIT_EINVALID, "billing_list: callback is NULL");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, user_id ? &q_list_user : &q_list_all, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_int64(&call, 1, user_id);
	billing_visit v = {.cb = cb, .userdata = userdata};
	return ak_sqlite_each_row(&call, visit_billing, &v);
}

int ak_sqlite_billing_set_status(authkit_store *store, int64_t billing_id, int status)
{
	if (status != 1 && status != 2)
		return ak_fail(AUTHKIT_EINVALID, "billing_set_status: status must be 1 (paid) or 2 (void)");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_set_status, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_int64(&call, 1, billing_id);
	ak_sqlite_bind_int64(&call, 2, status);
	/* No such row, or not pending: ENOTFOUND. */
	return ak_sqlite_call_end(&call, ak_sqlite_step_changes(&call));
}
