/* HTTP request glue: declarations shared by lib/http/. */
#ifndef AUTHKIT_HTTP_INTERNAL_H
#define AUTHKIT_HTTP_INTERNAL_H

#include "core/internal.h"
#include "authkit/http.h"

/* Longest effective cookie name: "__Host-" + the configured name. */
#define AK_COOKIE_NAME_BYTES (sizeof "__Host-" - 1 + sizeof(((ak_settings *)0)->cookie_name))
/* Longest session cookie value accepted by authkit_http_set_cookie(). */
#define AK_COOKIE_VALUE_MAX 4096
/* Set-Cookie never lets a cookie live longer than this (RFC 6265bis). */
#define AK_COOKIE_MAX_AGE_CAP (400LL * 86400)

/* RFC 9110 tchar: what a cookie name (and an auth scheme) is made of. */
bool ak_http_is_tchar(unsigned char c);
/* RFC 6265 cookie-octet. */
bool ak_http_is_cookie_octet(unsigned char c);
/* The effective session cookie name into out (AK_COOKIE_NAME_BYTES), or
 * AUTHKIT_ECONFIG with a detail message. */
int ak_http_cookie_name(const authkit_ctx *ctx, char *out, size_t out_size);

#endif
