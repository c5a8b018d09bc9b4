#include "bench_common.h"

#include <authkit.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int bench_errors;

static bench_row rows[16];
static int row_count;

/* ---- small utilities ---- */

double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double sorted_min(const double *v)
{
	return v[0];
}

void fail(const char *what, int rc)
{
	fprintf(stderr, "ERROR %s: %s (%s)\n", what, authkit_strerror(rc), authkit_error_last());
	bench_errors++;
}

void remove_db(const char *path)
{
	char buf[1100];
	unlink(path);
	snprintf(buf, sizeof buf, "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof buf, "%s-shm", path);
	unlink(buf);
}

/* ---- result table ---- */

void print_row(const bench_row *r)
{
	printf("%-20s %-9s %10.3f %-5s %-11s %10.3f %-5s ratio %6.3f   target %-11s %s\n", r->name, r->a_label, r->a,
	       r->unit, r->b_label, r->b, r->unit, r->ratio, r->target, r->info ? "info" : r->pass ? "PASS" : "MISS");
	fflush(stdout);
}

bench_row *add_row(const char *name, const char *a_label, double a, const char *b_label, double b,
                   const char *unit)
{
	bench_row *r = &rows[row_count++];
	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	snprintf(r->a_label, sizeof r->a_label, "%s", a_label);
	snprintf(r->b_label, sizeof r->b_label, "%s", b_label);
	snprintf(r->unit, sizeof r->unit, "%s", unit);
	r->a = a;
	r->b = b;
	r->ratio = b > 0 ? a / b : 0;
	return r;
}

void row_at_most(bench_row *r, double max)
{
	snprintf(r->target, sizeof r->target, "<= %.2f", max);
	r->pass = r->ratio <= max;
	print_row(r);
}

void row_at_least(bench_row *r, double min)
{
	snprintf(r->target, sizeof r->target, ">= %.2f", min);
	r->pass = r->ratio >= min;
	print_row(r);
}

void row_between(bench_row *r, double lo, double hi)
{
	snprintf(r->target, sizeof r->target, "%.2f-%.2f", lo, hi);
	r->pass = r->ratio >= lo && r->ratio <= hi;
	print_row(r);
}

void row_value_at_least(bench_row *r, double min)
{
	snprintf(r->target, sizeof r->target, ">= %.0f/s", min);
	r->pass = r->a >= min;
	print_row(r);
}

void row_value_at_most(bench_row *r, double max)
{
	snprintf(r->target, sizeof r->target, "<= %g %s", max, r->unit);
	r->pass = r->a <= max;
	print_row(r);
}

void row_info(bench_row *r)
{
	snprintf(r->target, sizeof r->target, "(reference)");
	r->info = true;
	print_row(r);
}

static void print_summary(void)
{
	printf("\nsummary\n");
	for (int i = 0; i < row_count; i++)
		print_row(&rows[i]);
}

/* ---- machine and build ---- */

/* CPU time (seconds) every process spent busy, from /proc/stat's first line. */
static double system_busy_s(void)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return 0;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	               &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return 0;
	/* user nice system [idle iowait] irq softirq steal */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void load_start(load_probe *p)
{
	p->wall = now_s();
	p->busy = system_busy_s();
	p->self = self_cpu_s();
}

static void load_report(const load_probe *p)
{
	double wall = now_s() - p->wall, other = system_busy_s() - p->busy - (self_cpu_s() - p->self);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	double share = wall > 0 && cores > 0 ? 100.0 * other / (wall * (double)cores) : 0;
	printf("\nother processes used %.0f%% of the %ld cores during the run (%.1f s)%s\n", share < 0 ? 0 : share,
	       cores, wall, share > 10 ? ": the machine was not idle, figures are noisy" : "");
}

static void cpu_model(char *out, size_t size)
{
	snprintf(out, size, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			snprintf(out, size, "%s", colon + 2);
			out[strcspn(out, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
}

static void print_header(const char *what, bool quick, const char *libs_extra, const char *data_dir)
{
	char cpu[256];
	cpu_model(cpu, sizeof cpu);
	printf("libauthkit %s %s (%s run)\n", authkit_version_string(), what, quick ? "quick" : "full");
	printf("cpu: %s, online cores: %ld\n", cpu, sysconf(_SC_NPROCESSORS_ONLN));
	printf("libsodium %s, SQLite %s%s, data dir %s\n", sodium_version_string(), sqlite3_libversion(), libs_extra,
	       data_dir);
#ifdef NDEBUG
	printf("build: NDEBUG (release)\n");
#else
	printf("build: assertions on (use -Dbuildtype=release for figures)\n");
#endif
	printf("\n");
}

int bench_start(const char *what, bool quick, const char *libs_extra, const char *data_dir, load_probe *load)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "ERROR sodium_init failed\n");
		return -1;
	}
	print_header(what, quick, libs_extra, data_dir);
	load_start(load);
	return 0;
}

/* ---- raw SQLite ---- */

sqlite3 *raw_open(const char *path, int flags)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		fprintf(stderr, "ERROR sqlite3_open %s: %s\n", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

int raw_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "ERROR sqlite: %s: %s\n", sql, msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

/* ---- command line and exit ---- */

int parse_common_args(int argc, char **argv, bool *quick, char *data_dir, size_t data_dir_size)
{
	const char *tmp = getenv("TMPDIR");
	*quick = false;
	snprintf(data_dir, data_dir_size, "%s", tmp && *tmp ? tmp : "/tmp");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			*quick = true;
		} else if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc) {
			snprintf(data_dir, data_dir_size, "%s", argv[++i]);
		} else {
			fprintf(stderr, "usage: %s [--quick] [--data-dir DIR]\n", argv[0]);
			return -1;
		}
	}
	return 0;
}

int bench_finish(const load_probe *load)
{
	print_summary();
	load_report(load);
	if (bench_errors)
		fprintf(stderr, "\n%d error(s): some benchmarks did not run\n", bench_errors);
	return bench_errors ? 1 : 0;
}
