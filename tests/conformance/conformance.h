/*
 * The store conformance suite: every slot of the authkit_store vtable, its
 * atomic operations and its concurrency guarantees, written once against
 * the vtable and run against every backend (docs/BACKENDS.md, "Testing a
 * backend"). A backend author describes their store with a
 * conformance_backend and adds conformance_tcase() to a Check suite.
 */
#ifndef AUTHKIT_CONFORMANCE_H
#define AUTHKIT_CONFORMANCE_H

#include <check.h>
#include <stdint.h>

#include "authkit/sys/store.h"

typedef struct conformance_backend {
	const char *name;
	/* A fresh, empty, migrated store (assert on failure). *handle may carry
	 * whatever close and sql_int need (a file path, a schema name). */
	authkit_store *(*open)(void **handle);
	/* Free the store and remove what open created. */
	void (*close)(authkit_store *store, void *handle);
	/* The schema version a freshly opened store reports. */
	int (*schema_latest)(void);
	/* Optional (NULL: those cross-checks are skipped): one integer from SQL
	 * run on the store's database: row counts and sums the suite compares
	 * with what the vtable said. Portable SQL only (count, sum, max, joins). */
	int64_t (*sql_int)(authkit_store *store, void *handle, const char *sql);
	/* Optional, with sql_int: a printf format of a SQL predicate true when
	 * column (%1$s) holds exactly %2$d bytes of binary data, e.g. SQLite's
	 * "typeof(%1$s) = 'blob' AND length(%1$s) = %2$d". */
	const char *blob_predicate;
} conformance_backend;

/* One test case running every conformance test once per backend of the
 * array (which must outlive the run). */
TCase *conformance_tcase(const conformance_backend *backends, int count);

#endif
