/* imagegen: quota, drawing, storage and usage for one request (see generate.h). */
#include "generate.h"
#include "draw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence starting at s (1-4), or 0 when it is not valid UTF-8. */
static size_t utf8_sequence(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
	if (len == 0 || s[0] > 0xF4)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	/* Overlong 3/4-byte forms, UTF-16 surrogates, and code points past U+10FFFF. */
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) || (s[0] == 0xF0 && s[1] < 0x90) ||
	    (s[0] == 0xF4 && s[1] >= 0x90))
		return 0;
	return len;
}

const char *ig_prompt_problem(const char *prompt)
{
	if (!prompt || !prompt[0])
		return "prompt is empty";
	size_t len = strlen(prompt);
	if (len > IG_PROMPT_MAX)
		return "prompt is longer than 1000 bytes";
	const unsigned char *s = (const unsigned char *)prompt;
	for (size_t i = 0; i < len;) {
		if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') || s[i] == 0x7F)
			return "prompt contains control characters";
		size_t n = utf8_sequence(s + i);
		if (n == 0)
			return "prompt is not UTF-8";
		i += n;
	}
	return NULL;
}

/*
 * Reserve n images of today's quota. The check refuses a clear overrun
 * without charging; the charge then reserves atomically, and a total past
 * the limit means concurrent requests won the race: refuse too, so the cap
 * is never exceeded (the loser's reservation stays charged, like a used
 * attempt). See docs/METERING.md, "Quotas".
 */
static int quota_reserve(ig_generator *g, int64_t user_id, size_t n, int64_t *retry_after_s)
{
	*retry_after_s = 0;
	if (g->quota_per_day <= 0)
		return IG_GEN_OK;
	int rc = authkit_quota_check(g->ctx, user_id, IG_USAGE_SERVICE, AUTHKIT_QUOTA_REQUESTS, AUTHKIT_PERIOD_DAY,
	                             g->quota_per_day, (int64_t)n, NULL, retry_after_s);
	if (rc == AUTHKIT_ELIMIT)
		return IG_GEN_QUOTA;
	int64_t used = 0;
	if (rc != AUTHKIT_OK || authkit_quota_charge(g->ctx, user_id, IG_USAGE_SERVICE, AUTHKIT_QUOTA_REQUESTS,
	                                             AUTHKIT_PERIOD_DAY, (int64_t)n, &used) != AUTHKIT_OK) {
		fprintf(stderr, "imagegen: quota: %s\n", authkit_error_last());
		return IG_GEN_ERROR;
	}
	if (used <= g->quota_per_day)
		return IG_GEN_OK;
	authkit_quota_check(g->ctx, user_id, IG_USAGE_SERVICE, AUTHKIT_QUOTA_REQUESTS, AUTHKIT_PERIOD_DAY,
	                    g->quota_per_day, 0, NULL, retry_after_s);
	if (*retry_after_s < 1)
		*retry_after_s = 1;
	return IG_GEN_QUOTA;
}

/* One usage event per image; the image id makes retries of the record idempotent. */
static int record_usage(ig_generator *g, int64_t user_id, const char *prompt, const char *image_id)
{
	authkit_usage_event *ev = NULL;
	char key[8 + IG_ID_CHARS + 1];
	snprintf(key, sizeof key, "imagegen%s", image_id);
	int rc = authkit_usage_event_new(&ev);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_user_id(ev, user_id);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_service(ev, IG_USAGE_SERVICE);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_model(ev, IG_USAGE_MODEL);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_request_type(ev, "image");
	if (rc == AUTHKIT_OK) /* "input tokens": prompt bytes, a stand-in a real model would report */
		rc = authkit_usage_event_set_input_tokens(ev, (int64_t)strlen(prompt));
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_cost_micros(ev, IG_COST_PER_IMAGE_MICROS);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_event_set_idempotency_key(ev, key);
	if (rc == AUTHKIT_OK)
		rc = authkit_usage_record(g->ctx, ev, NULL);
	authkit_usage_event_free(ev);
	if (rc != AUTHKIT_OK)
		fprintf(stderr, "imagegen: usage record: %s\n", authkit_error_last());
	return rc == AUTHKIT_OK ? 0 : -1;
}

int ig_generate(ig_generator *g, int64_t user_id, const char *const *prompts, size_t n, const char *story_id,
                char (*ids_out)[IG_ID_CHARS + 1], int64_t *retry_after_s)
{
	int rc = quota_reserve(g, user_id, n, retry_after_s);
	if (rc != IG_GEN_OK)
		return rc;
	int64_t now = authkit_ctx_now_ms(g->ctx) / 1000;
	for (size_t i = 0; i < n; i++) {
		unsigned char *png = NULL;
		size_t png_len = 0;
		if (ig_generate_png(prompts[i], strlen(prompts[i]), &png, &png_len) != 0)
			return IG_GEN_ERROR;
		int saved = ig_images_add(g->images, user_id, prompts[i], story_id, now, png, png_len, ids_out[i]);
		free(png);
		if (saved != 0 || record_usage(g, user_id, prompts[i], ids_out[i]) != 0)
			return IG_GEN_ERROR;
	}
	return IG_GEN_OK;
}
