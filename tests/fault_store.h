/*
 * Test-only fault injection: a store that forwards every slot to an inner
 * store, except the N-th call from now on, which fails with AUTHKIT_ESTORE
 * without reaching the inner store. Tests walk N over 1, 2, 3, ... to prove
 * that an operation failing at any step changes nothing.
 */
#ifndef AUTHKIT_TEST_FAULT_STORE_H
#define AUTHKIT_TEST_FAULT_STORE_H

#include "authkit/sys/store.h"

typedef struct fault_store_ctl fault_store_ctl;

/* Wrap inner (ownership passes to the wrapper, which frees it). *ctl_out
 * stays valid until the wrapper is freed. NULL if out of memory (inner is
 * freed then too). */
authkit_store *fault_store_wrap(authkit_store *inner, fault_store_ctl **ctl_out);

/* The n-th slot call from now on (counting from 1) fails; 0 disables. A
 * failing txn_commit or txn_rollback still rolls the inner transaction back,
 * since that is what a failed commit leaves behind. schema_version and free
 * are never failed nor counted. */
void fault_store_fail_at(fault_store_ctl *ctl, long n);
/* Slot calls since the last fail_at or reset. */
long fault_store_calls(const fault_store_ctl *ctl);
/* No failure, count from zero. */
void fault_store_reset(fault_store_ctl *ctl);

/* Transaction watcher: called with FAULT_TXN_BEGIN after a transaction
 * starts and FAULT_TXN_END before it commits or rolls back. */
enum { FAULT_TXN_BEGIN = 0, FAULT_TXN_END = 1 };
typedef void (*fault_store_txn_fn)(int event, void *userdata);
void fault_store_on_txn(fault_store_ctl *ctl, fault_store_txn_fn fn, void *userdata);

#endif
