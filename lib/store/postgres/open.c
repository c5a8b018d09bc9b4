/* authkit_store_postgres_open: connect, migrate, wire the vtable. */
#include <stdlib.h>
#include <string.h>

#include "store/postgres/internal.h"

static void pg_free(authkit_store *store)
{
	ak_pg_store *s = ak_pg_of(store);
	ak_pg_store_teardown(s);
	free(s);
}

static void wire(authkit_store *b)
{
	b->name = "postgres";
	b->free = pg_free;
	b->schema_version = ak_pg_schema_version;
	b->txn_begin = ak_pg_txn_begin;
	b->txn_commit = ak_pg_txn_commit;
	b->txn_rollback = ak_pg_txn_rollback;
	b->user_insert = ak_pg_user_insert;
	b->user_get = ak_pg_user_get;
	b->user_update = ak_pg_user_update;
	b->user_set_password_hash = ak_pg_user_set_password_hash;
	b->user_delete = ak_pg_user_delete;
	b->user_list = ak_pg_user_list;
	b->user_count = ak_pg_user_count;
	b->user_role_add = ak_pg_user_role_add;
	b->user_role_remove = ak_pg_user_role_remove;
	b->login_failure = ak_pg_login_failure;
	b->login_lock = ak_pg_login_lock;
	b->login_success = ak_pg_login_success;
	b->audit_append = ak_pg_audit_append;
	b->audit_query = ak_pg_audit_query;
	b->session_insert = ak_pg_session_insert;
	b->session_get = ak_pg_session_get;
	b->session_get_by_hash = ak_pg_session_get_by_hash;
	b->session_touch = ak_pg_session_touch;
	b->session_revoke = ak_pg_session_revoke;
	b->session_revoke_user = ak_pg_session_revoke_user;
	b->session_list = ak_pg_session_list;
	b->session_cleanup = ak_pg_session_cleanup;
	b->refresh_insert = ak_pg_refresh_insert;
	b->refresh_rotate = ak_pg_refresh_rotate;
	b->one_time_insert = ak_pg_one_time_insert;
	b->one_time_consume = ak_pg_one_time_consume;
	b->one_time_delete_user = ak_pg_one_time_delete_user;
	b->one_time_cleanup = ak_pg_one_time_cleanup;
	b->integration_put = ak_pg_integration_put;
	b->integration_get = ak_pg_integration_get;
	b->integration_list = ak_pg_integration_list;
	b->integration_set_status = ak_pg_integration_set_status;
	b->integration_touch = ak_pg_integration_touch;
	b->integration_delete = ak_pg_integration_delete;
	b->integration_scan_stale = ak_pg_integration_scan_stale;
	b->integration_reencrypt = ak_pg_integration_reencrypt;
	b->api_key_insert = ak_pg_api_key_insert;
	b->api_key_get = ak_pg_api_key_get;
	b->api_key_list = ak_pg_api_key_list;
	b->api_key_revoke = ak_pg_api_key_revoke;
	b->api_key_touch = ak_pg_api_key_touch;
	b->usage_insert = ak_pg_usage_insert;
	b->usage_summary = ak_pg_usage_summary;
	b->counter_add = ak_pg_counter_add;
	b->counter_get = ak_pg_counter_get;
	b->bucket_get = ak_pg_bucket_get;
	b->bucket_cas = ak_pg_bucket_cas;
	b->billing_close = ak_pg_billing_close;
	b->billing_list = ak_pg_billing_list;
	b->billing_set_status = ak_pg_billing_set_status;
}

AUTHKIT_EXTERN(int) authkit_store_postgres_open(authkit_store **out, const char *conninfo, int pool_size,
                                                int timeout_ms)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out is NULL");
	*out = NULL;
	if (!conninfo || !*conninfo)
		return ak_fail(AUTHKIT_EINVALID, "conninfo is NULL or empty");
	if (pool_size < 0 || pool_size > AK_PG_POOL_SIZE_MAX)
		return ak_fail(AUTHKIT_EINVALID, "pool_size must be between 0 and %d", AK_PG_POOL_SIZE_MAX);
	if (timeout_ms < 0)
		return ak_fail(AUTHKIT_EINVALID, "timeout_ms must be >= 0");
	ak_pg_store *s = calloc(1, sizeof *s);
	if (!s)
		return ak_fail(AUTHKIT_ENOMEM, "postgres store allocation failed");
	authkit_store_init(&s->base, AUTHKIT_STORE_VERSION);
	wire(&s->base);
	int rc = ak_pg_store_setup(s, conninfo, pool_size ? pool_size : AK_PG_POOL_SIZE_DEFAULT,
	                           timeout_ms ? timeout_ms : AK_PG_TIMEOUT_MS_DEFAULT);
	if (rc == AUTHKIT_OK)
		rc = ak_pg_migrate(&s->base);
	if (rc) {
		pg_free(&s->base);
		return rc;
	}
	*out = &s->base;
	return AUTHKIT_OK;
}
