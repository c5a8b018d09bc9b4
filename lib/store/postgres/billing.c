/*
 * Billing: closing a period turns every unbilled usage event before its end
 * into one billing row per user, and marks the events with that row's id.
 *
 * Under READ COMMITTED with writers inserting all the while, one statement
 * does it: it numbers the users that have unbilled events (ids from the
 * billing sequence), marks their events with UPDATE … RETURNING, and writes
 * each billing row from the rows that UPDATE actually returned. An event
 * committed after the statement's snapshot is not seen and stays for the
 * next close; an event another close marked first fails the UPDATE's
 * re-check (billing_id = 0) and is neither marked nor summed. So every
 * event is billed exactly once, and every billing row is exactly the sum of
 * the events that point at it. Closes take a transaction-scoped advisory
 * lock first, so they never deadlock on each other's row locks.
 */
#include "store/postgres/internal.h"

static const ak_pg_query q_lock = {AK_PG_BILLING_LOCK, "lock billing close",
	"SELECT pg_advisory_xact_lock(hashtext('libauthkit billing ' || coalesce(current_schema(), '')))"};
/* $1 period_start, $2 period_end, $3 now, $4 user_id (0: every user). */
static const ak_pg_query q_close = {AK_PG_BILLING_CLOSE, "close billing period",
	"WITH takers AS MATERIALIZED (SELECT user_id, nextval('billing_id_seq') AS bid FROM "
	"(SELECT DISTINCT user_id FROM usage_events WHERE billing_id = 0 AND time < $2 "
	"AND ($4 = 0 OR user_id = $4)) d), "
	"marked AS (UPDATE usage_events u SET billing_id = t.bid FROM takers t "
	"WHERE u.user_id = t.user_id AND u.billing_id = 0 AND u.time < $2 "
	"RETURNING u.billing_id, u.user_id, u.input_tokens, u.output_tokens, u.cost_micros), "
	"written AS (INSERT INTO billing (id, user_id, period_start, period_end, events, input_tokens, "
	"output_tokens, cost_micros, status, created_at) SELECT billing_id, user_id, $1, $2, count(*), "
	"sum(input_tokens), sum(output_tokens), sum(cost_micros), 0, $3 FROM marked "
	"GROUP BY billing_id, user_id ORDER BY billing_id RETURNING id) "
	"SELECT count(*) FROM written"};

#define BILLING_COLUMNS                                                                                    \
	"id, user_id, period_start, period_end, events, input_tokens, output_tokens, cost_micros, status, " \
	"created_at"
static const ak_pg_query q_list_all = {AK_PG_BILLING_LIST_ALL, "list billing",
	"SELECT " BILLING_COLUMNS " FROM billing WHERE $1 = 0 ORDER BY id DESC"};
static const ak_pg_query q_list_user = {AK_PG_BILLING_LIST_USER, "list billing",
	"SELECT " BILLING_COLUMNS " FROM billing WHERE user_id = $1 ORDER BY id DESC"};
static const ak_pg_query q_set_status = {AK_PG_BILLING_SET_STATUS, "set billing status",
	"UPDATE billing SET status = $2 WHERE id = $1 AND status = 0"};

static int close_period(authkit_store *store, int64_t user_id, int64_t period_start, int64_t period_end,
                        int64_t now, int64_t *count_out)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_lock, &call);
	if (rc)
		return rc;
	rc = ak_pg_call_end(&call, ak_pg_run(&call));
	if (rc == AUTHKIT_OK)
		rc = ak_pg_call_begin(store, &q_close, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, period_start);
	ak_pg_bind_int64(&call, 2, period_end);
	ak_pg_bind_int64(&call, 3, now);
	ak_pg_bind_int64(&call, 4, user_id);
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK)
		*count_out = ak_pg_int64(call.res, 0, 0);
	else if (rc == AUTHKIT_ENOTFOUND)
		rc = ak_fail(AUTHKIT_ESTORE, "postgres: close billing period returned no count");
	return ak_pg_call_end(&call, rc);
}

int ak_pg_billing_close(authkit_store *store, int64_t user_id, int64_t period_start, int64_t period_end, int64_t now,
                        int64_t *count_out)
{
	if (period_end < period_start)
		return ak_fail(AUTHKIT_EINVALID, "billing_close: period_end is before period_start");
	int64_t count = 0;
	/* The lock is held to the end of the transaction: ours, or the caller's. */
	ak_pg_atomic a;
	int rc = ak_pg_atomic_begin(store, &a);
	if (rc)
		return rc;
	rc = close_period(store, user_id, period_start, period_end, now, &count);
	int end = ak_pg_atomic_end(&a, rc == AUTHKIT_OK);
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

static int visit_billing(const PGresult *res, int row, void *ctx)
{
	billing_visit *v = ctx;
	authkit_store_billing *r = &v->row;
	r->id = ak_pg_int64(res, row, 0);
	r->user_id = ak_pg_int64(res, row, 1);
	r->period_start = ak_pg_int64(res, row, 2);
	r->period_end = ak_pg_int64(res, row, 3);
	r->events = ak_pg_int64(res, row, 4);
	r->input_tokens = ak_pg_int64(res, row, 5);
	r->output_tokens = ak_pg_int64(res, row, 6);
	r->cost_micros = ak_pg_int64(res, row, 7);
	r->status = (int)ak_pg_int64(res, row, 8);
	r->created_at = ak_pg_int64(res, row, 9);
	return v->cb(r, v->userdata);
}

int ak_pg_billing_list(authkit_store *store, int64_t user_id, authkit_store_billing_cb cb, void *userdata)
{
	if (!cb)
		return ak_fail(AUTHKIT_EINVALID, "billing_list: callback is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, user_id ? &q_list_user : &q_list_all, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, user_id);
	billing_visit v = {.cb = cb, .userdata = userdata};
	return ak_pg_each_row(&call, visit_billing, &v);
}

int ak_pg_billing_set_status(authkit_store *store, int64_t billing_id, int status)
{
	if (status != 1 && status != 2)
		return ak_fail(AUTHKIT_EINVALID, "billing_set_status: status must be 1 (paid) or 2 (void)");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_set_status, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, billing_id);
	ak_pg_bind_int64(&call, 2, status);
	/* No such row, or not pending: ENOTFOUND. */
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}
