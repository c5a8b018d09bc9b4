/*
 * Usage events: append-only (never deleted: the rollup fold relies on ids
 * only growing), kept after their user is deleted. A non-empty
 * idempotency key is unique, so a retried insert is a no-op; "" is stored
 * as NULL, of which any number may exist.
 */
#include <string.h>

#include "store/sqlite/internal.h"

/* No RETURNING: SQLite materialises RETURNING rows in a temporary table,
 * which halved batch throughput. sqlite3_changes() tells an insert from an
 * idempotent no-op and sqlite3_last_insert_rowid() gives the id. */
static const ak_sqlite_query q_insert = {AK_SQL_USAGE_INSERT, "insert usage event",
	"INSERT INTO usage_events (user_id, service, model, request_type, input_tokens, output_tokens, "
	"cost_micros, idempotency_key, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	"ON CONFLICT (idempotency_key) DO NOTHING"};

/* A summary is exact without a fold: whole UTC days (?5 <= day < ?6) come
 * from usage_daily plus the events not folded yet (id above the mark, read
 * as a rowid range: "+time" keeps the planner off the time index there),
 * and the partial days at either end (?2 <= time < ?7, ?8 <= time < ?3)
 * from the events through the time index. ?4 picks the grouping; T is the
 * expression giving a row's time. */
#define SUMMARY_KEY(T)                                                                                   \
	"CASE ?4 WHEN 1 THEN service WHEN 2 THEN model WHEN 3 THEN strftime('%Y-%m-%d', " T ", 'unixepoch') " \
	"ELSE strftime('%Y-%m', " T ", 'unixepoch') END"
#define SUMMARY_EVENTS "SELECT " SUMMARY_KEY("time") ", 1, input_tokens, output_tokens, cost_micros FROM usage_events "
#define SUMMARY_SELECT(USER)                                                                             \
	"SELECT k, sum(n), sum(i), sum(o), sum(c) FROM ("                                                \
	"SELECT " SUMMARY_KEY("day * 86400") " AS k, events AS n, input_tokens AS i, output_tokens AS o, " \
	"cost_micros AS c FROM usage_daily WHERE " USER " AND day >= ?5 AND day < ?6 "                     \
	"UNION ALL " SUMMARY_EVENTS "WHERE id > (SELECT folded_through FROM usage_rollup) AND " USER     \
	" AND +time >= ?5 * 86400 AND +time < ?6 * 86400 "                                               \
	"UNION ALL " SUMMARY_EVENTS "WHERE " USER " AND time >= ?2 AND time < ?7 "                        \
	"UNION ALL " SUMMARY_EVENTS "WHERE " USER " AND time >= ?8 AND time < ?3"                         \
	") GROUP BY k ORDER BY k"
static const ak_sqlite_query q_summary_user = {AK_SQL_USAGE_SUMMARY_USER, "summarise usage",
	SUMMARY_SELECT("user_id = ?1")};
/* ?1 is unused (always 0): kept so both statements bind alike. */
static const ak_sqlite_query q_summary_all = {AK_SQL_USAGE_SUMMARY_ALL, "summarise usage",
	SUMMARY_SELECT("?1 = 0")};

#define SECONDS_PER_DAY 86400

/* How [since, until) splits into whole days and partial-day edges. */
typedef struct summary_span {
	int64_t first_day, end_day;   /* whole days: first_day <= day < end_day */
	int64_t head_end, tail_start; /* edges: [since, head_end) and [tail_start, until) */
} summary_span;

static summary_span split_span(int64_t since, int64_t until)
{
	summary_span sp = {0};
	int64_t first_day = since / SECONDS_PER_DAY + (since % SECONDS_PER_DAY != 0);
	int64_t end_day = until / SECONDS_PER_DAY;
	if (first_day >= end_day) { /* no whole day inside (or an empty range): all edge */
		sp.head_end = until;
		return sp;
	}
	sp.first_day = first_day;
	sp.end_day = end_day;
	sp.head_end = first_day * SECONDS_PER_DAY;
	sp.tail_start = end_day * SECONDS_PER_DAY;
	return sp;
}

static bool fits(const char *s, size_t size)
{
	return strnlen(s, size) < size;
}

int ak_sqlite_usage_insert(authkit_store *store, authkit_store_usage *row, int *duplicate_out)
{
	if (!row || !fits(row->service, sizeof row->service) || !fits(row->model, sizeof row->model) ||
	    !fits(row->request_type, sizeof row->request_type) ||
	    !fits(row->idempotency_key, sizeof row->idempotency_key))
		return ak_fail(AUTHKIT_EINVALID, "usage_insert: row is NULL or a field is too long");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, &q_insert, &call);
	if (rc)
		return rc;
	ak_sqlite_bind_int64(&call, 1, row->user_id);
	ak_sqlite_bind_text(&call, 2, row->service);
	ak_sqlite_bind_text(&call, 3, row->model);
	ak_sqlite_bind_text(&call, 4, row->request_type);
	ak_sqlite_bind_int64(&call, 5, row->input_tokens);
	ak_sqlite_bind_int64(&call, 6, row->output_tokens);
	ak_sqlite_bind_int64(&call, 7, row->cost_micros);
	ak_sqlite_bind_text(&call, 8, row->idempotency_key[0] ? row->idempotency_key : NULL);
	ak_sqlite_bind_int64(&call, 9, row->time);
	rc = ak_sqlite_step_changes(&call);
	int duplicate = rc == AUTHKIT_ENOTFOUND; /* nothing inserted: the key was there */
	int64_t id = rc == AUTHKIT_OK ? sqlite3_last_insert_rowid(call.conn->db) : 0;
	if (duplicate)
		rc = AUTHKIT_OK;
	rc = ak_sqlite_call_end(&call, rc);
	if (rc)
		return rc;
	if (!duplicate) {
		row->id = id;
		row->billing_id = 0;
		rc = ak_sqlite_usage_fold_due(store, id);
	}
	if (rc == AUTHKIT_OK && duplicate_out)
		*duplicate_out = duplicate;
	return rc;
}

typedef struct sum_visit {
	authkit_store_usage_sum_cb cb;
	void *userdata;
	authkit_store_usage_sum row;
} sum_visit;

static int visit_sum(sqlite3_stmt *st, void *ctx)
{
	sum_visit *v = ctx;
	memset(&v->row, 0, sizeof v->row);
	ak_sqlite_column_text(st, 0, v->row.key, sizeof v->row.key);
	v->row.events = sqlite3_column_int64(st, 1);
	v->row.input_tokens = sqlite3_column_int64(st, 2);
	v->row.output_tokens = sqlite3_column_int64(st, 3);
	v->row.cost_micros = sqlite3_column_int64(st, 4);
	return v->cb(&v->row, v->userdata);
}

int ak_sqlite_usage_summary(authkit_store *store, int64_t user_id, int64_t since, int64_t until, int group,
                            authkit_store_usage_sum_cb cb, void *userdata)
{
	if (!cb || group < AUTHKIT_STORE_GROUP_SERVICE || group > AUTHKIT_STORE_GROUP_MONTH)
		return ak_fail(AUTHKIT_EINVALID, "usage_summary: callback is NULL or the grouping is unknown");
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, user_id ? &q_summary_user : &q_summary_all, &call);
	if (rc)
		return rc;
	summary_span sp = split_span(since < 0 ? 0 : since, until);
	ak_sqlite_bind_int64(&call, 1, user_id);
	ak_sqlite_bind_int64(&call, 2, since);
	ak_sqlite_bind_int64(&call, 3, sp.tail_start ? until : 0);
	ak_sqlite_bind_int64(&call, 4, group);
	ak_sqlite_bind_int64(&call, 5, sp.first_day);
	ak_sqlite_bind_int64(&call, 6, sp.end_day);
	ak_sqlite_bind_int64(&call, 7, sp.head_end);
	ak_sqlite_bind_int64(&call, 8, sp.tail_start);
	sum_visit v = {.cb = cb, .userdata = userdata};
	/* A sum past INT64_MAX is an "integer overflow" error: ESTORE, never a wrapped total. */
	return ak_sqlite_each_row(&call, visit_sum, &v);
}
