/* imagegen: the JSON API's routes (see server.h). */
#include "server.h"
#include "draw.h"

#include <sodium.h>
#include <string.h>

void ig_reply_json(ex_request *req, unsigned status, json_t *body)
{
	if (body)
		ex_reply_json(req, status, body);
	else
		ex_reply_error(req, 500, "internal", "could not build the response");
}

static json_t *image_json(const char *id, const char *prompt)
{
	return json_pack("{s:s, s:s+, s:s, s:i, s:i}", "id", id, "url", "/images/", id, "prompt", prompt, "width",
	                 IG_IMAGE_SIDE, "height", IG_IMAGE_SIDE);
}

static void reply_generation_failure(ex_request *req, int rc)
{
	if (rc == IG_GEN_QUOTA)
		ex_reply_error(req, 429, "limit", "daily image quota reached; see Retry-After");
	else
		ex_reply_error(req, 500, "internal", "the image could not be generated");
}

/* Run job and answer 201 with the images (and the story id for stories). */
static void run_and_reply(ex_request *req, ig_server *s, ig_job *job)
{
	char ids[IG_STORY_MAX_SCENES][IG_ID_CHARS + 1], story[IG_ID_CHARS + 1];
	int rc = ig_job_run(req, s, job, ids, story);
	if (rc != IG_GEN_OK) {
		reply_generation_failure(req, rc);
		return;
	}
	json_t *body;
	if (!job->story) {
		body = image_json(ids[0], job->prompts[0]);
	} else {
		json_t *images = json_array();
		for (size_t i = 0; i < job->n; i++)
			json_array_append_new(images, image_json(ids[i], job->prompts[i]));
		body = json_pack("{s:s, s:o}", "story_id", story, "images", images);
	}
	ig_reply_json(req, 201, body);
}

void ig_api_generate_image(ex_request *req, void *userdata)
{
	ig_job job;
	const char *problem = ig_job_from_prompt(&job, ex_req_field(req, "prompt"), 1);
	if (problem) {
		ex_reply_error(req, 400, "invalid", problem);
		return;
	}
	run_and_reply(req, userdata, &job);
	ig_job_free(&job);
}

void ig_api_generate_story(ex_request *req, void *userdata)
{
	json_t *body = ex_req_json(req);
	json_t *prompts = json_object_get(body, "prompts");
	json_t *scenes = json_object_get(body, "scenes");
	ig_job job;
	const char *problem;
	if (prompts)
		problem = ig_job_from_array(&job, prompts);
	else if (scenes && !json_is_integer(scenes))
		problem = "scenes must be an integer";
	else /* a story is several images: at least 2 scenes from one prompt */
		problem = ig_job_from_prompt(&job, ex_req_field(req, "prompt"),
		                             scenes ? (long)json_integer_value(scenes) : IG_STORY_DEFAULT_SCENES);
	if (!problem && job.n > 0)
		job.story = 1;
	if (problem) {
		ex_reply_error(req, 400, "invalid", problem);
		return;
	}
	run_and_reply(req, userdata, &job);
	ig_job_free(&job);
}

void ig_api_create_key(ex_request *req, void *userdata)
{
	(void)userdata;
	const authkit_principal *p = ex_req_principal(req);
	/* A leaked API key must not be able to mint more of itself. */
	if (strcmp(authkit_principal_kind(p), "api_key") == 0) {
		ex_reply_error(req, 403, "forbidden", "API keys cannot create API keys");
		return;
	}
	const char *name = ex_req_field(req, "name");
	char *key = NULL, *public_id = NULL;
	int rc = authkit_apikey_create(ex_req_ctx(req), authkit_principal_user_id(p), name ? name : "imagegen", NULL, 0,
	                               &key, &public_id);
	if (rc != AUTHKIT_OK) {
		ex_reply_status(req, rc);
		return;
	}
	/* Shown once, here, because this is the response meant to carry it. */
	json_t *body = json_pack("{s:s, s:s}", "api_key", key, "id", public_id);
	sodium_memzero(key, strlen(key));
	authkit_string_free(key);
	authkit_string_free(public_id);
	ig_reply_json(req, 201, body);
}
