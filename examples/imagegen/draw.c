/* imagegen: deterministic pictures from prompts (see draw.h). */
#include "draw.h"
#include "png.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>

#define SIDE IG_IMAGE_SIDE

typedef struct rgb {
	int r, g, b;
} rgb;

/* splitmix64: a small, well-mixed generator; seeded from the prompt's hash. */
typedef struct rng {
	uint64_t state;
} rng;

static uint64_t rng_next(rng *g)
{
	uint64_t z = (g->state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Uniform-enough integer in [lo, hi]. */
static int rng_range(rng *g, int lo, int hi)
{
	return lo + (int)(rng_next(g) % (uint64_t)(hi - lo + 1));
}

static rgb rng_colour(rng *g, int lo, int hi)
{
	rgb c = {rng_range(g, lo, hi), rng_range(g, lo, hi), rng_range(g, lo, hi)};
	return c;
}

/* a + (b - a) * num / den, per channel. */
static rgb mix(rgb a, rgb b, int num, int den)
{
	rgb c = {a.r + (b.r - a.r) * num / den, a.g + (b.g - a.g) * num / den, a.b + (b.b - a.b) * num / den};
	return c;
}

static void put(unsigned char *px, int x, int y, rgb c)
{
	unsigned char *p = px + ((size_t)y * SIDE + (size_t)x) * 3;
	p[0] = (unsigned char)c.r;
	p[1] = (unsigned char)c.g;
	p[2] = (unsigned char)c.b;
}

static rgb get(const unsigned char *px, int x, int y)
{
	const unsigned char *p = px + ((size_t)y * SIDE + (size_t)x) * 3;
	rgb c = {p[0], p[1], p[2]};
	return c;
}

/* Blend c over pixel (x, y) with opacity alpha/256. */
static void blend(unsigned char *px, int x, int y, rgb c, int alpha)
{
	if (x < 0 || y < 0 || x >= SIDE || y >= SIDE)
		return;
	put(px, x, y, mix(get(px, x, y), c, alpha, 256));
}

static void sky(unsigned char *px, rgb top, rgb bottom)
{
	for (int y = 0; y < SIDE; y++) {
		rgb c = mix(top, bottom, y, SIDE - 1);
		for (int x = 0; x < SIDE; x++)
			put(px, x, y, c);
	}
}

/* A disc with a glow: opaque inside r, fading out over r..2r. */
static void sun(unsigned char *px, int cx, int cy, int r, rgb c)
{
	for (int y = cy - 2 * r; y <= cy + 2 * r; y++)
		for (int x = cx - 2 * r; x <= cx + 2 * r; x++) {
			int d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
			if (d2 <= r * r)
				blend(px, x, y, c, 256);
			else if (d2 <= 4 * r * r)
				blend(px, x, y, c, 96 * (4 * r * r - d2) / (3 * r * r));
		}
}

/* Triangle wave in [0, amp] of period p (> 0) at x + phase. */
static int tri(int x, int p, int phase, int amp)
{
	int t = (x + phase) % p;
	int half = p / 2 > 0 ? p / 2 : 1;
	return t < half ? amp * t / half : amp * (p - t) / (p - half);
}

/* A mountain ridge: the sum of three triangle waves around base_y, filled below. */
static void ridge(unsigned char *px, rng *g, int base_y, int amp, rgb c, rgb c_low)
{
	int p1 = rng_range(g, 60, 200), p2 = rng_range(g, 20, 70), p3 = rng_range(g, 7, 19);
	int f1 = rng_range(g, 0, 255), f2 = rng_range(g, 0, 255), f3 = rng_range(g, 0, 255);
	for (int x = 0; x < SIDE; x++) {
		int h = tri(x, p1, f1, amp) + tri(x, p2, f2, amp / 3) + tri(x, p3, f3, amp / 8);
		int top = base_y - h;
		if (top < 0)
			top = 0;
		for (int y = top; y < SIDE; y++)
			put(px, x, y, mix(c, c_low, y - top, SIDE - top));
	}
}

/* Translucent floating shapes: discs and squares. */
static void shapes(unsigned char *px, rng *g, int count)
{
	for (int i = 0; i < count; i++) {
		int cx = rng_range(g, 0, SIDE - 1), cy = rng_range(g, 0, SIDE / 2);
		int r = rng_range(g, 3, 14), alpha = rng_range(g, 40, 140);
		rgb c = rng_colour(g, 120, 255);
		int square = rng_range(g, 0, 1);
		for (int y = cy - r; y <= cy + r; y++)
			for (int x = cx - r; x <= cx + r; x++)
				if (square || (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
					blend(px, x, y, c, alpha);
	}
}

void ig_draw(const char *prompt, size_t len, unsigned char *rgb_out)
{
	unsigned char seed[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(seed, (const unsigned char *)prompt, len);
	rng g = {0};
	for (int i = 0; i < 8; i++)
		g.state = (g.state << 8) | seed[i];
	g.state ^= ((uint64_t)seed[8] << 56) | ((uint64_t)seed[9] << 48) | ((uint64_t)seed[10] << 40);

	rgb top = rng_colour(&g, 0, 120), bottom = rng_colour(&g, 110, 255);
	sky(rgb_out, top, bottom);
	shapes(rgb_out, &g, rng_range(&g, 4, 12));
	sun(rgb_out, rng_range(&g, 30, SIDE - 30), rng_range(&g, 30, SIDE / 2), rng_range(&g, 10, 28),
	    rng_colour(&g, 180, 255));

	int layers = rng_range(&g, 2, 4);
	for (int i = 0; i < layers; i++) {
		/* Farther ridges are higher on the canvas and closer to the sky's colour. */
		int base = SIDE / 2 + (i + 1) * (SIDE / 2) / (layers + 1);
		rgb land = rng_colour(&g, 20, 160);
		rgb far = mix(land, bottom, layers - i, layers + 1);
		ridge(rgb_out, &g, base, rng_range(&g, 20, 70), far, mix(far, (rgb){0, 0, 0}, 1, 2));
	}
}

int ig_generate_png(const char *prompt, size_t len, unsigned char **png, size_t *png_len)
{
	unsigned char *pixels = malloc((size_t)SIDE * SIDE * 3);
	if (!pixels)
		return -1;
	ig_draw(prompt, len, pixels);
	int rc = ig_png_encode(pixels, SIDE, SIDE, png, png_len);
	free(pixels);
	return rc;
}
