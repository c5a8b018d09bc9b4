/*
 * Conformance: Integration keys (ciphertext as binary, re-encryption compare-and-swap) and API keys.
 */
#include "conformance/internal.h"

START_TEST(test_integrations)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	static authkit_store_integration r, got;
	make_integration(&r, alice, "openai", 1, 1, AUTHKIT_STORE_CIPHER_MAX); /* the largest */
	OK(s->integration_put(s, &r));
	OK(s->integration_get(s, alice, "openai", &got));
	assert_integration_eq(&got, &r);
	ck_assert_int_eq(s->integration_get(s, bob, "openai", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->integration_get(s, alice, "OpenAI", &got), AUTHKIT_ENOTFOUND);

	/* Replace: new ciphertext, nonce, version; the first created_at stays. */
	static authkit_store_integration r2;
	make_integration(&r2, alice, "openai", 2, 2, 40);
	r2.created_at = T0 + 50;
	r2.updated_at = T0 + 50;
	r2.is_active = 0;
	OK(s->integration_put(s, &r2));
	OK(s->integration_get(s, alice, "openai", &got));
	r2.created_at = T0;
	assert_integration_eq(&got, &r2);
	expect_rows(s, "integrations", 1);

	make_integration(&r, alice, "anthropic", 1, 3, 17);
	OK(s->integration_put(s, &r));
	make_integration(&r, bob, "openai", 1, 4, 17);
	OK(s->integration_put(s, &r));
	make_integration(&r, alice + bob + 100, "openai", 1, 5, 17); /* no such user */
	ck_assert_int_eq(s->integration_put(s, &r), AUTHKIT_ENOTFOUND);

	/* List: that user's, ordered by service; a callback's stop value comes back. */
	integration_rows rows = {0};
	OK(s->integration_list(s, alice, collect_integration, &rows));
	ck_assert_int_eq(rows.count, 2);
	ck_assert_str_eq(rows.services[0], "anthropic");
	ck_assert_str_eq(rows.services[1], "openai");
	memset(&rows, 0, sizeof rows);
	rows.stop_after = 1;
	ck_assert_int_eq(s->integration_list(s, alice, collect_integration, &rows), 42);
	ck_assert_int_eq(rows.count, 1);
	memset(&rows, 0, sizeof rows);
	OK(s->integration_list(s, 9999, collect_integration, &rows));
	ck_assert_int_eq(rows.count, 0);

	/* Status and touch. */
	OK(s->integration_set_status(s, alice, "openai", 1, T0 + 60));
	OK(s->integration_get(s, alice, "openai", &got));
	ck_assert_int_eq(got.is_active, 1);
	ck_assert_int_eq(got.updated_at, T0 + 60);
	OK(s->integration_set_status(s, alice, "openai", 0, T0 + 61));
	OK(s->integration_get(s, alice, "openai", &got));
	ck_assert_int_eq(got.is_active, 0);
	ck_assert_int_eq(s->integration_set_status(s, alice, "nope", 1, T0), AUTHKIT_ENOTFOUND);
	OK(s->integration_touch(s, alice, "openai", T0 + 70));
	OK(s->integration_get(s, alice, "openai", &got));
	ck_assert_int_eq(got.last_used_at, T0 + 70);
	ck_assert_int_eq(got.updated_at, T0 + 61);
	ck_assert_int_eq(s->integration_touch(s, bob, "anthropic", T0), AUTHKIT_ENOTFOUND);

	/* Delete. */
	OK(s->integration_delete(s, alice, "openai"));
	ck_assert_int_eq(s->integration_get(s, alice, "openai", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->integration_delete(s, alice, "openai"), AUTHKIT_ENOTFOUND);
	OK(s->integration_get(s, bob, "openai", &got)); /* bob's is untouched */

	/* Bad arguments change nothing. */
	make_integration(&r, alice, "x", 1, 6, 0);
	ck_assert_int_eq(s->integration_put(s, &r), AUTHKIT_EINVALID); /* empty ciphertext */
	make_integration(&r, alice, "x", 1, 6, 16);
	r.ciphertext_len = AUTHKIT_STORE_CIPHER_MAX + 1;
	ck_assert_int_eq(s->integration_put(s, &r), AUTHKIT_EINVALID);
	make_integration(&r, alice, "", 1, 6, 16);
	ck_assert_int_eq(s->integration_put(s, &r), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->integration_put(s, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->integration_get(s, alice, NULL, &got), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->integration_get(s, alice, "openai", NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->integration_list(s, alice, NULL, NULL), AUTHKIT_EINVALID);
	expect_rows(s, "integrations", 2);
	/* Stored as binary, never as text. */
	expect_blobs(s, "integrations", "nonce", 24, 2);
	expect_blobs(s, "integrations", "ciphertext", 17, 2);
	backend_close(&b);
}
END_TEST

START_TEST(test_integration_scan_reencrypt)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t u[3];
	u[0] = add_user(s, "alice", "alice@example.com");
	u[1] = add_user(s, "bob", "bob@example.com");
	u[2] = add_user(s, "carol", "carol@example.com");
	static const char *services[] = {"anthropic", "groq", "mistral", "openai"};
	static authkit_store_integration r, got;
	int stale = 0, seed = 0;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++) {
			int version = ((i + j) % 3 == 0) ? 3 : 1 + (i + j) % 2; /* 3 is current */
			seed++;
			make_integration(&r, u[i], services[j], version, seed, 20 + (size_t)seed);
			OK(s->integration_put(s, &r));
			stale += version != 3;
		}

	/* Page through with limit 2: every stale row once, in (user, service) order. */
	integration_rows all = {0};
	int64_t after_user = 0;
	char after_service[AUTHKIT_STORE_NAME_BYTES] = "";
	int pages = 0;
	for (;;) {
		integration_rows page = {0};
		OK(s->integration_scan_stale(s, 3, after_user, after_service, 2, collect_integration, &page));
		ck_assert_int_le(page.count, 2);
		for (int k = 0; k < page.count; k++) {
			ck_assert_int_ne(page.versions[k], 3);
			all.users[all.count] = page.users[k];
			snprintf(all.services[all.count], sizeof all.services[0], "%s", page.services[k]);
			all.count++;
		}
		pages++;
		if (page.count < 2)
			break;
		after_user = page.users[page.count - 1];
		snprintf(after_service, sizeof after_service, "%s", page.services[page.count - 1]);
	}
	ck_assert_int_eq(all.count, stale);
	ck_assert_int_ge(pages, (stale + 1) / 2);
	for (int k = 1; k < all.count; k++)
		ck_assert(all.users[k - 1] < all.users[k] ||
		          (all.users[k - 1] == all.users[k] && strcmp(all.services[k - 1], all.services[k]) < 0));
	/* limit 0 visits nothing; bad arguments. */
	integration_rows none = {0};
	OK(s->integration_scan_stale(s, 3, 0, "", 0, collect_integration, &none));
	ck_assert_int_eq(none.count, 0);
	ck_assert_int_eq(s->integration_scan_stale(s, 3, 0, NULL, 2, collect_integration, &none), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->integration_scan_stale(s, 3, 0, "", 2, NULL, NULL), AUTHKIT_EINVALID);

	/* Re-encrypt: a compare-and-swap on (key_version, nonce). */
	OK(s->integration_get(s, all.users[0], all.services[0], &got));
	unsigned char old_nonce[AUTHKIT_STORE_NONCE_LEN];
	memcpy(old_nonce, got.nonce, sizeof old_nonce);
	int old_version = got.key_version;
	make_integration(&r, got.user_id, got.service, 3, 900, 33);
	unsigned char wrong_nonce[AUTHKIT_STORE_NONCE_LEN];
	memcpy(wrong_nonce, old_nonce, sizeof wrong_nonce);
	wrong_nonce[0] ^= 1;
	ck_assert_int_eq(s->integration_reencrypt(s, &r, old_version, wrong_nonce), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->integration_reencrypt(s, &r, old_version + 7, old_nonce), AUTHKIT_ENOTFOUND);
	static authkit_store_integration check;
	OK(s->integration_get(s, got.user_id, got.service, &check));
	assert_integration_eq(&check, &got); /* unchanged */
	OK(s->integration_reencrypt(s, &r, old_version, old_nonce));
	OK(s->integration_get(s, got.user_id, got.service, &check));
	ck_assert_int_eq(check.key_version, 3);
	ck_assert_mem_eq(check.nonce, r.nonce, AUTHKIT_STORE_NONCE_LEN);
	ck_assert_uint_eq(check.ciphertext_len, 33);
	ck_assert_mem_eq(check.ciphertext, r.ciphertext, 33);
	ck_assert_str_eq(check.masked, got.masked); /* only the crypto fields change */
	ck_assert_int_eq(check.created_at, got.created_at);
	ck_assert_int_eq(s->integration_reencrypt(s, &r, old_version, old_nonce), AUTHKIT_ENOTFOUND); /* once */

	/* A put between the scan and the re-encryption wins. */
	OK(s->integration_get(s, all.users[1], all.services[1], &got));
	make_integration(&r, got.user_id, got.service, got.key_version, 901, 25); /* new nonce, same version */
	OK(s->integration_put(s, &r));
	static authkit_store_integration re;
	make_integration(&re, got.user_id, got.service, 3, 902, 26);
	ck_assert_int_eq(s->integration_reencrypt(s, &re, got.key_version, got.nonce), AUTHKIT_ENOTFOUND);
	OK(s->integration_get(s, got.user_id, got.service, &check));
	assert_integration_eq(&check, &r);
	/* Gone: ENOTFOUND too. */
	make_integration(&re, u[0], "nope", 3, 903, 26);
	ck_assert_int_eq(s->integration_reencrypt(s, &re, 1, re.nonce), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->integration_reencrypt(s, &re, 1, NULL), AUTHKIT_EINVALID);

	memset(&none, 0, sizeof none);
	OK(s->integration_scan_stale(s, 3, 0, "", 100, collect_integration, &none));
	ck_assert_int_eq(none.count, stale - 1);
	backend_close(&b);
}
END_TEST

START_TEST(test_api_keys)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	authkit_store_api_key k, got;
	make_api_key(&k, "ak_one", alice, 1, T0);
	OK(s->api_key_insert(s, &k));
	OK(s->api_key_get(s, "ak_one", &got));
	ck_assert_str_eq(got.public_id, "ak_one");
	ck_assert_int_eq(got.user_id, alice);
	ck_assert_mem_eq(got.secret_hash, k.secret_hash, AUTHKIT_STORE_HASH_LEN);
	ck_assert_str_eq(got.name, k.name);
	ck_assert_str_eq(got.scopes, k.scopes);
	ck_assert_int_eq(got.created_at, T0);
	ck_assert_int_eq(got.expires_at, T0 + 86400);
	ck_assert_int_eq(got.last_used_at, 0);
	ck_assert_int_eq(got.revoked_at, 0);

	/* Id clash (even for another user): EEXISTS; unknown user: ENOTFOUND. */
	make_api_key(&k, "ak_one", bob, 2, T0);
	ck_assert_int_eq(s->api_key_insert(s, &k), AUTHKIT_EEXISTS);
	make_api_key(&k, "ak_orphan", alice + bob + 100, 3, T0);
	ck_assert_int_eq(s->api_key_insert(s, &k), AUTHKIT_ENOTFOUND);
	make_api_key(&k, "", alice, 3, T0);
	ck_assert_int_eq(s->api_key_insert(s, &k), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->api_key_insert(s, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->api_key_get(s, "ak_none", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->api_key_get(s, NULL, &got), AUTHKIT_EINVALID);

	make_api_key(&k, "ak_two", alice, 4, T0 + 10);
	OK(s->api_key_insert(s, &k));
	make_api_key(&k, "ak_three", alice, 5, T0 + 10); /* same second: insertion order breaks the tie */
	OK(s->api_key_insert(s, &k));
	make_api_key(&k, "ak_bob", bob, 6, T0);
	OK(s->api_key_insert(s, &k));
	key_ids ids = {0};
	OK(s->api_key_list(s, alice, collect_key, &ids));
	ck_assert_int_eq(ids.count, 3);
	ck_assert_str_eq(ids.ids[0], "ak_three");
	ck_assert_str_eq(ids.ids[1], "ak_two");
	ck_assert_str_eq(ids.ids[2], "ak_one");
	ck_assert_int_eq(s->api_key_list(s, alice, NULL, NULL), AUTHKIT_EINVALID);

	/* Revoke: sets revoked_at once; again is OK and keeps the first time. */
	OK(s->api_key_revoke(s, "ak_two", T0 + 100));
	OK(s->api_key_get(s, "ak_two", &got));
	ck_assert_int_eq(got.revoked_at, T0 + 100);
	OK(s->api_key_revoke(s, "ak_two", T0 + 200));
	OK(s->api_key_get(s, "ak_two", &got));
	ck_assert_int_eq(got.revoked_at, T0 + 100);
	ck_assert_int_eq(s->api_key_revoke(s, "ak_none", T0), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->api_key_revoke(s, "ak_one", 0), AUTHKIT_EINVALID);
	OK(s->api_key_get(s, "ak_one", &got));
	ck_assert_int_eq(got.revoked_at, 0);
	memset(&ids, 0, sizeof ids);
	OK(s->api_key_list(s, alice, collect_key, &ids)); /* revoked keys are still listed */
	ck_assert_int_eq(ids.count, 3);

	/* Touch. */
	OK(s->api_key_touch(s, "ak_one", T0 + 300));
	OK(s->api_key_get(s, "ak_one", &got));
	ck_assert_int_eq(got.last_used_at, T0 + 300);
	ck_assert_int_eq(s->api_key_touch(s, "ak_none", T0), AUTHKIT_ENOTFOUND);
	expect_blobs(s, "api_keys", "secret_hash", 32, 4);
	backend_close(&b);
}
END_TEST

void conformance_add_keys(TCase *tc, int count)
{
	tcase_add_loop_test(tc, test_integrations, 0, count);
	tcase_add_loop_test(tc, test_integration_scan_reencrypt, 0, count);
	tcase_add_loop_test(tc, test_api_keys, 0, count);
}
