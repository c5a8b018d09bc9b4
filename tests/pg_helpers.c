#include "pg_helpers.h"

#include <check.h>
#include <stdbool.h>
#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool flag_set(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0") != 0 && strcmp(v, "false") != 0;
}

const char *pg_test_server(void)
{
	const char *url = getenv("AUTHKIT_TEST_PG");
	if (url && *url)
		return url;
	if (flag_set("AUTHKIT_TEST_PG_REQUIRED") || flag_set("CI")) {
		fprintf(stderr, "FAIL: AUTHKIT_TEST_PG is not set, and a PostgreSQL server is required here "
		                "(AUTHKIT_TEST_PG_REQUIRED or CI). Run scripts/test.sh, which starts one.\n");
		exit(1);
	}
	printf("SKIP: no PostgreSQL test server (AUTHKIT_TEST_PG is not set). "
	       "eval \"$(scripts/pg-test-cluster.sh start)\" starts one; scripts/test.sh does it for you.\n");
	exit(77);
}

/* One administrative connection per process (Check forks each test). */
static PGconn *admin(void)
{
	static PGconn *conn;
	static pid_t owner;
	if (conn && owner != getpid())
		conn = NULL; /* the parent's: never touched from a child */
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		if (conn)
			PQfinish(conn);
		conn = PQconnectdb(pg_test_server());
		owner = getpid();
		ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "test server: %s", PQerrorMessage(conn));
		PQclear(PQexec(conn, "SET client_min_messages = warning"));
	}
	return conn;
}

static PGresult *run_in(const char *schema, const char *sql)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "SET search_path TO %s; %s", schema ? schema : "public", sql);
	PGconn *conn = admin();
	PGresult *res = PQexec(conn, buf);
	if (PQstatus(conn) != CONNECTION_OK) { /* the server restarted (pg-outage): once more */
		PQclear(res);
		res = PQexec(admin(), buf);
	}
	ExecStatusType st = PQresultStatus(res);
	ck_assert_msg(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(res));
	return res;
}

void pg_test_sql(const char *schema, const char *sql)
{
	PQclear(run_in(schema, sql));
}

int64_t pg_test_sql_int(const char *schema, const char *sql)
{
	PGresult *res = run_in(schema, sql);
	ck_assert_msg(PQntuples(res) == 1, "%s: %d rows", sql, PQntuples(res));
	int64_t v = PQgetisnull(res, 0, 0) ? 0 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

void pg_test_schema_new(char *schema_out, size_t schema_size, char *conninfo_out, size_t conninfo_size,
                        const char *extra)
{
	static _Atomic int seq;
	snprintf(schema_out, schema_size, "ak_t_%ld_%d", (long)getpid(), atomic_fetch_add(&seq, 1));
	char sql[256];
	snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema_out, schema_out);
	pg_test_sql(NULL, sql);
	const char *url = pg_test_server();
	snprintf(conninfo_out, conninfo_size, "%s%soptions=-csearch_path%%3D%s%s%s", url, strchr(url, '?') ? "&" : "?",
	         schema_out, extra ? "&" : "", extra ? extra : "");
}

void pg_test_schema_drop(const char *schema)
{
	char sql[256];
	snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", schema);
	pg_test_sql(NULL, sql);
}

int pg_test_cluster(const char *cmd)
{
	const char *script = getenv("AUTHKIT_PG_CLUSTER_SCRIPT");
	ck_assert_msg(script && getenv("AUTHKIT_PG_CLUSTER_DIR"), "AUTHKIT_PG_CLUSTER_SCRIPT / _DIR are not set");
	char buf[1024];
	snprintf(buf, sizeof buf, "bash '%s' %s >&2", script, cmd);
	return system(buf);
}
