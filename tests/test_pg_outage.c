/*
 * The PostgreSQL server stops in the middle of a run (scripts/pg-test-cluster.sh
 * pause: pg_ctl stop -m fast): calls fail with AUTHKIT_ESTORE within the
 * configured timeout, never crash or hang; once the server is back (resume)
 * the same context works again. Stops the shared test server, so meson
 * runs it alone (is_parallel: false).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "authkit.h"
#include "helpers.h"
#include "pg_helpers.h"

#define PW "Xq7!Nimbus-Vortex-Pyl0n"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int check_session(authkit_ctx *ctx, const char *token)
{
	authkit_session *s = NULL;
	int rc = authkit_session_check(ctx, token, &s);
	authkit_session_free(s);
	return rc;
}

static int register_user(authkit_ctx *ctx, const char *name)
{
	char email[64];
	snprintf(email, sizeof email, "%s@example.com", name);
	authkit_user *u = NULL;
	int rc = authkit_user_register(ctx, name, email, NULL, PW, &u);
	authkit_user_free(u);
	return rc;
}

START_TEST(server_stops_and_comes_back)
{
	char schema[64], conninfo[1024];
	pg_test_schema_new(schema, sizeof schema, conninfo, sizeof conninfo, NULL);
	test_clock clk = {0};
	authkit_config *cfg = test_config(&clk);
	ck_assert_int_eq(authkit_config_set(cfg, "AUTHKIT_DB", conninfo), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_PG_TIMEOUT_MS", 2000), AUTHKIT_OK);
	ck_assert_int_eq(authkit_config_set_int(cfg, "AUTHKIT_PG_POOL_SIZE", 3), AUTHKIT_OK);
	authkit_ctx *ctx = test_ctx_from_config(cfg);
	ck_assert_int_eq(register_user(ctx, "before"), AUTHKIT_OK);
	authkit_login_result *l = NULL;
	ck_assert_int_eq(authkit_login(ctx, "before", PW, "192.0.2.1", "test", &l), AUTHKIT_OK);
	ck_assert_int_eq(check_session(ctx, authkit_login_session_token(l)), AUTHKIT_OK);

	ck_assert_int_eq(pg_test_cluster("pause"), 0);
	/* A bound on a hang with a 2 s timeout, not a performance figure. */
	for (int i = 0; i < 3; i++) {
		double t0 = now_s();
		int rc = check_session(ctx, authkit_login_session_token(l));
		double took = now_s() - t0;
		ck_assert_msg(rc == AUTHKIT_ESTORE, "session check with the server down: %s (%s)", authkit_strerror(rc),
		              authkit_error_last());
		ck_assert_msg(took < 10.0, "session check with the server down took %.1f s", took);
	}
	double t0 = now_s();
	ck_assert_int_eq(register_user(ctx, "during"), AUTHKIT_ESTORE);
	ck_assert_msg(now_s() - t0 < 10.0, "registration with the server down was not bounded");

	ck_assert_int_eq(pg_test_cluster("resume"), 0);
	ck_assert_int_eq(check_session(ctx, authkit_login_session_token(l)), AUTHKIT_OK);
	ck_assert_int_eq(register_user(ctx, "after"), AUTHKIT_OK);
	authkit_user *u = NULL;
	ck_assert_int_eq(authkit_user_get_by_username(ctx, "during", &u), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(authkit_user_get_by_username(ctx, "after", &u), AUTHKIT_OK);
	authkit_user_free(u);
	authkit_login_free(l);
	authkit_ctx_free(ctx);
	pg_test_schema_drop(schema);
}
END_TEST

int main(void)
{
	pg_test_server(); /* skips (77) without a server, unless one is required */
	Suite *s = suite_create("pg-outage");
	TCase *tc = tcase_create("outage");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, server_stops_and_comes_back);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
