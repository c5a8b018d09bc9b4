/*
 * imagegen — the image-generation example server (the Flask app's routes).
 *
 *   authkit-imagegen [--port 8080] [--db FILE] [--data-dir DIR] [--quota-per-day N] ...
 *
 * Web pages with session cookies and CSRF-protected forms, and a JSON API
 * that accepts the session cookie (+ CSRF token), a bearer access token or an
 * API key. See docs/EXAMPLES.md.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IG_DEFAULT_PORT 8080
#define IG_DEFAULT_QUOTA 100

static const char extra_usage[] =
	"  --quota-per-day N   images per user per UTC day, 0 for no limit\n"
	"                      (default 100; env IMAGEGEN_QUOTA_PER_DAY)\n";

static const ex_route routes[] = {
	{"GET", "/", EX_BODY_NONE, EX_AUTH_OPTIONAL, 0, ig_web_root},
	{"GET", "/register", EX_BODY_NONE, EX_AUTH_PUBLIC, 0, ig_web_register_form},
	{"POST", "/register", EX_BODY_EITHER, EX_AUTH_PUBLIC, EX_ROUTE_SAME_SITE, ig_web_register},
	{"GET", "/login", EX_BODY_NONE, EX_AUTH_PUBLIC, 0, ig_web_login_form},
	{"POST", "/login", EX_BODY_EITHER, EX_AUTH_PUBLIC, EX_ROUTE_SAME_SITE, ig_web_login},
	{"POST", "/logout", EX_BODY_FORM, EX_AUTH_WEB, 0, ig_web_logout},
	{"GET", "/dashboard", EX_BODY_NONE, EX_AUTH_WEB, 0, ig_web_dashboard},
	{"GET", "/generate", EX_BODY_NONE, EX_AUTH_WEB, 0, ig_web_generate_form},
	{"POST", "/generate", EX_BODY_FORM, EX_AUTH_WEB, 0, ig_web_generate},
	{"GET", "/gallery", EX_BODY_NONE, EX_AUTH_WEB, 0, ig_web_gallery},
	{"GET", "/images/", EX_BODY_NONE, EX_AUTH_WEB, EX_ROUTE_PREFIX, ig_web_image},
	{"POST", "/api/generate-image", EX_BODY_JSON, EX_AUTH_API, 0, ig_api_generate_image},
	{"POST", "/api/generate-story", EX_BODY_JSON, EX_AUTH_API, 0, ig_api_generate_story},
	{"POST", "/api/keys", EX_BODY_JSON, EX_AUTH_API, 0, ig_api_create_key},
	{"POST", "/api/refresh", EX_BODY_JSON, EX_AUTH_PUBLIC, 0, ex_route_refresh},
};

/* A non-negative integer option value, or -1. */
static long long parse_count(const char *text)
{
	if (!text || !text[0])
		return -1;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	return errno || *end || v < 0 ? -1 : v;
}

/*
 * Take this server's own options out of argv (ex_app_init() knows only the
 * shared ones). Returns the quota, or -1 after printing why it is invalid.
 */
static long long take_own_options(int *argc, char **argv)
{
	long long quota = IG_DEFAULT_QUOTA;
	const char *env = getenv("IMAGEGEN_QUOTA_PER_DAY");
	if (env && (quota = parse_count(env)) < 0) {
		fprintf(stderr, "authkit-imagegen: IMAGEGEN_QUOTA_PER_DAY must be a non-negative integer\n");
		return -1;
	}
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		const char *value = NULL;
		if (strcmp(argv[i], "--quota-per-day") == 0 && i + 1 < *argc)
			value = argv[++i];
		else if (strncmp(argv[i], "--quota-per-day=", 16) == 0)
			value = argv[i] + 16;
		else if (strcmp(argv[i], "--quota-per-day") == 0)
			value = "";
		else {
			argv[out++] = argv[i];
			continue;
		}
		if ((quota = parse_count(value)) < 0) {
			fprintf(stderr, "authkit-imagegen: --quota-per-day needs a non-negative integer\n");
			return -1;
		}
	}
	*argc = out;
	argv[out] = NULL;
	return quota;
}

int main(int argc, char **argv)
{
	long long quota = take_own_options(&argc, argv);
	if (quota < 0)
		return 2;
	ex_app app;
	int init = ex_app_init(&app, argc, argv, "imagegen", IG_DEFAULT_PORT, extra_usage);
	if (init == EX_INIT_EXIT_OK)
		return 0;
	if (init != EX_INIT_OK)
		return init;
	app.login_path = "/login";

	ig_server server = {.gen = {.ctx = app.ctx, .quota_per_day = quota}};
	int rc = 1;
	if (authkit_ratelimit_new(IG_AUTH_BUCKET_CAPACITY, IG_AUTH_BUCKET_REFILL, &server.auth_attempts) == AUTHKIT_OK &&
	    ig_images_open(app.data_dir, &server.gen.images) == 0)
		rc = ex_app_run(&app, routes, sizeof routes / sizeof routes[0], &server);
	ig_images_close(server.gen.images);
	authkit_ratelimit_free(server.auth_attempts);
	ex_app_free(&app);
	return rc;
}
