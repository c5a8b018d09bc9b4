/*
 * Users: registration, lookup, validation rules, paging, updates, roles,
 * lock state, deletion, timestamps, verbatim storage of hostile-looking
 * strings, audit events and imports of existing password hashes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "helpers.h"

/* Passes the policy and contains none of the usernames used below. */
#define PW "Xq7!Nimbus-Vortex-Pyl0n"

static test_clock clk;
static authkit_ctx *ctx;

static void setup(void)
{
	memset(&clk, 0, sizeof clk);
	ctx = test_ctx(&clk, 0, NULL);
}

static void teardown(void)
{
	authkit_ctx_free(ctx);
	ctx = NULL;
}

static int64_t now_s(void)
{
	return test_clock_read(&clk) / 1000;
}

static int64_t reg(const char *username, const char *email, const char *full_name)
{
	authkit_user *u = NULL;
	int rc = authkit_user_register(ctx, username, email, full_name, PW, &u);
	ck_assert_msg(rc == AUTHKIT_OK, "register %s: %s (%s)", username, authkit_strerror(rc), authkit_error_last());
	ck_assert_ptr_nonnull(u);
	int64_t id = authkit_user_id(u);
	ck_assert_int_gt(id, 0);
	authkit_user_free(u);
	return id;
}

/* A valid Argon2id hash of PW, made once per test that needs it. */
static char *hash_of_pw(void)
{
	char *h = NULL;
	ck_assert_int_eq(authkit_password_hash(ctx, PW, &h), AUTHKIT_OK);
	ck_assert_ptr_nonnull(h);
	ck_assert_msg(strncmp(h, "$argon2id$", 10) == 0, "hash: %s", h);
	return h;
}

static int64_t imp(const char *username, const char *email, const char *full_name, const char *hash)
{
	authkit_user *u = NULL;
	int rc = authkit_user_import(ctx, username, email, full_name, hash, &u);
	ck_assert_msg(rc == AUTHKIT_OK, "import %s: %s (%s)", username, authkit_strerror(rc), authkit_error_last());
	int64_t id = authkit_user_id(u);
	authkit_user_free(u);
	return id;
}

static authkit_user *get(int64_t id)
{
	authkit_user *u = NULL;
	int rc = authkit_user_get_by_id(ctx, id, &u);
	ck_assert_msg(rc == AUTHKIT_OK, "get %lld: %s", (long long)id, authkit_strerror(rc));
	return u;
}

static int64_t user_count(void)
{
	int64_t n = -1;
	ck_assert_int_eq(authkit_user_count(ctx, &n), AUTHKIT_OK);
	return n;
}

static void repeat(char *out, char c, size_t n)
{
	memset(out, c, n);
	out[n] = '\0';
}

/* ------------------------------------------------------------------ */

START_TEST(register_and_get)
{
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(ctx, "Alice_01", "Alice@Example.COM", "Alice Liddell", PW, &u),
	                 AUTHKIT_OK);
	ck_assert_ptr_nonnull(u);
	int64_t id = authkit_user_id(u);
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(authkit_user_username(u), "Alice_01");
	ck_assert_str_eq(authkit_user_email(u), "alice@example.com");
	ck_assert_str_eq(authkit_user_full_name(u), "Alice Liddell");
	ck_assert_int_eq(authkit_user_is_active(u), 1);
	ck_assert_int_eq(authkit_user_is_verified(u), 0);
	ck_assert_int_eq(authkit_user_is_superuser(u), 0);
	ck_assert_int_eq(authkit_user_created_at(u), now_s());
	ck_assert_int_eq(authkit_user_updated_at(u), now_s());
	ck_assert_int_eq(authkit_user_last_login_at(u), 0);
	ck_assert_int_eq(authkit_user_locked_until(u), 0);
	ck_assert_int_eq(authkit_user_failed_logins(u), 0);
	ck_assert_uint_eq(authkit_user_role_count(u), 0);
	ck_assert_ptr_null(authkit_user_role(u, 0));
	authkit_user_free(u);

	const char *names[] = {"Alice_01", "alice_01", "ALICE_01", "aLiCe_01"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		u = NULL;
		ck_assert_int_eq(authkit_user_get_by_username(ctx, names[i], &u), AUTHKIT_OK);
		ck_assert_int_eq(authkit_user_id(u), id);
		ck_assert_str_eq(authkit_user_username(u), "Alice_01"); /* stored as typed */
		authkit_user_free(u);
	}
	const char *emails[] = {"alice@example.com", "ALICE@EXAMPLE.COM", "Alice@Example.Com"};
	for (size_t i = 0; i < sizeof emails / sizeof *emails; i++) {
		u = NULL;
		ck_assert_int_eq(authkit_user_get_by_email(ctx, emails[i], &u), AUTHKIT_OK);
		ck_assert_int_eq(authkit_user_id(u), id);
		ck_assert_str_eq(authkit_user_email(u), "alice@example.com");
		authkit_user_free(u);
	}
	u = get(id);
	ck_assert_str_eq(authkit_user_username(u), "Alice_01");
	ck_assert_str_eq(authkit_user_full_name(u), "Alice Liddell");
	authkit_user_free(u);

	/* misses */
	u = (authkit_user *)&clk;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, id + 1, &u), AUTHKIT_ENOTFOUND);
	ck_assert_ptr_null(u);
	u = (authkit_user *)&clk;
	ck_assert_int_eq(authkit_user_get_by_username(ctx, "Alice_02", &u), AUTHKIT_ENOTFOUND);
	ck_assert_ptr_null(u);
	u = (authkit_user *)&clk;
	ck_assert_int_eq(authkit_user_get_by_email(ctx, "alice@example.org", &u), AUTHKIT_ENOTFOUND);
	ck_assert_ptr_null(u);
	ck_assert_int_eq(user_count(), 1);
	ck_assert_int_eq(test_audit_count(ctx, id, "user.registered", NULL), 1);

	/* out may be NULL */
	ck_assert_int_eq(authkit_user_register(ctx, "bob", "bob@example.com", NULL, PW, NULL), AUTHKIT_OK);
	ck_assert_int_eq(user_count(), 2);
}
END_TEST

START_TEST(unique_case_insensitive)
{
	int64_t id = reg("Carol", "carol@example.com", NULL);
	int before = test_audit_count(ctx, 0, NULL, NULL);
	authkit_user *u = (authkit_user *)&clk;
	ck_assert_int_eq(authkit_user_register(ctx, "carol", "other@example.com", NULL, PW, &u), AUTHKIT_EEXISTS);
	ck_assert_ptr_null(u);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "username"));
	ck_assert_int_eq(authkit_user_register(ctx, "CAROL", "other@example.com", NULL, PW, NULL), AUTHKIT_EEXISTS);
	ck_assert_int_eq(authkit_user_register(ctx, "carol2", "CAROL@Example.com", NULL, PW, NULL), AUTHKIT_EEXISTS);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "email"));
	ck_assert_int_eq(authkit_user_register(ctx, "carol3", "carol@EXAMPLE.COM", NULL, PW, NULL), AUTHKIT_EEXISTS);

	char *h = hash_of_pw();
	ck_assert_int_eq(authkit_user_import(ctx, "cArOl", "x@example.com", NULL, h, NULL), AUTHKIT_EEXISTS);
	ck_assert_int_eq(authkit_user_import(ctx, "carol4", "Carol@example.com", NULL, h, NULL), AUTHKIT_EEXISTS);
	authkit_string_free(h);

	ck_assert_int_eq(user_count(), 1);
	ck_assert_int_eq(test_audit_count(ctx, 0, NULL, NULL), before); /* no event for a failed registration */

	/* updates obey the same uniqueness */
	int64_t d = reg("dave", "dave@example.com", NULL);
	ck_assert_int_eq(authkit_user_set_username(ctx, d, "CAROL"), AUTHKIT_EEXISTS);
	ck_assert_int_eq(authkit_user_set_email(ctx, d, "Carol@Example.com"), AUTHKIT_EEXISTS);
	u = get(d);
	ck_assert_str_eq(authkit_user_username(u), "dave");
	ck_assert_str_eq(authkit_user_email(u), "dave@example.com");
	authkit_user_free(u);
	/* changing only the case of one's own username is allowed */
	ck_assert_int_eq(authkit_user_set_username(ctx, id, "CaRoL"), AUTHKIT_OK);
	u = get(id);
	ck_assert_str_eq(authkit_user_username(u), "CaRoL");
	authkit_user_free(u);
}
END_TEST

START_TEST(username_rules)
{
	char max[40], over[40];
	repeat(max, 'u', 32);
	repeat(over, 'u', 33);
	const char *good[] = {"abc", "a.b-c_d", "ABC123xyz", max, "9_9"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		char email[64];
		snprintf(email, sizeof email, "good%zu@example.com", i);
		int64_t id = reg(good[i], email, NULL);
		authkit_user *u = get(id);
		ck_assert_str_eq(authkit_user_username(u), good[i]);
		authkit_user_free(u);
	}
	const char *bad[] = {"",       "a",        "ab",          over,       "a b",    "a@b",
	                     "jos\xC3\xA9", "a/b",  "a'b",         "a;b",      "<ab>",   "tab\tx",
	                     "\xC3\x28zz", "ab\xED\xA0\x80", "\xC0\xAFxx", "\xEF\xBC\xA1" "bc" /* fullwidth A */};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = authkit_user_register(ctx, bad[i], "bad@example.com", NULL, PW, NULL);
		ck_assert_msg(rc == AUTHKIT_EINVALID, "username #%zu: %s", i, authkit_strerror(rc));
		ck_assert_str_ne(authkit_error_last(), "");
	}
	ck_assert_int_eq(authkit_user_register(ctx, NULL, "bad@example.com", NULL, PW, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(user_count(), (int64_t)(sizeof good / sizeof *good));
}
END_TEST

START_TEST(email_rules)
{
	/* 64-char local part, domain of 63+63+61+"com" labels: 254 chars in all */
	char longest[300], too_long[300], local65[100];
	char l63[64], l61[62];
	repeat(l63, 'd', 63);
	repeat(l61, 'e', 61);
	char local64[65];
	repeat(local64, 'l', 64);
	snprintf(longest, sizeof longest, "%s@%s.%s.%s.com", local64, l63, l63, l61 + 4);
	ck_assert_uint_eq(strlen(longest), 64 + 1 + 63 + 1 + 63 + 1 + 57 + 4);
	ck_assert_uint_eq(strlen(longest), 254);
	snprintf(too_long, sizeof too_long, "%s@%s.%s.%s.com", local64, l63, l63, l61 + 3);
	ck_assert_uint_eq(strlen(too_long), 255);
	repeat(local65, 'l', 65);
	strcat(local65, "@example.com");

	struct {
		const char *in, *stored;
	} good[] = {
	    {"o'brien@example.com", "o'brien@example.com"},
	    {"First.Last+Tag@Sub.Example.CO.UK", "first.last+tag@sub.example.co.uk"},
	    {"x_y-z@a-b.example", "x_y-z@a-b.example"},
	    {longest, longest},
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		char username[16];
		snprintf(username, sizeof username, "mail%zu", i);
		int64_t id = reg(username, good[i].in, NULL);
		authkit_user *u = get(id);
		ck_assert_str_eq(authkit_user_email(u), good[i].stored);
		authkit_user_free(u);
		u = NULL;
		ck_assert_int_eq(authkit_user_get_by_email(ctx, good[i].in, &u), AUTHKIT_OK);
		ck_assert_int_eq(authkit_user_id(u), id);
		authkit_user_free(u);
	}
	const char *bad[] = {"",
	                     "plain",
	                     "@example.com",
	                     "a@",
	                     "a@b",
	                     "a..b@example.com",
	                     ".a@example.com",
	                     "a.@example.com",
	                     "a@-example.com",
	                     "a@example-.com",
	                     "a@example..com",
	                     "a@@example.com",
	                     "a@b@example.com",
	                     "a b@example.com",
	                     "a@exa_mple.com",
	                     "\xC3\xBC@example.com",
	                     "\xC3\x28@example.com",
	                     "a@ex\xED\xA0\x80.com",
	                     "a@example.com\n",
	                     "<a>@example.com",
	                     too_long,
	                     local65};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = authkit_user_register(ctx, "mailbad", bad[i], NULL, PW, NULL);
		ck_assert_msg(rc == AUTHKIT_EINVALID, "email #%zu: %s", i, authkit_strerror(rc));
	}
	ck_assert_int_eq(authkit_user_register(ctx, "mailbad", NULL, NULL, PW, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(user_count(), (int64_t)(sizeof good / sizeof *good));
}
END_TEST

START_TEST(full_name_rules)
{
	char *h = hash_of_pw();
	/* optional */
	int64_t a = imp("fn_null", "fn1@example.com", NULL, h);
	int64_t b = imp("fn_empty", "fn2@example.com", "", h);
	authkit_user *u = get(a);
	ck_assert_str_eq(authkit_user_full_name(u), "");
	authkit_user_free(u);
	u = get(b);
	ck_assert_str_eq(authkit_user_full_name(u), "");
	authkit_user_free(u);

	/* UTF-8 of every width, verbatim */
	const char *utf = "Zo\xC3\xAB \xC3\x85ngstr\xC3\xB6m \xE6\x9D\x8E\xE5\xB0\x8F\xE9\xBE\x99 \xF0\x9F\x8E\x89";
	int64_t c = reg("fn_utf8", "fn3@example.com", utf);
	u = get(c);
	ck_assert_str_eq(authkit_user_full_name(u), utf);
	authkit_user_free(u);

	/* 128 code points: accepted, whether 1 or 4 bytes each */
	char ascii128[200], emoji128[600], emoji129[600], ascii129[200];
	repeat(ascii128, 'n', 128);
	repeat(ascii129, 'n', 129);
	emoji128[0] = emoji129[0] = '\0';
	for (int i = 0; i < 128; i++)
		strcat(emoji128, "\xF0\x9F\x98\x80");
	strcpy(emoji129, emoji128);
	strcat(emoji129, "\xF0\x9F\x98\x80");
	ck_assert_uint_eq(strlen(emoji128), 512);
	int64_t d = imp("fn_ascii", "fn4@example.com", ascii128, h);
	int64_t e = imp("fn_emoji", "fn5@example.com", emoji128, h);
	u = get(d);
	ck_assert_str_eq(authkit_user_full_name(u), ascii128);
	authkit_user_free(u);
	u = get(e);
	ck_assert_str_eq(authkit_user_full_name(u), emoji128);
	authkit_user_free(u);

	const char *bad[] = {ascii129, emoji129, "a\tb", "new\nline", "del\x7f", "\xC3\x28", "\xED\xA0\x80",
	                     "\xC0\xAF", "\xF4\x90\x80\x80", "\xE2\x82", "\x80"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = authkit_user_import(ctx, "fn_bad", "fnbad@example.com", bad[i], h, NULL);
		ck_assert_msg(rc == AUTHKIT_EINVALID, "full name #%zu import: %s", i, authkit_strerror(rc));
		rc = authkit_user_set_full_name(ctx, a, bad[i]);
		ck_assert_msg(rc == AUTHKIT_EINVALID, "full name #%zu set: %s", i, authkit_strerror(rc));
	}
	ck_assert_int_eq(authkit_user_register(ctx, "fn_bad", "fnbad@example.com", ascii129, PW, NULL),
	                 AUTHKIT_EINVALID);
	u = get(a);
	ck_assert_str_eq(authkit_user_full_name(u), "");
	authkit_user_free(u);
	ck_assert_int_eq(user_count(), 5);

	/* set and clear */
	ck_assert_int_eq(authkit_user_set_full_name(ctx, a, utf), AUTHKIT_OK);
	u = get(a);
	ck_assert_str_eq(authkit_user_full_name(u), utf);
	authkit_user_free(u);
	ck_assert_int_eq(authkit_user_set_full_name(ctx, a, NULL), AUTHKIT_OK);
	u = get(a);
	ck_assert_str_eq(authkit_user_full_name(u), "");
	authkit_user_free(u);
	ck_assert_int_eq(authkit_user_set_full_name(ctx, c, ""), AUTHKIT_OK);
	u = get(c);
	ck_assert_str_eq(authkit_user_full_name(u), "");
	authkit_user_free(u);
	authkit_string_free(h);
}
END_TEST

START_TEST(hostile_strings_verbatim)
{
	const char *names[] = {
	    "Robert');DROP TABLE users;--",
	    "<script>alert('x')</script>",
	    "{\"admin\":true,\"x\":\"\\\"}",
	    "' OR '1'='1",
	    "%s%n%x \\0 $(rm -rf /) `id`",
	};
	const char *emails[] = {
	    "o'brien@example.com",
	    "a'or'1'='1@example.com",
	    "x--@example.com",
	    "{json}@example.com",
	    "percent%s@example.com",
	};
	const char *usernames[] = {"a.b-c_d", "robert.tables", "--_--", "...", "x-y.z"};
	int64_t ids[5];
	for (int i = 0; i < 5; i++) {
		ids[i] = reg(usernames[i], emails[i], names[i]);
	}
	ck_assert_int_eq(user_count(), 5); /* the table survived */
	for (int i = 0; i < 5; i++) {
		authkit_user *u = get(ids[i]);
		ck_assert_str_eq(authkit_user_username(u), usernames[i]);
		ck_assert_str_eq(authkit_user_email(u), emails[i]);
		ck_assert_str_eq(authkit_user_full_name(u), names[i]);
		authkit_user_free(u);
		u = NULL;
		ck_assert_int_eq(authkit_user_get_by_email(ctx, emails[i], &u), AUTHKIT_OK);
		ck_assert_int_eq(authkit_user_id(u), ids[i]);
		authkit_user_free(u);
		u = NULL;
		ck_assert_int_eq(authkit_user_get_by_username(ctx, usernames[i], &u), AUTHKIT_OK);
		ck_assert_int_eq(authkit_user_id(u), ids[i]);
		authkit_user_free(u);
	}
	/* a quote in the lookup key must not match anything else */
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_email(ctx, "x'--@example.com", &u), AUTHKIT_ENOTFOUND);
	/* and they come back verbatim through the list */
	authkit_user_list *l = NULL;
	ck_assert_int_eq(authkit_user_list_page(ctx, 0, 10, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_user_list_count(l), 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_str_eq(authkit_user_full_name(authkit_user_list_get(l, i)), names[i]);
	authkit_user_list_free(l);
	/* hostile text through an update too */
	ck_assert_int_eq(authkit_user_set_full_name(ctx, ids[0], "x\"); DELETE FROM audit_log; --"), AUTHKIT_OK);
	u = get(ids[0]);
	ck_assert_str_eq(authkit_user_full_name(u), "x\"); DELETE FROM audit_log; --");
	authkit_user_free(u);
	ck_assert_int_eq(test_audit_count(ctx, 0, "user.registered", NULL), 5);
	/* a role name with the allowed punctuation */
	ck_assert_int_eq(authkit_user_add_role(ctx, ids[1], "ns:reader.v2-x_y"), AUTHKIT_OK);
	u = get(ids[1]);
	ck_assert_int_eq(authkit_user_has_role(u, "ns:reader.v2-x_y"), 1);
	authkit_user_free(u);
}
END_TEST

START_TEST(list_paging_and_count)
{
	char *h = hash_of_pw();
	ck_assert_int_eq(user_count(), 0);
	authkit_user_list *l = NULL;
	ck_assert_int_eq(authkit_user_list_page(ctx, 0, 10, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_user_list_count(l), 0);
	ck_assert_ptr_null(authkit_user_list_get(l, 0));
	authkit_user_list_free(l);

	int64_t ids[7];
	for (int i = 0; i < 7; i++) {
		char un[16], em[32];
		snprintf(un, sizeof un, "page%d", i);
		snprintf(em, sizeof em, "page%d@example.com", i);
		ids[i] = imp(un, em, NULL, h);
		if (i)
			ck_assert_int_gt(ids[i], ids[i - 1]);
	}
	authkit_string_free(h);
	ck_assert_int_eq(user_count(), 7);
	/* delete one in the middle: paging skips the gap */
	ck_assert_int_eq(authkit_user_delete(ctx, ids[3]), AUTHKIT_OK);
	ck_assert_int_eq(user_count(), 6);

	int64_t after = 0;
	size_t seen = 0, pages = 0;
	int64_t expect[] = {ids[0], ids[1], ids[2], ids[4], ids[5], ids[6]};
	for (;;) {
		l = NULL;
		ck_assert_int_eq(authkit_user_list_page(ctx, after, 4, &l), AUTHKIT_OK);
		size_t n = authkit_user_list_count(l);
		ck_assert_uint_le(n, 4);
		if (n == 0) {
			authkit_user_list_free(l);
			break;
		}
		pages++;
		for (size_t i = 0; i < n; i++) {
			const authkit_user *u = authkit_user_list_get(l, i);
			ck_assert_uint_lt(seen, 6);
			ck_assert_int_eq(authkit_user_id(u), expect[seen]);
			char un[16];
			snprintf(un, sizeof un, "page%d", (int)(seen >= 3 ? seen + 1 : seen));
			ck_assert_str_eq(authkit_user_username(u), un);
			seen++;
		}
		ck_assert_ptr_null(authkit_user_list_get(l, n));
		after = authkit_user_id(authkit_user_list_get(l, n - 1));
		authkit_user_list_free(l);
	}
	ck_assert_uint_eq(seen, 6);
	ck_assert_uint_eq(pages, 2);

	/* after_id in the middle, limit 1 */
	l = NULL;
	ck_assert_int_eq(authkit_user_list_page(ctx, ids[2], 1, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_user_list_count(l), 1);
	ck_assert_int_eq(authkit_user_id(authkit_user_list_get(l, 0)), ids[4]);
	authkit_user_list_free(l);
	/* after the last: empty */
	l = NULL;
	ck_assert_int_eq(authkit_user_list_page(ctx, ids[6], 1000, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_user_list_count(l), 0);
	authkit_user_list_free(l);
	/* limits */
	l = (authkit_user_list *)&clk;
	ck_assert_int_eq(authkit_user_list_page(ctx, 0, 0, &l), AUTHKIT_EINVALID);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(authkit_user_list_page(ctx, 0, 1001, &l), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_user_list_page(ctx, -1, 10, &l), AUTHKIT_EINVALID);
}
END_TEST

START_TEST(setters)
{
	int64_t id = reg("erin", "erin@example.com", "Erin");
	int64_t t0 = now_s();
	authkit_user *u;

	test_clock_advance_s(&clk, 10);
	ck_assert_int_eq(authkit_user_set_full_name(ctx, id, "Erin O'Neil"), AUTHKIT_OK);
	u = get(id);
	ck_assert_str_eq(authkit_user_full_name(u), "Erin O'Neil");
	ck_assert_int_eq(authkit_user_updated_at(u), t0 + 10);
	ck_assert_int_eq(authkit_user_created_at(u), t0);
	/* other fields untouched */
	ck_assert_str_eq(authkit_user_username(u), "erin");
	ck_assert_str_eq(authkit_user_email(u), "erin@example.com");
	ck_assert_int_eq(authkit_user_is_active(u), 1);
	authkit_user_free(u);

	test_clock_advance_s(&clk, 10);
	ck_assert_int_eq(authkit_user_set_username(ctx, id, "Erin.N"), AUTHKIT_OK);
	u = get(id);
	ck_assert_str_eq(authkit_user_username(u), "Erin.N");
	ck_assert_int_eq(authkit_user_updated_at(u), t0 + 20);
	ck_assert_str_eq(authkit_user_full_name(u), "Erin O'Neil");
	authkit_user_free(u);
	u = NULL;
	ck_assert_int_eq(authkit_user_get_by_username(ctx, "erin", &u), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_get_by_username(ctx, "erin.n", &u), AUTHKIT_OK);
	authkit_user_free(u);

	ck_assert_int_eq(authkit_user_set_verified(ctx, id, 1), AUTHKIT_OK);
	u = get(id);
	ck_assert_int_eq(authkit_user_is_verified(u), 1);
	authkit_user_free(u);

	test_clock_advance_s(&clk, 10);
	ck_assert_int_eq(authkit_user_set_email(ctx, id, "Erin.New@Example.ORG"), AUTHKIT_OK);
	u = get(id);
	ck_assert_str_eq(authkit_user_email(u), "erin.new@example.org");
	ck_assert_int_eq(authkit_user_is_verified(u), 0); /* re-verification needed */
	ck_assert_int_eq(authkit_user_updated_at(u), t0 + 30);
	ck_assert_str_eq(authkit_user_username(u), "Erin.N");
	authkit_user_free(u);
	u = NULL;
	ck_assert_int_eq(authkit_user_get_by_email(ctx, "erin@example.com", &u), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_get_by_email(ctx, "ERIN.NEW@example.org", &u), AUTHKIT_OK);
	authkit_user_free(u);

	/* flags: each one alone */
	ck_assert_int_eq(authkit_user_set_superuser(ctx, id, 1), AUTHKIT_OK);
	u = get(id);
	ck_assert_int_eq(authkit_user_is_superuser(u), 1);
	ck_assert_int_eq(authkit_user_is_active(u), 1);
	ck_assert_int_eq(authkit_user_is_verified(u), 0);
	authkit_user_free(u);
	ck_assert_int_eq(authkit_user_set_active(ctx, id, 0), AUTHKIT_OK);
	u = get(id);
	ck_assert_int_eq(authkit_user_is_active(u), 0);
	ck_assert_int_eq(authkit_user_is_superuser(u), 1);
	authkit_user_free(u);
	ck_assert_int_eq(authkit_user_set_verified(ctx, id, 1), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_set_superuser(ctx, id, 0), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_set_active(ctx, id, 1), AUTHKIT_OK);
	u = get(id);
	ck_assert_int_eq(authkit_user_is_active(u), 1);
	ck_assert_int_eq(authkit_user_is_verified(u), 1);
	ck_assert_int_eq(authkit_user_is_superuser(u), 0);
	authkit_user_free(u);
	ck_assert_int_eq(authkit_user_set_active(ctx, id, 2), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_user_set_verified(ctx, id, -1), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_user_set_superuser(ctx, id, 2), AUTHKIT_EINVALID);

	/* unknown user */
	ck_assert_int_eq(authkit_user_set_full_name(ctx, id + 100, "x"), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_set_username(ctx, id + 100, "nobody"), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_set_email(ctx, id + 100, "nobody@example.com"), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_set_active(ctx, id + 100, 1), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_set_verified(ctx, id + 100, 1), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_set_superuser(ctx, id + 100, 1), AUTHKIT_ENOTFOUND);

	/* audit trail of the updates */
	ck_assert_int_eq(test_audit_count(ctx, id, "user.updated", "field=full_name"), 1);
	ck_assert_int_eq(test_audit_count(ctx, id, "user.updated", "field=username"), 1);
	ck_assert_int_eq(test_audit_count(ctx, id, "user.updated", "field=email"), 1);
	ck_assert_int_eq(test_audit_count(ctx, id, "user.updated", "field=active value=0"), 1);
	ck_assert_int_eq(test_audit_count(ctx, id, "user.updated", "field=superuser value=1"), 1);
	ck_assert_int_eq(test_audit_count(ctx, id, "user.updated", NULL), 9);
	ck_assert_int_eq(test_audit_count(ctx, id + 100, NULL, NULL), 0);
}
END_TEST

START_TEST(roles)
{
	int64_t id = reg("frank", "frank@example.com", NULL);
	int64_t t0 = now_s();
	test_clock_advance_s(&clk, 5);
	ck_assert_int_eq(authkit_user_add_role(ctx, id, "admin"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_add_role(ctx, id, "editor"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_add_role(ctx, id, "admin"), AUTHKIT_OK); /* no-op */
	authkit_user *u = get(id);
	ck_assert_uint_eq(authkit_user_role_count(u), 2);
	ck_assert_int_eq(authkit_user_has_role(u, "admin"), 1);
	ck_assert_int_eq(authkit_user_has_role(u, "editor"), 1);
	ck_assert_int_eq(authkit_user_has_role(u, "Admin"), 0);
	ck_assert_int_eq(authkit_user_has_role(u, "adm"), 0);
	ck_assert_int_eq(authkit_user_has_role(u, "viewer"), 0);
	ck_assert_ptr_nonnull(authkit_user_role(u, 0));
	ck_assert_ptr_nonnull(authkit_user_role(u, 1));
	ck_assert_ptr_null(authkit_user_role(u, 2));
	ck_assert_int_eq(authkit_user_updated_at(u), t0 + 5);
	authkit_user_free(u);

	ck_assert_int_eq(authkit_user_remove_role(ctx, id, "editor"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_remove_role(ctx, id, "ghost"), AUTHKIT_OK); /* no-op */
	u = get(id);
	ck_assert_uint_eq(authkit_user_role_count(u), 1);
	ck_assert_str_eq(authkit_user_role(u, 0), "admin");
	ck_assert_int_eq(authkit_user_has_role(u, "editor"), 0);
	authkit_user_free(u);

	/* at most 16 */
	char role[40];
	for (int i = 1; i < AUTHKIT_ROLES_PER_USER_MAX; i++) {
		snprintf(role, sizeof role, "role%02d", i);
		ck_assert_int_eq(authkit_user_add_role(ctx, id, role), AUTHKIT_OK);
	}
	u = get(id);
	ck_assert_uint_eq(authkit_user_role_count(u), 16);
	authkit_user_free(u);
	ck_assert_int_eq(authkit_user_add_role(ctx, id, "one.too.many"), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_user_add_role(ctx, id, "admin"), AUTHKIT_OK); /* present: still a no-op */
	u = get(id);
	ck_assert_uint_eq(authkit_user_role_count(u), 16);
	ck_assert_int_eq(authkit_user_has_role(u, "one.too.many"), 0);
	ck_assert_int_eq(authkit_user_has_role(u, "role15"), 1);
	authkit_user_free(u);

	/* a 32-character role is fine, 33 is not */
	ck_assert_int_eq(authkit_user_remove_role(ctx, id, "role15"), AUTHKIT_OK);
	repeat(role, 'r', 32);
	ck_assert_int_eq(authkit_user_add_role(ctx, id, role), AUTHKIT_OK);
	u = get(id);
	ck_assert_int_eq(authkit_user_has_role(u, role), 1);
	ck_assert_uint_eq(authkit_user_role_count(u), 16);
	authkit_user_free(u);
	repeat(role, 'r', 33);
	const char *bad[] = {"", "a b", "a,b", role, "r\xC3\xB4le", "\xC3\x28", "a'b"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_msg(authkit_user_add_role(ctx, id, bad[i]) == AUTHKIT_EINVALID, "role #%zu", i);
		ck_assert_msg(authkit_user_remove_role(ctx, id, bad[i]) == AUTHKIT_EINVALID, "role #%zu", i);
	}
	ck_assert_int_eq(authkit_user_add_role(ctx, id, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_user_add_role(ctx, id + 1, "admin"), AUTHKIT_ENOTFOUND);
	/* admin, editor, role01..role15 and the 32-character one were really added */
	ck_assert_int_ge(test_audit_count(ctx, id, "user.role_added", NULL), 18);
	ck_assert_int_ge(test_audit_count(ctx, id, "user.role_removed", NULL), 2);
	/* another user's roles are independent */
	int64_t other = reg("gina", "gina@example.com", NULL);
	u = get(other);
	ck_assert_uint_eq(authkit_user_role_count(u), 0);
	ck_assert_int_eq(authkit_user_has_role(u, "admin"), 0);
	authkit_user_free(u);
}
END_TEST

START_TEST(lock_unlock)
{
	int64_t id = reg("hank", "hank@example.com", NULL);
	int64_t until = now_s() + 3600;
	ck_assert_int_eq(authkit_user_lock(ctx, id, until), AUTHKIT_OK);
	authkit_user *u = get(id);
	ck_assert_int_eq(authkit_user_locked_until(u), until);
	authkit_user_free(u);
	authkit_user *out = NULL;
	int reason = -1;
	ck_assert_int_eq(authkit_authenticate_ex(ctx, "hank", PW, NULL, &out, &reason), AUTHKIT_EAUTH);
	ck_assert_int_eq(reason, AUTHKIT_AUTH_LOCKED);
	ck_assert_int_eq(authkit_user_unlock(ctx, id), AUTHKIT_OK);
	u = get(id);
	ck_assert_int_eq(authkit_user_locked_until(u), 0);
	ck_assert_int_eq(authkit_user_failed_logins(u), 0);
	authkit_user_free(u);
	ck_assert_int_eq(authkit_authenticate(ctx, "hank", PW, NULL, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_lock(ctx, id, 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_user_lock(ctx, id, -5), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_user_lock(ctx, id + 1, until), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_unlock(ctx, id + 1), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(test_audit_count(ctx, id, "user.locked", NULL), 1);
	ck_assert_int_eq(test_audit_count(ctx, id, "user.unlocked", NULL), 1);
}
END_TEST

START_TEST(delete_user)
{
	int64_t a = reg("ivan", "ivan@example.com", NULL);
	int64_t b = reg("judy", "judy@example.com", NULL);
	ck_assert_int_eq(authkit_user_add_role(ctx, a, "admin"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_delete(ctx, a), AUTHKIT_OK);
	authkit_user *u = (authkit_user *)&clk;
	ck_assert_int_eq(authkit_user_get_by_id(ctx, a, &u), AUTHKIT_ENOTFOUND);
	ck_assert_ptr_null(u);
	ck_assert_int_eq(authkit_user_get_by_username(ctx, "ivan", &u), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_get_by_email(ctx, "ivan@example.com", &u), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_delete(ctx, a), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_set_full_name(ctx, a, "x"), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_authenticate(ctx, "ivan", PW, NULL, NULL), AUTHKIT_EAUTH);
	ck_assert_int_eq(user_count(), 1);
	u = get(b); /* the other user is untouched */
	ck_assert_str_eq(authkit_user_username(u), "judy");
	authkit_user_free(u);
	ck_assert_int_eq(test_audit_count(ctx, a, "user.deleted", NULL), 1);
	/* the audit trail survives the user (append-only) */
	ck_assert_int_eq(test_audit_count(ctx, a, "user.registered", NULL), 1);
	/* the name and address are free again, under a new id */
	int64_t c = reg("IVAN", "Ivan@example.com", NULL);
	ck_assert_int_ne(c, a);
	u = get(c);
	ck_assert_uint_eq(authkit_user_role_count(u), 0); /* roles did not come back */
	authkit_user_free(u);
	ck_assert_int_eq(user_count(), 2);
}
END_TEST

START_TEST(timestamps_follow_clock)
{
	test_clock_set(&clk, 1800000000123LL);
	int64_t id = reg("kate", "kate@example.com", NULL);
	authkit_user *u = get(id);
	ck_assert_int_eq(authkit_user_created_at(u), 1800000000);
	ck_assert_int_eq(authkit_user_updated_at(u), 1800000000);
	ck_assert_int_eq(authkit_user_last_login_at(u), 0);
	authkit_user_free(u);
	ck_assert_int_eq(authkit_ctx_now_ms(ctx), 1800000000123LL);

	test_clock_advance_s(&clk, 100);
	ck_assert_int_eq(authkit_user_set_verified(ctx, id, 1), AUTHKIT_OK);
	test_clock_advance_s(&clk, 50);
	authkit_user *out = NULL;
	ck_assert_int_eq(authkit_authenticate(ctx, "kate", PW, "192.0.2.1", &out), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_last_login_at(out), 1800000150);
	authkit_user_free(out);
	u = get(id);
	ck_assert_int_eq(authkit_user_created_at(u), 1800000000);
	ck_assert_int_eq(authkit_user_updated_at(u), 1800000100);
	ck_assert_int_eq(authkit_user_last_login_at(u), 1800000150);
	authkit_user_free(u);
	test_clock_advance_s(&clk, 3600);
	ck_assert_int_eq(authkit_authenticate(ctx, "kate@example.com", PW, NULL, NULL), AUTHKIT_OK);
	u = get(id);
	ck_assert_int_eq(authkit_user_last_login_at(u), 1800003750);
	authkit_user_free(u);
}
END_TEST

START_TEST(audit_events_and_filters)
{
	int64_t t0 = now_s();
	int64_t a = reg("liam", "liam@example.com", NULL);
	test_clock_advance_s(&clk, 10);
	int64_t b = reg("mona", "mona@example.com", NULL);
	test_clock_advance_s(&clk, 10);
	ck_assert_int_eq(authkit_user_set_full_name(ctx, a, "Liam"), AUTHKIT_OK);
	test_clock_advance_s(&clk, 10);
	ck_assert_int_eq(authkit_user_delete(ctx, b), AUTHKIT_OK);

	authkit_audit_list *l = NULL;
	/* by user, newest first */
	ck_assert_int_eq(authkit_audit_query(ctx, a, 0, 0, 100, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_audit_list_count(l), 2);
	ck_assert_str_eq(authkit_audit_list_event(l, 0), "user.updated");
	ck_assert_int_eq(authkit_audit_list_time(l, 0), t0 + 20);
	ck_assert_str_eq(authkit_audit_list_event(l, 1), "user.registered");
	ck_assert_int_eq(authkit_audit_list_time(l, 1), t0);
	ck_assert_int_eq(authkit_audit_list_user_id(l, 0), a);
	ck_assert_int_eq(authkit_audit_list_user_id(l, 1), a);
	ck_assert_int_gt(authkit_audit_list_id(l, 0), authkit_audit_list_id(l, 1));
	ck_assert_str_eq(authkit_audit_list_ip(l, 1), "");
	ck_assert_ptr_null(authkit_audit_list_event(l, 2));
	ck_assert_ptr_null(authkit_audit_list_ip(l, 2));
	ck_assert_ptr_null(authkit_audit_list_detail(l, 2));
	ck_assert_int_eq(authkit_audit_list_time(l, 2), 0);
	authkit_audit_list_free(l);

	ck_assert_int_eq(authkit_audit_query(ctx, b, 0, 0, 100, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_audit_list_count(l), 2);
	ck_assert_str_eq(authkit_audit_list_event(l, 0), "user.deleted");
	ck_assert_int_eq(authkit_audit_list_time(l, 0), t0 + 30);
	ck_assert_str_eq(authkit_audit_list_event(l, 1), "user.registered");
	authkit_audit_list_free(l);

	/* time range: since <= time < until */
	ck_assert_int_eq(authkit_audit_query(ctx, 0, t0 + 10, t0 + 30, 100, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_audit_list_count(l), 2);
	ck_assert_str_eq(authkit_audit_list_event(l, 0), "user.updated");
	ck_assert_str_eq(authkit_audit_list_event(l, 1), "user.registered");
	ck_assert_int_eq(authkit_audit_list_user_id(l, 1), b);
	authkit_audit_list_free(l);
	ck_assert_int_eq(authkit_audit_query(ctx, 0, t0 + 30, 0, 100, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_audit_list_count(l), 1);
	ck_assert_str_eq(authkit_audit_list_event(l, 0), "user.deleted");
	authkit_audit_list_free(l);
	ck_assert_int_eq(authkit_audit_query(ctx, 0, t0 + 31, 0, 100, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_audit_list_count(l), 0);
	authkit_audit_list_free(l);
	ck_assert_int_eq(authkit_audit_query(ctx, 0, t0, t0 + 1, 100, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_audit_list_count(l), 1);
	ck_assert_int_eq(authkit_audit_list_user_id(l, 0), a);
	authkit_audit_list_free(l);
	/* user + range together */
	ck_assert_int_eq(authkit_audit_query(ctx, a, t0 + 1, 0, 100, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_audit_list_count(l), 1);
	ck_assert_str_eq(authkit_audit_list_event(l, 0), "user.updated");
	authkit_audit_list_free(l);
	/* limit keeps the newest */
	ck_assert_int_eq(authkit_audit_query(ctx, 0, 0, 0, 1, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_audit_list_count(l), 1);
	ck_assert_str_eq(authkit_audit_list_event(l, 0), "user.deleted");
	authkit_audit_list_free(l);
	/* all of it */
	ck_assert_int_eq(authkit_audit_query(ctx, 0, 0, 0, 10000, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_audit_list_count(l), 4);
	authkit_audit_list_free(l);
	/* no such user: empty, not an error */
	ck_assert_int_eq(authkit_audit_query(ctx, b + 100, 0, 0, 10, &l), AUTHKIT_OK);
	ck_assert_uint_eq(authkit_audit_list_count(l), 0);
	authkit_audit_list_free(l);
}
END_TEST

START_TEST(import_hashes)
{
	char *h = hash_of_pw();
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_import(ctx, "Nora", "NORA@example.com", "Nora N", h, &u), AUTHKIT_OK);
	int64_t a = authkit_user_id(u);
	ck_assert_str_eq(authkit_user_username(u), "Nora");
	ck_assert_str_eq(authkit_user_email(u), "nora@example.com");
	ck_assert_int_eq(authkit_user_created_at(u), now_s());
	authkit_user_free(u);
	authkit_store_user rec;
	ck_assert_int_eq(ak_user_load(ctx, a, &rec), AUTHKIT_OK);
	ck_assert_str_eq(rec.password_hash, h); /* stored as given */
	ck_assert_int_eq(test_audit_count(ctx, a, "user.imported", NULL), 1);
	ck_assert_int_eq(authkit_authenticate(ctx, "nora", PW, NULL, NULL), AUTHKIT_OK);

	bcrypt_case bc[8];
	test_load_bcrypt_fixture(bc, 8);
	ck_assert_int_eq(authkit_user_import(ctx, "oscar", "oscar@example.com", NULL, bc[0].hash, &u), AUTHKIT_OK);
	int64_t b = authkit_user_id(u);
	authkit_user_free(u);
	ck_assert_int_eq(ak_user_load(ctx, b, &rec), AUTHKIT_OK);
	ck_assert_str_eq(rec.password_hash, bc[0].hash);

	/* the three bcrypt prefixes are accepted */
	const char *prefixes[] = {"$2a$", "$2b$", "$2y$"};
	for (int i = 0; i < 3; i++) {
		char variant[128], un[16], em[32];
		strcpy(variant, bc[0].hash);
		memcpy(variant, prefixes[i], 4);
		snprintf(un, sizeof un, "bc%d", i);
		snprintf(em, sizeof em, "bc%d@example.com", i);
		int rc = authkit_user_import(ctx, un, em, NULL, variant, NULL);
		ck_assert_msg(rc == AUTHKIT_OK, "%s: %s", prefixes[i], authkit_error_last());
	}

	/* garbage */
	char long_hash[400];
	repeat(long_hash, 'a', 300);
	memcpy(long_hash, "$argon2id$", 10);
	char truncated[256];
	strcpy(truncated, h);
	truncated[strlen(truncated) - 44] = '\0'; /* drop "$<hash>": parameters and salt only */
	char bad_cost[128];
	strcpy(bad_cost, bc[0].hash);
	memcpy(bad_cost + 4, "xx", 2); /* "$2b$xx$..." */
	char short_bcrypt[128];
	strcpy(short_bcrypt, bc[0].hash);
	short_bcrypt[30] = '\0';
	const char *garbage[] = {"",
	                         "plaintext-password",
	                         PW,
	                         "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
	                         "$argon2id$garbage",
	                         "$argon2id$v=19$m=19456,t=2,p=1$$",
	                         "$2x$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
	                         "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
	                         "$6$rounds=5000$salt$hash",
	                         "*0",
	                         "!",
	                         truncated,
	                         bad_cost,
	                         short_bcrypt,
	                         long_hash};
	int64_t count = user_count();
	for (size_t i = 0; i < sizeof garbage / sizeof *garbage; i++) {
		u = (authkit_user *)&clk;
		int rc = authkit_user_import(ctx, "garbage", "garbage@example.com", NULL, garbage[i], &u);
		ck_assert_msg(rc == AUTHKIT_EINVALID, "garbage hash #%zu accepted: %s", i, authkit_strerror(rc));
		ck_assert_ptr_null(u);
		ck_assert_ptr_null(strstr(authkit_error_last(), garbage[i][0] ? garbage[i] : "\x01"));
	}
	ck_assert_int_eq(authkit_user_import(ctx, "garbage", "garbage@example.com", NULL, NULL, NULL),
	                 AUTHKIT_EINVALID);
	ck_assert_int_eq(user_count(), count);
	authkit_string_free(h);
}
END_TEST

static Suite *users_suite(void)
{
	Suite *s = suite_create("users");
	TCase *tc = tcase_create("users");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, register_and_get);
	tcase_add_test(tc, unique_case_insensitive);
	tcase_add_test(tc, username_rules);
	tcase_add_test(tc, email_rules);
	tcase_add_test(tc, full_name_rules);
	tcase_add_test(tc, hostile_strings_verbatim);
	tcase_add_test(tc, list_paging_and_count);
	tcase_add_test(tc, setters);
	tcase_add_test(tc, roles);
	tcase_add_test(tc, lock_unlock);
	tcase_add_test(tc, delete_user);
	tcase_add_test(tc, timestamps_follow_clock);
	tcase_add_test(tc, audit_events_and_filters);
	tcase_add_test(tc, import_hashes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(users_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
