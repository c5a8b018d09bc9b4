/*
 * Body parsing, string building and HTML escaping: everything in ex_common
 * that does not touch the HTTP server, so the fuzz target can link it alone.
 */
#include "ex_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- string builder ---- */

static int buf_reserve(ex_buf *b, size_t extra)
{
	if (b->failed)
		return -1;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *bigger = realloc(b->data, cap);
	if (!bigger) {
		b->failed = 1;
		return -1;
	}
	b->data = bigger;
	b->cap = cap;
	return 0;
}

void ex_buf_append_n(ex_buf *b, const char *s, size_t n)
{
	if (buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void ex_buf_append(ex_buf *b, const char *s)
{
	ex_buf_append_n(b, s, strlen(s));
}

void ex_buf_appendf(ex_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void ex_buf_append_html(ex_buf *b, const char *s)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep;
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		ex_buf_append_n(b, run, (size_t)(s - run));
		ex_buf_append(b, rep);
		run = s + 1;
	}
	ex_buf_append_n(b, run, (size_t)(s - run));
}

char *ex_buf_steal(ex_buf *b)
{
	char *s = b->failed ? NULL : b->data;
	if (b->failed)
		free(b->data);
	else if (!s)
		s = strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
	return s;
}

void ex_buf_free(ex_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

char *ex_html_escape(const char *s)
{
	ex_buf b = {0};
	ex_buf_append_html(&b, s);
	return ex_buf_steal(&b);
}

void ex_page_begin(ex_buf *b, const char *title, const char *nav_html)
{
	ex_buf_append(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	                 "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	ex_buf_append_html(b, title);
	ex_buf_append(b, "</title></head>\n<body><header><strong>libauthkit example</strong>");
	if (nav_html) {
		ex_buf_append(b, " <nav>");
		ex_buf_append(b, nav_html);
		ex_buf_append(b, "</nav>");
	}
	ex_buf_append(b, "</header>\n<main>\n<h1>");
	ex_buf_append_html(b, title);
	ex_buf_append(b, "</h1>\n");
}

void ex_page_end(ex_buf *b)
{
	ex_buf_append(b, "</main>\n</body></html>\n");
}

void ex_html_csrf_field(ex_buf *b, const char *csrf)
{
	ex_buf_append(b, "<input type=\"hidden\" name=\"csrf_token\" value=\"");
	ex_buf_append_html(b, csrf ? csrf : "");
	ex_buf_append(b, "\">");
}

void ex_html_alert(ex_buf *b, const char *message)
{
	if (!message)
		return;
	ex_buf_append(b, "<p role=\"alert\"><strong>");
	ex_buf_append_html(b, message);
	ex_buf_append(b, "</strong></p>\n");
}

void ex_page_begin_signed_in(ex_buf *b, const char *title, const char *links_html, const char *logout_action,
                             const char *csrf)
{
	ex_buf nav = {0};
	ex_buf_append(&nav, links_html);
	ex_buf_appendf(&nav, " <form method=\"post\" action=\"%s\">", logout_action);
	ex_html_csrf_field(&nav, csrf);
	ex_buf_append(&nav, "<button type=\"submit\">Log out</button></form>");
	ex_page_begin(b, title, nav.data ? nav.data : "");
	ex_buf_free(&nav);
}

/* ---- JSON ---- */

json_t *ex_json_parse(const char *data, size_t len)
{
	json_error_t err;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (root && !json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- forms ---- */

struct ex_form {
	size_t count;
	char *keys[EX_FORM_FIELDS_MAX];
	char *values[EX_FORM_FIELDS_MAX];
	char *storage; /* one decoded copy of the body; keys and values point into it */
	size_t storage_len;
};

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long ex_url_decode(char *s, size_t len)
{
	size_t out = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (len - i < 3)
				return -1;
			int h = hex_value(s[i + 1]), l = hex_value(s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h << 4 | l);
			i += 2;
		}
		if (c == '\0')
			return -1;
		s[out++] = c;
	}
	s[out] = '\0';
	return (long)out;
}

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s;
		size_t n;
		unsigned min;
		if (c < 0x80) {
			s++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1, min = 0x80, c &= 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2, min = 0x800, c &= 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3, min = 0x10000, c &= 0x07;
		} else {
			return 0;
		}
		for (size_t k = 1; k <= n; k++) {
			if ((s[k] & 0xC0) != 0x80)
				return 0;
			c = c << 6 | (s[k] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return 0;
		s += n + 1;
	}
	return 1;
}

ex_form *ex_form_parse(const char *data, size_t len, int *oom_out)
{
	if (oom_out)
		*oom_out = 0;
	ex_form *f = calloc(1, sizeof *f);
	char *copy = f ? malloc(len + 1) : NULL;
	if (!copy) {
		free(f);
		if (oom_out)
			*oom_out = 1;
		return NULL;
	}
	memcpy(copy, data, len);
	copy[len] = '\0';
	f->storage = copy;
	f->storage_len = len;
	/* A body with a NUL byte in it is malformed (strchr below would stop). */
	if (memchr(data, '\0', len))
		goto malformed;
	char *p = copy;
	while (len && *p) {
		char *end = strchr(p, '&');
		if (end)
			*end = '\0';
		char *eq = strchr(p, '=');
		if (*p == '\0' || eq == p)
			goto malformed; /* empty pair or empty key */
		if (f->count == EX_FORM_FIELDS_MAX)
			goto malformed;
		char *value = "";
		if (eq) {
			*eq = '\0';
			value = eq + 1;
			if (ex_url_decode(value, strlen(value)) < 0)
				goto malformed;
		}
		if (ex_url_decode(p, strlen(p)) < 0 || !utf8_valid((unsigned char *)p) ||
		    !utf8_valid((unsigned char *)value))
			goto malformed;
		f->keys[f->count] = p;
		f->values[f->count] = value;
		f->count++;
		if (!end)
			break;
		p = end + 1;
		if (*p == '\0')
			goto malformed; /* trailing '&' */
	}
	return f;
malformed:
	ex_form_free(f);
	return NULL;
}

const char *ex_form_get(const ex_form *f, const char *key)
{
	if (!f || !key)
		return NULL;
	for (size_t i = 0; i < f->count; i++)
		if (strcmp(f->keys[i], key) == 0)
			return f->values[i];
	return NULL;
}

size_t ex_form_count(const ex_form *f)
{
	return f ? f->count : 0;
}

void ex_form_free(ex_form *f)
{
	if (!f)
		return;
	if (f->storage) {
		/* volatile stores so the wipe of a password is not optimised away */
		volatile char *v = f->storage;
		for (size_t i = 0; i < f->storage_len; i++)
			v[i] = 0;
		free(f->storage);
	}
	free(f);
}

int ex_content_type_is(const char *content_type, const char *type)
{
	if (!content_type || !type)
		return 0;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	size_t n = strlen(type);
	if (strncasecmp(content_type, type, n) != 0)
		return 0;
	char next = content_type[n];
	return next == '\0' || next == ';' || next == ' ' || next == '\t';
}
