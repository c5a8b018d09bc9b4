/*
 * The store conformance suite (tests/conformance/) on PostgreSQL, then what
 * only this backend has: migrations racing and refused, connection strings,
 * the pool (pinned transactions, a busy pool), reconnecting after the
 * server dropped every connection, and bounded waits on a server that
 * does not answer. Needs the test server (tests/pg_helpers.h): skips
 * without one, unless one is required.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conformance/internal.h"
#include "pg_helpers.h"
#include "store/postgres/internal.h"

/* ---- the backend: one schema per test ---- */

typedef struct pg_handle {
	char schema[64];
} pg_handle;

static authkit_store *open_pg(void **handle)
{
	pg_handle *h = calloc(1, sizeof *h);
	ck_assert_ptr_nonnull(h);
	char conninfo[1024];
	pg_test_schema_new(h->schema, sizeof h->schema, conninfo, sizeof conninfo, NULL);
	authkit_store *s = NULL;
	OK(authkit_store_postgres_open(&s, conninfo, 0, 0));
	*handle = h;
	return s;
}

static void close_pg(authkit_store *store, void *handle)
{
	pg_handle *h = handle;
	authkit_store_free(store);
	pg_test_schema_drop(h->schema);
	free(h);
}

static int64_t pg_int(authkit_store *store, void *handle, const char *sql)
{
	(void)store;
	return pg_test_sql_int(((pg_handle *)handle)->schema, sql);
}

static const conformance_backend backends[] = {
	{"postgres", open_pg, close_pg, ak_pg_schema_latest, pg_int,
	 "pg_typeof(%1$s) = 'bytea'::regtype AND octet_length(%1$s) = %2$d"},
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A store on a fresh schema with the given pool and timeout. */
static authkit_store *open_schema(char *schema, size_t size, int pool, int timeout_ms, const char *extra)
{
	char conninfo[1024];
	pg_test_schema_new(schema, size, conninfo, sizeof conninfo, extra);
	authkit_store *s = NULL;
	OK(authkit_store_postgres_open(&s, conninfo, pool, timeout_ms));
	return s;
}

/* ---- migrations ---- */

typedef struct open_job {
	char conninfo[1024];
	pthread_barrier_t go;
	_Atomic int ok, failed;
	authkit_store *stores[THREADS];
	_Atomic int next;
} open_job;

static void *open_at_once(void *arg)
{
	open_job *job = arg;
	authkit_store *s = NULL;
	pthread_barrier_wait(&job->go);
	int rc = authkit_store_postgres_open(&s, job->conninfo, 2, 0);
	atomic_fetch_add(rc == AUTHKIT_OK ? &job->ok : &job->failed, 1);
	job->stores[atomic_fetch_add(&job->next, 1)] = s;
	return NULL;
}

/* Eight openers of one empty schema at once: all succeed, one migrated. */
START_TEST(test_migrate_concurrently)
{
	static open_job job;
	memset(&job, 0, sizeof job);
	char schema[64];
	pg_test_schema_new(schema, sizeof schema, job.conninfo, sizeof job.conninfo, NULL);
	pthread_barrier_init(&job.go, NULL, THREADS);
	run_threads(open_at_once, &job);
	pthread_barrier_destroy(&job.go);
	ck_assert_msg(atomic_load(&job.ok) == THREADS, "%d of %d opens failed (%s)", atomic_load(&job.failed), THREADS,
	              authkit_error_last());
	ck_assert_int_eq(pg_test_sql_int(schema, "SELECT count(*) FROM authkit_schema"), 1);
	ck_assert_int_eq(pg_test_sql_int(schema, "SELECT max(version) FROM authkit_schema"), ak_pg_schema_latest());
	int version = 0;
	OK(job.stores[0]->schema_version(job.stores[0], &version));
	ck_assert_int_eq(version, ak_pg_schema_latest());
	for (int i = 0; i < THREADS; i++)
		authkit_store_free(job.stores[i]);

	/* A database from a newer library is refused and left alone. */
	pg_test_sql(schema, "UPDATE authkit_schema SET version = 999");
	authkit_store *s = (authkit_store *)&s;
	ck_assert_int_eq(authkit_store_postgres_open(&s, job.conninfo, 0, 0), AUTHKIT_EVERSION);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(pg_test_sql_int(schema, "SELECT max(version) FROM authkit_schema"), 999);
	pg_test_schema_drop(schema);
}
END_TEST

/* ---- connection strings and unreachable servers ---- */

START_TEST(test_bad_conninfo)
{
	authkit_store *s = NULL;
	ck_assert_int_eq(authkit_store_postgres_open(NULL, pg_test_server(), 0, 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_postgres_open(&s, NULL, 0, 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_postgres_open(&s, "", 0, 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_postgres_open(&s, pg_test_server(), -1, 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_postgres_open(&s, pg_test_server(), 257, 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_postgres_open(&s, pg_test_server(), 0, -1), AUTHKIT_EINVALID);
	/* A malformed string: the detail never repeats it (it may hold a password). */
	ck_assert_int_eq(authkit_store_postgres_open(&s, "postgresql://u:Secr3tPassw0rd@h/db?bogus=1", 0, 0),
	                 AUTHKIT_EINVALID);
	ck_assert_ptr_null(strstr(authkit_error_last(), "Secr3tPassw0rd"));
	/* Nobody listening: ESTORE at once, with the password nowhere in the detail. */
	ck_assert_int_eq(authkit_store_postgres_open(&s, "postgresql://u:Secr3tPassw0rd@127.0.0.1:1/db", 0, 2000),
	                 AUTHKIT_ESTORE);
	ck_assert_ptr_null(strstr(authkit_error_last(), "Secr3tPassw0rd"));
	ck_assert_ptr_null(s);
	/* AUTHKIT_DB picks PostgreSQL by either scheme (and never makes a SQLite
	 * file of that name): both reach libpq and find nobody there. */
	authkit_ctx *ctx = NULL;
	ck_assert_int_eq(authkit_open(&ctx, "postgres://u@127.0.0.1:1/db"), AUTHKIT_ESTORE);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "postgres"));
	ck_assert_int_eq(authkit_open(&ctx, "postgresql://u@127.0.0.1:1/db"), AUTHKIT_ESTORE);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "postgres"));
	ck_assert_ptr_null(ctx);
}
END_TEST

/* A listener that completes TCP handshakes (the kernel does) but never
 * speaks: the connect must give up within the timeout, never hang. */
START_TEST(test_silent_server_times_out)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	socklen_t len = sizeof a;
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	char url[128];
	snprintf(url, sizeof url, "postgresql://authkit@127.0.0.1:%d/authkit_test", ntohs(a.sin_port));
	authkit_store *s = NULL;
	double t0 = now_s();
	ck_assert_int_eq(authkit_store_postgres_open(&s, url, 1, 2000), AUTHKIT_ESTORE);
	double took = now_s() - t0;
	/* A bound on a hang (connect_timeout 2 s), not a performance figure. */
	ck_assert_msg(took < 10.0, "open against a silent server took %.1f s", took);
	close(fd);
}
END_TEST

/* ---- the pool ---- */

typedef struct pin_job {
	authkit_store *store;
	int64_t user_id;
	int seen_failures;
	int rc;
} pin_job;

static void *read_failures(void *arg)
{
	pin_job *job = arg;
	authkit_store_user u;
	job->rc = job->store->user_get(job->store, AUTHKIT_STORE_BY_ID, job->user_id, NULL, &u);
	job->seen_failures = u.failed_logins;
	return NULL;
}

static void *count_users_once(void *arg)
{
	pin_job *job = arg;
	int64_t n = 0;
	job->rc = job->store->user_count(job->store, &n);
	return NULL;
}

/* A transaction runs on one connection pinned to its thread: its writes
 * are its own until the commit, and other threads use other connections. */
START_TEST(test_transaction_pins_a_connection)
{
	char schema[64];
	authkit_store *s = open_schema(schema, sizeof schema, 2, 0, NULL);
	pin_job job = {.store = s, .user_id = add_user(s, "alice", "alice@example.com")};
	OK(s->txn_begin(s));
	OK(s->login_failure(s, job.user_id, NULL));
	OK(s->login_failure(s, job.user_id, NULL));
	ck_assert_int_eq(get_id(s, job.user_id).failed_logins, 2); /* this thread sees its own writes */
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, read_failures, &job), 0);
	pthread_join(t, NULL);
	OK(job.rc);
	ck_assert_int_eq(job.seen_failures, 0); /* another thread does not, yet */
	OK(s->txn_commit(s));
	ck_assert_int_eq(pthread_create(&t, NULL, read_failures, &job), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(job.seen_failures, 2);
	authkit_store_free(s);
	pg_test_schema_drop(schema);
}
END_TEST

/* Every connection of a pool of one held by a transaction: another thread
 * waits at most the timeout, then gets EBUSY; after the commit it works. */
START_TEST(test_busy_pool)
{
	char schema[64];
	authkit_store *s = open_schema(schema, sizeof schema, 1, 500, NULL);
	pin_job job = {.store = s};
	OK(s->txn_begin(s));
	double t0 = now_s();
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, count_users_once, &job), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(job.rc, AUTHKIT_EBUSY);
	ck_assert_msg(now_s() - t0 < 5.0, "the wait for a pooled connection was not bounded");
	OK(s->txn_rollback(s));
	ck_assert_int_eq(pthread_create(&t, NULL, count_users_once, &job), 0);
	pthread_join(t, NULL);
	OK(job.rc);
	authkit_store_free(s);
	pg_test_schema_drop(schema);
}
END_TEST

/* The server drops every connection (as a restart does): the next calls
 * reconnect instead of failing, and prepared statements are made anew. */
START_TEST(test_reconnect_after_connections_dropped)
{
	char schema[64];
	authkit_store *s = open_schema(schema, sizeof schema, 4, 0, "application_name=ak_drop_test");
	int64_t id = add_user(s, "alice", "alice@example.com");
	run_threads(count_users_once, &(pin_job){.store = s}); /* open several pooled connections */
	ck_assert_int_gt(pg_test_sql_int(NULL, "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
	                                       "'ak_drop_test'"), 0);
	/* With a timeout, pg_terminate_backend returns once the process is gone. */
	pg_test_sql(NULL, "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = "
	                  "'ak_drop_test'");
	for (int i = 0; i < 8; i++)
		ck_assert_str_eq(get_id(s, id).username, "alice");
	OK(s->login_failure(s, id, NULL));
	ck_assert_int_eq(get_id(s, id).failed_logins, 1);
	authkit_store_free(s);
	pg_test_schema_drop(schema);
}
END_TEST

/* The server process of our connection stops answering (SIGSTOP): the
 * call fails with ESTORE within the timeout, and once it answers again
 * the store works on a new connection. Needs the right to signal the
 * server (root, or the user that runs it). */
START_TEST(test_silent_backend_times_out)
{
	char schema[64];
	authkit_store *s = open_schema(schema, sizeof schema, 1, 1000, "application_name=ak_stop_test");
	int64_t id = add_user(s, "alice", "alice@example.com");
	pid_t pid = (pid_t)pg_test_sql_int(NULL, "SELECT pid FROM pg_stat_activity WHERE application_name = "
	                                          "'ak_stop_test'");
	ck_assert_int_gt(pid, 0);
	if (kill(pid, SIGSTOP) != 0) {
		fprintf(stderr, "note: cannot signal the server process (%d); the silent-backend case is not run\n",
		        (int)pid);
		authkit_store_free(s);
		pg_test_schema_drop(schema);
		return;
	}
	authkit_store_user u;
	double t0 = now_s();
	int rc = s->user_get(s, AUTHKIT_STORE_BY_ID, id, NULL, &u);
	double took = now_s() - t0;
	kill(pid, SIGCONT);
	ck_assert_int_eq(rc, AUTHKIT_ESTORE);
	ck_assert_msg(took < 10.0, "a call to a silent server took %.1f s", took);
	ck_assert_str_eq(get_id(s, id).username, "alice");
	authkit_store_free(s);
	pg_test_schema_drop(schema);
}
END_TEST

static Suite *store_pg_suite(void)
{
	Suite *suite = suite_create("store-pg");
	suite_add_tcase(suite, conformance_tcase(backends, 1));
	TCase *tc = tcase_create("postgres");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_migrate_concurrently);
	tcase_add_test(tc, test_bad_conninfo);
	tcase_add_test(tc, test_silent_server_times_out);
	tcase_add_test(tc, test_transaction_pins_a_connection);
	tcase_add_test(tc, test_busy_pool);
	tcase_add_test(tc, test_reconnect_after_connections_dropped);
	tcase_add_test(tc, test_silent_backend_times_out);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void)
{
	pg_test_server(); /* skips (77) without a server, unless one is required */
	SRunner *sr = srunner_create(store_pg_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
