/*
 * quickstart: open a SQLite database, register a user, authenticate them.
 *
 *   authkit-quickstart [DB]      (default: quickstart.db)
 *
 * Run it twice: the second run finds the user already registered.
 */
#include <authkit.h>
#include <stdio.h>

static int report(const char *what, int rc)
{
	printf("%-34s %s%s%s\n", what, authkit_strerror(rc), rc ? ": " : "", rc ? authkit_error_last() : "");
	return rc;
}

int main(int argc, char **argv)
{
	const char *db = argc > 1 ? argv[1] : "quickstart.db";
	authkit_ctx *ctx = NULL;
	if (report("open database", authkit_open(&ctx, db)))
		return 1;
	printf("database %s, schema version ok, libauthkit %s\n", db, authkit_version_string());

	int rc = authkit_user_register(ctx, "alice", "Alice@Example.com", "Alice Liddell",
	                               "correct horse battery staple", NULL);
	if (rc != AUTHKIT_EEXISTS && report("register alice", rc))
		return 1;
	if (rc == AUTHKIT_EEXISTS)
		printf("%-34s already registered\n", "register alice");

	authkit_user *user = NULL;
	if (report("authenticate alice (right)", authkit_authenticate(ctx, "alice", "correct horse battery staple",
	                                                             "127.0.0.1", &user)) == 0)
		printf("  user #%lld %s <%s>, last login %lld\n", (long long)authkit_user_id(user),
		       authkit_user_username(user), authkit_user_email(user), (long long)authkit_user_last_login_at(user));
	authkit_user_free(user);

	report("authenticate alice@example.com (wrong)", authkit_authenticate(ctx, "alice@example.com",
	                                                                      "not the password", "127.0.0.1", NULL));
	report("authenticate bob (unknown)", authkit_authenticate(ctx, "bob", "whatever it is", "127.0.0.1", NULL));
	report("register with a common password",
	       authkit_user_register(ctx, "carol", "carol@example.com", NULL, "password1234", NULL));

	authkit_login_result *login = NULL;
	if (report("login alice (opens a session)", authkit_login(ctx, "alice", "correct horse battery staple",
	                                                          "127.0.0.1", "quickstart/1.0", &login)) == 0) {
		const char *cookie = authkit_login_session_token(login);
		report("check the session cookie", authkit_session_check(ctx, cookie, NULL));
		report("logout", authkit_logout(ctx, authkit_login_session_id(login), "127.0.0.1"));
		report("check the cookie after logout", authkit_session_check(ctx, cookie, NULL));
	}
	authkit_login_free(login);

	authkit_audit_list *events = NULL;
	if (authkit_audit_query(ctx, 0, 0, 0, 6, &events) == AUTHKIT_OK) {
		printf("latest audit events:\n");
		for (size_t i = 0; i < authkit_audit_list_count(events); i++)
			printf("  %-16s user=%lld %s\n", authkit_audit_list_event(events, i),
			       (long long)authkit_audit_list_user_id(events, i), authkit_audit_list_detail(events, i));
	}
	authkit_audit_list_free(events);
	authkit_ctx_free(ctx);
	return 0;
}
