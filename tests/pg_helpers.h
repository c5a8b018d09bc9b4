/*
 * PostgreSQL test helpers: the private test server (scripts/pg-test-cluster.sh,
 * started by scripts/test.sh) is named by AUTHKIT_TEST_PG. Without it the
 * PostgreSQL tests skip (exit 77), unless AUTHKIT_TEST_PG_REQUIRED=1 or CI
 * is set: then a missing server is a failure. Each test works in a schema
 * of its own, so tests never see each other's rows.
 */
#ifndef AUTHKIT_TEST_PG_HELPERS_H
#define AUTHKIT_TEST_PG_HELPERS_H

#include <stddef.h>
#include <stdint.h>

/* The server's URL, or exit 77 / 1 as above. Call first in main(). */
const char *pg_test_server(void);
/* A fresh, empty schema; *conninfo_out = the server URL with that schema
 * as search_path (extra: more "&key=value" URL parameters, or NULL). */
void pg_test_schema_new(char *schema_out, size_t schema_size, char *conninfo_out, size_t conninfo_size,
                        const char *extra);
void pg_test_schema_drop(const char *schema);
/* One integer from SQL run in schema on an administrative connection. */
int64_t pg_test_sql_int(const char *schema, const char *sql);
/* Run SQL (no result wanted) in schema on the administrative connection. */
void pg_test_sql(const char *schema, const char *sql);
/* scripts/pg-test-cluster.sh CMD ("pause", "resume"); its exit status. */
int pg_test_cluster(const char *cmd);

#endif
