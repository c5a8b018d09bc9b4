/*
 * authkit — administer a libauthkit database from the shell.
 *
 *   authkit [--db PATH] COMMAND [SUBCOMMAND] [options] [arguments]
 *
 * main() finds the command in the table below, parses its options
 * (args.c), opens the database when the command needs one, and runs it.
 * See docs/CLI.md.
 */
#include <string.h>

#include "cli.h"

static const cli_cmd *const commands[] = {
	&cli_cmd_init,
	&cli_cmd_check,
	&cli_cmd_user_create,
	&cli_cmd_user_list,
	&cli_cmd_user_show,
	&cli_cmd_user_lock,
	&cli_cmd_user_unlock,
	&cli_cmd_user_activate,
	&cli_cmd_user_deactivate,
	&cli_cmd_user_delete,
	&cli_cmd_user_verify_password,
	&cli_cmd_sessions_revoke,
	&cli_cmd_cleanup,
	&cli_cmd_keys_rotate,
	&cli_cmd_usage_report,
	&cli_cmd_import,
	&cli_cmd_audit,
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static const char exit_codes_help[] =
	"exit codes:\n"
	"  0  success\n"
	"  1  the operation failed (storage, I/O, crypto)\n"
	"  2  usage error: unknown command or option, missing argument, no database given\n"
	"  3  not found: no such user, database file or input file\n"
	"  4  already exists: username or email taken\n"
	"  5  rejected: password policy, invalid value, import lines refused\n"
	"  6  configuration: an AUTHKIT_* setting is invalid, or a needed one is missing\n"
	"  7  check failed: database damaged, or of a newer schema than this build\n"
	"  8  authentication failed (user verify-password)\n";

static void print_usage(FILE *out)
{
	fprintf(out, "usage: authkit [--db PATH] COMMAND [options] [arguments]\n\n"
	             "Administer a libauthkit database (libauthkit %s).\n\ncommands:\n",
	        authkit_version_string());
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		char left[64];
		snprintf(left, sizeof left, "%s %s", commands[i]->name, commands[i]->args);
		fprintf(out, "  %-28s %s\n", left, commands[i]->summary);
	}
	fprintf(out, "\n"
	             "options:\n"
	             "  --db PATH     the database (default: $AUTHKIT_DB); before or after the command\n"
	             "  --version     print the version\n"
	             "  -h, --help    this help; `authkit COMMAND --help` for one command\n\n"
	             "Users are named by username, email address, or id:N. Dates are YYYY-MM-DD\n"
	             "and name whole UTC days. Passwords are never taken from the command line.\n"
	             "Settings come from AUTHKIT_* variables (docs/CONFIGURATION.md).\n"
	             "Errors go to stderr as one line: authkit: COMMAND: MESSAGE.\n\n%s",
	        exit_codes_help);
}

/* Number of words in a command name: 1 ("init") or 2 ("user create"). */
static int name_words(const char *name)
{
	return strchr(name, ' ') ? 2 : 1;
}

static bool word_matches(const char *name, int word, const char *arg)
{
	const char *space = strchr(name, ' ');
	if (word == 0) {
		size_t len = space ? (size_t)(space - name) : strlen(name);
		return strlen(arg) == len && strncmp(name, arg, len) == 0;
	}
	return space && strcmp(space + 1, arg) == 0;
}

static const cli_cmd *find_command(int argc, char **argv)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		const cli_cmd *c = commands[i];
		if (!word_matches(c->name, 0, argv[0]))
			continue;
		if (name_words(c->name) == 1 || (argc > 1 && word_matches(c->name, 1, argv[1])))
			return c;
	}
	return NULL;
}

/* True when word is the first word of a two-word command ("user", "keys"). */
static bool is_group(const char *word)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (name_words(commands[i]->name) == 2 && word_matches(commands[i]->name, 0, word))
			return true;
	return false;
}

static void print_group_help(const char *group, FILE *out)
{
	fprintf(out, "usage: authkit %s SUBCOMMAND [options]\n\nsubcommands:\n", group);
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (name_words(commands[i]->name) == 2 && word_matches(commands[i]->name, 0, group)) {
			char left[64];
			snprintf(left, sizeof left, "%s %s", strchr(commands[i]->name, ' ') + 1, commands[i]->args);
			fprintf(out, "  %-28s %s\n", left, commands[i]->summary);
		}
	fprintf(out, "\n`authkit %s SUBCOMMAND --help` for one of them.\n", group);
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* No command matched argv[0] (and argv[1]). */
static int unknown_command(int argc, char **argv)
{
	if (!is_group(argv[0]))
		return cli_fail(NULL, CLI_USAGE, "%s: unknown command (see authkit --help)", argv[0]);
	if (argc > 1 && is_help(argv[1])) {
		print_group_help(argv[0], stdout);
		return CLI_OK;
	}
	if (argc < 2 || argv[1][0] == '-')
		return cli_fail(NULL, CLI_USAGE, "%s: missing subcommand (see authkit %s --help)", argv[0], argv[0]);
	return cli_fail(NULL, CLI_USAGE, "%s %s: unknown command (see authkit %s --help)", argv[0], argv[1],
	                argv[0]);
}

static int run_command(const cli_cmd *cmd, const char *db, int argc, char **argv)
{
	cli_run r = {.cmd = cmd, .db = db};
	int rc = cli_parse(&r, argc, argv);
	if (rc)
		return rc < 0 ? CLI_OK : rc; /* < 0: --help was printed */
	if (cmd->opens_db && (rc = cli_open_db(&r)) != CLI_OK)
		return rc;
	rc = cmd->run(&r);
	authkit_ctx_free(r.ctx);
	return rc;
}

/* Options before the command: --db, --help, --version. *i is left on the command. */
static int global_options(int argc, char **argv, int *i, const char **db)
{
	for (; *i < argc && argv[*i][0] == '-'; ++*i) {
		const char *a = argv[*i];
		if (is_help(a)) {
			print_usage(stdout);
			return -1;
		} else if (strcmp(a, "--version") == 0) {
			printf("authkit %s\n", authkit_version_string());
			return -1;
		} else if (strcmp(a, "--db") == 0 && *i + 1 < argc && argv[*i + 1][0]) {
			*db = argv[++*i];
		} else if (strncmp(a, "--db=", 5) == 0 && a[5]) {
			*db = a + 5;
		} else if (strcmp(a, "--db") == 0 || strcmp(a, "--db=") == 0) {
			return cli_fail(NULL, CLI_USAGE, "--db needs a PATH");
		} else {
			return cli_fail(NULL, CLI_USAGE, "%s: unknown option (see authkit --help)", a);
		}
	}
	return CLI_OK;
}

int main(int argc, char **argv)
{
	const char *db = NULL;
	int i = 1;
	int rc = global_options(argc, argv, &i, &db);
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	if (i >= argc)
		return cli_fail(NULL, CLI_USAGE, "missing command (see authkit --help)");
	const cli_cmd *cmd = find_command(argc - i, argv + i);
	if (!cmd)
		return unknown_command(argc - i, argv + i);
	int words = name_words(cmd->name);
	rc = run_command(cmd, db, argc - i - words, argv + i + words);
	/* Output a script reads must not be lost silently (a full disk, a closed pipe). */
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == CLI_OK)
		rc = cli_fail(NULL, CLI_FAILED, "cannot write to standard output");
	return rc;
}
