/* The store vtable's public helpers: init, validate, free. */
#include <stddef.h>
#include <string.h>

#include "core/internal.h"

/* Every slot, by offset, so validation names the missing one. */
typedef struct slot {
	size_t offset;
	const char *name;
} slot;

#define SLOT(n) {offsetof(authkit_store, n), #n}
static const slot required[] = {
	SLOT(free), SLOT(schema_version), SLOT(txn_begin), SLOT(txn_commit), SLOT(txn_rollback),
	SLOT(user_insert), SLOT(user_get), SLOT(user_update), SLOT(user_set_password_hash),
	SLOT(user_delete), SLOT(user_list), SLOT(user_count), SLOT(user_role_add), SLOT(user_role_remove),
	SLOT(login_failure), SLOT(login_lock), SLOT(login_success), SLOT(audit_append), SLOT(audit_query),
	SLOT(session_insert), SLOT(session_get), SLOT(session_get_by_hash), SLOT(session_touch),
	SLOT(session_revoke), SLOT(session_revoke_user), SLOT(session_list), SLOT(session_cleanup),
	SLOT(refresh_insert), SLOT(refresh_rotate), SLOT(one_time_insert), SLOT(one_time_consume),
	SLOT(one_time_delete_user), SLOT(one_time_cleanup),
	/* version 3 */
	SLOT(integration_put), SLOT(integration_get), SLOT(integration_list), SLOT(integration_set_status),
	SLOT(integration_touch), SLOT(integration_delete), SLOT(integration_scan_stale),
	SLOT(integration_reencrypt), SLOT(api_key_insert), SLOT(api_key_get), SLOT(api_key_list),
	SLOT(api_key_revoke), SLOT(api_key_touch), SLOT(usage_insert), SLOT(usage_summary), SLOT(counter_add),
	SLOT(counter_get), SLOT(bucket_get), SLOT(bucket_cas), SLOT(billing_close), SLOT(billing_list),
	SLOT(billing_set_status),
};
#undef SLOT

static bool slot_set(const authkit_store *store, size_t offset)
{
	/* Every slot is a function pointer; all have the same representation. */
	void (*fn)(void) = NULL;
	memcpy(&fn, (const char *)store + offset, sizeof fn);
	return fn != NULL;
}

int ak_store_validate(const authkit_store *store)
{
	if (!store)
		return ak_fail(AUTHKIT_EINVALID, "store is NULL");
	if (store->version != AUTHKIT_STORE_VERSION)
		return ak_fail(AUTHKIT_EVERSION, "store version %u is not supported (expected %d)", store->version,
		               AUTHKIT_STORE_VERSION);
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!slot_set(store, required[i].offset))
			return ak_fail(AUTHKIT_EINVALID, "store slot %s is not set", required[i].name);
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_store_validate(const authkit_store *store)
{
	ak_clear_error();
	return ak_store_validate(store);
}

AUTHKIT_EXTERN(int) authkit_store_init(authkit_store *store, unsigned int version)
{
	ak_clear_error();
	if (!store)
		return ak_fail(AUTHKIT_EINVALID, "store is NULL");
	/* A different version may mean a different struct size: don't touch it. */
	if (version != AUTHKIT_STORE_VERSION)
		return ak_fail(AUTHKIT_EVERSION, "store version %u is not supported (expected %d)", version,
		               AUTHKIT_STORE_VERSION);
	memset(store, 0, sizeof *store);
	store->version = version;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(void) authkit_store_free(authkit_store *store)
{
	if (store && store->free)
		store->free(store);
}
