/*
 * The HTTP side of ex_common: libmicrohttpd daemon, router, request
 * accessors, authentication glue, replies and the access log.
 */
#include "ex_internal.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EX_REPLY_HEADERS_MAX 8
/* First body buffer when no Content-Length tells the size (chunked). */
#define EX_BODY_FIRST 4096u

struct ex_request {
	ex_app *app;
	struct MHD_Connection *conn;
	const ex_route *route;
	const char *method; /* borrowed from MHD for the request's life */
	const char *path;
	const char *path_rest;
	int method_mismatch;
	uint64_t start_us;

	char *body;
	size_t body_len;
	size_t body_cap;      /* bytes allocated for body (0: none yet) */
	size_t body_expected; /* Content-Length when it was given and within the limit */
	int too_large;
	json_t *json;
	ex_form *form;

	authkit_principal *principal;
	char *csrf;
	char ip[INET6_ADDRSTRLEN];

	/* the reply */
	int replied;
	unsigned status;
	const char *content_type;
	int is_html;
	void *reply_body;
	size_t reply_len;
	void (*reply_free)(void *);
	size_t n_headers;
	char *header_names[EX_REPLY_HEADERS_MAX];
	char *header_values[EX_REPLY_HEADERS_MAX];
};

static ex_priv *priv_of(ex_app *app)
{
	return app->priv;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- access log ---- */

static void log_write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);
		if (n <= 0)
			return; /* a log that cannot be written must not stop the server */
		s += n;
		len -= (size_t)n;
	}
}

void ex_log_flush(ex_priv *p)
{
	pthread_mutex_lock(&p->log_lock);
	log_write_all(p->log_fd, p->log_buf, p->log_len);
	p->log_len = 0;
	pthread_mutex_unlock(&p->log_lock);
}

void ex_log_line(ex_priv *p, const char *line, size_t len)
{
	pthread_mutex_lock(&p->log_lock);
	if (p->log_len + len > sizeof p->log_buf) {
		log_write_all(p->log_fd, p->log_buf, p->log_len);
		p->log_len = 0;
	}
	memcpy(p->log_buf + p->log_len, line, len);
	p->log_len += len;
	pthread_mutex_unlock(&p->log_lock);
}

/* method path status bytes microseconds — nothing else: no query string,
 * no header, no body. Bytes outside printable ASCII become '?' so a
 * decoded path cannot forge log lines. */
static void log_request(ex_request *req, size_t bytes)
{
	char line[384];
	size_t n = 0;
	const char *m = req->method ? req->method : "-";
	for (; *m && n < 16; m++)
		line[n++] = (*m > 0x20 && *m < 0x7f) ? *m : '?';
	line[n++] = ' ';
	const char *p = req->path ? req->path : "-";
	for (size_t k = 0; p[k] && k < 256; k++)
		line[n++] = (p[k] > 0x20 && p[k] < 0x7f) ? p[k] : '?';
	int tail = snprintf(line + n, sizeof line - n, " %u %zu %lluus\n", req->status, bytes,
	                    (unsigned long long)(now_us() - req->start_us));
	if (tail > 0)
		n += (size_t)tail < sizeof line - n ? (size_t)tail : sizeof line - n - 1;
	ex_log_line(priv_of(req->app), line, n);
}

/* ---- request accessors ---- */

ex_app *ex_req_app(ex_request *req)
{
	return req->app;
}

authkit_ctx *ex_req_ctx(ex_request *req)
{
	return req->app->ctx;
}

const char *ex_req_method(const ex_request *req)
{
	return req->method;
}

const char *ex_req_path(const ex_request *req)
{
	return req->path;
}

const char *ex_req_path_rest(const ex_request *req)
{
	return req->path_rest ? req->path_rest : "";
}

const char *ex_req_header(ex_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *ex_req_query(ex_request *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

json_t *ex_req_json(const ex_request *req)
{
	return req->json;
}

const ex_form *ex_req_form(const ex_request *req)
{
	return req->form;
}

const char *ex_req_field(const ex_request *req, const char *key)
{
	if (req->json)
		return json_string_value(json_object_get(req->json, key));
	return ex_form_get(req->form, key);
}

const char *ex_req_ip(ex_request *req)
{
	if (req->ip[0])
		return req->ip;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return NULL;
	const struct sockaddr *sa = ci->client_addr;
	const void *addr = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
	                                             : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (!inet_ntop(sa->sa_family, addr, req->ip, sizeof req->ip))
		return NULL;
	return req->ip;
}

const char *ex_req_user_agent(ex_request *req)
{
	return ex_req_header(req, "User-Agent");
}

int ex_req_cross_site(ex_request *req)
{
	const char *site = ex_req_header(req, "Sec-Fetch-Site");
	if (site && strcasecmp(site, "cross-site") == 0)
		return 1;
	const char *origin = ex_req_header(req, "Origin");
	if (!origin)
		return 0;
	const char *host = ex_req_header(req, "Host");
	const char *rest = strncmp(origin, "http://", 7) == 0    ? origin + 7
	                   : strncmp(origin, "https://", 8) == 0 ? origin + 8
	                                                         : NULL;
	return !host || !rest || strcasecmp(rest, host) != 0;
}

const authkit_principal *ex_req_principal(const ex_request *req)
{
	return req->principal;
}

int ex_req_is_cookie_auth(const ex_request *req)
{
	return req->principal && strcmp(authkit_principal_kind(req->principal), "session") == 0;
}

const char *ex_req_csrf(ex_request *req)
{
	if (req->csrf)
		return req->csrf;
	if (!req->principal || !*authkit_principal_session_id(req->principal))
		return NULL;
	if (authkit_csrf_issue(req->app->ctx, authkit_principal_session_id(req->principal), &req->csrf) != AUTHKIT_OK)
		req->csrf = NULL;
	return req->csrf;
}

/* ---- replies ---- */

static void reply_release_body(ex_request *req)
{
	if (req->reply_body && req->reply_free)
		req->reply_free(req->reply_body);
	req->reply_body = NULL;
	req->reply_len = 0;
	req->reply_free = NULL;
}

static void reply_set(ex_request *req, unsigned status, const char *content_type, int is_html, void *body,
                      size_t len, void (*free_fn)(void *))
{
	reply_release_body(req);
	req->replied = 1;
	req->status = status;
	req->content_type = content_type;
	req->is_html = is_html;
	req->reply_body = body;
	req->reply_len = len;
	req->reply_free = free_fn;
}

void ex_reply_header(ex_request *req, const char *name, const char *value)
{
	if (req->n_headers == EX_REPLY_HEADERS_MAX)
		return;
	char *n = strdup(name), *v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		return;
	}
	req->header_names[req->n_headers] = n;
	req->header_values[req->n_headers] = v;
	req->n_headers++;
}

static const char oom_json[] = "{\"error\":\"internal\",\"detail\":\"out of memory\"}";

void ex_reply_json(ex_request *req, unsigned status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text) {
		reply_set(req, 500, "application/json", 0, (void *)oom_json, sizeof oom_json - 1, NULL);
		return;
	}
	reply_set(req, status, "application/json", 0, text, strlen(text), free);
}

void ex_reply_error(ex_request *req, unsigned status, const char *code, const char *detail)
{
	ex_reply_json(req, status, json_pack("{s:s, s:s}", "error", code, "detail", detail ? detail : ""));
}

void ex_reply_unauthorized(ex_request *req)
{
	ex_reply_header(req, "WWW-Authenticate", "Bearer");
	ex_reply_error(req, 401, "unauthorized", "authentication required or credentials not valid");
}

void ex_reply_html(ex_request *req, unsigned status, ex_buf *page)
{
	size_t len = page->len;
	char *text = ex_buf_steal(page);
	if (!text) {
		reply_set(req, 500, "application/json", 0, (void *)oom_json, sizeof oom_json - 1, NULL);
		return;
	}
	reply_set(req, status, "text/html; charset=utf-8", 1, text, len, free);
}

void ex_reply_redirect(ex_request *req, const char *location)
{
	ex_reply_header(req, "Location", location);
	reply_set(req, 303, "text/plain; charset=utf-8", 0, NULL, 0, NULL);
}

void ex_reply_bytes(ex_request *req, unsigned status, const char *content_type, void *data, size_t len,
                    void (*free_fn)(void *))
{
	reply_set(req, status, content_type, 0, data, len, free_fn);
}

int ex_reply_session_cookie(ex_request *req, const char *session_token)
{
	/* Max-Age: what is left of the session's absolute lifetime
	 * (AUTHKIT_SESSION_MAX_HOURS), enforced server-side anyway; the browser
	 * keeps the cookie no longer than the session can live. Called right
	 * after a login, so the check is one indexed lookup and no write. */
	authkit_ctx *ctx = req->app->ctx;
	authkit_session *session = NULL;
	int rc = authkit_session_check(ctx, session_token, &session);
	if (rc != AUTHKIT_OK)
		return rc;
	int64_t max_age = authkit_session_expires_at(session) - authkit_ctx_now_ms(ctx) / 1000;
	authkit_session_free(session);
	if (max_age <= 0)
		return AUTHKIT_EEXPIRED;
	char *cookie = NULL;
	rc = authkit_http_set_cookie(ctx, session_token, max_age, &cookie);
	if (rc != AUTHKIT_OK)
		return rc;
	ex_reply_header(req, "Set-Cookie", cookie);
	authkit_string_free(cookie);
	return 0;
}

void ex_reply_clear_session_cookie(ex_request *req)
{
	char *cookie = NULL;
	if (authkit_http_set_cookie(req->app->ctx, NULL, 0, &cookie) == AUTHKIT_OK)
		ex_reply_header(req, "Set-Cookie", cookie);
	authkit_string_free(cookie);
}

void ex_reply_status(ex_request *req, int rc)
{
	switch (rc) {
	case AUTHKIT_EAUTH:
		/* RFC 9110: every 401 names a scheme; bearer tokens are what the API logins hand out. */
		ex_reply_header(req, "WWW-Authenticate", "Bearer");
		ex_reply_error(req, 401, "invalid_credentials", "invalid credentials");
		return;
	case AUTHKIT_ETOKEN:
	case AUTHKIT_EEXPIRED:
	case AUTHKIT_EREVOKED:
	case AUTHKIT_EREUSE:
		ex_reply_header(req, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		ex_reply_error(req, 401, "invalid_token", "token not valid");
		return;
	case AUTHKIT_EINVALID:
	case AUTHKIT_EPASSWORD:
		ex_reply_error(req, 400, rc == AUTHKIT_EPASSWORD ? "weak_password" : "invalid", authkit_error_last());
		return;
	case AUTHKIT_ENOTFOUND:
		ex_reply_error(req, 404, "not_found", "not found");
		return;
	case AUTHKIT_EEXISTS:
		ex_reply_error(req, 409, "exists", "username or email already taken");
		return;
	case AUTHKIT_ELIMIT:
		ex_reply_error(req, 429, "limit", "limit reached");
		return;
	case AUTHKIT_EBUSY:
	case AUTHKIT_ECONFIG:
		ex_reply_error(req, 503, "unavailable", authkit_strerror(rc));
		return;
	default:
		ex_reply_error(req, 500, "internal", authkit_strerror(rc));
		return;
	}
}

int ex_rate_limited(ex_request *req, authkit_ratelimit *rl, const char *scope, const char *key, int64_t cost)
{
	char bucket[400]; /* a longer key is truncated: it then shares a bucket, never escapes one */
	snprintf(bucket, sizeof bucket, "%s:%s", scope, key ? key : "unknown");
	int64_t retry_ms = 0;
	if (authkit_ratelimit_take(rl, NULL, bucket, cost, &retry_ms) != AUTHKIT_ELIMIT)
		return 0;
	char seconds[24];
	snprintf(seconds, sizeof seconds, "%lld", (long long)((retry_ms + 999) / 1000));
	ex_reply_header(req, "Retry-After", seconds);
	ex_reply_error(req, 429, "limit", "too many attempts; see Retry-After");
	return 1;
}

/* ---- routing and dispatch ---- */

static const ex_route *find_route(ex_app *app, const char *method, const char *path, const char **rest,
                                  int *mismatch)
{
	ex_priv *p = priv_of(app);
	*mismatch = 0;
	for (size_t i = 0; i < p->n_routes; i++) {
		const ex_route *r = &p->routes[i];
		size_t n = strlen(r->path);
		int match = (r->flags & EX_ROUTE_PREFIX) ? strncmp(path, r->path, n) == 0 : strcmp(path, r->path) == 0;
		if (!match)
			continue;
		if (strcmp(method, r->method) != 0 && !(strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
			*mismatch = 1;
			continue;
		}
		*rest = (r->flags & EX_ROUTE_PREFIX) ? path + n : "";
		return r;
	}
	return NULL;
}

static int is_state_changing(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && strcmp(method, "OPTIONS") != 0;
}

/* A header that is missing, empty or only blanks counts as absent: a blank
 * X-API-Key must not switch off the stateful branch below. */
static const char *nonblank_header(ex_request *req, const char *name)
{
	const char *v = ex_req_header(req, name);
	if (v && v[strspn(v, " \t")] == '\0')
		return NULL;
	return v;
}

static int authenticate(ex_request *req)
{
	authkit_ctx *ctx = req->app->ctx;
	const char *authz = nonblank_header(req, "Authorization");
	const char *cookie = (req->route->flags & EX_ROUTE_NO_COOKIE) ? NULL : nonblank_header(req, "Cookie");
	const char *api_key = nonblank_header(req, "X-API-Key");
	if ((req->route->flags & EX_ROUTE_STATEFUL) && authz && !api_key) {
		const char *token = NULL;
		size_t len = 0;
		int rc = authkit_http_bearer(authz, &token, &len);
		if (rc == AUTHKIT_EINVALID)
			return AUTHKIT_ETOKEN;
		if (rc == AUTHKIT_OK && strncmp(token, "ak_", 3) != 0)
			return authkit_token_verify(ctx, token, AUTHKIT_VERIFY_STATEFUL, &req->principal);
	}
	return authkit_request_authenticate_ex(ctx, authz, cookie, api_key, &req->principal);
}

static int check_csrf(ex_request *req)
{
	const char *token = ex_req_header(req, "X-CSRF-Token");
	if (!token)
		token = ex_req_field(req, "csrf_token");
	if (!token)
		return 0;
	return authkit_csrf_verify(req->app->ctx, authkit_principal_session_id(req->principal), token) == AUTHKIT_OK;
}

static void dispatch(ex_request *req)
{
	ex_app *app = req->app;
	const ex_route *r = req->route;
	if (req->too_large) {
		ex_reply_error(req, 413, "body_too_large", "request body larger than 64 KiB");
		return;
	}
	if (!r) {
		if (req->method_mismatch)
			ex_reply_error(req, 405, "method_not_allowed", "method not allowed on this path");
		else
			ex_reply_error(req, 404, "not_found", "no such route");
		return;
	}
	if ((r->flags & EX_ROUTE_SAME_SITE) && is_state_changing(req->method) && ex_req_cross_site(req)) {
		ex_reply_error(req, 403, "forbidden", "cross-site form post refused");
		return;
	}
	int is_json = 0, is_form = 0;
	if (r->body != EX_BODY_NONE) {
		const char *ct = ex_req_header(req, "Content-Type");
		is_json = ex_content_type_is(ct, "application/json");
		is_form = ex_content_type_is(ct, "application/x-www-form-urlencoded");
		if ((r->body == EX_BODY_JSON && !is_json) || (r->body == EX_BODY_FORM && !is_form) ||
		    (r->body == EX_BODY_EITHER && !is_json && !is_form)) {
			ex_reply_error(req, 415, "unsupported_media_type",
			               r->body == EX_BODY_JSON   ? "expected application/json"
			               : r->body == EX_BODY_FORM ? "expected application/x-www-form-urlencoded"
			                                         : "expected application/json or a form");
			return;
		}
	}
	if (r->auth != EX_AUTH_PUBLIC) {
		int rc = authenticate(req);
		if (rc != AUTHKIT_OK) {
			authkit_principal_free(req->principal);
			req->principal = NULL;
			if (r->auth == EX_AUTH_WEB) {
				ex_reply_redirect(req, app->login_path ? app->login_path : "/");
				return;
			}
			if (r->auth == EX_AUTH_API) {
				ex_reply_unauthorized(req);
				return;
			}
		}
	}
	if (is_json) {
		req->json = ex_json_parse(req->body ? req->body : "", req->body_len);
		if (!req->json) {
			ex_reply_error(req, 400, "malformed_json", "the body is not a well-formed JSON object");
			return;
		}
	} else if (is_form) {
		int oom = 0;
		req->form = ex_form_parse(req->body ? req->body : "", req->body_len, &oom);
		if (!req->form) {
			if (oom)
				ex_reply_error(req, 500, "internal", "out of memory");
			else
				ex_reply_error(req, 400, "malformed_form", "the body is not a well-formed form");
			return;
		}
	}
	if (ex_req_is_cookie_auth(req) && is_state_changing(req->method) && !(r->flags & EX_ROUTE_NO_CSRF) &&
	    !check_csrf(req)) {
		ex_reply_error(req, 403, "csrf", "missing or invalid CSRF token");
		return;
	}
	r->handler(req, priv_of(app)->userdata);
	if (!req->replied)
		ex_reply_error(req, 500, "internal", "no reply");
}

/* Strict policy for every HTML page: nothing but same-origin images and
 * forms posting back here; no script at all. */
static const char html_csp[] = "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'";

static enum MHD_Result queue_reply(ex_request *req)
{
	struct MHD_Response *resp;
	size_t len = req->reply_len;
	if (!req->reply_body)
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else if (req->reply_free == NULL)
		resp = MHD_create_response_from_buffer(len, req->reply_body, MHD_RESPMEM_PERSISTENT);
	else if (req->reply_free == free)
		resp = MHD_create_response_from_buffer(len, req->reply_body, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer_with_free_callback(len, req->reply_body, req->reply_free);
	if (!resp)
		return MHD_NO; /* reply body still owned by req: freed on completion */
	req->reply_body = NULL;
	req->reply_free = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        req->content_type ? req->content_type : "application/octet-stream");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (req->is_html) {
		MHD_add_response_header(resp, "Content-Security-Policy", html_csp);
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	}
	for (size_t i = 0; i < req->n_headers; i++)
		MHD_add_response_header(resp, req->header_names[i], req->header_values[i]);
	enum MHD_Result ret = MHD_queue_response(req->conn, req->status, resp);
	MHD_destroy_response(resp);
	log_request(req, len);
	return ret;
}

/*
 * Wipe the string values of a parsed JSON body before it is freed: they may
 * be passwords (password, current_password, new_password) or tokens, and
 * jansson frees them without clearing. Every top-level string is wiped:
 * cheaper than deciding which names are secret, and nothing is forgotten.
 */
static void json_wipe_strings(json_t *obj)
{
	const char *key;
	json_t *value;
	json_object_foreach(obj, key, value)
	{
		if (json_is_string(value))
			sodium_memzero((char *)json_string_value(value), json_string_length(value));
	}
}

static void request_free(ex_request *req)
{
	if (req->json) {
		json_wipe_strings(req->json);
		json_decref(req->json);
	}
	ex_form_free(req->form);
	authkit_principal_free(req->principal);
	authkit_string_free(req->csrf);
	if (req->body) {
		sodium_memzero(req->body, req->body_len); /* may hold a password */
		free(req->body);
	}
	reply_release_body(req);
	for (size_t i = 0; i < req->n_headers; i++) {
		free(req->header_names[i]);
		free(req->header_values[i]);
	}
	free(req);
}

/*
 * Make room for need bytes plus a NUL. The first buffer is sized from
 * Content-Length when there is one, else small; it doubles after that, up
 * to EX_BODY_MAX + 1. The old buffer is wiped before it is freed (realloc
 * could leave a password behind in freed memory).
 */
static int body_reserve(ex_request *req, size_t need)
{
	if (need < req->body_cap)
		return 0;
	size_t cap = req->body_cap ? req->body_cap * 2 : req->body_expected ? req->body_expected + 1 : EX_BODY_FIRST;
	if (cap < need + 1)
		cap = need + 1;
	if (cap > EX_BODY_MAX + 1)
		cap = EX_BODY_MAX + 1;
	char *body = malloc(cap);
	if (!body)
		return -1;
	if (req->body) {
		memcpy(body, req->body, req->body_len + 1);
		sodium_memzero(req->body, req->body_cap);
		free(req->body);
	}
	req->body = body;
	req->body_cap = cap;
	return 0;
}

static int append_body(ex_request *req, const char *data, size_t size)
{
	if (req->too_large || size > EX_BODY_MAX - req->body_len) {
		req->too_large = 1;
		return 0;
	}
	if (!req->route || req->route->body == EX_BODY_NONE) {
		req->body_len += size; /* counted for the limit, not kept */
		return 0;
	}
	if (body_reserve(req, req->body_len + size) != 0)
		return -1;
	memcpy(req->body + req->body_len, data, size);
	req->body_len += size;
	req->body[req->body_len] = '\0';
	return 0;
}

/* The 413 written by hand when MHD cannot queue a response mid-body. */
static const char too_large_raw[] = "HTTP/1.1 413 Content Too Large\r\n"
                                    "Connection: close\r\n"
                                    "Content-Type: application/json\r\n"
                                    "X-Content-Type-Options: nosniff\r\n"
                                    "Cache-Control: no-store\r\n"
                                    "Content-Length: 69\r\n\r\n"
                                    "{\"error\":\"body_too_large\",\"detail\":\"request body larger than 64 KiB\"}";

/*
 * A body without Content-Length (chunked) just crossed EX_BODY_MAX: answer
 * 413 now instead of reading and counting the rest. libmicrohttpd from
 * 0.9.76 on accepts a response queued mid-body ("early response"); the
 * 0.9.75 of Debian 12 refuses it, so the same 413 is then written to the
 * socket directly and MHD_NO closes the connection (the connection is
 * closed either way: the rest of the body is never read).
 */
static enum MHD_Result refuse_body_midway(ex_request *req)
{
	dispatch(req);
	if (queue_reply(req) == MHD_YES)
		return MHD_YES;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci) {
		/* Best effort, never blocking: a client that does not read loses the answer, not a thread. */
		ssize_t n = send(ci->connect_fd, too_large_raw, sizeof too_large_raw - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)(sizeof too_large_raw - 1))
			shutdown(ci->connect_fd, SHUT_WR);
	}
	return MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	(void)version;
	ex_app *app = cls;
	ex_request *req = *con_cls;
	if (!req) {
		req = calloc(1, sizeof *req);
		if (!req)
			return MHD_NO;
		*con_cls = req;
		req->app = app;
		req->conn = conn;
		req->method = method;
		req->path = url;
		req->start_us = now_us();
		req->route = find_route(app, method, url, &req->path_rest, &req->method_mismatch);
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
		if (declared > EX_BODY_MAX) {
			/* Refuse before reading it: MHD closes the connection after. */
			req->too_large = 1;
			dispatch(req);
			return queue_reply(req);
		}
		req->body_expected = (size_t)declared;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t size = *upload_data_size;
		*upload_data_size = 0;
		if (req->replied)
			return MHD_YES; /* already refused; discard the rest */
		if (append_body(req, upload_data, size) != 0)
			return MHD_NO;
		if (req->too_large)
			return refuse_body_midway(req);
		return MHD_YES;
	}
	if (req->replied)
		return MHD_YES;
	dispatch(req);
	return queue_reply(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	if (*con_cls)
		request_free(*con_cls);
	*con_cls = NULL;
}

int ex_server_start(ex_app *app, unsigned *port_out)
{
	ex_priv *p = priv_of(app);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (strchr(app->opts.bind, ':')) {
		struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)&ss;
		sa6->sin6_family = AF_INET6;
		sa6->sin6_port = htons((uint16_t)app->opts.port);
		if (inet_pton(AF_INET6, app->opts.bind, &sa6->sin6_addr) != 1)
			return -1;
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
		sa->sin_family = AF_INET;
		sa->sin_port = htons((uint16_t)app->opts.port);
		if (inet_pton(AF_INET, app->opts.bind, &sa->sin_addr) != 1)
			return -1;
	}
	p->daemon = MHD_start_daemon(flags, (uint16_t)app->opts.port, NULL, NULL, on_request, app,
	                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	                             MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)app->opts.threads,
	                             MHD_OPTION_NOTIFY_COMPLETED, on_completed, app,
	                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
	                             MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
	                             MHD_OPTION_END);
	if (!p->daemon)
		return -1;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(p->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*port_out = info ? info->port : app->opts.port;
	return 0;
}

void ex_server_stop(ex_app *app)
{
	ex_priv *p = priv_of(app);
	if (!p->daemon)
		return;
	/* Stop accepting first, then let the pool finish what it is doing. */
	MHD_quiesce_daemon(p->daemon);
	MHD_stop_daemon(p->daemon);
	p->daemon = NULL;
}
