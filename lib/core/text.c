/* Small text helpers: UTF-8 validation, ASCII case folding. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

static size_t utf8_sequence_length(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0; /* continuation byte, overlong lead (C0, C1) or > U+10FFFF (F5..FF) */
}

/* Second-byte ranges exclude overlongs, surrogates and code points past U+10FFFF. */
static bool utf8_second_byte_ok(unsigned char lead, unsigned char b)
{
	switch (lead) {
	case 0xE0: return b >= 0xA0 && b <= 0xBF;
	case 0xED: return b >= 0x80 && b <= 0x9F;
	case 0xF0: return b >= 0x90 && b <= 0xBF;
	case 0xF4: return b >= 0x80 && b <= 0x8F;
	default: return b >= 0x80 && b <= 0xBF;
	}
}

bool ak_utf8_valid(const char *s, size_t len, size_t *codepoints_out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, count = 0;
	while (i < len) {
		size_t n = utf8_sequence_length(p[i]);
		if (n == 0 || i + n > len)
			return false;
		if (p[i] == 0)
			return false; /* embedded NUL */
		if (n > 1 && !utf8_second_byte_ok(p[i], p[i + 1]))
			return false;
		for (size_t k = 2; k < n; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
		i += n;
		count++;
	}
	if (codepoints_out)
		*codepoints_out = count;
	return true;
}

bool ak_has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F)
			return true;
	}
	return false;
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool ak_ascii_lower(char *dst, size_t dst_size, const char *src)
{
	size_t n = strlen(src);
	if (n >= dst_size)
		return false;
	for (size_t i = 0; i <= n; i++)
		dst[i] = ascii_lower(src[i]);
	return true;
}

bool ak_contains_nocase(const char *haystack, const char *needle)
{
	size_t hn = strlen(haystack), nn = strlen(needle);
	if (nn == 0 || nn > hn)
		return false;
	for (size_t i = 0; i + nn <= hn; i++) {
		size_t k = 0;
		while (k < nn && ascii_lower(haystack[i + k]) == ascii_lower(needle[k]))
			k++;
		if (k == nn)
			return true;
	}
	return false;
}

void ak_strlcpy(char *dst, const char *src, size_t dst_size)
{
	if (dst_size == 0)
		return;
	size_t n = strnlen(src, dst_size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

bool ak_array_reserve(void *items_field, size_t *capacity, size_t count, size_t elem_size)
{
	if (count < *capacity)
		return true;
	void *items;
	memcpy(&items, items_field, sizeof items);
	size_t cap = *capacity ? *capacity * 2 : 16;
	void *grown = realloc(items, cap * elem_size);
	if (!grown)
		return false;
	memcpy(items_field, &grown, sizeof grown);
	*capacity = cap;
	return true;
}
