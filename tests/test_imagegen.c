/*
 * The image-generation example server over real HTTP (libcurl through
 * tests/server_harness): every route, happy paths and refusals, PNG
 * validity checked with an independent decoder of the container, and no
 * password, token or API key in a response body or log line where it does
 * not belong.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_harness.h"

static const char *const PASSWORD = "correct horse battery staple";

static void start(hs_server *s, const char *const *args, const char *const *env)
{
	hs_start(s, hs_binary_from_env("IMAGEGEN_BINARY"), args, env);
	/* The password must never be echoed, in a body or in the log. */
	hs_forbid(s, PASSWORD, HS_ANYWHERE);
}

/* ---- an independent PNG check: chunk layout, CRCs, IHDR, zlib stored blocks, Adler-32 ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Bit-by-bit CRC-32, deliberately not the server's table-driven one. */
static uint32_t crc32_bitwise(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return ~c;
}

/* Asserts png is a valid 8-bit RGB PNG of side x side; returns nothing. */
static void assert_valid_png(const unsigned char *png, size_t len, uint32_t side)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
	ck_assert_uint_ge(len, 8 + 25 + 12);
	ck_assert_mem_eq(png, sig, 8);
	size_t pos = 8, idat_len = 0;
	unsigned char *idat = malloc(len);
	int chunks = 0, saw_iend = 0;
	ck_assert_ptr_nonnull(idat);
	while (pos + 12 <= len && !saw_iend) {
		uint32_t n = be32(png + pos);
		ck_assert_uint_le(pos + 12 + n, len);
		const unsigned char *type = png + pos + 4, *data = png + pos + 8;
		ck_assert_uint_eq(be32(data + n), crc32_bitwise(type, (size_t)n + 4));
		if (chunks == 0) {
			ck_assert_mem_eq(type, "IHDR", 4);
			ck_assert_uint_eq(n, 13);
			ck_assert_uint_eq(be32(data), side);
			ck_assert_uint_eq(be32(data + 4), side);
			ck_assert_uint_eq(data[8], 8); /* bit depth */
			ck_assert_uint_eq(data[9], 2); /* RGB */
		} else if (memcmp(type, "IDAT", 4) == 0) {
			memcpy(idat + idat_len, data, n);
			idat_len += n;
		} else if (memcmp(type, "IEND", 4) == 0) {
			saw_iend = 1;
		}
		chunks++;
		pos += 12 + n;
	}
	ck_assert(saw_iend);
	ck_assert_uint_eq(pos, len);
	/* zlib: header, stored blocks only (what this encoder writes), Adler-32 of the raw rows. */
	ck_assert_uint_eq((idat[0] * 256u + idat[1]) % 31u, 0);
	size_t p = 2, raw_len = 0;
	unsigned char *raw = malloc(idat_len);
	int final = 0;
	while (!final) {
		final = idat[p] & 1;
		ck_assert_uint_eq(idat[p] >> 1 & 3, 0);
		unsigned bl = idat[p + 1] | idat[p + 2] << 8, nbl = idat[p + 3] | idat[p + 4] << 8;
		ck_assert_uint_eq(bl ^ 0xFFFFu, nbl);
		memcpy(raw + raw_len, idat + p + 5, bl);
		raw_len += bl;
		p += 5 + bl;
	}
	ck_assert_uint_eq(raw_len, (size_t)side * (side * 3 + 1));
	uint32_t a = 1, b = 0;
	for (size_t i = 0; i < raw_len; i++) {
		a = (a + raw[i]) % 65521u;
		b = (b + a) % 65521u;
	}
	ck_assert_uint_eq(be32(idat + p), b << 16 | a);
	ck_assert_uint_eq(p + 4, idat_len);
	for (uint32_t y = 0; y < side; y++)
		ck_assert_uint_eq(raw[(size_t)y * (side * 3 + 1)], 0); /* filter byte */
	free(raw);
	free(idat);
}

/* ---- users ---- */

static void register_json(hs_server *s, const char *name)
{
	char body[256];
	snprintf(body, sizeof body, "{\"username\":\"%s\",\"email\":\"%s@example.com\",\"password\":\"%s\"}", name, name,
	         PASSWORD);
	hs_response r;
	hs_post_json(s, "/register", body, NULL, &r);
	ck_assert_int_eq(r.status, 201);
	json_t *j = hs_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(j, "username")), name);
	json_decref(j);
	hs_response_free(&r);
}

/* Log in over the JSON API; returns the access token (free()). */
static char *login_token(hs_server *s, const char *name)
{
	char body[256];
	snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", name, PASSWORD);
	hs_response r;
	hs_post_json(s, "/login", body, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	char *token = hs_json_string(&r, "access_token");
	char *refresh = hs_json_string(&r, "refresh_token");
	char *type = hs_json_string(&r, "token_type");
	ck_assert_str_eq(type, "bearer");
	hs_forbid(s, token, HS_IN_LOG);
	hs_forbid(s, refresh, HS_IN_LOG);
	free(refresh);
	free(type);
	hs_response_free(&r);
	return token;
}

/* The value of the first hidden csrf_token field of an HTML page (free()). */
static char *page_csrf(const hs_response *r)
{
	const char *marker = "name=\"csrf_token\" value=\"";
	const char *p = strstr(r->body, marker);
	ck_assert_msg(p != NULL, "no csrf_token field in the page");
	p += strlen(marker);
	const char *end = strchr(p, '"');
	ck_assert_ptr_nonnull(end);
	ck_assert_uint_eq((size_t)(end - p), 64);
	return strndup(p, (size_t)(end - p));
}

/* Register through the web form: returns the session cookie (free()); asserts its attributes. */
static char *register_web(hs_server *s, const char *name)
{
	char form[256];
	snprintf(form, sizeof form, "username=%s&email=%s%%40example.com&password=correct+horse+battery+staple", name,
	         name);
	hs_response r;
	hs_post_form(s, "/register", form, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 303);
	char *location = hs_header(&r, "Location");
	ck_assert_str_eq(location, "/dashboard");
	char *attrs = NULL;
	char *cookie = hs_set_cookie(&r, &attrs);
	ck_assert_ptr_nonnull(cookie);
	ck_assert_ptr_nonnull(strstr(attrs, "HttpOnly"));
	ck_assert_ptr_nonnull(strstr(attrs, "SameSite=Lax"));
	ck_assert_ptr_nonnull(strstr(attrs, "Path=/"));
	hs_forbid(s, strchr(cookie, '=') + 1, HS_IN_LOG);
	free(attrs);
	free(location);
	hs_response_free(&r);
	return cookie;
}

/* A CSRF token for a cookie session, from the generate page. */
static char *csrf_for(hs_server *s, const char *cookie)
{
	hs_response r;
	hs_get(s, "/generate", NULL, cookie, &r);
	ck_assert_int_eq(r.status, 200);
	char *csrf = page_csrf(&r);
	hs_response_free(&r);
	return csrf;
}

/* POST /api/generate-image with a bearer token or API key; returns the image id (free()) on 201. */
static char *generate(hs_server *s, const char *bearer, const char *prompt, long expect_status)
{
	char body[1200];
	snprintf(body, sizeof body, "{\"prompt\":\"%s\"}", prompt);
	hs_response r;
	hs_post_json(s, "/api/generate-image", body, bearer, &r);
	ck_assert_int_eq(r.status, expect_status);
	char *id = NULL;
	if (expect_status == 201) {
		id = hs_json_string(&r, "id");
		char *url = hs_json_string(&r, "url");
		char want[128];
		snprintf(want, sizeof want, "/images/%s", id);
		ck_assert_str_eq(url, want);
		free(url);
	}
	hs_response_free(&r);
	return id;
}

static void fetch_image(hs_server *s, const char *id, const char *bearer, const char *cookie, hs_response *r)
{
	char path[128];
	snprintf(path, sizeof path, "/images/%s", id);
	hs_get(s, path, bearer, cookie, r);
}

/* ---- tests ---- */

START_TEST(api_generate_and_download_valid_png)
{
	hs_server s;
	start(&s, NULL, NULL);
	register_json(&s, "alice");
	char *token = login_token(&s, "alice");
	char *id = generate(&s, token, "a lighthouse at dawn", 201);
	char *again = generate(&s, token, "a lighthouse at dawn", 201);
	char *other = generate(&s, token, "a forest in autumn", 201);
	ck_assert_str_ne(id, again);

	hs_response r1, r2, r3;
	fetch_image(&s, id, token, NULL, &r1);
	ck_assert_int_eq(r1.status, 200);
	char *ctype = hs_header(&r1, "Content-Type");
	ck_assert_str_eq(ctype, "image/png");
	assert_valid_png((const unsigned char *)r1.body, r1.body_len, 256);
	fetch_image(&s, again, token, NULL, &r2);
	fetch_image(&s, other, token, NULL, &r3);
	assert_valid_png((const unsigned char *)r3.body, r3.body_len, 256);
	/* Deterministic: the same prompt, the same bytes; another prompt, another picture. */
	ck_assert_uint_eq(r1.body_len, r2.body_len);
	ck_assert_mem_eq(r1.body, r2.body, r1.body_len);
	ck_assert(r1.body_len != r3.body_len || memcmp(r1.body, r3.body, r1.body_len) != 0);
	/* The ".png" spelling of the URL works too. */
	char path[128];
	hs_response r4;
	snprintf(path, sizeof path, "/images/%s.png", id);
	hs_get(&s, path, token, NULL, &r4);
	ck_assert_int_eq(r4.status, 200);
	ck_assert_uint_eq(r4.body_len, r1.body_len);
	hs_response_free(&r4);

	/* The file is on disk under the data directory. */
	char name[128];
	snprintf(name, sizeof name, "images/%s.png", id);
	char *file = hs_read_data_file(&s, name);
	ck_assert_ptr_nonnull(file);
	free(file);

	free(ctype);
	hs_response_free(&r1);
	hs_response_free(&r2);
	hs_response_free(&r3);
	free(id);
	free(again);
	free(other);
	free(token);
	hs_stop(&s);
}
END_TEST

START_TEST(api_generate_story)
{
	hs_server s;
	start(&s, NULL, NULL);
	register_json(&s, "teller");
	char *token = login_token(&s, "teller");
	hs_response r;
	hs_post_json(&s, "/api/generate-story", "{\"prompts\":[\"a seed\",\"a sprout\",\"a tree\"]}", token, &r);
	ck_assert_int_eq(r.status, 201);
	json_t *j = hs_json(&r);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(j, "story_id"))), 32);
	json_t *images = json_object_get(j, "images");
	ck_assert_uint_eq(json_array_size(images), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(images, 2), "prompt")), "a tree");
	hs_response img;
	fetch_image(&s, json_string_value(json_object_get(json_array_get(images, 1), "id")), token, NULL, &img);
	ck_assert_int_eq(img.status, 200);
	assert_valid_png((const unsigned char *)img.body, img.body_len, 256);
	hs_response_free(&img);
	json_decref(j);
	hs_response_free(&r);

	/* One prompt and a number of scenes. */
	hs_post_json(&s, "/api/generate-story", "{\"prompt\":\"a voyage\",\"scenes\":2}", token, &r);
	ck_assert_int_eq(r.status, 201);
	j = hs_json(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "images")), 2);
	json_decref(j);
	hs_response_free(&r);

	/* Bad stories: 400 with a JSON error. */
	const char *bad[] = {"{\"prompts\":[]}", "{\"prompts\":[1,2]}", "{\"prompt\":\"x\",\"scenes\":9}",
	                     "{\"prompt\":\"x\",\"scenes\":\"2\"}", "{}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hs_post_json(&s, "/api/generate-story", bad[i], token, &r);
		hs_assert_error(&r, 400, "invalid");
		hs_response_free(&r);
	}
	free(token);
	hs_stop(&s);
}
END_TEST

START_TEST(web_register_dashboard_generate_gallery_logout)
{
	hs_server s;
	start(&s, NULL, NULL);
	hs_response r;
	hs_get(&s, "/register", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "<form method=\"post\" action=\"/register\">"));
	hs_response_free(&r);
	hs_get(&s, "/login", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	hs_response_free(&r);

	char *cookie = register_web(&s, "bob");
	hs_get(&s, "/dashboard", NULL, cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "<strong>bob</strong>"));
	ck_assert_ptr_nonnull(strstr(r.body, "No images yet"));
	char *csrf = page_csrf(&r); /* the logout form's */
	hs_response_free(&r);

	/* A prompt with markup is stored verbatim and shown escaped. */
	char form[256];
	snprintf(form, sizeof form, "csrf_token=%s&prompt=%%3Cscript%%3Ealert(1)%%3C%%2Fscript%%3E+sky&scenes=2", csrf);
	hs_post_form(&s, "/generate", form, cookie, NULL, &r);
	ck_assert_int_eq(r.status, 303);
	char *location = hs_header(&r, "Location");
	ck_assert_str_eq(location, "/gallery");
	free(location);
	hs_response_free(&r);

	hs_get(&s, "/gallery", NULL, cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "<script>"));
	ck_assert_ptr_nonnull(strstr(r.body, "&lt;script&gt;alert(1)&lt;/script&gt; sky (scene 2 of 2)"));
	const char *img = strstr(r.body, "<img src=\"/images/");
	ck_assert_ptr_nonnull(img);
	char id[33];
	memcpy(id, img + strlen("<img src=\"/images/"), 32);
	id[32] = '\0';
	hs_response_free(&r);

	/* The cookie alone fetches the user's image. */
	fetch_image(&s, id, NULL, cookie, &r);
	ck_assert_int_eq(r.status, 200);
	hs_response_free(&r);

	hs_get(&s, "/dashboard", NULL, cookie, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "<li>Images: 2</li>"));
	ck_assert_ptr_nonnull(strstr(r.body, "<li>Generations recorded: 2</li>"));
	ck_assert_ptr_nonnull(strstr(r.body, "Today&#39;s quota") ? strstr(r.body, "Today&#39;s quota")
	                                                          : strstr(r.body, "Today's quota"));
	hs_response_free(&r);

	/* Logout revokes the session: the old cookie now leads to the login page. */
	snprintf(form, sizeof form, "csrf_token=%s", csrf);
	hs_post_form(&s, "/logout", form, cookie, NULL, &r);
	ck_assert_int_eq(r.status, 303);
	char *attrs = NULL;
	free(hs_set_cookie(&r, &attrs));
	ck_assert_ptr_nonnull(strstr(attrs, "Max-Age=0"));
	free(attrs);
	hs_response_free(&r);
	hs_get(&s, "/dashboard", NULL, cookie, &r);
	ck_assert_int_eq(r.status, 303);
	location = hs_header(&r, "Location");
	ck_assert_str_eq(location, "/login");
	free(location);
	hs_response_free(&r);

	/* Log in again through the form. */
	hs_post_form(&s, "/login", "username=bob&password=correct+horse+battery+staple", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 303);
	char *cookie2 = hs_set_cookie(&r, NULL);
	ck_assert_ptr_nonnull(cookie2);
	ck_assert_str_ne(cookie2, cookie);
	hs_response_free(&r);
	hs_get(&s, "/", NULL, cookie2, &r);
	ck_assert_int_eq(r.status, 303);
	location = hs_header(&r, "Location");
	ck_assert_str_eq(location, "/dashboard");
	free(location);
	hs_response_free(&r);

	free(cookie2);
	free(csrf);
	free(cookie);
	hs_stop(&s);
}
END_TEST

START_TEST(csrf_missing_or_wrong_is_403)
{
	hs_server s;
	start(&s, NULL, NULL);
	char *cookie = register_web(&s, "carol");
	char *csrf = csrf_for(&s, cookie);
	char *other_cookie = register_web(&s, "dave");
	char *other_csrf = csrf_for(&s, other_cookie);
	hs_response r;

	/* JSON API with the session cookie: the token goes in X-CSRF-Token. */
	hs_request rq = {.method = "POST", .path = "/api/generate-image", .content_type = "application/json",
	                 .body = "{\"prompt\":\"a kite\"}", .cookie = cookie};
	hs_do(&s, &rq, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);
	rq.csrf = other_csrf; /* another session's token */
	hs_do(&s, &rq, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);
	rq.csrf = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	hs_do(&s, &rq, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);
	rq.csrf = csrf;
	hs_do(&s, &rq, &r);
	ck_assert_int_eq(r.status, 201);
	hs_response_free(&r);

	/* Forms: no field, or a wrong one. */
	hs_post_form(&s, "/generate", "prompt=a+kite", cookie, NULL, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);
	char form[256];
	snprintf(form, sizeof form, "csrf_token=%s&prompt=a+kite", other_csrf);
	hs_post_form(&s, "/generate", form, cookie, NULL, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);
	hs_post_form(&s, "/logout", "", cookie, NULL, &r);
	hs_assert_error(&r, 403, "csrf");
	hs_response_free(&r);

	/* Login and register from another site's page are refused. */
	const char *cross[] = {"Origin: http://evil.example", NULL};
	hs_request login = {.method = "POST", .path = "/login", .content_type = "application/x-www-form-urlencoded",
	                    .body = "username=carol&password=correct+horse+battery+staple", .headers = cross};
	hs_do(&s, &login, &r);
	hs_assert_error(&r, 403, "forbidden");
	ck_assert_ptr_null(hs_set_cookie(&r, NULL));
	hs_response_free(&r);
	const char *fetch_cross[] = {"Sec-Fetch-Site: cross-site", NULL};
	login.headers = fetch_cross;
	hs_do(&s, &login, &r);
	hs_assert_error(&r, 403, "forbidden");
	hs_response_free(&r);
	char same[128];
	snprintf(same, sizeof same, "Origin: http://127.0.0.1:%u", s.port);
	const char *same_origin[] = {same, NULL};
	login.headers = same_origin;
	hs_do(&s, &login, &r);
	ck_assert_int_eq(r.status, 303);
	hs_response_free(&r);

	free(csrf);
	free(other_csrf);
	free(cookie);
	free(other_cookie);
	hs_stop(&s);
}
END_TEST

START_TEST(wrong_password_and_locked_account)
{
	const char *env[] = {"AUTHKIT_MAX_LOGIN_ATTEMPTS=3", NULL};
	hs_server s;
	start(&s, NULL, env);
	register_json(&s, "erin");
	hs_forbid(&s, "not the right password", HS_ANYWHERE);
	hs_response r;
	hs_post_json(&s, "/login", "{\"username\":\"erin\",\"password\":\"not the right password\"}", NULL, &r);
	ck_assert_int_eq(r.status, 401);
	char *www = hs_header(&r, "WWW-Authenticate");
	ck_assert_ptr_nonnull(www);
	ck_assert_int_eq(strncmp(www, "Bearer", 6), 0);
	free(www);
	json_t *j = hs_json(&r);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "error")));
	json_decref(j);
	hs_response_free(&r);
	/* The form says one generic thing and refills the username, never the password. */
	hs_post_form(&s, "/login", "username=erin&password=not+the+right+password", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	ck_assert_ptr_nonnull(strstr(r.body, "Invalid username or password."));
	ck_assert_ptr_nonnull(strstr(r.body, "value=\"erin\""));
	ck_assert_ptr_null(hs_set_cookie(&r, NULL));
	hs_response_free(&r);
	/* An unknown user gets exactly the same answer. */
	hs_post_json(&s, "/login", "{\"username\":\"nobody\",\"password\":\"not the right password\"}", NULL, &r);
	ck_assert_int_eq(r.status, 401);
	hs_response_free(&r);
	/* Third failure locks the account: now the right password fails too, the same way. */
	hs_post_json(&s, "/login", "{\"email\":\"erin@example.com\",\"password\":\"not the right password\"}", NULL, &r);
	ck_assert_int_eq(r.status, 401);
	hs_response_free(&r);
	char body[200];
	snprintf(body, sizeof body, "{\"username\":\"erin\",\"password\":\"%s\"}", PASSWORD);
	hs_post_json(&s, "/login", body, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	hs_response_free(&r);
	/* A password over the library's 4096-byte cap is the same 401, not a 400. */
	char *huge = malloc(6000);
	int n = snprintf(huge, 6000, "{\"username\":\"zed\",\"password\":\"");
	memset(huge + n, 'p', 5000);
	strcpy(huge + n + 5000, "\"}");
	hs_post_json(&s, "/login", huge, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	hs_response_free(&r);
	free(huge);
	/* Missing fields. */
	hs_post_json(&s, "/login", "{\"username\":\"erin\"}", NULL, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	hs_stop(&s);
}
END_TEST

START_TEST(bad_requests)
{
	hs_server s;
	start(&s, NULL, NULL);
	register_json(&s, "frank");
	char *token = login_token(&s, "frank");
	hs_response r;

	hs_post_json(&s, "/api/generate-image", "{\"prompt\": ", token, &r);
	hs_assert_error(&r, 400, "malformed_json");
	hs_response_free(&r);
	hs_post_json(&s, "/api/generate-image", "[\"a list\"]", token, &r);
	ck_assert_int_eq(r.status, 400);
	hs_response_free(&r);
	hs_post_json(&s, "/api/generate-image", "{\"prompt\": 42}", token, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	hs_post_json(&s, "/api/generate-image", "{\"prompt\": \"\"}", token, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	hs_post_json(&s, "/api/generate-image", "{\"prompt\": \"bell\\u0007\"}", token, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	char *long_prompt = malloc(1100 + 20);
	strcpy(long_prompt, "{\"prompt\":\"");
	memset(long_prompt + 11, 'x', 1001);
	strcpy(long_prompt + 1012, "\"}");
	hs_post_json(&s, "/api/generate-image", long_prompt, token, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	free(long_prompt);

	/* Malformed form bodies. */
	hs_post_form(&s, "/register", "username=%zz&email=x", NULL, NULL, &r);
	hs_assert_error(&r, 400, "malformed_form");
	hs_response_free(&r);
	hs_post_form(&s, "/login", "username=a%00b&password=x", NULL, NULL, &r);
	hs_assert_error(&r, 400, "malformed_form");
	hs_response_free(&r);

	/* Wrong content type. */
	hs_request rq = {.method = "POST", .path = "/api/generate-image", .content_type = "text/plain",
	                 .body = "{\"prompt\":\"x\"}", .bearer = token};
	hs_do(&s, &rq, &r);
	hs_assert_error(&r, 415, "unsupported_media_type");
	hs_response_free(&r);
	rq.content_type = "application/x-www-form-urlencoded";
	rq.body = "prompt=x";
	hs_do(&s, &rq, &r);
	ck_assert_int_eq(r.status, 415);
	hs_response_free(&r);

	/* Oversized body: 413. */
	size_t big_len = 70 * 1024;
	char *big = malloc(big_len + 1);
	memset(big, ' ', big_len);
	big[0] = '{';
	big[big_len - 1] = '}';
	big[big_len] = '\0';
	hs_post_json(&s, "/api/generate-image", big, token, &r);
	ck_assert_int_eq(r.status, 413);
	json_decref(hs_json(&r));
	hs_response_free(&r);
	free(big);

	/* Unknown routes and methods. */
	hs_get(&s, "/nope", NULL, NULL, &r);
	hs_assert_error(&r, 404, "not_found");
	hs_response_free(&r);
	hs_get(&s, "/api/generate-image", token, NULL, &r);
	hs_assert_error(&r, 405, "method_not_allowed");
	hs_response_free(&r);

	free(token);
	hs_stop(&s);
}
END_TEST

START_TEST(quota_exceeded_is_429_with_retry_after)
{
	const char *args[] = {"--quota-per-day", "3", NULL};
	hs_server s;
	start(&s, args, NULL);
	register_json(&s, "gina");
	char *token = login_token(&s, "gina");
	free(generate(&s, token, "one", 201));
	free(generate(&s, token, "two", 201));
	/* A story of two does not fit in the one image left: refused whole. */
	hs_response r;
	hs_post_json(&s, "/api/generate-story", "{\"prompts\":[\"a\",\"b\"]}", token, &r);
	hs_assert_error(&r, 429, "limit");
	hs_response_free(&r);
	free(generate(&s, token, "three", 201));

	hs_post_json(&s, "/api/generate-image", "{\"prompt\":\"four\"}", token, &r);
	hs_assert_error(&r, 429, "limit");
	char *retry = hs_header(&r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	long secs = strtol(retry, NULL, 10);
	ck_assert_int_ge(secs, 1);
	ck_assert_int_le(secs, 86400);
	free(retry);
	hs_response_free(&r);

	/* The quota is per user. */
	register_json(&s, "hank");
	char *token2 = login_token(&s, "hank");
	free(generate(&s, token2, "mine", 201));

	/* The web form says so too, with the same header. */
	char *cookie = register_web(&s, "ivan");
	char *csrf = csrf_for(&s, cookie);
	char form[200];
	for (int i = 0; i < 4; i++) {
		snprintf(form, sizeof form, "csrf_token=%s&prompt=web+%d", csrf, i);
		hs_post_form(&s, "/generate", form, cookie, NULL, &r);
		ck_assert_int_eq(r.status, i < 3 ? 303 : 429);
		if (i == 3) {
			ck_assert_ptr_nonnull(strstr(r.body, "quota is used up"));
			retry = hs_header(&r, "Retry-After");
			ck_assert_ptr_nonnull(retry);
			free(retry);
		}
		hs_response_free(&r);
	}
	hs_get(&s, "/dashboard", NULL, cookie, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "0 of 3 images left"));
	hs_response_free(&r);
	free(csrf);
	free(cookie);
	free(token2);
	free(token);
	hs_stop(&s);
}
END_TEST

START_TEST(another_users_image_is_404)
{
	hs_server s;
	start(&s, NULL, NULL);
	register_json(&s, "judy");
	register_json(&s, "kurt");
	char *judy = login_token(&s, "judy");
	char *kurt = login_token(&s, "kurt");
	char *id = generate(&s, judy, "judy's secret garden", 201);
	hs_response r;
	fetch_image(&s, id, kurt, NULL, &r);
	hs_assert_error(&r, 404, "not_found");
	hs_response_free(&r);
	/* Unknown and malformed ids look the same. */
	fetch_image(&s, "0123456789abcdef0123456789abcdef", judy, NULL, &r);
	hs_assert_error(&r, 404, "not_found");
	hs_response_free(&r);
	fetch_image(&s, "..%2F..%2Fimages.db", judy, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	hs_response_free(&r);
	fetch_image(&s, id, judy, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	hs_response_free(&r);
	/* Kurt's gallery does not list it. */
	char *cookie = register_web(&s, "lena");
	hs_get(&s, "/gallery", NULL, cookie, &r);
	ck_assert_ptr_null(strstr(r.body, id));
	hs_response_free(&r);
	free(cookie);
	free(id);
	free(judy);
	free(kurt);
	hs_stop(&s);
}
END_TEST

START_TEST(api_key_access)
{
	hs_server s;
	start(&s, NULL, NULL);
	register_json(&s, "mona");
	char *token = login_token(&s, "mona");
	hs_response r;
	hs_post_json(&s, "/api/keys", "{\"name\":\"ci\"}", token, &r);
	ck_assert_int_eq(r.status, 201);
	char *key = hs_json_string(&r, "api_key");
	ck_assert_int_eq(strncmp(key, "ak_", 3), 0);
	hs_forbid(&s, key, HS_IN_LOG);
	hs_response_free(&r);

	char *id = generate(&s, key, "automated sunset", 201);
	fetch_image(&s, id, key, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	hs_response_free(&r);
	/* The X-API-Key header works as well. */
	char header[128];
	snprintf(header, sizeof header, "X-API-Key: %s", key);
	const char *headers[] = {header, NULL};
	hs_request rq = {.method = "POST", .path = "/api/generate-story", .content_type = "application/json",
	                 .body = "{\"prompt\":\"a heist\",\"scenes\":2}", .headers = headers};
	hs_do(&s, &rq, &r);
	ck_assert_int_eq(r.status, 201);
	hs_response_free(&r);
	/* A key cannot mint keys; a wrong key is 401. */
	hs_post_json(&s, "/api/keys", "{}", key, &r);
	hs_assert_error(&r, 403, "forbidden");
	hs_response_free(&r);
	key[strlen(key) - 1] = key[strlen(key) - 1] == 'A' ? 'B' : 'A';
	hs_post_json(&s, "/api/generate-image", "{\"prompt\":\"x\"}", key, &r);
	ck_assert_int_eq(r.status, 401);
	hs_response_free(&r);
	free(id);
	free(key);
	free(token);
	hs_stop(&s);
}
END_TEST

START_TEST(unauthenticated_requests)
{
	hs_server s;
	start(&s, NULL, NULL);
	const char *pages[] = {"/dashboard", "/generate", "/gallery", "/images/0123456789abcdef0123456789abcdef"};
	hs_response r;
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		hs_get(&s, pages[i], NULL, NULL, &r);
		ck_assert_int_eq(r.status, 303);
		char *location = hs_header(&r, "Location");
		ck_assert_str_eq(location, "/login");
		free(location);
		hs_response_free(&r);
	}
	hs_get(&s, "/", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 303);
	hs_response_free(&r);
	const char *apis[] = {"/api/generate-image", "/api/generate-story", "/api/keys"};
	for (size_t i = 0; i < sizeof apis / sizeof apis[0]; i++) {
		hs_post_json(&s, apis[i], "{\"prompt\":\"x\"}", NULL, &r);
		ck_assert_int_eq(r.status, 401);
		char *www = hs_header(&r, "WWW-Authenticate");
		ck_assert_ptr_nonnull(www);
		ck_assert_int_eq(strncmp(www, "Bearer", 6), 0);
		free(www);
		json_decref(hs_json(&r));
		hs_response_free(&r);
	}
	/* A forged or garbage bearer token: 401, never a fallback. */
	hs_post_json(&s, "/api/generate-image", "{\"prompt\":\"x\"}", "eyJhbGciOiJub25lIn0.e30.", &r);
	ck_assert_int_eq(r.status, 401);
	hs_response_free(&r);
	hs_get(&s, "/dashboard", NULL, "authkit_session=forged", &r);
	ck_assert_int_eq(r.status, 303);
	hs_response_free(&r);
	hs_stop(&s);
}
END_TEST

START_TEST(register_errors)
{
	hs_server s;
	start(&s, NULL, NULL);
	register_json(&s, "nina");
	hs_response r;
	char body[256];
	snprintf(body, sizeof body, "{\"username\":\"NINA\",\"email\":\"other@example.com\",\"password\":\"%s\"}", PASSWORD);
	hs_post_json(&s, "/register", body, NULL, &r);
	ck_assert_int_eq(r.status, 409);
	hs_response_free(&r);
	hs_post_json(&s, "/register", "{\"username\":\"oscar\",\"email\":\"o@example.com\",\"password\":\"short\"}", NULL,
	             &r);
	ck_assert_int_eq(r.status, 400);
	hs_response_free(&r);
	hs_post_json(&s, "/register", "{\"username\":\"oscar\"}", NULL, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	/* The form shows the error and keeps the (escaped) username, never the password. */
	hs_post_form(&s, "/register", "username=%3Cb%3Eoscar&email=o%40example.com&password=correct+horse+battery+staple",
	             NULL, NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "value=\"&lt;b&gt;oscar\""));
	ck_assert_ptr_null(strstr(r.body, "<b>oscar"));
	hs_response_free(&r);
	hs_stop(&s);
}
END_TEST

START_TEST(logout_revokes_the_bearer_token)
{
	hs_server s;
	start(&s, NULL, NULL);
	register_json(&s, "pete");
	char *token = login_token(&s, "pete");
	char *other = login_token(&s, "pete"); /* a second session of the same user */
	free(generate(&s, token, "before logout", 201));
	/* A bearer-authenticated logout needs no CSRF token (no cookie involved). */
	hs_response r;
	hs_request rq = {.method = "POST", .path = "/logout", .content_type = "application/x-www-form-urlencoded",
	                 .body = "", .bearer = token};
	hs_do(&s, &rq, &r);
	ck_assert_int_eq(r.status, 303);
	hs_response_free(&r);
	/* Tokens are verified statefully: the revoked session's token stops at once. */
	hs_post_json(&s, "/api/generate-image", "{\"prompt\":\"after logout\"}", token, &r);
	ck_assert_int_eq(r.status, 401);
	json_decref(hs_json(&r));
	hs_response_free(&r);
	/* The other session is untouched. */
	free(generate(&s, other, "other session", 201));
	free(other);
	free(token);
	hs_stop(&s);
}
END_TEST

START_TEST(refresh_rotates_and_reuse_revokes)
{
	hs_server s;
	start(&s, NULL, NULL);
	register_json(&s, "quinn");
	hs_response r;
	char body[300];
	snprintf(body, sizeof body, "{\"username\":\"quinn\",\"password\":\"%s\"}", PASSWORD);
	hs_post_json(&s, "/login", body, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	char *refresh1 = hs_json_string(&r, "refresh_token");
	hs_forbid(&s, refresh1, HS_IN_LOG);
	hs_response_free(&r);

	snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", refresh1);
	hs_post_json(&s, "/api/refresh", body, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	char *access2 = hs_json_string(&r, "access_token");
	char *refresh2 = hs_json_string(&r, "refresh_token");
	hs_forbid(&s, access2, HS_IN_LOG);
	hs_forbid(&s, refresh2, HS_IN_LOG);
	ck_assert_str_ne(refresh1, refresh2);
	hs_response_free(&r);
	free(generate(&s, access2, "fresh token", 201));

	/* The rotated token again: refused, and the whole session dies with it. */
	hs_post_json(&s, "/api/refresh", body, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	hs_response_free(&r);
	free(generate(&s, access2, "after reuse", 401));
	snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", refresh2);
	hs_post_json(&s, "/api/refresh", body, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	hs_response_free(&r);

	hs_post_json(&s, "/api/refresh", "{}", NULL, &r);
	hs_assert_error(&r, 400, "invalid");
	hs_response_free(&r);
	free(refresh1);
	free(refresh2);
	free(access2);
	hs_stop(&s);
}
END_TEST

START_TEST(login_attempts_are_limited_per_address)
{
	hs_server s;
	start(&s, NULL, NULL);
	hs_response r;
	/* A burst of 20 attempts per address (these fail before any hashing)... */
	for (int i = 0; i < 20; i++) {
		hs_post_json(&s, "/login", "{\"username\":\"nobody\"}", NULL, &r);
		ck_assert_int_eq(r.status, 400);
		hs_response_free(&r);
	}
	/* ...then about one every 6 s: the next ones are refused, with Retry-After. A few may
	 * pass if the machine is very slow (the bucket refills meanwhile), never ten. */
	int refused = 0;
	for (int i = 0; i < 10 && !refused; i++) {
		hs_post_form(&s, "/register", "username=x&email=x%40example.com&password=y", NULL, NULL, &r);
		if (r.status == 429) {
			refused = 1;
			hs_assert_error(&r, 429, "limit");
			char *retry = hs_header(&r, "Retry-After");
			ck_assert_ptr_nonnull(retry);
			ck_assert_int_ge(strtol(retry, NULL, 10), 1);
			ck_assert_int_le(strtol(retry, NULL, 10), 6);
			free(retry);
		}
		hs_response_free(&r);
	}
	ck_assert(refused);
	hs_stop(&s);
}
END_TEST

static Suite *imagegen_suite(void)
{
	Suite *s = suite_create("imagegen");
	TCase *tc = tcase_create("http");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, api_generate_and_download_valid_png);
	tcase_add_test(tc, api_generate_story);
	tcase_add_test(tc, web_register_dashboard_generate_gallery_logout);
	tcase_add_test(tc, csrf_missing_or_wrong_is_403);
	tcase_add_test(tc, wrong_password_and_locked_account);
	tcase_add_test(tc, bad_requests);
	tcase_add_test(tc, quota_exceeded_is_429_with_retry_after);
	tcase_add_test(tc, another_users_image_is_404);
	tcase_add_test(tc, api_key_access);
	tcase_add_test(tc, unauthenticated_requests);
	tcase_add_test(tc, register_errors);
	tcase_add_test(tc, logout_revokes_the_bearer_token);
	tcase_add_test(tc, refresh_rotates_and_reuse_revokes);
	tcase_add_test(tc, login_attempts_are_limited_per_address);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(imagegen_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
