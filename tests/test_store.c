/*
 * The store conformance suite (tests/conformance/) on both SQLite
 * backends, ":memory:" and a file, then what only SQLite has: vtable
 * validation against a real store, migrations from an old file, file
 * settings, connection reuse, the usage rollups and the summary's plan.
 */
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include "conformance/internal.h"
#include "store/sqlite/internal.h"

/* ---- the two SQLite backends ---- */

static authkit_store *open_sqlite_memory(void **handle)
{
	authkit_store *s = NULL;
	*handle = NULL;
	OK(authkit_store_sqlite_open(&s, ":memory:", 0));
	return s;
}

static authkit_store *open_sqlite_file(void **handle)
{
	char *path = malloc(256);
	ck_assert_ptr_nonnull(path);
	test_tmp_path(path, 256, "store");
	authkit_store *s = NULL;
	OK(authkit_store_sqlite_open(&s, path, 0));
	*handle = path;
	return s;
}

static void close_sqlite(authkit_store *store, void *handle)
{
	authkit_store_free(store);
	if (handle)
		test_remove_db(handle);
	free(handle);
}

/* One integer from SQL, run on the store's own connection (":memory:" is
 * private to it). */
static int64_t sqlite_int(authkit_store *store, void *handle, const char *sql)
{
	(void)handle;
	ak_sqlite_store *s = ak_sqlite_of(store);
	ak_sqlite_conn *c = NULL;
	OK(ak_sqlite_acquire(s, &c));
	sqlite3_stmt *st = NULL;
	ck_assert_msg(sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(c->db));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	ak_sqlite_release(s, c);
	return v;
}

/* sqlite_int for a store whose handle does not matter. */
static int64_t store_int(authkit_store *store, const char *sql)
{
	return sqlite_int(store, NULL, sql);
}

#define BLOB_OF "typeof(%1$s) = 'blob' AND length(%1$s) = %2$d"
static const conformance_backend backends[] = {
	{"sqlite :memory:", open_sqlite_memory, close_sqlite, authkit_store_schema_latest, sqlite_int, BLOB_OF},
	{"sqlite file", open_sqlite_file, close_sqlite, authkit_store_schema_latest, sqlite_int, BLOB_OF},
};

/* ---- vtable validation ---- */

START_TEST(test_validate)
{
	authkit_store blank = AUTHKIT_STORE_INIT;
	ck_assert_uint_eq(blank.version, AUTHKIT_STORE_VERSION);
	ck_assert_int_eq(authkit_store_validate(&blank), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_validate(NULL), AUTHKIT_EINVALID);

	authkit_store init;
	memset(&init, 0xff, sizeof init);
	OK(authkit_store_init(&init, AUTHKIT_STORE_VERSION));
	ck_assert_uint_eq(init.version, AUTHKIT_STORE_VERSION);
	ck_assert(init.audit_query == NULL);
	ck_assert_int_eq(authkit_store_init(&init, AUTHKIT_STORE_VERSION + 1), AUTHKIT_EVERSION);
	ck_assert_int_eq(authkit_store_init(NULL, AUTHKIT_STORE_VERSION), AUTHKIT_EINVALID);

	authkit_store *real = NULL;
	OK(authkit_store_sqlite_open(&real, ":memory:", 0));
	OK(authkit_store_validate(real));
	ck_assert_str_eq(real->name, "sqlite");
	authkit_store copy = *real;
	copy.audit_query = NULL;
	ck_assert_int_eq(authkit_store_validate(&copy), AUTHKIT_EINVALID);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "audit_query"));
	copy = *real;
	copy.refresh_rotate = NULL;
	ck_assert_int_eq(authkit_store_validate(&copy), AUTHKIT_EINVALID);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "refresh_rotate"));
	copy = *real;
	copy.one_time_cleanup = NULL;
	ck_assert_int_eq(authkit_store_validate(&copy), AUTHKIT_EINVALID);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "one_time_cleanup"));
	copy = *real;
	copy.session_get_by_hash = NULL;
	ck_assert_int_eq(authkit_store_validate(&copy), AUTHKIT_EINVALID);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "session_get_by_hash"));
	copy = *real;
	copy.billing_set_status = NULL; /* the last slot of version 3 */
	ck_assert_int_eq(authkit_store_validate(&copy), AUTHKIT_EINVALID);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "billing_set_status"));
	copy = *real;
	copy.integration_put = NULL;
	ck_assert_int_eq(authkit_store_validate(&copy), AUTHKIT_EINVALID);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "integration_put"));
	copy = *real;
	copy.free = NULL;
	ck_assert_int_eq(authkit_store_validate(&copy), AUTHKIT_EINVALID);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "free"));
	copy = *real;
	copy.version = AUTHKIT_STORE_VERSION + 1;
	ck_assert_int_eq(authkit_store_validate(&copy), AUTHKIT_EVERSION);
	authkit_store_free(real);
	authkit_store_free(NULL);
}
END_TEST

/* ---- SQLite specifics ---- */

static char *read_fixture(const char *name)
{
	const char *dir = getenv("AUTHKIT_TEST_FIXTURES");
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "tests/fixtures", name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open fixture %s", path);
	static char buf[16384];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	ck_assert_msg(rc == SQLITE_OK, "raw sql: %s", err ? err : "?");
	sqlite3_close(db);
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

START_TEST(test_migrate_from_v1)
{
	const char *fixture = read_fixture("schema_v1.sql");
	/* The fixture must hold exactly what migration 1 created. */
	ck_assert_ptr_nonnull(strstr(fixture, ak_sqlite_migration_sql(1)));
	char path[256];
	test_tmp_path(path, sizeof path, "v1");
	raw_exec(path, fixture);
	ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), 1);

	authkit_store *s = NULL;
	OK(authkit_store_sqlite_open(&s, path, 0));
	int version = 0;
	OK(s->schema_version(s, &version));
	ck_assert_int_eq(version, authkit_store_schema_latest());
	ck_assert_int_ge(version, 3);
	authkit_store_user u;
	OK(s->user_get(s, AUTHKIT_STORE_BY_USERNAME, 0, "oldtimer", &u));
	ck_assert_str_eq(u.username, "OldTimer");
	ck_assert_str_eq(u.email, "old@example.com");
	ck_assert_int_eq(u.created_at, 1600000000);
	ck_assert(strncmp(u.password_hash, "$argon2id$", 10) == 0);
	append_event(s, 1700000000, u.id, "login.ok"); /* the new tables work */
	add_session(s, "old-session", u.id, 1, T0);
	add_refresh(s, 10, "old-session", u.id, T0 + 1000);
	add_one_time(s, 20, AUTHKIT_STORE_PURPOSE_VERIFY, u.id, T0 + 600);
	add_user(s, "newcomer", "new@example.com");
	authkit_store_free(s);

	ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), authkit_store_schema_latest());
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM audit_log"), 1);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM sessions"), 1);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM refresh_tokens"), 1);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM one_time_tokens"), 1);
	/* Stored as 32-byte BLOBs, never as text. */
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM sessions WHERE typeof(token_hash) = 'blob' "
	                               "AND length(token_hash) = 32"), 1);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM refresh_tokens WHERE typeof(token_hash) = 'blob' "
	                               "AND length(token_hash) = 32"), 1);
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM one_time_tokens WHERE typeof(token_hash) = 'blob' "
	                               "AND length(token_hash) = 32"), 1);
	/* Reopening an up-to-date database (prefix form) keeps everything. */
	char prefixed[300];
	snprintf(prefixed, sizeof prefixed, "sqlite:%s", path);
	OK(authkit_store_sqlite_open(&s, prefixed, 0));
	ck_assert_int_eq(count_users(s), 2);
	authkit_store_free(s);
	test_remove_db(path);
}
END_TEST

/* A version-4 database with usage events gains its day rollups on upgrade:
 * summaries over whole days match sums of the old rows, and new events add
 * to the same rollup rows. */
START_TEST(test_migrate_usage_rollups)
{
	char path[256];
	test_tmp_path(path, sizeof path, "v4usage");
	for (int v = 1; v <= 4; v++)
		raw_exec(path, ak_sqlite_migration_sql(v));
	raw_exec(path, "PRAGMA user_version = 4;"
	               "INSERT INTO usage_events (user_id, service, model, input_tokens, output_tokens, cost_micros, time) "
	               "VALUES (7, 'openai', 'gpt-4o', 10, 1, 100, 86400 * 3 + 5), (7, 'openai', 'gpt-4o', 20, 2, 200, "
	               "86400 * 3 + 6), (7, 'xai', 'grok', 5, 5, 50, 86400 * 4), (8, 'openai', 'gpt-4o', 1, 1, 1, 86400 * 3);");
	authkit_store *s = NULL;
	OK(authkit_store_sqlite_open(&s, path, 0));
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM usage_daily"), 3);
	int dup = -1;
	OK(usage_insert(s, 7, "openai", "gpt-4o", 1000, 0, 1000, "", 86400 * 3 + 7, &dup));
	static sums got;
	memset(&got, 0, sizeof got);
	OK(s->usage_summary(s, 7, 86400 * 3, 86400 * 5, AUTHKIT_STORE_GROUP_DAY, collect_sum, &got));
	ck_assert_int_eq(got.count, 2);
	ck_assert_str_eq(got.rows[0].key, "1970-01-04");
	ck_assert_int_eq(got.rows[0].events, 3);
	ck_assert_int_eq(got.rows[0].input_tokens, 1030);
	ck_assert_int_eq(got.rows[0].cost_micros, 1300);
	ck_assert_str_eq(got.rows[1].key, "1970-01-05");
	ck_assert_int_eq(got.rows[1].output_tokens, 5);
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM usage_daily"), 3); /* the new event is not folded yet */
	authkit_store_free(s);
	test_remove_db(path);
}
END_TEST

/* Step 6 on a database whose newest users were deleted before it: ids that
 * usage, billing or audit rows still name are not handed out again. */
START_TEST(test_migrate_user_id_floor)
{
	char path[256];
	test_tmp_path(path, sizeof path, "v5ids");
	for (int v = 1; v <= 5; v++)
		raw_exec(path, ak_sqlite_migration_sql(v));
	raw_exec(path, "PRAGMA user_version = 5;"
	               "INSERT INTO users (id, username, email, password_hash, created_at, updated_at) "
	               "VALUES (1, 'alice', 'alice@example.com', 'x', 1, 1);"
	               "INSERT INTO usage_events (user_id, service, model, input_tokens, output_tokens, cost_micros, time) "
	               "VALUES (3, 'openai', 'gpt-4o', 1, 1, 1, 5);"
	               "INSERT INTO audit_log (time, user_id, event) VALUES (6, 5, 'user.deleted');");
	authkit_store *s = NULL;
	OK(authkit_store_sqlite_open(&s, path, 0));
	ck_assert_int_eq(store_int(s, "SELECT id FROM user_id_floor"), 5);
	ck_assert_int_eq(add_user(s, "bob", "bob@example.com"), 6);
	authkit_store_free(s);
	test_remove_db(path);
}
END_TEST

/* Another process's write: a forked child runs sql on its own raw
 * connection, as the CLI or a second server would. */
static void write_from_other_process(const char *path, const char *sql)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sqlite3 *db = NULL;
		int ok = sqlite3_open(path, &db) == SQLITE_OK && sqlite3_busy_timeout(db, 5000) == SQLITE_OK &&
		         sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
		sqlite3_close(db);
		_exit(ok ? 0 : 1);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: %s", sql);
}

/* The liveness read is served from the connection's cache only while no
 * commit happened anywhere: a revocation by another store (another set of
 * connections), by another process, or by this store inside a transaction
 * is seen by the very next read. */
START_TEST(test_session_cache_sees_every_write)
{
	void *file = NULL;
	authkit_store *a = open_sqlite_file(&file);
	authkit_store *b = NULL;
	OK(authkit_store_sqlite_open(&b, file, 0));
	int64_t user = add_user(a, "alice", "alice@example.com");
	add_session(a, "sess-one", user, 1, T0);
	authkit_store_session got;
	OK(a->session_get(a, "sess-one", &got));
	uint64_t hits = ak_sqlite_session_cache_hits(a);
	OK(a->session_get(a, "sess-one", &got));
	OK(a->session_get_by_hash(a, got.token_hash, &got)); /* fills the hash slot */
	OK(a->session_get_by_hash(a, got.token_hash, &got));
	ck_assert_uint_eq(ak_sqlite_session_cache_hits(a), hits + 2); /* unchanged database: cached */
	ck_assert_int_eq(got.revoked_at, 0);

	OK(b->session_revoke(b, "sess-one", T0 + 5)); /* another store */
	OK(a->session_get(a, "sess-one", &got));
	ck_assert_int_eq(got.revoked_at, T0 + 5);
	OK(a->session_get_by_hash(a, got.token_hash, &got));
	ck_assert_int_eq(got.revoked_at, T0 + 5);

	add_session(a, "sess-two", user, 2, T0);
	OK(a->session_get(a, "sess-two", &got));
	OK(a->session_get(a, "sess-two", &got));
	write_from_other_process(file, "UPDATE sessions SET revoked_at = 77 WHERE id = 'sess-two'");
	OK(a->session_get(a, "sess-two", &got));
	ck_assert_int_eq(got.revoked_at, 77);
	write_from_other_process(file, "DELETE FROM sessions WHERE id = 'sess-two'");
	ck_assert_int_eq(a->session_get(a, "sess-two", &got), AUTHKIT_ENOTFOUND);

	add_session(a, "sess-three", user, 3, T0);
	OK(a->session_get(a, "sess-three", &got));
	OK(a->txn_begin(a)); /* own uncommitted write: the header has not moved */
	OK(a->session_revoke(a, "sess-three", T0 + 9));
	OK(a->session_get(a, "sess-three", &got));
	ck_assert_int_eq(got.revoked_at, T0 + 9);
	OK(a->txn_rollback(a));
	OK(a->session_get(a, "sess-three", &got));
	ck_assert_int_eq(got.revoked_at, 0);

	authkit_store_free(b);
	close_sqlite(a, file);
}
END_TEST

/* Summaries are exact before, during and after folds: random events over
 * 3 users and 5 days, folded at random points (explicitly, and once by
 * crossing the fold interval), checked against sums computed here over
 * windows with and without partial days. */
#define FOLD_EVENTS 400
START_TEST(test_usage_fold)
{
	void *file = NULL;
	authkit_store *s = open_sqlite_file(&file);
	static usage_ev ev[FOLD_EVENTS];
	static const char *const services[] = {"openai", "xai", "anthropic"};
	uint64_t seed = 42;
	const int64_t t0 = NOV30 - 2 * DAY;
	const int64_t windows[][2] = {{0, INT64_MAX}, {t0, t0 + 5 * DAY}, {t0 + 7, t0 + 3 * DAY - 7},
	                              {t0 + DAY, t0 + 2 * DAY}, {t0 + DAY + 1, t0 + 2 * DAY - 1}, {t0 + 3, t0 + 9}};
	for (int i = 0; i < FOLD_EVENTS; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		int m = (int)(seed >> 61) % 3;
		ev[i] = (usage_ev){1 + (int64_t)((seed >> 33) % 3), (int64_t)((seed >> 20) % 100), (int64_t)((seed >> 40) % 50),
		                   (int64_t)((seed >> 8) % 10000), t0 + (int64_t)((seed >> 13) % (5 * DAY)), services[m],
		                   services[m]};
		OK(usage_insert(s, ev[i].user, ev[i].service, ev[i].model, ev[i].in, ev[i].out, ev[i].cost, "", ev[i].time,
		                NULL));
		if (i % 97 == 0 || i == FOLD_EVENTS - 1) {
			if (i % 2)
				OK(ak_sqlite_usage_fold(s));
			for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++)
				for (int g = AUTHKIT_STORE_GROUP_SERVICE; g <= AUTHKIT_STORE_GROUP_MONTH; g++)
					for (int64_t user = 0; user <= 3; user++)
						expect_summary(s, ev, i + 1, user, windows[w][0], windows[w][1], g);
		}
	}
	int64_t last = store_int(s, "SELECT max(id) FROM usage_events");
	ck_assert_int_eq(store_int(s, "SELECT folded_through FROM usage_rollup"), last); /* i = 399 is odd */
	ck_assert_int_eq(store_int(s, "SELECT sum(events) FROM usage_daily"), FOLD_EVENTS);
	ck_assert_int_eq(store_int(s, "SELECT sum(cost_micros) FROM usage_daily"),
	                 store_int(s, "SELECT sum(cost_micros) FROM usage_events"));
	/* The insert that reaches a multiple of the fold interval folds by
	 * itself: move the last (folded) id and the mark just below one, then
	 * insert. */
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE usage_events SET id = %d WHERE id = %lld RETURNING id", 32767, (long long)last);
	store_int(s, sql);
	store_int(s, "UPDATE usage_rollup SET folded_through = 32767 RETURNING 1");
	OK(usage_insert(s, 2, "openai", "openai", 5, 5, 5, "", t0 + DAY, NULL));
	ck_assert_int_eq(store_int(s, "SELECT max(id) FROM usage_events"), 32768);
	ck_assert_int_eq(store_int(s, "SELECT folded_through FROM usage_rollup"), 32768);
	ck_assert_int_eq(store_int(s, "SELECT sum(events) FROM usage_daily"), FOLD_EVENTS + 1);
	close_sqlite(s, file);
}
END_TEST

START_TEST(test_future_schema_rejected)
{
	char path[256];
	test_tmp_path(path, sizeof path, "future");
	raw_exec(path, "CREATE TABLE t (x); PRAGMA user_version=999;");
	authkit_store *s = (authkit_store *)&s; /* must be reset to NULL */
	ck_assert_int_eq(authkit_store_sqlite_open(&s, path, 0), AUTHKIT_EVERSION);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), 999); /* untouched */
	test_remove_db(path);
}
END_TEST

START_TEST(test_bad_paths)
{
	authkit_store *s = NULL;
	ck_assert_int_eq(authkit_store_sqlite_open(NULL, ":memory:", 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_sqlite_open(&s, NULL, 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_sqlite_open(&s, "", 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_sqlite_open(&s, "sqlite:", 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_sqlite_open(&s, "/tmp/a\nb.db", 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_sqlite_open(&s, "/tmp/a\x7f.db", 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_sqlite_open(&s, ":memory:", -1), AUTHKIT_EINVALID);
	ck_assert_int_eq(authkit_store_sqlite_open(&s, "/nonexistent-dir/x/y.db", 0), AUTHKIT_ESTORE);
	ck_assert_ptr_null(s);
	OK(authkit_store_sqlite_open(&s, "sqlite::memory:", 0));
	authkit_store_free(s);
}
END_TEST

/* Read one integer PRAGMA on this thread's connection of a SQLite store. */
static int conn_pragma(authkit_store *store, const char *sql)
{
	ak_sqlite_store *s = ak_sqlite_of(store);
	ak_sqlite_conn *c = NULL;
	OK(ak_sqlite_acquire(s, &c));
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(c->db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	ak_sqlite_release(s, c);
	return v;
}

START_TEST(test_file_settings)
{
	char path[256];
	test_tmp_path(path, sizeof path, "settings");
	authkit_store *s = NULL;
	OK(authkit_store_sqlite_open(&s, path, 1234));
	int64_t id = add_user(s, "alice", "alice@example.com");

	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);

	ck_assert_int_eq(conn_pragma(s, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(conn_pragma(s, "PRAGMA synchronous"), 1); /* NORMAL */
	ck_assert_int_eq(conn_pragma(s, "PRAGMA busy_timeout"), 1234);

	/* Foreign keys are enforced on the store's connections: a later
	 * table's ON DELETE CASCADE follows user_delete. */
	raw_exec(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, "
	               "user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE);"
	               "INSERT INTO notes (user_id) VALUES (1);");
	ck_assert_int_eq(id, 1);
	OK(s->user_delete(s, id));
	ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM notes"), 0);
	authkit_store_free(s);
	test_remove_db(path);
}
END_TEST

START_TEST(test_memory_settings)
{
	authkit_store *s = NULL;
	OK(authkit_store_sqlite_open(&s, ":memory:", 0));
	ck_assert_int_eq(conn_pragma(s, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(conn_pragma(s, "PRAGMA busy_timeout"), 5000);
	authkit_store_free(s);
}
END_TEST

static void *touch_store(void *arg)
{
	authkit_store *s = arg;
	int64_t n = 0;
	s->user_count(s, &n);
	return NULL;
}

static int connection_count(authkit_store *store)
{
	ak_sqlite_store *s = ak_sqlite_of(store);
	int n = 0;
	pthread_mutex_lock(&s->lists_lock);
	for (ak_sqlite_conn *c = s->all; c; c = c->next_all)
		n++;
	pthread_mutex_unlock(&s->lists_lock);
	return n;
}

START_TEST(test_connection_reuse)
{
	char path[256];
	test_tmp_path(path, sizeof path, "reuse");
	authkit_store *s = NULL;
	OK(authkit_store_sqlite_open(&s, path, 0));
	ck_assert_int_eq(connection_count(s), 1); /* the opening thread's */
	for (int round = 0; round < 3; round++)
		run_threads(touch_store, s);
	/* Exited threads hand their connections on instead of leaking them. */
	ck_assert_int_le(connection_count(s), 1 + THREADS);
	authkit_store_free(s);
	test_remove_db(path);
}
END_TEST

/* A user's summary reads usage_daily through its user index, the events
 * not folded yet as a rowid range, and the partial days through the time
 * index: never a scan of a table. The plan is taken from the statement the
 * store itself prepared. */
START_TEST(test_summary_plan)
{
	authkit_store *s = NULL;
	OK(authkit_store_sqlite_open(&s, ":memory:", 0));
	static sums got;
	memset(&got, 0, sizeof got);
	OK(s->usage_summary(s, 1, 100, 3 * 86400 + 5, AUTHKIT_STORE_GROUP_DAY, collect_sum, &got));
	ak_sqlite_store *ss = ak_sqlite_of(s);
	ak_sqlite_conn *c = NULL;
	OK(ak_sqlite_acquire(ss, &c));
	const char *summary_sql = NULL;
	for (sqlite3_stmt *p = sqlite3_next_stmt(c->db, NULL); p; p = sqlite3_next_stmt(c->db, p))
		if (strstr(sqlite3_sql(p), "FROM usage_daily WHERE user_id = ?1"))
			summary_sql = sqlite3_sql(p);
	ck_assert_ptr_nonnull(summary_sql);
	sqlite3_stmt *st = NULL;
	char sql[2048];
	snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", summary_sql);
	ck_assert_int_eq(sqlite3_prepare_v2(c->db, sql, -1, &st, NULL), SQLITE_OK);
	int daily_by_user = 0, events_by_time = 0, unfolded_by_id = 0, scans = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		daily_by_user += strstr(detail, "INDEX usage_daily_user") != NULL;
		events_by_time += strstr(detail, "INDEX usage_events_time") != NULL;
		unfolded_by_id += strstr(detail, "usage_events USING INTEGER PRIMARY KEY (rowid>?)") != NULL;
		/* usage_rollup is one row; any other scan reads a whole table */
		scans += strncmp(detail, "SCAN usage_", 11) == 0 && strcmp(detail, "SCAN usage_rollup") != 0;
	}
	sqlite3_finalize(st);
	ak_sqlite_release(ss, c);
	ck_assert_int_eq(daily_by_user, 1);
	ck_assert_int_eq(events_by_time, 2);
	ck_assert_int_eq(unfolded_by_id, 1);
	ck_assert_int_eq(scans, 0);
	authkit_store_free(s);
}
END_TEST

static authkit_ctx *ctx_on_file(const char *path)
{
	authkit_config *cfg = test_config(NULL);
	OK(authkit_config_set(cfg, "AUTHKIT_DB", path));
	return test_ctx_from_config(cfg);
}

/* Reopen path in a context and run authkit_ctx_check on it. */
static int ctx_check_file(const char *path, int *checked_out)
{
	authkit_ctx *ctx = ctx_on_file(path);
	int rc = authkit_ctx_check(ctx, checked_out);
	authkit_ctx_free(ctx);
	return rc;
}

/* Overwrite one page of a (checkpointed) database file with garbage. */
static void smash_page(const char *path, int64_t page)
{
	int64_t page_size = raw_int(path, "PRAGMA page_size");
	FILE *f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, (long)((page - 1) * page_size), SEEK_SET), 0);
	for (int64_t i = 0; i < page_size; i++)
		fputc(0xA5, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_ctx_check)
{
	int checked = -1;
	ck_assert_int_eq(authkit_ctx_check(NULL, &checked), AUTHKIT_EINVALID);
	ck_assert_int_eq(checked, 0);

	char path[256];
	test_tmp_path(path, sizeof path, "check");
	authkit_ctx *ctx = ctx_on_file(path);
	OK(authkit_ctx_check(ctx, &checked));
	ck_assert_int_eq(checked, 1);
	OK(authkit_ctx_check(ctx, NULL));
	authkit_ctx_free(ctx);

	/* An orphan row (written with foreign keys off) passes integrity_check
	 * but not the foreign-key check. */
	raw_exec(path, "INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, idle_expires_at, "
	               "expires_at) VALUES ('orphan', 999, randomblob(32), 1, 1, 1, 1)");
	ck_assert_int_eq(ctx_check_file(path, &checked), AUTHKIT_ESTORE);
	ck_assert_int_eq(checked, 0);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "foreign key check"));
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "sessions"));
	raw_exec(path, "DELETE FROM sessions");
	OK(ctx_check_file(path, &checked));
	ck_assert_int_eq(checked, 1);

	/* A damaged index page: the file still opens, the check finds it. */
	raw_exec(path, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
	               "INSERT INTO users (username, email, password_hash, created_at, updated_at) "
	               "SELECT 'user' || i, 'user' || i || '@example.com', 'x', 1, 1 FROM n");
	int64_t index_root = raw_int(path, "SELECT rootpage FROM sqlite_schema WHERE type = 'index' "
	                                   "AND tbl_name = 'users' ORDER BY name LIMIT 1");
	smash_page(path, index_root);
	ck_assert_int_eq(ctx_check_file(path, &checked), AUTHKIT_ESTORE);
	ck_assert_int_eq(checked, 0);
	ck_assert_ptr_nonnull(strstr(authkit_error_last(), "sqlite: integrity check"));
	test_remove_db(path);

	/* A backend without the optional slot: connectivity only. */
	authkit_store *inner = NULL;
	OK(authkit_store_sqlite_open(&inner, ":memory:", 0));
	ctx = test_ctx_with_store(NULL, fault_store_wrap(inner, NULL));
	checked = -1;
	OK(authkit_ctx_check(ctx, &checked));
	ck_assert_int_eq(checked, 0);
	authkit_ctx_free(ctx);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *suite = suite_create("store");
	TCase *tc = conformance_tcase(backends, (int)(sizeof backends / sizeof backends[0]));
	tcase_add_test(tc, test_validate);
	suite_add_tcase(suite, tc);

	TCase *sq = tcase_create("sqlite");
	tcase_add_test(sq, test_migrate_from_v1);
	tcase_add_test(sq, test_migrate_usage_rollups);
	tcase_add_test(sq, test_migrate_user_id_floor);
	tcase_add_test(sq, test_usage_fold);
	tcase_add_test(sq, test_session_cache_sees_every_write);
	tcase_add_test(sq, test_future_schema_rejected);
	tcase_add_test(sq, test_bad_paths);
	tcase_add_test(sq, test_file_settings);
	tcase_add_test(sq, test_memory_settings);
	tcase_add_test(sq, test_connection_reuse);
	tcase_add_test(sq, test_summary_plan);
	tcase_add_test(sq, test_ctx_check);
	suite_add_tcase(suite, sq);
	return suite;
}

int main(void)
{
	SRunner *sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
