/*
 * imagegen: what the route handlers share. Web pages live in web.c, the
 * JSON API in api.c, the generation request shared by both in jobs.c.
 */
#ifndef IG_SERVER_H
#define IG_SERVER_H

#include "ex_common.h"
#include "generate.h"

/*
 * Login and register attempts per client IP: a burst of 20, then 10 a
 * minute (a local token bucket: capacity 120, refill 1/s, cost 6 per
 * attempt, as docs/METERING.md shows for rates below 1/s). The per-account
 * lockout protects each account; this slows one address spraying many.
 */
#define IG_AUTH_BUCKET_CAPACITY 120
#define IG_AUTH_BUCKET_REFILL 1
#define IG_AUTH_ATTEMPT_COST 6

typedef struct ig_server {
	ig_generator gen;
	authkit_ratelimit *auth_attempts; /* keyed by client IP */
} ig_server;

/* A validated generation request: one prompt per image. */
typedef struct ig_job {
	char *prompts[IG_STORY_MAX_SCENES];
	size_t n;
	int story; /* 1: the images share a story id */
} ig_job;

/**
 * One image (scenes 1) or a story of scenes images from one prompt, each
 * scene's prompt numbered. NULL, or why the request is invalid (constant).
 */
const char *ig_job_from_prompt(ig_job *job, const char *prompt, long scenes);
/** A story from a JSON array of 1..IG_STORY_MAX_SCENES prompt strings. */
const char *ig_job_from_array(ig_job *job, json_t *prompts);
void ig_job_free(ig_job *job);

/**
 * Run a job for the request's user. On IG_GEN_OK ids_out and story_out
 * (IG_ID_CHARS + 1, "" for a single image) are filled. On IG_GEN_QUOTA the
 * Retry-After header is already added to the reply; the caller words the
 * 429. On IG_GEN_ERROR the caller answers 500.
 */
int ig_job_run(ex_request *req, ig_server *s, const ig_job *job, char (*ids_out)[IG_ID_CHARS + 1],
               char *story_out);

/** JSON reply; a NULL body (jansson out of memory) becomes a 500 JSON error. */
void ig_reply_json(ex_request *req, unsigned status, json_t *body);

/** The authenticated user's id (routes that require a principal). */
int64_t ig_req_user_id(const ex_request *req);

/* Handlers (userdata: ig_server). */
void ig_web_register_form(ex_request *req, void *userdata);
void ig_web_register(ex_request *req, void *userdata);
void ig_web_login_form(ex_request *req, void *userdata);
void ig_web_login(ex_request *req, void *userdata);
void ig_web_logout(ex_request *req, void *userdata);
void ig_web_dashboard(ex_request *req, void *userdata);
void ig_web_generate_form(ex_request *req, void *userdata);
void ig_web_generate(ex_request *req, void *userdata);
void ig_web_gallery(ex_request *req, void *userdata);
void ig_web_image(ex_request *req, void *userdata);
void ig_web_root(ex_request *req, void *userdata);
void ig_api_generate_image(ex_request *req, void *userdata);
void ig_api_generate_story(ex_request *req, void *userdata);
void ig_api_create_key(ex_request *req, void *userdata);

#endif
