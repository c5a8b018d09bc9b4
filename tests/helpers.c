#include "helpers.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int64_t test_clock_read(void *userdata)
{
	return atomic_load(&((test_clock *)userdata)->now_ms);
}

void test_clock_set(test_clock *c, int64_t now_ms)
{
	atomic_store(&c->now_ms, now_ms);
}

void test_clock_advance_s(test_clock *c, int64_t seconds)
{
	atomic_fetch_add(&c->now_ms, seconds * 1000);
}

authkit_config *test_config(test_clock *clk)
{
	authkit_config *cfg = NULL;
	ck_assert_int_eq(authkit_config_new(&cfg), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_ARGON2_OPSLIMIT", TEST_OPSLIMIT), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_ARGON2_MEMLIMIT", TEST_MEMLIMIT), AUTHKIT_OK);
	if (clk) {
		if (atomic_load(&clk->now_ms) == 0)
			test_clock_set(clk, 1700000000000LL);
		ck_assert_int_eq(authkit_config_set_clock(cfg, test_clock_read, clk), AUTHKIT_OK);
	}
	return cfg;
}

void test_tmp_path(char *out, size_t size, const char *tag)
{
	static _Atomic int seq;
	const char *dir = getenv("TMPDIR");
	snprintf(out, size, "%s/authkit-test-%s-%ld-%d.db", dir && *dir ? dir : "/tmp", tag, (long)getpid(),
	         atomic_fetch_add(&seq, 1));
	test_remove_db(out);
}

void test_remove_db(const char *path)
{
	char buf[512];
	unlink(path);
	snprintf(buf, sizeof buf, "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof buf, "%s-shm", path);
	unlink(buf);
}

authkit_ctx *test_ctx_from_config(authkit_config *cfg)
{
	authkit_ctx *ctx = NULL;
	int rc = authkit_ctx_open(&ctx, cfg);
	ck_assert_msg(rc == AUTHKIT_OK, "ctx_open: %s", authkit_error_last());
	authkit_config_free(cfg);
	return ctx;
}

authkit_ctx *test_ctx(test_clock *clk, int file, char *path_out)
{
	char path[256] = ":memory:";
	authkit_config *cfg = test_config(clk);
	if (file)
		test_tmp_path(path, sizeof path, "ctx");
	if (path_out)
		strcpy(path_out, path);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", path), AUTHKIT_OK);
	return test_ctx_from_config(cfg);
}

authkit_ctx *test_ctx_with_store(test_clock *clk, authkit_store *store)
{
	authkit_config *cfg = test_config(clk);
	ck_assert_int_eq(authkit_config_set_store(cfg, store), AUTHKIT_OK);
	return test_ctx_from_config(cfg);
}

int test_audit_count(authkit_ctx *c, int64_t user_id, const char *event, const char *detail)
{
	authkit_audit_list *l = NULL;
	ck_assert_int_eq(authkit_audit_query(c, user_id, 0, 0, 10000, &l), AUTHKIT_OK);
	int n = 0;
	for (size_t i = 0; i < authkit_audit_list_count(l); i++)
		if ((!event || strcmp(authkit_audit_list_event(l, i), event) == 0) &&
		    (!detail || strcmp(authkit_audit_list_detail(l, i), detail) == 0))
			n++;
	authkit_audit_list_free(l);
	return n;
}

size_t test_load_bcrypt_fixture(bcrypt_case *out, size_t max)
{
	const char *dir = getenv("AUTHKIT_TEST_FIXTURES");
	ck_assert_msg(dir != NULL, "AUTHKIT_TEST_FIXTURES is not set");
	char path[1024];
	snprintf(path, sizeof path, "%s/bcrypt_fixture.txt", dir);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char line[512];
	size_t n = 0;
	while (n < max && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *tab = strchr(line, '\t');
		if (!tab || line[0] == '#')
			continue;
		*tab = '\0';
		ck_assert_uint_lt(strlen(line), sizeof out[n].password);
		ck_assert_uint_lt(strlen(tab + 1), sizeof out[n].hash);
		strcpy(out[n].password, line);
		strcpy(out[n].hash, tab + 1);
		n++;
	}
	fclose(f);
	ck_assert_uint_gt(n, 0);
	return n;
}
