/* authkit_store_sqlite_open: parse the path, open, migrate, wire the vtable. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/sqlite/internal.h"

#define PATH_PREFIX "sqlite:"

static void sqlite_free(authkit_store *store)
{
	ak_sqlite_store *s = ak_sqlite_of(store);
	ak_sqlite_store_teardown(s);
	free(s);
}

static void wire(authkit_store *b)
{
	b->name = "sqlite";
	b->free = sqlite_free;
	b->schema_version = ak_sqlite_schema_version;
	b->txn_begin = ak_sqlite_txn_begin;
	b->txn_commit = ak_sqlite_txn_commit;
	b->txn_rollback = ak_sqlite_txn_rollback;
	b->user_insert = ak_sqlite_user_insert;
	b->user_get = ak_sqlite_user_get;
	b->user_update = ak_sqlite_user_update;
	b->user_set_password_hash = ak_sqlite_user_set_password_hash;
	b->user_delete = ak_sqlite_user_delete;
	b->user_list = ak_sqlite_user_list;
	b->user_count = ak_sqlite_user_count;
	b->user_role_add = ak_sqlite_user_role_add;
	b->user_role_remove = ak_sqlite_user_role_remove;
	b->login_failure = ak_sqlite_login_failure;
	b->login_lock = ak_sqlite_login_lock;
	b->login_success = ak_sqlite_login_success;
	b->audit_append = ak_sqlite_audit_append;
	b->audit_query = ak_sqlite_audit_query;
	b->session_insert = ak_sqlite_session_insert;
	b->session_get = ak_sqlite_session_get;
	b->session_get_by_hash = ak_sqlite_session_get_by_hash;
	b->session_touch = ak_sqlite_session_touch;
	b->session_revoke = ak_sqlite_session_revoke;
	b->session_revoke_user = ak_sqlite_session_revoke_user;
	b->session_list = ak_sqlite_session_list;
	b->session_cleanup = ak_sqlite_session_cleanup;
	b->refresh_insert = ak_sqlite_refresh_insert;
	b->refresh_rotate = ak_sqlite_refresh_rotate;
	b->one_time_insert = ak_sqlite_one_time_insert;
	b->one_time_consume = ak_sqlite_one_time_consume;
	b->one_time_delete_user = ak_sqlite_one_time_delete_user;
	b->one_time_cleanup = ak_sqlite_one_time_cleanup;
	b->integration_put = ak_sqlite_integration_put;
	b->integration_get = ak_sqlite_integration_get;
	b->integration_list = ak_sqlite_integration_list;
	b->integration_set_status = ak_sqlite_integration_set_status;
	b->integration_touch = ak_sqlite_integration_touch;
	b->integration_delete = ak_sqlite_integration_delete;
	b->integration_scan_stale = ak_sqlite_integration_scan_stale;
	b->integration_reencrypt = ak_sqlite_integration_reencrypt;
	b->api_key_insert = ak_sqlite_api_key_insert;
	b->api_key_get = ak_sqlite_api_key_get;
	b->api_key_list = ak_sqlite_api_key_list;
	b->api_key_revoke = ak_sqlite_api_key_revoke;
	b->api_key_touch = ak_sqlite_api_key_touch;
	b->usage_insert = ak_sqlite_usage_insert;
	b->usage_summary = ak_sqlite_usage_summary;
	b->counter_add = ak_sqlite_counter_add;
	b->counter_get = ak_sqlite_counter_get;
	b->bucket_get = ak_sqlite_bucket_get;
	b->bucket_cas = ak_sqlite_bucket_cas;
	b->billing_close = ak_sqlite_billing_close;
	b->billing_list = ak_sqlite_billing_list;
	b->billing_set_status = ak_sqlite_billing_set_status;
	b->integrity_check = ak_sqlite_integrity_check;
}

static int parse_path(const char *path, const char **file_out)
{
	if (!path)
		return ak_fail(AUTHKIT_EINVALID, "path is NULL");
	if (strncmp(path, PATH_PREFIX, strlen(PATH_PREFIX)) == 0)
		path += strlen(PATH_PREFIX);
	if (!*path)
		return ak_fail(AUTHKIT_EINVALID, "path is empty");
	if (ak_has_control(path, strlen(path)))
		return ak_fail(AUTHKIT_EINVALID, "path contains a control character");
	*file_out = path;
	return AUTHKIT_OK;
}

/* WAL lets readers run beside the writer. It is a property of the file, so
 * setting it once, here, covers every later connection. */
static int enable_wal(ak_sqlite_conn *c)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	const unsigned char *mode = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	int status = AUTHKIT_OK;
	if (rc != SQLITE_ROW)
		status = ak_sqlite_status(c, rc, "enable WAL");
	else if (!mode || strcasecmp((const char *)mode, "wal") != 0)
		status = ak_fail(AUTHKIT_ESTORE, "sqlite: the file system does not support WAL mode");
	sqlite3_finalize(st);
	return status;
}

static int prepare_database(ak_sqlite_store *s)
{
	ak_sqlite_conn *c = NULL;
	int rc = ak_sqlite_acquire(s, &c);
	if (rc)
		return rc;
	if (!s->memory)
		rc = enable_wal(c);
	if (rc == AUTHKIT_OK)
		rc = ak_sqlite_migrate(c);
	ak_sqlite_release(s, c);
	return rc;
}

AUTHKIT_EXTERN(int) authkit_store_sqlite_open(authkit_store **out, const char *path, int busy_timeout_ms)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out is NULL");
	*out = NULL;
	const char *file = NULL;
	int rc = parse_path(path, &file);
	if (rc)
		return rc;
	if (busy_timeout_ms < 0)
		return ak_fail(AUTHKIT_EINVALID, "busy_timeout_ms must be >= 0");
	ak_sqlite_store *s = calloc(1, sizeof *s);
	if (!s)
		return ak_fail(AUTHKIT_ENOMEM, "sqlite store allocation failed");
	authkit_store_init(&s->base, AUTHKIT_STORE_VERSION);
	wire(&s->base);
	rc = ak_sqlite_store_setup(s, file, busy_timeout_ms ? busy_timeout_ms : AK_SQLITE_BUSY_TIMEOUT_DEFAULT);
	if (rc == AUTHKIT_OK)
		rc = prepare_database(s);
	if (rc) {
		sqlite_free(&s->base);
		return rc;
	}
	*out = &s->base;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_store_schema_latest(void)
{
	return ak_sqlite_schema_latest();
}
