/* The integration-key vault: put, get, list, status, delete, rotate. */
#include <stdlib.h>
#include <string.h>

#include "vault/vault_internal.h"

#define AK_VAULT_ROTATE_BATCH_MAX 1000
#define AK_VAULT_AD_MAX (8 + 1 + AUTHKIT_VAULT_SERVICE_MAX + 4)
#define AK_ELLIPSIS "\xE2\x80\xA6" /* U+2026 */
/* last_used_at is written at most this often per key (as session last-seen
 * is): a write on every get would make each read a write transaction. */
#define AK_VAULT_TOUCH_SECONDS 60

struct authkit_secret {
	size_t len;
	unsigned char data[]; /* len bytes + NUL */
};

typedef struct ak_vault_item {
	char service[AUTHKIT_STORE_NAME_BYTES];
	char masked[AUTHKIT_STORE_MASK_BYTES];
	int is_active;
	int key_version;
	int64_t created_at, updated_at, last_used_at;
} ak_vault_item;

struct authkit_vault_list {
	size_t count, capacity;
	ak_vault_item *items;
};

/* ---- checks ---- */

static int need_vault(authkit_ctx *ctx)
{
	if (!ctx->vault)
		return ak_fail(AUTHKIT_ECONFIG, "no master key: set AUTHKIT_MASTER_KEY to use the vault");
	return AUTHKIT_OK;
}

static int check_service(const char *service)
{
	if (!service)
		return ak_fail(AUTHKIT_EINVALID, "service is NULL");
	size_t n = strnlen(service, AUTHKIT_VAULT_SERVICE_MAX + 1);
	if (n < 1 || n > AUTHKIT_VAULT_SERVICE_MAX)
		return ak_fail(AUTHKIT_EINVALID, "service must be 1-%d characters", AUTHKIT_VAULT_SERVICE_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = service[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return ak_fail(AUTHKIT_EINVALID, "service must be lower-case a-z 0-9 _ . -");
	}
	return AUTHKIT_OK;
}

/* ctx and vault, user id, service: the common prefix of every call. */
static int check_common(authkit_ctx *ctx, int64_t user_id, const char *service)
{
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	if (user_id <= 0)
		return ak_fail(AUTHKIT_EINVALID, "user_id must be positive");
	int rc = service ? check_service(service) : AUTHKIT_OK;
	return rc ? rc : need_vault(ctx);
}

/* ---- crypto ---- */

/* user id (8 bytes, big-endian) ‖ service length (1 byte) ‖ service ‖
 * key version (4 bytes, big-endian). */
static size_t build_ad(unsigned char ad[AK_VAULT_AD_MAX], int64_t user_id, const char *service, int version)
{
	size_t n = strlen(service), o = 0;
	uint64_t u = (uint64_t)user_id;
	for (int i = 7; i >= 0; i--)
		ad[o++] = (unsigned char)(u >> (i * 8));
	ad[o++] = (unsigned char)n;
	memcpy(ad + o, service, n);
	o += n;
	uint32_t v = (uint32_t)version;
	for (int i = 3; i >= 0; i--)
		ad[o++] = (unsigned char)(v >> (i * 8));
	return o;
}

/* Encrypt under key into row (user_id and service already set). */
static void seal(authkit_store_integration *row, const ak_vault_key *key, const unsigned char *plain, size_t len)
{
	unsigned char ad[AK_VAULT_AD_MAX];
	size_t ad_len = build_ad(ad, row->user_id, row->service, key->version);
	randombytes_buf(row->nonce, sizeof row->nonce);
	unsigned long long clen = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt(row->ciphertext, &clen, plain, len, ad, ad_len, NULL, row->nonce,
	                                           key->key);
	row->ciphertext_len = (size_t)clen;
	row->key_version = key->version;
}

/* Plain heap memory, wiped on free. Guarded sodium_malloc pages cost ~25 µs
 * of system calls per get (mmap, mprotect, mlock, munmap), more than the
 * lookup and the decryption together; the plaintext's lifetime is the
 * caller's to keep short either way. */
static authkit_secret *secret_alloc(size_t len)
{
	authkit_secret *s = malloc(sizeof(authkit_secret) + len + 1);
	if (s) {
		s->len = len;
		s->data[len] = '\0';
	}
	return s;
}

static void secret_release(authkit_secret *s)
{
	sodium_memzero(s, sizeof(authkit_secret) + s->len + 1);
	free(s);
}

/* Decrypt row into a fresh secret. AUTHKIT_ECRYPTO for an unknown version
 * or a row that does not authenticate. */
static int open_row(authkit_ctx *ctx, const authkit_store_integration *row, authkit_secret **out)
{
	*out = NULL;
	const ak_vault_key *key = ak_vault_key_find(ctx->vault, row->key_version);
	if (!key)
		return ak_fail(AUTHKIT_ECRYPTO, "master key version %d is not configured", row->key_version);
	size_t abytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
	if (row->ciphertext_len < abytes + 1 || row->ciphertext_len > sizeof row->ciphertext)
		return ak_fail(AUTHKIT_ECRYPTO, "stored ciphertext has an impossible length");
	authkit_secret *s = secret_alloc(row->ciphertext_len - abytes);
	if (!s)
		return ak_fail(AUTHKIT_ENOMEM, "secret allocation failed");
	unsigned char ad[AK_VAULT_AD_MAX];
	size_t ad_len = build_ad(ad, row->user_id, row->service, row->key_version);
	unsigned long long mlen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(s->data, &mlen, NULL, row->ciphertext, row->ciphertext_len, ad,
	                                               ad_len, row->nonce, key->key) != 0) {
		secret_release(s);
		return ak_fail(AUTHKIT_ECRYPTO, "stored key failed to authenticate (tampered, or moved from another row)");
	}
	*out = s;
	return AUTHKIT_OK;
}

/* ---- masked display form ---- */

static bool printable(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* "sk-…abcd": a short recognisable prefix (1-3 letters and '-' or '_') only
 * when at least 8 characters stay hidden, the last 4 only for keys of 8 or
 * more bytes, never anything that is not printable ASCII. */
static void mask_secret(const unsigned char *p, size_t len, char out[AUTHKIT_STORE_MASK_BYTES])
{
	size_t o = 0;
	if (len >= 8) {
		size_t letters = 0;
		while (letters < len && letters < 4 &&
		       ((p[letters] >= 'a' && p[letters] <= 'z') || (p[letters] >= 'A' && p[letters] <= 'Z')))
			letters++;
		if (letters >= 1 && letters <= 3 && (p[letters] == '-' || p[letters] == '_') && len >= letters + 1 + 4 + 8) {
			memcpy(out, p, letters + 1);
			o = letters + 1;
		}
	}
	memcpy(out + o, AK_ELLIPSIS, 3);
	o += 3;
	if (len >= 8 && printable(p[len - 4]) && printable(p[len - 3]) && printable(p[len - 2]) && printable(p[len - 1])) {
		memcpy(out + o, p + len - 4, 4);
		o += 4;
	}
	out[o] = '\0';
}

/* ---- put ---- */

AUTHKIT_EXTERN(int) authkit_vault_put(authkit_ctx *ctx, int64_t user_id, const char *service,
                                      const unsigned char *secret, size_t len)
{
	ak_clear_error();
	int rc = check_service(service);
	if (rc == AUTHKIT_OK && !secret)
		rc = ak_fail(AUTHKIT_EINVALID, "secret is NULL");
	if (rc == AUTHKIT_OK && (len < 1 || len > AUTHKIT_VAULT_SECRET_MAX))
		rc = ak_fail(AUTHKIT_EINVALID, "secret must be 1-%d bytes", AUTHKIT_VAULT_SECRET_MAX);
	if (rc == AUTHKIT_OK)
		rc = check_common(ctx, user_id, service);
	if (rc)
		return rc;

	authkit_store_integration *row = calloc(1, sizeof *row);
	authkit_store_integration *old = calloc(1, sizeof *old);
	if (!row || !old) {
		free(row);
		free(old);
		return ak_fail(AUTHKIT_ENOMEM, "allocation failed");
	}
	row->user_id = user_id;
	ak_strlcpy(row->service, service, sizeof row->service);
	seal(row, &ctx->vault->keys[0], secret, len);
	mask_secret(secret, len, row->masked);
	row->is_active = 1;
	int64_t now = ak_now(ctx);
	row->created_at = row->updated_at = now;

	authkit_store_user user;
	rc = ak_txn_begin(ctx);
	if (rc == AUTHKIT_OK) {
		rc = ak_user_load(ctx, user_id, &user);
		if (rc == AUTHKIT_OK) {
			int got = ctx->store->integration_get(ctx->store, user_id, service, old);
			if (got == AUTHKIT_OK) {
				row->created_at = old->created_at; /* a replacement keeps its history */
				row->last_used_at = old->last_used_at;
			} else if (got != AUTHKIT_ENOTFOUND) {
				rc = got;
			}
		}
		if (rc == AUTHKIT_OK)
			rc = ctx->store->integration_put(ctx->store, row);
		if (rc == AUTHKIT_OK) {
			char detail[AUTHKIT_STORE_DETAIL_BYTES];
			snprintf(detail, sizeof detail, "service=%s version=%d", service, row->key_version);
			rc = ak_audit(ctx, user_id, "vault.put", NULL, detail);
		}
		rc = ak_txn_end(ctx, rc);
	}
	sodium_memzero(&user, sizeof user);
	free(row); /* ciphertext only */
	free(old);
	return rc;
}

/* ---- get ---- */

AUTHKIT_EXTERN(int) authkit_vault_get(authkit_ctx *ctx, int64_t user_id, const char *service, authkit_secret **out)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out is NULL");
	*out = NULL;
	int rc = check_service(service);
	if (rc == AUTHKIT_OK)
		rc = check_common(ctx, user_id, service);
	if (rc)
		return rc;
	authkit_store_integration *row = calloc(1, sizeof *row);
	if (!row)
		return ak_fail(AUTHKIT_ENOMEM, "allocation failed");
	rc = ctx->store->integration_get(ctx->store, user_id, service, row);
	if (rc == AUTHKIT_ENOTFOUND)
		rc = ak_fail(AUTHKIT_ENOTFOUND, "no key stored for this user and service");
	else if (rc == AUTHKIT_OK && !row->is_active)
		rc = ak_fail(AUTHKIT_EREVOKED, "the key for this service is disabled");
	authkit_secret *s = NULL;
	if (rc == AUTHKIT_OK)
		rc = open_row(ctx, row, &s);
	int64_t now = ak_now(ctx);
	if (rc == AUTHKIT_OK && (now - row->last_used_at >= AK_VAULT_TOUCH_SECONDS || now < row->last_used_at)) {
		rc = ctx->store->integration_touch(ctx->store, user_id, service, now);
		if (rc == AUTHKIT_ENOTFOUND)
			rc = ak_fail(AUTHKIT_ENOTFOUND, "the key was deleted meanwhile");
	}
	free(row);
	if (rc) {
		authkit_secret_free(s);
		return rc;
	}
	*out = s;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(const unsigned char *) authkit_secret_data(const authkit_secret *s)
{
	return s ? s->data : NULL;
}

AUTHKIT_EXTERN(size_t) authkit_secret_len(const authkit_secret *s)
{
	return s ? s->len : 0;
}

AUTHKIT_EXTERN(void) authkit_secret_free(authkit_secret *s)
{
	if (s)
		secret_release(s);
}

/* ---- list ---- */

static int collect(const authkit_store_integration *r, void *userdata)
{
	authkit_vault_list *l = userdata;
	if (!ak_array_reserve(&l->items, &l->capacity, l->count, sizeof *l->items))
		return AUTHKIT_ENOMEM;
	ak_vault_item *it = &l->items[l->count++];
	ak_strlcpy(it->service, r->service, sizeof it->service);
	ak_strlcpy(it->masked, r->masked, sizeof it->masked);
	it->is_active = r->is_active != 0;
	it->key_version = r->key_version;
	it->created_at = r->created_at;
	it->updated_at = r->updated_at;
	it->last_used_at = r->last_used_at;
	return 0;
}

AUTHKIT_EXTERN(int) authkit_vault_list_user(authkit_ctx *ctx, int64_t user_id, authkit_vault_list **out)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out is NULL");
	*out = NULL;
	int rc = check_common(ctx, user_id, NULL);
	if (rc)
		return rc;
	authkit_vault_list *l = calloc(1, sizeof *l);
	if (!l)
		return ak_fail(AUTHKIT_ENOMEM, "list allocation failed");
	rc = ctx->store->integration_list(ctx->store, user_id, collect, l);
	if (rc) {
		authkit_vault_list_free(l);
		return rc == AUTHKIT_ENOMEM ? ak_fail(rc, "list allocation failed") : rc;
	}
	*out = l;
	return AUTHKIT_OK;
}

static const ak_vault_item *item(const authkit_vault_list *l, size_t i)
{
	return l && i < l->count ? &l->items[i] : NULL;
}

AUTHKIT_EXTERN(size_t) authkit_vault_list_count(const authkit_vault_list *l) { return l ? l->count : 0; }
AUTHKIT_EXTERN(const char *) authkit_vault_list_service(const authkit_vault_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->service : NULL;
}
AUTHKIT_EXTERN(const char *) authkit_vault_list_masked(const authkit_vault_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->masked : NULL;
}
AUTHKIT_EXTERN(int) authkit_vault_list_is_active(const authkit_vault_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->is_active : 0;
}
AUTHKIT_EXTERN(int) authkit_vault_list_key_version(const authkit_vault_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->key_version : 0;
}
AUTHKIT_EXTERN(int64_t) authkit_vault_list_created_at(const authkit_vault_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->created_at : 0;
}
AUTHKIT_EXTERN(int64_t) authkit_vault_list_updated_at(const authkit_vault_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->updated_at : 0;
}
AUTHKIT_EXTERN(int64_t) authkit_vault_list_last_used_at(const authkit_vault_list *l, size_t i)
{
	return item(l, i) ? item(l, i)->last_used_at : 0;
}

AUTHKIT_EXTERN(void) authkit_vault_list_free(authkit_vault_list *l)
{
	if (!l)
		return;
	free(l->items);
	free(l);
}

/* ---- status, delete ---- */

AUTHKIT_EXTERN(int) authkit_vault_set_active(authkit_ctx *ctx, int64_t user_id, const char *service, int active)
{
	ak_clear_error();
	int rc = check_service(service);
	if (rc == AUTHKIT_OK && active != 0 && active != 1)
		rc = ak_fail(AUTHKIT_EINVALID, "active must be 0 or 1");
	if (rc == AUTHKIT_OK)
		rc = check_common(ctx, user_id, service);
	if (rc)
		return rc;
	rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->integration_set_status(ctx->store, user_id, service, active, ak_now(ctx));
	if (rc == AUTHKIT_ENOTFOUND)
		rc = ak_fail(rc, "no key stored for this user and service");
	if (rc == AUTHKIT_OK) {
		char detail[AUTHKIT_STORE_DETAIL_BYTES];
		snprintf(detail, sizeof detail, "service=%s", service);
		rc = ak_audit(ctx, user_id, active ? "vault.enabled" : "vault.disabled", NULL, detail);
	}
	return ak_txn_end(ctx, rc);
}

AUTHKIT_EXTERN(int) authkit_vault_delete(authkit_ctx *ctx, int64_t user_id, const char *service)
{
	ak_clear_error();
	int rc = check_service(service);
	if (rc == AUTHKIT_OK)
		rc = check_common(ctx, user_id, service);
	if (rc)
		return rc;
	rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	rc = ctx->store->integration_delete(ctx->store, user_id, service);
	if (rc == AUTHKIT_ENOTFOUND)
		rc = ak_fail(rc, "no key stored for this user and service");
	if (rc == AUTHKIT_OK) {
		char detail[AUTHKIT_STORE_DETAIL_BYTES];
		snprintf(detail, sizeof detail, "service=%s", service);
		rc = ak_audit(ctx, user_id, "vault.deleted", NULL, detail);
	}
	return ak_txn_end(ctx, rc);
}

/* ---- rotation ---- */

typedef struct stale_batch {
	size_t count, cap;
	authkit_store_integration *rows;
} stale_batch;

static int collect_stale(const authkit_store_integration *r, void *userdata)
{
	stale_batch *b = userdata;
	if (b->count == b->cap)
		return 1; /* the store gave more than asked: stop */
	b->rows[b->count++] = *r;
	return 0;
}

/* Re-encrypt one row under the current key with a compare-and-swap.
 * *rewritten_out = 1 when written, 0 when a concurrent write won. */
static int reencrypt_row(authkit_ctx *ctx, const authkit_store_integration *old, int *rewritten_out)
{
	*rewritten_out = 0;
	authkit_secret *plain = NULL;
	int rc = open_row(ctx, old, &plain);
	if (rc) {
		if (rc == AUTHKIT_ECRYPTO && !ak_vault_key_find(ctx->vault, old->key_version))
			return ak_fail(rc, "rotation: a row of user %lld is encrypted under master key version %d, which is "
			               "not configured (add it to AUTHKIT_MASTER_OLD_KEYS)",
			               (long long)old->user_id, old->key_version);
		if (rc == AUTHKIT_ECRYPTO)
			return ak_fail(rc, "rotation: the row of user %lld, service %s (version %d) fails to authenticate",
			               (long long)old->user_id, old->service, old->key_version);
		return rc;
	}
	authkit_store_integration *row = malloc(sizeof *row);
	if (!row) {
		authkit_secret_free(plain);
		return ak_fail(AUTHKIT_ENOMEM, "allocation failed");
	}
	*row = *old;
	seal(row, &ctx->vault->keys[0], plain->data, plain->len);
	authkit_secret_free(plain);
	rc = ctx->store->integration_reencrypt(ctx->store, row, old->key_version, old->nonce);
	free(row);
	if (rc == AUTHKIT_ENOTFOUND)
		return AUTHKIT_OK; /* replaced or deleted meanwhile: nothing to do */
	if (rc == AUTHKIT_OK)
		*rewritten_out = 1;
	return rc;
}

AUTHKIT_EXTERN(int) authkit_vault_rotate(authkit_ctx *ctx, unsigned batch_size, int64_t *reencrypted_out,
                                         int *done_out)
{
	ak_clear_error();
	if (reencrypted_out)
		*reencrypted_out = 0;
	if (done_out)
		*done_out = 0;
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx is NULL");
	if (!done_out)
		return ak_fail(AUTHKIT_EINVALID, "done_out is NULL");
	if (batch_size < 1 || batch_size > AK_VAULT_ROTATE_BATCH_MAX)
		return ak_fail(AUTHKIT_EINVALID, "batch_size must be 1-%d", AK_VAULT_ROTATE_BATCH_MAX);
	int rc = need_vault(ctx);
	if (rc)
		return rc;
	stale_batch b = {0, batch_size, calloc(batch_size, sizeof(authkit_store_integration))};
	if (!b.rows)
		return ak_fail(AUTHKIT_ENOMEM, "allocation failed");
	int current = ctx->vault->keys[0].version;
	int64_t rewritten = 0;
	/* Rows already at the current version drop out of the scan, so every
	 * batch starts from the beginning: an interrupted rotation resumes by
	 * calling again. One transaction per batch, audit row included. */
	rc = ak_txn_begin(ctx);
	if (rc == AUTHKIT_OK) {
		rc = ctx->store->integration_scan_stale(ctx->store, current, 0, "", batch_size, collect_stale, &b);
		if (rc > 0)
			rc = AUTHKIT_OK; /* collect_stale stopped a store that gave too many rows */
		for (size_t i = 0; rc == AUTHKIT_OK && i < b.count; i++) {
			int w = 0;
			rc = reencrypt_row(ctx, &b.rows[i], &w);
			rewritten += w;
		}
		if (rc == AUTHKIT_OK && rewritten > 0) {
			char detail[AUTHKIT_STORE_DETAIL_BYTES];
			snprintf(detail, sizeof detail, "rows=%lld to_version=%d", (long long)rewritten, current);
			rc = ak_audit(ctx, 0, "vault.rotated", NULL, detail);
		}
		rc = ak_txn_end(ctx, rc);
	}
	size_t seen = b.count;
	sodium_memzero(b.rows, batch_size * sizeof *b.rows);
	free(b.rows);
	if (rc)
		return rc;
	if (reencrypted_out)
		*reencrypted_out = rewritten;
	*done_out = seen < batch_size;
	return AUTHKIT_OK;
}
