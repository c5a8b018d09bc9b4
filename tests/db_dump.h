/* Database snapshots for "the call changed nothing" checks: a raw dump of
 * every table through a separate connection, a dump through a store's own
 * connection, and the first differing line of two dumps. */
#ifndef AUTHKIT_TEST_DB_DUMP_H
#define AUTHKIT_TEST_DB_DUMP_H

#include <stddef.h>
#include "authkit/sys/store.h"

/* A growing NUL-terminated string (p is NULL until something is added). */
typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

void sb_str(sbuf *b, const char *s);

/* Every row of every table (sorted, values typed and hex-escaped), through a
 * separate read-only connection: what is committed on disk. Each table's
 * header line carries its CREATE statement when with_schema != 0. Free it. */
char *db_raw_dump(const char *path, int with_schema);

/* Users and audit rows through the store's own connection (which would also
 * show anything left uncommitted, or a transaction left open). Free it. */
char *db_store_dump(authkit_store *s);

/* "before: LINE\n  after: LINE" at the first line where a and b differ, for
 * failure messages (whole dumps are longer than Check can carry). Static
 * buffer. */
const char *db_first_diff(const char *a, const char *b);

#endif
