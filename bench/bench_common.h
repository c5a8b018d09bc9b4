/*
 * What bench_auth and bench_tokens share: timing and medians, the result
 * table (one row a figure, with its reference, ratio and target), error
 * counting, raw SQLite helpers, the machine header, the CPU-load report and
 * the common command line ([--quick] [--data-dir DIR]).
 */
#ifndef AUTHKIT_BENCH_COMMON_H
#define AUTHKIT_BENCH_COMMON_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

/* One line of the result table. */
typedef struct bench_row {
	char name[32];
	char a_label[16], b_label[16], unit[8];
	double a, b, ratio;
	char target[24];
	bool pass, info;
} bench_row;

/* Things that did not work at all; the exit status is 1 when non-zero. */
extern int bench_errors;

/* ---- small utilities ---- */

/* Monotonic wall clock, in seconds. */
double now_s(void);
/* Median of v (sorted in place). */
double median(double *v, int n);
/* Minimum of v (call after median(): v is sorted). */
double sorted_min(const double *v);
/* Report a failed library call and count it as an error. */
void fail(const char *what, int rc);
/* Remove a database file and its -wal / -shm companions. */
void remove_db(const char *path);

/* ---- result table ---- */

void print_row(const bench_row *r);
/* A new row (of at most 16) with a / b as its ratio; a target call prints it. */
bench_row *add_row(const char *name, const char *a_label, double a, const char *b_label, double b,
                   const char *unit);
void row_at_most(bench_row *r, double max);
void row_at_least(bench_row *r, double min);
void row_between(bench_row *r, double lo, double hi);
/* A target on the library figure itself (throughput), not on the ratio. */
void row_value_at_least(bench_row *r, double min);
/* A target on the library figure itself (latency, in the row's unit). */
void row_value_at_most(bench_row *r, double max);
void row_info(bench_row *r);

/* ---- machine and build ---- */

/* How busy the machine was with other work during the run: figures taken
 * while something else competes for the cores are not worth publishing. */
typedef struct load_probe {
	double wall, busy, self;
} load_probe;

/* Start a run: sodium_init(), the header ("libauthkit VERSION <what> (quick|full
 * run)", the CPU, "libsodium ..., SQLite ...<libs_extra>, data dir ..." and
 * the build), then the load probe. -1 (after a message) if sodium_init fails. */
int bench_start(const char *what, bool quick, const char *libs_extra, const char *data_dir, load_probe *load);

/* ---- raw SQLite ---- */

sqlite3 *raw_open(const char *path, int flags);
int raw_exec(sqlite3 *db, const char *sql);

/* ---- command line and exit ---- */

/* [--quick] [--data-dir DIR] (default $TMPDIR or /tmp); -1 after printing the
 * usage on anything else. */
int parse_common_args(int argc, char **argv, bool *quick, char *data_dir, size_t data_dir_size);

/* The summary table, the load report and the error count; the exit status. */
int bench_finish(const load_probe *load);

#endif
