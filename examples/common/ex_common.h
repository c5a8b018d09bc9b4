/*
 * ex_common — the HTTP glue shared by the example servers (chat, imagegen).
 *
 * A small layer over libmicrohttpd (thread pool) and jansson that links
 * libauthkit through its public header only, the way a host would. It gives:
 *   - ex_app: command-line options, the authkit context, zero-setup secrets
 *     in the data directory, the run loop (signals, housekeeping, shutdown);
 *   - a router (method + exact path, or a path prefix) whose routes declare
 *     their body type and authentication, so handlers only see requests that
 *     passed the size (413), content-type (415), parsing (400),
 *     authentication (401 / redirect) and CSRF (403) checks;
 *   - request accessors (headers, query, JSON or form fields, principal) and
 *     replies (JSON, JSON errors, HTML pages, redirects, bytes) carrying the
 *     hardening headers;
 *   - body parsers without any server dependency (fuzzed by
 *     fuzz/fuzz_example_bodies.c), HTML escaping and a string builder;
 *   - a buffered access log: one line per request (method, path without
 *     the query, status, bytes, microseconds), never headers or bodies.
 *
 * The API below is stable: it is only ever extended.
 *
 * Threading: handlers run on the server's pool threads, concurrently; an
 * ex_request belongs to one thread. The authkit context is thread-safe.
 */
#ifndef EX_COMMON_H
#define EX_COMMON_H

#include <authkit.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Limits                                                                   */
/* ------------------------------------------------------------------------ */

/** Largest request body accepted; bigger ones get 413. */
#define EX_BODY_MAX (64u * 1024u)
/** Most form fields decoded from one body (more: 400). */
#define EX_FORM_FIELDS_MAX 64

/* ------------------------------------------------------------------------ */
/* String builder and HTML                                                  */
/* ------------------------------------------------------------------------ */

/** A growable NUL-terminated string. Zero-initialise ({0}) before use. */
typedef struct ex_buf {
	char *data; /**< NULL until something is appended */
	size_t len;
	size_t cap;
	int failed; /**< set when an allocation failed; later appends are no-ops */
} ex_buf;

void ex_buf_append(ex_buf *b, const char *s);
void ex_buf_append_n(ex_buf *b, const char *s, size_t n);
void ex_buf_appendf(ex_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Append s with & < > " ' escaped (safe in element content and quoted attributes). */
void ex_buf_append_html(ex_buf *b, const char *s);
/** Take the string (the caller frees it with free()); the buffer is empty again. NULL if failed. */
char *ex_buf_steal(ex_buf *b);
void ex_buf_free(ex_buf *b);

/** s HTML-escaped in a new string (free()); NULL when out of memory. */
char *ex_html_escape(const char *s);

/** Start a page: doctype, <title>, a header with the app name and, when
 * nav_html is not NULL, that (trusted) HTML as the navigation. */
void ex_page_begin(ex_buf *b, const char *title, const char *nav_html);
/** Close what ex_page_begin() opened. */
void ex_page_end(ex_buf *b);
/** The hidden `csrf_token` input of a form (csrf NULL: empty). */
void ex_html_csrf_field(ex_buf *b, const char *csrf);
/** An escaped error paragraph (role="alert"); nothing when message is NULL. */
void ex_html_alert(ex_buf *b, const char *message);
/**
 * ex_page_begin() with the navigation of a signed-in user: links_html
 * (trusted), then logout as a POST form to logout_action carrying the CSRF
 * token, since logging out changes state.
 */
void ex_page_begin_signed_in(ex_buf *b, const char *title, const char *links_html, const char *logout_action,
                             const char *csrf);

/* ------------------------------------------------------------------------ */
/* Body parsing (no server dependency; also used by the fuzz target)        */
/* ------------------------------------------------------------------------ */

/** Decoded application/x-www-form-urlencoded fields. */
typedef struct ex_form ex_form;

/**
 * Parse a JSON body: it must be a JSON object (duplicate keys and NUL
 * characters rejected). Returns the object (json_decref() it) or NULL when
 * malformed.
 */
json_t *ex_json_parse(const char *data, size_t len);

/**
 * Parse an urlencoded form: `k=v&k2=v2`, `+` is a space, %XX escapes; a
 * broken escape, a decoded NUL, invalid UTF-8, an empty key or more than
 * EX_FORM_FIELDS_MAX fields make it malformed. An empty body is an empty
 * form. Returns NULL when malformed or out of memory (*oom_out, if not
 * NULL, tells which).
 */
ex_form *ex_form_parse(const char *data, size_t len, int *oom_out);
/** The first value of key, or NULL. */
const char *ex_form_get(const ex_form *f, const char *key);
size_t ex_form_count(const ex_form *f);
/** Wipes the decoded values (they may be passwords), then frees. NULL is a no-op. */
void ex_form_free(ex_form *f);

/** Decode %XX and '+' in place; returns the new length or -1 when malformed (bad escape or NUL). */
long ex_url_decode(char *s, size_t len);

/** 1 when the Content-Type value names media type `type` (case-insensitive, parameters ignored). */
int ex_content_type_is(const char *content_type, const char *type);

/* ------------------------------------------------------------------------ */
/* Routes and requests                                                      */
/* ------------------------------------------------------------------------ */

typedef struct ex_request ex_request;
typedef struct ex_app ex_app;

/** What a route accepts as a body (checked before the handler runs). */
typedef enum {
	EX_BODY_NONE = 0, /**< any body is ignored */
	EX_BODY_JSON = 1, /**< application/json object, else 415 / 400 */
	EX_BODY_FORM = 2, /**< application/x-www-form-urlencoded, else 415 / 400 */
	EX_BODY_EITHER = 3 /**< JSON or form (ex_req_field() reads both) */
} ex_body_kind;

/** Who may call a route. */
typedef enum {
	EX_AUTH_PUBLIC = 0,   /**< no check; ex_req_principal() is NULL */
	EX_AUTH_OPTIONAL = 1, /**< a principal when valid credentials came; never refused */
	EX_AUTH_WEB = 2,      /**< required; without it 303 to the app's login page */
	EX_AUTH_API = 3       /**< required; without it 401 JSON + WWW-Authenticate: Bearer */
} ex_auth_kind;

/* Route flags. */
#define EX_ROUTE_PREFIX 1u    /**< path is a prefix (e.g. "/images/"); ex_req_path_rest() gives the rest */
#define EX_ROUTE_STATEFUL 2u  /**< access tokens are verified with AUTHKIT_VERIFY_STATEFUL whatever the config */
#define EX_ROUTE_NO_CSRF 4u   /**< skip the CSRF check for cookie-authenticated state changes (rarely right) */
#define EX_ROUTE_NO_COOKIE 8u /**< credentials only from Authorization / X-API-Key, never the session cookie */
/**
 * Refuse (403 JSON, before the body is parsed) a state-changing request that
 * a browser marks as cross-site (see ex_req_cross_site()). For the public
 * form routes posted before there is a session (login, register), which no
 * session-bound CSRF token can protect against login CSRF.
 */
#define EX_ROUTE_SAME_SITE 16u

typedef void (*ex_handler_fn)(ex_request *req, void *userdata);

/**
 * One route. Matching is on method and exact path (or prefix with
 * EX_ROUTE_PREFIX), first match wins. A path that exists under another
 * method answers 405; no match answers 404.
 *
 * Cookie-authenticated POST/PUT/PATCH/DELETE requests must carry a CSRF
 * token (authkit_csrf_issue() for the cookie's session, see ex_req_csrf())
 * in the `X-CSRF-Token` header, a `csrf_token` form field or a `csrf_token`
 * JSON string; missing or wrong: 403 before the handler runs.
 */
typedef struct ex_route {
	const char *method; /**< "GET", "POST", ... */
	const char *path;
	ex_body_kind body;
	ex_auth_kind auth;
	unsigned flags; /**< EX_ROUTE_* */
	ex_handler_fn handler;
} ex_route;

/* Request accessors. Strings are borrowed and live until the request ends. */
ex_app *ex_req_app(ex_request *req);
authkit_ctx *ex_req_ctx(ex_request *req);
const char *ex_req_method(const ex_request *req);
/** The decoded path, without the query string. */
const char *ex_req_path(const ex_request *req);
/** For an EX_ROUTE_PREFIX route: the path after the prefix. "" otherwise. */
const char *ex_req_path_rest(const ex_request *req);
/** A request header (case-insensitive name), or NULL. */
const char *ex_req_header(ex_request *req, const char *name);
/** A decoded query-string argument, or NULL. */
const char *ex_req_query(ex_request *req, const char *key);
/** The parsed JSON object for JSON bodies (borrowed), else NULL. */
json_t *ex_req_json(const ex_request *req);
/** The parsed form for form bodies (borrowed), else NULL. */
const ex_form *ex_req_form(const ex_request *req);
/**
 * A string field of the body, JSON or form: NULL when absent, or (JSON)
 * not a string. Use this in routes declared EX_BODY_EITHER.
 */
const char *ex_req_field(const ex_request *req, const char *key);
/** The client's address as text ("127.0.0.1"), or NULL. */
const char *ex_req_ip(ex_request *req);
const char *ex_req_user_agent(ex_request *req);
/**
 * 1 when a browser says the request comes from another site: a
 * `Sec-Fetch-Site: cross-site` header, or an `Origin` that is not
 * http(s)://<Host> (also "null"). Clients that send neither (curl, SDKs)
 * are not browsers and pass.
 */
int ex_req_cross_site(ex_request *req);
/** The authenticated principal (borrowed), or NULL (public routes, or optional without credentials). */
const authkit_principal *ex_req_principal(const ex_request *req);
/** 1 when the principal came from the session cookie (kind "session"). */
int ex_req_is_cookie_auth(const ex_request *req);
/**
 * A fresh CSRF token for the principal's session (to put in a form's
 * hidden `csrf_token` field), owned by the request; NULL without a session.
 */
const char *ex_req_csrf(ex_request *req);

/* ------------------------------------------------------------------------ */
/* Replies. Call exactly one ex_reply_* per request (the last one wins).    */
/* Every reply carries X-Content-Type-Options: nosniff and                  */
/* Cache-Control: no-store; HTML replies also a strict                      */
/* Content-Security-Policy.                                                 */
/* ------------------------------------------------------------------------ */

/** Add a response header (copied). Up to 8 per reply. */
void ex_reply_header(ex_request *req, const char *name, const char *value);
/** JSON reply; takes the reference to body. */
void ex_reply_json(ex_request *req, unsigned status, json_t *body);
/** `{"error": code, "detail": detail}`; detail must never hold a secret. */
void ex_reply_error(ex_request *req, unsigned status, const char *code, const char *detail);
/** 401 JSON with `WWW-Authenticate: Bearer` and a generic message. */
void ex_reply_unauthorized(ex_request *req);
/** HTML reply from a builder (taken and emptied). */
void ex_reply_html(ex_request *req, unsigned status, ex_buf *page);
/** 303 See Other to location (a local path). */
void ex_reply_redirect(ex_request *req, const char *location);
/**
 * Bytes with a content type; the reply takes data (released with free_fn,
 * which may be NULL for static data).
 */
void ex_reply_bytes(ex_request *req, unsigned status, const char *content_type, void *data, size_t len,
                    void (*free_fn)(void *));
/**
 * The hardened session cookie (authkit_http_set_cookie) for a live session,
 * with Max-Age = what is left of the session's absolute lifetime. 0 on
 * success, else the library status.
 */
int ex_reply_session_cookie(ex_request *req, const char *session_token);
/** The deletion cookie for the session cookie. */
void ex_reply_clear_session_cookie(ex_request *req);
/**
 * Map a library status to a reply: EAUTH / ETOKEN / EEXPIRED / EREVOKED /
 * EREUSE → 401 (generic, with WWW-Authenticate: Bearer), EINVALID / EPASSWORD → 400, ENOTFOUND → 404,
 * EEXISTS → 409, ELIMIT → 429, EBUSY → 503, ECONFIG → 503, others → 500.
 * The detail is the status's static text plus, for 400/409, the library's
 * detail message (never a secret by the library's contract).
 */
void ex_reply_status(ex_request *req, int authkit_rc);

/**
 * Take cost tokens from the bucket of "<scope>:<key>" in rl (an in-process
 * authkit_ratelimit; key NULL: "unknown"). When the bucket is empty, answer
 * 429 `limit` with Retry-After (whole seconds) and return 1; the handler
 * then returns. A limiter failure lets the request through (0): the
 * library's own defences (account lockout) still apply.
 */
int ex_rate_limited(ex_request *req, authkit_ratelimit *rl, const char *scope, const char *key, int64_t cost);

/* ------------------------------------------------------------------------ */
/* Token API (OAuth2-style answers of a JSON login or refresh)              */
/* ------------------------------------------------------------------------ */

/**
 * `{"access_token", "refresh_token", "token_type": "bearer", "expires_in"}`
 * of a login or refresh result (NULL when out of memory).
 */
json_t *ex_token_pair_json(ex_request *req, const authkit_login_result *l);
/**
 * Route handler for `POST .../refresh` (EX_BODY_JSON, EX_AUTH_PUBLIC): JSON
 * `refresh_token` → a new pair; the old one is spent, and presenting it
 * again revokes the session (401).
 */
void ex_route_refresh(ex_request *req, void *userdata);

/* ------------------------------------------------------------------------ */
/* The application: options, context, run loop                              */
/* ------------------------------------------------------------------------ */

typedef struct ex_options {
	const char *name;      /**< the server's name: "chat", "imagegen" */
	unsigned port;         /**< --port (0: any free port; the URL line tells which) */
	const char *bind;      /**< --bind, default 127.0.0.1 */
	const char *db;        /**< --db, else AUTHKIT_DB, else <data-dir>/<name>.db */
	const char *data_dir;  /**< --data-dir, default ./data/<name> */
	unsigned threads;      /**< --threads, default: online CPUs (at least 2) */
	const char *log_file;  /**< --log-file (access log), default stderr */
} ex_options;

struct ex_app {
	ex_options opts;
	authkit_ctx *ctx;
	char data_dir[4096];   /**< the data directory, created with mode 0700 */
	const char *login_path; /**< where EX_AUTH_WEB redirects; set before ex_app_run */
	void *priv;            /**< ex_common's own state */
};

/* ex_app_init() results. */
#define EX_INIT_OK 0
#define EX_INIT_EXIT_OK 1   /**< --help was printed: exit 0 */
#define EX_INIT_FAILED 2    /**< a message was printed: exit 2 (usage) or 1 */

/**
 * Parse argv (--port, --bind, --db, --data-dir, --threads, --log-file,
 * --help), create the data directory, make sure AUTHKIT_JWT_SECRET and
 * AUTHKIT_MASTER_KEY are configured (from the environment, else from
 * <data-dir>/jwt_secret and <data-dir>/master_key, generated with mode 0600
 * on first start with a warning on stderr that never shows the secret),
 * AUTHKIT_COOKIE_SECURE defaults to 0 unless set (the examples speak plain
 * HTTP on loopback), then open the context (defaults, AUTHKIT_* from the
 * environment, then --db). extra_usage (may be NULL) is appended to --help.
 * Returns EX_INIT_*; on EX_INIT_OK call ex_app_free() at the end.
 */
int ex_app_init(ex_app *app, int argc, char **argv, const char *name, unsigned default_port,
                const char *extra_usage);

/**
 * Serve routes until SIGINT or SIGTERM, then stop accepting, let running
 * requests finish and return 0 (1 when the server could not start).
 * Prints `<name> listening on http://<bind>:<port>/` on stdout once ready.
 * A housekeeping thread flushes the access log every second and every
 * five minutes calls authkit_session_cleanup() and malloc_trim(0).
 */
int ex_app_run(ex_app *app, const ex_route *routes, size_t n_routes, void *userdata);

/** Close the context and free everything. */
void ex_app_free(ex_app *app);

/**
 * Write `path` inside the data directory with mode 0600 (created or
 * appended), e.g. the chat server's outbox. 0 on success.
 */
int ex_app_append_file(ex_app *app, const char *file_name, const char *text);

#ifdef __cplusplus
}
#endif
#endif
