/*
 * Conformance: The fault-injecting wrapper (tests/fault_store.c) over each backend: every slot
 * is forwarded, and a failed call changes nothing.
 */
#include "conformance/internal.h"

START_TEST(test_fault_store)
{
	backend b;
	authkit_store *inner = backend_open(&b, _i);
	fault_store_ctl *ctl = NULL;
	authkit_store *s = fault_store_wrap(inner, &ctl);
	b.store = s; /* the wrapper owns the inner store now */
	ck_assert_ptr_nonnull(ctl);
	OK(authkit_store_validate(s));
	int64_t id = add_user(s, "alice", "alice@example.com");

	fault_store_fail_at(ctl, 1);
	int64_t n = 0;
	ck_assert_int_eq(s->user_count(s, &n), AUTHKIT_ESTORE);
	OK(s->user_count(s, &n)); /* only the one call fails */
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(fault_store_calls(ctl), 2);

	fault_store_fail_at(ctl, 2);
	OK(s->login_failure(s, id, NULL));
	ck_assert_int_eq(s->login_failure(s, id, NULL), AUTHKIT_ESTORE); /* never reached the inner store */
	ck_assert_int_eq(get_id(s, id).failed_logins, 1);
	int version = 0;
	OK(s->schema_version(s, &version)); /* never failed, never counted */
	ck_assert_int_eq(version, backend_info()->schema_latest());

	/* A failed commit rolls the transaction back and leaves none open. */
	fault_store_reset(ctl);
	OK(s->txn_begin(s));
	add_user(s, "bob", "bob@example.com");
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->txn_commit(s), AUTHKIT_ESTORE);
	authkit_store_user u;
	ck_assert_int_eq(s->user_get(s, AUTHKIT_STORE_BY_USERNAME, 0, "bob", &u), AUTHKIT_ENOTFOUND);
	OK(s->txn_begin(s));
	OK(s->txn_commit(s));
	ck_assert_int_eq(count_users(s), 1);
	ck_assert_int_eq(fault_store_calls(ctl), 5);

	/* The new slots are forwarded, and fail without reaching the store. */
	fault_store_reset(ctl);
	add_session(s, "s1", id, 1, T0);
	add_refresh(s, 10, "s1", id, T0 + 1000);
	add_one_time(s, 20, AUTHKIT_STORE_PURPOSE_RESET, id, T0 + 600);
	authkit_store_refresh_result r;
	int64_t uid = 0;
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(rotate(s, 10, 11, T0 + 1, &r), AUTHKIT_ESTORE);
	OK(rotate(s, 10, 11, T0 + 1, &r)); /* the failed one changed nothing */
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(consume(s, 20, AUTHKIT_STORE_PURPOSE_RESET, T0 + 1, &uid), AUTHKIT_ESTORE);
	OK(consume(s, 20, AUTHKIT_STORE_PURPOSE_RESET, T0 + 1, &uid));
	ck_assert_int_eq(uid, id);
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->session_revoke(s, "s1", T0 + 2), AUTHKIT_ESTORE);
	ck_assert_int_eq(get_session(s, "s1").revoked_at, 0);

	/* Version 3 slots: forwarded, and a failed call changes nothing. */
	int64_t v = 0;
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->counter_add(s, "c", 5, &v), AUTHKIT_ESTORE);
	OK(s->counter_get(s, "c", &v));
	ck_assert_int_eq(v, 0);
	int dup = -1;
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(usage_insert(s, id, "openai", "m", 1, 1, 1, "k1", T0, &dup), AUTHKIT_ESTORE);
	OK(usage_insert(s, id, "openai", "m", 1, 1, 1, "k1", T0, &dup));
	ck_assert_int_eq(dup, 0); /* the failed one inserted nothing */
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->billing_close(s, 0, 0, T0 + 1, T0 + 2, NULL), AUTHKIT_ESTORE);
	expect_rows(inner, "billing", 0);
	static authkit_store_integration ir;
	make_integration(&ir, id, "openai", 1, 1, 20);
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->integration_put(s, &ir), AUTHKIT_ESTORE);
	ck_assert_int_eq(s->integration_get(s, id, "openai", &ir), AUTHKIT_ENOTFOUND);
	authkit_store_api_key k;
	make_api_key(&k, "ak_f", id, 1, T0);
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->api_key_insert(s, &k), AUTHKIT_ESTORE);
	ck_assert_int_eq(s->api_key_get(s, "ak_f", &k), AUTHKIT_ENOTFOUND);
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->bucket_cas(s, "b", 1, 0, 0, 1, 1), AUTHKIT_ESTORE);
	int64_t tokens = 0, ms = 0;
	ck_assert_int_eq(s->bucket_get(s, "b", &tokens, &ms), AUTHKIT_ENOTFOUND);
	/* Every one of them is wired through (each reaches the inner store). */
	fault_store_reset(ctl);
	OK(s->integration_put(s, &ir));
	OK(s->integration_get(s, id, "openai", &ir));
	OK(s->integration_list(s, id, collect_integration, &(integration_rows){0}));
	OK(s->integration_set_status(s, id, "openai", 0, T0));
	OK(s->integration_touch(s, id, "openai", T0));
	OK(s->integration_scan_stale(s, 2, 0, "", 10, collect_integration, &(integration_rows){0}));
	ck_assert_int_eq(s->integration_reencrypt(s, &ir, 9, ir.nonce), AUTHKIT_ENOTFOUND);
	OK(s->integration_delete(s, id, "openai"));
	OK(s->api_key_insert(s, &k));
	OK(s->api_key_get(s, "ak_f", &k));
	OK(s->api_key_list(s, id, collect_key, &(key_ids){0}));
	OK(s->api_key_touch(s, "ak_f", T0));
	OK(s->api_key_revoke(s, "ak_f", T0));
	OK(s->usage_summary(s, 0, 0, INT64_MAX, AUTHKIT_STORE_GROUP_MONTH, collect_sum, &(sums){0}));
	OK(s->counter_add(s, "c", 1, NULL));
	OK(s->bucket_cas(s, "b", 1, 0, 0, 1, 1));
	OK(s->bucket_get(s, "b", &tokens, &ms));
	OK(s->billing_close(s, 0, 0, T0 + 1, T0 + 2, NULL));
	OK(s->billing_list(s, 0, collect_bill, &(bills){0}));
	ck_assert_int_eq(s->billing_set_status(s, 999, 1), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(fault_store_calls(ctl), 20);
	backend_close(&b);
}
END_TEST

void conformance_add_faults(TCase *tc, int count)
{
	tcase_add_loop_test(tc, test_fault_store, 0, count);
}
