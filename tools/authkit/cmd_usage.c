/* usage report: metered usage summed per service, model, day or month. */
#include <jansson.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int group;
} groups[] = {
	{"service", AUTHKIT_USAGE_BY_SERVICE},
	{"model", AUTHKIT_USAGE_BY_MODEL},
	{"day", AUTHKIT_USAGE_BY_DAY},
	{"month", AUTHKIT_USAGE_BY_MONTH},
};

typedef struct report_query {
	int64_t user_id; /* 0: every user */
	int64_t since;   /* 0: from the start */
	int64_t until;   /* exclusive; 0: no end */
	size_t group;    /* index into groups */
} report_query;

typedef struct totals {
	int64_t events, input_tokens, output_tokens, cost_micros;
} totals;

static int parse_query(const cli_run *r, report_query *q)
{
	memset(q, 0, sizeof *q);
	const char *by = cli_value(r, "by");
	for (q->group = 0; by && q->group < sizeof groups / sizeof groups[0]; q->group++)
		if (strcmp(by, groups[q->group].name) == 0)
			break;
	if (q->group == sizeof groups / sizeof groups[0])
		return cli_fail(r, CLI_USAGE, "--by must be service, model, day or month");
	int rc = cli_opt_days(r, "from", "to", &q->since, &q->until);
	if (rc)
		return rc;
	const char *user = cli_value(r, "user");
	return user ? cli_user_id(r, user, &q->user_id) : CLI_OK;
}

static bool add_usage_row(cli_table *t, const char *key, const totals *s)
{
	return cli_table_row(t) && cli_table_text(t, key) && cli_table_int(t, s->events) &&
	       cli_table_int(t, s->input_tokens) && cli_table_int(t, s->output_tokens) &&
	       cli_table_int(t, s->cost_micros);
}

/* One row per group; *sum gets the totals. */
static int fill_rows(const cli_run *r, const report_query *q, cli_table *t, totals *sum)
{
	authkit_usage_summary *s = NULL;
	int status = authkit_usage_summary_get(r->ctx, q->user_id, q->since, q->until, groups[q->group].group, &s);
	if (status)
		return cli_fail_status(r, status, "cannot read usage");
	int rc = CLI_OK;
	memset(sum, 0, sizeof *sum);
	for (size_t i = 0; rc == CLI_OK && i < authkit_usage_summary_count(s); i++) {
		totals row = {authkit_usage_summary_events(s, i), authkit_usage_summary_input_tokens(s, i),
		              authkit_usage_summary_output_tokens(s, i), authkit_usage_summary_cost_micros(s, i)};
		sum->events += row.events;
		sum->input_tokens += row.input_tokens;
		sum->output_tokens += row.output_tokens;
		sum->cost_micros += row.cost_micros;
		if (!add_usage_row(t, authkit_usage_summary_key(s, i), &row))
			rc = cli_fail(r, CLI_FAILED, "out of memory");
	}
	authkit_usage_summary_free(s);
	return rc;
}

static json_t *day_json(const cli_run *r, const char *opt)
{
	const char *v = cli_value(r, opt);
	return v ? json_string(v) : json_null();
}

/* {"user_id", "from", "to", "by", "rows": [...], "total": {...}} */
static int print_report_json(const cli_run *r, const report_query *q, const cli_table *t, const totals *sum)
{
	json_t *doc = json_object();
	json_t *total = json_object();
	json_object_set_new(total, "events", json_integer(sum->events));
	json_object_set_new(total, "input_tokens", json_integer(sum->input_tokens));
	json_object_set_new(total, "output_tokens", json_integer(sum->output_tokens));
	json_object_set_new(total, "cost_micros", json_integer(sum->cost_micros));
	json_object_set_new(doc, "user_id", q->user_id ? json_integer(q->user_id) : json_null());
	json_object_set_new(doc, "from", day_json(r, "from"));
	json_object_set_new(doc, "to", day_json(r, "to"));
	json_object_set_new(doc, "by", json_string(groups[q->group].name));
	json_object_set_new(doc, "rows", cli_table_json(t));
	json_object_set_new(doc, "total", total);
	int rc = cli_print_json(r, doc);
	json_decref(doc);
	return rc;
}

static int run_usage_report(cli_run *r)
{
	cli_format format;
	report_query q;
	int rc = cli_opt_format(r, &format);
	if (rc == CLI_OK)
		rc = parse_query(r, &q);
	if (rc)
		return rc;
	const cli_column columns[] = {{groups[q.group].name, CLI_TEXT}, {"events", CLI_INT},
	                              {"input_tokens", CLI_INT},        {"output_tokens", CLI_INT},
	                              {"cost_micros", CLI_INT}};
	cli_table *t = cli_table_new(columns, sizeof columns / sizeof columns[0]);
	if (!t)
		return cli_fail(r, CLI_FAILED, "out of memory");
	totals sum;
	rc = fill_rows(r, &q, t, &sum);
	if (rc == CLI_OK && format == CLI_FORMAT_JSON)
		rc = print_report_json(r, &q, t, &sum);
	else if (rc == CLI_OK) {
		/* People get a total line; CSV stays pure data (sum it yourself). */
		if (format == CLI_FORMAT_TABLE && !add_usage_row(t, "(total)", &sum))
			rc = cli_fail(r, CLI_FAILED, "out of memory");
		if (rc == CLI_OK)
			rc = cli_table_print(r, t, format);
	}
	cli_table_free(t);
	return rc;
}

const cli_cmd cli_cmd_usage_report = {
	.name = "usage report",
	.args = "",
	.summary = "usage summed per service, model, day or month",
	.details = "Sums recorded usage events (docs/METERING.md): event count, input and\n"
	           "output tokens, and cost in integer micro-units (1 unit = 1000000). --from\n"
	           "and --to name whole UTC days, both included; without them the report covers\n"
	           "everything. USER may be id:N for a deleted user (usage outlives users).\n",
	.opens_db = true,
	.run = run_usage_report,
	.opts = {{"user", "USER", "one user's usage (default: every user)"},
	         {"from", "DATE", "first day, YYYY-MM-DD (UTC)"},
	         {"to", "DATE", "last day, YYYY-MM-DD (UTC), included"},
	         {"by", "GROUP", "service (default), model, day or month"},
	         {"format", "FORMAT", "table (default), csv or json"}},
};
