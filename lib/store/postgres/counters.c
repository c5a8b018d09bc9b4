/*
 * Quota counters and rate-limit token buckets: small keyed rows shared by
 * every process on the database. A counter is one upsert that returns the
 * new value (concurrent adds queue on the row lock); a bucket is read,
 * computed on by the core, and written back only if nobody wrote it in
 * between (the UPDATE re-checks the expected state on the row it locks).
 */
#include "store/checks.h"
#include "store/postgres/internal.h"

/* bigint overflow fails the statement ("out of range"): nothing changes. */
static const ak_pg_query q_counter_add = {AK_PG_COUNTER_ADD, "add to counter",
	"INSERT INTO counters (key, value) VALUES ($1, $2) "
	"ON CONFLICT (key) DO UPDATE SET value = counters.value + excluded.value RETURNING value"};
static const ak_pg_query q_counter_get = {AK_PG_COUNTER_GET, "get counter",
	"SELECT value FROM counters WHERE key = $1"};
static const ak_pg_query q_bucket_get = {AK_PG_BUCKET_GET, "get bucket",
	"SELECT tokens, updated_ms FROM buckets WHERE key = $1"};
static const ak_pg_query q_bucket_insert = {AK_PG_BUCKET_INSERT, "create bucket",
	"INSERT INTO buckets (key, tokens, updated_ms) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING"};
static const ak_pg_query q_bucket_update = {AK_PG_BUCKET_UPDATE, "update bucket",
	"UPDATE buckets SET tokens = $2, updated_ms = $3 WHERE key = $1 AND tokens = $4 AND updated_ms = $5"};

static bool key_ok(const char *key)
{
	return ak_store_key_ok(key, AUTHKIT_STORE_COUNTER_KEY_BYTES);
}

int ak_pg_counter_add(authkit_store *store, const char *key, int64_t amount, int64_t *value_out)
{
	if (!key_ok(key))
		return ak_fail(AUTHKIT_EINVALID, "counter_add: key is NULL, empty or too long");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_counter_add, &call);
	if (rc)
		return rc;
	ak_pg_bind_text(&call, 1, key);
	ak_pg_bind_int64(&call, 2, amount);
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK && value_out)
		*value_out = ak_pg_int64(call.res, 0, 0);
	else if (rc == AUTHKIT_ENOTFOUND) /* an upsert always returns its row */
		rc = ak_fail(AUTHKIT_ESTORE, "postgres: add to counter: no row returned");
	return ak_pg_call_end(&call, rc);
}

/* Begin a call on q with key bound as $1. */
static int begin_keyed(authkit_store *store, const ak_pg_query *q, const char *key, ak_pg_call *call)
{
	int rc = ak_pg_call_begin(store, q, call);
	if (rc == AUTHKIT_OK)
		ak_pg_bind_text(call, 1, key);
	return rc;
}

int ak_pg_counter_get(authkit_store *store, const char *key, int64_t *value_out)
{
	if (!key_ok(key) || !value_out)
		return ak_fail(AUTHKIT_EINVALID, "counter_get: key is NULL, empty or too long, or value_out is NULL");
	ak_pg_call call;
	int rc = begin_keyed(store, &q_counter_get, key, &call);
	if (rc)
		return rc;
	rc = ak_pg_run_row(&call);
	*value_out = rc == AUTHKIT_OK ? ak_pg_int64(call.res, 0, 0) : 0;
	if (rc == AUTHKIT_ENOTFOUND) /* absent: 0 */
		rc = AUTHKIT_OK;
	return ak_pg_call_end(&call, rc);
}

int ak_pg_bucket_get(authkit_store *store, const char *key, int64_t *tokens_out, int64_t *updated_ms_out)
{
	if (!key_ok(key) || !tokens_out || !updated_ms_out)
		return ak_fail(AUTHKIT_EINVALID, "bucket_get: key is NULL, empty or too long, or an output is NULL");
	ak_pg_call call;
	int rc = begin_keyed(store, &q_bucket_get, key, &call);
	if (rc)
		return rc;
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK) {
		*tokens_out = ak_pg_int64(call.res, 0, 0);
		*updated_ms_out = ak_pg_int64(call.res, 0, 1);
	}
	return ak_pg_call_end(&call, rc);
}

int ak_pg_bucket_cas(authkit_store *store, const char *key, int expect_absent, int64_t expected_tokens,
                     int64_t expected_updated_ms, int64_t tokens, int64_t updated_ms)
{
	if (!key_ok(key))
		return ak_fail(AUTHKIT_EINVALID, "bucket_cas: key is NULL, empty or too long");
	ak_pg_call call;
	int rc = begin_keyed(store, expect_absent ? &q_bucket_insert : &q_bucket_update, key, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 2, tokens);
	ak_pg_bind_int64(&call, 3, updated_ms);
	if (!expect_absent) {
		ak_pg_bind_int64(&call, 4, expected_tokens);
		ak_pg_bind_int64(&call, 5, expected_updated_ms);
	}
	/* No row written: someone else's state is there (or, updating, none is). */
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}
