/*
 * Token buckets kept in the store: shared by every context and process on
 * one database. The core does the arithmetic; the store only reads a state
 * and compare-and-swaps a new one. A lost race re-reads and recomputes.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "usage/usage_internal.h"

AUTHKIT_EXTERN(int) authkit_ratelimit_shared_take(authkit_ctx *ctx, const char *key, int64_t capacity,
                                                  int64_t refill_per_second, int64_t cost,
                                                  int64_t *retry_after_ms_out)
{
	ak_clear_error();
	if (retry_after_ms_out)
		*retry_after_ms_out = 0;
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx must not be NULL");
	int rc = ak_bucket_check_args(capacity, refill_per_second);
	if (rc)
		return rc;
	rc = ak_bucket_check_take(capacity, key, cost);
	if (rc)
		return rc;
	AK_NEED_SLOT(ctx, bucket_get);
	AK_NEED_SLOT(ctx, bucket_cas);
	char skey[AUTHKIT_STORE_COUNTER_KEY_BYTES];
	snprintf(skey, sizeof skey, "rl:%s", key);
	authkit_store *st = ctx->store;
	for (int attempt = 0; attempt < AUTHKIT_RATELIMIT_SHARED_RETRIES; attempt++) {
		if (attempt)
			sched_yield();
		int64_t now = ak_now_ms(ctx);
		int64_t old_tokens = 0, old_updated = 0;
		rc = st->bucket_get(st, skey, &old_tokens, &old_updated);
		int absent = rc == AUTHKIT_ENOTFOUND;
		if (rc && !absent)
			return rc;
		int64_t tokens = absent ? capacity * AK_MICRO : old_tokens;
		int64_t updated = absent ? now : old_updated;
		int64_t retry = 0;
		rc = ak_bucket_take(capacity, refill_per_second, cost, &tokens, &updated, now, &retry);
		if (rc == AUTHKIT_ELIMIT) {
			/* Nothing to write: a refused take changes no state. */
			if (retry_after_ms_out)
				*retry_after_ms_out = retry;
			return ak_fail(AUTHKIT_ELIMIT, "rate limit reached");
		}
		rc = st->bucket_cas(st, skey, absent, old_tokens, old_updated, tokens, updated);
		if (rc == AUTHKIT_OK)
			return AUTHKIT_OK;
		if (rc != AUTHKIT_ENOTFOUND)
			return rc;
	}
	return ak_fail(AUTHKIT_EBUSY, "rate limit state kept changing: gave up after %d attempts",
	               AUTHKIT_RATELIMIT_SHARED_RETRIES);
}
