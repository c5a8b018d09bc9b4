/*
 * Tabular output in three formats: an aligned table for people, CSV (RFC
 * 4180 quoting, a header line, \n line ends) and JSON (jansson) for
 * programs. Every listing command builds a cli_table and picks the format
 * from --format.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct cli_cell {
	char *text; /* CLI_TEXT */
	int64_t num; /* the other kinds */
} cli_cell;

struct cli_table {
	const cli_column *cols;
	size_t ncols;
	cli_cell *cells; /* row-major */
	size_t ncells;
	size_t cap;
};

int cli_opt_format(const cli_run *r, cli_format *out)
{
	const char *f = cli_value(r, "format");
	if (!f || strcmp(f, "table") == 0)
		*out = CLI_FORMAT_TABLE;
	else if (strcmp(f, "csv") == 0)
		*out = CLI_FORMAT_CSV;
	else if (strcmp(f, "json") == 0)
		*out = CLI_FORMAT_JSON;
	else
		return cli_fail(r, CLI_USAGE, "--format must be table, csv or json");
	return CLI_OK;
}

cli_table *cli_table_new(const cli_column *columns, size_t ncolumns)
{
	cli_table *t = calloc(1, sizeof *t);
	if (t) {
		t->cols = columns;
		t->ncols = ncolumns;
	}
	return t;
}

void cli_table_free(cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i].text);
	free(t->cells);
	free(t);
}

size_t cli_table_rows(const cli_table *t)
{
	return t->ncells / t->ncols;
}

bool cli_table_row(cli_table *t)
{
	/* Room for a whole row now, so the value calls cannot fail halfway. */
	if (t->ncells + t->ncols <= t->cap)
		return true;
	size_t cap = t->cap ? t->cap * 2 : t->ncols * 16;
	cli_cell *cells = realloc(t->cells, cap * sizeof *cells);
	if (!cells)
		return false;
	t->cells = cells;
	t->cap = cap;
	return true;
}

bool cli_table_text(cli_table *t, const char *value)
{
	char *copy = strdup(value ? value : "");
	if (!copy || t->ncells >= t->cap) {
		free(copy);
		return false;
	}
	t->cells[t->ncells++] = (cli_cell){.text = copy};
	return true;
}

bool cli_table_int(cli_table *t, int64_t value)
{
	if (t->ncells >= t->cap)
		return false;
	t->cells[t->ncells++] = (cli_cell){.num = value};
	return true;
}

static const cli_cell *cell(const cli_table *t, size_t row, size_t col)
{
	return &t->cells[row * t->ncols + col];
}

/* The cell as text for the table (human) or CSV (program) form. */
static const char *cell_string(const cli_table *t, size_t row, size_t col, bool human, char *buf, size_t size)
{
	const cli_cell *c = cell(t, row, col);
	switch (t->cols[col].kind) {
	case CLI_TEXT:
		return c->text;
	case CLI_BOOL:
		return c->num ? (human ? "yes" : "true") : (human ? "no" : "false");
	case CLI_TIME:
		if (c->num == 0)
			return human ? "-" : "";
		cli_format_time(c->num, buf, size);
		return buf;
	case CLI_INT:
	default:
		snprintf(buf, size, "%lld", (long long)c->num);
		return buf;
	}
}

/* Columns on a terminal: UTF-8 code points, not bytes. */
static size_t display_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Text for a terminal: no control characters (no escape sequences from data). */
static void put_sanitized(const char *s, FILE *out)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

static void put_padded(const char *s, size_t width, bool right, bool last, FILE *out)
{
	size_t w = display_width(s);
	size_t pad = width > w ? width - w : 0;
	if (right)
		fprintf(out, "%*s", (int)pad, "");
	put_sanitized(s, out);
	if (!right && !last)
		fprintf(out, "%*s", (int)pad, "");
}

static bool print_table(const cli_table *t, FILE *out)
{
	size_t *width = calloc(t->ncols, sizeof *width);
	if (!width)
		return false;
	char buf[64];
	for (size_t c = 0; c < t->ncols; c++) {
		width[c] = display_width(t->cols[c].name);
		for (size_t r = 0; r < cli_table_rows(t); r++) {
			size_t w = display_width(cell_string(t, r, c, true, buf, sizeof buf));
			width[c] = w > width[c] ? w : width[c];
		}
	}
	for (size_t r = 0; r <= cli_table_rows(t); r++) { /* row 0 is the header */
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = r == 0 ? t->cols[c].name : cell_string(t, r - 1, c, true, buf, sizeof buf);
			bool right = t->cols[c].kind == CLI_INT;
			put_padded(s, width[c], right, c + 1 == t->ncols, out);
			fputs(c + 1 == t->ncols ? "\n" : "  ", out);
		}
	}
	free(width);
	return true;
}

static void put_csv_field(const char *s, FILE *out)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void print_csv(const cli_table *t, FILE *out)
{
	char buf[64];
	for (size_t r = 0; r <= cli_table_rows(t); r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', out);
			put_csv_field(r == 0 ? t->cols[c].name : cell_string(t, r - 1, c, false, buf, sizeof buf), out);
		}
		fputc('\n', out);
	}
}

static json_t *cell_json(const cli_table *t, size_t row, size_t col)
{
	const cli_cell *c = cell(t, row, col);
	char buf[64];
	switch (t->cols[col].kind) {
	case CLI_TEXT:
		return json_string(c->text);
	case CLI_BOOL:
		return json_boolean(c->num);
	case CLI_TIME:
		if (c->num == 0)
			return json_null();
		cli_format_time(c->num, buf, sizeof buf);
		return json_string(buf);
	case CLI_INT:
	default:
		return json_integer(c->num);
	}
}

json_t *cli_table_json_row(const cli_table *t, size_t i)
{
	json_t *obj = json_object();
	for (size_t c = 0; obj && c < t->ncols; c++)
		if (json_object_set_new(obj, t->cols[c].name, cell_json(t, i, c)) != 0) {
			json_decref(obj);
			obj = NULL;
		}
	return obj;
}

json_t *cli_table_json(const cli_table *t)
{
	json_t *rows = json_array();
	for (size_t r = 0; rows && r < cli_table_rows(t); r++)
		if (json_array_append_new(rows, cli_table_json_row(t, r)) != 0) {
			json_decref(rows);
			rows = NULL;
		}
	return rows;
}

int cli_print_json(const cli_run *r, json_t *value)
{
	if (!value || json_dumpf(value, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		return cli_fail(r, CLI_FAILED, "cannot write the output as JSON");
	putchar('\n');
	return CLI_OK;
}

static int print_json(const cli_run *r, json_t *value)
{
	int rc = cli_print_json(r, value);
	json_decref(value);
	return rc;
}

int cli_table_print(const cli_run *r, const cli_table *t, cli_format format)
{
	if (format == CLI_FORMAT_JSON)
		return print_json(r, cli_table_json(t));
	if (format == CLI_FORMAT_CSV)
		print_csv(t, stdout);
	else if (!print_table(t, stdout))
		return cli_fail(r, CLI_FAILED, "out of memory");
	return CLI_OK;
}

/* "name: value" lines, the values in one column. */
static void print_fields(const cli_table *t, FILE *out)
{
	size_t width = 0;
	for (size_t c = 0; c < t->ncols; c++)
		width = strlen(t->cols[c].name) > width ? strlen(t->cols[c].name) : width;
	char buf[64];
	for (size_t c = 0; c < t->ncols; c++) {
		const char *value = cell_string(t, 0, c, true, buf, sizeof buf);
		fprintf(out, "%s:", t->cols[c].name);
		if (*value) /* no trailing blanks after an empty value */
			fprintf(out, "%*s", (int)(width - strlen(t->cols[c].name) + 1), "");
		put_sanitized(value, out);
		fputc('\n', out);
	}
}

int cli_table_print_record(const cli_run *r, const cli_table *t, cli_format format)
{
	if (format == CLI_FORMAT_JSON)
		return print_json(r, cli_table_json_row(t, 0));
	if (format == CLI_FORMAT_CSV)
		print_csv(t, stdout);
	else
		print_fields(t, stdout);
	return CLI_OK;
}
