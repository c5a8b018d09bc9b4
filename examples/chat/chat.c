#include "ex_common.h"

static void healthz(ex_request *req, void *ud)
{
	(void)ud;
	static const char ok[] = "{\"status\":\"ok\"}";
	ex_reply_bytes(req, 200, "application/json", (void *)ok, sizeof ok - 1, NULL);
}

static const ex_route routes[] = {
	{"GET", "/healthz", EX_BODY_NONE, EX_AUTH_PUBLIC, 0, healthz},
};

int main(int argc, char **argv)
{
	ex_app app;
	int rc = ex_app_init(&app, argc, argv, "chat", 8081, NULL);
	if (rc != EX_INIT_OK)
		return rc == EX_INIT_EXIT_OK ? 0 : rc;
	app.login_path = "/auth/login";
	rc = ex_app_run(&app, routes, sizeof routes / sizeof routes[0], NULL);
	ex_app_free(&app);
	return rc;
}
