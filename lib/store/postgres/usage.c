/*
 * Usage events: append-only, kept after their user is deleted. A non-empty
 * idempotency key is unique, so a retried insert is a no-op; "" is stored
 * as NULL, of which any number may exist. ON CONFLICT DO NOTHING waits for
 * a concurrent insert of the same key and then inserts nothing: a retry
 * racing its original never counts twice and never fails.
 */
#include <string.h>

#include "store/checks.h"
#include "store/postgres/internal.h"

/* RETURNING yields a row only when one was inserted. */
static const ak_pg_query q_insert = {AK_PG_USAGE_INSERT, "insert usage event",
	"INSERT INTO usage_events (user_id, service, model, request_type, input_tokens, output_tokens, "
	"cost_micros, idempotency_key, time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
	"ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"};

/* $4 picks the grouping; days and months are UTC; keys sort bytewise.
 * Sums are cast back to bigint: a total past its range is an error
 * (ESTORE), never wrapped. */
#define UTC_DAY "to_char(to_timestamp(time) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
#define UTC_MONTH "to_char(to_timestamp(time) AT TIME ZONE 'UTC', 'YYYY-MM')"
#define SUMMARY_SELECT                                                                                    \
	"SELECT (CASE $4 WHEN 1 THEN service WHEN 2 THEN model WHEN 3 THEN " UTC_DAY " ELSE " UTC_MONTH     \
	" END) COLLATE \"C\" AS k, count(*), sum(input_tokens)::bigint, sum(output_tokens)::bigint, sum(cost_micros)::bigint " \
	"FROM usage_events "
#define SUMMARY_GROUP " AND time >= $2 AND time < $3 GROUP BY k ORDER BY k"
static const ak_pg_query q_summary_user = {AK_PG_USAGE_SUMMARY_USER, "summarise usage",
	SUMMARY_SELECT "WHERE user_id = $1" SUMMARY_GROUP};
/* $1 is unused (always 0): kept so both statements bind alike. */
static const ak_pg_query q_summary_all = {AK_PG_USAGE_SUMMARY_ALL, "summarise usage",
	SUMMARY_SELECT "WHERE $1 = 0" SUMMARY_GROUP};

int ak_pg_usage_insert(authkit_store *store, authkit_store_usage *row, int *duplicate_out)
{
	if (!row || !ak_store_fits(row->service, sizeof row->service) || !ak_store_fits(row->model, sizeof row->model) ||
	    !ak_store_fits(row->request_type, sizeof row->request_type) ||
	    !ak_store_fits(row->idempotency_key, sizeof row->idempotency_key))
		return ak_fail(AUTHKIT_EINVALID, "usage_insert: row is NULL or a field is too long");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_insert, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, row->user_id);
	ak_pg_bind_text(&call, 2, row->service);
	ak_pg_bind_text(&call, 3, row->model);
	ak_pg_bind_text(&call, 4, row->request_type);
	ak_pg_bind_int64(&call, 5, row->input_tokens);
	ak_pg_bind_int64(&call, 6, row->output_tokens);
	ak_pg_bind_int64(&call, 7, row->cost_micros);
	ak_pg_bind_text(&call, 8, row->idempotency_key[0] ? row->idempotency_key : NULL);
	ak_pg_bind_int64(&call, 9, row->time);
	rc = ak_pg_run_row(&call);
	int duplicate = rc == AUTHKIT_ENOTFOUND; /* no row back: the key was there */
	if (rc == AUTHKIT_OK) {
		row->id = ak_pg_int64(call.res, 0, 0);
		row->billing_id = 0;
	}
	if (duplicate)
		rc = AUTHKIT_OK;
	if (rc == AUTHKIT_OK && duplicate_out)
		*duplicate_out = duplicate;
	return ak_pg_call_end(&call, rc);
}

typedef struct sum_visit {
	authkit_store_usage_sum_cb cb;
	void *userdata;
	authkit_store_usage_sum row;
} sum_visit;

static int visit_sum(const PGresult *res, int row, void *ctx)
{
	sum_visit *v = ctx;
	memset(&v->row, 0, sizeof v->row);
	ak_pg_text(res, row, 0, v->row.key, sizeof v->row.key);
	v->row.events = ak_pg_int64(res, row, 1);
	v->row.input_tokens = ak_pg_int64(res, row, 2);
	v->row.output_tokens = ak_pg_int64(res, row, 3);
	v->row.cost_micros = ak_pg_int64(res, row, 4);
	return v->cb(&v->row, v->userdata);
}

int ak_pg_usage_summary(authkit_store *store, int64_t user_id, int64_t since, int64_t until, int group,
                        authkit_store_usage_sum_cb cb, void *userdata)
{
	if (!cb || group < AUTHKIT_STORE_GROUP_SERVICE || group > AUTHKIT_STORE_GROUP_MONTH)
		return ak_fail(AUTHKIT_EINVALID, "usage_summary: callback is NULL or the grouping is unknown");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, user_id ? &q_summary_user : &q_summary_all, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, user_id);
	ak_pg_bind_int64(&call, 2, since);
	ak_pg_bind_int64(&call, 3, until);
	ak_pg_bind_int64(&call, 4, group);
	sum_visit v = {.cb = cb, .userdata = userdata};
	return ak_pg_each_row(&call, visit_sum, &v);
}
