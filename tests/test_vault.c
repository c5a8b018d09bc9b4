/*
 * The integration-key vault: round trip, tampering (flipped bits in
 * ciphertext, nonce and tag; rows moved to another user or service),
 * fresh nonces, master-key configuration, masked forms, status, delete,
 * user deletion, rotation interrupted by a failing store and resumed, and
 * no plaintext key anywhere in the database file or its WAL.
 */
#include <check.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault_store.h"
#include "vault/vault_internal.h"
#include "helpers.h"

#define K1 "3a1f5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a2c4e6b8d0f1a3c5e7b9d2f40"
#define K2 "c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c2e4b6d8f0a2c411"
/* K1 in base64 is accepted too */
#define PW "Xq7!Nimbus-Vortex-Pyl0n"
#define SECRET "sk-proj-Zq8VaultPlaintextMarker-7Hn2Wxyz"

static test_clock clk;

static authkit_config *vault_config(const char *path, const char *key, const char *version, const char *old)
{
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", path ? path : ":memory:"), AUTHKIT_OK);
	if (key)
		ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_MASTER_KEY", key), AUTHKIT_OK);
	if (version)
		ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_MASTER_KEY_VERSION", version), AUTHKIT_OK);
	if (old)
		ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_MASTER_OLD_KEYS", old), AUTHKIT_OK);
	return cfg;
}

static authkit_ctx *vault_ctx(const char *path, const char *key, const char *version, const char *old)
{
	return test_ctx_from_config(vault_config(path, key, version, old));
}

static int64_t add_user(authkit_ctx *c, const char *name)
{
	char email[64];
	snprintf(email, sizeof email, "%s@example.com", name);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(c, name, email, NULL, PW, &u), AUTHKIT_OK);
	int64_t id = authkit_user_id(u);
	authkit_user_free(u);
	return id;
}

static void put(authkit_ctx *c, int64_t uid, const char *service, const char *secret)
{
	int rc = authkit_vault_put(c, uid, service, (const unsigned char *)secret, strlen(secret));
	ck_assert_msg(rc == AUTHKIT_OK, "put: %s", authkit_error_last());
}

/* Expect service's key of uid to be secret. */
static void expect_get(authkit_ctx *c, int64_t uid, const char *service, const char *secret)
{
	authkit_secret *s = NULL;
	int rc = authkit_vault_get(c, uid, service, &s);
	ck_assert_msg(rc == AUTHKIT_OK, "get %s: %s", service, authkit_error_last());
	ck_assert_uint_eq(authkit_secret_len(s), strlen(secret));
	ck_assert_mem_eq(authkit_secret_data(s), secret, strlen(secret));
	ck_assert_int_eq(authkit_secret_data(s)[strlen(secret)], 0);
	authkit_secret_free(s);
}

static int get_rc(authkit_ctx *c, int64_t uid, const char *service)
{
	authkit_secret *s = NULL;
	int rc = authkit_vault_get(c, uid, service, &s);
	if (rc)
		ck_assert_ptr_null(s);
	authkit_secret_free(s);
	return rc;
}

static void setup(void)
{
	test_clock_set(&clk, INT64_C(1700000000000));
}

/* ---- raw access to the file ---- */

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* Read column col (blob) of (uid, service) into buf; returns its length. */
static int raw_blob(sqlite3 *db, const char *col, int64_t uid, const char *service, unsigned char *buf, int cap)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT %s FROM integrations WHERE user_id = ? AND service = ?", col);
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_text(st, 2, service, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_bytes(st, 0);
	ck_assert_int_le(n, cap);
	memcpy(buf, sqlite3_column_blob(st, 0), (size_t)n);
	sqlite3_finalize(st);
	return n;
}

static void raw_set_blob(sqlite3 *db, const char *col, int64_t uid, const char *service, const unsigned char *buf,
                         int n)
{
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE integrations SET %s = ? WHERE user_id = ? AND service = ?", col);
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, buf, n, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_text(st, 3, service, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	ck_assert_int_eq(sqlite3_changes(db), 1);
	sqlite3_finalize(st);
}

/* Copy nonce, ciphertext and key_version from one row onto another. */
static void raw_copy_row(sqlite3 *db, int64_t from_uid, const char *from_service, int64_t to_uid,
                         const char *to_service)
{
	static unsigned char buf[AUTHKIT_STORE_CIPHER_MAX];
	int n = raw_blob(db, "nonce", from_uid, from_service, buf, sizeof buf);
	raw_set_blob(db, "nonce", to_uid, to_service, buf, n);
	n = raw_blob(db, "ciphertext", from_uid, from_service, buf, sizeof buf);
	raw_set_blob(db, "ciphertext", to_uid, to_service, buf, n);
}

/* ---- tests ---- */

START_TEST(round_trip_list_and_audit)
{
	authkit_ctx *c = vault_ctx(NULL, K1, NULL, NULL);
	int64_t a = add_user(c, "alice");
	put(c, a, "openai", SECRET);
	put(c, a, "anthropic", "sk-ant-api03-abcdefghijklmnop1234");
	unsigned char bin[3] = {0, 0xff, 0};
	ck_assert_int_eq(authkit_vault_put(c, a, "xai", bin, sizeof bin), AUTHKIT_OK);
	expect_get(c, a, "openai", SECRET);
	authkit_secret *s = NULL;
	ck_assert_int_eq(authkit_vault_get(c, a, "xai", &s), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_secret_len(s), 3);
	ck_assert_mem_eq(authkit_secret_data(s), bin, 3);
	authkit_secret_free(s);
	authkit_secret_free(NULL);

	/* get records last use */
	test_clock_advance_s(&clk, 100);
	expect_get(c, a, "openai", SECRET);
	authkit_vault_list *l = NULL;
	ck_assert_int_eq(authkit_vault_list_user(c, a, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_vault_list_count(l), 3);
	ck_assert_str_eq(authkit_vault_list_service(l, 0), "anthropic");
	ck_assert_str_eq(authkit_vault_list_service(l, 1), "openai");
	ck_assert_str_eq(authkit_vault_list_masked(l, 1), "sk-\xE2\x80\xA6Wxyz");
	ck_assert_str_eq(authkit_vault_list_masked(l, 0), "sk-\xE2\x80\xA6" "1234");
	ck_assert_str_eq(authkit_vault_list_masked(l, 2), "\xE2\x80\xA6"); /* short key: nothing shown */
	ck_assert_int_eq(authkit_vault_list_is_active(l, 1), 1);
	ck_assert_int_eq(authkit_vault_list_key_version(l, 1), 1);
	ck_assert_int_eq(authkit_vault_list_created_at(l, 1), 1700000000);
	ck_assert_int_eq(authkit_vault_list_updated_at(l, 1), 1700000000);
	ck_assert_int_eq(authkit_vault_list_last_used_at(l, 1), 1700000100);
	ck_assert_int_eq(authkit_vault_list_last_used_at(l, 0), 0);
	ck_assert_ptr_null(authkit_vault_list_service(l, 3));
	ck_assert_ptr_null(authkit_vault_list_masked(NULL, 0));
	authkit_vault_list_free(l);

	/* replace keeps created_at, moves updated_at */
	test_clock_advance_s(&clk, 50);
	put(c, a, "openai", "sk-second-key-0000000000009876");
	expect_get(c, a, "openai", "sk-second-key-0000000000009876");
	ck_assert_int_eq(authkit_vault_list_user(c, a, &l), AUTHKIT_OK);
	ck_assert_int_eq(authkit_vault_list_created_at(l, 1), 1700000000);
	ck_assert_int_eq(authkit_vault_list_updated_at(l, 1), 1700000150);
	ck_assert_str_eq(authkit_vault_list_masked(l, 1), "sk-\xE2\x80\xA6" "9876");
	authkit_vault_list_free(l);

	/* audit rows without secrets */
	ck_assert_int_eq(test_audit_count(c, a, "vault.put", NULL), 4);
	authkit_audit_list *al = NULL;
	ck_assert_int_eq(authkit_audit_query(c, a, 0, 0, 100, &al), AUTHKIT_OK);
	for (size_t i = 0; i < authkit_audit_list_count(al); i++)
		ck_assert_ptr_null(strstr(authkit_audit_list_detail(al, i), "Marker"));
	authkit_audit_list_free(al);

	/* an empty list for a user without keys */
	int64_t b = add_user(c, "bob");
	ck_assert_int_eq(authkit_vault_list_user(c, b, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_vault_list_count(l), 0);
	authkit_vault_list_free(l);
	ck_assert_int_eq(get_rc(c, b, "openai"), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_vault_put(c, b + 100, "openai", (const unsigned char *)"x", 1), AUTHKIT_ENOTFOUND);
	authkit_ctx_free(c);
}
END_TEST

START_TEST(masked_forms)
{
	authkit_ctx *c = vault_ctx(NULL, K1, NULL, NULL);
	int64_t a = add_user(c, "alice");
	static const struct {
		const char *key, *masked;
	} cases[] = {
		{"abcdefg", "\xE2\x80\xA6"},                      /* < 8: nothing */
		{"abcdefgh", "\xE2\x80\xA6" "efgh"},              /* last 4 only */
		{"sk-abcdefgh", "\xE2\x80\xA6" "efgh"},           /* prefix would leave < 8 hidden */
		{"sk-abcdefghijkl", "sk-\xE2\x80\xA6ijkl"},
		{"xai-0123456789abcdef", "xai-\xE2\x80\xA6" "cdef"},
		{"abcd-0123456789abcdef", "\xE2\x80\xA6" "cdef"}, /* 4 letters: not a prefix */
		{"sk-0123456789abc\x01" "def", "sk-\xE2\x80\xA6"},  /* unprintable tail: hidden */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char svc[16];
		snprintf(svc, sizeof svc, "s%zu", i + 10);
		put(c, a, svc, cases[i].key);
	}
	authkit_vault_list *l = NULL;
	ck_assert_int_eq(authkit_vault_list_user(c, a, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_vault_list_count(l), sizeof cases / sizeof *cases);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		ck_assert_msg(strcmp(authkit_vault_list_masked(l, i), cases[i].masked) == 0, "case %zu: %s", i,
		              authkit_vault_list_masked(l, i));
	authkit_vault_list_free(l);
	authkit_ctx_free(c);
}
END_TEST

START_TEST(status_delete_and_user_delete)
{
	authkit_ctx *c = vault_ctx(NULL, K1, NULL, NULL);
	int64_t a = add_user(c, "alice");
	put(c, a, "openai", SECRET);
	ck_assert_int_eq(authkit_vault_set_active(c, a, "openai", 0), AUTHKIT_OK);
	ck_assert_int_eq(get_rc(c, a, "openai"), AUTHKIT_EREVOKED);
	authkit_vault_list *l = NULL;
	ck_assert_int_eq(authkit_vault_list_user(c, a, &l), AUTHKIT_OK);
	ck_assert_int_eq(authkit_vault_list_is_active(l, 0), 0);
	authkit_vault_list_free(l);
	ck_assert_int_eq(authkit_vault_set_active(c, a, "openai", 1), AUTHKIT_OK);
	expect_get(c, a, "openai", SECRET);
	ck_assert_int_eq(authkit_vault_set_active(c, a, "missing", 1), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_vault_set_active(c, a, "openai", 2), AUTHKIT_EINVALID);
	/* each change of status is audited once, with the service only */
	ck_assert_int_eq(test_audit_count(c, a, "vault.disabled", "service=openai"), 1);
	ck_assert_int_eq(test_audit_count(c, a, "vault.enabled", "service=openai"), 1);

	ck_assert_int_eq(authkit_vault_delete(c, a, "openai"), AUTHKIT_OK);
	ck_assert_int_eq(get_rc(c, a, "openai"), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_vault_delete(c, a, "openai"), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(test_audit_count(c, a, "vault.deleted", "service=openai"), 1);

	/* deleting the user deletes their keys */
	put(c, a, "openai", SECRET);
	put(c, a, "xai", "xai-0123456789abcdef");
	ck_assert_int_eq(authkit_user_delete(c, a), AUTHKIT_OK);
	int64_t b = add_user(c, "bob");
	ck_assert_int_eq(authkit_vault_list_user(c, a, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_vault_list_count(l), 0);
	authkit_vault_list_free(l);
	ck_assert_int_eq(get_rc(c, a, "openai"), AUTHKIT_ENOTFOUND);
	(void)b;
	authkit_ctx_free(c);
}
END_TEST

START_TEST(master_key_configuration)
{
	/* no key: every vault call is ECONFIG */
	authkit_ctx *c = vault_ctx(NULL, NULL, NULL, NULL);
	int64_t a = add_user(c, "alice");
	authkit_secret *s = NULL;
	authkit_vault_list *l = NULL;
	int64_t n = 0;
	int done = 0;
	ck_assert_int_eq(authkit_vault_put(c, a, "openai", (const unsigned char *)"k", 1), AUTHKIT_ECONFIG);
	ck_assert_int_eq(authkit_vault_get(c, a, "openai", &s), AUTHKIT_ECONFIG);
	ck_assert_int_eq(authkit_vault_list_user(c, a, &l), AUTHKIT_ECONFIG);
	ck_assert_int_eq(authkit_vault_set_active(c, a, "openai", 0), AUTHKIT_ECONFIG);
	ck_assert_int_eq(authkit_vault_delete(c, a, "openai"), AUTHKIT_ECONFIG);
	ck_assert_int_eq(authkit_vault_rotate(c, 10, &n, &done), AUTHKIT_ECONFIG);
	authkit_ctx_free(c);

	/* bad keys refuse to open the context */
	static const char *bad[] = {
		"00000000000000000000000000000000000000000000000000000000000000", /* 62 hex: 31 bytes */
		"0000000000000000000000000000000000000000000000000000000000000000", /* all zero */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",                     /* all zero, base64 */
		"4242424242424242424242424242424242424242424242424242424242424242", /* one byte repeated */
		"short",
		"not hex and not base64!!",
		K1 "00", /* 33 bytes */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		authkit_config *cfg = vault_config(NULL, bad[i], NULL, NULL);
		authkit_ctx *x = NULL;
		ck_assert_msg(authkit_ctx_open(&x, cfg) == AUTHKIT_ECONFIG, "bad key %zu accepted", i);
		ck_assert_ptr_null(x);
		ck_assert_ptr_null(strstr(authkit_error_last(), bad[i]));
		authkit_config_free(cfg);
	}
	static const char *bad_old[] = {"1:short", "x:" K2, ":" K2, K2, "0:" K2, "2:" K2 ",2:" K1, "1:" K2};
	for (size_t i = 0; i < sizeof bad_old / sizeof *bad_old; i++) {
		authkit_config *cfg = vault_config(NULL, K1, NULL, bad_old[i]);
		authkit_ctx *x = NULL;
		ck_assert_msg(authkit_ctx_open(&x, cfg) == AUTHKIT_ECONFIG, "bad old keys %zu accepted", i);
		ck_assert_ptr_null(strstr(authkit_error_last(), K2));
		authkit_config_free(cfg);
	}
	/* old keys without a current key */
	authkit_config *cfg = vault_config(NULL, NULL, NULL, "1:" K1);
	authkit_ctx *x = NULL;
	ck_assert_int_eq(authkit_ctx_open(&x, cfg), AUTHKIT_ECONFIG);
	authkit_config_free(cfg);
	/* out-of-range version is rejected by the config itself */
	cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_MASTER_KEY_VERSION", "0"), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_MASTER_KEY_VERSION", "-3"), AUTHKIT_EINVALID);
	authkit_config_free(cfg);

	/* base64 and base64url forms of a key; the parsed keys leave the settings */
	unsigned char raw[32];
	size_t len = 0;
	ck_assert_int_eq(sodium_hex2bin(raw, sizeof raw, K1, 64, NULL, &len, NULL), 0);
	char b64[64];
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	c = vault_ctx(NULL, b64, "7", "3:" K2 ", 5:" K2);
	ck_assert_ptr_nonnull(c->vault);
	ck_assert_uint_eq(c->vault->count, 3);
	ck_assert_int_eq(c->vault->keys[0].version, 7);
	ck_assert_mem_eq(c->vault->keys[0].key, raw, 32);
	static const char zero[4096];
	ck_assert_mem_eq(c->settings.master_key, zero, sizeof c->settings.master_key);
	ck_assert_mem_eq(c->settings.master_old_keys, zero, sizeof c->settings.master_old_keys);
	a = add_user(c, "alice");
	put(c, a, "openai", SECRET);
	ck_assert_int_eq(authkit_vault_list_user(c, a, &l), AUTHKIT_OK);
	ck_assert_int_eq(authkit_vault_list_key_version(l, 0), 7);
	authkit_vault_list_free(l);
	authkit_ctx_free(c);

	/* from the environment */
	setenv("AUTHKIT_MASTER_KEY", K2, 1);
	setenv("AUTHKIT_MASTER_KEY_VERSION", "2", 1);
	cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_load_env(cfg), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", ":memory:"), AUTHKIT_OK);
	c = test_ctx_from_config(cfg);
	ck_assert_ptr_nonnull(c->vault);
	ck_assert_int_eq(c->vault->keys[0].version, 2);
	authkit_ctx_free(c);
	unsetenv("AUTHKIT_MASTER_KEY");
	unsetenv("AUTHKIT_MASTER_KEY_VERSION");
}
END_TEST

START_TEST(arguments)
{
	authkit_ctx *c = vault_ctx(NULL, K1, NULL, NULL);
	int64_t a = add_user(c, "alice");
	const unsigned char *k = (const unsigned char *)"sk-1234567890";
	static unsigned char big[AUTHKIT_VAULT_SECRET_MAX + 1];
	memset(big, 'b', sizeof big);
	char s65[70];
	memset(s65, 's', 65);
	s65[65] = '\0';
	ck_assert_int_eq(authkit_vault_put(NULL, a, "openai", k, 13), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_put(c, 0, "openai", k, 13), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_put(c, a, NULL, k, 13), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_put(c, a, "", k, 13), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_put(c, a, "OpenAI", k, 13), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_put(c, a, "open ai", k, 13), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_put(c, a, s65, k, 13), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_put(c, a, s65 + 1, k, 13), AUTHKIT_OK); /* 64 */
	ck_assert_int_eq(authkit_vault_put(c, a, "openai", NULL, 13), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_put(c, a, "openai", k, 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_put(c, a, "openai", big, sizeof big), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_put(c, a, "big", big, sizeof big - 1), AUTHKIT_OK);
	expect_get(c, a, s65 + 1, "sk-1234567890");
	authkit_secret *s = NULL;
	ck_assert_int_eq(authkit_vault_get(c, a, "big", &s), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_secret_len(s), AUTHKIT_VAULT_SECRET_MAX);
	authkit_secret_free(s);
	ck_assert_int_eq(authkit_vault_get(c, a, "openai", NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_get(c, -1, "openai", &s), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_get(c, a, "a/b", &s), AUTHKIT_EINVALID);
	int64_t n = 0;
	int done = 0;
	ck_assert_int_eq(authkit_vault_rotate(c, 0, &n, &done), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_rotate(c, 1001, &n, &done), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_rotate(c, 10, &n, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_vault_rotate(c, 10, NULL, &done), AUTHKIT_OK);
	ck_assert_int_eq(done, 1);
	ck_assert_ptr_null(authkit_secret_data(NULL));
	ck_assert_uint_eq(authkit_secret_len(NULL), 0);
	authkit_ctx_free(c);
}
END_TEST

START_TEST(tampering_fails)
{
	char path[256];
	test_tmp_path(path, sizeof path, "vault");
	authkit_ctx *c = vault_ctx(path, K1, NULL, NULL);
	int64_t a = add_user(c, "alice"), b = add_user(c, "bob");
	put(c, a, "openai", SECRET);

	/* two writes of the same key: different nonces and ciphertexts */
	sqlite3 *db = raw_open(path);
	unsigned char n1[64], c1[256], n2[64], c2[256];
	int nl1 = raw_blob(db, "nonce", a, "openai", n1, sizeof n1);
	int cl1 = raw_blob(db, "ciphertext", a, "openai", c1, sizeof c1);
	put(c, a, "openai", SECRET);
	int nl2 = raw_blob(db, "nonce", a, "openai", n2, sizeof n2);
	int cl2 = raw_blob(db, "ciphertext", a, "openai", c2, sizeof c2);
	ck_assert_int_eq(nl1, 24);
	ck_assert_int_eq(cl1, (int)strlen(SECRET) + 16);
	ck_assert_int_eq(cl1, cl2);
	ck_assert(memcmp(n1, n2, 24) != 0);
	ck_assert(memcmp(c1, c2, (size_t)cl1) != 0);
	(void)nl2;

	/* flip one bit of the nonce, the ciphertext body and the tag */
	unsigned char orig_n[64], orig_c[256], t[256];
	int nl = raw_blob(db, "nonce", a, "openai", orig_n, sizeof orig_n);
	int cl = raw_blob(db, "ciphertext", a, "openai", orig_c, sizeof orig_c);
	struct {
		const char *col;
		int index;
	} flips[] = {{"nonce", 0}, {"nonce", 23}, {"ciphertext", 0}, {"ciphertext", cl - 17},
	             {"ciphertext", cl - 16}, {"ciphertext", cl - 1}};
	for (size_t i = 0; i < sizeof flips / sizeof *flips; i++) {
		bool is_nonce = strcmp(flips[i].col, "nonce") == 0;
		int len = is_nonce ? nl : cl;
		memcpy(t, is_nonce ? orig_n : orig_c, (size_t)len);
		t[flips[i].index] ^= 0x01;
		raw_set_blob(db, flips[i].col, a, "openai", t, len);
		ck_assert_msg(get_rc(c, a, "openai") == AUTHKIT_ECRYPTO, "flip %zu decrypted", i);
		ck_assert_ptr_null(strstr(authkit_error_last(), "Marker"));
		raw_set_blob(db, flips[i].col, a, "openai", is_nonce ? orig_n : orig_c, len);
		expect_get(c, a, "openai", SECRET);
	}
	/* a truncated ciphertext */
	raw_set_blob(db, "ciphertext", a, "openai", orig_c, 10);
	ck_assert_int_eq(get_rc(c, a, "openai"), AUTHKIT_ECRYPTO);
	raw_set_blob(db, "ciphertext", a, "openai", orig_c, cl);

	/* moved to another user's row, or another service's row */
	put(c, b, "openai", "sk-bob-0000000000000000bbbb");
	put(c, a, "anthropic", "sk-ant-000000000000000aaaa");
	raw_copy_row(db, a, "openai", b, "openai");
	ck_assert_int_eq(get_rc(c, b, "openai"), AUTHKIT_ECRYPTO);
	raw_copy_row(db, a, "openai", a, "anthropic");
	ck_assert_int_eq(get_rc(c, a, "anthropic"), AUTHKIT_ECRYPTO);
	/* a row claiming another key version */
	char sql[160];
	snprintf(sql, sizeof sql, "UPDATE integrations SET key_version = 2 WHERE user_id = %lld AND service = 'openai'",
	         (long long)a);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(get_rc(c, a, "openai"), AUTHKIT_ECRYPTO);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "version 2"));
	snprintf(sql, sizeof sql, "UPDATE integrations SET key_version = 1 WHERE user_id = %lld AND service = 'openai'",
	         (long long)a);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	expect_get(c, a, "openai", SECRET);
	sqlite3_close(db);
	authkit_ctx_free(c);
	test_remove_db(path);
}
END_TEST

/* Every row readable under any configuration that holds its version's key. */
static void expect_all(authkit_ctx *c, const int64_t *users, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char svc[16], key[64];
		for (int k = 0; k < 3; k++) {
			snprintf(svc, sizeof svc, "svc%d", k);
			snprintf(key, sizeof key, "sk-user%zu-service%d-0123456789", i, k);
			expect_get(c, users[i], svc, key);
		}
	}
}

START_TEST(rotation_interrupted_and_resumed)
{
	char path[256];
	test_tmp_path(path, sizeof path, "rotate");
	int64_t users[8];
	size_t nu = sizeof users / sizeof *users;
	authkit_ctx *c = vault_ctx(path, K1, NULL, NULL);
	for (size_t i = 0; i < nu; i++) {
		char name[16], svc[16], key[64];
		snprintf(name, sizeof name, "user%zu", i);
		users[i] = add_user(c, name);
		for (int k = 0; k < 3; k++) {
			snprintf(svc, sizeof svc, "svc%d", k);
			snprintf(key, sizeof key, "sk-user%zu-service%d-0123456789", i, k);
			put(c, users[i], svc, key);
		}
	}
	authkit_ctx_free(c);

	/* v2 current, v1 old, behind a failing store */
	authkit_store *inner = NULL;
	ck_assert_int_eq(authkit_store_sqlite_open(&inner, path, 5000), AUTHKIT_OK);
	fault_store_ctl *ctl = NULL;
	authkit_store *fs = fault_store_wrap(inner, &ctl);
	authkit_config *cfg = vault_config(NULL, K2, "2", "1:" K1);
	ck_assert_int_eq(authkit_config_set_store(cfg, fs), AUTHKIT_OK);
	c = test_ctx_from_config(cfg);

	int64_t n = 0, total = 0;
	int done = 0;
	ck_assert_int_eq(authkit_vault_rotate(c, 5, &n, &done), AUTHKIT_OK);
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(done, 0);
	total += n;
	/* fail each step of the next batch in turn: every row stays readable */
	for (long k = 1;; k++) {
		fault_store_fail_at(ctl, k);
		int rc = authkit_vault_rotate(c, 5, &n, &done);
		long calls = fault_store_calls(ctl);
		fault_store_reset(ctl);
		expect_all(c, users, nu);
		if (rc == AUTHKIT_OK) {
			ck_assert_int_lt(calls, k);
			total += n;
			break;
		}
		ck_assert_int_eq(rc, AUTHKIT_ESTORE);
		ck_assert_int_eq(done, 0);
		ck_assert_int_lt(k, 100);
	}
	/* resume to the end */
	while (!done) {
		ck_assert_int_eq(authkit_vault_rotate(c, 5, &n, &done), AUTHKIT_OK);
		total += n;
	}
	ck_assert_int_eq(total, (int64_t)nu * 3);
	ck_assert_int_eq(authkit_vault_rotate(c, 5, &n, &done), AUTHKIT_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(done, 1);
	ck_assert_int_ge(test_audit_count(c, 0, "vault.rotated", NULL), 1);
	authkit_ctx_free(c);

	/* everything is v2 now: v2 alone reads every row, v1 alone reads none */
	c = vault_ctx(path, K2, "2", NULL);
	expect_all(c, users, nu);
	authkit_vault_list *l = NULL;
	ck_assert_int_eq(authkit_vault_list_user(c, users[3], &l), AUTHKIT_OK);
	for (size_t i = 0; i < authkit_vault_list_count(l); i++)
		ck_assert_int_eq(authkit_vault_list_key_version(l, i), 2);
	authkit_vault_list_free(l);
	authkit_ctx_free(c);
	c = vault_ctx(path, K1, "1", NULL);
	ck_assert_int_eq(get_rc(c, users[0], "svc0"), AUTHKIT_ECRYPTO);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "version 2"));
	/* rotating "back" to v1 without the v2 key names the missing version */
	ck_assert_int_eq(authkit_vault_rotate(c, 5, &n, &done), AUTHKIT_ECRYPTO);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "version 2"));
	authkit_ctx_free(c);
	test_remove_db(path);
}
END_TEST

static bool file_contains(const char *path, const void *needle, size_t n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc(size > 0 ? (size_t)size : 1);
	size_t got = fread(buf, 1, size > 0 ? (size_t)size : 0, f);
	fclose(f);
	bool found = false;
	for (size_t i = 0; !found && i + n <= got; i++)
		found = memcmp(buf + i, needle, n) == 0;
	free(buf);
	return found;
}

START_TEST(plaintext_never_in_the_database)
{
	char path[256], wal[300];
	test_tmp_path(path, sizeof path, "plain");
	snprintf(wal, sizeof wal, "%s-wal", path);
	authkit_ctx *c = vault_ctx(path, K1, NULL, "");
	int64_t a = add_user(c, "alice");
	put(c, a, "openai", SECRET);
	put(c, a, "openai", SECRET);
	expect_get(c, a, "openai", SECRET);
	ck_assert_int_eq(authkit_vault_set_active(c, a, "openai", 0), AUTHKIT_OK);
	ck_assert_int_eq(authkit_vault_set_active(c, a, "openai", 1), AUTHKIT_OK);
	/* the middle of the key (the masked form legitimately keeps "sk-" and the last 4) */
	const char *middle = "Zq8VaultPlaintextMarker";
	unsigned char k1[32];
	ck_assert_int_eq(sodium_hex2bin(k1, sizeof k1, K1, 64, NULL, NULL, NULL), 0);
	for (int round = 0; round < 2; round++) {
		ck_assert_msg(!file_contains(path, middle, strlen(middle)), "plaintext key in the database file");
		ck_assert_msg(!file_contains(wal, middle, strlen(middle)), "plaintext key in the WAL");
		ck_assert(!file_contains(path, K1, 16) && !file_contains(wal, K1, 16));
		ck_assert(!file_contains(path, k1, 16) && !file_contains(wal, k1, 16));
		authkit_ctx_free(c);
		c = vault_ctx(path, K1, NULL, NULL); /* after a checkpoint too */
	}
	authkit_ctx_free(c);
	test_remove_db(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vault");
	TCase *tc = tcase_create("vault");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, round_trip_list_and_audit);
	tcase_add_test(tc, masked_forms);
	tcase_add_test(tc, status_delete_and_user_delete);
	tcase_add_test(tc, master_key_configuration);
	tcase_add_test(tc, arguments);
	tcase_add_test(tc, tampering_fails);
	tcase_add_test(tc, rotation_interrupted_and_resumed);
	tcase_add_test(tc, plaintext_never_in_the_database);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
