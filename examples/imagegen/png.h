/*
 * imagegen: a minimal PNG encoder (8-bit RGB, no interlace).
 *
 * The zlib stream uses "stored" deflate blocks (no compression), so the
 * encoder needs no dependency: CRC-32 and Adler-32 are computed here.
 */
#ifndef IG_PNG_H
#define IG_PNG_H

#include <stddef.h>
#include <stdint.h>

/** CRC-32 (ISO-HDLC, as PNG chunks use) of len bytes, continuing from crc (start with 0). */
uint32_t ig_crc32(uint32_t crc, const unsigned char *buf, size_t len);

/** Adler-32 (as zlib streams use) of len bytes, continuing from adler (start with 1). */
uint32_t ig_adler32(uint32_t adler, const unsigned char *buf, size_t len);

/**
 * Encode width x height pixels of rgb (3 bytes per pixel, rows top to
 * bottom, no padding) as a PNG. *out (malloc'd, free() it) and *out_len.
 * Returns 0, or -1 on a bad size (0 or > 8192) or out of memory.
 */
int ig_png_encode(const unsigned char *rgb, uint32_t width, uint32_t height, unsigned char **out, size_t *out_len);

#endif
