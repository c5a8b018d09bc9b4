/*
 * imagegen: the "model". Draws a picture deterministically from a prompt:
 * the prompt's SHA-256 seeds every choice (colours, sun, ridges, shapes), so
 * the same prompt always gives the same pixels, and the same PNG bytes.
 * Integer arithmetic only, so the output does not depend on the FPU.
 */
#ifndef IG_DRAW_H
#define IG_DRAW_H

#include <stddef.h>

#define IG_IMAGE_SIDE 256 /* pixels, width and height */

/** Draw prompt (len bytes) into rgb (IG_IMAGE_SIDE^2 * 3 bytes, RGB rows). */
void ig_draw(const char *prompt, size_t len, unsigned char *rgb);

/**
 * Draw and encode: *png (malloc'd, free() it) and *png_len.
 * Returns 0, or -1 when out of memory.
 */
int ig_generate_png(const char *prompt, size_t len, unsigned char **png, size_t *png_len);

#endif
