/*
 * libauthkit — usage metering, quotas, rate limits and billing.
 *
 * Money is an integer count of micro-units of one currency (1 USD =
 * 1 000 000 micros); there is no floating point anywhere. Times are
 * seconds since the Unix epoch (UTC) unless a name says _ms. See
 * docs/METERING.md for the semantics.
 *
 * Audit: "billing.closed" (detail "records=N start=S end=E") and
 * "billing.status" (detail "id=N status=paid|void"). Recording usage is
 * not audited (too many events).
 */
#ifndef AUTHKIT_USAGE_H
#define AUTHKIT_USAGE_H

#include "common.h"
#include "ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits ---- */

#define AUTHKIT_USAGE_NAME_MAX 64          /**< service, request type: 1-64 of [A-Za-z0-9_.:/-] */
#define AUTHKIT_USAGE_MODEL_MAX 128        /**< model: 0-128 of [A-Za-z0-9_.:/@+-] */
#define AUTHKIT_USAGE_IDEMPOTENCY_MAX 128  /**< printable ASCII (0x21-0x7E) */
#define AUTHKIT_USAGE_TOKENS_MAX 1000000000000LL     /**< per event, input or output: 10^12 */
#define AUTHKIT_USAGE_COST_MAX 1000000000000000LL    /**< per event: 10^15 micros (10^9 units) */
#define AUTHKIT_USAGE_BATCH_MAX 10000      /**< events per authkit_usage_record_batch call */
#define AUTHKIT_RATELIMIT_KEY_MAX 200      /**< bytes of UTF-8, no control characters */
#define AUTHKIT_RATELIMIT_CAPACITY_MAX 1000000000LL /**< tokens; also the refill-rate maximum */
#define AUTHKIT_RATELIMIT_LOCAL_KEYS 65536 /**< keys a local limiter remembers (LRU beyond) */
#define AUTHKIT_RATELIMIT_SHARED_RETRIES 64 /**< CAS attempts before AUTHKIT_EBUSY */

/** The same limits as functions, for bindings. */
AUTHKIT_EXTERN(int64_t) authkit_usage_limit(int which);
enum {
	AUTHKIT_LIMIT_USAGE_NAME = 1,
	AUTHKIT_LIMIT_USAGE_MODEL = 2,
	AUTHKIT_LIMIT_USAGE_IDEMPOTENCY = 3,
	AUTHKIT_LIMIT_USAGE_TOKENS = 4,
	AUTHKIT_LIMIT_USAGE_COST = 5,
	AUTHKIT_LIMIT_USAGE_BATCH = 6,
	AUTHKIT_LIMIT_RATELIMIT_KEY = 7,
	AUTHKIT_LIMIT_RATELIMIT_CAPACITY = 8,
	AUTHKIT_LIMIT_RATELIMIT_LOCAL_KEYS = 9,
	AUTHKIT_LIMIT_RATELIMIT_SHARED_RETRIES = 10
};

/* ---- usage events ---- */

/** A usage event under construction (opaque; one thread at a time). */
typedef struct authkit_usage_event authkit_usage_event;

/** A new, empty event: user 0, no service, zero counts, time "now". */
AUTHKIT_EXTERN(int) authkit_usage_event_new(authkit_usage_event **out);
AUTHKIT_EXTERN(void) authkit_usage_event_free(authkit_usage_event *ev);

/*
 * Setters check their argument and return AUTHKIT_EINVALID (event unchanged)
 * when it is out of range. Required before recording: user_id and service.
 */
AUTHKIT_EXTERN(int) authkit_usage_event_set_user_id(authkit_usage_event *ev, int64_t user_id); /**< >= 1 */
AUTHKIT_EXTERN(int) authkit_usage_event_set_service(authkit_usage_event *ev, const char *service);
AUTHKIT_EXTERN(int) authkit_usage_event_set_model(authkit_usage_event *ev, const char *model); /**< "" = none */
AUTHKIT_EXTERN(int) authkit_usage_event_set_request_type(authkit_usage_event *ev, const char *request_type); /**< "" = none */
AUTHKIT_EXTERN(int) authkit_usage_event_set_input_tokens(authkit_usage_event *ev, int64_t tokens);
AUTHKIT_EXTERN(int) authkit_usage_event_set_output_tokens(authkit_usage_event *ev, int64_t tokens);
AUTHKIT_EXTERN(int) authkit_usage_event_set_cost_micros(authkit_usage_event *ev, int64_t cost_micros);
/** NULL or "" = none. Keys are global: include the user or tenant in them. */
AUTHKIT_EXTERN(int) authkit_usage_event_set_idempotency_key(authkit_usage_event *ev, const char *key);
/** Seconds since the epoch (>= 1); 0 = "the context's clock when recorded" (the default). */
AUTHKIT_EXTERN(int) authkit_usage_event_set_time(authkit_usage_event *ev, int64_t time);

/**
 * Record one event. With an idempotency key already recorded, nothing is
 * written and *duplicate_out (may be NULL) is 1; otherwise 0. Both return
 * AUTHKIT_OK. The user need not exist (usage outlives users).
 */
AUTHKIT_EXTERN(int) authkit_usage_record(authkit_ctx *ctx, const authkit_usage_event *ev, int *duplicate_out);

/**
 * Record n events (1..AUTHKIT_USAGE_BATCH_MAX) in one transaction: every
 * event is checked first, then all are written or none. Duplicates (by
 * idempotency key, also within the batch) are skipped; *inserted_out (may
 * be NULL) is the number actually written.
 */
AUTHKIT_EXTERN(int) authkit_usage_record_batch(authkit_ctx *ctx, const authkit_usage_event *const *events, size_t n,
                                               size_t *inserted_out);

/* ---- summaries ---- */

enum {
	AUTHKIT_USAGE_BY_SERVICE = 1,
	AUTHKIT_USAGE_BY_MODEL = 2,
	AUTHKIT_USAGE_BY_DAY = 3,   /**< UTC day, key "YYYY-MM-DD" */
	AUTHKIT_USAGE_BY_MONTH = 4  /**< UTC month, key "YYYY-MM" */
};

typedef struct authkit_usage_summary authkit_usage_summary;

/**
 * Sums over since <= time < until (until 0 = no upper bound) for user_id
 * (0 = every user), one row per group, ordered by key.
 */
AUTHKIT_EXTERN(int) authkit_usage_summary_get(authkit_ctx *ctx, int64_t user_id, int64_t since, int64_t until,
                                              int group, authkit_usage_summary **out);
AUTHKIT_EXTERN(size_t) authkit_usage_summary_count(const authkit_usage_summary *s);
/** Borrowed; NULL past the end. */
AUTHKIT_EXTERN(const char *) authkit_usage_summary_key(const authkit_usage_summary *s, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_usage_summary_events(const authkit_usage_summary *s, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_usage_summary_input_tokens(const authkit_usage_summary *s, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_usage_summary_output_tokens(const authkit_usage_summary *s, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_usage_summary_cost_micros(const authkit_usage_summary *s, size_t i);
AUTHKIT_EXTERN(void) authkit_usage_summary_free(authkit_usage_summary *s);

/* ---- quotas ---- */

enum {
	AUTHKIT_QUOTA_TOKENS = 1,   /**< input + output tokens */
	AUTHKIT_QUOTA_COST = 2,     /**< micros */
	AUTHKIT_QUOTA_REQUESTS = 3
};
enum {
	AUTHKIT_PERIOD_DAY = 1,     /**< UTC calendar day */
	AUTHKIT_PERIOD_MONTH = 2    /**< UTC calendar month */
};

/**
 * Would amount_needed more fit in user_id's quota for the current period?
 * AUTHKIT_OK if used + amount_needed <= limit and used < limit (so
 * amount_needed 0 asks "is anything left?"); AUTHKIT_ELIMIT otherwise.
 * service NULL = the overall quota. *remaining_out = max(0, limit - used);
 * *retry_after_s_out = 0 on OK, else seconds until the period resets (>= 1).
 * Both outputs may be NULL. Nothing is charged.
 */
AUTHKIT_EXTERN(int) authkit_quota_check(authkit_ctx *ctx, int64_t user_id, const char *service, int kind, int period,
                                        int64_t limit, int64_t amount_needed, int64_t *remaining_out,
                                        int64_t *retry_after_s_out);

/**
 * Add amount (>= 0) to the current period's counter, atomically, even past
 * any limit (charge what was used). *used_out (may be NULL) = the new total.
 */
AUTHKIT_EXTERN(int) authkit_quota_charge(authkit_ctx *ctx, int64_t user_id, const char *service, int kind,
                                         int period, int64_t amount, int64_t *used_out);

/* ---- rate limits (token buckets) ---- */

/** An in-process limiter: thread-safe, bounded memory. */
typedef struct authkit_ratelimit authkit_ratelimit;

/** capacity (burst) and refill_per_second: 1..AUTHKIT_RATELIMIT_CAPACITY_MAX. */
AUTHKIT_EXTERN(int) authkit_ratelimit_new(int64_t capacity, int64_t refill_per_second, authkit_ratelimit **out);
AUTHKIT_EXTERN(void) authkit_ratelimit_free(authkit_ratelimit *rl);
/** Keys currently remembered (<= AUTHKIT_RATELIMIT_LOCAL_KEYS). */
AUTHKIT_EXTERN(size_t) authkit_ratelimit_size(const authkit_ratelimit *rl);

/**
 * Take cost (1..capacity) tokens from key's bucket. AUTHKIT_OK, or
 * AUTHKIT_ELIMIT with *retry_after_ms_out (may be NULL) = milliseconds
 * until enough tokens have refilled (0 on OK). ctx_for_clock supplies the
 * clock (NULL: the system's monotonic clock); use one clock per limiter.
 */
AUTHKIT_EXTERN(int) authkit_ratelimit_take(authkit_ratelimit *rl, authkit_ctx *ctx_for_clock, const char *key,
                                           int64_t cost, int64_t *retry_after_ms_out);

/**
 * The same through the store: holds across processes and contexts on one
 * database. Atomic (compare-and-swap, retried up to
 * AUTHKIT_RATELIMIT_SHARED_RETRIES times, then AUTHKIT_EBUSY).
 */
AUTHKIT_EXTERN(int) authkit_ratelimit_shared_take(authkit_ctx *ctx, const char *key, int64_t capacity,
                                                  int64_t refill_per_second, int64_t cost,
                                                  int64_t *retry_after_ms_out);

/* ---- billing ---- */

enum {
	AUTHKIT_BILLING_PENDING = 0,
	AUTHKIT_BILLING_PAID = 1,
	AUTHKIT_BILLING_VOID = 2
};

/**
 * Close a period: every not-yet-billed event of user_id (0 = every user)
 * with time < period_end goes into one pending billing record per user
 * (labelled period_start..period_end). Atomic: an event is billed exactly
 * once; one recorded while closing lands in this record or the next.
 * *records_out (may be NULL) = records written (0 when nothing to bill).
 */
AUTHKIT_EXTERN(int) authkit_billing_close(authkit_ctx *ctx, int64_t user_id, int64_t period_start,
                                          int64_t period_end, int64_t *records_out);

typedef struct authkit_billing_list authkit_billing_list;

/** Billing records of user_id (0 = every user), newest first. */
AUTHKIT_EXTERN(int) authkit_billing_list_get(authkit_ctx *ctx, int64_t user_id, authkit_billing_list **out);
AUTHKIT_EXTERN(size_t) authkit_billing_list_count(const authkit_billing_list *l);
AUTHKIT_EXTERN(int64_t) authkit_billing_list_id(const authkit_billing_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_billing_list_user_id(const authkit_billing_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_billing_list_period_start(const authkit_billing_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_billing_list_period_end(const authkit_billing_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_billing_list_events(const authkit_billing_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_billing_list_input_tokens(const authkit_billing_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_billing_list_output_tokens(const authkit_billing_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_billing_list_cost_micros(const authkit_billing_list *l, size_t i);
/** AUTHKIT_BILLING_*; -1 past the end. */
AUTHKIT_EXTERN(int) authkit_billing_list_status(const authkit_billing_list *l, size_t i);
AUTHKIT_EXTERN(int64_t) authkit_billing_list_created_at(const authkit_billing_list *l, size_t i);
AUTHKIT_EXTERN(void) authkit_billing_list_free(authkit_billing_list *l);

/** pending -> AUTHKIT_BILLING_PAID or AUTHKIT_BILLING_VOID; AUTHKIT_ENOTFOUND
 * if there is no such record or it is not pending. */
AUTHKIT_EXTERN(int) authkit_billing_set_status(authkit_ctx *ctx, int64_t billing_id, int status);

#ifdef __cplusplus
}
#endif
#endif
