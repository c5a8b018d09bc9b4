/* Shared by lib/usage/: the event struct, name checks, UTC calendar math. */
#ifndef AUTHKIT_USAGE_INTERNAL_H
#define AUTHKIT_USAGE_INTERNAL_H

#include "core/internal.h"

struct authkit_usage_event {
	int64_t user_id;
	char service[AUTHKIT_STORE_NAME_BYTES];
	char model[AUTHKIT_STORE_MODEL_BYTES];
	char request_type[AUTHKIT_STORE_NAME_BYTES];
	int64_t input_tokens;
	int64_t output_tokens;
	int64_t cost_micros;
	char idempotency_key[AUTHKIT_STORE_IDEMPOTENCY_BYTES];
	int64_t time; /* 0: now */
};

/* 1..AUTHKIT_USAGE_NAME_MAX of [A-Za-z0-9_.:/-]; what names the argument in the message. */
int ak_usage_check_name(const char *s, const char *what);

/* A v3 slot the core needs: AUTHKIT_ESTORE when the backend lacks it. */
#define AK_NEED_SLOT(ctx, slot)                                                                   \
	do {                                                                                      \
		if (!(ctx)->store->slot)                                                          \
			return ak_fail(AUTHKIT_ESTORE, "store backend has no " #slot " slot");    \
	} while (0)

/* Days since 1970-01-01 <-> civil date (proleptic Gregorian, UTC). */
int64_t ak_days_from_civil(int64_t y, unsigned m, unsigned d);
void ak_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* Floor division for times before the epoch too. */
int64_t ak_floor_div(int64_t a, int64_t b);

/* Token buckets in micro-tokens (1 token = 10^6), times in ms, no floats.
 * Refill (tokens_u, updated_ms) to now_ms, then take cost: AUTHKIT_OK with
 * the new state, or AUTHKIT_ELIMIT with the refilled state and *retry_ms.
 * A clock that went backwards refills nothing and keeps updated_ms. */
#define AK_MICRO 1000000LL
int ak_bucket_take(int64_t capacity, int64_t refill_per_second, int64_t cost, int64_t *tokens_u,
                   int64_t *updated_ms, int64_t now_ms, int64_t *retry_ms);
/* capacity, refill and cost in range; key 1..AUTHKIT_RATELIMIT_KEY_MAX bytes of UTF-8 without controls. */
int ak_bucket_check_args(int64_t capacity, int64_t refill_per_second);
int ak_bucket_check_take(int64_t capacity, const char *key, int64_t cost);

#endif
