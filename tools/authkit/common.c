/* Errors, exit codes, opening the database, user references and dates. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

/* One line on stderr, whatever the message holds: control characters
 * (a newline in a library detail, say) become spaces. */
static void put_line(const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, stderr);
	fputc('\n', stderr);
}

int cli_fail(const cli_run *r, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char line[1200];
	if (r && r->cmd)
		snprintf(line, sizeof line, "authkit: %s: %s", r->cmd->name, msg);
	else
		snprintf(line, sizeof line, "authkit: %s", msg);
	put_line(line);
	return code;
}

int cli_exit_code(int status)
{
	switch (status) {
	case AUTHKIT_OK: return CLI_OK;
	case AUTHKIT_ENOTFOUND: return CLI_NOT_FOUND;
	case AUTHKIT_EEXISTS: return CLI_EXISTS;
	case AUTHKIT_EINVALID:
	case AUTHKIT_EPASSWORD: return CLI_REJECTED;
	case AUTHKIT_ECONFIG: return CLI_CONFIG;
	case AUTHKIT_EVERSION: return CLI_CHECK;
	case AUTHKIT_EAUTH: return CLI_AUTH;
	default: return CLI_FAILED;
	}
}

int cli_fail_status(const cli_run *r, int status, const char *what)
{
	const char *detail = authkit_error_last();
	return cli_fail(r, cli_exit_code(status), "%s: %s", what, *detail ? detail : authkit_strerror(status));
}

/* The file behind a SQLite AUTHKIT_DB value, or NULL when it names no file
 * (":memory:", a server URL). */
static const char *db_file(const char *db)
{
	if (strncmp(db, "sqlite:", 7) == 0)
		db += 7;
	if (strcmp(db, ":memory:") == 0 || strstr(db, "://") || strncmp(db, "postgres", 8) == 0)
		return NULL;
	return db;
}

static bool db_missing(const char *db)
{
	const char *file = db_file(db);
	struct stat st;
	return file && stat(file, &st) != 0 && errno == ENOENT;
}

const char *cli_db_name(const cli_run *r)
{
	const char *file = r->db ? db_file(r->db) : NULL;
	return file ? file : "the database";
}

int cli_open_db(cli_run *r)
{
	if (!r->db)
		r->db = getenv("AUTHKIT_DB");
	if (!r->db || !*r->db)
		return cli_fail(r, CLI_USAGE, "no database: use --db PATH or set AUTHKIT_DB");
	/* Only init creates a database: a typo in a path must not silently
	 * give an empty one. */
	r->db_created = db_missing(r->db);
	if (r->db_created && !r->cmd->creates_db)
		return cli_fail(r, CLI_NOT_FOUND, "database %s does not exist (create it with `authkit init`)",
		                cli_db_name(r));
	int rc = authkit_open(&r->ctx, r->db);
	if (rc == AUTHKIT_EINVALID) /* a setting that does not parse */
		rc = AUTHKIT_ECONFIG;
	return rc ? cli_fail_status(r, rc, "cannot open the database") : CLI_OK;
}

/* "id:N" with N a positive integer: true and *id_out; false otherwise. */
static bool parse_id_ref(const char *ref, int64_t *id_out)
{
	if (strncmp(ref, "id:", 3) != 0)
		return false;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(ref + 3, &end, 10);
	if (errno || end == ref + 3 || *end || v <= 0)
		return false;
	*id_out = v;
	return true;
}

int cli_find_user(const cli_run *r, const char *ref, authkit_user **out)
{
	int64_t id = 0;
	int rc;
	if (parse_id_ref(ref, &id))
		rc = authkit_user_get_by_id(r->ctx, id, out);
	else if (strncmp(ref, "id:", 3) == 0)
		return cli_fail(r, CLI_USAGE, "\"%s\": a user id is id:N with N a positive number", ref);
	else if (strchr(ref, '@'))
		rc = authkit_user_get_by_email(r->ctx, ref, out);
	else
		rc = authkit_user_get_by_username(r->ctx, ref, out);
	/* A name that could never be valid names no user either. */
	if (rc == AUTHKIT_ENOTFOUND || rc == AUTHKIT_EINVALID)
		return cli_fail(r, CLI_NOT_FOUND, "no such user: %s", ref);
	return rc ? cli_fail_status(r, rc, "user lookup failed") : CLI_OK;
}

int cli_user_id(const cli_run *r, const char *ref, int64_t *id_out)
{
	if (parse_id_ref(ref, id_out))
		return CLI_OK;
	authkit_user *u = NULL;
	int rc = cli_find_user(r, ref, &u);
	if (rc == CLI_OK)
		*id_out = authkit_user_id(u);
	authkit_user_free(u);
	return rc;
}

/* "YYYY-MM-DD", a real calendar day from 1970 to 9999, at 00:00 UTC. */
static bool parse_day(const char *s, int64_t *out)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	struct tm tm = {0};
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	int year = tm.tm_year, mon = tm.tm_mon, mday = tm.tm_mday;
	time_t t = timegm(&tm);
	/* timegm normalises 2024-02-30 to March: a changed field means no such day. */
	if (t == (time_t)-1 || t < 0 || tm.tm_year != year || tm.tm_mon != mon || tm.tm_mday != mday)
		return false;
	*out = (int64_t)t;
	return true;
}

static int opt_day(const cli_run *r, const char *name, int64_t *out)
{
	const char *text = cli_value(r, name);
	if (text && !parse_day(text, out))
		return cli_fail(r, CLI_USAGE, "--%s must be a date YYYY-MM-DD (UTC)", name);
	return CLI_OK;
}

#define DAY_SECONDS 86400

int cli_opt_days(const cli_run *r, const char *first, const char *last, int64_t *since, int64_t *until)
{
	int64_t last_day = -1;
	*since = 0;
	int rc = opt_day(r, first, since);
	if (rc == CLI_OK)
		rc = opt_day(r, last, &last_day);
	if (rc)
		return rc;
	*until = last_day >= 0 ? last_day + DAY_SECONDS : 0;
	if (*until && *since >= *until)
		return cli_fail(r, CLI_USAGE, "--%s is after --%s", first, last);
	return CLI_OK;
}

void cli_format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%lld", (long long)t);
}
