/*
 * Conformance: Users, roles, login counters, the audit log, transactions and concurrent writers.
 */
#include "conformance/internal.h"

/* ---- users ---- */

START_TEST(test_insert_and_get)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	authkit_store_user u, got;
	make_user(&u, "Alice", "alice@example.com");
	snprintf(u.full_name, sizeof u.full_name, "Zoë Ünïcode ✓");
	snprintf(u.roles, sizeof u.roles, "admin editor");
	u.is_verified = 1;
	u.is_superuser = 1;
	u.failed_logins = 2;
	u.locked_until = 1700000500;
	u.last_login_at = 1699999999;
	OK(s->user_insert(s, &u));
	ck_assert_int_gt(u.id, 0);
	int64_t second = add_user(s, "bob", "bob@example.com");
	ck_assert_int_gt(second, u.id);

	OK(s->user_get(s, AUTHKIT_STORE_BY_ID, u.id, NULL, &got));
	assert_user_eq(&got, &u);
	OK(s->user_get(s, AUTHKIT_STORE_BY_USERNAME, 0, "aLiCe", &got));
	ck_assert_int_eq(got.id, u.id);
	ck_assert_str_eq(got.username, "Alice"); /* stored as typed */
	OK(s->user_get(s, AUTHKIT_STORE_BY_EMAIL, 0, "alice@example.com", &got));
	ck_assert_int_eq(got.id, u.id);

	ck_assert_int_eq(s->user_get(s, AUTHKIT_STORE_BY_ID, 9999, NULL, &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->user_get(s, AUTHKIT_STORE_BY_USERNAME, 0, "alic", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->user_get(s, AUTHKIT_STORE_BY_EMAIL, 0, "nobody@example.com", &got), AUTHKIT_ENOTFOUND);
	backend_close(&b);
}
END_TEST

START_TEST(test_unique_conflicts)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	add_user(s, "Alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	authkit_store_user u;
	make_user(&u, "ALICE", "other@example.com");
	ck_assert_int_eq(s->user_insert(s, &u), AUTHKIT_EEXISTS);
	make_user(&u, "carol", "alice@example.com");
	ck_assert_int_eq(s->user_insert(s, &u), AUTHKIT_EEXISTS);
	ck_assert_int_eq(count_users(s), 2);

	/* Renaming onto a taken name conflicts too, and changes nothing. */
	make_user(&u, "alice", "x@example.com");
	u.id = bob;
	ck_assert_int_eq(s->user_update(s, &u, AUTHKIT_STORE_F_USERNAME), AUTHKIT_EEXISTS);
	ck_assert_int_eq(s->user_update(s, &u, AUTHKIT_STORE_F_EMAIL | AUTHKIT_STORE_F_USERNAME), AUTHKIT_EEXISTS);
	snprintf(u.email, sizeof u.email, "alice@example.com");
	ck_assert_int_eq(s->user_update(s, &u, AUTHKIT_STORE_F_EMAIL), AUTHKIT_EEXISTS);
	ck_assert_str_eq(get_id(s, bob).username, "bob");
	ck_assert_str_eq(get_id(s, bob).email, "bob@example.com");
	backend_close(&b);
}
END_TEST

START_TEST(test_update_mask)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t id = add_user(s, "alice", "alice@example.com");
	authkit_store_user before = get_id(s, id);

	/* A record that differs in every field; only masked ones may land. */
	authkit_store_user w;
	make_user(&w, "alicia", "alicia@example.com");
	snprintf(w.full_name, sizeof w.full_name, "Alicia New");
	snprintf(w.password_hash, sizeof w.password_hash, "$argon2id$other");
	snprintf(w.roles, sizeof w.roles, "root");
	w.id = id;
	w.is_active = 0;
	w.is_verified = 1;
	w.is_superuser = 1;
	w.failed_logins = 7;
	w.created_at = 1;
	w.updated_at = 1700000100;

	OK(s->user_update(s, &w, AUTHKIT_STORE_F_FULL_NAME));
	authkit_store_user after = get_id(s, id);
	authkit_store_user expect = before;
	snprintf(expect.full_name, sizeof expect.full_name, "Alicia New");
	expect.updated_at = 1700000100;
	assert_user_eq(&after, &expect);

	w.updated_at = 1700000200;
	OK(s->user_update(s, &w, AUTHKIT_STORE_F_USERNAME | AUTHKIT_STORE_F_ACTIVE | AUTHKIT_STORE_F_SUPERUSER));
	after = get_id(s, id);
	snprintf(expect.username, sizeof expect.username, "alicia");
	expect.is_active = 0;
	expect.is_superuser = 1;
	expect.updated_at = 1700000200;
	assert_user_eq(&after, &expect);

	w.updated_at = 1700000300;
	OK(s->user_update(s, &w, AUTHKIT_STORE_F_EMAIL | AUTHKIT_STORE_F_VERIFIED));
	after = get_id(s, id);
	snprintf(expect.email, sizeof expect.email, "alicia@example.com");
	expect.is_verified = 1;
	expect.updated_at = 1700000300;
	assert_user_eq(&after, &expect);

	/* Empty mask: only updated_at. */
	w.updated_at = 1700000400;
	OK(s->user_update(s, &w, 0));
	expect.updated_at = 1700000400;
	after = get_id(s, id);
	assert_user_eq(&after, &expect);

	w.id = id + 100;
	ck_assert_int_eq(s->user_update(s, &w, AUTHKIT_STORE_F_FULL_NAME), AUTHKIT_ENOTFOUND);
	backend_close(&b);
}
END_TEST

START_TEST(test_password_hash_cas)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t id = add_user(s, "alice", "alice@example.com");
	char first[AUTHKIT_STORE_HASH_BYTES];
	snprintf(first, sizeof first, "%s", get_id(s, id).password_hash);

	OK(s->user_set_password_hash(s, id, "$argon2id$v=19$two", NULL, 1700000010));
	ck_assert_str_eq(get_id(s, id).password_hash, "$argon2id$v=19$two");
	ck_assert_int_eq(get_id(s, id).updated_at, 1700000010);

	/* Stale expectation: someone changed it since. */
	ck_assert_int_eq(s->user_set_password_hash(s, id, "$argon2id$v=19$three", first, 1700000020),
	                 AUTHKIT_ENOTFOUND);
	ck_assert_str_eq(get_id(s, id).password_hash, "$argon2id$v=19$two");
	ck_assert_int_eq(get_id(s, id).updated_at, 1700000010);

	OK(s->user_set_password_hash(s, id, "$argon2id$v=19$three", "$argon2id$v=19$two", 1700000030));
	ck_assert_str_eq(get_id(s, id).password_hash, "$argon2id$v=19$three");

	ck_assert_int_eq(s->user_set_password_hash(s, id + 1, "$x", NULL, 1), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->user_set_password_hash(s, id + 1, "$x", "$y", 1), AUTHKIT_ENOTFOUND);
	backend_close(&b);
}
END_TEST

static void expect_roles(authkit_store *s, int64_t id, const char *roles)
{
	ck_assert_str_eq(get_id(s, id).roles, roles);
}

START_TEST(test_roles)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t id = add_user(s, "alice", "alice@example.com");
	OK(s->user_role_add(s, id, "admin", 1700000001));
	expect_roles(s, id, "admin");
	ck_assert_int_eq(get_id(s, id).updated_at, 1700000001);
	OK(s->user_role_add(s, id, "editor", 1700000002));
	expect_roles(s, id, "admin editor");
	OK(s->user_role_add(s, id, "admin", 1700000003)); /* present: no-op */
	expect_roles(s, id, "admin editor");
	OK(s->user_role_add(s, id, "adm", 1700000004)); /* a prefix is another role */
	expect_roles(s, id, "admin editor adm");
	OK(s->user_role_add(s, id, "editor:read", 1700000005));
	expect_roles(s, id, "admin editor adm editor:read");

	OK(s->user_role_remove(s, id, "edit", 1700000006)); /* absent: no-op */
	expect_roles(s, id, "admin editor adm editor:read");
	OK(s->user_role_remove(s, id, "editor", 1700000007)); /* middle */
	expect_roles(s, id, "admin adm editor:read");
	OK(s->user_role_remove(s, id, "admin", 1700000008)); /* first */
	expect_roles(s, id, "adm editor:read");
	OK(s->user_role_remove(s, id, "editor:read", 1700000009)); /* last */
	expect_roles(s, id, "adm");
	OK(s->user_role_remove(s, id, "adm", 1700000010));
	expect_roles(s, id, "");
	OK(s->user_role_remove(s, id, "adm", 1700000011));
	expect_roles(s, id, "");
	OK(s->user_role_add(s, id, "viewer", 1700000012));
	expect_roles(s, id, "viewer");

	ck_assert_int_eq(s->user_role_add(s, id + 1, "admin", 1), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->user_role_remove(s, id + 1, "admin", 1), AUTHKIT_ENOTFOUND);
	backend_close(&b);
}
END_TEST

START_TEST(test_login_counters)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t id = add_user(s, "alice", "alice@example.com");
	for (int i = 1; i <= 3; i++) {
		int n = 0;
		OK(s->login_failure(s, id, &n));
		ck_assert_int_eq(n, i);
	}
	ck_assert_int_eq(get_id(s, id).failed_logins, 3);
	OK(s->login_lock(s, id, 1700001800));
	authkit_store_user u = get_id(s, id);
	ck_assert_int_eq(u.failed_logins, 0);
	ck_assert_int_eq(u.locked_until, 1700001800);

	int n = 0;
	OK(s->login_failure(s, id, &n));
	ck_assert_int_eq(n, 1);
	OK(s->login_success(s, id, 1700002000));
	u = get_id(s, id);
	ck_assert_int_eq(u.failed_logins, 0);
	ck_assert_int_eq(u.locked_until, 0);
	ck_assert_int_eq(u.last_login_at, 1700002000);
	ck_assert_int_eq(u.updated_at, 1700000000); /* counters are not profile changes */

	ck_assert_int_eq(s->login_failure(s, id + 1, &n), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->login_lock(s, id + 1, 1), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->login_success(s, id + 1, 1), AUTHKIT_ENOTFOUND);
	backend_close(&b);
}
END_TEST

START_TEST(test_delete)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t a = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	ck_assert_int_eq(count_users(s), 2);
	OK(s->user_delete(s, a));
	authkit_store_user u;
	ck_assert_int_eq(s->user_get(s, AUTHKIT_STORE_BY_ID, a, NULL, &u), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->user_get(s, AUTHKIT_STORE_BY_USERNAME, 0, "alice", &u), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->user_delete(s, a), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(count_users(s), 1);
	ck_assert_str_eq(get_id(s, bob).username, "bob");
	/* The name is free again. */
	add_user(s, "Alice", "alice@example.com");
	backend_close(&b);
}
END_TEST

/* A deleted user's id is never handed out again: usage and billing rows keep
 * it, and a stateless access token names it until it expires. SQLite's rowid
 * would give max(id) + 1 again after the newest user is deleted. */
START_TEST(test_deleted_ids_not_reused)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	OK(s->user_delete(s, bob)); /* the newest */
	int64_t carol = add_user(s, "carol", "carol@example.com");
	ck_assert_int_gt(carol, bob);
	OK(s->user_delete(s, carol));
	OK(s->user_delete(s, alice)); /* the table is empty now */
	int64_t dave = add_user(s, "dave", "dave@example.com");
	ck_assert_int_gt(dave, carol);
	backend_close(&b);
}
END_TEST

START_TEST(test_list_and_count)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	ck_assert_int_eq(count_users(s), 0);
	int64_t ids[25];
	for (int i = 0; i < 25; i++) {
		char name[32], email[64];
		snprintf(name, sizeof name, "user%02d", i);
		snprintf(email, sizeof email, "user%02d@example.com", i);
		ids[i] = add_user(s, name, email);
	}
	ck_assert_int_eq(count_users(s), 25);
	OK(s->user_delete(s, ids[3])); /* a hole in the ids */

	int64_t after = 0;
	int seen = 0, pages = 0;
	for (;;) {
		collected c = {0};
		OK(s->user_list(s, after, 10, collect_user, &c));
		if (c.count == 0)
			break;
		ck_assert_int_le(c.count, 10);
		for (int k = 0; k < c.count; k++) {
			ck_assert_int_gt(c.ids[k], after); /* ascending, past the cursor */
			after = c.ids[k];
		}
		seen += c.count;
		pages++;
	}
	ck_assert_int_eq(seen, 24);
	ck_assert_int_eq(pages, 3);
	ck_assert_int_eq(after, ids[24]);

	/* A callback's non-zero status stops the walk and comes back as is. */
	collected c = {.stop_after = 2, .stop_with = 42};
	ck_assert_int_eq(s->user_list(s, 0, 10, collect_user, &c), 42);
	ck_assert_int_eq(c.count, 2);
	collected nf = {.stop_after = 1, .stop_with = AUTHKIT_ENOTFOUND};
	ck_assert_int_eq(s->user_list(s, 0, 10, collect_user, &nf), AUTHKIT_ENOTFOUND);
	/* And the statement is reusable afterwards. */
	collected all = {0};
	OK(s->user_list(s, 0, 100, collect_user, &all));
	ck_assert_int_eq(all.count, 24);
	backend_close(&b);
}
END_TEST

/* ---- audit ---- */

START_TEST(test_audit)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	append_event(s, 100, 1, "login.ok");
	append_event(s, 200, 2, "login.failed");
	append_event(s, 200, 1, "logout"); /* same time: the later id comes first */
	append_event(s, 300, 0, "cleanup");
	append_event(s, 400, 1, "password.changed");

	collected c = {0};
	OK(s->audit_query(s, 0, 0, 0, 100, collect_event, &c));
	ck_assert_int_eq(c.count, 5);
	int64_t want_times[] = {400, 300, 200, 200, 100};
	for (int k = 0; k < 5; k++)
		ck_assert_int_eq(c.times[k], want_times[k]);
	ck_assert_int_gt(c.ids[2], c.ids[3]);
	ck_assert_int_gt(c.ids[0], c.ids[4]);

	collected u1 = {0};
	OK(s->audit_query(s, 1, 0, 0, 100, collect_event, &u1));
	ck_assert_int_eq(u1.count, 3);
	ck_assert_int_eq(u1.times[0], 400);
	ck_assert_int_eq(u1.times[2], 100);

	collected range = {0}; /* since inclusive, until exclusive */
	OK(s->audit_query(s, 0, 200, 400, 100, collect_event, &range));
	ck_assert_int_eq(range.count, 3);
	ck_assert_int_eq(range.times[0], 300);
	ck_assert_int_eq(range.times[2], 200);

	collected user_range = {0};
	OK(s->audit_query(s, 1, 150, 0, 100, collect_event, &user_range));
	ck_assert_int_eq(user_range.count, 2);

	collected limited = {0};
	OK(s->audit_query(s, 0, 0, 0, 2, collect_event, &limited));
	ck_assert_int_eq(limited.count, 2);
	ck_assert_int_eq(limited.times[0], 400);

	collected none = {0};
	OK(s->audit_query(s, 99, 0, 0, 100, collect_event, &none));
	ck_assert_int_eq(none.count, 0);

	collected stop = {.stop_after = 1, .stop_with = 7};
	ck_assert_int_eq(s->audit_query(s, 0, 0, 0, 100, collect_event, &stop), 7);
	backend_close(&b);
}
END_TEST

static int check_verbatim_event(const authkit_store_audit *a, void *ud)
{
	(void)ud;
	ck_assert_str_eq(a->event, "{\"event\": \"x\", \"n\": 1}");
	ck_assert_str_eq(a->ip, "' OR '1'='1");
	ck_assert_str_eq(a->detail, "<script>alert('x')</script>; DROP TABLE audit_log;--");
	return 0;
}

START_TEST(test_strings_verbatim)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	authkit_store_user u, got;
	make_user(&u, "o'brien\";--", "a'b@example.com");
	snprintf(u.full_name, sizeof u.full_name, "Robert'); DROP TABLE users;-- <b>%%s</b> \\ %%");
	snprintf(u.roles, sizeof u.roles, "x'y z\"w");
	OK(s->user_insert(s, &u));
	OK(s->user_get(s, AUTHKIT_STORE_BY_USERNAME, 0, "O'BRIEN\";--", &got));
	assert_user_eq(&got, &u);
	OK(s->user_get(s, AUTHKIT_STORE_BY_EMAIL, 0, "a'b@example.com", &got));
	ck_assert_int_eq(got.id, u.id);
	/* LIKE-style wildcards are plain characters. */
	ck_assert_int_eq(s->user_get(s, AUTHKIT_STORE_BY_USERNAME, 0, "%", &got), AUTHKIT_ENOTFOUND);

	authkit_store_audit a;
	memset(&a, 0, sizeof a);
	a.time = 1;
	snprintf(a.event, sizeof a.event, "{\"event\": \"x\", \"n\": 1}");
	snprintf(a.ip, sizeof a.ip, "' OR '1'='1");
	snprintf(a.detail, sizeof a.detail, "<script>alert('x')</script>; DROP TABLE audit_log;--");
	OK(s->audit_append(s, &a));
	OK(s->audit_query(s, 0, 0, 0, 10, check_verbatim_event, NULL));
	ck_assert_int_eq(count_users(s), 1);
	backend_close(&b);
}
END_TEST

/* ---- transactions ---- */

START_TEST(test_transactions)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	authkit_store_user u;

	OK(s->txn_begin(s));
	int64_t gone = add_user(s, "ghost", "ghost@example.com");
	append_event(s, 1, gone, "user.created");
	ck_assert_int_eq(count_users(s), 1); /* visible inside */
	OK(s->txn_rollback(s));
	ck_assert_int_eq(count_users(s), 0);
	ck_assert_int_eq(s->user_get(s, AUTHKIT_STORE_BY_ID, gone, NULL, &u), AUTHKIT_ENOTFOUND);
	collected c = {0};
	OK(s->audit_query(s, 0, 0, 0, 10, collect_event, &c));
	ck_assert_int_eq(c.count, 0);

	OK(s->txn_begin(s));
	int64_t kept = add_user(s, "kept", "kept@example.com");
	/* A failing statement inside a transaction undoes only itself. */
	make_user(&u, "KEPT", "other@example.com");
	ck_assert_int_eq(s->user_insert(s, &u), AUTHKIT_EEXISTS);
	ck_assert_int_eq(s->txn_begin(s), AUTHKIT_ESTORE); /* no nesting */
	OK(s->txn_commit(s));
	ck_assert_str_eq(get_id(s, kept).username, "kept");
	ck_assert_int_eq(count_users(s), 1);

	ck_assert_int_eq(s->txn_commit(s), AUTHKIT_ESTORE); /* none open */
	ck_assert_int_eq(s->txn_rollback(s), AUTHKIT_ESTORE);
	OK(s->txn_begin(s)); /* and the store is still usable */
	OK(s->txn_commit(s));
	backend_close(&b);
}
END_TEST

/* ---- threads ---- */

#define THREADS 8
#define FAILURES_PER_THREAD 50

typedef struct counter_job {
	authkit_store *store;
	int64_t user_id;
	_Atomic int seen[THREADS * FAILURES_PER_THREAD + 1];
	_Atomic int errors;
} counter_job;

static void *fail_logins(void *arg)
{
	counter_job *job = arg;
	for (int i = 0; i < FAILURES_PER_THREAD; i++) {
		int n = 0;
		int rc = job->store->login_failure(job->store, job->user_id, &n);
		if (rc || n < 1 || n > THREADS * FAILURES_PER_THREAD)
			atomic_fetch_add(&job->errors, 1);
		else
			atomic_fetch_add(&job->seen[n], 1);
	}
	return NULL;
}

START_TEST(test_concurrent_login_failures)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	static counter_job job; /* large: keep it off the stack */
	memset(&job, 0, sizeof job);
	job.store = s;
	job.user_id = add_user(s, "target", "target@example.com");
	run_threads(fail_logins, &job);
	int errors = atomic_load(&job.errors);
	ck_assert_int_eq(errors, 0);
	ck_assert_int_eq(get_id(s, job.user_id).failed_logins, THREADS * FAILURES_PER_THREAD);
	/* Every new value was handed out exactly once. */
	for (int n = 1; n <= THREADS * FAILURES_PER_THREAD; n++) {
		int times = atomic_load(&job.seen[n]);
		ck_assert_msg(times == 1, "failure count %d was returned %d times", n, times);
	}
	backend_close(&b);
}
END_TEST

#define TXNS_PER_THREAD 20

typedef struct txn_job {
	authkit_store *store;
	int64_t user_id;
	_Atomic int errors;
} txn_job;

/* Read, then two increments per transaction; odd iterations roll back.
 * Only whole committed transactions may show, to readers and at the end. */
static void *txn_worker(void *arg)
{
	txn_job *job = arg;
	authkit_store *s = job->store;
	for (int i = 0; i < TXNS_PER_THREAD; i++) {
		int n = 0;
		authkit_store_user u;
		int rc = s->txn_begin(s);
		/* Read first, as the core does: a transaction that only took a
		 * read lock here would fail to upgrade when another commits. */
		if (rc == AUTHKIT_OK)
			rc = s->user_get(s, AUTHKIT_STORE_BY_ID, job->user_id, NULL, &u);
		if (rc == AUTHKIT_OK && u.failed_logins % 2 != 0)
			rc = AUTHKIT_ESTORE; /* saw half of another transaction */
		if (rc == AUTHKIT_OK)
			rc = s->login_failure(s, job->user_id, &n);
		if (rc == AUTHKIT_OK)
			rc = s->login_failure(s, job->user_id, &n);
		if (rc == AUTHKIT_OK && n % 2 != 0)
			rc = AUTHKIT_ESTORE; /* another thread's increment interleaved */
		if (rc == AUTHKIT_OK)
			rc = (i % 2) ? s->txn_rollback(s) : s->txn_commit(s);
		else
			s->txn_rollback(s);
		if (rc)
			atomic_fetch_add(&job->errors, 1);
	}
	return NULL;
}

START_TEST(test_concurrent_transactions)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	txn_job job = {.store = s};
	job.user_id = add_user(s, "target", "target@example.com");
	run_threads(txn_worker, &job);
	int errors = atomic_load(&job.errors);
	ck_assert_int_eq(errors, 0);
	ck_assert_int_eq(get_id(s, job.user_id).failed_logins, THREADS * (TXNS_PER_THREAD / 2) * 2);
	backend_close(&b);
}
END_TEST

void conformance_add_users(TCase *tc, int count)
{
	tcase_add_loop_test(tc, test_insert_and_get, 0, count);
	tcase_add_loop_test(tc, test_unique_conflicts, 0, count);
	tcase_add_loop_test(tc, test_update_mask, 0, count);
	tcase_add_loop_test(tc, test_password_hash_cas, 0, count);
	tcase_add_loop_test(tc, test_roles, 0, count);
	tcase_add_loop_test(tc, test_login_counters, 0, count);
	tcase_add_loop_test(tc, test_delete, 0, count);
	tcase_add_loop_test(tc, test_deleted_ids_not_reused, 0, count);
	tcase_add_loop_test(tc, test_list_and_count, 0, count);
	tcase_add_loop_test(tc, test_audit, 0, count);
	tcase_add_loop_test(tc, test_strings_verbatim, 0, count);
	tcase_add_loop_test(tc, test_transactions, 0, count);
	tcase_add_loop_test(tc, test_concurrent_login_failures, 0, count);
	tcase_add_loop_test(tc, test_concurrent_transactions, 0, count);
}
