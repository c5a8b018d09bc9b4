/* Fault-injecting store wrapper (see fault_store.h). */
#include "fault_store.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "core/internal.h"

struct fault_store_ctl {
	atomic_long calls;
	atomic_long fail_at;
	fault_store_txn_fn on_txn; /* optional transaction watcher */
	void *on_txn_userdata;
};

typedef struct fault_store {
	authkit_store base; /* first member */
	authkit_store *inner;
	fault_store_ctl ctl;
} fault_store;

static fault_store *fault_of(authkit_store *store)
{
	return (fault_store *)store;
}

/* Count this call; true if it is the one to fail. */
static int fault_trips(fault_store *f)
{
	long n = atomic_fetch_add(&f->ctl.calls, 1) + 1;
	long at = atomic_load(&f->ctl.fail_at);
	return at > 0 && n == at;
}

static int injected(const char *slot)
{
	return ak_fail(AUTHKIT_ESTORE, "fault_store: injected failure in %s", slot);
}

/* A slot that either fails or forwards its arguments to the inner store. */
#define FAULT_FORWARD(slot, params, args)                                                                     \
	static int fault_##slot params                                                                        \
	{                                                                                                     \
		fault_store *f = fault_of(store);                                                             \
		if (fault_trips(f))                                                                           \
			return injected(#slot);                                                               \
		return f->inner->slot args;                                                                   \
	}

static void notify_txn(fault_store *f, int event)
{
	if (f->ctl.on_txn)
		f->ctl.on_txn(event, f->ctl.on_txn_userdata);
}

static int fault_txn_begin(authkit_store *store)
{
	fault_store *f = fault_of(store);
	if (fault_trips(f))
		return injected("txn_begin");
	int rc = f->inner->txn_begin(f->inner);
	if (rc == AUTHKIT_OK)
		notify_txn(f, FAULT_TXN_BEGIN);
	return rc;
}

FAULT_FORWARD(user_insert, (authkit_store * store, authkit_store_user *user), (f->inner, user))
FAULT_FORWARD(user_get,
              (authkit_store * store, authkit_store_user_key by, int64_t id, const char *key, authkit_store_user *out),
              (f->inner, by, id, key, out))
FAULT_FORWARD(user_update, (authkit_store * store, const authkit_store_user *user, unsigned int fields),
              (f->inner, user, fields))
FAULT_FORWARD(user_set_password_hash,
              (authkit_store * store, int64_t id, const char *hash, const char *expected, int64_t now),
              (f->inner, id, hash, expected, now))
FAULT_FORWARD(user_delete, (authkit_store * store, int64_t id), (f->inner, id))
FAULT_FORWARD(user_list,
              (authkit_store * store, int64_t after_id, unsigned int limit, authkit_store_user_cb cb, void *ud),
              (f->inner, after_id, limit, cb, ud))
FAULT_FORWARD(user_count, (authkit_store * store, int64_t *count_out), (f->inner, count_out))
FAULT_FORWARD(user_role_add, (authkit_store * store, int64_t id, const char *role, int64_t now),
              (f->inner, id, role, now))
FAULT_FORWARD(user_role_remove, (authkit_store * store, int64_t id, const char *role, int64_t now),
              (f->inner, id, role, now))
FAULT_FORWARD(login_failure, (authkit_store * store, int64_t id, int *failures_out), (f->inner, id, failures_out))
FAULT_FORWARD(login_lock, (authkit_store * store, int64_t id, int64_t until), (f->inner, id, until))
FAULT_FORWARD(login_success, (authkit_store * store, int64_t id, int64_t now), (f->inner, id, now))
FAULT_FORWARD(audit_append, (authkit_store * store, const authkit_store_audit *event), (f->inner, event))
FAULT_FORWARD(audit_query,
              (authkit_store * store, int64_t user_id, int64_t since, int64_t until, unsigned int limit,
               authkit_store_audit_cb cb, void *ud),
              (f->inner, user_id, since, until, limit, cb, ud))

FAULT_FORWARD(session_insert, (authkit_store * store, const authkit_store_session *session), (f->inner, session))
FAULT_FORWARD(session_get, (authkit_store * store, const char *id, authkit_store_session *out), (f->inner, id, out))
FAULT_FORWARD(session_get_by_hash,
              (authkit_store * store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
               authkit_store_session *out),
              (f->inner, token_hash, out))
FAULT_FORWARD(session_touch, (authkit_store * store, const char *id, int64_t last_seen_at, int64_t idle_expires_at),
              (f->inner, id, last_seen_at, idle_expires_at))
FAULT_FORWARD(session_revoke, (authkit_store * store, const char *id, int64_t now), (f->inner, id, now))
FAULT_FORWARD(session_revoke_user,
              (authkit_store * store, int64_t user_id, const char *except_id, int64_t now, int64_t *count_out),
              (f->inner, user_id, except_id, now, count_out))
FAULT_FORWARD(session_list, (authkit_store * store, int64_t user_id, authkit_store_session_cb cb, void *ud),
              (f->inner, user_id, cb, ud))
FAULT_FORWARD(session_cleanup, (authkit_store * store, int64_t now, int64_t *count_out), (f->inner, now, count_out))
FAULT_FORWARD(refresh_insert,
              (authkit_store * store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN], const char *session_id,
               int64_t user_id, int64_t expires_at, int64_t now),
              (f->inner, token_hash, session_id, user_id, expires_at, now))
FAULT_FORWARD(refresh_rotate,
              (authkit_store * store, const unsigned char old_hash[AUTHKIT_STORE_HASH_LEN],
               const unsigned char new_hash[AUTHKIT_STORE_HASH_LEN], int64_t new_expires_at, int64_t now,
               authkit_store_refresh_result *out),
              (f->inner, old_hash, new_hash, new_expires_at, now, out))
FAULT_FORWARD(one_time_insert,
              (authkit_store * store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN], int purpose,
               int64_t user_id, int64_t expires_at, int64_t now),
              (f->inner, token_hash, purpose, user_id, expires_at, now))
FAULT_FORWARD(one_time_consume,
              (authkit_store * store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN], int purpose, int64_t now,
               int64_t *user_id_out),
              (f->inner, token_hash, purpose, now, user_id_out))
FAULT_FORWARD(one_time_delete_user, (authkit_store * store, int64_t user_id, int purpose),
              (f->inner, user_id, purpose))
FAULT_FORWARD(one_time_cleanup, (authkit_store * store, int64_t now, int64_t *count_out), (f->inner, now, count_out))

/* version 3 */
FAULT_FORWARD(integration_put, (authkit_store * store, const authkit_store_integration *row), (f->inner, row))
FAULT_FORWARD(integration_get,
              (authkit_store * store, int64_t user_id, const char *service, authkit_store_integration *out),
              (f->inner, user_id, service, out))
FAULT_FORWARD(integration_list, (authkit_store * store, int64_t user_id, authkit_store_integration_cb cb, void *ud),
              (f->inner, user_id, cb, ud))
FAULT_FORWARD(integration_set_status,
              (authkit_store * store, int64_t user_id, const char *service, int is_active, int64_t now),
              (f->inner, user_id, service, is_active, now))
FAULT_FORWARD(integration_touch, (authkit_store * store, int64_t user_id, const char *service, int64_t now),
              (f->inner, user_id, service, now))
FAULT_FORWARD(integration_delete, (authkit_store * store, int64_t user_id, const char *service),
              (f->inner, user_id, service))
FAULT_FORWARD(integration_scan_stale,
              (authkit_store * store, int current_version, int64_t after_user, const char *after_service,
               unsigned int limit, authkit_store_integration_cb cb, void *ud),
              (f->inner, current_version, after_user, after_service, limit, cb, ud))
FAULT_FORWARD(integration_reencrypt,
              (authkit_store * store, const authkit_store_integration *row, int expected_version,
               const unsigned char expected_nonce[AUTHKIT_STORE_NONCE_LEN]),
              (f->inner, row, expected_version, expected_nonce))
FAULT_FORWARD(api_key_insert, (authkit_store * store, const authkit_store_api_key *row), (f->inner, row))
FAULT_FORWARD(api_key_get, (authkit_store * store, const char *public_id, authkit_store_api_key *out),
              (f->inner, public_id, out))
FAULT_FORWARD(api_key_list, (authkit_store * store, int64_t user_id, authkit_store_api_key_cb cb, void *ud),
              (f->inner, user_id, cb, ud))
FAULT_FORWARD(api_key_revoke, (authkit_store * store, const char *public_id, int64_t now), (f->inner, public_id, now))
FAULT_FORWARD(api_key_touch, (authkit_store * store, const char *public_id, int64_t now), (f->inner, public_id, now))
FAULT_FORWARD(usage_insert, (authkit_store * store, authkit_store_usage *row, int *duplicate_out),
              (f->inner, row, duplicate_out))
FAULT_FORWARD(usage_summary,
              (authkit_store * store, int64_t user_id, int64_t since, int64_t until, int group,
               authkit_store_usage_sum_cb cb, void *ud),
              (f->inner, user_id, since, until, group, cb, ud))
FAULT_FORWARD(counter_add, (authkit_store * store, const char *key, int64_t amount, int64_t *value_out),
              (f->inner, key, amount, value_out))
FAULT_FORWARD(counter_get, (authkit_store * store, const char *key, int64_t *value_out), (f->inner, key, value_out))
FAULT_FORWARD(bucket_get, (authkit_store * store, const char *key, int64_t *tokens_out, int64_t *updated_ms_out),
              (f->inner, key, tokens_out, updated_ms_out))
FAULT_FORWARD(bucket_cas,
              (authkit_store * store, const char *key, int expect_absent, int64_t expected_tokens,
               int64_t expected_updated_ms, int64_t tokens, int64_t updated_ms),
              (f->inner, key, expect_absent, expected_tokens, expected_updated_ms, tokens, updated_ms))
FAULT_FORWARD(billing_close,
              (authkit_store * store, int64_t user_id, int64_t period_start, int64_t period_end, int64_t now,
               int64_t *count_out),
              (f->inner, user_id, period_start, period_end, now, count_out))
FAULT_FORWARD(billing_list, (authkit_store * store, int64_t user_id, authkit_store_billing_cb cb, void *ud),
              (f->inner, user_id, cb, ud))
FAULT_FORWARD(billing_set_status, (authkit_store * store, int64_t billing_id, int status),
              (f->inner, billing_id, status))

/* A failed commit (or rollback) must not leave the inner transaction open:
 * the caller treats the transaction as over either way. */
static int fault_txn_end(authkit_store *store, int (*finish)(authkit_store *inner), const char *slot)
{
	fault_store *f = fault_of(store);
	notify_txn(f, FAULT_TXN_END);
	if (!fault_trips(f))
		return finish(f->inner);
	f->inner->txn_rollback(f->inner);
	return injected(slot);
}

static int fault_txn_commit(authkit_store *store)
{
	return fault_txn_end(store, fault_of(store)->inner->txn_commit, "txn_commit");
}

static int fault_txn_rollback(authkit_store *store)
{
	return fault_txn_end(store, fault_of(store)->inner->txn_rollback, "txn_rollback");
}

static int fault_schema_version(authkit_store *store, int *version_out)
{
	authkit_store *inner = fault_of(store)->inner;
	return inner->schema_version(inner, version_out);
}

static void fault_free(authkit_store *store)
{
	fault_store *f = fault_of(store);
	authkit_store_free(f->inner);
	free(f);
}

authkit_store *fault_store_wrap(authkit_store *inner, fault_store_ctl **ctl_out)
{
	fault_store *f = calloc(1, sizeof *f);
	if (!f) {
		authkit_store_free(inner);
		return NULL;
	}
	authkit_store_init(&f->base, AUTHKIT_STORE_VERSION);
	f->inner = inner;
	authkit_store *b = &f->base;
	b->name = "fault";
	b->free = fault_free;
	b->schema_version = fault_schema_version;
	b->txn_begin = fault_txn_begin;
	b->txn_commit = fault_txn_commit;
	b->txn_rollback = fault_txn_rollback;
	b->user_insert = fault_user_insert;
	b->user_get = fault_user_get;
	b->user_update = fault_user_update;
	b->user_set_password_hash = fault_user_set_password_hash;
	b->user_delete = fault_user_delete;
	b->user_list = fault_user_list;
	b->user_count = fault_user_count;
	b->user_role_add = fault_user_role_add;
	b->user_role_remove = fault_user_role_remove;
	b->login_failure = fault_login_failure;
	b->login_lock = fault_login_lock;
	b->login_success = fault_login_success;
	b->audit_append = fault_audit_append;
	b->audit_query = fault_audit_query;
	b->session_insert = fault_session_insert;
	b->session_get = fault_session_get;
	b->session_get_by_hash = fault_session_get_by_hash;
	b->session_touch = fault_session_touch;
	b->session_revoke = fault_session_revoke;
	b->session_revoke_user = fault_session_revoke_user;
	b->session_list = fault_session_list;
	b->session_cleanup = fault_session_cleanup;
	b->refresh_insert = fault_refresh_insert;
	b->refresh_rotate = fault_refresh_rotate;
	b->one_time_insert = fault_one_time_insert;
	b->one_time_consume = fault_one_time_consume;
	b->one_time_delete_user = fault_one_time_delete_user;
	b->one_time_cleanup = fault_one_time_cleanup;
	b->integration_put = fault_integration_put;
	b->integration_get = fault_integration_get;
	b->integration_list = fault_integration_list;
	b->integration_set_status = fault_integration_set_status;
	b->integration_touch = fault_integration_touch;
	b->integration_delete = fault_integration_delete;
	b->integration_scan_stale = fault_integration_scan_stale;
	b->integration_reencrypt = fault_integration_reencrypt;
	b->api_key_insert = fault_api_key_insert;
	b->api_key_get = fault_api_key_get;
	b->api_key_list = fault_api_key_list;
	b->api_key_revoke = fault_api_key_revoke;
	b->api_key_touch = fault_api_key_touch;
	b->usage_insert = fault_usage_insert;
	b->usage_summary = fault_usage_summary;
	b->counter_add = fault_counter_add;
	b->counter_get = fault_counter_get;
	b->bucket_get = fault_bucket_get;
	b->bucket_cas = fault_bucket_cas;
	b->billing_close = fault_billing_close;
	b->billing_list = fault_billing_list;
	b->billing_set_status = fault_billing_set_status;
	atomic_init(&f->ctl.calls, 0);
	atomic_init(&f->ctl.fail_at, 0);
	if (ctl_out)
		*ctl_out = &f->ctl;
	return b;
}

void fault_store_fail_at(fault_store_ctl *ctl, long n)
{
	/* Disarm before zeroing the count so a concurrent call can't trip on a
	 * half-updated state. */
	atomic_store(&ctl->fail_at, 0);
	atomic_store(&ctl->calls, 0);
	atomic_store(&ctl->fail_at, n > 0 ? n : 0);
}

long fault_store_calls(const fault_store_ctl *ctl)
{
	return atomic_load(&ctl->calls);
}

void fault_store_reset(fault_store_ctl *ctl)
{
	fault_store_fail_at(ctl, 0);
}

void fault_store_on_txn(fault_store_ctl *ctl, fault_store_txn_fn fn, void *userdata)
{
	ctl->on_txn = fn;
	ctl->on_txn_userdata = userdata;
}
