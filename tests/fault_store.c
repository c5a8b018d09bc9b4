/* Fault-injecting store wrapper (see fault_store.h). */
#include "fault_store.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "core/internal.h"

struct fault_store_ctl {
	atomic_long calls;
	atomic_long fail_at;
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

FAULT_FORWARD(txn_begin, (authkit_store * store), (f->inner))
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

/* A failed commit (or rollback) must not leave the inner transaction open:
 * the caller treats the transaction as over either way. */
static int fault_txn_end(authkit_store *store, int (*finish)(authkit_store *inner), const char *slot)
{
	fault_store *f = fault_of(store);
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
