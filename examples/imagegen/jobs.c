/* imagegen: generation requests shared by the web form and the JSON API (see server.h). */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t ig_req_user_id(const ex_request *req)
{
	const authkit_principal *p = ex_req_principal(req);
	return p ? authkit_principal_user_id(p) : 0;
}

void ig_job_free(ig_job *job)
{
	for (size_t i = 0; i < job->n; i++)
		free(job->prompts[i]);
	job->n = 0;
}

const char *ig_job_from_prompt(ig_job *job, const char *prompt, long scenes)
{
	memset(job, 0, sizeof *job);
	if (!prompt)
		return "prompt is required (a string)";
	const char *problem = ig_prompt_problem(prompt);
	if (problem)
		return problem;
	if (scenes < 1 || scenes > IG_STORY_MAX_SCENES)
		return "scenes must be between 1 and 8";
	job->story = scenes > 1;
	for (long i = 0; i < scenes; i++) {
		char *p = NULL;
		int rc = job->story ? asprintf(&p, "%s (scene %ld of %ld)", prompt, i + 1, scenes)
		                    : asprintf(&p, "%s", prompt);
		if (rc >= 0)
			job->prompts[job->n++] = p;
		problem = rc < 0 ? "out of memory" : ig_prompt_problem(p);
		if (problem) {
			ig_job_free(job);
			return problem;
		}
	}
	return NULL;
}

const char *ig_job_from_array(ig_job *job, json_t *prompts)
{
	memset(job, 0, sizeof *job);
	job->story = 1;
	size_t n = json_array_size(prompts);
	if (!json_is_array(prompts) || n < 1 || n > IG_STORY_MAX_SCENES)
		return "prompts must be an array of 1 to 8 strings";
	for (size_t i = 0; i < n; i++) {
		const char *p = json_string_value(json_array_get(prompts, i));
		const char *problem = p ? ig_prompt_problem(p) : "prompts must be an array of 1 to 8 strings";
		if (!problem && !(job->prompts[job->n] = strdup(p)))
			problem = "out of memory";
		if (problem) {
			ig_job_free(job);
			return problem;
		}
		job->n++;
	}
	return NULL;
}

int ig_job_run(ex_request *req, ig_server *s, const ig_job *job, char (*ids_out)[IG_ID_CHARS + 1], char *story_out)
{
	story_out[0] = '\0';
	if (job->story)
		ig_new_id(story_out);
	int64_t retry_after = 0;
	int rc = ig_generate(&s->gen, ig_req_user_id(req), (const char *const *)job->prompts, job->n,
	                     job->story ? story_out : NULL, ids_out, &retry_after);
	if (rc == IG_GEN_QUOTA) {
		char value[24];
		snprintf(value, sizeof value, "%lld", (long long)retry_after);
		ex_reply_header(req, "Retry-After", value);
	}
	return rc;
}
