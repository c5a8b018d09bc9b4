/*
 * The image-generation example's parts without HTTP: the PNG encoder
 * (known answers), the deterministic drawing, prompt validation, the image
 * table, and the daily quota as a hard cap under concurrent requests.
 */
#include <authkit.h>
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "draw.h"
#include "generate.h"
#include "images.h"
#include "png.h"

/* ---- PNG encoder ---- */

START_TEST(checksums_known_answers)
{
	ck_assert_uint_eq(ig_crc32(0, (const unsigned char *)"123456789", 9), 0xCBF43926u);
	ck_assert_uint_eq(ig_crc32(0, (const unsigned char *)"", 0), 0);
	/* Continuing a CRC over two parts equals one pass. */
	ck_assert_uint_eq(ig_crc32(ig_crc32(0, (const unsigned char *)"1234", 4), (const unsigned char *)"56789", 5),
	                  0xCBF43926u);
	ck_assert_uint_eq(ig_adler32(1, (const unsigned char *)"Wikipedia", 9), 0x11E60398u);
	ck_assert_uint_eq(ig_adler32(1, (const unsigned char *)"", 0), 1);
}
END_TEST

START_TEST(png_encoder_layout)
{
	unsigned char px[3] = {255, 0, 0};
	unsigned char *png = NULL;
	size_t len = 0;
	ck_assert_int_eq(ig_png_encode(px, 1, 1, &png, &len), 0);
	/* signature 8 + IHDR 25 + IDAT (12 + zlib 2 + block 5 + raw 4 + adler 4) + IEND 12 */
	ck_assert_uint_eq(len, 8 + 25 + 27 + 12);
	static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
	ck_assert_mem_eq(png + len - 12, iend, 12);
	/* IDAT's stored block: final, LEN 4, NLEN ~4, then filter 0 and the pixel. */
	static const unsigned char idat[] = {0, 0, 0, 15, 'I', 'D', 'A', 'T', 0x78, 0x01, 0x01, 4, 0, 0xFB, 0xFF, 0, 255, 0, 0};
	ck_assert_mem_eq(png + 33, idat, sizeof idat);
	free(png);

	ck_assert_int_eq(ig_png_encode(px, 0, 1, &png, &len), -1);
	ck_assert_int_eq(ig_png_encode(px, 1, 8193, &png, &len), -1);
}
END_TEST

START_TEST(png_many_stored_blocks)
{
	/* 300x300 RGB rows are 270300 raw bytes: five stored blocks, the last one short. */
	size_t side = 300;
	unsigned char *px = calloc(side * side, 3);
	unsigned char *png = NULL;
	size_t len = 0;
	ck_assert_int_eq(ig_png_encode(px, (uint32_t)side, (uint32_t)side, &png, &len), 0);
	size_t raw = side * (side * 3 + 1);
	ck_assert_uint_eq(len, 8 + 25 + 12 + 2 + 5 * 5 + raw + 4 + 12);
	free(png);
	free(px);
}
END_TEST

/* ---- drawing ---- */

START_TEST(drawing_is_deterministic)
{
	size_t n = (size_t)IG_IMAGE_SIDE * IG_IMAGE_SIDE * 3;
	unsigned char *a = malloc(n), *b = malloc(n), *c = malloc(n);
	ig_draw("a castle at dusk", 16, a);
	ig_draw("a castle at dusk", 16, b);
	ig_draw("a castle at dawn", 16, c);
	ck_assert_mem_eq(a, b, n);
	ck_assert(memcmp(a, c, n) != 0);
	/* A real picture, not a flat fill: many distinct colours. */
	size_t changes = 0;
	for (size_t i = 3; i < n; i += 3)
		changes += memcmp(a + i, a + i - 3, 3) != 0;
	ck_assert_uint_gt(changes, 1000);
	free(a);
	free(b);
	free(c);
}
END_TEST

/* ---- prompts ---- */

START_TEST(prompt_rules)
{
	ck_assert_ptr_null(ig_prompt_problem("a lighthouse at dawn"));
	ck_assert_ptr_null(ig_prompt_problem("caf\xC3\xA9 \xF0\x9F\x8C\x84 line\nbreak\ttab"));
	const char *bad[] = {"", "\xC3\x28", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "bell\x07",
	                     "del\x7F", "\xF8\x88\x80\x80\x80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(ig_prompt_problem(bad[i]) != NULL, "accepted bad prompt %zu", i);
	ck_assert_ptr_nonnull(ig_prompt_problem(NULL));
	char longest[IG_PROMPT_MAX + 2];
	memset(longest, 'x', sizeof longest);
	longest[IG_PROMPT_MAX] = '\0';
	ck_assert_ptr_null(ig_prompt_problem(longest));
	longest[IG_PROMPT_MAX] = 'x';
	longest[IG_PROMPT_MAX + 1] = '\0';
	ck_assert_ptr_nonnull(ig_prompt_problem(longest));
}
END_TEST

/* ---- storage and quota, on a temporary data directory ---- */

/* 2024-06-01 12:00:00 UTC: half a day before the quota resets. */
#define NOON_MS 1717243200000LL

static int64_t fixed_clock(void *userdata)
{
	(void)userdata;
	return NOON_MS;
}

typedef struct fixture {
	char dir[256];
	authkit_ctx *ctx;
	ig_generator gen;
} fixture;

static void fixture_open(fixture *f, int64_t quota)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/imagegen-core-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	char db[300];
	snprintf(db, sizeof db, "%s/auth.db", f->dir);
	authkit_config *cfg = NULL;
	ck_assert_int_eq(authkit_config_new(&cfg), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", db), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_clock(cfg, fixed_clock, NULL), AUTHKIT_OK);
	ck_assert_int_eq(authkit_ctx_open(&f->ctx, cfg), AUTHKIT_OK);
	authkit_config_free(cfg);
	f->gen.ctx = f->ctx;
	f->gen.quota_per_day = quota;
	ck_assert_int_eq(ig_images_open(f->dir, &f->gen.images), 0);
}

static void fixture_close(fixture *f)
{
	ig_images_close(f->gen.images);
	authkit_ctx_free(f->ctx);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int64_t usage_events(fixture *f, int64_t user_id)
{
	authkit_usage_summary *s = NULL;
	ck_assert_int_eq(authkit_usage_summary_get(f->ctx, user_id, 0, 0, AUTHKIT_USAGE_BY_SERVICE, &s), AUTHKIT_OK);
	int64_t events = authkit_usage_summary_count(s) ? authkit_usage_summary_events(s, 0) : 0;
	authkit_usage_summary_free(s);
	return events;
}

START_TEST(images_belong_to_their_owner)
{
	fixture f;
	fixture_open(&f, 0);
	const char *prompts[] = {"first", "second"};
	char ids[2][IG_ID_CHARS + 1];
	int64_t retry = -1;
	ck_assert_int_eq(ig_generate(&f.gen, 7, prompts, 2, NULL, ids, &retry), IG_GEN_OK);
	ck_assert_int_eq(retry, 0);
	ck_assert(ig_id_valid(ids[0]) && ig_id_valid(ids[1]));
	ck_assert_str_ne(ids[0], ids[1]);

	char *path = NULL;
	ck_assert_int_eq(ig_images_path_for_owner(f.gen.images, ids[0], 7, &path), 0);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	free(path);
	ck_assert_int_eq(ig_images_path_for_owner(f.gen.images, ids[0], 8, &path), 1);
	ck_assert_ptr_null(path);
	ck_assert_int_eq(ig_images_path_for_owner(f.gen.images, "../images.db", 7, &path), 1);
	ck_assert_int_eq(ig_images_path_for_owner(f.gen.images, "0123456789ABCDEF0123456789abcdef", 7, &path), 1);

	ig_image *list = NULL;
	size_t n = 0;
	ck_assert_int_eq(ig_images_list(f.gen.images, 7, 10, &list, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].id, ids[1]); /* newest first (same second: insertion order) */
	ck_assert_str_eq(list[0].prompt, "second");
	ck_assert_int_eq(list[0].created_at, NOON_MS / 1000);
	ck_assert_str_eq(list[0].story_id, "");
	ig_image_list_free(list, n);
	ck_assert_int_eq(ig_images_list(f.gen.images, 8, 10, &list, &n), 0);
	ck_assert_uint_eq(n, 0);
	ig_image_list_free(list, n);
	ck_assert_int_eq(usage_events(&f, 7), 2);
	fixture_close(&f);
}
END_TEST

START_TEST(story_is_refused_whole_when_it_does_not_fit)
{
	fixture f;
	fixture_open(&f, 5);
	const char *prompts[] = {"a", "b", "c"};
	char ids[3][IG_ID_CHARS + 1], story[IG_ID_CHARS + 1];
	ig_new_id(story);
	int64_t retry = -1;
	ck_assert_int_eq(ig_generate(&f.gen, 1, prompts, 3, story, ids, &retry), IG_GEN_OK);
	ck_assert_int_eq(ig_generate(&f.gen, 1, prompts, 3, story, ids, &retry), IG_GEN_QUOTA);
	ck_assert_int_eq(retry, 12 * 3600); /* until midnight UTC */
	int64_t count = 0;
	ck_assert_int_eq(ig_images_count(f.gen.images, 1, &count), 0);
	ck_assert_int_eq(count, 3);
	ck_assert_int_eq(usage_events(&f, 1), 3);
	/* Two still fit. */
	ck_assert_int_eq(ig_generate(&f.gen, 1, prompts, 2, NULL, ids, &retry), IG_GEN_OK);
	ig_image *list = NULL;
	size_t n = 0;
	ck_assert_int_eq(ig_images_list(f.gen.images, 1, 10, &list, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(list[4].story_id, story);
	ig_image_list_free(list, n);
	fixture_close(&f);
}
END_TEST

#define RACERS 8
#define RACE_QUOTA 5

typedef struct racer {
	fixture *f;
	int rc;
} racer;

static void *race_one(void *arg)
{
	racer *r = arg;
	const char *prompt[] = {"a race"};
	char id[1][IG_ID_CHARS + 1];
	int64_t retry = 0;
	r->rc = ig_generate(&r->f->gen, 3, prompt, 1, NULL, id, &retry);
	return NULL;
}

START_TEST(quota_is_a_hard_cap_under_concurrency)
{
	fixture f;
	fixture_open(&f, RACE_QUOTA);
	pthread_t threads[RACERS];
	racer racers[RACERS];
	for (int i = 0; i < RACERS; i++) {
		racers[i] = (racer){&f, -2};
		ck_assert_int_eq(pthread_create(&threads[i], NULL, race_one, &racers[i]), 0);
	}
	int ok = 0, refused = 0;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(threads[i], NULL);
		ok += racers[i].rc == IG_GEN_OK;
		refused += racers[i].rc == IG_GEN_QUOTA;
	}
	ck_assert_int_eq(ok, RACE_QUOTA);
	ck_assert_int_eq(refused, RACERS - RACE_QUOTA);
	int64_t count = 0;
	ck_assert_int_eq(ig_images_count(f.gen.images, 3, &count), 0);
	ck_assert_int_eq(count, RACE_QUOTA);
	ck_assert_int_eq(usage_events(&f, 3), RACE_QUOTA);
	fixture_close(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("imagegen-core");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, checksums_known_answers);
	tcase_add_test(tc, png_encoder_layout);
	tcase_add_test(tc, png_many_stored_blocks);
	tcase_add_test(tc, drawing_is_deterministic);
	tcase_add_test(tc, prompt_rules);
	tcase_add_test(tc, images_belong_to_their_owner);
	tcase_add_test(tc, story_is_refused_whole_when_it_does_not_fit);
	tcase_add_test(tc, quota_is_a_hard_cap_under_concurrency);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
