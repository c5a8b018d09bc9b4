/*
 * The image-generation example's cost per image, in process: what the
 * server adds around the "model" (daily quota check and charge, the PNG file,
 * the image row, the usage event) next to drawing and encoding alone.
 * bench/bench_imagegen.sh measures the same over HTTP with wrk.
 *
 *   bench_imagegen [--quick] [--data-dir DIR]
 */
#include <authkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_common.h"
#include "draw.h"
#include "generate.h"
#include "images.h"

#define ROUNDS 5

/* Median microseconds per image of n draw+encode runs. */
static double raw_us(int n)
{
	double v[ROUNDS];
	char prompt[64];
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_s();
		for (int i = 0; i < n; i++) {
			unsigned char *png = NULL;
			size_t len = 0;
			snprintf(prompt, sizeof prompt, "raw prompt %d-%d", r, i);
			if (ig_generate_png(prompt, strlen(prompt), &png, &len) != 0)
				bench_errors++;
			free(png);
		}
		v[r] = (now_s() - t0) * 1e6 / n;
	}
	return median(v, ROUNDS);
}

/* Median microseconds per image of n full generations (one request, one image each). */
static double service_us(ig_generator *g, int n)
{
	double v[ROUNDS];
	char prompt[64], id[1][IG_ID_CHARS + 1];
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_s();
		for (int i = 0; i < n; i++) {
			snprintf(prompt, sizeof prompt, "service prompt %d-%d", r, i);
			const char *p[1] = {prompt};
			int64_t retry = 0;
			if (ig_generate(g, 1, p, 1, NULL, id, &retry) != IG_GEN_OK)
				bench_errors++;
		}
		v[r] = (now_s() - t0) * 1e6 / n;
	}
	return median(v, ROUNDS);
}

int main(int argc, char **argv)
{
	bool quick;
	char data_dir[1024];
	if (parse_common_args(argc, argv, &quick, data_dir, sizeof data_dir))
		return 2;
	load_probe load;
	if (bench_start("image-generation example", quick, "", data_dir, &load))
		return 1;
	int n = quick ? 5 : 100;

	char dir[1100], db[1200], cmd[1300];
	snprintf(dir, sizeof dir, "%s/authkit-bench-imagegen-%ld", data_dir, (long)getpid());
	snprintf(db, sizeof db, "%s/auth.db", dir);
	mkdir(dir, 0700);
	authkit_ctx *ctx = NULL;
	int rc = authkit_open(&ctx, db);
	ig_generator g = {.ctx = ctx, .quota_per_day = 1000000000};
	if (rc != AUTHKIT_OK) {
		fail("authkit_open", rc);
	} else if (ig_images_open(dir, &g.images) != 0) {
		bench_errors++;
	} else {
		printf("    %d images of %dx%d per round, median of %d rounds; files and rows under %s\n", n, IG_IMAGE_SIDE,
		       IG_IMAGE_SIDE, ROUNDS, dir);
		double raw = raw_us(n);
		double full = service_us(&g, n);
		row_info(add_row("generate_image", "service", full, "draw+png", raw, "us"));
	}
	ig_images_close(g.images);
	authkit_ctx_free(ctx);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		bench_errors++;
	return bench_finish(&load);
}
