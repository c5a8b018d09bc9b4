/* Command-line parsing for one command: options, positionals, --help. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Options every command accepts besides its own. */
static const cli_opt db_opt = {"db", "PATH", "database file (default: $AUTHKIT_DB)"};
static const cli_opt help_opt = {"help", NULL, "show this help"};

static int find_opt(const cli_cmd *cmd, const char *name, size_t len)
{
	for (int i = 0; i < CLI_MAX_OPTS && cmd->opts[i].name; i++)
		if (strlen(cmd->opts[i].name) == len && strncmp(cmd->opts[i].name, name, len) == 0)
			return i;
	return -1;
}

const char *cli_value(const cli_run *r, const char *name)
{
	int i = find_opt(r->cmd, name, strlen(name));
	return i < 0 ? NULL : r->values[i];
}

bool cli_flag(const cli_run *r, const char *name)
{
	return cli_value(r, name) != NULL;
}

int cli_opt_int(const cli_run *r, const char *name, int64_t min, int64_t max, int64_t *out)
{
	const char *text = cli_value(r, name);
	if (!text)
		return CLI_OK;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max)
		return cli_fail(r, CLI_USAGE, "--%s must be a whole number from %lld to %lld", name, (long long)min,
		                (long long)max);
	*out = v;
	return CLI_OK;
}

/* The value of an option: after its "=", else the next argument unless
 * that is another option (a forgotten value must not swallow "--db"). */
static const char *option_value(int argc, char **argv, int *i, const char *eq)
{
	if (eq)
		return eq + 1;
	if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0)
		return argv[++*i];
	return NULL;
}

/* "--name" or "--name=value": set r->values for it, taking the value from
 * the next argument when needed. *i is advanced past what was used. */
static int parse_option(cli_run *r, int argc, char **argv, int *i)
{
	const char *arg = argv[*i] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	if (len == 2 && strncmp(arg, "db", 2) == 0 && r->cmd->opens_db) {
		const char *v = option_value(argc, argv, i, eq);
		if (!v || !*v)
			return cli_fail(r, CLI_USAGE, "--db needs a PATH");
		r->db = v;
		return CLI_OK;
	}
	int k = find_opt(r->cmd, arg, len);
	if (k < 0)
		return cli_fail(r, CLI_USAGE, "unknown option --%.*s (see --help)", (int)len, arg);
	const cli_opt *o = &r->cmd->opts[k];
	if (r->values[k])
		return cli_fail(r, CLI_USAGE, "--%s given twice", o->name);
	if (!o->value_name) {
		if (eq)
			return cli_fail(r, CLI_USAGE, "--%s takes no value", o->name);
		r->values[k] = "";
		return CLI_OK;
	}
	const char *v = option_value(argc, argv, i, eq);
	if (!v)
		return cli_fail(r, CLI_USAGE, "--%s needs a %s", o->name, o->value_name);
	r->values[k] = v;
	return CLI_OK;
}

static int add_positional(cli_run *r, const char *arg)
{
	if (r->nargs >= r->cmd->max_args)
		return cli_fail(r, CLI_USAGE, "unexpected argument \"%s\" (see --help)", arg);
	r->args[r->nargs++] = arg;
	return CLI_OK;
}

int cli_parse(cli_run *r, int argc, char **argv)
{
	bool options_done = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int rc = CLI_OK;
		if (options_done || a[0] != '-' || strcmp(a, "-") == 0) {
			rc = add_positional(r, a);
		} else if (strcmp(a, "--") == 0) {
			options_done = true;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli_print_command_help(r->cmd, stdout);
			return -1;
		} else if (a[1] == '-') {
			rc = parse_option(r, argc, argv, &i);
		} else {
			rc = cli_fail(r, CLI_USAGE, "unknown option %s (see --help)", a);
		}
		if (rc)
			return rc;
	}
	if (r->nargs < r->cmd->min_args)
		return cli_fail(r, CLI_USAGE, "missing argument: usage: authkit %s %s", r->cmd->name, r->cmd->args);
	return CLI_OK;
}

static void print_opt(const cli_opt *o, FILE *out)
{
	char left[64];
	snprintf(left, sizeof left, "--%s%s%s", o->name, o->value_name ? " " : "",
	         o->value_name ? o->value_name : "");
	fprintf(out, "  %-24s %s\n", left, o->help);
}

void cli_print_command_help(const cli_cmd *cmd, FILE *out)
{
	fprintf(out, "usage: authkit %s%s%s [options]\n\n%s\n", cmd->name, *cmd->args ? " " : "", cmd->args,
	        cmd->summary);
	if (cmd->details)
		fprintf(out, "\n%s", cmd->details);
	fprintf(out, "\noptions:\n");
	for (int i = 0; i < CLI_MAX_OPTS && cmd->opts[i].name; i++)
		print_opt(&cmd->opts[i], out);
	if (cmd->opens_db)
		print_opt(&db_opt, out);
	print_opt(&help_opt, out);
	fprintf(out, "\nExit codes: see `authkit --help` or docs/CLI.md.\n");
}
