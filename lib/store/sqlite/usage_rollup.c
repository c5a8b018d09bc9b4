/*
 * Folding usage events into the per-day rollups (usage_daily), in bulk.
 *
 * Events are appended to usage_events; every AK_USAGE_FOLD_EVERY event ids
 * the insert that reaches the multiple also folds every event above
 * usage_rollup.folded_through into usage_daily and moves the mark. One fold
 * of tens of thousands of events writes a few thousand rollup rows (one per
 * day, user, service and model), in key order; an upsert per event (a
 * trigger) cost twice the insert itself. Summaries add the events above the
 * mark, so they are exact whether or not a fold has run; folding only
 * bounds how many events a summary reads that way.
 */
#include "store/sqlite/internal.h"

/* Large enough that a fold groups many events per rollup row, small enough
 * that a summary's scan of the unfolded events stays around a millisecond. */
#define AK_USAGE_FOLD_EVERY 32768

/* The SELECT needs its WHERE for the parser to read ON CONFLICT as the upsert. */
static const ak_sqlite_query q_fold = {AK_SQL_USAGE_FOLD, "fold usage into daily rollups",
	"INSERT INTO usage_daily SELECT time / 86400, user_id, service, model, count(*), sum(input_tokens), "
	"sum(output_tokens), sum(cost_micros) FROM usage_events "
	"WHERE id > (SELECT folded_through FROM usage_rollup) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 "
	"ON CONFLICT (day, user_id, service, model) DO UPDATE SET events = events + excluded.events, "
	"input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens, "
	"cost_micros = cost_micros + excluded.cost_micros"};
/* In the fold's transaction, max(id) is the last event the fold saw. */
static const ak_sqlite_query q_mark = {AK_SQL_USAGE_FOLD_MARK, "mark folded usage",
	"UPDATE usage_rollup SET folded_through = (SELECT coalesce(max(id), folded_through) FROM usage_events)"};

static int run(authkit_store *store, const ak_sqlite_query *q)
{
	ak_sqlite_call call;
	int rc = ak_sqlite_call_begin(store, q, &call);
	if (rc)
		return rc;
	return ak_sqlite_call_end(&call, ak_sqlite_step_done(&call));
}

/* *own_out: whether the fold ran in a transaction of its own (no caller's). */
static int fold(authkit_store *store, bool *own_out)
{
	ak_sqlite_atomic a;
	int rc = ak_sqlite_atomic_begin(store, &a);
	if (rc)
		return rc;
	*own_out = a.own;
	rc = run(store, &q_fold);
	if (rc == AUTHKIT_OK)
		rc = run(store, &q_mark);
	int end = ak_sqlite_atomic_end(&a, rc == AUTHKIT_OK);
	return rc ? rc : end;
}

int ak_sqlite_usage_fold(authkit_store *store)
{
	bool own = false;
	return fold(store, &own);
}

int ak_sqlite_usage_fold_due(authkit_store *store, int64_t inserted_id)
{
	if (inserted_id % AK_USAGE_FOLD_EVERY != 0)
		return AUTHKIT_OK;
	bool own = true;
	int rc = fold(store, &own);
	/* On its own, the fold follows an insert already committed: failing it
	 * (a busy database) must not report the insert as failed, and the next
	 * multiple folds these events too. In the caller's transaction, the
	 * error is real and the caller's rollback undoes both. */
	return own ? AUTHKIT_OK : rc;
}
