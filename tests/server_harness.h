/*
 * Test harness for the example servers: start a server binary on a free
 * 127.0.0.1 port with a fresh data directory and the minimum Argon2id cost,
 * talk to it over real HTTP with libcurl, stop it with SIGTERM (asserting a
 * clean exit), and check that registered secrets never appear in response
 * bodies or in the server's output.
 *
 * Every function asserts (Check) on failure, so tests read straight.
 * Set HS_SERVER_WRAPPER (e.g. "valgrind --error-exitcode=99 --leak-check=full")
 * to run the server under a wrapper.
 */
#ifndef SERVER_HARNESS_H
#define SERVER_HARNESS_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#define HS_MAX_SECRETS 128
#define HS_IN_BODIES 1u /* the secret must not appear in any response body */
#define HS_IN_LOG 2u    /* ... nor in the server's stdout/stderr (access log, warnings) */
#define HS_ANYWHERE (HS_IN_BODIES | HS_IN_LOG)

typedef struct hs_server {
	pid_t pid;
	unsigned port;
	char base_url[64];
	char data_dir[256]; /* fresh mkdtemp directory, removed by hs_stop */
	char log_path[320]; /* the server's stderr (warnings and access log) */
	int stdout_fd;
	/* Every response body, concatenated (for the secret scan). */
	char *transcript;
	size_t transcript_len;
	size_t transcript_cap;
	char *secrets[HS_MAX_SECRETS];
	unsigned secret_where[HS_MAX_SECRETS];
	size_t n_secrets;
	int keep_data; /* set to 1 to keep data_dir after hs_stop (debugging) */
	/* what hs_start was given (the caller keeps them alive), for hs_restart */
	const char *binary;
	const char *const *extra_args;
	const char *const *extra_env;
} hs_server;

/**
 * Start binary with `--port 0 --data-dir <fresh dir>` plus extra_args
 * (NULL-terminated, may be NULL). The child's environment has every
 * AUTHKIT_* variable removed, the minimum Argon2id cost set, then
 * extra_env ("NAME=value", NULL-terminated, may be NULL) applied. Returns
 * once the server printed its `listening on http://...:PORT/` line.
 */
void hs_start(hs_server *s, const char *binary, const char *const *extra_args, const char *const *extra_env);

/** SIGTERM, wait, assert exit status 0, scan the log for secrets, free, remove the data dir. */
void hs_stop(hs_server *s);

/**
 * SIGTERM the server (asserting a clean exit) and start it again on the
 * same data directory, with the same arguments and environment; the port
 * may change. Secrets registered so far stay registered.
 */
void hs_restart(hs_server *s);

/**
 * SIGTERM the server if it runs (asserting a clean exit), start it again on the same
 * data directory and expect it to exit without listening (within 30 s,
 * else it is killed and the test fails). Returns its exit status. Then
 * hs_respawn() (after fixing what made it refuse) before hs_stop().
 */
int hs_restart_expect_exit(hs_server *s);
/** Start the server again after hs_restart_expect_exit(); returns once it listens. */
void hs_respawn(hs_server *s);

/** The binary named by environment variable var (set by tests/meson.build); asserts it is set. */
const char *hs_binary_from_env(const char *var);

typedef struct hs_response {
	long status;
	char *body; /* NUL-terminated */
	size_t body_len;
	char *headers; /* the raw header block, NUL-terminated */
	size_t headers_len;
} hs_response;

typedef struct hs_request {
	const char *method; /* default GET, or POST when body is set */
	const char *path;   /* with the query string, if any */
	const char *content_type;
	const char *body;
	size_t body_len;    /* 0: strlen(body) */
	const char *bearer; /* adds Authorization: Bearer <bearer> */
	const char *cookie; /* the Cookie header value ("name=value") */
	const char *csrf;   /* adds X-CSRF-Token */
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated */
} hs_request;

/** Perform a request (asserts the transport worked); free out with hs_response_free(). */
void hs_do(hs_server *s, const hs_request *rq, hs_response *out);
void hs_get(hs_server *s, const char *path, const char *bearer, const char *cookie, hs_response *out);
void hs_post_json(hs_server *s, const char *path, const char *json, const char *bearer, hs_response *out);
/** A form post; cookie and csrf may be NULL (csrf goes in the X-CSRF-Token header). */
void hs_post_form(hs_server *s, const char *path, const char *form, const char *cookie, const char *csrf,
                  hs_response *out);
void hs_response_free(hs_response *r);

/** The first header's value (case-insensitive name) as a new string (free()), or NULL. */
char *hs_header(const hs_response *r, const char *name);
/**
 * The `name=value` pair of the first Set-Cookie header (ready for a Cookie
 * header) as a new string (free()), or NULL. *attrs_out (may be NULL)
 * receives the whole Set-Cookie value (free()).
 */
char *hs_set_cookie(const hs_response *r, char **attrs_out);
/** The body as JSON (json_decref()); asserts it parses. */
json_t *hs_json(const hs_response *r);
/** A string member of a JSON body as a new string (free()); asserts it is there. */
char *hs_json_string(const hs_response *r, const char *key);
/** Assert the body is `{"error": code, "detail": ...}` with this code. */
void hs_assert_error(const hs_response *r, long status, const char *code);

/** Remember a secret that must never appear where `where` (HS_IN_*) says. Copied. */
void hs_forbid(hs_server *s, const char *secret, unsigned where);
/** Scan the transcript (and, once stopped, the log) now; hs_stop() calls it too. */
void hs_assert_clean(hs_server *s);

/** A file of the data directory as a new string (free()), or NULL when missing. */
char *hs_read_data_file(hs_server *s, const char *name);
/** Any file as a new string (free()), or NULL. */
char *hs_read_file(const char *path, size_t *len_out);

#endif
