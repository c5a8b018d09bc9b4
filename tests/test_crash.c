/*
 * kill -9 at any point loses no acknowledged write and leaves a database
 * that opens and passes PRAGMA integrity_check (SECURITY.md).
 *
 * A child process writes through the library (imports: no hashing, so many
 * writes per second; logins: sessions and refresh rotations) and reports
 * each acknowledged write on a pipe; the parent kills it with SIGKILL after
 * a number of acknowledgements that varies per round, then reopens the
 * database and checks that every acknowledged row is there.
 */
#include <check.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define HASH "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Kp3XHHzBMDO2Vhm4rZ9cKpAqEjbZn5lsWkDy1P5kXk"

/* The child: import users forever, acknowledging each id after it returns. */
static void child_writes(const char *path, int round, int ack_fd)
{
	authkit_ctx *ctx = NULL;
	if (authkit_open(&ctx, path) != AUTHKIT_OK)
		_exit(2);
	for (long i = 0;; i++) {
		char name[32], email[64];
		snprintf(name, sizeof name, "crash%d_%ld", round, i);
		snprintf(email, sizeof email, "crash%d_%ld@example.com", round, i);
		authkit_user *u = NULL;
		if (authkit_user_import(ctx, name, email, NULL, HASH, &u) != AUTHKIT_OK)
			_exit(3);
		int64_t id = authkit_user_id(u);
		authkit_user_free(u);
		if (write(ack_fd, &id, sizeof id) != sizeof id)
			_exit(4);
	}
}

static int integrity_ok(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	         sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
	         sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

START_TEST(kill_9_loses_no_acknowledged_write)
{
	char path[256];
	test_tmp_path(path, sizeof path, "crash");
	setenv("AUTHKIT_ARGON2_MEMLIMIT", "19922944", 1);
	setenv("AUTHKIT_ARGON2_OPSLIMIT", "2", 1);
	int64_t acknowledged[4096];
	size_t total = 0;
	for (int round = 0; round < 6; round++) {
		int fds[2];
		ck_assert_int_eq(pipe(fds), 0);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(fds[0]);
			child_writes(path, round, fds[1]);
		}
		close(fds[1]);
		/* Let it acknowledge a varying number of writes, then kill it
		 * wherever it is: mid-statement, mid-commit, mid-checkpoint. */
		size_t want = 20 + (size_t)round * 37, got = 0;
		int64_t id;
		while (got < want && read(fds[0], &id, sizeof id) == sizeof id)
			acknowledged[total + got++] = id;
		kill(pid, SIGKILL);
		/* Writes acknowledged before the kill landed in the pipe too. */
		while (read(fds[0], &id, sizeof id) == sizeof id && total + got < 4096)
			acknowledged[total + got++] = id;
		close(fds[0]);
		int status = 0;
		waitpid(pid, &status, 0);
		ck_assert_msg(WIFSIGNALED(status), "the writer stopped by itself (status %d)", status);
		ck_assert_uint_eq(got >= want, 1);
		total += got;

		ck_assert_msg(integrity_ok(path), "integrity_check failed after round %d", round);
		authkit_ctx *ctx = NULL;
		ck_assert_int_eq(authkit_open(&ctx, path), AUTHKIT_OK);
		for (size_t i = 0; i < total; i++) {
			authkit_user *u = NULL;
			ck_assert_msg(authkit_user_get_by_id(ctx, acknowledged[i], &u) == AUTHKIT_OK,
			              "acknowledged user %lld lost", (long long)acknowledged[i]);
			authkit_user_free(u);
		}
		authkit_ctx_free(ctx);
	}
	test_remove_db(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("crash");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, kill_9_loses_no_acknowledged_write);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
