/*
 * authkit-chat — the chat example server (the FastAPI app's routes, DESIGN.md §4).
 *
 *   authkit-chat [--port 8081] [--db PATH] [--data-dir DIR] ...   (--help)
 *
 * Web pages with a session cookie (login, register, logout, chat,
 * settings) and a JSON API with bearer tokens (login, refresh, me, check,
 * logout, change-password, password reset, chat). The "bot" answers
 * deterministically and records a usage event per message. Password-reset
 * tokens go to <data-dir>/outbox.txt, never into an HTTP response.
 * Walkthrough: docs/EXAMPLES.md.
 */
#include "ex_common.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHAT_MESSAGE_MAX 4000 /* bytes of one chat message */
#define CHAT_SERVICE "chat"
#define CHAT_MODEL "toybot-1"

/*
 * In-process rate limits (token buckets refilled by 1 token a second; a
 * request costs COST tokens): login and register per client IP, a burst of
 * 20 then one every 6 s, like imagegen; password-reset requests per IP (10,
 * then one a minute) and per address (3, then one every 5 minutes), so
 * nobody can flood a mailbox or the outbox.
 */
#define CHAT_AUTH_CAPACITY 120
#define CHAT_AUTH_COST 6
#define CHAT_RESET_IP_CAPACITY 600
#define CHAT_RESET_IP_COST 60
#define CHAT_RESET_EMAIL_CAPACITY 900
#define CHAT_RESET_EMAIL_COST 300
#define CHAT_EMAIL_KEY_MAX 320

/* The handlers' userdata. */
typedef struct chat_server {
	authkit_ratelimit *auth_attempts;  /* "auth:<ip>" */
	authkit_ratelimit *reset_by_ip;    /* "reset:<ip>" */
	authkit_ratelimit *reset_by_email; /* "reset-email:<lower-cased address>" */
} chat_server;

static int too_many_auth_attempts(ex_request *req, void *ud)
{
	chat_server *s = ud;
	return ex_rate_limited(req, s->auth_attempts, "auth", ex_req_ip(req), CHAT_AUTH_COST);
}

/* ------------------------------------------------------------------------ */
/* The toy bot                                                              */
/* ------------------------------------------------------------------------ */

static int64_t count_words(const char *s)
{
	int64_t n = 0;
	for (int in = 0; *s; s++) {
		int space = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
		if (!space && !in)
			n++;
		in = !space;
	}
	return n;
}

/* Deterministic: the same message always gets the same answer. */
static char *bot_answer(const char *message)
{
	static const char *const openers[] = {"Interesting", "Tell me more", "I see", "Noted", "Good point"};
	unsigned h = 5381;
	for (const unsigned char *p = (const unsigned char *)message; *p; p++)
		h = h * 33u ^ *p;
	ex_buf b = {0};
	ex_buf_appendf(&b, "%s: you said %lld word%s, \"", openers[h % 5], (long long)count_words(message),
	               count_words(message) == 1 ? "" : "s");
	ex_buf_append(&b, message);
	ex_buf_append(&b, "\".");
	return ex_buf_steal(&b);
}

/* Answer and record the usage event; NULL (and a reply sent) on failure. */
static char *chat_turn(ex_request *req, const char *message)
{
	if (!message || !*message || strlen(message) > CHAT_MESSAGE_MAX) {
		ex_reply_error(req, 400, "invalid", "message must be 1-4000 bytes of text");
		return NULL;
	}
	char *answer = bot_answer(message);
	if (!answer) {
		ex_reply_error(req, 500, "internal", "out of memory");
		return NULL;
	}
	authkit_usage_event *ev = NULL;
	int rc = authkit_usage_event_new(&ev);
	if (rc == AUTHKIT_OK) {
		authkit_usage_event_set_user_id(ev, authkit_principal_user_id(ex_req_principal(req)));
		authkit_usage_event_set_service(ev, CHAT_SERVICE);
		authkit_usage_event_set_model(ev, CHAT_MODEL);
		authkit_usage_event_set_request_type(ev, "chat");
		authkit_usage_event_set_input_tokens(ev, count_words(message));
		authkit_usage_event_set_output_tokens(ev, count_words(answer));
		rc = authkit_usage_record(ex_req_ctx(req), ev, NULL);
	}
	authkit_usage_event_free(ev);
	if (rc != AUTHKIT_OK) {
		free(answer);
		ex_reply_status(req, rc);
		return NULL;
	}
	return answer;
}

/* ------------------------------------------------------------------------ */
/* Pages                                                                    */
/* ------------------------------------------------------------------------ */

/* Navigation for a signed-in user: the logout form carries the CSRF token. */
static void page_begin_signed_in(ex_request *req, ex_buf *b, const char *title)
{
	ex_page_begin_signed_in(b, title, "<a href=\"/chat\">Chat</a> <a href=\"/settings\">Settings</a>", "/auth/logout",
	                        ex_req_csrf(req));
}

static void csrf_field(ex_request *req, ex_buf *b)
{
	ex_html_csrf_field(b, ex_req_csrf(req));
	ex_buf_append(b, "\n");
}

static void login_page(ex_request *req, unsigned status, const char *error)
{
	ex_buf b = {0};
	ex_page_begin(&b, "Log in", "<a href=\"/auth/register\">Register</a>");
	ex_html_alert(&b, error);
	ex_buf_append(&b, "<form method=\"post\" action=\"/auth/login\">\n"
	                  "<label>Username or email <input name=\"username\" autocomplete=\"username\" required></label>\n"
	                  "<label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\n"
	                  "<button>Log in</button>\n</form>\n");
	ex_page_end(&b);
	ex_reply_html(req, status, &b);
}

static void register_page(ex_request *req, unsigned status, const char *error)
{
	ex_buf b = {0};
	ex_page_begin(&b, "Register", "<a href=\"/auth/login\">Log in</a>");
	ex_html_alert(&b, error);
	ex_buf_append(&b, "<form method=\"post\" action=\"/auth/register\">\n"
	                  "<label>Username <input name=\"username\" autocomplete=\"username\" required></label>\n"
	                  "<label>Email <input name=\"email\" type=\"email\" autocomplete=\"email\" required></label>\n"
	                  "<label>Full name <input name=\"full_name\" autocomplete=\"name\"></label>\n"
	                  "<label>Password (12+ characters) <input name=\"password\" type=\"password\" autocomplete=\"new-password\" required></label>\n"
	                  "<button>Create account</button>\n</form>\n");
	ex_page_end(&b);
	ex_reply_html(req, status, &b);
}

/* ------------------------------------------------------------------------ */
/* Web routes                                                               */
/* ------------------------------------------------------------------------ */

static void web_root(ex_request *req, void *ud)
{
	(void)ud;
	ex_reply_redirect(req, "/chat");
}

static void web_login_get(ex_request *req, void *ud)
{
	(void)ud;
	if (ex_req_principal(req))
		ex_reply_redirect(req, "/chat");
	else
		login_page(req, 200, NULL);
}

/* Open a session and answer with its cookie and a redirect to /chat. */
static int web_sign_in(ex_request *req, const char *identifier, const char *password)
{
	authkit_login_result *login = NULL;
	int rc = authkit_login(ex_req_ctx(req), identifier, password, ex_req_ip(req), ex_req_user_agent(req), &login);
	if (rc == AUTHKIT_OK && ex_reply_session_cookie(req, authkit_login_session_token(login)) == 0)
		ex_reply_redirect(req, "/chat");
	else if (rc == AUTHKIT_OK)
		ex_reply_error(req, 500, "internal", "cannot build the session cookie");
	authkit_login_free(login);
	return rc;
}

static void web_login_post(ex_request *req, void *ud)
{
	if (too_many_auth_attempts(req, ud))
		return;
	const char *identifier = ex_req_field(req, "username");
	const char *password = ex_req_field(req, "password");
	if (!identifier || !password || !*identifier || !*password) {
		login_page(req, 400, "Enter your username or email and your password.");
		return;
	}
	int rc = web_sign_in(req, identifier, password);
	/* EINVALID (e.g. an over-long password) is a bad credential too: one answer for all. */
	if (rc == AUTHKIT_EAUTH || rc == AUTHKIT_EINVALID)
		login_page(req, 401, "Invalid username or password.");
	else if (rc != AUTHKIT_OK)
		ex_reply_status(req, rc);
}

static void web_register_get(ex_request *req, void *ud)
{
	(void)ud;
	register_page(req, 200, NULL);
}

static void web_register_post(ex_request *req, void *ud)
{
	if (too_many_auth_attempts(req, ud))
		return;
	const char *username = ex_req_field(req, "username");
	const char *email = ex_req_field(req, "email");
	const char *full_name = ex_req_field(req, "full_name");
	const char *password = ex_req_field(req, "password");
	if (!username || !email || !password) {
		register_page(req, 400, "Username, email and password are required.");
		return;
	}
	int rc = authkit_user_register(ex_req_ctx(req), username, email, full_name, password, NULL);
	if (rc == AUTHKIT_EEXISTS)
		register_page(req, 409, "That username or email is already registered.");
	else if (rc == AUTHKIT_EPASSWORD || rc == AUTHKIT_EINVALID)
		register_page(req, 400, authkit_error_last()); /* says which rule, never the password */
	else if (rc != AUTHKIT_OK)
		ex_reply_status(req, rc);
	else if ((rc = web_sign_in(req, username, password)) != AUTHKIT_OK)
		ex_reply_status(req, rc);
}

static void web_logout(ex_request *req, void *ud)
{
	(void)ud;
	authkit_logout(ex_req_ctx(req), authkit_principal_session_id(ex_req_principal(req)), ex_req_ip(req));
	ex_reply_clear_session_cookie(req);
	ex_reply_redirect(req, "/auth/login");
}

static void chat_page(ex_request *req, const char *message, const char *answer)
{
	ex_buf b = {0};
	page_begin_signed_in(req, &b, "Chat");
	if (message && answer) {
		ex_buf_append(&b, "<p><em>You:</em> ");
		ex_buf_append_html(&b, message);
		ex_buf_append(&b, "</p>\n<p><em>Bot:</em> ");
		ex_buf_append_html(&b, answer);
		ex_buf_append(&b, "</p>\n");
	}
	ex_buf_append(&b, "<form method=\"post\" action=\"/chat\">\n");
	csrf_field(req, &b);
	ex_buf_append(&b, "<label>Message <input name=\"message\" maxlength=\"4000\" required></label>\n"
	                  "<button>Send</button>\n</form>\n");
	ex_page_end(&b);
	ex_reply_html(req, 200, &b);
}

static void web_chat_get(ex_request *req, void *ud)
{
	(void)ud;
	chat_page(req, NULL, NULL);
}

static void web_chat_post(ex_request *req, void *ud)
{
	(void)ud;
	const char *message = ex_req_field(req, "message");
	char *answer = chat_turn(req, message);
	if (answer)
		chat_page(req, message, answer);
	free(answer);
}

static void settings_page(ex_request *req, unsigned status, const char *error)
{
	authkit_vault_list *list = NULL;
	int rc = authkit_vault_list_user(ex_req_ctx(req), authkit_principal_user_id(ex_req_principal(req)), &list);
	if (rc != AUTHKIT_OK) {
		ex_reply_status(req, rc);
		return;
	}
	ex_buf b = {0};
	page_begin_signed_in(req, &b, "Settings");
	ex_html_alert(&b, error);
	ex_buf_append(&b, "<h2>Integration keys</h2>\n<ul>\n");
	for (size_t i = 0; i < authkit_vault_list_count(list); i++) {
		ex_buf_append(&b, "<li>");
		ex_buf_append_html(&b, authkit_vault_list_service(list, i));
		ex_buf_append(&b, ": <code>");
		ex_buf_append_html(&b, authkit_vault_list_masked(list, i)); /* never the key itself */
		ex_buf_append(&b, "</code></li>\n");
	}
	if (authkit_vault_list_count(list) == 0)
		ex_buf_append(&b, "<li>none yet</li>\n");
	authkit_vault_list_free(list);
	ex_buf_append(&b, "</ul>\n<form method=\"post\" action=\"/settings\">\n");
	csrf_field(req, &b);
	ex_buf_append(&b, "<label>Service <input name=\"service\" value=\"openai\" required></label>\n"
	                  "<label>API key <input name=\"api_key\" type=\"password\" autocomplete=\"off\" required></label>\n"
	                  "<button>Save</button>\n</form>\n");
	ex_page_end(&b);
	ex_reply_html(req, status, &b);
}

static void web_settings_get(ex_request *req, void *ud)
{
	(void)ud;
	settings_page(req, 200, NULL);
}

static void web_settings_post(ex_request *req, void *ud)
{
	(void)ud;
	const char *service = ex_req_field(req, "service");
	const char *key = ex_req_field(req, "api_key");
	if (!service || !key || !*key) {
		settings_page(req, 400, "Service and API key are required.");
		return;
	}
	int rc = authkit_vault_put(ex_req_ctx(req), authkit_principal_user_id(ex_req_principal(req)), service,
	                           (const unsigned char *)key, strlen(key));
	if (rc == AUTHKIT_OK)
		ex_reply_redirect(req, "/settings");
	else if (rc == AUTHKIT_EINVALID)
		settings_page(req, 400, "Service names are 1-64 characters of a-z 0-9 _ . - and keys 1-4096 bytes.");
	else
		ex_reply_status(req, rc);
}

/* ------------------------------------------------------------------------ */
/* JSON API                                                                 */
/* ------------------------------------------------------------------------ */

static json_t *user_json(const authkit_user *u)
{
	json_t *roles = json_array();
	for (size_t i = 0; i < authkit_user_role_count(u); i++)
		json_array_append_new(roles, json_string(authkit_user_role(u, i)));
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:b}", "id", (json_int_t)authkit_user_id(u), "username",
	                 authkit_user_username(u), "email", authkit_user_email(u), "full_name",
	                 authkit_user_full_name(u), "roles", roles, "is_verified", authkit_user_is_verified(u));
}

/* The token pair of a login or a refresh, OAuth2-style. */
static void api_login(ex_request *req, void *ud)
{
	if (too_many_auth_attempts(req, ud))
		return;
	const char *identifier = ex_req_field(req, "username");
	if (!identifier)
		identifier = ex_req_field(req, "email");
	const char *password = ex_req_field(req, "password");
	if (!identifier || !password) {
		ex_reply_error(req, 400, "invalid", "username (or email) and password are required");
		return;
	}
	authkit_login_result *login = NULL;
	int rc = authkit_login(ex_req_ctx(req), identifier, password, ex_req_ip(req), ex_req_user_agent(req), &login);
	if (rc != AUTHKIT_OK) {
		ex_reply_status(req, rc == AUTHKIT_EINVALID ? AUTHKIT_EAUTH : rc); /* one answer for every bad credential */
		return;
	}
	json_t *body = ex_token_pair_json(req, login);
	if (body)
		json_object_set_new(body, "user", user_json(authkit_login_user(login)));
	authkit_login_free(login);
	ex_reply_json(req, 200, body);
}

/*
 * Profile cache for GET /auth/api/me, the hot path of an API client. Who
 * the caller is and whether the token and its session are alive is decided
 * on every request by the stateful token check (never cached); only the
 * profile's display fields (the JSON below) are kept, per user, for at most
 * PROFILE_TTL_MS, so a change made by another process (`authkit user ...`)
 * shows within seconds and /me costs one store lookup instead of two.
 * Fixed memory: PROFILE_SLOTS slots, direct-mapped by user id.
 */
#define PROFILE_SLOTS 1024
#define PROFILE_JSON_MAX 1024
#define PROFILE_TTL_MS 5000

typedef struct profile_slot {
	pthread_mutex_t lock;
	int64_t user_id; /* 0: empty */
	int64_t filled_ms;
	size_t len;
	char json[PROFILE_JSON_MAX];
} profile_slot;

static profile_slot profiles[PROFILE_SLOTS];

static void profiles_init(void)
{
	for (size_t i = 0; i < PROFILE_SLOTS; i++)
		pthread_mutex_init(&profiles[i].lock, NULL);
}

static void profiles_destroy(void)
{
	for (size_t i = 0; i < PROFILE_SLOTS; i++)
		pthread_mutex_destroy(&profiles[i].lock);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A malloc'd copy of user_id's cached profile JSON, or NULL on a miss. */
static char *profile_get(int64_t user_id, size_t *len_out)
{
	profile_slot *slot = &profiles[(uint64_t)user_id % PROFILE_SLOTS];
	char *copy = NULL;
	pthread_mutex_lock(&slot->lock);
	if (slot->user_id == user_id && monotonic_ms() - slot->filled_ms < PROFILE_TTL_MS &&
	    (copy = malloc(slot->len + 1)) != NULL) {
		memcpy(copy, slot->json, slot->len + 1);
		*len_out = slot->len;
	}
	pthread_mutex_unlock(&slot->lock);
	return copy;
}

static void profile_put(int64_t user_id, const char *json, size_t len)
{
	if (len >= PROFILE_JSON_MAX)
		return;
	profile_slot *slot = &profiles[(uint64_t)user_id % PROFILE_SLOTS];
	pthread_mutex_lock(&slot->lock);
	slot->user_id = user_id;
	slot->filled_ms = monotonic_ms();
	slot->len = len;
	memcpy(slot->json, json, len + 1);
	pthread_mutex_unlock(&slot->lock);
}

static void api_me(ex_request *req, void *ud)
{
	(void)ud;
	int64_t user_id = authkit_principal_user_id(ex_req_principal(req));
	size_t len = 0;
	char *json = profile_get(user_id, &len);
	if (json) {
		ex_reply_bytes(req, 200, "application/json", json, len, free);
		return;
	}
	authkit_user *u = NULL;
	int rc = authkit_user_get_by_id(ex_req_ctx(req), user_id, &u);
	if (rc != AUTHKIT_OK) {
		ex_reply_status(req, rc == AUTHKIT_ENOTFOUND ? AUTHKIT_EREVOKED : rc);
		return;
	}
	json_t *profile = user_json(u);
	authkit_user_free(u);
	json = profile ? json_dumps(profile, JSON_COMPACT) : NULL;
	json_decref(profile);
	if (!json) {
		ex_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	len = strlen(json);
	profile_put(user_id, json, len);
	ex_reply_bytes(req, 200, "application/json", json, len, free);
}

static void api_check(ex_request *req, void *ud)
{
	(void)ud;
	const authkit_principal *p = ex_req_principal(req);
	ex_reply_json(req, 200, json_pack("{s:b, s:I, s:s, s:I}", "valid", 1, "user_id",
	                                  (json_int_t)authkit_principal_user_id(p), "kind", authkit_principal_kind(p),
	                                  "expires_at", (json_int_t)authkit_principal_expires_at(p)));
}

/* The principal's session, or a 400 reply (API keys have none). */
static const char *session_of(ex_request *req)
{
	const char *sid = authkit_principal_session_id(ex_req_principal(req));
	if (!*sid) {
		ex_reply_error(req, 400, "no_session", "this credential has no session");
		return NULL;
	}
	return sid;
}

static void api_logout(ex_request *req, void *ud)
{
	(void)ud;
	const char *sid = session_of(req);
	if (!sid)
		return;
	int rc = authkit_logout(ex_req_ctx(req), sid, ex_req_ip(req));
	if (rc != AUTHKIT_OK) {
		ex_reply_status(req, rc);
		return;
	}
	if (ex_req_is_cookie_auth(req))
		ex_reply_clear_session_cookie(req);
	ex_reply_json(req, 200, json_pack("{s:s}", "status", "logged_out"));
}

static void api_change_password(ex_request *req, void *ud)
{
	(void)ud;
	const char *current = ex_req_field(req, "current_password");
	const char *next = ex_req_field(req, "new_password");
	if (!current || !next) {
		ex_reply_error(req, 400, "invalid", "current_password and new_password are required");
		return;
	}
	const char *sid = session_of(req);
	if (!sid)
		return;
	/* Every other session of the user is revoked; this one stays. */
	int rc = authkit_password_change(ex_req_ctx(req), authkit_principal_user_id(ex_req_principal(req)), current,
	                                 next, sid, ex_req_ip(req));
	if (rc == AUTHKIT_OK)
		ex_reply_json(req, 200, json_pack("{s:s}", "status", "password_changed"));
	else
		ex_reply_status(req, rc);
}

/* 1 (after a 429) when this IP or this address asked for too many resets. */
static int too_many_resets(ex_request *req, chat_server *s, const char *email)
{
	if (ex_rate_limited(req, s->reset_by_ip, "reset", ex_req_ip(req), CHAT_RESET_IP_COST))
		return 1;
	char key[CHAT_EMAIL_KEY_MAX + 1];
	size_t n = 0;
	for (; email[n] && n < CHAT_EMAIL_KEY_MAX; n++)
		key[n] = (char)tolower((unsigned char)email[n]);
	key[n] = '\0';
	return ex_rate_limited(req, s->reset_by_email, "reset-email", key, CHAT_RESET_EMAIL_COST);
}

static void api_request_reset(ex_request *req, void *ud)
{
	const char *email = ex_req_field(req, "email");
	if (!email) {
		ex_reply_error(req, 400, "invalid", "email is required");
		return;
	}
	if (too_many_resets(req, ud, email))
		return;
	char *token = NULL;
	int rc = authkit_reset_request(ex_req_ctx(req), email, ex_req_ip(req), &token);
	if (rc == AUTHKIT_EINVALID) /* a malformed address: same answer as an unknown one */
		rc = AUTHKIT_OK;
	if (rc != AUTHKIT_OK) {
		ex_reply_status(req, rc);
		return;
	}
	if (token) {
		/* The example's "mail": a file only the server's user can read. */
		ex_buf mail = {0};
		ex_buf_appendf(&mail, "To: %s\nSubject: reset your password\n\n"
		                      "POST /api/auth/reset-password with {\"token\": \"%s\", \"new_password\": \"...\"}\n"
		                      "reset_token=%s\n\n",
		               email, token, token);
		int wrote = mail.data ? ex_app_append_file(ex_req_app(req), "outbox.txt", mail.data) : -1;
		if (mail.data)
			memset(mail.data, 0, mail.len);
		ex_buf_free(&mail);
		authkit_string_free(token);
		if (wrote != 0) {
			ex_reply_error(req, 500, "internal", "cannot write the outbox");
			return;
		}
	}
	ex_reply_json(req, 202, json_pack("{s:s, s:s}", "status", "accepted", "detail",
	                                  "if the address belongs to an account, a reset link was sent"));
}

static void api_reset_password(ex_request *req, void *ud)
{
	(void)ud;
	const char *token = ex_req_field(req, "token");
	const char *next = ex_req_field(req, "new_password");
	if (!token || !next) {
		ex_reply_error(req, 400, "invalid", "token and new_password are required");
		return;
	}
	int rc = authkit_reset_complete(ex_req_ctx(req), token, next, ex_req_ip(req));
	if (rc == AUTHKIT_OK)
		ex_reply_json(req, 200, json_pack("{s:s}", "status", "password_reset"));
	else if (rc == AUTHKIT_ETOKEN || rc == AUTHKIT_EEXPIRED)
		ex_reply_error(req, 400, "invalid_token", "the reset token is not valid (unknown, used or expired)");
	else
		ex_reply_status(req, rc);
}

static void api_chat(ex_request *req, void *ud)
{
	(void)ud;
	const char *message = ex_req_field(req, "message");
	char *answer = chat_turn(req, message);
	if (!answer)
		return;
	ex_reply_json(req, 200, json_pack("{s:s, s:s, s:{s:I, s:I}}", "reply", answer, "model", CHAT_MODEL, "usage",
	                                  "input_tokens", (json_int_t)count_words(message), "output_tokens",
	                                  (json_int_t)count_words(answer)));
	free(answer);
}

static void healthz(ex_request *req, void *ud)
{
	(void)ud;
	static const char ok[] = "{\"status\":\"ok\"}";
	ex_reply_bytes(req, 200, "application/json", (void *)ok, sizeof ok - 1, NULL);
}

static const ex_route routes[] = {
	{"GET", "/healthz", EX_BODY_NONE, EX_AUTH_PUBLIC, 0, healthz},
	{"GET", "/", EX_BODY_NONE, EX_AUTH_PUBLIC, 0, web_root},
	/* web */
	{"GET", "/auth/login", EX_BODY_NONE, EX_AUTH_OPTIONAL, 0, web_login_get},
	{"POST", "/auth/login", EX_BODY_FORM, EX_AUTH_PUBLIC, EX_ROUTE_SAME_SITE, web_login_post},
	{"GET", "/auth/register", EX_BODY_NONE, EX_AUTH_PUBLIC, 0, web_register_get},
	{"POST", "/auth/register", EX_BODY_FORM, EX_AUTH_PUBLIC, EX_ROUTE_SAME_SITE, web_register_post},
	{"POST", "/auth/logout", EX_BODY_FORM, EX_AUTH_WEB, 0, web_logout},
	{"GET", "/chat", EX_BODY_NONE, EX_AUTH_WEB, 0, web_chat_get},
	{"POST", "/chat", EX_BODY_FORM, EX_AUTH_WEB, 0, web_chat_post},
	{"GET", "/settings", EX_BODY_NONE, EX_AUTH_WEB, 0, web_settings_get},
	{"POST", "/settings", EX_BODY_FORM, EX_AUTH_WEB, 0, web_settings_post},
	/* JSON API */
	{"POST", "/auth/api/login", EX_BODY_JSON, EX_AUTH_PUBLIC, 0, api_login},
	{"POST", "/auth/api/refresh", EX_BODY_JSON, EX_AUTH_PUBLIC, 0, ex_route_refresh},
	{"GET", "/auth/api/me", EX_BODY_NONE, EX_AUTH_API, EX_ROUTE_STATEFUL, api_me},
	{"GET", "/auth/api/check", EX_BODY_NONE, EX_AUTH_API, EX_ROUTE_STATEFUL, api_check},
	{"POST", "/auth/api/logout", EX_BODY_NONE, EX_AUTH_API, 0, api_logout},
	{"POST", "/api/auth/change-password", EX_BODY_JSON, EX_AUTH_API, 0, api_change_password},
	{"POST", "/api/auth/request-password-reset", EX_BODY_JSON, EX_AUTH_PUBLIC, 0, api_request_reset},
	{"POST", "/api/auth/reset-password", EX_BODY_JSON, EX_AUTH_PUBLIC, 0, api_reset_password},
	{"POST", "/api/chat", EX_BODY_JSON, EX_AUTH_API, 0, api_chat},
};

int main(int argc, char **argv)
{
	ex_app app;
	int rc = ex_app_init(&app, argc, argv, "chat", 8081, NULL);
	if (rc != EX_INIT_OK)
		return rc == EX_INIT_EXIT_OK ? 0 : rc;
	app.login_path = "/auth/login";
	chat_server server = {0};
	rc = 1;
	if (authkit_ratelimit_new(CHAT_AUTH_CAPACITY, 1, &server.auth_attempts) == AUTHKIT_OK &&
	    authkit_ratelimit_new(CHAT_RESET_IP_CAPACITY, 1, &server.reset_by_ip) == AUTHKIT_OK &&
	    authkit_ratelimit_new(CHAT_RESET_EMAIL_CAPACITY, 1, &server.reset_by_email) == AUTHKIT_OK) {
		profiles_init();
		rc = ex_app_run(&app, routes, sizeof routes / sizeof routes[0], &server);
		profiles_destroy();
	} else {
		fprintf(stderr, "chat: cannot create the rate limiters\n");
	}
	ex_app_free(&app);
	authkit_ratelimit_free(server.auth_attempts);
	authkit_ratelimit_free(server.reset_by_ip);
	authkit_ratelimit_free(server.reset_by_email);
	return rc;
}
