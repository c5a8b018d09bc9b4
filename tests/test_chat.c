/* The chat example server over real HTTP (see server_harness.h). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "server_harness.h"

static hs_server srv;

static void start(void)
{
	hs_start(&srv, hs_binary_from_env("EX_CHAT_SERVER"), NULL, NULL);
}

static void stop(void)
{
	hs_stop(&srv);
}

START_TEST(healthz_and_unknown_route)
{
	hs_response r;
	hs_get(&srv, "/healthz", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	hs_response_free(&r);
	hs_get(&srv, "/no/such/route", NULL, NULL, &r);
	hs_assert_error(&r, 404, "not_found");
	hs_response_free(&r);
}
END_TEST

static Suite *chat_suite(void)
{
	Suite *s = suite_create("chat");
	TCase *tc = tcase_create("http");
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, healthz_and_unknown_route);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(chat_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
