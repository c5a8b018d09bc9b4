/*
 * authkit CLI — what the command files share: the command table entry, the
 * parsed invocation, exit codes, error reporting, user references, dates,
 * password input and table/CSV/JSON output.
 *
 * The CLI links libauthkit through its public headers only, like any host.
 */
#ifndef AUTHKIT_CLI_H
#define AUTHKIT_CLI_H

#include <authkit.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__GNUC__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

/* Exit codes: stable, documented in docs/CLI.md and `authkit --help`. */
enum {
	CLI_OK = 0,
	CLI_FAILED = 1,    /* the operation failed (storage, I/O, crypto, ...) */
	CLI_USAGE = 2,     /* bad command line: unknown command or option, missing argument */
	CLI_NOT_FOUND = 3, /* no such user, database file or input file */
	CLI_EXISTS = 4,    /* username or email already taken */
	CLI_REJECTED = 5,  /* input rejected: password policy, invalid value, import lines */
	CLI_CONFIG = 6,    /* bad AUTHKIT_* setting, or one that is needed is missing */
	CLI_CHECK = 7,     /* database damaged, or of a newer schema than this build */
	CLI_AUTH = 8       /* password did not verify (user verify-password) */
};

#define CLI_MAX_OPTS 10
#define CLI_MAX_ARGS 3

typedef struct cli_opt {
	const char *name;       /* without the dashes: "format" */
	const char *value_name; /* "FORMAT"; NULL for a flag */
	const char *help;
} cli_opt;

typedef struct cli_run cli_run;

typedef struct cli_cmd {
	const char *name;    /* "user create" */
	const char *args;    /* positional synopsis: "USERNAME EMAIL", "" for none */
	const char *summary; /* one line */
	const char *details; /* more help text, or NULL */
	int min_args;
	int max_args;
	bool opens_db;   /* needs --db / AUTHKIT_DB and gets r->ctx */
	bool creates_db; /* init: a missing database file is created, not an error */
	int (*run)(cli_run *r);
	cli_opt opts[CLI_MAX_OPTS]; /* ends at the first {NULL} */
} cli_cmd;

struct cli_run {
	const cli_cmd *cmd;
	const char *args[CLI_MAX_ARGS];
	int nargs;
	const char *values[CLI_MAX_OPTS]; /* per cmd->opts[i]: value, "" for a flag given, NULL when absent */
	const char *db;                   /* --db, else $AUTHKIT_DB */
	authkit_ctx *ctx;                 /* open when cmd->opens_db */
	bool db_created;                  /* init: the database file did not exist */
};

/* The commands (cmd_*.c); main.c lists them. */
extern const cli_cmd cli_cmd_init, cli_cmd_check, cli_cmd_cleanup, cli_cmd_keys_rotate;
extern const cli_cmd cli_cmd_user_create, cli_cmd_user_list, cli_cmd_user_show, cli_cmd_user_lock,
	cli_cmd_user_unlock, cli_cmd_user_activate, cli_cmd_user_deactivate, cli_cmd_user_delete,
	cli_cmd_user_verify_password, cli_cmd_sessions_revoke;
extern const cli_cmd cli_cmd_usage_report, cli_cmd_import, cli_cmd_audit;

/* ---- options (args.c) ---- */

/* Value of option `name` (NULL when absent; "" for a flag that was given). */
const char *cli_value(const cli_run *r, const char *name);
bool cli_flag(const cli_run *r, const char *name);
/* Parse --name's integer value into [min, max]; absent leaves *out alone. */
int cli_opt_int(const cli_run *r, const char *name, int64_t min, int64_t max, int64_t *out);
/* Parse argv (after the command words) into r; CLI_OK, CLI_USAGE, or -1
 * when --help was given and printed. */
int cli_parse(cli_run *r, int argc, char **argv);
/* Full help of one command, to out. */
void cli_print_command_help(const cli_cmd *cmd, FILE *out);

/* ---- errors and lookups (common.c) ---- */

/* Print "authkit: <command>: <message>" to stderr; returns code. */
int cli_fail(const cli_run *r, int code, const char *fmt, ...) CLI_PRINTF(3, 4);
/* The exit code for a library status. */
int cli_exit_code(int status);
/* cli_fail with the library's detail message: "<what>: <detail>". */
int cli_fail_status(const cli_run *r, int status, const char *what);
/* Open r->ctx from r->db (checking the file exists unless creating). */
int cli_open_db(cli_run *r);
/* The database for messages: its file path, or "the database" when it is
 * not a file (a server URL may hold a password). */
const char *cli_db_name(const cli_run *r);

/*
 * A user reference on the command line: a username, an email address
 * (contains '@'), or "id:N". Neither '@' nor ':' can appear in a username,
 * so the three never overlap.
 */
int cli_find_user(const cli_run *r, const char *ref, authkit_user **out);
/* The id a reference names; "id:N" needs no lookup, so it also names a
 * deleted user (usage and audit outlive users). */
int cli_user_id(const cli_run *r, const char *ref, int64_t *id_out);

/* ---- dates (common.c): whole UTC days, "YYYY-MM-DD" ---- */

/*
 * A range of whole days from two options (--from/--to, --since/--until),
 * both days included: *since = start of the first day (0 when absent),
 * *until = end of the last day, exclusive (0 when absent: no end).
 */
int cli_opt_days(const cli_run *r, const char *first, const char *last, int64_t *since, int64_t *until);
/* "2024-05-01T12:00:00Z" into buf (size >= 32). */
void cli_format_time(int64_t t, char *buf, size_t size);

/* ---- passwords (password_input.c) ---- */

#define CLI_PASSWORD_BUF (AUTHKIT_PASSWORD_MAX_BYTES + 2)

/*
 * With --password-stdin, the first line of standard input; otherwise a
 * prompt on the controlling terminal with echo off (twice when confirm).
 * Never from argv. buf has CLI_PASSWORD_BUF bytes; wipe it with
 * cli_wipe() when done.
 */
int cli_read_password(const cli_run *r, const char *for_whom, bool confirm, char *buf);
/* A random password of len characters (len < size) from the kernel's CSPRNG. */
int cli_generate_password(char *buf, size_t size, size_t len);
void cli_wipe(void *p, size_t n);

/* ---- output (output.c) ---- */

typedef enum { CLI_TEXT, CLI_INT, CLI_BOOL, CLI_TIME } cli_kind;

typedef struct cli_column {
	const char *name;
	cli_kind kind;
} cli_column;

typedef enum { CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON } cli_format;

typedef struct cli_table cli_table;

/* --format table|csv|json (default table). */
int cli_opt_format(const cli_run *r, cli_format *out);
/* columns must outlive the table. NULL when out of memory. */
cli_table *cli_table_new(const cli_column *columns, size_t ncolumns);
void cli_table_free(cli_table *t);
/* Start a row, then give one value per column, in order. */
bool cli_table_row(cli_table *t);
bool cli_table_text(cli_table *t, const char *value);
bool cli_table_int(cli_table *t, int64_t value); /* CLI_INT, CLI_BOOL, CLI_TIME (0: never) */
size_t cli_table_rows(const cli_table *t);
/* Rows on stdout as a table, CSV (with a header line) or a JSON array of
 * objects; a failure is reported as r's error. */
int cli_table_print(const cli_run *r, const cli_table *t, cli_format format);
/* The one row of t: "name: value" lines, CSV, or one JSON object. */
int cli_table_print_record(const cli_run *r, const cli_table *t, cli_format format);
/* Row i as a JSON object (a new reference; NULL when out of memory). */
struct json_t *cli_table_json_row(const cli_table *t, size_t i);
/* Every row as a JSON array (a new reference). */
struct json_t *cli_table_json(const cli_table *t);
/* Write a JSON value to stdout, indented, and a newline; value NULL (a
 * failed build) is reported as r's error. */
int cli_print_json(const cli_run *r, struct json_t *value);

#endif
