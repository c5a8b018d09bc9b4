/* Per-user quotas per UTC day or month, on the store's atomic counters. */
#include <stdio.h>
#include <string.h>

#include "usage/usage_internal.h"

#define DAY_S 86400

static const char *kind_name(int kind)
{
	switch (kind) {
	case AUTHKIT_QUOTA_TOKENS: return "tokens";
	case AUTHKIT_QUOTA_COST: return "cost";
	case AUTHKIT_QUOTA_REQUESTS: return "requests";
	default: return NULL;
	}
}

/* The counter key of the period containing now, and when that period ends. */
static int quota_key(authkit_ctx *ctx, int64_t user_id, const char *service, int kind, int period,
                     char key[AUTHKIT_STORE_COUNTER_KEY_BYTES], int64_t *period_end_out)
{
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx must not be NULL");
	if (user_id < 1)
		return ak_fail(AUTHKIT_EINVALID, "user_id must be >= 1");
	if (service) {
		int rc = ak_usage_check_name(service, "service");
		if (rc)
			return rc;
	}
	const char *kn = kind_name(kind);
	if (!kn)
		return ak_fail(AUTHKIT_EINVALID, "kind must be one of AUTHKIT_QUOTA_*");
	if (period != AUTHKIT_PERIOD_DAY && period != AUTHKIT_PERIOD_MONTH)
		return ak_fail(AUTHKIT_EINVALID, "period must be AUTHKIT_PERIOD_DAY or AUTHKIT_PERIOD_MONTH");
	int64_t now = ak_now(ctx);
	int64_t days = ak_floor_div(now, DAY_S);
	int64_t y;
	unsigned m, d;
	ak_civil_from_days(days, &y, &m, &d);
	char start[32];
	if (period == AUTHKIT_PERIOD_DAY) {
		snprintf(start, sizeof start, "%04lld-%02u-%02u", (long long)y, m, d);
		*period_end_out = (days + 1) * DAY_S;
	} else {
		snprintf(start, sizeof start, "%04lld-%02u", (long long)y, m);
		*period_end_out = ak_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * DAY_S;
	}
	snprintf(key, AUTHKIT_STORE_COUNTER_KEY_BYTES, "q:%s:%s:%lld:%s", kn, start, (long long)user_id,
	         service ? service : "*");
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_quota_check(authkit_ctx *ctx, int64_t user_id, const char *service, int kind, int period,
                                        int64_t limit, int64_t amount_needed, int64_t *remaining_out,
                                        int64_t *retry_after_s_out)
{
	ak_clear_error();
	if (remaining_out)
		*remaining_out = 0;
	if (retry_after_s_out)
		*retry_after_s_out = 0;
	char key[AUTHKIT_STORE_COUNTER_KEY_BYTES];
	int64_t end = 0;
	int rc = quota_key(ctx, user_id, service, kind, period, key, &end);
	if (rc)
		return rc;
	if (limit < 0 || amount_needed < 0)
		return ak_fail(AUTHKIT_EINVALID, "limit and amount_needed must be >= 0");
	AK_NEED_SLOT(ctx, counter_get);
	int64_t used = 0;
	rc = ctx->store->counter_get(ctx->store, key, &used);
	if (rc)
		return rc;
	int64_t remaining = used >= limit ? 0 : limit - used;
	if (remaining_out)
		*remaining_out = remaining;
	if (remaining > 0 && amount_needed <= remaining)
		return AUTHKIT_OK;
	int64_t wait = end - ak_now(ctx);
	if (retry_after_s_out)
		*retry_after_s_out = wait < 1 ? 1 : wait;
	return ak_fail(AUTHKIT_ELIMIT, "quota reached for this period");
}

AUTHKIT_EXTERN(int) authkit_quota_charge(authkit_ctx *ctx, int64_t user_id, const char *service, int kind,
                                         int period, int64_t amount, int64_t *used_out)
{
	ak_clear_error();
	if (used_out)
		*used_out = 0;
	char key[AUTHKIT_STORE_COUNTER_KEY_BYTES];
	int64_t end = 0;
	int rc = quota_key(ctx, user_id, service, kind, period, key, &end);
	if (rc)
		return rc;
	/* 2 * 10^12 tokens or 10^15 micros per charge: a counter needs thousands
	 * of maximal charges in one period to approach INT64_MAX. */
	int64_t max = kind == AUTHKIT_QUOTA_COST ? AUTHKIT_USAGE_COST_MAX : 2 * AUTHKIT_USAGE_TOKENS_MAX;
	if (amount < 0 || amount > max)
		return ak_fail(AUTHKIT_EINVALID, "amount must be between 0 and %lld", (long long)max);
	AK_NEED_SLOT(ctx, counter_add);
	int64_t used = 0;
	rc = ctx->store->counter_add(ctx->store, key, amount, &used);
	if (rc)
		return rc;
	if (used_out)
		*used_out = used;
	return AUTHKIT_OK;
}
