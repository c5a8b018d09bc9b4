/* Verified-token cache: fixed memory (entries allocated once), direct-mapped
 * by a keyed BLAKE2b hash of the token, one mutex per stripe of slots. A
 * colliding insert evicts. Entries never answer outside the token's validity
 * window, and the stateful session check runs on every hit (verify.c). */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define AK_CACHE_STRIPES 64

typedef struct cache_entry {
	unsigned char key[32];
	bool used;
	ak_claims claims;
} cache_entry;

struct ak_token_cache {
	size_t size;
	cache_entry *entries;
	unsigned char hash_key[crypto_generichash_KEYBYTES]; /* per context: slots cannot be aimed at */
	pthread_mutex_t locks[AK_CACHE_STRIPES];
	_Atomic uint64_t hits;
	_Atomic uint64_t puts;
};

int ak_token_cache_new(size_t entries, ak_token_cache **out)
{
	*out = NULL;
	ak_token_cache *c = calloc(1, sizeof *c);
	if (c)
		c->entries = calloc(entries, sizeof *c->entries);
	if (!c || !c->entries) {
		free(c);
		return ak_fail(AUTHKIT_ENOMEM, "token cache allocation failed");
	}
	c->size = entries;
	crypto_generichash_keygen(c->hash_key);
	for (size_t i = 0; i < AK_CACHE_STRIPES; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	*out = c;
	return AUTHKIT_OK;
}

void ak_token_cache_free(ak_token_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < AK_CACHE_STRIPES; i++)
		pthread_mutex_destroy(&c->locks[i]);
	sodium_memzero(c->entries, c->size * sizeof *c->entries);
	free(c->entries);
	sodium_memzero(c, sizeof *c);
	free(c);
}

void ak_token_cache_key(const ak_token_cache *c, const char *token, size_t len, unsigned char key[32])
{
	crypto_generichash(key, 32, (const unsigned char *)token, len, c->hash_key, sizeof c->hash_key);
}

static size_t slot_of(const ak_token_cache *c, const unsigned char key[32])
{
	uint64_t v;
	memcpy(&v, key, sizeof v);
	return (size_t)(v % c->size);
}

bool ak_token_cache_get(ak_token_cache *c, const unsigned char key[32], int64_t now, int64_t leeway, ak_claims *out)
{
	size_t slot = slot_of(c, key);
	pthread_mutex_t *lock = &c->locks[slot % AK_CACHE_STRIPES];
	cache_entry *e = &c->entries[slot];
	bool hit = false;
	pthread_mutex_lock(lock);
	if (e->used && sodium_memcmp(e->key, key, 32) == 0) {
		if (now - leeway <= e->claims.exp && now + leeway >= e->claims.not_before) {
			*out = e->claims;
			hit = true;
		} else {
			sodium_memzero(e, sizeof *e); /* outside its window: full verification decides */
		}
	}
	pthread_mutex_unlock(lock);
	if (hit)
		atomic_fetch_add(&c->hits, 1);
	return hit;
}

void ak_token_cache_put(ak_token_cache *c, const unsigned char key[32], const ak_claims *claims)
{
	size_t slot = slot_of(c, key);
	pthread_mutex_t *lock = &c->locks[slot % AK_CACHE_STRIPES];
	cache_entry *e = &c->entries[slot];
	pthread_mutex_lock(lock);
	memcpy(e->key, key, 32);
	e->claims = *claims;
	e->used = true;
	pthread_mutex_unlock(lock);
	atomic_fetch_add(&c->puts, 1);
}

uint64_t ak_token_cache_hits(const authkit_ctx *ctx)
{
	return ctx->tokens && ctx->tokens->cache ? atomic_load(&ctx->tokens->cache->hits) : 0;
}

uint64_t ak_token_cache_puts(const authkit_ctx *ctx)
{
	return ctx->tokens && ctx->tokens->cache ? atomic_load(&ctx->tokens->cache->puts) : 0;
}
