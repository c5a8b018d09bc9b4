/* imagegen: a minimal PNG encoder (see png.h). */
#include "png.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define IG_PNG_MAX_SIDE 8192u
#define IG_STORED_BLOCK_MAX 65535u /* deflate stored blocks hold at most 65535 bytes */

/* Slicing-by-8 tables: crc_table[0] is the classic byte table; crc_table[k]
 * advances a byte through k more zero bytes, so eight bytes fold per step
 * (a 197 KB IDAT costs a fraction of a millisecond instead of most of one). */
static uint32_t crc_table[8][256];
static pthread_once_t crc_table_once = PTHREAD_ONCE_INIT;

static void crc_table_build(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[0][n] = c;
	}
	for (uint32_t n = 0; n < 256; n++)
		for (int k = 1; k < 8; k++)
			crc_table[k][n] = crc_table[0][crc_table[k - 1][n] & 0xFFu] ^ (crc_table[k - 1][n] >> 8);
}

static uint32_t load_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t ig_crc32(uint32_t crc, const unsigned char *buf, size_t len)
{
	/* Built on first use so callers need no init call. */
	pthread_once(&crc_table_once, crc_table_build);
	crc = ~crc;
	for (; len >= 8; len -= 8, buf += 8) {
		uint32_t lo = crc ^ load_le32(buf), hi = load_le32(buf + 4);
		crc = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^ crc_table[5][(lo >> 16) & 0xFF] ^
		      crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xFF] ^ crc_table[2][(hi >> 8) & 0xFF] ^
		      crc_table[1][(hi >> 16) & 0xFF] ^ crc_table[0][hi >> 24];
	}
	while (len--)
		crc = crc_table[0][(crc ^ *buf++) & 0xFFu] ^ (crc >> 8);
	return ~crc;
}

uint32_t ig_adler32(uint32_t adler, const unsigned char *buf, size_t len)
{
	uint32_t a = adler & 0xFFFFu, b = adler >> 16;
	while (len > 0) {
		/* 5552 is the largest n keeping b below 2^32 before the modulo (zlib's NMAX). */
		size_t n = len < 5552 ? len : 5552;
		len -= n;
		while (n--) {
			a += *buf++;
			b += a;
		}
		a %= 65521u;
		b %= 65521u;
	}
	return (b << 16) | a;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Write a chunk (length, type, data, CRC over type+data) at p; returns the byte count. */
static size_t put_chunk(unsigned char *p, const char type[4], const unsigned char *data, uint32_t len)
{
	put_be32(p, len);
	memcpy(p + 4, type, 4);
	if (len)
		memmove(p + 8, data, len);
	put_be32(p + 8 + len, ig_crc32(0, p + 4, (size_t)len + 4));
	return (size_t)len + 12;
}

/*
 * Copy n bytes of the raw scanline stream (each row: filter byte 0, then the
 * row's pixels) starting at offset into dst, straight from the pixels, so no
 * intermediate copy of the image is made.
 */
static void copy_scanlines(const unsigned char *rgb, size_t row_bytes, size_t offset, size_t n, unsigned char *dst)
{
	size_t stride = row_bytes + 1;
	while (n > 0) {
		size_t row = offset / stride, col = offset % stride;
		if (col == 0) {
			*dst++ = 0; /* filter type "None" */
			offset++;
			n--;
			continue;
		}
		size_t take = stride - col < n ? stride - col : n;
		memcpy(dst, rgb + row * row_bytes + (col - 1), take);
		dst += take;
		offset += take;
		n -= take;
	}
}

/* The zlib stream of the scanlines (header, stored blocks, Adler-32) written at out; returns its length. */
static size_t zlib_stored(const unsigned char *rgb, size_t row_bytes, size_t raw_len, unsigned char *out)
{
	unsigned char *p = out;
	*p++ = 0x78; /* CM=8 (deflate), CINFO=7 (32 KiB window) */
	*p++ = 0x01; /* FLEVEL=0, FCHECK so that 0x7801 % 31 == 0 */
	uint32_t adler = 1;
	size_t done = 0;
	do {
		size_t n = raw_len - done < IG_STORED_BLOCK_MAX ? raw_len - done : IG_STORED_BLOCK_MAX;
		int final = done + n == raw_len;
		*p++ = (unsigned char)final; /* BFINAL, BTYPE=00 (stored) */
		*p++ = (unsigned char)(n & 0xFF);
		*p++ = (unsigned char)(n >> 8);
		*p++ = (unsigned char)(~n & 0xFF);
		*p++ = (unsigned char)((~n >> 8) & 0xFF);
		copy_scanlines(rgb, row_bytes, done, n, p);
		adler = ig_adler32(adler, p, n);
		p += n;
		done += n;
	} while (done < raw_len);
	put_be32(p, adler);
	return (size_t)(p - out) + 4;
}

int ig_png_encode(const unsigned char *rgb, uint32_t width, uint32_t height, unsigned char **out, size_t *out_len)
{
	static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
	if (!rgb || !out || !out_len || width == 0 || height == 0 || width > IG_PNG_MAX_SIDE ||
	    height > IG_PNG_MAX_SIDE)
		return -1;
	size_t row_bytes = (size_t)width * 3;
	size_t raw_len = (row_bytes + 1) * height; /* a filter byte before each row */
	size_t blocks = (raw_len + IG_STORED_BLOCK_MAX - 1) / IG_STORED_BLOCK_MAX;
	size_t zlen = 2 + blocks * 5 + raw_len + 4;
	size_t total = sizeof signature + (12 + 13) + (12 + zlen) + 12;

	/* IDAT data is built in place after its 8-byte chunk header. */
	unsigned char *png = malloc(total);
	if (!png)
		return -1;

	unsigned char *p = png;
	memcpy(p, signature, sizeof signature);
	p += sizeof signature;

	unsigned char ihdr[13];
	put_be32(ihdr, width);
	put_be32(ihdr + 4, height);
	ihdr[8] = 8;  /* bit depth */
	ihdr[9] = 2;  /* colour type: truecolour (RGB) */
	ihdr[10] = 0; /* compression: deflate */
	ihdr[11] = 0; /* filter method 0 */
	ihdr[12] = 0; /* no interlace */
	p += put_chunk(p, "IHDR", ihdr, sizeof ihdr);

	size_t written = zlib_stored(rgb, row_bytes, raw_len, p + 8);
	p += put_chunk(p, "IDAT", p + 8, (uint32_t)written);
	p += put_chunk(p, "IEND", NULL, 0);

	*out = png;
	*out_len = (size_t)(p - png);
	return 0;
}
