/*
 * API keys: shown once, only a hash stored, verify, scopes, revoke,
 * expiry, wrong secrets, inactive and deleted users, last-used throttling,
 * request glue (Bearer and X-API-Key, no fallback), list.
 */
#include <check.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "helpers.h"

#define PW "Xq7!Nimbus-Vortex-Pyl0n"
#define JWT_SECRET "8f3a1c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f1a"

static test_clock clk;
static char path[256];
static authkit_ctx *c;
static int64_t alice, bob;

static int64_t add_user(const char *name)
{
	char email[64];
	snprintf(email, sizeof email, "%s@example.com", name);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(c, name, email, NULL, PW, &u), AUTHKIT_OK);
	int64_t id = authkit_user_id(u);
	authkit_user_free(u);
	return id;
}

static void setup(void)
{
	test_clock_set(&clk, INT64_C(1700000000000));
	test_tmp_path(path, sizeof path, "apikey");
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", path), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_JWT_SECRET", JWT_SECRET), AUTHKIT_OK);
	c = test_ctx_from_config(cfg);
	alice = add_user("alice");
	bob = add_user("bob");
}

static void teardown(void)
{
	authkit_ctx_free(c);
	test_remove_db(path);
}

/* Create a key; the key and its public id are copied out. */
static void create(int64_t uid, const char *scopes, int64_t expires_at, char key[80], char id[32])
{
	char *k = NULL, *i = NULL;
	int rc = authkit_apikey_create(c, uid, "ci bot", scopes, expires_at, &k, &i);
	ck_assert_msg(rc == AUTHKIT_OK, "create: %s", authkit_error_last());
	snprintf(key, 80, "%s", k);
	snprintf(id, 32, "%s", i);
	authkit_string_free(k);
	authkit_string_free(i);
}

static int verify(const char *key)
{
	authkit_principal *p = NULL;
	int rc = authkit_apikey_verify(c, key, &p);
	if (rc)
		ck_assert_ptr_null(p);
	authkit_principal_free(p);
	return rc;
}

START_TEST(create_shape_and_verify_with_scopes)
{
	char key[80], id[32];
	create(alice, "  read:usage  write:images read:usage ", 0, key, id);
	ck_assert_uint_eq(strlen(key), AUTHKIT_APIKEY_CHARS);
	ck_assert_uint_eq(strlen(id), AUTHKIT_APIKEY_ID_CHARS);
	ck_assert(strncmp(key, "ak_", 3) == 0);
	ck_assert(strncmp(key + 3, id, 22) == 0);
	ck_assert_int_eq(key[25], '_');

	authkit_principal *p = NULL;
	ck_assert_int_eq(authkit_apikey_verify(c, key, &p), AUTHKIT_OK);
	ck_assert_int_eq(authkit_principal_user_id(p), alice);
	ck_assert_str_eq(authkit_principal_kind(p), "api_key");
	ck_assert_str_eq(authkit_principal_jti(p), id);
	ck_assert_str_eq(authkit_principal_session_id(p), "");
	ck_assert_int_eq(authkit_principal_expires_at(p), 0);
	ck_assert_uint_eq(authkit_principal_role_count(p), 0);
	ck_assert_uint_eq(authkit_principal_scope_count(p), 2);
	ck_assert_str_eq(authkit_principal_scope(p, 0), "read:usage");
	ck_assert_str_eq(authkit_principal_scope(p, 1), "write:images");
	ck_assert_ptr_null(authkit_principal_scope(p, 2));
	ck_assert_int_eq(authkit_principal_has_scope(p, "write:images"), 1);
	ck_assert_int_eq(authkit_principal_has_scope(p, "write"), 0);
	ck_assert_int_eq(authkit_principal_has_scope(p, NULL), 0);
	authkit_principal_free(p);
	ck_assert_uint_eq(authkit_principal_scope_count(NULL), 0);

	/* no scopes */
	create(alice, NULL, 0, key, id);
	ck_assert_int_eq(authkit_apikey_verify(c, key, &p), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_principal_scope_count(p), 0);
	authkit_principal_free(p);

	/* two keys differ */
	char key2[80], id2[32];
	create(alice, NULL, 0, key2, id2);
	ck_assert_str_ne(key, key2);
	ck_assert_str_ne(id, id2);
	ck_assert_int_eq(test_audit_count(c, alice, "apikey.created", NULL), 3);
}
END_TEST

START_TEST(only_the_hash_is_stored)
{
	char key[80], id[32];
	create(alice, "read", 0, key, id);
	const char *secret = key + 26;
	unsigned char digest[32];
	crypto_hash_sha256(digest, (const unsigned char *)secret, strlen(secret));

	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT secret_hash, user_id FROM api_keys WHERE public_id = ?", -1, &st,
	                                    NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_bytes(st, 0), 32);
	ck_assert_mem_eq(sqlite3_column_blob(st, 0), digest, 32);
	ck_assert_int_eq(sqlite3_column_int64(st, 1), alice);
	sqlite3_finalize(st);
	sqlite3_close(db);

	/* the secret (and the whole key) appear nowhere in the file or WAL */
	authkit_ctx_free(c);
	c = NULL;
	const char *files[] = {path, NULL};
	char wal[300];
	snprintf(wal, sizeof wal, "%s-wal", path);
	files[1] = wal;
	for (size_t f = 0; f < 2; f++) {
		FILE *fp = fopen(files[f], "rb");
		if (!fp)
			continue;
		static char buf[1 << 22];
		size_t n = fread(buf, 1, sizeof buf, fp);
		fclose(fp);
		for (size_t i = 0; i + 20 <= n; i++)
			ck_assert_msg(memcmp(buf + i, secret, 20) != 0, "secret in %s", files[f]);
	}
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", path), AUTHKIT_OK);
	c = test_ctx_from_config(cfg);

	/* list never hands out a secret */
	authkit_apikey_list *l = NULL;
	ck_assert_int_eq(authkit_apikey_list_user(c, alice, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_apikey_list_count(l), 1);
	ck_assert_str_eq(authkit_apikey_list_public_id(l, 0), id);
	ck_assert_str_eq(authkit_apikey_list_name(l, 0), "ci bot");
	ck_assert_str_eq(authkit_apikey_list_scopes(l, 0), "read");
	ck_assert_int_eq(authkit_apikey_list_created_at(l, 0), 1700000000);
	ck_assert_int_eq(authkit_apikey_list_expires_at(l, 0), 0);
	ck_assert_int_eq(authkit_apikey_list_last_used_at(l, 0), 0);
	ck_assert_int_eq(authkit_apikey_list_revoked_at(l, 0), 0);
	ck_assert_ptr_null(authkit_apikey_list_public_id(l, 1));
	authkit_apikey_list_free(l);
	ck_assert_int_eq(authkit_apikey_list_user(c, bob, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_apikey_list_count(l), 0);
	authkit_apikey_list_free(l);
}
END_TEST

START_TEST(wrong_secret_unknown_id_malformed)
{
	char key[80], id[32];
	create(alice, "read", 0, key, id);
	char bad[128];
	/* right id, wrong secret: every position of the secret */
	for (size_t i = 26; i < 69; i += 7) {
		snprintf(bad, sizeof bad, "%s", key);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		ck_assert_int_eq(verify(bad), AUTHKIT_ETOKEN);
	}
	/* another user's secret under this id */
	char other[80], oid[32];
	create(bob, "read", 0, other, oid);
	snprintf(bad, sizeof bad, "ak_%s_%s", id, other + 26);
	ck_assert_int_eq(verify(bad), AUTHKIT_ETOKEN);
	/* unknown id with the right secret */
	snprintf(bad, sizeof bad, "%s", key);
	bad[5] = bad[5] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify(bad), AUTHKIT_ETOKEN);
	/* malformed */
	const char *malformed[] = {"", "ak_", "ak_x_y", "AK_", "eyJhbGciOi.x.y", "ak_0123456789abcdef"};
	for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++)
		ck_assert_int_eq(verify(malformed[i]), AUTHKIT_ETOKEN);
	snprintf(bad, sizeof bad, "%s=", key);
	ck_assert_int_eq(verify(bad), AUTHKIT_ETOKEN);
	snprintf(bad, sizeof bad, "%.*s", 68, key);
	ck_assert_int_eq(verify(bad), AUTHKIT_ETOKEN);
	snprintf(bad, sizeof bad, "%s", key);
	bad[25] = '-';
	ck_assert_int_eq(verify(bad), AUTHKIT_ETOKEN);
	snprintf(bad, sizeof bad, "%s", key);
	bad[40] = '+';
	ck_assert_int_eq(verify(bad), AUTHKIT_ETOKEN);
	snprintf(bad, sizeof bad, "xk_%s", key + 3);
	ck_assert_int_eq(verify(bad), AUTHKIT_ETOKEN);
	/* the detail never carries the key */
	ck_assert_ptr_null(strstr(authkit_error_last(), key + 26));
	ck_assert_int_eq(verify(key), AUTHKIT_OK);
}
END_TEST

START_TEST(revoke_expiry_and_users)
{
	char key[80], id[32];
	create(alice, "read", 0, key, id);
	ck_assert_int_eq(authkit_apikey_revoke(c, id), AUTHKIT_OK);
	ck_assert_int_eq(verify(key), AUTHKIT_EREVOKED);
	ck_assert_int_eq(authkit_apikey_revoke(c, id), AUTHKIT_OK); /* again: no-op */
	ck_assert_int_eq(test_audit_count(c, alice, "apikey.revoked", NULL), 1);
	/* wrong secret on a revoked key: still just "wrong" */
	char bad[128];
	snprintf(bad, sizeof bad, "%s", key);
	bad[60] = bad[60] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify(bad), AUTHKIT_ETOKEN);
	authkit_apikey_list *l = NULL;
	ck_assert_int_eq(authkit_apikey_list_user(c, alice, &l), AUTHKIT_OK);
	ck_assert_int_eq(authkit_apikey_list_revoked_at(l, 0), 1700000000);
	authkit_apikey_list_free(l);
	ck_assert_int_eq(authkit_apikey_revoke(c, "AAAAAAAAAAAAAAAAAAAAAA"), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_apikey_revoke(c, "short"), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_revoke(c, NULL), AUTHKIT_EINVALID);

	/* expiry */
	create(alice, NULL, 1700000000 + 3600, key, id);
	authkit_principal *p = NULL;
	ck_assert_int_eq(authkit_apikey_verify(c, key, &p), AUTHKIT_OK);
	ck_assert_int_eq(authkit_principal_expires_at(p), 1700003600);
	authkit_principal_free(p);
	test_clock_advance_s(&clk, 3599);
	ck_assert_int_eq(verify(key), AUTHKIT_OK);
	test_clock_advance_s(&clk, 1);
	ck_assert_int_eq(verify(key), AUTHKIT_EEXPIRED);

	/* inactive user, deleted user */
	create(bob, NULL, 0, key, id);
	ck_assert_int_eq(authkit_user_set_active(c, bob, 0), AUTHKIT_OK);
	ck_assert_int_eq(verify(key), AUTHKIT_EREVOKED);
	ck_assert_int_eq(authkit_user_set_active(c, bob, 1), AUTHKIT_OK);
	ck_assert_int_eq(verify(key), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_delete(c, bob), AUTHKIT_OK);
	ck_assert_int_eq(verify(key), AUTHKIT_ETOKEN); /* the key went with the user */
	ck_assert_int_eq(authkit_apikey_list_user(c, bob, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_apikey_list_count(l), 0);
	authkit_apikey_list_free(l);
}
END_TEST

START_TEST(last_used_at_most_once_a_minute)
{
	char key[80], id[32];
	create(alice, NULL, 0, key, id);
	authkit_apikey_list *l = NULL;
	int64_t expect[] = {1700000000, 1700000000, 1700000060, 1700000060};
	int64_t step[] = {0, 30, 30, 59};
	for (size_t i = 0; i < 4; i++) {
		test_clock_advance_s(&clk, step[i]);
		ck_assert_int_eq(verify(key), AUTHKIT_OK);
		ck_assert_int_eq(authkit_apikey_list_user(c, alice, &l), AUTHKIT_OK);
		ck_assert_int_eq(authkit_apikey_list_last_used_at(l, 0), expect[i]);
		authkit_apikey_list_free(l);
	}
}
END_TEST

START_TEST(create_arguments)
{
	char *k = NULL, *i = NULL;
	char s65[70], many[40 * 4], long_name[70];
	memset(s65, 's', 65);
	s65[65] = '\0';
	memset(long_name, 'n', 65);
	long_name[65] = '\0';
	many[0] = '\0';
	for (int n = 0; n < 33; n++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "s%d ", n);
	ck_assert_int_eq(authkit_apikey_create(NULL, alice, "n", NULL, 0, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, "n", NULL, 0, NULL, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, 0, "n", NULL, 0, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, NULL, NULL, 0, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, "", NULL, 0, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, long_name, NULL, 0, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, "a\nb", NULL, 0, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, "\xC3\x28", NULL, 0, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, "n", s65, 0, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, "n", "a,b", 0, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, "n", "a\tb", 0, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, "n", many, 0, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, "n", NULL, -1, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, alice, "n", NULL, 1700000000, &k, &i), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_create(c, bob + 100, "n", NULL, 0, &k, &i), AUTHKIT_ENOTFOUND);
	ck_assert_ptr_null(k);
	ck_assert_ptr_null(i);
	/* 32 scopes of 31 characters each fit; public_id_out may be NULL */
	char ok32[32 * 32 + 1];
	ok32[0] = '\0';
	for (int n = 0; n < 32; n++)
		snprintf(ok32 + strlen(ok32), sizeof ok32 - strlen(ok32), "%s%030d", n ? " " : "s", n);
	ck_assert_int_eq(authkit_apikey_create(c, alice, "n\xC3\xA9", ok32, 0, &k, NULL), AUTHKIT_OK);
	authkit_principal *p = NULL;
	ck_assert_int_eq(authkit_apikey_verify(c, k, &p), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_principal_scope_count(p), 32);
	authkit_principal_free(p);
	authkit_string_free(k);
	ck_assert_int_eq(authkit_apikey_verify(c, NULL, &p), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_verify(NULL, "ak_", &p), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_verify(c, "ak_", NULL), AUTHKIT_EINVALID);
	authkit_apikey_list *l = NULL;
	ck_assert_int_eq(authkit_apikey_list_user(c, 0, &l), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_apikey_list_user(c, alice, NULL), AUTHKIT_EINVALID);
}
END_TEST

START_TEST(request_glue)
{
	char key[80], id[32], hdr[200];
	create(alice, "read", 0, key, id);
	authkit_principal *p = NULL;
	snprintf(hdr, sizeof hdr, "Bearer %s", key);
	ck_assert_int_eq(authkit_request_authenticate(c, hdr, NULL, &p), AUTHKIT_OK);
	ck_assert_str_eq(authkit_principal_kind(p), "api_key");
	ck_assert_int_eq(authkit_principal_has_scope(p, "read"), 1);
	authkit_principal_free(p);
	ck_assert_int_eq(authkit_request_authenticate_ex(c, NULL, NULL, key, &p), AUTHKIT_OK);
	ck_assert_int_eq(authkit_principal_user_id(p), alice);
	authkit_principal_free(p);
	snprintf(hdr, sizeof hdr, " \t%s  ", key);
	ck_assert_int_eq(authkit_request_authenticate_ex(c, NULL, NULL, hdr, &p), AUTHKIT_OK);
	authkit_principal_free(p);

	/* a session-backed bearer token for the fallback checks */
	authkit_login_result *lr = NULL;
	ck_assert_int_eq(authkit_login(c, "alice", PW, NULL, NULL, &lr), AUTHKIT_OK);
	char bearer[4200];
	snprintf(bearer, sizeof bearer, "Bearer %s", authkit_login_access_token(lr));
	authkit_login_free(lr);
	ck_assert_int_eq(authkit_request_authenticate_ex(c, bearer, NULL, NULL, &p), AUTHKIT_OK);
	ck_assert_str_eq(authkit_principal_kind(p), "access");
	authkit_principal_free(p);
	ck_assert_int_eq(authkit_request_authenticate_ex(c, bearer, NULL, "", &p), AUTHKIT_OK); /* blank = absent */
	authkit_principal_free(p);
	ck_assert_int_eq(authkit_request_authenticate_ex(c, bearer, NULL, "  ", &p), AUTHKIT_OK);
	authkit_principal_free(p);
	/* present but bad: never falls back */
	char bad[128];
	snprintf(bad, sizeof bad, "%s", key);
	bad[50] = bad[50] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(authkit_request_authenticate_ex(c, bearer, NULL, bad, &p), AUTHKIT_ETOKEN);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(authkit_request_authenticate_ex(c, bearer, NULL, "garbage", &p), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_request_authenticate_ex(c, bearer, NULL, "eyJ.x.y", &p),
	                 AUTHKIT_ETOKEN);
	snprintf(hdr, sizeof hdr, "Bearer %s", bad);
	ck_assert_int_eq(authkit_request_authenticate(c, hdr, NULL, &p), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_apikey_revoke(c, id), AUTHKIT_OK);
	ck_assert_int_eq(authkit_request_authenticate_ex(c, bearer, NULL, key, &p), AUTHKIT_EREVOKED);
	snprintf(hdr, sizeof hdr, "Bearer %s", key);
	ck_assert_int_eq(authkit_request_authenticate_ex(c, hdr, NULL, NULL, &p), AUTHKIT_EREVOKED);
	ck_assert_int_eq(authkit_request_authenticate_ex(NULL, hdr, NULL, NULL, &p), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_request_authenticate_ex(c, hdr, NULL, NULL, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_request_authenticate_ex(c, NULL, NULL, NULL, &p), AUTHKIT_ENOTFOUND);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("apikey");
	TCase *tc = tcase_create("apikey");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, create_shape_and_verify_with_scopes);
	tcase_add_test(tc, only_the_hash_is_stored);
	tcase_add_test(tc, wrong_secret_unknown_id_malformed);
	tcase_add_test(tc, revoke_expiry_and_users);
	tcase_add_test(tc, last_used_at_most_once_a_minute);
	tcase_add_test(tc, create_arguments);
	tcase_add_test(tc, request_glue);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
