/*
 * Fuzz target: the request-body parsers of the example servers
 * (examples/common/ex_body.c), exactly as the servers call them on
 * attacker-controlled bodies: ex_json_parse() (JSON objects),
 * ex_form_parse() (application/x-www-form-urlencoded), ex_url_decode(),
 * ex_content_type_is() on the input as a Content-Type value, and the HTML
 * escaping used on every echoed string. Checks the parsers' promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ex_common.h"

static void check_form(const ex_form *f)
{
	static const char *const keys[] = {"username", "password", "csrf_token", "message", "a"};
	if (ex_form_count(f) > EX_FORM_FIELDS_MAX)
		abort();
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *v = ex_form_get(f, keys[i]);
		if (v)
			(void)strlen(v); /* a NUL-terminated string ASan can walk */
	}
}

static void check_json(json_t *j, const char *data, size_t size)
{
	if (!json_is_object(j))
		abort();
	/* What jansson accepted must survive a round trip. */
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		abort();
	json_t *again = ex_json_parse(text, strlen(text));
	if (!again || !json_equal(j, again))
		abort();
	json_decref(again);
	free(text);
	(void)data;
	(void)size;
}

static void check_escape(const char *s)
{
	char *e = ex_html_escape(s);
	if (!e)
		abort();
	if (strpbrk(e, "<>\"'"))
		abort();
	free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > EX_BODY_MAX)
		return 0; /* the server refuses these with 413 before parsing */
	const char *body = (const char *)data;

	json_t *j = ex_json_parse(body, size);
	if (j)
		check_json(j, body, size);
	json_decref(j);

	int oom = 0;
	ex_form *f = ex_form_parse(body, size, &oom);
	if (f)
		check_form(f);
	else if (oom)
		abort(); /* no allocation should fail here */
	ex_form_free(f);

	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)ex_content_type_is(s, "application/json");
	(void)ex_content_type_is(s, "application/x-www-form-urlencoded");
	check_escape(s);
	size_t len = strlen(s);
	long n = ex_url_decode(s, len);
	if (n > (long)len || (n >= 0 && (size_t)n != strlen(s)))
		abort();
	free(s);
	return 0;
}
