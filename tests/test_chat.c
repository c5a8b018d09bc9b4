/*
 * The chat example server over real HTTP (server_harness.h): every route,
 * happy paths and failures, cookies' attributes, CSRF, body limits, and no
 * secret in any response body or log line.
 *
 * Time-dependent cases (expired tokens and sessions) need no sleep: the test
 * opens its own context on the server's database with the server's JWT
 * secret and an injected clock in the past, and mints the credentials there.
 */
#include <authkit.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server_harness.h"

#define PW "correct horse battery staple"
#define PW_FORM "correct+horse+battery+staple"
#define PW2 "another long passphrase here"
#define PW3 "yet another fine passphrase"

static hs_server srv;

static void start_with(const char *const *env)
{
	hs_start(&srv, hs_binary_from_env("EX_CHAT_SERVER"), NULL, env);
	hs_forbid(&srv, PW, HS_ANYWHERE);
	hs_forbid(&srv, PW2, HS_ANYWHERE);
	hs_forbid(&srv, PW3, HS_ANYWHERE);
	/* the generated secrets never leave the data directory */
	char *jwt = hs_read_data_file(&srv, "jwt_secret");
	char *mk = hs_read_data_file(&srv, "master_key");
	ck_assert(jwt && mk);
	jwt[64] = mk[64] = '\0';
	hs_forbid(&srv, jwt, HS_ANYWHERE);
	hs_forbid(&srv, mk, HS_ANYWHERE);
	free(jwt);
	free(mk);
}

static void start(void)
{
	start_with(NULL);
}

static void stop(void)
{
	hs_stop(&srv);
}

/* ---- helpers ---- */

static void assert_status(const hs_response *r, long status)
{
	ck_assert_msg(r->status == status, "expected %ld, got %ld: %.300s", status, r->status, r->body);
}

static void assert_redirect(const hs_response *r, const char *location)
{
	assert_status(r, 303);
	char *loc = hs_header(r, "Location");
	ck_assert_msg(loc && strcmp(loc, location) == 0, "Location %s, expected %s", loc ? loc : "(none)", location);
	free(loc);
}

/* Register through the web form (which logs in); returns the Cookie pair. */
static char *web_register(const char *username)
{
	char form[256];
	snprintf(form, sizeof form, "username=%s&email=%s%%40example.com&full_name=Test+User&password=" PW_FORM,
	         username, username);
	hs_response r;
	hs_post_form(&srv, "/auth/register", form, NULL, NULL, &r);
	assert_redirect(&r, "/chat");
	char *attrs = NULL;
	char *cookie = hs_set_cookie(&r, &attrs);
	ck_assert(cookie != NULL);
	ck_assert_msg(strstr(attrs, "HttpOnly") && strstr(attrs, "SameSite=Lax") && strstr(attrs, "Path=/"),
	              "cookie attributes: %s", attrs);
	hs_forbid(&srv, strchr(cookie, '=') + 1, HS_ANYWHERE); /* the session token: only ever in Set-Cookie */
	free(attrs);
	hs_response_free(&r);
	return cookie;
}

/* The CSRF token a page carries for this cookie's session. */
static char *csrf_from(const char *cookie)
{
	hs_response r;
	hs_get(&srv, "/chat", NULL, cookie, &r);
	assert_status(&r, 200);
	const char *marker = "name=\"csrf_token\" value=\"";
	const char *v = strstr(r.body, marker);
	ck_assert(v != NULL);
	v += strlen(marker);
	char *token = strndup(v, strcspn(v, "\""));
	ck_assert_uint_eq(strlen(token), 64);
	hs_forbid(&srv, token, HS_IN_LOG); /* in pages, never in the log */
	hs_response_free(&r);
	return token;
}

typedef struct tokens {
	char *access;
	char *refresh;
} tokens;

static void tokens_free(tokens *t)
{
	free(t->access);
	free(t->refresh);
}

static tokens api_login(const char *field, const char *identifier, const char *password)
{
	char body[512];
	snprintf(body, sizeof body, "{\"%s\": \"%s\", \"password\": \"%s\"}", field, identifier, password);
	hs_response r;
	hs_post_json(&srv, "/auth/api/login", body, NULL, &r);
	assert_status(&r, 200);
	json_t *j = hs_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(j, "token_type")), "bearer");
	ck_assert_int_gt(json_integer_value(json_object_get(j, "expires_in")), 0);
	ck_assert(json_is_object(json_object_get(j, "user")));
	json_decref(j);
	tokens t = {hs_json_string(&r, "access_token"), hs_json_string(&r, "refresh_token")};
	hs_forbid(&srv, t.access, HS_IN_LOG);
	hs_forbid(&srv, t.refresh, HS_IN_LOG);
	hs_response_free(&r);
	return t;
}

static long get_status(const char *path, const char *bearer, const char *cookie)
{
	hs_response r;
	hs_get(&srv, path, bearer, cookie, &r);
	long status = r.status;
	hs_response_free(&r);
	return status;
}

static void assert_unauthorized(const hs_response *r)
{
	hs_assert_error(r, 401, r->body && strstr(r->body, "invalid_token") ? "invalid_token" : "unauthorized");
	char *www = hs_header(r, "WWW-Authenticate");
	ck_assert_msg(www && strncmp(www, "Bearer", 6) == 0, "WWW-Authenticate: %s", www ? www : "(none)");
	free(www);
}

/* A context of the test's own on the server's database, with the server's
 * JWT secret and a clock the test sets. */
static int64_t test_now_ms;
static int64_t test_clock(void *ud)
{
	(void)ud;
	return test_now_ms;
}

static authkit_ctx *side_ctx(int64_t now_ms)
{
	test_now_ms = now_ms;
	authkit_config *cfg = NULL;
	ck_assert_int_eq(authkit_config_new(&cfg), AUTHKIT_OK);
	char db[512];
	snprintf(db, sizeof db, "%s/chat.db", srv.data_dir);
	char *jwt = hs_read_data_file(&srv, "jwt_secret");
	ck_assert(jwt != NULL);
	jwt[64] = '\0';
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", db), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_JWT_SECRET", jwt), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_ARGON2_MEMLIMIT", "19922944"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_COOKIE_SECURE", "0"), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_clock(cfg, test_clock, NULL), AUTHKIT_OK);
	free(jwt);
	authkit_ctx *ctx = NULL;
	ck_assert_int_eq(authkit_ctx_open(&ctx, cfg), AUTHKIT_OK);
	authkit_config_free(cfg);
	return ctx;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- tests ---- */

/*
 * Send a chunked POST whose chunks add up to more than 64 KiB but never the
 * final empty chunk, and return the status code the server answers with
 * within 10 s (0 when it waits for the rest of the body instead).
 */
static int chunked_overflow_status(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	static const char head[] = "POST /auth/api/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	                           "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
	ck_assert_int_eq(send(fd, head, sizeof head - 1, MSG_NOSIGNAL), (ssize_t)(sizeof head - 1));
	size_t chunk = 40 * 1024;
	char *data = malloc(chunk + 32);
	for (int i = 0; i < 2; i++) {
		int n = snprintf(data, 32, "%zx\r\n", chunk);
		memset(data + n, 'a', chunk);
		memcpy(data + n + chunk, "\r\n", 2);
		size_t len = (size_t)n + chunk + 2, off = 0;
		while (off < len) {
			ssize_t w = send(fd, data + off, len - off, MSG_NOSIGNAL);
			if (w <= 0)
				break; /* the server may already have answered and closed */
			off += (size_t)w;
		}
	}
	free(data);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char reply[64] = {0};
	int status = 0;
	if (poll(&pfd, 1, 10000) == 1 && recv(fd, reply, sizeof reply - 1, 0) > 12)
		sscanf(reply, "HTTP/1.1 %d", &status);
	close(fd);
	return status;
}

START_TEST(healthz_unknown_route_and_method)
{
	hs_response r;
	hs_get(&srv, "/healthz", NULL, NULL, &r);
	assert_status(&r, 200);
	char *nosniff = hs_header(&r, "X-Content-Type-Options");
	ck_assert_str_eq(nosniff, "nosniff");
	free(nosniff);
	hs_response_free(&r);
	hs_get(&srv, "/no/such/route", NULL, NULL, &r);
	hs_assert_error(&r, 404, "not_found");
	hs_response_free(&r);
	hs_request rq = {.method = "DELETE", .path = "/healthz"};
	hs_do(&srv, &rq, &r);
	hs_assert_error(&r, 405, "method_not_allowed");
	hs_response_free(&r);
	hs_get(&srv, "/", NULL, NULL, &r);
	assert_redirect(&r, "/chat");
	hs_response_free(&r);
}
END_TEST

START_TEST(web_register_login_logout)
{
	hs_response r;
	hs_get(&srv, "/auth/register", NULL, NULL, &r);
	assert_status(&r, 200);
	char *csp = hs_header(&r, "Content-Security-Policy");
	ck_assert(csp && strstr(csp, "default-src 'none'"));
	free(csp);
	hs_response_free(&r);

	char *cookie = web_register("alice");
	/* the same name again: 409 page */
	hs_post_form(&srv, "/auth/register", "username=alice&email=other%40example.com&password=" PW_FORM, NULL, NULL,
	             &r);
	assert_status(&r, 409);
	hs_response_free(&r);
	/* a weak password: 400 page naming the rule */
	hs_post_form(&srv, "/auth/register", "username=bob&email=bob%40example.com&password=short", NULL, NULL, &r);
	assert_status(&r, 400);
	hs_response_free(&r);

	ck_assert_int_eq(get_status("/chat", NULL, cookie), 200);
	ck_assert_int_eq(get_status("/settings", NULL, cookie), 200);
	/* no cookie: web routes redirect to the login page */
	hs_get(&srv, "/chat", NULL, NULL, &r);
	assert_redirect(&r, "/auth/login");
	hs_response_free(&r);
	hs_get(&srv, "/settings", NULL, "authkit_session=bogus", &r);
	assert_redirect(&r, "/auth/login");
	hs_response_free(&r);
	/* the login page of a signed-in user sends them on */
	hs_get(&srv, "/auth/login", NULL, cookie, &r);
	assert_redirect(&r, "/chat");
	hs_response_free(&r);
	ck_assert_int_eq(get_status("/auth/login", NULL, NULL), 200);

	/* log in by username and by email through the form */
	hs_post_form(&srv, "/auth/login", "username=alice&password=wrong+password+here", NULL, NULL, &r);
	assert_status(&r, 401);
	ck_assert(strstr(r.body, "Invalid username or password."));
	hs_response_free(&r);
	hs_post_form(&srv, "/auth/login", "username=alice%40example.com&password=" PW_FORM, NULL, NULL, &r);
	assert_redirect(&r, "/chat");
	char *cookie2 = hs_set_cookie(&r, NULL);
	hs_forbid(&srv, strchr(cookie2, '=') + 1, HS_ANYWHERE);
	hs_response_free(&r);
	ck_assert_int_eq(get_status("/chat", NULL, cookie2), 200);

	/* logout: CSRF missing, wrong (another session's), then right */
	char *csrf = csrf_from(cookie);
	char *other_csrf = csrf_from(cookie2);
	hs_post_form(&srv, "/auth/logout", "", cookie, NULL, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);
	char form[128];
	snprintf(form, sizeof form, "csrf_token=%s", other_csrf);
	hs_post_form(&srv, "/auth/logout", form, cookie, NULL, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);
	snprintf(form, sizeof form, "csrf_token=%s", csrf);
	hs_post_form(&srv, "/auth/logout", form, cookie, NULL, &r);
	assert_redirect(&r, "/auth/login");
	char *attrs = NULL;
	char *cleared = hs_set_cookie(&r, &attrs);
	ck_assert(cleared && strstr(attrs, "Max-Age=0"));
	free(cleared);
	free(attrs);
	hs_response_free(&r);
	/* the old cookie is dead; the other session lives */
	hs_get(&srv, "/chat", NULL, cookie, &r);
	assert_redirect(&r, "/auth/login");
	hs_response_free(&r);
	ck_assert_int_eq(get_status("/chat", NULL, cookie2), 200);
	/* logout without a session: redirected to log in */
	hs_post_form(&srv, "/auth/logout", form, NULL, NULL, &r);
	assert_redirect(&r, "/auth/login");
	hs_response_free(&r);
	free(csrf);
	free(other_csrf);
	free(cookie);
	free(cookie2);
}
END_TEST

/* Login CSRF: the public login and register forms refuse a browser's cross-site post. */
START_TEST(cross_site_login_and_register_refused)
{
	hs_response r;
	free(web_register("mallory"));
	const char *cross_origin[] = {"Origin: http://evil.example", NULL};
	const char *fetch_cross[] = {"Sec-Fetch-Site: cross-site", NULL};
	const char *null_origin[] = {"Origin: null", NULL};
	const char *const *refused[] = {cross_origin, fetch_cross, null_origin};
	hs_request rq = {.method = "POST", .content_type = "application/x-www-form-urlencoded"};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		rq.headers = refused[i];
		rq.path = "/auth/login";
		rq.body = "username=mallory&password=" PW_FORM;
		hs_do(&srv, &rq, &r);
		hs_assert_error(&r, 403, "forbidden");
		ck_assert_ptr_null(hs_set_cookie(&r, NULL));
		hs_response_free(&r);
		rq.path = "/auth/register";
		rq.body = "username=victim&email=victim%40example.com&password=" PW_FORM;
		hs_do(&srv, &rq, &r);
		hs_assert_error(&r, 403, "forbidden");
		hs_response_free(&r);
	}
	/* same origin and same-site fetch metadata pass */
	char same[128];
	snprintf(same, sizeof same, "Origin: http://127.0.0.1:%u", srv.port);
	const char *same_origin[] = {same, "Sec-Fetch-Site: same-origin", NULL};
	rq.headers = same_origin;
	rq.path = "/auth/login";
	rq.body = "username=mallory&password=" PW_FORM;
	hs_do(&srv, &rq, &r);
	assert_redirect(&r, "/chat");
	char *cookie = hs_set_cookie(&r, NULL);
	ck_assert_ptr_nonnull(cookie);
	hs_forbid(&srv, strchr(cookie, '=') + 1, HS_ANYWHERE);
	free(cookie);
	hs_response_free(&r);
}
END_TEST

START_TEST(api_login_me_check_logout)
{
	free(web_register("carol"));
	tokens t = api_login("username", "carol", PW);
	tokens by_email = api_login("email", "carol@example.com", PW);
	hs_response r;
	hs_get(&srv, "/auth/api/me", t.access, NULL, &r);
	assert_status(&r, 200);
	json_t *me = hs_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(me, "username")), "carol");
	ck_assert_str_eq(json_string_value(json_object_get(me, "email")), "carol@example.com");
	json_decref(me);
	hs_response_free(&r);
	hs_get(&srv, "/auth/api/check", by_email.access, NULL, &r);
	assert_status(&r, 200);
	json_t *chk = hs_json(&r);
	ck_assert(json_is_true(json_object_get(chk, "valid")));
	ck_assert_str_eq(json_string_value(json_object_get(chk, "kind")), "access");
	json_decref(chk);
	hs_response_free(&r);

	/* no credentials, a malformed one, a forged one: 401 + WWW-Authenticate */
	hs_get(&srv, "/auth/api/me", NULL, NULL, &r);
	assert_unauthorized(&r);
	hs_response_free(&r);
	hs_get(&srv, "/auth/api/me", "not-a-token", NULL, &r);
	assert_unauthorized(&r);
	hs_response_free(&r);
	char forged[2048];
	snprintf(forged, sizeof forged, "%s", t.access);
	forged[strlen(forged) - 2] ^= 1;
	hs_get(&srv, "/auth/api/check", forged, NULL, &r);
	assert_unauthorized(&r);
	hs_response_free(&r);

	/* logout revokes the access token at once (stateful check) */
	hs_request rq = {.method = "POST", .path = "/auth/api/logout", .bearer = t.access};
	hs_do(&srv, &rq, &r);
	assert_status(&r, 200);
	hs_response_free(&r);
	hs_get(&srv, "/auth/api/me", t.access, NULL, &r);
	assert_unauthorized(&r);
	hs_response_free(&r);
	ck_assert_int_eq(get_status("/auth/api/check", t.access, NULL), 401);
	/* ... and its refresh token */
	char body[256];
	snprintf(body, sizeof body, "{\"refresh_token\": \"%s\"}", t.refresh);
	hs_post_json(&srv, "/auth/api/refresh", body, NULL, &r);
	assert_unauthorized(&r);
	hs_response_free(&r);
	/* the other session is untouched */
	ck_assert_int_eq(get_status("/auth/api/me", by_email.access, NULL), 200);
	tokens_free(&t);
	tokens_free(&by_email);
}
END_TEST

static const char *const stateless_env[] = {"AUTHKIT_JWT_STATEFUL=0", "AUTHKIT_SESSION_MAX_HOURS=1",
                                             "AUTHKIT_SESSION_IDLE_MINUTES=30", NULL};

static void start_stateless(void)
{
	start_with(stateless_env);
}

/*
 * With stateless access tokens configured, /auth/api/me and /check still
 * check the session; an empty or blank X-API-Key header must not count as
 * an API key and skip that check.
 */
START_TEST(blank_api_key_keeps_stateful_check)
{
	free(web_register("erin"));
	tokens t = api_login("username", "erin", PW);
	hs_request rq = {.method = "POST", .path = "/auth/api/logout", .bearer = t.access};
	hs_response r;
	hs_do(&srv, &rq, &r);
	assert_status(&r, 200);
	hs_response_free(&r);
	const char *empty[] = {"X-API-Key;", NULL}; /* curl's way to send an empty header */
	const char *blank[] = {"X-API-Key: \t ", NULL};
	const char *const *variants[] = {NULL, empty, blank};
	const char *paths[] = {"/auth/api/me", "/auth/api/check"};
	for (size_t p = 0; p < 2; p++)
		for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
			hs_request get = {.method = "GET", .path = paths[p], .bearer = t.access, .headers = variants[v]};
			hs_do(&srv, &get, &r);
			ck_assert_msg(r.status == 401, "%s with X-API-Key variant %zu: %ld", paths[p], v, r.status);
			hs_response_free(&r);
		}
	tokens_free(&t);
}
END_TEST

/* The session cookie lives as long as the session can (AUTHKIT_SESSION_MAX_HOURS=1 here), not 30 days. */
START_TEST(session_cookie_max_age_follows_session)
{
	hs_response r;
	free(web_register("gina"));
	hs_post_form(&srv, "/auth/login", "username=gina&password=" PW_FORM, NULL, NULL, &r);
	assert_redirect(&r, "/chat");
	char *attrs = NULL;
	char *cookie = hs_set_cookie(&r, &attrs);
	ck_assert_ptr_nonnull(cookie);
	hs_forbid(&srv, strchr(cookie, '=') + 1, HS_ANYWHERE);
	const char *max_age = strstr(attrs, "Max-Age=");
	ck_assert_ptr_nonnull(max_age);
	long seconds = atol(max_age + strlen("Max-Age="));
	ck_assert_msg(seconds > 3000 && seconds <= 3600, "Max-Age=%ld", seconds);
	free(cookie);
	free(attrs);
	hs_response_free(&r);
}
END_TEST

static const char *const lockout_env[] = {"AUTHKIT_MAX_LOGIN_ATTEMPTS=3", NULL};

static void start_lockout(void)
{
	start_with(lockout_env);
}

START_TEST(wrong_password_unknown_user_and_lockout)
{
	free(web_register("dave"));
	hs_response wrong, unknown, r;
	hs_post_json(&srv, "/auth/api/login", "{\"username\": \"dave\", \"password\": \"wrong password 1\"}", NULL,
	             &wrong);
	hs_assert_error(&wrong, 401, "invalid_credentials");
	char *www = hs_header(&wrong, "WWW-Authenticate");
	ck_assert_msg(www && strncmp(www, "Bearer", 6) == 0, "WWW-Authenticate: %s", www ? www : "(none)");
	free(www);
	hs_post_json(&srv, "/auth/api/login", "{\"username\": \"nobody\", \"password\": \"wrong password 1\"}", NULL,
	             &unknown);
	ck_assert_str_eq(wrong.body, unknown.body); /* one generic answer */
	hs_response_free(&unknown);
	/* missing fields: 400 */
	hs_post_json(&srv, "/auth/api/login", "{\"username\": \"dave\"}", NULL, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	/* two more failures lock the account (AUTHKIT_MAX_LOGIN_ATTEMPTS=3) */
	for (int i = 0; i < 2; i++) {
		hs_post_json(&srv, "/auth/api/login", "{\"email\": \"dave@example.com\", \"password\": \"wrong password 2\"}",
		             NULL, &r);
		hs_assert_error(&r, 401, "invalid_credentials");
		hs_response_free(&r);
	}
	hs_post_json(&srv, "/auth/api/login", "{\"username\": \"dave\", \"password\": \"" PW "\"}", NULL, &r);
	hs_assert_error(&r, 401, "invalid_credentials");
	ck_assert_str_eq(r.body, wrong.body); /* locked looks exactly like wrong */
	hs_response_free(&r);
	hs_post_form(&srv, "/auth/login", "username=dave&password=" PW_FORM, NULL, NULL, &r);
	assert_status(&r, 401);
	ck_assert_ptr_null(hs_header(&r, "Set-Cookie"));
	hs_response_free(&r);
	hs_response_free(&wrong);
	/* an over-long password on the form: the same generic page, not a JSON 400 */
	size_t long_len = 5000;
	char *form = malloc(long_len + 64);
	int n = snprintf(form, 64, "username=nobody&password=");
	memset(form + n, 'a', long_len);
	form[n + (int)long_len] = '\0';
	hs_post_form(&srv, "/auth/login", form, NULL, NULL, &r);
	assert_status(&r, 401);
	ck_assert_ptr_nonnull(strstr(r.body, "Invalid username or password."));
	hs_response_free(&r);
	free(form);
}
END_TEST

START_TEST(refresh_rotation_and_reuse)
{
	free(web_register("erin"));
	tokens t = api_login("username", "erin", PW);
	char body[256];
	snprintf(body, sizeof body, "{\"refresh_token\": \"%s\"}", t.refresh);
	hs_response r;
	hs_post_json(&srv, "/auth/api/refresh", body, NULL, &r);
	assert_status(&r, 200);
	tokens t2 = {hs_json_string(&r, "access_token"), hs_json_string(&r, "refresh_token")};
	hs_forbid(&srv, t2.access, HS_IN_LOG);
	hs_forbid(&srv, t2.refresh, HS_IN_LOG);
	ck_assert_str_ne(t2.refresh, t.refresh);
	hs_response_free(&r);
	ck_assert_int_eq(get_status("/auth/api/me", t2.access, NULL), 200);
	/* the rotated token again: reuse, the whole session dies */
	hs_post_json(&srv, "/auth/api/refresh", body, NULL, &r);
	assert_unauthorized(&r);
	hs_response_free(&r);
	ck_assert_int_eq(get_status("/auth/api/me", t2.access, NULL), 401);
	snprintf(body, sizeof body, "{\"refresh_token\": \"%s\"}", t2.refresh);
	hs_post_json(&srv, "/auth/api/refresh", body, NULL, &r);
	assert_unauthorized(&r);
	hs_response_free(&r);
	/* garbage and missing refresh tokens */
	hs_post_json(&srv, "/auth/api/refresh", "{\"refresh_token\": \"garbage\"}", NULL, &r);
	assert_unauthorized(&r);
	hs_response_free(&r);
	hs_post_json(&srv, "/auth/api/refresh", "{}", NULL, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	tokens_free(&t);
	tokens_free(&t2);
}
END_TEST

START_TEST(expired_token_and_session)
{
	free(web_register("frank"));
	tokens t = api_login("username", "frank", PW);
	/* An access token of frank's live session, minted two hours ago. */
	authkit_ctx *past = side_ctx(wall_ms());
	authkit_principal *p = NULL;
	ck_assert_int_eq(authkit_token_verify(past, t.access, AUTHKIT_VERIFY_STATELESS, &p), AUTHKIT_OK);
	test_now_ms -= 2 * 3600 * 1000LL; /* the side context's clock goes back two hours */
	char *old = NULL;
	ck_assert_int_eq(authkit_token_issue_access(past, authkit_principal_user_id(p), authkit_principal_session_id(p),
	                                            NULL, &old, NULL),
	                 AUTHKIT_OK);
	authkit_principal_free(p);
	hs_forbid(&srv, old, HS_IN_LOG);
	hs_response r;
	hs_get(&srv, "/auth/api/me", old, NULL, &r);
	assert_unauthorized(&r);
	hs_response_free(&r);
	ck_assert_int_eq(get_status("/auth/api/me", t.access, NULL), 200); /* the fresh one still works */
	authkit_string_free(old);
	authkit_ctx_free(past);

	/* A web session opened 31 days ago is past AUTHKIT_SESSION_MAX_HOURS (720). */
	past = side_ctx(wall_ms() - 31 * 24 * 3600 * 1000LL);
	authkit_login_result *l = NULL;
	ck_assert_int_eq(authkit_login(past, "frank", PW, NULL, NULL, &l), AUTHKIT_OK);
	char cookie[256];
	snprintf(cookie, sizeof cookie, "authkit_session=%s", authkit_login_session_token(l));
	hs_forbid(&srv, authkit_login_session_token(l), HS_ANYWHERE);
	authkit_login_free(l);
	authkit_ctx_free(past);
	hs_get(&srv, "/chat", NULL, cookie, &r);
	assert_redirect(&r, "/auth/login");
	hs_response_free(&r);
	ck_assert_int_eq(get_status("/auth/api/check", NULL, cookie), 401);
	tokens_free(&t);
}
END_TEST

START_TEST(api_key_credentials)
{
	free(web_register("gina"));
	authkit_ctx *side = side_ctx(wall_ms());
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_username(side, "gina", &u), AUTHKIT_OK);
	char *key = NULL;
	ck_assert_int_eq(authkit_apikey_create(side, authkit_user_id(u), "test", "chat", 0, &key, NULL), AUTHKIT_OK);
	authkit_user_free(u);
	hs_forbid(&srv, key, HS_ANYWHERE);
	hs_response r;
	hs_get(&srv, "/auth/api/check", key, NULL, &r);
	assert_status(&r, 200);
	json_t *j = hs_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(j, "kind")), "api_key");
	json_decref(j);
	hs_response_free(&r);
	hs_request rq = {.path = "/api/chat", .content_type = "application/json",
	                 .body = "{\"message\": \"hi from a key\"}", .headers = (const char *const[]){NULL, NULL}};
	char hdr[128];
	snprintf(hdr, sizeof hdr, "X-API-Key: %s", key);
	const char *hdrs[] = {hdr, NULL};
	rq.headers = hdrs;
	hs_do(&srv, &rq, &r);
	assert_status(&r, 200);
	hs_response_free(&r);
	/* an API key has no session to log out */
	hs_request lo = {.method = "POST", .path = "/auth/api/logout", .bearer = key};
	hs_do(&srv, &lo, &r);
	hs_assert_error(&r, 400, "no_session");
	hs_response_free(&r);
	authkit_string_free(key);
	authkit_ctx_free(side);
}
END_TEST

START_TEST(change_password)
{
	free(web_register("hank"));
	tokens t = api_login("username", "hank", PW);
	tokens other = api_login("username", "hank", PW);
	hs_response r;
	hs_post_json(&srv, "/api/auth/change-password",
	             "{\"current_password\": \"not the password\", \"new_password\": \"" PW2 "\"}", t.access, &r);
	hs_assert_error(&r, 401, "invalid_credentials");
	hs_response_free(&r);
	hs_post_json(&srv, "/api/auth/change-password",
	             "{\"current_password\": \"" PW "\", \"new_password\": \"short\"}", t.access, &r);
	hs_assert_error(&r, 400, "weak_password");
	hs_response_free(&r);
	hs_post_json(&srv, "/api/auth/change-password", "{\"current_password\": \"" PW "\"}", t.access, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	hs_post_json(&srv, "/api/auth/change-password", "{\"current_password\": \"" PW "\", \"new_password\": \"" PW2 "\"}",
	             NULL, &r);
	assert_unauthorized(&r);
	hs_response_free(&r);
	hs_post_json(&srv, "/api/auth/change-password", "{\"current_password\": \"" PW "\", \"new_password\": \"" PW2 "\"}",
	             t.access, &r);
	assert_status(&r, 200);
	hs_response_free(&r);
	/* this session lives, the other one is revoked; only the new password works */
	ck_assert_int_eq(get_status("/auth/api/me", t.access, NULL), 200);
	ck_assert_int_eq(get_status("/auth/api/me", other.access, NULL), 401);
	hs_post_json(&srv, "/auth/api/login", "{\"username\": \"hank\", \"password\": \"" PW "\"}", NULL, &r);
	hs_assert_error(&r, 401, "invalid_credentials");
	hs_response_free(&r);
	tokens t3 = api_login("username", "hank", PW2);
	tokens_free(&t);
	tokens_free(&other);
	tokens_free(&t3);
}
END_TEST

START_TEST(password_reset_through_outbox)
{
	char *cookie = web_register("iris");
	hs_response known, unknown, r;
	hs_post_json(&srv, "/api/auth/request-password-reset", "{\"email\": \"iris@example.com\"}", NULL, &known);
	assert_status(&known, 202);
	hs_post_json(&srv, "/api/auth/request-password-reset", "{\"email\": \"nobody@example.com\"}", NULL, &unknown);
	assert_status(&unknown, 202);
	ck_assert_str_eq(known.body, unknown.body);
	hs_response_free(&known);
	hs_response_free(&unknown);
	hs_post_json(&srv, "/api/auth/request-password-reset", "{\"email\": \"not an address\"}", NULL, &r);
	assert_status(&r, 202);
	hs_response_free(&r);

	/* the token is in the outbox (mode 0600), exactly once, for iris only */
	char path[512];
	snprintf(path, sizeof path, "%s/outbox.txt", srv.data_dir);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	char *outbox = hs_read_data_file(&srv, "outbox.txt");
	ck_assert(strstr(outbox, "To: iris@example.com"));
	ck_assert(!strstr(outbox, "nobody@example.com"));
	const char *line = strstr(outbox, "reset_token=");
	ck_assert(line != NULL);
	char *token = strndup(line + strlen("reset_token="), strcspn(line + strlen("reset_token="), "\n"));
	ck_assert_uint_eq(strlen(token), 43);
	hs_forbid(&srv, token, HS_ANYWHERE);
	free(outbox);

	char body[256];
	snprintf(body, sizeof body, "{\"token\": \"%s\", \"new_password\": \"short\"}", token);
	hs_post_json(&srv, "/api/auth/reset-password", body, NULL, &r);
	hs_assert_error(&r, 400, "weak_password");
	hs_response_free(&r);
	snprintf(body, sizeof body, "{\"token\": \"%s\", \"new_password\": \"" PW3 "\"}", token);
	hs_post_json(&srv, "/api/auth/reset-password", body, NULL, &r);
	assert_status(&r, 200);
	hs_response_free(&r);
	/* single use */
	hs_post_json(&srv, "/api/auth/reset-password", body, NULL, &r);
	hs_assert_error(&r, 400, "invalid_token");
	hs_response_free(&r);
	hs_post_json(&srv, "/api/auth/reset-password", "{\"token\": \"bogus\"}", NULL, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	/* every session was revoked; the new password works */
	hs_get(&srv, "/chat", NULL, cookie, &r);
	assert_redirect(&r, "/auth/login");
	hs_response_free(&r);
	tokens t = api_login("email", "iris@example.com", PW3);
	tokens_free(&t);
	free(token);
	free(cookie);
}
END_TEST

START_TEST(chat_api_and_web)
{
	char *cookie = web_register("jack");
	tokens t = api_login("username", "jack", PW);
	hs_response a, b, r;
	hs_post_json(&srv, "/api/chat", "{\"message\": \"hello there bot\"}", t.access, &a);
	assert_status(&a, 200);
	hs_post_json(&srv, "/api/chat", "{\"message\": \"hello there bot\"}", t.access, &b);
	ck_assert_str_eq(a.body, b.body); /* deterministic */
	json_t *j = hs_json(&a);
	ck_assert(strstr(json_string_value(json_object_get(j, "reply")), "3 words"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "usage"), "input_tokens")), 3);
	json_decref(j);
	hs_response_free(&a);
	hs_response_free(&b);
	hs_post_json(&srv, "/api/chat", "{\"message\": \"\"}", t.access, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	hs_post_json(&srv, "/api/chat", "{\"message\": \"hi\"}", NULL, &r);
	assert_unauthorized(&r);
	hs_response_free(&r);
	/* with the session cookie instead of a bearer: CSRF required */
	hs_request rq = {.path = "/api/chat", .content_type = "application/json", .body = "{\"message\": \"hi\"}",
	                 .cookie = cookie};
	hs_do(&srv, &rq, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);
	char *csrf = csrf_from(cookie);
	rq.csrf = csrf;
	hs_do(&srv, &rq, &r);
	assert_status(&r, 200);
	hs_response_free(&r);

	/* the web form: escaped output, CSRF in the form field */
	hs_post_form(&srv, "/chat", "message=%3Cscript%3Ex%3C%2Fscript%3E", cookie, NULL, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);
	char form[256];
	snprintf(form, sizeof form, "csrf_token=%s&message=%%3Cscript%%3Ex%%3C%%2Fscript%%3E", csrf);
	hs_post_form(&srv, "/chat", form, cookie, NULL, &r);
	assert_status(&r, 200);
	ck_assert(strstr(r.body, "&lt;script&gt;x&lt;/script&gt;"));
	ck_assert(!strstr(r.body, "<script>"));
	hs_response_free(&r);

	/* every turn recorded a usage event: 2 API + 1 cookie API + 1 web */
	authkit_ctx *side = side_ctx(wall_ms());
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_username(side, "jack", &u), AUTHKIT_OK);
	authkit_usage_summary *sum = NULL;
	ck_assert_int_eq(authkit_usage_summary_get(side, authkit_user_id(u), 0, 0, AUTHKIT_USAGE_BY_SERVICE, &sum),
	                 AUTHKIT_OK);
	ck_assert_uint_eq(authkit_usage_summary_count(sum), 1);
	ck_assert_str_eq(authkit_usage_summary_key(sum, 0), "chat");
	ck_assert_int_eq(authkit_usage_summary_events(sum, 0), 4);
	authkit_usage_summary_free(sum);
	authkit_user_free(u);
	authkit_ctx_free(side);
	free(csrf);
	free(cookie);
	tokens_free(&t);
}
END_TEST

#define INTEGRATION_KEY "sk-test-QWERTYUIOPasdfghjkl1234"

START_TEST(settings_store_masked_key)
{
	char *cookie = web_register("kate");
	char *other = web_register("leon");
	hs_forbid(&srv, INTEGRATION_KEY, HS_ANYWHERE);
	char *csrf = csrf_from(cookie);
	char *other_csrf = csrf_from(other);
	char form[256];
	hs_response r;
	snprintf(form, sizeof form, "service=openai&api_key=%s", INTEGRATION_KEY);
	hs_post_form(&srv, "/settings", form, cookie, NULL, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);
	snprintf(form, sizeof form, "csrf_token=%s&service=openai&api_key=%s", other_csrf, INTEGRATION_KEY);
	hs_post_form(&srv, "/settings", form, cookie, NULL, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);
	snprintf(form, sizeof form, "csrf_token=%s&service=openai&api_key=%s", csrf, INTEGRATION_KEY);
	hs_post_form(&srv, "/settings", form, cookie, NULL, &r);
	assert_redirect(&r, "/settings");
	hs_response_free(&r);
	snprintf(form, sizeof form, "csrf_token=%s&service=Bad+Name&api_key=x", csrf);
	hs_post_form(&srv, "/settings", form, cookie, NULL, &r);
	assert_status(&r, 400);
	hs_response_free(&r);
	hs_get(&srv, "/settings", NULL, cookie, &r);
	assert_status(&r, 200);
	ck_assert_msg(strstr(r.body, "openai: <code>sk-\xe2\x80\xa6" "1234</code>"), "%s", r.body);
	hs_response_free(&r);
	/* the other user sees none of it */
	hs_get(&srv, "/settings", NULL, other, &r);
	assert_status(&r, 200);
	ck_assert(!strstr(r.body, "sk-") && strstr(r.body, "none yet"));
	hs_response_free(&r);
	/* no cookie: to the login page */
	hs_post_form(&srv, "/settings", form, NULL, NULL, &r);
	assert_redirect(&r, "/auth/login");
	hs_response_free(&r);
	free(csrf);
	free(other_csrf);
	free(cookie);
	free(other);
}
END_TEST

START_TEST(malformed_bodies_types_and_sizes)
{
	hs_response r;
	hs_post_json(&srv, "/auth/api/login", "{\"username\": \"x\",", NULL, &r);
	hs_assert_error(&r, 400, "malformed_json");
	hs_response_free(&r);
	hs_post_json(&srv, "/auth/api/login", "[1, 2]", NULL, &r);
	hs_assert_error(&r, 400, "malformed_json");
	hs_response_free(&r);
	hs_post_json(&srv, "/auth/api/login", "{\"username\": \"a\", \"username\": \"b\", \"password\": \"c\"}", NULL, &r);
	hs_assert_error(&r, 400, "malformed_json");
	hs_response_free(&r);
	hs_post_form(&srv, "/auth/login", "username=%zz&password=x", NULL, NULL, &r);
	hs_assert_error(&r, 400, "malformed_form");
	hs_response_free(&r);
	hs_post_form(&srv, "/auth/register", "username=a&&password=b", NULL, NULL, &r);
	hs_assert_error(&r, 400, "malformed_form");
	hs_response_free(&r);
	hs_post_form(&srv, "/auth/login", "username=%00&password=x", NULL, NULL, &r);
	hs_assert_error(&r, 400, "malformed_form");
	hs_response_free(&r);

	/* wrong content types */
	hs_request rq = {.path = "/auth/api/login", .content_type = "text/plain", .body = "{}"};
	hs_do(&srv, &rq, &r);
	hs_assert_error(&r, 415, "unsupported_media_type");
	hs_response_free(&r);
	rq.content_type = NULL;
	hs_do(&srv, &rq, &r);
	hs_assert_error(&r, 415, "unsupported_media_type");
	hs_response_free(&r);
	hs_request form_as_json = {.path = "/auth/login", .content_type = "application/json", .body = "{}"};
	hs_do(&srv, &form_as_json, &r);
	hs_assert_error(&r, 415, "unsupported_media_type");
	hs_response_free(&r);
	rq.content_type = "application/json; charset=utf-8";
	rq.body = "{\"username\": \"nobody\", \"password\": \"whatever it is\"}";
	hs_do(&srv, &rq, &r);
	hs_assert_error(&r, 401, "invalid_credentials");
	hs_response_free(&r);

	/* over 64 KiB: 413, whether announced or not */
	size_t big = 64 * 1024 + 1;
	char *huge = malloc(big + 1);
	memset(huge, 'a', big);
	huge[0] = '"';
	huge[big - 1] = '"';
	huge[big] = '\0';
	hs_post_json(&srv, "/auth/api/login", huge, NULL, &r);
	hs_assert_error(&r, 413, "body_too_large");
	hs_response_free(&r);
	const char *chunked[] = {"Transfer-Encoding: chunked", NULL};
	hs_request ch = {.path = "/api/chat", .content_type = "application/json", .body = huge, .headers = chunked};
	hs_do(&srv, &ch, &r);
	hs_assert_error(&r, 413, "body_too_large");
	hs_response_free(&r);
	/* ... and a chunked body is refused as soon as it crosses the limit, not read to its end */
	ck_assert_int_eq(chunked_overflow_status(), 413);
	/* exactly the limit is fine (then malformed JSON: 400) */
	huge[64 * 1024] = '\0';
	hs_post_json(&srv, "/auth/api/login", huge, NULL, &r);
	hs_assert_error(&r, 400, "malformed_json");
	hs_response_free(&r);
	free(huge);

	/* a query string never reaches the access log */
	ck_assert_int_eq(get_status("/healthz?token=QUERYSECRET12345", NULL, NULL), 200);
	hs_forbid(&srv, "QUERYSECRET12345", HS_IN_LOG);
}
END_TEST

START_TEST(restart_reuses_generated_secrets)
{
	char path[512];
	snprintf(path, sizeof path, "%s/jwt_secret", srv.data_dir);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	char *log = hs_read_file(srv.log_path, NULL);
	ck_assert(strstr(log, "WARNING: AUTHKIT_JWT_SECRET was not set"));
	ck_assert(strstr(log, "WARNING: AUTHKIT_MASTER_KEY was not set"));
	free(log);
	char *jwt = hs_read_data_file(&srv, "jwt_secret");
	free(web_register("mona"));
	tokens t = api_login("username", "mona", PW);
	/* same data directory: the same secret, so the token is still valid */
	hs_restart(&srv);
	char *kept = hs_read_data_file(&srv, "jwt_secret");
	ck_assert_str_eq(kept, jwt);
	ck_assert_int_eq(get_status("/auth/api/me", t.access, NULL), 200);
	free(kept);
	free(jwt);
	tokens_free(&t);
}
END_TEST

static void assert_retry_after(const hs_response *r)
{
	hs_assert_error(r, 429, "limit");
	char *retry = hs_header(r, "Retry-After");
	ck_assert_msg(retry && atoi(retry) > 0, "Retry-After: %s", retry ? retry : "(none)");
	free(retry);
}

/* Reset requests are limited per address (3 in a burst) and per client IP (10 in a burst). */
START_TEST(password_reset_requests_rate_limited)
{
	hs_response r;
	for (int i = 0; i < 3; i++) {
		/* the address's case does not open a new bucket */
		hs_post_json(&srv, "/api/auth/request-password-reset",
		             i % 2 ? "{\"email\": \"Target@Example.com\"}" : "{\"email\": \"target@example.com\"}", NULL,
		             &r);
		assert_status(&r, 202);
		hs_response_free(&r);
	}
	hs_post_json(&srv, "/api/auth/request-password-reset", "{\"email\": \"TARGET@example.com\"}", NULL, &r);
	assert_retry_after(&r);
	hs_response_free(&r);
	/* other addresses from the same IP, until the IP's budget (10) is spent too */
	int limited_at = 0;
	for (int i = 0; i < 12 && !limited_at; i++) {
		char body[96];
		snprintf(body, sizeof body, "{\"email\": \"other%d@example.com\"}", i);
		hs_post_json(&srv, "/api/auth/request-password-reset", body, NULL, &r);
		if (r.status == 429) {
			assert_retry_after(&r);
			limited_at = i + 1;
		} else {
			assert_status(&r, 202);
		}
		hs_response_free(&r);
	}
	/* the 4 requests above all count against the IP (the IP is checked first), so other5 is its tenth
	 * (a token refills each minute: a very slow run may get one more) */
	ck_assert_msg(limited_at == 7 || limited_at == 8, "IP limited after %d other addresses", limited_at);
}
END_TEST

/* Login and register attempts are limited per client IP (a burst of 20), form and JSON alike. */
START_TEST(login_attempts_rate_limited)
{
	hs_response r;
	int i = 0;
	for (; i < 30; i++) {
		if (i % 2)
			hs_post_form(&srv, "/auth/login", "username=ghost&password=not+the+password", NULL, NULL, &r);
		else
			hs_post_json(&srv, "/auth/api/login", "{\"username\": \"ghost\", \"password\": \"nope nope\"}", NULL,
			             &r);
		long status = r.status;
		if (status == 429)
			break;
		assert_status(&r, 401);
		hs_response_free(&r);
	}
	/* 20 in the burst; a slow run (valgrind) may see a token or two refill meanwhile */
	ck_assert_msg(i >= 20 && i < 30, "first 429 after %d attempts", i);
	assert_retry_after(&r);
	hs_response_free(&r);
	hs_post_form(&srv, "/auth/register", "username=zed&email=zed%40example.com&password=" PW_FORM, NULL, NULL, &r);
	assert_retry_after(&r);
	hs_response_free(&r);
}
END_TEST

/* Secrets in the data directory are trusted only when they are private files of this user. */
START_TEST(readable_secret_file_refused)
{
	char path[512], link_path[512];
	snprintf(path, sizeof path, "%s/jwt_secret", srv.data_dir);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_ne(hs_restart_expect_exit(&srv), 0);
	char *log = hs_read_file(srv.log_path, NULL);
	ck_assert_msg(strstr(log, "refusing") && strstr(log, "chmod 600"), "log: %s", log);
	free(log);
	/* a symbolic link in its place is refused too, even to a private file */
	snprintf(link_path, sizeof link_path, "%s/jwt_secret.real", srv.data_dir);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(rename(path, link_path), 0);
	ck_assert_int_eq(symlink(link_path, path), 0);
	ck_assert_int_ne(hs_restart_expect_exit(&srv), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rename(link_path, path), 0);
	/* a data directory others can write to is refused; one they can only read is tightened to 0700 */
	ck_assert_int_eq(chmod(srv.data_dir, 0770), 0);
	ck_assert_int_ne(hs_restart_expect_exit(&srv), 0);
	ck_assert_int_eq(chmod(srv.data_dir, 0755), 0);
	hs_respawn(&srv);
	struct stat st;
	ck_assert_int_eq(stat(srv.data_dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(get_status("/healthz", NULL, NULL), 200);
}
END_TEST

static Suite *chat_suite(void)
{
	Suite *s = suite_create("chat");
	TCase *tc = tcase_create("http");
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, healthz_unknown_route_and_method);
	tcase_add_test(tc, web_register_login_logout);
	tcase_add_test(tc, cross_site_login_and_register_refused);
	tcase_add_test(tc, api_login_me_check_logout);
	tcase_add_test(tc, refresh_rotation_and_reuse);
	tcase_add_test(tc, expired_token_and_session);
	tcase_add_test(tc, api_key_credentials);
	tcase_add_test(tc, change_password);
	tcase_add_test(tc, password_reset_through_outbox);
	tcase_add_test(tc, chat_api_and_web);
	tcase_add_test(tc, settings_store_masked_key);
	tcase_add_test(tc, malformed_bodies_types_and_sizes);
	tcase_add_test(tc, restart_reuses_generated_secrets);
	tcase_add_test(tc, readable_secret_file_refused);
	tcase_add_test(tc, password_reset_requests_rate_limited);
	tcase_add_test(tc, login_attempts_rate_limited);
	suite_add_tcase(s, tc);
	TCase *lock = tcase_create("lockout");
	tcase_add_checked_fixture(lock, start_lockout, stop);
	tcase_add_test(lock, wrong_password_unknown_user_and_lockout);
	suite_add_tcase(s, lock);
	TCase *stateless = tcase_create("stateless");
	tcase_add_checked_fixture(stateless, start_stateless, stop);
	tcase_add_test(stateless, blank_api_key_keeps_stateful_check);
	tcase_add_test(stateless, session_cookie_max_age_follows_session);
	suite_add_tcase(s, stateless);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(chat_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
