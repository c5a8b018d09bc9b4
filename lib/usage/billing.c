/* Billing periods: close into one record per user, list, mark paid or void. */
#include <stdio.h>
#include <stdlib.h>

#include "usage/usage_internal.h"

AUTHKIT_EXTERN(int) authkit_billing_close(authkit_ctx *ctx, int64_t user_id, int64_t period_start,
                                          int64_t period_end, int64_t *records_out)
{
	ak_clear_error();
	if (records_out)
		*records_out = 0;
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx must not be NULL");
	if (user_id < 0 || period_start < 0 || period_end <= period_start)
		return ak_fail(AUTHKIT_EINVALID, "user_id and period_start must be >= 0 and period_start < period_end");
	AK_NEED_SLOT(ctx, billing_close);
	/* The close and its audit event commit together. */
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	int64_t count = 0;
	rc = ctx->store->billing_close(ctx->store, user_id, period_start, period_end, ak_now(ctx), &count);
	if (rc == AUTHKIT_OK) {
		char detail[AUTHKIT_STORE_DETAIL_BYTES];
		snprintf(detail, sizeof detail, "records=%lld start=%lld end=%lld", (long long)count,
		         (long long)period_start, (long long)period_end);
		rc = ak_audit(ctx, user_id, "billing.closed", NULL, detail);
	}
	rc = ak_txn_end(ctx, rc);
	if (rc == AUTHKIT_OK && records_out)
		*records_out = count;
	return rc;
}

AUTHKIT_EXTERN(int) authkit_billing_set_status(authkit_ctx *ctx, int64_t billing_id, int status)
{
	ak_clear_error();
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx must not be NULL");
	if (billing_id < 1)
		return ak_fail(AUTHKIT_EINVALID, "billing_id must be >= 1");
	if (status != AUTHKIT_BILLING_PAID && status != AUTHKIT_BILLING_VOID)
		return ak_fail(AUTHKIT_EINVALID, "status must be AUTHKIT_BILLING_PAID or AUTHKIT_BILLING_VOID");
	AK_NEED_SLOT(ctx, billing_set_status);
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->billing_set_status(ctx->store, billing_id, status);
	if (rc == AUTHKIT_OK) {
		char detail[AUTHKIT_STORE_DETAIL_BYTES];
		snprintf(detail, sizeof detail, "id=%lld status=%s", (long long)billing_id,
		         status == AUTHKIT_BILLING_PAID ? "paid" : "void");
		rc = ak_audit(ctx, 0, "billing.status", NULL, detail);
	} else if (rc == AUTHKIT_ENOTFOUND) {
		rc = ak_fail(rc, "no pending billing record with that id");
	}
	return ak_txn_end(ctx, rc);
}

struct authkit_billing_list {
	size_t count, capacity;
	authkit_store_billing *items;
};

static int collect(const authkit_store_billing *row, void *userdata)
{
	authkit_billing_list *l = userdata;
	if (!ak_array_reserve(&l->items, &l->capacity, l->count, sizeof *l->items))
		return AUTHKIT_ENOMEM;
	l->items[l->count++] = *row;
	return 0;
}

AUTHKIT_EXTERN(int) authkit_billing_list_get(authkit_ctx *ctx, int64_t user_id, authkit_billing_list **out)
{
	ak_clear_error();
	if (!ctx || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and out must not be NULL");
	*out = NULL;
	if (user_id < 0)
		return ak_fail(AUTHKIT_EINVALID, "user_id must be >= 0");
	AK_NEED_SLOT(ctx, billing_list);
	authkit_billing_list *l = calloc(1, sizeof *l);
	if (!l)
		return ak_fail(AUTHKIT_ENOMEM, "billing list allocation failed");
	int rc = ctx->store->billing_list(ctx->store, user_id, collect, l);
	if (rc) {
		authkit_billing_list_free(l);
		return rc == AUTHKIT_ENOMEM ? ak_fail(rc, "billing list allocation failed") : rc;
	}
	*out = l;
	return AUTHKIT_OK;
}

static const authkit_store_billing *item(const authkit_billing_list *l, size_t i)
{
	return (l && i < l->count) ? &l->items[i] : NULL;
}

AUTHKIT_EXTERN(size_t) authkit_billing_list_count(const authkit_billing_list *l)
{
	return l ? l->count : 0;
}

#define FIELD(fn, field)                                                              \
	AUTHKIT_EXTERN(int64_t) authkit_billing_list_##fn(const authkit_billing_list *l, size_t i) \
	{                                                                             \
		const authkit_store_billing *b = item(l, i);                          \
		return b ? b->field : 0;                                              \
	}
FIELD(id, id)
FIELD(user_id, user_id)
FIELD(period_start, period_start)
FIELD(period_end, period_end)
FIELD(events, events)
FIELD(input_tokens, input_tokens)
FIELD(output_tokens, output_tokens)
FIELD(cost_micros, cost_micros)
FIELD(created_at, created_at)
#undef FIELD

AUTHKIT_EXTERN(int) authkit_billing_list_status(const authkit_billing_list *l, size_t i)
{
	const authkit_store_billing *b = item(l, i);
	return b ? b->status : -1;
}

AUTHKIT_EXTERN(void) authkit_billing_list_free(authkit_billing_list *l)
{
	if (!l)
		return;
	free(l->items);
	free(l);
}
