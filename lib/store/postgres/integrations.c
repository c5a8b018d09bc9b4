/*
 * Integration keys: one row per (user, service), ciphertext and nonce only.
 * Re-encryption after a master-key rotation is a compare-and-swap on the
 * key version and nonce (the UPDATE re-checks both on the row it locks), so
 * a put that lands in between always wins.
 */
#include <stdlib.h>
#include <string.h>

#include "store/checks.h"
#include "store/postgres/internal.h"

/* Column order read by read_integration(). */
#define INTEGRATION_COLUMNS                                                                             \
	"user_id, service, nonce, ciphertext, key_version, masked, is_active, created_at, updated_at, " \
	"last_used_at"

/* A replacement keeps the row's first created_at. */
static const ak_pg_query q_put = {AK_PG_INTEGRATION_PUT, "put integration",
	"INSERT INTO integrations (" INTEGRATION_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
	"ON CONFLICT (user_id, service) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext, "
	"key_version = excluded.key_version, masked = excluded.masked, is_active = excluded.is_active, "
	"updated_at = excluded.updated_at, last_used_at = excluded.last_used_at"};
static const ak_pg_query q_get = {AK_PG_INTEGRATION_GET, "get integration",
	"SELECT " INTEGRATION_COLUMNS " FROM integrations WHERE user_id = $1 AND service = $2"};
static const ak_pg_query q_list = {AK_PG_INTEGRATION_LIST, "list integrations",
	"SELECT " INTEGRATION_COLUMNS " FROM integrations WHERE user_id = $1 ORDER BY service"};
static const ak_pg_query q_set_status = {AK_PG_INTEGRATION_SET_STATUS, "set integration status",
	"UPDATE integrations SET is_active = $3, updated_at = $4 WHERE user_id = $1 AND service = $2"};
static const ak_pg_query q_touch = {AK_PG_INTEGRATION_TOUCH, "touch integration",
	"UPDATE integrations SET last_used_at = $3 WHERE user_id = $1 AND service = $2"};
static const ak_pg_query q_delete = {AK_PG_INTEGRATION_DELETE, "delete integration",
	"DELETE FROM integrations WHERE user_id = $1 AND service = $2"};
/* Keyset pagination along the primary key: each page is one range scan. */
static const ak_pg_query q_scan_stale = {AK_PG_INTEGRATION_SCAN_STALE, "scan stale integrations",
	"SELECT " INTEGRATION_COLUMNS " FROM integrations "
	"WHERE (user_id, service) > ($2, $3) AND key_version <> $1 ORDER BY user_id, service LIMIT $4"};
static const ak_pg_query q_reencrypt = {AK_PG_INTEGRATION_REENCRYPT, "re-encrypt integration",
	"UPDATE integrations SET nonce = $3, ciphertext = $4, key_version = $5 "
	"WHERE user_id = $1 AND service = $2 AND key_version = $6 AND nonce = $7"};

static bool row_ok(const authkit_store_integration *row)
{
	return row && ak_store_key_ok(row->service, AUTHKIT_STORE_NAME_BYTES) && row->ciphertext_len > 0 &&
	       row->ciphertext_len <= AUTHKIT_STORE_CIPHER_MAX && ak_store_fits(row->masked, AUTHKIT_STORE_MASK_BYTES);
}

/* A row whose bytea values do not fit the record is corrupt: report it, never truncate. */
static int read_integration(const PGresult *res, int row, authkit_store_integration *out)
{
	memset(out, 0, sizeof *out);
	out->user_id = ak_pg_int64(res, row, 0);
	ak_pg_text(res, row, 1, out->service, sizeof out->service);
	size_t nonce_len = 0;
	bool fits = ak_pg_blob(res, row, 2, out->nonce, sizeof out->nonce, &nonce_len) &&
	            nonce_len == AUTHKIT_STORE_NONCE_LEN &&
	            ak_pg_blob(res, row, 3, out->ciphertext, sizeof out->ciphertext, &out->ciphertext_len);
	out->key_version = (int)ak_pg_int64(res, row, 4);
	ak_pg_text(res, row, 5, out->masked, sizeof out->masked);
	out->is_active = (int)ak_pg_int64(res, row, 6);
	out->created_at = ak_pg_int64(res, row, 7);
	out->updated_at = ak_pg_int64(res, row, 8);
	out->last_used_at = ak_pg_int64(res, row, 9);
	if (fits)
		return AUTHKIT_OK;
	memset(out, 0, sizeof *out);
	return ak_fail(AUTHKIT_ESTORE, "postgres: integration row has a malformed nonce or ciphertext");
}

int ak_pg_integration_put(authkit_store *store, const authkit_store_integration *row)
{
	if (!row_ok(row))
		return ak_fail(AUTHKIT_EINVALID, "integration_put: row is NULL, or its service, ciphertext or mask "
		                                 "is empty or too long");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_put, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, row->user_id);
	ak_pg_bind_text(&call, 2, row->service);
	ak_pg_bind_blob(&call, 3, row->nonce, AUTHKIT_STORE_NONCE_LEN);
	ak_pg_bind_blob(&call, 4, row->ciphertext, row->ciphertext_len);
	ak_pg_bind_int64(&call, 5, row->key_version);
	ak_pg_bind_text(&call, 6, row->masked);
	ak_pg_bind_int64(&call, 7, row->is_active ? 1 : 0);
	ak_pg_bind_int64(&call, 8, row->created_at);
	ak_pg_bind_int64(&call, 9, row->updated_at);
	ak_pg_bind_int64(&call, 10, row->last_used_at);
	/* An unknown user fails the foreign key: ENOTFOUND. */
	return ak_pg_run_guarded(&call, NULL, NULL);
}

/* Begin a call on q with (user_id, service) bound as $1, $2. */
static int begin_keyed(authkit_store *store, const ak_pg_query *q, int64_t user_id, const char *service,
                       ak_pg_call *call)
{
	if (!ak_store_key_ok(service, AUTHKIT_STORE_NAME_BYTES))
		return ak_fail(AUTHKIT_EINVALID, "%s: service is NULL, empty or too long", q->what);
	int rc = ak_pg_call_begin(store, q, call);
	if (rc)
		return rc;
	ak_pg_bind_int64(call, 1, user_id);
	ak_pg_bind_text(call, 2, service);
	return AUTHKIT_OK;
}

int ak_pg_integration_get(authkit_store *store, int64_t user_id, const char *service, authkit_store_integration *out)
{
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "integration_get: out is NULL");
	ak_pg_call call;
	int rc = begin_keyed(store, &q_get, user_id, service, &call);
	if (rc)
		return rc;
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK)
		rc = read_integration(call.res, 0, out);
	return ak_pg_call_end(&call, rc);
}

typedef struct integration_visit {
	authkit_store_integration_cb cb;
	void *userdata;
	authkit_store_integration row; /* over 4 KiB: the visit lives on the heap */
} integration_visit;

static int visit_integration(const PGresult *res, int row, void *ctx)
{
	integration_visit *v = ctx;
	int rc = read_integration(res, row, &v->row);
	return rc ? rc : v->cb(&v->row, v->userdata);
}

/* Run the rows of an already bound call through cb. */
static int visit_all(ak_pg_call *call, authkit_store_integration_cb cb, void *userdata)
{
	integration_visit *v = calloc(1, sizeof *v);
	if (!v)
		return ak_pg_call_end(call, ak_fail(AUTHKIT_ENOMEM, "integration visit allocation failed"));
	v->cb = cb;
	v->userdata = userdata;
	int rc = ak_pg_each_row(call, visit_integration, v);
	free(v);
	return rc;
}

int ak_pg_integration_list(authkit_store *store, int64_t user_id, authkit_store_integration_cb cb, void *userdata)
{
	if (!cb)
		return ak_fail(AUTHKIT_EINVALID, "integration_list: callback is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_list, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, user_id);
	return visit_all(&call, cb, userdata);
}

int ak_pg_integration_set_status(authkit_store *store, int64_t user_id, const char *service, int is_active,
                                 int64_t now)
{
	ak_pg_call call;
	int rc = begin_keyed(store, &q_set_status, user_id, service, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 3, is_active ? 1 : 0);
	ak_pg_bind_int64(&call, 4, now);
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}

int ak_pg_integration_touch(authkit_store *store, int64_t user_id, const char *service, int64_t now)
{
	ak_pg_call call;
	int rc = begin_keyed(store, &q_touch, user_id, service, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 3, now);
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}

int ak_pg_integration_delete(authkit_store *store, int64_t user_id, const char *service)
{
	ak_pg_call call;
	int rc = begin_keyed(store, &q_delete, user_id, service, &call);
	if (rc)
		return rc;
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}

int ak_pg_integration_scan_stale(authkit_store *store, int current_version, int64_t after_user,
                                 const char *after_service, unsigned int limit, authkit_store_integration_cb cb,
                                 void *userdata)
{
	if (!cb || !after_service || !ak_store_fits(after_service, AUTHKIT_STORE_NAME_BYTES))
		return ak_fail(AUTHKIT_EINVALID, "integration_scan_stale: callback or cursor is NULL, or the cursor "
		                                 "is too long");
	if (limit == 0)
		return AUTHKIT_OK;
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_scan_stale, &call);
	if (rc)
		return rc;
	ak_pg_bind_int64(&call, 1, current_version);
	ak_pg_bind_int64(&call, 2, after_user);
	ak_pg_bind_text(&call, 3, after_service);
	ak_pg_bind_int64(&call, 4, limit);
	return visit_all(&call, cb, userdata);
}

int ak_pg_integration_reencrypt(authkit_store *store, const authkit_store_integration *row, int expected_version,
                                const unsigned char expected_nonce[AUTHKIT_STORE_NONCE_LEN])
{
	if (!row_ok(row) || !expected_nonce)
		return ak_fail(AUTHKIT_EINVALID, "integration_reencrypt: row or expected nonce is NULL, or the row's "
		                                 "service or ciphertext is empty or too long");
	ak_pg_call call;
	int rc = begin_keyed(store, &q_reencrypt, row->user_id, row->service, &call);
	if (rc)
		return rc;
	ak_pg_bind_blob(&call, 3, row->nonce, AUTHKIT_STORE_NONCE_LEN);
	ak_pg_bind_blob(&call, 4, row->ciphertext, row->ciphertext_len);
	ak_pg_bind_int64(&call, 5, row->key_version);
	ak_pg_bind_int64(&call, 6, expected_version);
	ak_pg_bind_blob(&call, 7, expected_nonce, AUTHKIT_STORE_NONCE_LEN);
	/* No row changed: gone, or a put or another re-encryption came first. */
	return ak_pg_call_end(&call, ak_pg_run_changes(&call));
}
