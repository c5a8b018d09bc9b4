/*
 * imagegen: the HTML pages. Every string that came from a user (username,
 * prompts, form values sent back) goes through ex_buf_append_html(); every
 * form that changes state carries the session's CSRF token in a hidden
 * `csrf_token` field (the register and login forms have no session yet:
 * those routes check the request's Origin instead, see web.c).
 */
#ifndef IG_PAGES_H
#define IG_PAGES_H

#include "ex_common.h"
#include "images.h"

/** What the dashboard shows about usage. */
typedef struct ig_usage_view {
	int64_t images_total;     /* images the user has */
	int64_t events_total;     /* usage events of service imagegen, all time */
	int64_t cost_micros_total;
	int64_t quota_per_day;    /* 0 = unlimited */
	int64_t quota_remaining;  /* today */
	const authkit_usage_summary *by_day; /* may be NULL */
} ig_usage_view;

/** error, username and email may be NULL (they refill the form after an error). */
void ig_page_register(ex_buf *b, const char *error, const char *username, const char *email);
void ig_page_login(ex_buf *b, const char *error, const char *identifier);
void ig_page_dashboard(ex_buf *b, const char *csrf, const char *username, const ig_usage_view *usage,
                       const ig_image *recent, size_t n_recent);
/** error may be NULL; prompt refills the form. */
void ig_page_generate(ex_buf *b, const char *csrf, const char *error, const char *prompt);
void ig_page_gallery(ex_buf *b, const char *csrf, const ig_image *images, size_t n);

#endif
