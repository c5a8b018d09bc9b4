/* imagegen: the HTML pages' routes (see server.h). */
#include "server.h"
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IG_DASHBOARD_RECENT 8
#define IG_GALLERY_MAX 200
#define IG_DASHBOARD_DAYS 7

/* 1 (after answering 429 with Retry-After) when this IP has used up its login/register attempts. */
static int too_many_attempts(ex_request *req, ig_server *s)
{
	return ex_rate_limited(req, s->auth_attempts, "auth", ex_req_ip(req), IG_AUTH_ATTEMPT_COST);
}

static void reply_page(ex_request *req, unsigned status, ex_buf *page)
{
	ex_reply_html(req, status, page);
	ex_buf_free(page);
}

void ig_web_root(ex_request *req, void *userdata)
{
	(void)userdata;
	ex_reply_redirect(req, ex_req_principal(req) ? "/dashboard" : "/login");
}

void ig_web_register_form(ex_request *req, void *userdata)
{
	(void)userdata;
	ex_buf page = {0};
	ig_page_register(&page, NULL, NULL, NULL);
	reply_page(req, 200, &page);
}

void ig_web_login_form(ex_request *req, void *userdata)
{
	(void)userdata;
	ex_buf page = {0};
	ig_page_login(&page, NULL, NULL);
	reply_page(req, 200, &page);
}

/* The identifier of a login body: username, email or identifier, whichever is there. */
static const char *login_identifier(const ex_request *req)
{
	const char *id = ex_req_field(req, "username");
	if (!id)
		id = ex_req_field(req, "email");
	if (!id)
		id = ex_req_field(req, "identifier");
	return id;
}

void ig_web_login(ex_request *req, void *userdata)
{
	int is_json = ex_req_json(req) != NULL;
	if (too_many_attempts(req, userdata))
		return;
	const char *identifier = login_identifier(req), *password = ex_req_field(req, "password");
	if (!identifier || !password) {
		if (is_json) {
			ex_reply_error(req, 400, "invalid", "username and password are required");
		} else {
			ex_buf page = {0};
			ig_page_login(&page, "Enter your username and password.", identifier);
			reply_page(req, 400, &page);
		}
		return;
	}
	authkit_login_result *login = NULL;
	int rc = authkit_login(ex_req_ctx(req), identifier, password, ex_req_ip(req), ex_req_user_agent(req), &login);
	if (rc == AUTHKIT_EINVALID) /* e.g. an over-long password: one answer for every bad credential */
		rc = AUTHKIT_EAUTH;
	if (rc == AUTHKIT_OK && is_json) {
		json_t *body = ex_token_pair_json(req, login);
		const authkit_user *u = authkit_login_user(login);
		if (body)
			json_object_set_new(body, "user", json_pack("{s:I, s:s}", "id", (json_int_t)authkit_user_id(u),
			                                            "username", authkit_user_username(u)));
		ig_reply_json(req, 200, body);
	} else if (rc == AUTHKIT_OK) {
		if (ex_reply_session_cookie(req, authkit_login_session_token(login)) == 0)
			ex_reply_redirect(req, "/dashboard");
		else
			ex_reply_error(req, 500, "internal", "could not set the session cookie");
	} else if (rc == AUTHKIT_EAUTH && !is_json) {
		ex_buf page = {0};
		ig_page_login(&page, "Invalid username or password.", identifier);
		reply_page(req, 401, &page);
	} else {
		ex_reply_status(req, rc); /* EAUTH: 401, one generic message for every credential failure */
	}
	authkit_login_free(login);
}

void ig_web_register(ex_request *req, void *userdata)
{
	int is_json = ex_req_json(req) != NULL;
	if (too_many_attempts(req, userdata))
		return;
	const char *username = ex_req_field(req, "username"), *email = ex_req_field(req, "email");
	const char *password = ex_req_field(req, "password"), *full_name = ex_req_field(req, "full_name");
	if (full_name && !full_name[0])
		full_name = NULL;
	authkit_ctx *ctx = ex_req_ctx(req);
	authkit_user *user = NULL;
	int rc = username && email && password ? authkit_user_register(ctx, username, email, full_name, password, &user)
	                                       : AUTHKIT_EINVALID;
	if (rc == AUTHKIT_OK && is_json) {
		ig_reply_json(req, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)authkit_user_id(user), "username",
		                                  authkit_user_username(user), "email", authkit_user_email(user)));
	} else if (rc == AUTHKIT_OK) {
		/* Signed in at once, like the Flask app: a fresh session, cookie, dashboard. */
		authkit_login_result *login = NULL;
		if (authkit_login(ctx, username, password, ex_req_ip(req), ex_req_user_agent(req), &login) == AUTHKIT_OK &&
		    ex_reply_session_cookie(req, authkit_login_session_token(login)) == 0)
			ex_reply_redirect(req, "/dashboard");
		else
			ex_reply_redirect(req, "/login");
		authkit_login_free(login);
	} else if (is_json) {
		if (!username || !email || !password)
			ex_reply_error(req, 400, "invalid", "username, email and password are required");
		else
			ex_reply_status(req, rc);
	} else {
		/* The library's detail message names the rule that failed, never the password. */
		const char *why = !username || !email || !password ? "Username, email and password are required."
		                  : rc == AUTHKIT_EEXISTS           ? "That username or email is already registered."
		                                                    : authkit_error_last();
		unsigned status = rc == AUTHKIT_EEXISTS                             ? 409
		                  : rc == AUTHKIT_EINVALID || rc == AUTHKIT_EPASSWORD ? 400
		                                                                      : 500;
		ex_buf page = {0};
		ig_page_register(&page, why, username, email);
		reply_page(req, status, &page);
	}
	authkit_user_free(user);
}

void ig_web_logout(ex_request *req, void *userdata)
{
	(void)userdata;
	const char *sid = authkit_principal_session_id(ex_req_principal(req));
	if (sid && sid[0])
		authkit_logout(ex_req_ctx(req), sid, ex_req_ip(req));
	ex_reply_clear_session_cookie(req);
	ex_reply_redirect(req, "/login");
}

/* Usage figures for the dashboard; by_day_out must be freed by the caller. */
static void usage_view(ex_request *req, ig_server *s, int64_t uid, ig_usage_view *v, authkit_usage_summary **by_day_out)
{
	authkit_ctx *ctx = ex_req_ctx(req);
	memset(v, 0, sizeof *v);
	*by_day_out = NULL;
	ig_images_count(s->gen.images, uid, &v->images_total);
	authkit_usage_summary *by_service = NULL;
	if (authkit_usage_summary_get(ctx, uid, 0, 0, AUTHKIT_USAGE_BY_SERVICE, &by_service) == AUTHKIT_OK) {
		for (size_t i = 0; i < authkit_usage_summary_count(by_service); i++)
			if (strcmp(authkit_usage_summary_key(by_service, i), IG_USAGE_SERVICE) == 0) {
				v->events_total = authkit_usage_summary_events(by_service, i);
				v->cost_micros_total = authkit_usage_summary_cost_micros(by_service, i);
			}
		authkit_usage_summary_free(by_service);
	}
	int64_t now = authkit_ctx_now_ms(ctx) / 1000;
	int64_t since = (now / 86400 - (IG_DASHBOARD_DAYS - 1)) * 86400;
	if (authkit_usage_summary_get(ctx, uid, since, 0, AUTHKIT_USAGE_BY_DAY, by_day_out) == AUTHKIT_OK)
		v->by_day = *by_day_out;
	v->quota_per_day = s->gen.quota_per_day;
	if (v->quota_per_day > 0)
		authkit_quota_check(ctx, uid, IG_USAGE_SERVICE, AUTHKIT_QUOTA_REQUESTS, AUTHKIT_PERIOD_DAY, v->quota_per_day, 0,
		                    &v->quota_remaining, NULL);
}

void ig_web_dashboard(ex_request *req, void *userdata)
{
	ig_server *s = userdata;
	int64_t uid = ig_req_user_id(req);
	authkit_user *user = NULL;
	if (authkit_user_get_by_id(ex_req_ctx(req), uid, &user) != AUTHKIT_OK) {
		ex_reply_redirect(req, "/login");
		return;
	}
	ig_usage_view usage;
	authkit_usage_summary *by_day = NULL;
	usage_view(req, s, uid, &usage, &by_day);
	ig_image *recent = NULL;
	size_t n = 0;
	ig_images_list(s->gen.images, uid, IG_DASHBOARD_RECENT, &recent, &n);
	ex_buf page = {0};
	ig_page_dashboard(&page, ex_req_csrf(req), authkit_user_username(user), &usage, recent, n);
	reply_page(req, 200, &page);
	ig_image_list_free(recent, n);
	authkit_usage_summary_free(by_day);
	authkit_user_free(user);
}

void ig_web_generate_form(ex_request *req, void *userdata)
{
	(void)userdata;
	ex_buf page = {0};
	ig_page_generate(&page, ex_req_csrf(req), NULL, NULL);
	reply_page(req, 200, &page);
}

/* "3" → 3; absent or empty → 1; anything else → 0 (rejected as out of range). */
static long parse_scenes(const char *text)
{
	if (!text || !text[0])
		return 1;
	char *end = NULL;
	errno = 0;
	long v = strtol(text, &end, 10);
	return errno || *end || v < 1 ? 0 : v;
}

void ig_web_generate(ex_request *req, void *userdata)
{
	ig_server *s = userdata;
	const char *prompt = ex_req_field(req, "prompt");
	ig_job job;
	const char *problem = ig_job_from_prompt(&job, prompt, parse_scenes(ex_req_field(req, "scenes")));
	ex_buf page = {0};
	if (problem) {
		ig_page_generate(&page, ex_req_csrf(req), problem, prompt);
		reply_page(req, 400, &page);
		return;
	}
	char ids[IG_STORY_MAX_SCENES][IG_ID_CHARS + 1], story[IG_ID_CHARS + 1];
	int rc = ig_job_run(req, s, &job, ids, story);
	ig_job_free(&job);
	if (rc == IG_GEN_OK) {
		ex_reply_redirect(req, "/gallery");
		return;
	}
	ig_page_generate(&page, ex_req_csrf(req),
	                 rc == IG_GEN_QUOTA ? "Today's image quota is used up; it resets at midnight UTC."
	                                    : "The image could not be generated. Please try again.",
	                 prompt);
	reply_page(req, rc == IG_GEN_QUOTA ? 429 : 500, &page);
}

void ig_web_gallery(ex_request *req, void *userdata)
{
	ig_server *s = userdata;
	ig_image *images = NULL;
	size_t n = 0;
	if (ig_images_list(s->gen.images, ig_req_user_id(req), IG_GALLERY_MAX, &images, &n) != 0) {
		ex_reply_error(req, 500, "internal", "could not list images");
		return;
	}
	ex_buf page = {0};
	ig_page_gallery(&page, ex_req_csrf(req), images, n);
	reply_page(req, 200, &page);
	ig_image_list_free(images, n);
}

/* The whole file in memory; NULL on error. */
static unsigned char *read_file(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *data = NULL;
	long size = -1;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc(size > 0 ? (size_t)size : 1)) != NULL && fread(data, 1, (size_t)size, f) != (size_t)size) {
		free(data);
		data = NULL;
	}
	fclose(f);
	*len_out = data ? (size_t)size : 0;
	return data;
}

void ig_web_image(ex_request *req, void *userdata)
{
	ig_server *s = userdata;
	char id[IG_ID_CHARS + 1];
	const char *rest = ex_req_path_rest(req);
	/* "/images/<id>" or "/images/<id>.png" */
	size_t len = strcspn(rest, ".");
	if (len != IG_ID_CHARS || (rest[len] != '\0' && strcmp(rest + len, ".png") != 0)) {
		ex_reply_error(req, 404, "not_found", "no such image");
		return;
	}
	memcpy(id, rest, IG_ID_CHARS);
	id[IG_ID_CHARS] = '\0';
	char *path = NULL;
	/* Someone else's image is "not found" too: its existence is not confirmed. */
	int rc = ig_images_path_for_owner(s->gen.images, id, ig_req_user_id(req), &path);
	size_t size = 0;
	unsigned char *png = rc == 0 ? read_file(path, &size) : NULL;
	free(path);
	if (rc == 1)
		ex_reply_error(req, 404, "not_found", "no such image");
	else if (!png)
		ex_reply_error(req, 500, "internal", "could not read the image");
	else
		ex_reply_bytes(req, 200, "image/png", png, size, free);
}
