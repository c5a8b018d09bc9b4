/* imagegen: HTML pages (see pages.h). */
#include "pages.h"
#include "draw.h"
#include "generate.h"

#include <time.h>

static void page_begin_signed_in(ex_buf *b, const char *title, const char *csrf)
{
	ex_page_begin_signed_in(b, title,
	                        "<a href=\"/dashboard\">Dashboard</a> <a href=\"/generate\">Generate</a> "
	                        "<a href=\"/gallery\">Gallery</a>",
	                        "/logout", csrf);
}

static const char nav_signed_out[] = "<a href=\"/login\">Log in</a> <a href=\"/register\">Register</a>";

/* <input> with an escaped, possibly absent value. */
static void text_input(ex_buf *b, const char *label, const char *name, const char *type, const char *value,
                       const char *extra)
{
	ex_buf_appendf(b, "<p><label>%s <input type=\"%s\" name=\"%s\"", label, type, name);
	if (value) {
		ex_buf_append(b, " value=\"");
		ex_buf_append_html(b, value);
		ex_buf_append(b, "\"");
	}
	ex_buf_appendf(b, " %s></label></p>\n", extra);
}

static void csrf_field(ex_buf *b, const char *csrf)
{
	ex_html_csrf_field(b, csrf);
	ex_buf_append(b, "\n");
}

void ig_page_register(ex_buf *b, const char *error, const char *username, const char *email)
{
	ex_page_begin(b, "Register", nav_signed_out);
	ex_html_alert(b, error);
	ex_buf_append(b, "<form method=\"post\" action=\"/register\">\n");
	text_input(b, "Username", "username", "text", username, "required minlength=\"3\" maxlength=\"32\"");
	text_input(b, "Email", "email", "email", email, "required");
	text_input(b, "Full name (optional)", "full_name", "text", NULL, "maxlength=\"200\"");
	text_input(b, "Password (12 characters or more)", "password", "password", NULL,
	           "required minlength=\"12\" autocomplete=\"new-password\"");
	ex_buf_append(b, "<p><button type=\"submit\">Create account</button></p>\n</form>\n"
	                 "<p>Already registered? <a href=\"/login\">Log in</a>.</p>\n");
	ex_page_end(b);
}

void ig_page_login(ex_buf *b, const char *error, const char *identifier)
{
	ex_page_begin(b, "Log in", nav_signed_out);
	ex_html_alert(b, error);
	ex_buf_append(b, "<form method=\"post\" action=\"/login\">\n");
	text_input(b, "Username or email", "username", "text", identifier, "required autocomplete=\"username\"");
	text_input(b, "Password", "password", "password", NULL, "required autocomplete=\"current-password\"");
	ex_buf_append(b, "<p><button type=\"submit\">Log in</button></p>\n</form>\n"
	                 "<p>No account? <a href=\"/register\">Register</a>.</p>\n");
	ex_page_end(b);
}

static void format_day(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm);
}

/* A grid of thumbnails linking to the full image, with the prompt as caption. */
static void image_grid(ex_buf *b, const ig_image *images, size_t n)
{
	if (n == 0) {
		ex_buf_append(b, "<p>No images yet. <a href=\"/generate\">Generate one</a>.</p>\n");
		return;
	}
	ex_buf_append(b, "<ul class=\"gallery\">\n");
	for (size_t i = 0; i < n; i++) {
		char when[32];
		format_day(when, images[i].created_at);
		/* Ids are validated hex, safe in URLs and attributes as they are. */
		ex_buf_appendf(b, "<li><a href=\"/images/%s\"><img src=\"/images/%s\" width=\"128\" height=\"128\" alt=\"\"></a>"
		                  "<br>",
		               images[i].id, images[i].id);
		ex_buf_append_html(b, images[i].prompt);
		ex_buf_appendf(b, "<br><small>%s%s%.8s</small></li>\n", when, images[i].story_id[0] ? " · story " : "",
		               images[i].story_id);
	}
	ex_buf_append(b, "</ul>\n");
}

static void money(ex_buf *b, int64_t micros)
{
	ex_buf_appendf(b, "$%lld.%02lld", (long long)(micros / 1000000), (long long)(micros % 1000000 / 10000));
}

void ig_page_dashboard(ex_buf *b, const char *csrf, const char *username, const ig_usage_view *usage,
                       const ig_image *recent, size_t n_recent)
{
	page_begin_signed_in(b, "Dashboard", csrf);
	ex_buf_append(b, "<p>Signed in as <strong>");
	ex_buf_append_html(b, username);
	ex_buf_append(b, "</strong>.</p>\n<h2>Usage</h2>\n<ul>\n");
	ex_buf_appendf(b, "<li>Images: %lld</li>\n<li>Generations recorded: %lld</li>\n<li>Cost: ",
	               (long long)usage->images_total, (long long)usage->events_total);
	money(b, usage->cost_micros_total);
	ex_buf_append(b, "</li>\n");
	if (usage->quota_per_day > 0)
		ex_buf_appendf(b, "<li>Today's quota: %lld of %lld images left</li>\n", (long long)usage->quota_remaining,
		               (long long)usage->quota_per_day);
	ex_buf_append(b, "</ul>\n");
	size_t days = usage->by_day ? authkit_usage_summary_count(usage->by_day) : 0;
	if (days > 0) {
		ex_buf_append(b, "<table><caption>Last days</caption>\n"
		                 "<tr><th>Day (UTC)</th><th>Images</th><th>Cost</th></tr>\n");
		for (size_t i = days; i-- > 0;) {
			ex_buf_append(b, "<tr><td>");
			ex_buf_append_html(b, authkit_usage_summary_key(usage->by_day, i));
			ex_buf_appendf(b, "</td><td>%lld</td><td>", (long long)authkit_usage_summary_events(usage->by_day, i));
			money(b, authkit_usage_summary_cost_micros(usage->by_day, i));
			ex_buf_append(b, "</td></tr>\n");
		}
		ex_buf_append(b, "</table>\n");
	}
	ex_buf_append(b, "<h2>Recent images</h2>\n");
	image_grid(b, recent, n_recent);
	ex_page_end(b);
}

void ig_page_generate(ex_buf *b, const char *csrf, const char *error, const char *prompt)
{
	page_begin_signed_in(b, "Generate", csrf);
	ex_html_alert(b, error);
	ex_buf_append(b, "<form method=\"post\" action=\"/generate\">\n");
	csrf_field(b, csrf);
	ex_buf_append(b, "<p><label>Prompt<br><textarea name=\"prompt\" rows=\"3\" cols=\"60\" required maxlength=\"1000\">");
	if (prompt)
		ex_buf_append_html(b, prompt);
	ex_buf_appendf(b, "</textarea></label></p>\n"
	                  "<p><label>Scenes <input type=\"number\" name=\"scenes\" value=\"1\" min=\"1\" max=\"%d\"></label> "
	                  "(more than one makes a story)</p>\n"
	                  "<p><button type=\"submit\">Generate</button></p>\n</form>\n"
	                  "<p>Each image is %dx%d pixels, drawn from the prompt: the same prompt gives the same picture.</p>\n",
	               IG_STORY_MAX_SCENES, IG_IMAGE_SIDE, IG_IMAGE_SIDE);
	ex_page_end(b);
}

void ig_page_gallery(ex_buf *b, const char *csrf, const ig_image *images, size_t n)
{
	page_begin_signed_in(b, "Gallery", csrf);
	image_grid(b, images, n);
	ex_page_end(b);
}
