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
/* Open a context from cfg (asserting success with the library's message)
 * and free cfg. */
authkit_ctx *test_ctx_from_config(authkit_config *cfg);

/* Audit rows of user_id (0: all users) whose event and detail match (NULL
 * matches anything). */
int test_audit_count(authkit_ctx *c, int64_t user_id, const char *event, const char *detail);

/* One line of tests/fixtures/bcrypt_fixture.txt ("password<TAB>hash"). */
typedef struct bcrypt_case {
	char password[128];
	char hash[128];
} bcrypt_case;

/* Read up to max fixture lines ('#' comments skipped) into out; asserts the
 * file is there and holds at least one. Returns the count. */
size_t test_load_bcrypt_fixture(bcrypt_case *out, size_t max);

#endif
