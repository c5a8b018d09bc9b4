/*
 * HTTP request glue: the Bearer and Cookie parsers (tables), the Set-Cookie
 * builder (exact strings per configuration), CSRF tokens bound to a session,
 * and request authentication from a bearer token or the session cookie with
 * no fallback from a bad credential.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "authkit/token.h"
#include "helpers.h"

#define PW "Xq7!Nimbus-Vortex-Pyl0n"
#define SECRET "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define SECRET_B64 "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
#define SECRET2 "4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce"
#define SID "AAAAAAAAAAAAAAAAAAAAAA"
#define SID2 "BBBBBBBBBBBBBBBBBBBBBB"

static test_clock clk;

/* A context with string settings given as key, value, ..., NULL. */
static authkit_ctx *ctx_with(const char *key, ...)
{
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", ":memory:"), AUTHKIT_OK);
	va_list ap;
	va_start(ap, key);
	for (const char *k = key; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);
		ck_assert_msg(authkit_config_set(cfg, k, v) == AUTHKIT_OK, "%s: %s", k, authkit_error_last());
	}
	va_end(ap);
	return test_ctx_from_config(cfg);
}

/* ---- Authorization: Bearer ---- */

typedef struct bearer_case {
	const char *header;
	int rc;
	const char *token; /* expected on AUTHKIT_OK */
} bearer_case;

static const bearer_case bearer_cases[] = {
	{"Bearer abc", AUTHKIT_OK, "abc"},
	{"bearer abc", AUTHKIT_OK, "abc"},
	{"BEARER abc", AUTHKIT_OK, "abc"},
	{"bEaReR abc", AUTHKIT_OK, "abc"},
	{"Bearer    abc", AUTHKIT_OK, "abc"},
	{" \tBearer abc", AUTHKIT_OK, "abc"},
	{"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_", AUTHKIT_OK,
	 "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_"},
	{"Bearer A-._~+/Z09", AUTHKIT_OK, "A-._~+/Z09"},
	{"Bearer abc==", AUTHKIT_OK, "abc=="},
	{"Bearer ak_live_secret", AUTHKIT_OK, "ak_live_secret"},
	/* Bearer, but malformed */
	{"Bearer", AUTHKIT_EINVALID, NULL},
	{"Bearer ", AUTHKIT_EINVALID, NULL},
	{"Bearer    ", AUTHKIT_EINVALID, NULL},
	{"Bearer =", AUTHKIT_EINVALID, NULL},
	{"Bearer ==abc", AUTHKIT_EINVALID, NULL},
	{"Bearer abc=def", AUTHKIT_EINVALID, NULL},
	{"Bearer abc def", AUTHKIT_EINVALID, NULL},
	{"Bearer abc ", AUTHKIT_EINVALID, NULL},
	{"Bearer abc\t", AUTHKIT_EINVALID, NULL},
	{"Bearer abc,", AUTHKIT_EINVALID, NULL},
	{"Bearer \"abc\"", AUTHKIT_EINVALID, NULL},
	{"Bearer abc\r\nX-Evil: 1", AUTHKIT_EINVALID, NULL},
	{"Bearer\tabc", AUTHKIT_EINVALID, NULL},
	{"Bearer ab\xc3\xa9", AUTHKIT_EINVALID, NULL},
	/* not Bearer */
	{"", AUTHKIT_ENOTFOUND, NULL},
	{"   ", AUTHKIT_ENOTFOUND, NULL},
	{"Basic dXNlcjpwYXNz", AUTHKIT_ENOTFOUND, NULL},
	{"Bearerabc", AUTHKIT_EINVALID, NULL}, /* a broken Bearer, not another scheme */
	{"Bear abc", AUTHKIT_ENOTFOUND, NULL},
	{"Token abc", AUTHKIT_ENOTFOUND, NULL},
	{"abc", AUTHKIT_ENOTFOUND, NULL},
};

START_TEST(bearer_table)
{
	for (size_t i = 0; i < sizeof bearer_cases / sizeof bearer_cases[0]; i++) {
		const bearer_case *c = &bearer_cases[i];
		const char *tok = (const char *)1;
		size_t len = 99;
		int rc = authkit_http_bearer(c->header, &tok, &len);
		ck_assert_msg(rc == c->rc, "case %zu [%s]: rc %d, want %d", i, c->header, rc, c->rc);
		if (rc == AUTHKIT_OK) {
			ck_assert_uint_eq(len, strlen(c->token));
			ck_assert_int_eq(memcmp(tok, c->token, len), 0);
			ck_assert_int_eq(tok[len], '\0'); /* borrowed, and nothing follows */
			ck_assert(tok >= c->header && tok < c->header + strlen(c->header));
		} else {
			ck_assert_ptr_null(tok);
			ck_assert_uint_eq(len, 0);
			ck_assert_str_ne(authkit_error_last(), "");
		}
	}
}
END_TEST

START_TEST(bearer_null_and_long)
{
	const char *tok = NULL;
	size_t len = 0;
	ck_assert_int_eq(authkit_http_bearer(NULL, &tok, &len), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_http_bearer("Bearer abc", NULL, &len), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_http_bearer("Bearer abc", &tok, NULL), AUTHKIT_EINVALID);

	/* exactly AUTHKIT_HTTP_HEADER_MAX bytes is fine, one more is not */
	ck_assert_uint_eq(authkit_http_header_max(), AUTHKIT_HTTP_HEADER_MAX);
	char *h = malloc(AUTHKIT_HTTP_HEADER_MAX + 2);
	ck_assert_ptr_nonnull(h);
	memcpy(h, "Bearer ", 7);
	memset(h + 7, 'a', AUTHKIT_HTTP_HEADER_MAX - 7);
	h[AUTHKIT_HTTP_HEADER_MAX] = '\0';
	ck_assert_int_eq(authkit_http_bearer(h, &tok, &len), AUTHKIT_OK);
	ck_assert_uint_eq(len, AUTHKIT_HTTP_HEADER_MAX - 7);
	h[AUTHKIT_HTTP_HEADER_MAX] = 'a';
	h[AUTHKIT_HTTP_HEADER_MAX + 1] = '\0';
	ck_assert_int_eq(authkit_http_bearer(h, &tok, &len), AUTHKIT_EINVALID);
	ck_assert_ptr_null(tok);
	/* over-long is rejected whatever the scheme */
	memcpy(h, "Basic  ", 7);
	ck_assert_int_eq(authkit_http_bearer(h, &tok, &len), AUTHKIT_EINVALID);
	free(h);
}
END_TEST

/* ---- Cookie ---- */

typedef struct cookie_case {
	const char *header;
	const char *name;
	int rc;
	const char *value; /* expected on AUTHKIT_OK */
} cookie_case;

static const cookie_case cookie_cases[] = {
	{"a=b", "a", AUTHKIT_OK, "b"},
	{"a=b; c=d", "c", AUTHKIT_OK, "d"},
	{"a=b;c=d", "c", AUTHKIT_OK, "d"},
	{"a=b;  c=d", "c", AUTHKIT_OK, "d"},
	{"a=b ;\tc=d ", "c", AUTHKIT_OK, "d"},
	{"a=b; c=d", "a", AUTHKIT_OK, "b"},
	{"a=\"quoted\"; c=d", "a", AUTHKIT_OK, "quoted"},
	{"a=\"\"", "a", AUTHKIT_OK, ""},
	{"a=\"unbalanced", "a", AUTHKIT_OK, "\"unbalanced"},
	{"a=", "a", AUTHKIT_OK, ""},
	{"a=; b=2", "b", AUTHKIT_OK, "2"},
	{"a=x=y", "a", AUTHKIT_OK, "x=y"},
	{"a=1; a=2", "a", AUTHKIT_OK, "1"},
	{"noequals; a=1", "a", AUTHKIT_OK, "1"},
	{";; a=1;;", "a", AUTHKIT_OK, "1"},
	{"authkit_session2=x; authkit_session=y", "authkit_session", AUTHKIT_OK, "y"},
	{"xauthkit_session=x; authkit_session=y", "authkit_session", AUTHKIT_OK, "y"},
	{"__Host-authkit_session=h; authkit_session=p", "__Host-authkit_session", AUTHKIT_OK, "h"},
	{"__Host-authkit_session=h; authkit_session=p", "authkit_session", AUTHKIT_OK, "p"},
	{"authkit_session2=x", "authkit_session", AUTHKIT_ENOTFOUND, NULL},
	{"authkit_sessio=x", "authkit_session", AUTHKIT_ENOTFOUND, NULL},
	{"Authkit_Session=x", "authkit_session", AUTHKIT_ENOTFOUND, NULL},
	{"x=authkit_session", "authkit_session", AUTHKIT_ENOTFOUND, NULL},
	{"authkit_session", "authkit_session", AUTHKIT_ENOTFOUND, NULL},
	{"", "a", AUTHKIT_ENOTFOUND, NULL},
	{";;;", "a", AUTHKIT_ENOTFOUND, NULL},
	{"a=b\r\nSet-Cookie: x=y", "a", AUTHKIT_EINVALID, NULL},
	{"a=b\x01", "a", AUTHKIT_EINVALID, NULL},
	{"a=b", "", AUTHKIT_EINVALID, NULL},
	{"a=b", "a b", AUTHKIT_EINVALID, NULL},
	{"a=b", "a=b", AUTHKIT_EINVALID, NULL},
	{"a=b", "a;", AUTHKIT_EINVALID, NULL},
};

START_TEST(cookie_table)
{
	for (size_t i = 0; i < sizeof cookie_cases / sizeof cookie_cases[0]; i++) {
		const cookie_case *c = &cookie_cases[i];
		char *v = (char *)1;
		int rc = authkit_http_cookie_get(c->header, c->name, &v);
		ck_assert_msg(rc == c->rc, "case %zu [%s] %s: rc %d, want %d", i, c->header, c->name, rc, c->rc);
		if (rc == AUTHKIT_OK) {
			ck_assert_ptr_nonnull(v);
			ck_assert_msg(strcmp(v, c->value) == 0, "case %zu: [%s], want [%s]", i, v, c->value);
		} else {
			ck_assert_ptr_null(v);
		}
		authkit_string_free(v);
	}
}
END_TEST

START_TEST(cookie_null_and_long)
{
	char *v = NULL;
	ck_assert_int_eq(authkit_http_cookie_get(NULL, "a", &v), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_http_cookie_get("a=b", NULL, &v), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_http_cookie_get("a=b", "a", NULL), AUTHKIT_EINVALID);

	char *h = malloc(AUTHKIT_HTTP_HEADER_MAX + 2);
	ck_assert_ptr_nonnull(h);
	memcpy(h, "a=", 2);
	memset(h + 2, 'v', AUTHKIT_HTTP_HEADER_MAX - 2);
	h[AUTHKIT_HTTP_HEADER_MAX] = '\0';
	ck_assert_int_eq(authkit_http_cookie_get(h, "a", &v), AUTHKIT_OK);
	ck_assert_uint_eq(strlen(v), AUTHKIT_HTTP_HEADER_MAX - 2);
	authkit_string_free(v);
	v = NULL;
	h[AUTHKIT_HTTP_HEADER_MAX] = 'v';
	h[AUTHKIT_HTTP_HEADER_MAX + 1] = '\0';
	ck_assert_int_eq(authkit_http_cookie_get(h, "a", &v), AUTHKIT_EINVALID);
	ck_assert_ptr_null(v);
	free(h);
}
END_TEST

/* ---- Set-Cookie ---- */

static void expect_set_cookie(authkit_ctx *c, const char *value, int64_t max_age, const char *want)
{
	char *h = NULL;
	int rc = authkit_http_set_cookie(c, value, max_age, &h);
	ck_assert_msg(rc == AUTHKIT_OK, "set_cookie: %s", authkit_error_last());
	ck_assert_str_eq(h, want);
	ck_assert_ptr_null(strstr(h, "Domain"));
	authkit_string_free(h);
}

static void expect_name(authkit_ctx *c, const char *want)
{
	char *n = NULL;
	ck_assert_int_eq(authkit_http_cookie_name(c, &n), AUTHKIT_OK);
	ck_assert_str_eq(n, want);
	authkit_string_free(n);
}

START_TEST(set_cookie_secure_default)
{
	authkit_ctx *c = ctx_with(NULL);
	expect_name(c, "__Host-authkit_session");
	expect_set_cookie(c, "tok-123_ABC", 3600,
	                  "__Host-authkit_session=tok-123_ABC; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax");
	/* deletion: empty value, Max-Age=0, value ignored */
	expect_set_cookie(c, NULL, 0, "__Host-authkit_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
	expect_set_cookie(c, "ignored", 0, "__Host-authkit_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
	/* capped at 400 days */
	expect_set_cookie(c, "t", INT64_MAX,
	                  "__Host-authkit_session=t; Path=/; Max-Age=34560000; HttpOnly; Secure; SameSite=Lax");
	authkit_ctx_free(c);
}
END_TEST

START_TEST(set_cookie_insecure_strict)
{
	authkit_ctx *c = ctx_with("AUTHKIT_COOKIE_SECURE", "0", "AUTHKIT_COOKIE_SAMESITE", "strict",
	                          "AUTHKIT_COOKIE_NAME", "sid", NULL);
	expect_name(c, "sid");
	expect_set_cookie(c, "v", 60, "sid=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict");
	expect_set_cookie(c, NULL, 0, "sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	authkit_ctx_free(c);
}
END_TEST

START_TEST(set_cookie_none)
{
	authkit_ctx *c = ctx_with("AUTHKIT_COOKIE_SAMESITE", "None", NULL);
	expect_set_cookie(c, "v", 60, "__Host-authkit_session=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=None");
	authkit_ctx_free(c);

	/* None without Secure is refused by browsers: a configuration error */
	c = ctx_with("AUTHKIT_COOKIE_SAMESITE", "None", "AUTHKIT_COOKIE_SECURE", "0", NULL);
	char *h = (char *)1;
	ck_assert_int_eq(authkit_http_set_cookie(c, "v", 60, &h), AUTHKIT_ECONFIG);
	ck_assert_ptr_null(h);
	authkit_ctx_free(c);
}
END_TEST

START_TEST(set_cookie_prefixed_name)
{
	authkit_ctx *c = ctx_with("AUTHKIT_COOKIE_NAME", "__Host-app", NULL);
	expect_name(c, "__Host-app"); /* not doubled */
	expect_set_cookie(c, "v", 5, "__Host-app=v; Path=/; Max-Age=5; HttpOnly; Secure; SameSite=Lax");
	authkit_ctx_free(c);
}
END_TEST

START_TEST(set_cookie_bad_config)
{
	static const char *const bad[][4] = {
		{"AUTHKIT_COOKIE_SAMESITE", "Lax2", "AUTHKIT_COOKIE_SECURE", "1"},
		{"AUTHKIT_COOKIE_SAMESITE", "", "AUTHKIT_COOKIE_SECURE", "1"},
		{"AUTHKIT_COOKIE_NAME", "", "AUTHKIT_COOKIE_SECURE", "1"},
		{"AUTHKIT_COOKIE_NAME", "a b", "AUTHKIT_COOKIE_SECURE", "1"},
		{"AUTHKIT_COOKIE_NAME", "a=b", "AUTHKIT_COOKIE_SECURE", "1"},
		{"AUTHKIT_COOKIE_NAME", "a;b", "AUTHKIT_COOKIE_SECURE", "1"},
		{"AUTHKIT_COOKIE_NAME", "__Host-x", "AUTHKIT_COOKIE_SECURE", "0"},
		{"AUTHKIT_COOKIE_NAME", "__secure-x", "AUTHKIT_COOKIE_SECURE", "0"},
		{"AUTHKIT_COOKIE_NAME", "__HOST-x", "AUTHKIT_COOKIE_SECURE", "1"},
		{"AUTHKIT_COOKIE_NAME", "__secure-x", "AUTHKIT_COOKIE_SECURE", "1"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		authkit_ctx *c = ctx_with(bad[i][0], bad[i][1], bad[i][2], bad[i][3], NULL);
		char *h = NULL;
		ck_assert_msg(authkit_http_set_cookie(c, "v", 60, &h) == AUTHKIT_ECONFIG, "case %zu", i);
		ck_assert_ptr_null(h);
		if (strcmp(bad[i][0], "AUTHKIT_COOKIE_NAME") == 0)
			ck_assert_int_eq(authkit_http_cookie_name(c, &h), AUTHKIT_ECONFIG);
		ck_assert_ptr_null(h);
		authkit_ctx_free(c);
	}
}
END_TEST

START_TEST(set_cookie_bad_args)
{
	authkit_ctx *c = ctx_with(NULL);
	static const char *const bad_values[] = {
		"", "a b", "a;b", "a,b", "a\"b", "a\\b", "a\tb", "a\r\nSet-Cookie: x=y", "caf\xc3\xa9", "a\x7f",
	};
	char *h = (char *)1;
	for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
		ck_assert_msg(authkit_http_set_cookie(c, bad_values[i], 60, &h) == AUTHKIT_EINVALID, "value %zu", i);
		ck_assert_ptr_null(h);
	}
	ck_assert_int_eq(authkit_http_set_cookie(c, NULL, 60, &h), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_http_set_cookie(c, "v", -1, &h), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_http_set_cookie(NULL, "v", 60, &h), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_http_set_cookie(c, "v", 60, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_http_cookie_name(NULL, &h), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_http_cookie_name(c, NULL), AUTHKIT_EINVALID);
	/* 4096 octets are fine, 4097 are not */
	char *big = malloc(4098);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 4097);
	big[4097] = '\0';
	ck_assert_int_eq(authkit_http_set_cookie(c, big, 60, &h), AUTHKIT_EINVALID);
	big[4096] = '\0';
	ck_assert_int_eq(authkit_http_set_cookie(c, big, 60, &h), AUTHKIT_OK);
	authkit_string_free(h);
	free(big);
	authkit_ctx_free(c);
}
END_TEST

/* ---- CSRF ---- */

START_TEST(csrf_round_trip)
{
	authkit_ctx *c = ctx_with("AUTHKIT_JWT_SECRET", SECRET, NULL);
	char *t1 = NULL, *t2 = NULL;
	ck_assert_int_eq(authkit_csrf_issue(c, SID, &t1), AUTHKIT_OK);
	ck_assert_int_eq(authkit_csrf_issue(c, SID, &t2), AUTHKIT_OK);
	ck_assert_uint_eq(strlen(t1), AUTHKIT_CSRF_TOKEN_CHARS);
	ck_assert_uint_eq(authkit_csrf_token_chars(), AUTHKIT_CSRF_TOKEN_CHARS);
	ck_assert(ak_is_b64url(t1, AUTHKIT_CSRF_TOKEN_CHARS));
	ck_assert_str_ne(t1, t2); /* fresh nonce each time */
	ck_assert_int_eq(authkit_csrf_verify(c, SID, t1), AUTHKIT_OK);
	ck_assert_int_eq(authkit_csrf_verify(c, SID, t2), AUTHKIT_OK);
	ck_assert_int_eq(authkit_csrf_verify(c, SID, t1), AUTHKIT_OK); /* stateless: reusable within the session */

	/* another process with the same secret agrees */
	authkit_ctx *other = ctx_with("AUTHKIT_JWT_SECRET", SECRET, NULL);
	ck_assert_int_eq(authkit_csrf_verify(other, SID, t1), AUTHKIT_OK);
	authkit_ctx_free(other);
	/* the same key spelled in base64 is the same key */
	other = ctx_with("AUTHKIT_JWT_SECRET", SECRET_B64, NULL);
	ck_assert_int_eq(authkit_csrf_verify(other, SID, t1), AUTHKIT_OK);
	authkit_ctx_free(other);
	/* one with another secret does not */
	other = ctx_with("AUTHKIT_JWT_SECRET", SECRET2, NULL);
	ck_assert_int_eq(authkit_csrf_verify(other, SID, t1), AUTHKIT_ETOKEN);
	authkit_ctx_free(other);
	/* after a key rotation, the old key still verifies */
	other = ctx_with("AUTHKIT_JWT_SECRET", SECRET2, "AUTHKIT_JWT_OLD_SECRETS", SECRET, NULL);
	ck_assert_int_eq(authkit_csrf_verify(other, SID, t1), AUTHKIT_OK);
	authkit_ctx_free(other);

	authkit_string_free(t1);
	authkit_string_free(t2);
	authkit_ctx_free(c);
}
END_TEST

START_TEST(csrf_rejects)
{
	authkit_ctx *c = ctx_with("AUTHKIT_JWT_SECRET", SECRET, NULL);
	char *t = NULL;
	ck_assert_int_eq(authkit_csrf_issue(c, SID, &t), AUTHKIT_OK);

	/* another session */
	ck_assert_int_eq(authkit_csrf_verify(c, SID2, t), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_csrf_verify(c, SID "x", t), AUTHKIT_ETOKEN);

	/* every single-character change, in the nonce and in the MAC */
	char buf[AUTHKIT_CSRF_TOKEN_CHARS + 2];
	for (size_t i = 0; i < AUTHKIT_CSRF_TOKEN_CHARS; i++) {
		strcpy(buf, t);
		buf[i] = buf[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(authkit_csrf_verify(c, SID, buf) == AUTHKIT_ETOKEN, "position %zu", i);
	}
	/* truncated, extended */
	strcpy(buf, t);
	buf[AUTHKIT_CSRF_TOKEN_CHARS - 1] = '\0';
	ck_assert_int_eq(authkit_csrf_verify(c, SID, buf), AUTHKIT_ETOKEN);
	strcpy(buf, t);
	strcat(buf, "A");
	ck_assert_int_eq(authkit_csrf_verify(c, SID, buf), AUTHKIT_ETOKEN);
	/* not base64url (standard alphabet, padding, spaces) */
	strcpy(buf, t);
	buf[10] = '+';
	ck_assert_int_eq(authkit_csrf_verify(c, SID, buf), AUTHKIT_ETOKEN);
	buf[10] = '=';
	ck_assert_int_eq(authkit_csrf_verify(c, SID, buf), AUTHKIT_ETOKEN);
	buf[10] = ' ';
	ck_assert_int_eq(authkit_csrf_verify(c, SID, buf), AUTHKIT_ETOKEN);
	/* garbage */
	ck_assert_int_eq(authkit_csrf_verify(c, SID, ""), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_csrf_verify(c, SID, NULL), AUTHKIT_ETOKEN);
	for (int i = 0; i < 200; i++) {
		char rnd[AUTHKIT_CSRF_TOKEN_CHARS + 1];
		ak_random_b64url(rnd, sizeof rnd, 48);
		ck_assert_int_eq(authkit_csrf_verify(c, SID, rnd), AUTHKIT_ETOKEN);
	}
	/* bad arguments */
	ck_assert_int_eq(authkit_csrf_verify(NULL, SID, t), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_csrf_verify(c, NULL, t), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_csrf_verify(c, "", t), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_csrf_verify(c, "a\nb", t), AUTHKIT_EINVALID);
	char *t2 = (char *)1;
	ck_assert_int_eq(authkit_csrf_issue(c, NULL, &t2), AUTHKIT_EINVALID);
	ck_assert_ptr_null(t2);
	ck_assert_int_eq(authkit_csrf_issue(c, "", &t2), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_csrf_issue(NULL, SID, &t2), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_csrf_issue(c, SID, NULL), AUTHKIT_EINVALID);

	authkit_string_free(t);
	authkit_ctx_free(c);
}
END_TEST

START_TEST(csrf_needs_secret)
{
	authkit_ctx *c = ctx_with(NULL);
	char *t = (char *)1;
	ck_assert_int_eq(authkit_csrf_issue(c, SID, &t), AUTHKIT_ECONFIG);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(authkit_csrf_verify(c, SID, "A"), AUTHKIT_ECONFIG);
	authkit_ctx_free(c);
}
END_TEST

/* ---- request authentication ---- */

typedef struct logged_in {
	authkit_ctx *ctx;
	int64_t user_id;
	authkit_login_result *login;
	char cookie[256];  /* Cookie header carrying the session token, among others */
	char bearer[9000]; /* Authorization header with the access token */
} logged_in;

static void log_in(logged_in *li)
{
	li->ctx = ctx_with("AUTHKIT_JWT_SECRET", SECRET, NULL);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(li->ctx, "alice", "alice@example.com", NULL, PW, &u), AUTHKIT_OK);
	li->user_id = authkit_user_id(u);
	authkit_user_free(u);
	ck_assert_int_eq(authkit_user_add_role(li->ctx, li->user_id, "admin"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_user_add_role(li->ctx, li->user_id, "editor"), AUTHKIT_OK);
	int rc = authkit_login(li->ctx, "alice", PW, "203.0.113.7", "test", &li->login);
	ck_assert_msg(rc == AUTHKIT_OK, "login: %s", authkit_error_last());
	ck_assert_ptr_nonnull(authkit_login_access_token(li->login));
	snprintf(li->cookie, sizeof li->cookie, "theme=dark; authkit_session=decoy; __Host-authkit_session=%s; x=1",
	         authkit_login_session_token(li->login));
	snprintf(li->bearer, sizeof li->bearer, "Bearer %s", authkit_login_access_token(li->login));
}

static void log_out(logged_in *li)
{
	authkit_login_free(li->login);
	authkit_ctx_free(li->ctx);
}

static void expect_roles(const authkit_principal *p)
{
	ck_assert_uint_eq(authkit_principal_role_count(p), 2);
	ck_assert_int_eq(authkit_principal_has_role(p, "admin"), 1);
	ck_assert_int_eq(authkit_principal_has_role(p, "editor"), 1);
}

START_TEST(request_bearer)
{
	logged_in li;
	log_in(&li);
	authkit_principal *p = NULL;
	int rc = authkit_request_authenticate(li.ctx, li.bearer, NULL, &p);
	ck_assert_msg(rc == AUTHKIT_OK, "%s", authkit_error_last());
	ck_assert_int_eq(authkit_principal_user_id(p), li.user_id);
	ck_assert_str_eq(authkit_principal_session_id(p), authkit_login_session_id(li.login));
	ck_assert_str_eq(authkit_principal_kind(p), "access");
	ck_assert_int_eq(authkit_principal_expires_at(p), authkit_login_access_expires_at(li.login));
	expect_roles(p);
	authkit_principal_free(p);

	/* a bearer token wins over a (bad) cookie */
	p = NULL;
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, li.bearer, "__Host-authkit_session=junk", &p), AUTHKIT_OK);
	ck_assert_str_eq(authkit_principal_kind(p), "access");
	authkit_principal_free(p);
	log_out(&li);
}
END_TEST

START_TEST(request_cookie)
{
	logged_in li;
	log_in(&li);
	authkit_principal *p = NULL;
	int rc = authkit_request_authenticate(li.ctx, NULL, li.cookie, &p);
	ck_assert_msg(rc == AUTHKIT_OK, "%s", authkit_error_last());
	ck_assert_int_eq(authkit_principal_user_id(p), li.user_id);
	ck_assert_str_eq(authkit_principal_session_id(p), authkit_login_session_id(li.login));
	ck_assert_str_eq(authkit_principal_kind(p), "session");
	expect_roles(p);
	authkit_session *s = NULL;
	ck_assert_int_eq(authkit_session_get(li.ctx, authkit_login_session_id(li.login), &s), AUTHKIT_OK);
	int64_t idle = authkit_session_idle_expires_at(s), abs = authkit_session_expires_at(s);
	ck_assert_int_eq(authkit_principal_expires_at(p), idle < abs ? idle : abs);
	authkit_session_free(s);
	authkit_principal_free(p);

	/* another scheme counts as no Authorization: the cookie is used */
	p = NULL;
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, "Basic dXNlcjpwYXNz", li.cookie, &p), AUTHKIT_OK);
	ck_assert_str_eq(authkit_principal_kind(p), "session");
	authkit_principal_free(p);
	p = NULL;
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, "", li.cookie, &p), AUTHKIT_OK);
	authkit_principal_free(p);

	/* the CSRF token of this session verifies, another session's does not */
	char *csrf = NULL;
	ck_assert_int_eq(authkit_csrf_issue(li.ctx, authkit_login_session_id(li.login), &csrf), AUTHKIT_OK);
	ck_assert_int_eq(authkit_csrf_verify(li.ctx, authkit_login_session_id(li.login), csrf), AUTHKIT_OK);
	ck_assert_int_eq(authkit_csrf_verify(li.ctx, SID, csrf), AUTHKIT_ETOKEN);
	authkit_string_free(csrf);
	log_out(&li);
}
END_TEST

START_TEST(request_no_fallback)
{
	logged_in li;
	log_in(&li);
	authkit_principal *p = (authkit_principal *)1;

	/* a bad bearer token never falls back to a good cookie */
	char tampered[9000];
	strcpy(tampered, li.bearer);
	size_t n = strlen(tampered);
	tampered[n - 2] = tampered[n - 2] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, tampered, li.cookie, &p), AUTHKIT_ETOKEN);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, "Bearer not-a-jwt", li.cookie, &p), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, "Bearer a b", li.cookie, &p), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, "Bearer ", li.cookie, &p), AUTHKIT_ETOKEN);
	/* broken Bearer schemes are errors too, not "another scheme" */
	const char *broken[] = {"Bearer,eyJ.forged.x", "Bearer:eyJ.forged.x", "Bearer\v eyJ.forged.x",
	                        "Bearer\xc2\xa0" "eyJ.forged.x", "Bearer/eyJ", "Be@rer eyJ"};
	for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
		ck_assert_int_eq(authkit_request_authenticate(li.ctx, broken[i], li.cookie, &p), AUTHKIT_ETOKEN);
		ck_assert_ptr_null(p);
	}
	/* API keys: not implemented yet, and never treated as a JWT or skipped */
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, "Bearer ak_abc", li.cookie, &p), AUTHKIT_ETOKEN);
	ck_assert_ptr_null(p);

	/* a bad session cookie is an error, not "no credentials" */
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, NULL, "__Host-authkit_session=junk", &p), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, NULL, "__Host-authkit_session=", &p), AUTHKIT_ETOKEN);
	char forged[128];
	char tok[AK_TOKEN_CHARS + 1];
	ak_new_secret_token(tok);
	snprintf(forged, sizeof forged, "__Host-authkit_session=%s", tok);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, NULL, forged, &p), AUTHKIT_ETOKEN);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, NULL, "a=b\r\n", &p), AUTHKIT_ETOKEN);
	ck_assert_ptr_null(p);

	/* no credentials */
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, NULL, NULL, &p), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, NULL, "", &p), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, "Basic x", "theme=dark", &p), AUTHKIT_ENOTFOUND);
	/* the unprefixed name is not the session cookie when Secure is on */
	snprintf(forged, sizeof forged, "authkit_session=%s", authkit_login_session_token(li.login));
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, NULL, forged, &p), AUTHKIT_ENOTFOUND);
	ck_assert_ptr_null(p);

	/* arguments */
	ck_assert_int_eq(authkit_request_authenticate(NULL, li.bearer, NULL, &p), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, li.bearer, NULL, NULL), AUTHKIT_EINVALID);
	log_out(&li);
}
END_TEST

START_TEST(request_after_logout_and_expiry)
{
	logged_in li;
	log_in(&li);
	authkit_principal *p = NULL;
	ck_assert_int_eq(authkit_logout(li.ctx, authkit_login_session_id(li.login), NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, NULL, li.cookie, &p), AUTHKIT_EREVOKED);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, li.bearer, NULL, &p), AUTHKIT_EREVOKED); /* stateful */
	ck_assert_ptr_null(p);
	log_out(&li);

	log_in(&li);
	test_clock_advance_s(&clk, 365LL * 86400);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, NULL, li.cookie, &p), AUTHKIT_EEXPIRED);
	ck_assert_int_eq(authkit_request_authenticate(li.ctx, li.bearer, NULL, &p), AUTHKIT_EEXPIRED);
	ck_assert_ptr_null(p);
	log_out(&li);
}
END_TEST

START_TEST(request_insecure_cookie_name)
{
	authkit_ctx *c = ctx_with("AUTHKIT_COOKIE_SECURE", "0", "AUTHKIT_COOKIE_NAME", "sid", NULL);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_register(c, "bob", "bob@example.com", NULL, PW, &u), AUTHKIT_OK);
	authkit_user_free(u);
	authkit_login_result *l = NULL;
	ck_assert_int_eq(authkit_login(c, "bob", PW, NULL, NULL, &l), AUTHKIT_OK);
	/* no JWT secret: sessions still work through the cookie */
	ck_assert_ptr_null(authkit_login_access_token(l));
	char cookie[128];
	snprintf(cookie, sizeof cookie, "sid2=x;sid=%s", authkit_login_session_token(l));
	authkit_principal *p = NULL;
	int rc = authkit_request_authenticate(c, NULL, cookie, &p);
	ck_assert_msg(rc == AUTHKIT_OK, "%s", authkit_error_last());
	ck_assert_str_eq(authkit_principal_kind(p), "session");
	ck_assert_uint_eq(authkit_principal_role_count(p), 0);
	authkit_principal_free(p);
	/* a bearer token without JWT keys is a configuration error, not a fallback */
	p = NULL;
	ck_assert_int_eq(authkit_request_authenticate(c, "Bearer abc.def.ghi", cookie, &p), AUTHKIT_ECONFIG);
	ck_assert_ptr_null(p);
	authkit_login_free(l);
	authkit_ctx_free(c);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("parsers");
	tcase_add_test(tc, bearer_table);
	tcase_add_test(tc, bearer_null_and_long);
	tcase_add_test(tc, cookie_table);
	tcase_add_test(tc, cookie_null_and_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("set_cookie");
	tcase_add_test(tc, set_cookie_secure_default);
	tcase_add_test(tc, set_cookie_insecure_strict);
	tcase_add_test(tc, set_cookie_none);
	tcase_add_test(tc, set_cookie_prefixed_name);
	tcase_add_test(tc, set_cookie_bad_config);
	tcase_add_test(tc, set_cookie_bad_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("csrf");
	tcase_add_test(tc, csrf_round_trip);
	tcase_add_test(tc, csrf_rejects);
	tcase_add_test(tc, csrf_needs_secret);
	suite_add_tcase(s, tc);

	tc = tcase_create("request");
	tcase_add_test(tc, request_bearer);
	tcase_add_test(tc, request_cookie);
	tcase_add_test(tc, request_no_fallback);
	tcase_add_test(tc, request_after_logout_and_expiry);
	tcase_add_test(tc, request_insecure_cookie_name);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(http_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
