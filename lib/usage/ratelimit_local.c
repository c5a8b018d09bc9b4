/*
 * In-process token buckets. Keys hash (SipHash, random key per limiter) to
 * one of AK_STRIPES stripes, each with its own mutex, chained hash table and
 * LRU list. Each stripe remembers at most AUTHKIT_RATELIMIT_LOCAL_KEYS /
 * AK_STRIPES keys; a new key in a full stripe evicts that stripe's least
 * recently used key (which then starts again from a full bucket).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usage/usage_internal.h"

#define AK_STRIPES 64
#define AK_STRIPE_KEYS (AUTHKIT_RATELIMIT_LOCAL_KEYS / AK_STRIPES)
#define AK_STRIPE_SLOTS AK_STRIPE_KEYS /* chain heads per stripe, power of two */

int ak_bucket_check_args(int64_t capacity, int64_t refill_per_second)
{
	if (capacity < 1 || capacity > AUTHKIT_RATELIMIT_CAPACITY_MAX || refill_per_second < 1 ||
	    refill_per_second > AUTHKIT_RATELIMIT_CAPACITY_MAX)
		return ak_fail(AUTHKIT_EINVALID, "capacity and refill_per_second must be between 1 and %lld",
		               (long long)AUTHKIT_RATELIMIT_CAPACITY_MAX);
	return AUTHKIT_OK;
}

int ak_bucket_check_take(int64_t capacity, const char *key, int64_t cost)
{
	if (!key)
		return ak_fail(AUTHKIT_EINVALID, "key must not be NULL");
	size_t n = strnlen(key, AUTHKIT_RATELIMIT_KEY_MAX + 1);
	if (n < 1 || n > AUTHKIT_RATELIMIT_KEY_MAX)
		return ak_fail(AUTHKIT_EINVALID, "key must be 1-%d bytes", AUTHKIT_RATELIMIT_KEY_MAX);
	if (!ak_utf8_valid(key, n, NULL) || ak_has_control(key, n))
		return ak_fail(AUTHKIT_EINVALID, "key must be UTF-8 without control characters");
	if (cost < 1 || cost > capacity)
		return ak_fail(AUTHKIT_EINVALID, "cost must be between 1 and the capacity");
	return AUTHKIT_OK;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
	return (a + b - 1) / b; /* a >= 0, b > 0, no overflow in our ranges */
}

int ak_bucket_take(int64_t capacity, int64_t refill_per_second, int64_t cost, int64_t *tokens_u,
                   int64_t *updated_ms, int64_t now_ms, int64_t *retry_ms)
{
	int64_t cap_u = capacity * AK_MICRO;          /* <= 10^15 */
	int64_t per_ms = refill_per_second * 1000;     /* micro-tokens per ms, <= 10^12 */
	int64_t t = *tokens_u;
	if (t > cap_u)
		t = cap_u;
	if (t < 0)
		t = 0;
	if (now_ms > *updated_ms) {
		int64_t elapsed = now_ms - *updated_ms;
		int64_t deficit = cap_u - t;
		if (elapsed >= ceil_div(deficit, per_ms))
			t = cap_u;
		else
			t += elapsed * per_ms; /* elapsed * per_ms < deficit + per_ms */
		*updated_ms = now_ms;
	}
	*tokens_u = t;
	int64_t cost_u = cost * AK_MICRO;
	if (t >= cost_u) {
		*tokens_u = t - cost_u;
		*retry_ms = 0;
		return AUTHKIT_OK;
	}
	*retry_ms = ceil_div(cost_u - t, per_ms);
	return AUTHKIT_ELIMIT;
}

typedef struct entry {
	struct entry *next;              /* hash chain */
	struct entry *lru_prev, *lru_next; /* prev = more recent */
	uint64_t hash;
	int64_t tokens_u, updated_ms;
	char key[];
} entry;

typedef struct stripe {
	pthread_mutex_t lock;
	entry *heads[AK_STRIPE_SLOTS];
	entry *lru_head, *lru_tail; /* head: most recent */
	size_t count;
} stripe;

struct authkit_ratelimit {
	int64_t capacity, refill_per_second;
	unsigned char hash_key[crypto_shorthash_KEYBYTES];
	stripe stripes[AK_STRIPES];
};

AUTHKIT_EXTERN(int) authkit_ratelimit_new(int64_t capacity, int64_t refill_per_second, authkit_ratelimit **out)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out must not be NULL");
	*out = NULL;
	int rc = ak_bucket_check_args(capacity, refill_per_second);
	if (rc)
		return rc;
	if (sodium_init() < 0)
		return ak_fail(AUTHKIT_ECRYPTO, "libsodium initialisation failed");
	authkit_ratelimit *rl = calloc(1, sizeof *rl);
	if (!rl)
		return ak_fail(AUTHKIT_ENOMEM, "rate limiter allocation failed");
	rl->capacity = capacity;
	rl->refill_per_second = refill_per_second;
	randombytes_buf(rl->hash_key, sizeof rl->hash_key);
	for (int i = 0; i < AK_STRIPES; i++)
		pthread_mutex_init(&rl->stripes[i].lock, NULL);
	*out = rl;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(void) authkit_ratelimit_free(authkit_ratelimit *rl)
{
	if (!rl)
		return;
	for (int i = 0; i < AK_STRIPES; i++) {
		stripe *s = &rl->stripes[i];
		for (entry *e = s->lru_head, *next; e; e = next) {
			next = e->lru_next;
			free(e);
		}
		pthread_mutex_destroy(&s->lock);
	}
	free(rl);
}

AUTHKIT_EXTERN(size_t) authkit_ratelimit_size(const authkit_ratelimit *rl)
{
	if (!rl)
		return 0;
	size_t n = 0;
	for (int i = 0; i < AK_STRIPES; i++) {
		stripe *s = (stripe *)&rl->stripes[i];
		pthread_mutex_lock(&s->lock);
		n += s->count;
		pthread_mutex_unlock(&s->lock);
	}
	return n;
}

static void lru_unlink(stripe *s, entry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		s->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		s->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(stripe *s, entry *e)
{
	e->lru_prev = NULL;
	e->lru_next = s->lru_head;
	if (s->lru_head)
		s->lru_head->lru_prev = e;
	s->lru_head = e;
	if (!s->lru_tail)
		s->lru_tail = e;
}

static void evict_oldest(stripe *s)
{
	entry *victim = s->lru_tail;
	lru_unlink(s, victim);
	entry **pp = &s->heads[victim->hash & (AK_STRIPE_SLOTS - 1)];
	while (*pp != victim)
		pp = &(*pp)->next;
	*pp = victim->next;
	free(victim);
	s->count--;
}

/* The key's entry, created (full bucket) if absent; NULL if out of memory. */
static entry *find_or_add(stripe *s, uint64_t h, const char *key, size_t len, int64_t cap_u, int64_t now_ms)
{
	entry **head = &s->heads[h & (AK_STRIPE_SLOTS - 1)];
	for (entry *e = *head; e; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0) {
			lru_unlink(s, e);
			lru_push_front(s, e);
			return e;
		}
	if (s->count >= AK_STRIPE_KEYS)
		evict_oldest(s);
	entry *e = malloc(sizeof *e + len + 1);
	if (!e)
		return NULL;
	memcpy(e->key, key, len + 1);
	e->hash = h;
	e->tokens_u = cap_u;
	e->updated_ms = now_ms;
	e->next = *head;
	*head = e;
	lru_push_front(s, e);
	s->count++;
	return e;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

AUTHKIT_EXTERN(int) authkit_ratelimit_take(authkit_ratelimit *rl, authkit_ctx *ctx_for_clock, const char *key,
                                           int64_t cost, int64_t *retry_after_ms_out)
{
	ak_clear_error();
	if (retry_after_ms_out)
		*retry_after_ms_out = 0;
	if (!rl)
		return ak_fail(AUTHKIT_EINVALID, "rate limiter must not be NULL");
	int rc = ak_bucket_check_take(rl->capacity, key, cost);
	if (rc)
		return rc;
	int64_t now = ctx_for_clock ? ak_now_ms(ctx_for_clock) : monotonic_ms();
	size_t len = strlen(key);
	uint64_t h;
	unsigned char digest[crypto_shorthash_BYTES];
	crypto_shorthash(digest, (const unsigned char *)key, len, rl->hash_key);
	memcpy(&h, digest, sizeof h);
	stripe *s = &rl->stripes[(h >> 32) % AK_STRIPES];
	int64_t retry = 0;
	pthread_mutex_lock(&s->lock);
	entry *e = find_or_add(s, h, key, len, rl->capacity * AK_MICRO, now);
	if (e)
		rc = ak_bucket_take(rl->capacity, rl->refill_per_second, cost, &e->tokens_u, &e->updated_ms, now,
		                    &retry);
	pthread_mutex_unlock(&s->lock);
	if (!e)
		return ak_fail(AUTHKIT_ENOMEM, "rate limiter entry allocation failed");
	if (rc == AUTHKIT_ELIMIT) {
		if (retry_after_ms_out)
			*retry_after_ms_out = retry;
		return ak_fail(AUTHKIT_ELIMIT, "rate limit reached");
	}
	return AUTHKIT_OK;
}
