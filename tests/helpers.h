/* Test helpers: a fake clock and fresh contexts at the minimum Argon2id cost. */
#ifndef AUTHKIT_TEST_HELPERS_H
#define AUTHKIT_TEST_HELPERS_H

#include <stdatomic.h>
#include "authkit.h"
#include "authkit/sys/store.h"

/* Minimum cost the library accepts (OWASP floor): fast tests. */
#define TEST_OPSLIMIT 2
#define TEST_MEMLIMIT (19u * 1024u * 1024u)

typedef struct test_clock {
	_Atomic int64_t now_ms;
} test_clock;

/* Clock callback reading a test_clock. */
int64_t test_clock_read(void *userdata);
void test_clock_set(test_clock *c, int64_t now_ms);
void test_clock_advance_s(test_clock *c, int64_t seconds);

/* A config with the test cost and clock (clk may be NULL for the wall clock). */
authkit_config *test_config(test_clock *clk);
/* A fresh in-memory context, or one on a fresh temporary file when file != 0.
 * The path of the file (if any) is copied into path_out (size >= 256). */
authkit_ctx *test_ctx(test_clock *clk, int file, char *path_out);
/* A context over the given store (takes ownership). */
authkit_ctx *test_ctx_with_store(test_clock *clk, authkit_store *store);
/* A fresh temporary file path under $TMPDIR (the file does not exist yet). */
void test_tmp_path(char *out, size_t size, const char *tag);
/* Remove a database file and its -wal / -shm companions. */
void test_remove_db(const char *path);

#endif
