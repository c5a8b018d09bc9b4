/*
 * import FILE: users with existing password hashes, from a CSV file
 * (username,email,hash[,full_name]) such as a Flask or FastAPI app's users
 * table exports. Each line is imported on its own; refused lines are
 * reported with their line number and never echoed (a line holds a hash).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define MAX_FIELDS 6 /* username,email,hash,full_name + an unquoted PHC string's two commas */
#define MAX_LINE 8192

/* The field helpers leave *p on the next field, or NULL after the last. */

/* A quoted field at *p ("a ""b"""), unquoted in place. false when the
 * quote is not closed or is followed by anything but blanks and a comma. */
static bool quoted_field(char **p, char **out)
{
	char *src = *p + 1, *dst = *p;
	*out = dst;
	for (;;) {
		if (*src == '\0')
			return false;
		if (*src == '"' && src[1] != '"')
			break;
		src += *src == '"' ? 1 : 0; /* "" is one quote */
		*dst++ = *src++;
	}
	src++;
	src += strspn(src, " \t");
	if (*src != ',' && *src != '\0')
		return false;
	*dst = '\0';
	*p = *src == ',' ? src + 1 : NULL;
	return true;
}

/* An unquoted field at *p, blanks around it dropped. */
static char *plain_field(char **p)
{
	char *stop = *p + strcspn(*p, ",");
	char *end = stop;
	char *start = *p + strspn(*p, " \t");
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*p = *stop == ',' ? stop + 1 : NULL;
	*end = '\0'; /* may be the comma itself */
	return start;
}

/*
 * Split one CSV line in place (RFC 4180 quoting, no line breaks inside
 * fields; blanks around fields dropped). Returns the number of fields
 * (more than max means too many), or -1 for a broken quote.
 */
static int split_csv(char *line, char **fields, int max)
{
	int n = 0;
	for (char *p = line; p; n++) {
		char *field;
		p += strspn(p, " \t");
		if (*p == '"') {
			if (!quoted_field(&p, &field))
				return -1;
		} else {
			field = plain_field(&p);
		}
		if (n < max)
			fields[n] = field;
	}
	return n;
}

typedef struct import_state {
	const char *name; /* for messages */
	long line;
	long imported;
	long rejected;
	bool header_done;
} import_state;

static void reject(const cli_run *r, import_state *st, const char *why)
{
	st->rejected++;
	cli_fail(r, CLI_REJECTED, "%s:%ld: %s", st->name, st->line, why);
}

/*
 * An Argon2id PHC string has commas of its own
 * ($argon2id$v=19$m=65536,t=2,p=1$...). Exported unquoted, it arrives as
 * three fields: "$argon2...m=N", "t=N", "p=N$...". Put them back together
 * into phc (as large as a line).
 */
static void join_phc(char **f, int *n, char *phc, size_t size)
{
	if (*n < 5 || strncmp(f[2], "$argon2", 7) != 0 || strncmp(f[3], "t=", 2) != 0 || strncmp(f[4], "p=", 2) != 0)
		return;
	snprintf(phc, size, "%s,%s,%s", f[2], f[3], f[4]);
	f[2] = phc;
	for (int i = 5; i < *n && i < MAX_FIELDS; i++)
		f[i - 2] = f[i];
	*n -= 2;
}

static void import_line(const cli_run *r, import_state *st, char *line)
{
	line[strcspn(line, "\r\n")] = '\0';
	if (line[strspn(line, " \t")] == '\0' || line[0] == '#')
		return;
	char *f[MAX_FIELDS], phc[MAX_LINE];
	int n = split_csv(line, f, MAX_FIELDS);
	bool first = !st->header_done;
	st->header_done = true;
	if (first && n >= 1 && strcasecmp(f[0], "username") == 0)
		return;
	join_phc(f, &n, phc, sizeof phc);
	if (n < 3 || n > 4)
		reject(r, st, n < 0 ? "unbalanced quotes" : "expected username,email,hash[,full_name]");
	else if (authkit_user_import(r->ctx, f[0], f[1], n > 3 ? f[3] : NULL, f[2], NULL) == AUTHKIT_OK)
		st->imported++;
	else
		reject(r, st, authkit_error_last()); /* names the rule, never the value */
	cli_wipe(phc, sizeof phc);
}

static FILE *open_input(const cli_run *r, const char *path, int *rc)
{
	if (strcmp(path, "-") == 0)
		return stdin;
	FILE *f = fopen(path, "r");
	if (!f)
		*rc = cli_fail(r, errno == ENOENT ? CLI_NOT_FOUND : CLI_FAILED, "cannot open %s: %s", path,
		               strerror(errno));
	return f;
}

static int run_import(cli_run *r)
{
	int rc = CLI_OK;
	FILE *in = open_input(r, r->args[0], &rc);
	if (!in)
		return rc;
	import_state st = {.name = strcmp(r->args[0], "-") == 0 ? "stdin" : r->args[0]};
	char line[MAX_LINE];
	while (fgets(line, sizeof line, in)) {
		st.line++;
		bool whole = strchr(line, '\n') || feof(in);
		if (whole) {
			import_line(r, &st, line);
			continue;
		}
		reject(r, &st, "line longer than 8 KiB");
		for (int c = 0; (c = fgetc(in)) != EOF && c != '\n';)
			;
	}
	if (ferror(in))
		rc = cli_fail(r, CLI_FAILED, "cannot read %s", st.name);
	cli_wipe(line, sizeof line);
	if (in != stdin)
		fclose(in);
	printf("imported: %ld\nrejected: %ld\n", st.imported, st.rejected);
	return rc ? rc : st.rejected ? CLI_REJECTED : CLI_OK;
}

const cli_cmd cli_cmd_import = {
	.name = "import",
	.args = "FILE",
	.summary = "import users with bcrypt/Argon2id hashes (CSV)",
	.details = "FILE (\"-\" for stdin) has one user per line: username,email,hash[,full_name].\n"
	           "A first line starting with \"username\" is a header and skipped, as are\n"
	           "blank lines and lines starting with #. Hashes: bcrypt ($2a$, $2b$, $2y$,\n"
	           "e.g. from Flask-Bcrypt or passlib) or Argon2id PHC strings. A bcrypt hash\n"
	           "is replaced by Argon2id at the user's next login. Each line is imported on\n"
	           "its own: refused lines are reported on stderr as FILE:LINE: reason and the\n"
	           "others still go in; exit 5 when any line was refused.\n",
	.min_args = 1,
	.max_args = 1,
	.opens_db = true,
	.run = run_import,
};
