/* audit: the audit log, newest first. */
#include "cli.h"

static const cli_column audit_columns[] = {
	{"id", CLI_INT},     {"time", CLI_TIME}, {"user_id", CLI_INT},
	{"event", CLI_TEXT}, {"ip", CLI_TEXT},   {"detail", CLI_TEXT},
};

static bool add_event(cli_table *t, const authkit_audit_list *l, size_t i)
{
	return cli_table_row(t) && cli_table_int(t, authkit_audit_list_id(l, i)) &&
	       cli_table_int(t, authkit_audit_list_time(l, i)) && cli_table_int(t, authkit_audit_list_user_id(l, i)) &&
	       cli_table_text(t, authkit_audit_list_event(l, i)) && cli_table_text(t, authkit_audit_list_ip(l, i)) &&
	       cli_table_text(t, authkit_audit_list_detail(l, i));
}

static int run_audit(cli_run *r)
{
	cli_format format;
	int64_t user_id = 0, since = 0, until = 0, limit = 100;
	const char *user = cli_value(r, "user");
	int rc = cli_opt_format(r, &format);
	if (rc == CLI_OK)
		rc = cli_opt_days(r, "since", "until", &since, &until);
	if (rc == CLI_OK)
		rc = cli_opt_int(r, "limit", 1, 10000, &limit);
	if (rc == CLI_OK && user)
		rc = cli_user_id(r, user, &user_id);
	if (rc)
		return rc;
	authkit_audit_list *l = NULL;
	int status = authkit_audit_query(r->ctx, user_id, since, until, (unsigned)limit, &l);
	if (status)
		return cli_fail_status(r, status, "cannot read the audit log");
	cli_table *t = cli_table_new(audit_columns, sizeof audit_columns / sizeof audit_columns[0]);
	for (size_t i = 0; t && rc == CLI_OK && i < authkit_audit_list_count(l); i++)
		if (!add_event(t, l, i))
			rc = CLI_FAILED;
	if (!t || rc)
		rc = cli_fail(r, CLI_FAILED, "out of memory");
	else
		rc = cli_table_print(r, t, format);
	cli_table_free(t);
	authkit_audit_list_free(l);
	return rc;
}

const cli_cmd cli_cmd_audit = {
	.name = "audit",
	.args = "",
	.summary = "show the audit log, newest first",
	.details = "Events are listed in include/authkit/audit.h. --since and --until name\n"
	           "whole UTC days, both included. USER may be id:N for a deleted user.\n",
	.opens_db = true,
	.run = run_audit,
	.opts = {{"user", "USER", "one user's events (default: everyone's)"},
	         {"since", "DATE", "first day, YYYY-MM-DD (UTC)"},
	         {"until", "DATE", "last day, YYYY-MM-DD (UTC), included"},
	         {"limit", "N", "at most N events, 1-10000 (default 100)"},
	         {"format", "FORMAT", "table (default), csv or json"}},
};
