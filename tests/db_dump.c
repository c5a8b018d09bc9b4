#include "db_dump.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (b->len + n + 1 > cap)
			cap *= 2;
		b->p = realloc(b->p, cap);
		ck_assert_ptr_nonnull(b->p);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sb_str(sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *db_raw_dump(const char *path, int with_schema)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	ck_assert_msg(rc == SQLITE_OK, "open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	sbuf out = {0};
	sqlite3_stmt *tables = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_master ORDER BY type, name", -1,
	                                    &tables, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(tables, 0);
		const char *sql = (const char *)sqlite3_column_text(tables, 1);
		sb_str(&out, "== ");
		sb_str(&out, name);
		if (with_schema) {
			sb_str(&out, " ");
			sb_str(&out, sql ? sql : "");
		}
		sb_str(&out, "\n");
		if (!sql || strncmp(sql, "CREATE TABLE", 12) != 0)
			continue;
		char *q = sqlite3_mprintf("SELECT * FROM \"%w\"", name);
		sqlite3_stmt *st = NULL;
		ck_assert_msg(sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
		sqlite3_free(q);
		char **rows = NULL;
		size_t nrows = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			sbuf row = {0};
			sb_str(&row, "");
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				char cell[64];
				int t = sqlite3_column_type(st, c);
				if (t == SQLITE_NULL) {
					sb_str(&row, "NULL|");
					continue;
				}
				if (t == SQLITE_INTEGER) {
					snprintf(cell, sizeof cell, "i%lld|", (long long)sqlite3_column_int64(st, c));
					sb_str(&row, cell);
					continue;
				}
				const unsigned char *v = t == SQLITE_BLOB ? sqlite3_column_blob(st, c)
				                                          : sqlite3_column_text(st, c);
				int n = sqlite3_column_bytes(st, c);
				sb_str(&row, t == SQLITE_BLOB ? "b" : t == SQLITE_FLOAT ? "f" : "t");
				for (int k = 0; k < n; k++) {
					snprintf(cell, sizeof cell, "%02x", v[k]);
					sb_str(&row, cell);
				}
				sb_str(&row, "|");
			}
			rows = realloc(rows, (nrows + 1) * sizeof *rows);
			ck_assert_ptr_nonnull(rows);
			rows[nrows++] = row.p;
		}
		sqlite3_finalize(st);
		if (nrows > 0) /* qsort(NULL, 0) is undefined: empty tables */
			qsort(rows, nrows, sizeof *rows, cmp_str);
		for (size_t i = 0; i < nrows; i++) {
			sb_str(&out, rows[i]);
			sb_str(&out, "\n");
			free(rows[i]);
		}
		free(rows);
	}
	sqlite3_finalize(tables);
	sqlite3_close(db);
	return out.p;
}

static int dump_user(const authkit_store_user *u, void *userdata)
{
	char line[2048];
	snprintf(line, sizeof line, "u %lld|%s|%s|%s|%s|%s|%d%d%d|%d|%lld|%lld|%lld|%lld\n", (long long)u->id,
	         u->username, u->email, u->full_name, u->password_hash, u->roles, u->is_active, u->is_verified,
	         u->is_superuser, u->failed_logins, (long long)u->locked_until, (long long)u->created_at,
	         (long long)u->updated_at, (long long)u->last_login_at);
	sb_str(userdata, line);
	return 0;
}

static int dump_audit(const authkit_store_audit *a, void *userdata)
{
	char line[512];
	snprintf(line, sizeof line, "a %lld|%lld|%lld|%s|%s|%s\n", (long long)a->id, (long long)a->time,
	         (long long)a->user_id, a->event, a->ip, a->detail);
	sb_str(userdata, line);
	return 0;
}

char *db_store_dump(authkit_store *s)
{
	sbuf out = {0};
	int64_t n = -1;
	ck_assert_int_eq(s->user_count(s, &n), AUTHKIT_OK);
	char line[64];
	snprintf(line, sizeof line, "count %lld\n", (long long)n);
	sb_str(&out, line);
	ck_assert_int_eq(s->user_list(s, 0, 1000, dump_user, &out), AUTHKIT_OK);
	ck_assert_int_eq(s->audit_query(s, 0, 0, 0, 10000, dump_audit, &out), AUTHKIT_OK);
	return out.p;
}

static const char *line_at(const char *s, size_t off, char *out, size_t size)
{
	size_t start = off;
	while (start > 0 && s[start - 1] != '\n')
		start--;
	size_t len = strcspn(s + start, "\n");
	snprintf(out, size, "%.*s", (int)(len < 300 ? len : 300), s + start);
	return out;
}

const char *db_first_diff(const char *a, const char *b)
{
	static char msg[800];
	char la[310], lb[310];
	size_t i = 0;
	while (a[i] && a[i] == b[i])
		i++;
	snprintf(msg, sizeof msg, "before: %s\n  after: %s", line_at(a, i, la, sizeof la), line_at(b, i, lb, sizeof lb));
	return msg;
}
