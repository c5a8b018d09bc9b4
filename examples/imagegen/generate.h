/*
 * imagegen: the generation service, independent of HTTP: validate prompts,
 * enforce the per-user daily quota, draw, save, and record usage.
 */
#ifndef IG_GENERATE_H
#define IG_GENERATE_H

#include <authkit.h>
#include <stddef.h>
#include <stdint.h>

#include "images.h"

#define IG_PROMPT_MAX 1000      /* bytes of one prompt */
#define IG_STORY_MAX_SCENES 8   /* images per story request */
#define IG_STORY_DEFAULT_SCENES 4
#define IG_USAGE_SERVICE "imagegen"
#define IG_USAGE_MODEL "landscape-v1"
#define IG_COST_PER_IMAGE_MICROS 20000 /* $0.02, a made-up price so the dashboard shows a cost */

typedef struct ig_generator {
	authkit_ctx *ctx;
	ig_images *images;
	int64_t quota_per_day; /* images per user per UTC day; 0 = unlimited */
} ig_generator;

/** NULL when prompt is acceptable (1..IG_PROMPT_MAX bytes of UTF-8, no control
 * characters but tab/newline), else the reason (a constant, safe to show). */
const char *ig_prompt_problem(const char *prompt);

enum {
	IG_GEN_OK = 0,
	IG_GEN_QUOTA = 1, /* over quota: nothing generated, *retry_after_s set */
	IG_GEN_ERROR = -1
};

/**
 * Generate one image per prompt for user_id (prompts already checked with
 * ig_prompt_problem). story_id (may be NULL) groups them. ids_out holds n
 * ids of IG_ID_CHARS + 1. All or nothing against the quota: a request for
 * more images than remain is refused whole.
 */
int ig_generate(ig_generator *g, int64_t user_id, const char *const *prompts, size_t n, const char *story_id,
                char (*ids_out)[IG_ID_CHARS + 1], int64_t *retry_after_s);

#endif
