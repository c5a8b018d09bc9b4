/*
 * Store conformance suite: every slot of the authkit_store vtable, driven
 * through the vtable only, looped over every backend in `backends` (add a
 * backend's opener there to hold it to the same contract). The last cases
 * are SQLite-specific: migrations, file settings, connection reuse.
 */
#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authkit.h"
#include "authkit/sys/store.h"
#include "fault_store.h"
#include "helpers.h"
#include "store/sqlite/internal.h"

#define OK(expr)                                                                                          \
	do {                                                                                              \
		int rc_ = (expr);                                                                         \
		ck_assert_msg(rc_ == AUTHKIT_OK, "%s = %d (%s)", #expr, rc_, authkit_error_last());      \
	} while (0)

/* ---- backends ---- */

typedef struct backend {
	authkit_store *store;
	char path[256]; /* "" for in-memory databases */
} backend;

static void open_sqlite_memory(backend *b)
{
	b->path[0] = '\0';
	OK(authkit_store_sqlite_open(&b->store, ":memory:", 0));
}

static void open_sqlite_file(backend *b)
{
	test_tmp_path(b->path, sizeof b->path, "store");
	OK(authkit_store_sqlite_open(&b->store, b->path, 0));
}

static const struct {
	const char *name;
	void (*open)(backend *b);
} backends[] = {
	{"sqlite :memory:", open_sqlite_memory},
	{"sqlite file", open_sqlite_file},
};
#define BACKEND_COUNT ((int)(sizeof backends / sizeof backends[0]))

static authkit_store *backend_open(backend *b, int i)
{
	memset(b, 0, sizeof *b);
	backends[i].open(b);
	ck_assert_ptr_nonnull(b->store);
	OK(authkit_store_validate(b->store));
	return b->store;
}

static void backend_close(backend *b)
{
	authkit_store_free(b->store);
	if (b->path[0])
		test_remove_db(b->path);
}

/* ---- helpers ---- */

static void make_user(authkit_store_user *u, const char *username, const char *email)
{
	memset(u, 0, sizeof *u);
	snprintf(u->username, sizeof u->username, "%s", username);
	snprintf(u->email, sizeof u->email, "%s", email);
	snprintf(u->full_name, sizeof u->full_name, "Full %s", username);
	snprintf(u->password_hash, sizeof u->password_hash, "$argon2id$v=19$m=19456,t=2,p=1$salt$%s", username);
	u->is_active = 1;
	u->created_at = 1700000000;
	u->updated_at = 1700000000;
}

/* Field by field: struct padding makes memcmp unreliable. */
static void assert_user_eq(const authkit_store_user *a, const authkit_store_user *b)
{
	ck_assert_int_eq(a->id, b->id);
	ck_assert_str_eq(a->username, b->username);
	ck_assert_str_eq(a->email, b->email);
	ck_assert_str_eq(a->full_name, b->full_name);
	ck_assert_str_eq(a->password_hash, b->password_hash);
	ck_assert_str_eq(a->roles, b->roles);
	ck_assert_int_eq(a->is_active, b->is_active);
	ck_assert_int_eq(a->is_verified, b->is_verified);
	ck_assert_int_eq(a->is_superuser, b->is_superuser);
	ck_assert_int_eq(a->failed_logins, b->failed_logins);
	ck_assert_int_eq(a->locked_until, b->locked_until);
	ck_assert_int_eq(a->created_at, b->created_at);
	ck_assert_int_eq(a->updated_at, b->updated_at);
	ck_assert_int_eq(a->last_login_at, b->last_login_at);
}

static int64_t add_user(authkit_store *s, const char *username, const char *email)
{
	authkit_store_user u;
	make_user(&u, username, email);
	OK(s->user_insert(s, &u));
	ck_assert_int_gt(u.id, 0);
	return u.id;
}

static authkit_store_user get_id(authkit_store *s, int64_t id)
{
	authkit_store_user u;
	OK(s->user_get(s, AUTHKIT_STORE_BY_ID, id, NULL, &u));
	return u;
}

static int64_t count_users(authkit_store *s)
{
	int64_t n = -1;
	OK(s->user_count(s, &n));
	return n;
}

static void append_event(authkit_store *s, int64_t time, int64_t user_id, const char *event)
{
	authkit_store_audit a;
	memset(&a, 0, sizeof a);
	a.time = time;
	a.user_id = user_id;
	snprintf(a.event, sizeof a.event, "%s", event);
	snprintf(a.ip, sizeof a.ip, "192.0.2.1");
	OK(s->audit_append(s, &a));
}

/* Collects ids (users or events) up to a cap; stops with `stop_with` after
 * `stop_after` rows when stop_after > 0. */
typedef struct collected {
	int64_t ids[64];
	int64_t times[64];
	int count;
	int stop_after;
	int stop_with;
} collected;

static int collect(collected *c, int64_t id, int64_t time)
{
	ck_assert_int_lt(c->count, 64);
	c->ids[c->count] = id;
	c->times[c->count] = time;
	c->count++;
	return (c->stop_after && c->count == c->stop_after) ? c->stop_with : 0;
}

static int collect_user(const authkit_store_user *u, void *ud)
{
	return collect(ud, u->id, u->created_at);
}

static int collect_event(const authkit_store_audit *a, void *ud)
{
	return collect(ud, a->id, a->time);
}

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

static void run_threads(void *(*fn)(void *), void *arg)
{
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, fn, arg), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
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

/* ---- sessions, refresh tokens, one-time tokens ---- */

#define T0 1700000000

/* A distinct 32-byte hash per seed, with a NUL byte inside: it must be
 * stored as a 32-byte BLOB, not as a C string. */
static void hash_of(unsigned char out[AUTHKIT_STORE_HASH_LEN], int seed)
{
	for (int k = 0; k < AUTHKIT_STORE_HASH_LEN; k++)
		out[k] = (unsigned char)(k * 37 + 11);
	out[3] = 0;
	for (int k = 0; k < 4; k++) /* the seed, after the NUL */
		out[AUTHKIT_STORE_HASH_LEN - 1 - k] = (unsigned char)((unsigned)seed >> (8 * k));
}

static void make_session(authkit_store_session *ss, const char *id, int64_t user_id, int seed, int64_t created)
{
	memset(ss, 0, sizeof *ss);
	snprintf(ss->id, sizeof ss->id, "%s", id);
	ss->user_id = user_id;
	hash_of(ss->token_hash, seed);
	snprintf(ss->ip, sizeof ss->ip, "198.51.100.%d", seed % 250);
	snprintf(ss->user_agent, sizeof ss->user_agent, "Mozilla/5.0 (seed %d)", seed);
	ss->created_at = created;
	ss->last_seen_at = created;
	ss->idle_expires_at = created + 1800;
	ss->expires_at = created + 86400;
}

static void add_session(authkit_store *s, const char *id, int64_t user_id, int seed, int64_t created)
{
	authkit_store_session ss;
	make_session(&ss, id, user_id, seed, created);
	OK(s->session_insert(s, &ss));
}

static void assert_session_eq(const authkit_store_session *a, const authkit_store_session *b)
{
	ck_assert_str_eq(a->id, b->id);
	ck_assert_int_eq(a->user_id, b->user_id);
	ck_assert(memcmp(a->token_hash, b->token_hash, AUTHKIT_STORE_HASH_LEN) == 0);
	ck_assert_str_eq(a->ip, b->ip);
	ck_assert_str_eq(a->user_agent, b->user_agent);
	ck_assert_int_eq(a->created_at, b->created_at);
	ck_assert_int_eq(a->last_seen_at, b->last_seen_at);
	ck_assert_int_eq(a->idle_expires_at, b->idle_expires_at);
	ck_assert_int_eq(a->expires_at, b->expires_at);
	ck_assert_int_eq(a->revoked_at, b->revoked_at);
}

static authkit_store_session get_session(authkit_store *s, const char *id)
{
	authkit_store_session ss;
	OK(s->session_get(s, id, &ss));
	return ss;
}

static void add_refresh(authkit_store *s, int seed, const char *session_id, int64_t user_id, int64_t expires_at)
{
	unsigned char h[AUTHKIT_STORE_HASH_LEN];
	hash_of(h, seed);
	OK(s->refresh_insert(s, h, session_id, user_id, expires_at, T0));
}

static int rotate(authkit_store *s, int old_seed, int new_seed, int64_t now, authkit_store_refresh_result *out)
{
	unsigned char o[AUTHKIT_STORE_HASH_LEN], n[AUTHKIT_STORE_HASH_LEN];
	hash_of(o, old_seed);
	hash_of(n, new_seed);
	return s->refresh_rotate(s, o, n, now + 86400, now, out);
}

static void add_one_time(authkit_store *s, int seed, int purpose, int64_t user_id, int64_t expires_at)
{
	unsigned char h[AUTHKIT_STORE_HASH_LEN];
	hash_of(h, seed);
	OK(s->one_time_insert(s, h, purpose, user_id, expires_at, T0));
}

static int consume(authkit_store *s, int seed, int purpose, int64_t now, int64_t *user_id_out)
{
	unsigned char h[AUTHKIT_STORE_HASH_LEN];
	hash_of(h, seed);
	return s->one_time_consume(s, h, purpose, now, user_id_out);
}

/* Rows of a table, read on the SQLite store's own connection. */
static int64_t table_rows(authkit_store *store, const char *table)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	ak_sqlite_store *s = ak_sqlite_of(store);
	ak_sqlite_conn *c = NULL;
	OK(ak_sqlite_acquire(s, &c));
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(c->db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	ak_sqlite_release(s, c);
	return v;
}

typedef struct session_ids {
	char ids[16][AUTHKIT_STORE_SESSION_ID_BYTES];
	int count;
	int stop_after;
	int stop_with;
} session_ids;

static int collect_session(const authkit_store_session *ss, void *ud)
{
	session_ids *c = ud;
	ck_assert_int_lt(c->count, 16);
	snprintf(c->ids[c->count], sizeof c->ids[0], "%s", ss->id);
	c->count++;
	return (c->stop_after && c->count == c->stop_after) ? c->stop_with : 0;
}

START_TEST(test_session_insert_get)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	authkit_store_session ss, got;
	make_session(&ss, "sid-AAAAAAAAAAAAAAAAAAA", alice, 1, T0);
	snprintf(ss.ip, sizeof ss.ip, "' OR '1'='1");
	snprintf(ss.user_agent, sizeof ss.user_agent, "<script>alert(\"x\")</script>; DROP TABLE sessions;-- Zoë ✓");
	OK(s->session_insert(s, &ss));

	OK(s->session_get(s, ss.id, &got));
	assert_session_eq(&got, &ss);
	memset(&got, 0x55, sizeof got);
	OK(s->session_get_by_hash(s, ss.token_hash, &got));
	assert_session_eq(&got, &ss);

	/* Same bytes up to the NUL, different after it: another hash. */
	unsigned char other[AUTHKIT_STORE_HASH_LEN];
	memcpy(other, ss.token_hash, sizeof other);
	other[AUTHKIT_STORE_HASH_LEN - 1] ^= 1;
	ck_assert_int_eq(s->session_get_by_hash(s, other, &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->session_get(s, "sid-nope", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->session_get(s, "%", &got), AUTHKIT_ENOTFOUND);

	/* Clashes: same id, same hash. */
	authkit_store_session dup;
	make_session(&dup, ss.id, alice, 2, T0);
	ck_assert_int_eq(s->session_insert(s, &dup), AUTHKIT_EEXISTS);
	make_session(&dup, "sid-other", alice, 1, T0);
	ck_assert_int_eq(s->session_insert(s, &dup), AUTHKIT_EEXISTS);
	/* No such user. */
	make_session(&dup, "sid-orphan", alice + 100, 3, T0);
	ck_assert_int_eq(s->session_insert(s, &dup), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->session_get(s, "sid-orphan", &got), AUTHKIT_ENOTFOUND);
	OK(s->session_get(s, ss.id, &got));
	assert_session_eq(&got, &ss);

	/* Arguments. */
	ck_assert_int_eq(s->session_insert(s, NULL), AUTHKIT_EINVALID);
	make_session(&dup, "", alice, 4, T0);
	ck_assert_int_eq(s->session_insert(s, &dup), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->session_get(s, NULL, &got), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->session_get(s, ss.id, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->session_get_by_hash(s, NULL, &got), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->session_get_by_hash(s, ss.token_hash, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(table_rows(s, "sessions"), 1);
	backend_close(&b);
}
END_TEST

START_TEST(test_session_touch_revoke)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	add_session(s, "a1", alice, 1, T0);
	add_session(s, "a2", alice, 2, T0 + 1);
	add_session(s, "a3", alice, 3, T0 + 2);
	add_session(s, "b1", bob, 4, T0);

	OK(s->session_touch(s, "a1", T0 + 60, T0 + 60 + 1800));
	authkit_store_session got = get_session(s, "a1");
	ck_assert_int_eq(got.last_seen_at, T0 + 60);
	ck_assert_int_eq(got.idle_expires_at, T0 + 60 + 1800);
	ck_assert_int_eq(got.expires_at, T0 + 86400); /* absolute stays */
	ck_assert_int_eq(s->session_touch(s, "zz", T0, T0), AUTHKIT_ENOTFOUND);

	OK(s->session_revoke(s, "a1", T0 + 100));
	ck_assert_int_eq(get_session(s, "a1").revoked_at, T0 + 100);
	OK(s->session_revoke(s, "a1", T0 + 200)); /* idempotent: first time stays */
	ck_assert_int_eq(get_session(s, "a1").revoked_at, T0 + 100);
	ck_assert_int_eq(s->session_touch(s, "a1", T0 + 300, T0 + 2000), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(get_session(s, "a1").last_seen_at, T0 + 60);
	ck_assert_int_eq(s->session_revoke(s, "zz", T0), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->session_revoke(s, "a2", 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->session_revoke(s, NULL, T0), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->session_touch(s, NULL, T0, T0), AUTHKIT_EINVALID);

	/* Everyone but a3; a1 was already revoked and keeps its time. */
	int64_t n = -1;
	OK(s->session_revoke_user(s, alice, "a3", T0 + 400, &n));
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(get_session(s, "a1").revoked_at, T0 + 100);
	ck_assert_int_eq(get_session(s, "a2").revoked_at, T0 + 400);
	ck_assert_int_eq(get_session(s, "a3").revoked_at, 0);
	ck_assert_int_eq(get_session(s, "b1").revoked_at, 0);
	OK(s->session_revoke_user(s, alice, "a3", T0 + 450, &n));
	ck_assert_int_eq(n, 0);
	OK(s->session_revoke_user(s, alice, NULL, T0 + 500, &n));
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(get_session(s, "a3").revoked_at, T0 + 500);
	ck_assert_int_eq(get_session(s, "b1").revoked_at, 0);
	OK(s->session_revoke_user(s, alice + 100, NULL, T0, &n));
	ck_assert_int_eq(n, 0);
	/* except_id of another user's session spares nothing of this one's. */
	OK(s->session_revoke_user(s, bob, "a3", T0 + 600, NULL));
	ck_assert_int_eq(get_session(s, "b1").revoked_at, T0 + 600);
	ck_assert_int_eq(s->session_revoke_user(s, bob, NULL, 0, &n), AUTHKIT_EINVALID);
	backend_close(&b);
}
END_TEST

START_TEST(test_session_list)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	add_session(s, "old", alice, 1, T0);
	add_session(s, "newest", alice, 2, T0 + 300);
	add_session(s, "mid-a", alice, 3, T0 + 100);
	add_session(s, "mid-b", alice, 4, T0 + 100); /* same second: later insert first */
	add_session(s, "gone", alice, 5, T0 + 200);
	add_session(s, "bobs", bob, 6, T0 + 400);
	OK(s->session_revoke(s, "gone", T0 + 250));

	session_ids c = {0};
	OK(s->session_list(s, alice, collect_session, &c));
	ck_assert_int_eq(c.count, 4);
	ck_assert_str_eq(c.ids[0], "newest");
	ck_assert_str_eq(c.ids[1], "mid-b");
	ck_assert_str_eq(c.ids[2], "mid-a");
	ck_assert_str_eq(c.ids[3], "old");

	session_ids none = {0};
	OK(s->session_list(s, alice + bob + 100, collect_session, &none));
	ck_assert_int_eq(none.count, 0);
	session_ids stop = {.stop_after = 2, .stop_with = 9};
	ck_assert_int_eq(s->session_list(s, alice, collect_session, &stop), 9);
	ck_assert_int_eq(stop.count, 2);
	session_ids again = {0};
	OK(s->session_list(s, bob, collect_session, &again));
	ck_assert_int_eq(again.count, 1);
	ck_assert_str_eq(again.ids[0], "bobs");
	ck_assert_int_eq(s->session_list(s, alice, NULL, NULL), AUTHKIT_EINVALID);
	backend_close(&b);
}
END_TEST

START_TEST(test_session_cleanup)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	const int64_t now = T0 + 5000;
	authkit_store_session ss;
	add_session(s, "alive", alice, 1, T0); /* idle until T0+1800: touch it */
	OK(s->session_touch(s, "alive", now - 10, now + 1));
	add_session(s, "revoked", alice, 2, T0);
	OK(s->session_touch(s, "revoked", now - 10, now + 1000));
	OK(s->session_revoke(s, "revoked", now - 5));
	make_session(&ss, "absolute", alice, 3, T0);
	ss.idle_expires_at = now + 1000;
	ss.expires_at = now; /* expires_at <= now */
	OK(s->session_insert(s, &ss));
	make_session(&ss, "idle", alice, 4, T0);
	ss.idle_expires_at = now; /* idle_expires_at <= now */
	OK(s->session_insert(s, &ss));
	add_refresh(s, 11, "alive", alice, now + 9999);
	add_refresh(s, 12, "revoked", alice, now + 9999);
	add_refresh(s, 13, "absolute", alice, now + 9999);
	add_refresh(s, 14, "idle", alice, now + 9999);
	add_refresh(s, 15, "idle", alice, now + 9999);
	ck_assert_int_eq(table_rows(s, "refresh_tokens"), 5);

	int64_t n = -1;
	OK(s->session_cleanup(s, now, &n));
	ck_assert_int_eq(n, 3); /* sessions only, not their refresh tokens */
	get_session(s, "alive");
	authkit_store_session got;
	ck_assert_int_eq(s->session_get(s, "revoked", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->session_get(s, "absolute", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->session_get(s, "idle", &got), AUTHKIT_ENOTFOUND);
	/* Their refresh tokens went with them. */
	authkit_store_refresh_result r;
	ck_assert_int_eq(rotate(s, 13, 23, now, &r), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(rotate(s, 14, 24, now, &r), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(table_rows(s, "refresh_tokens"), 1);
	OK(rotate(s, 11, 21, now, &r));
	ck_assert_str_eq(r.session_id, "alive");
	OK(s->session_cleanup(s, now, &n));
	ck_assert_int_eq(n, 0);
	OK(s->session_cleanup(s, now + 1, NULL)); /* idle now: gone */
	ck_assert_int_eq(s->session_get(s, "alive", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(table_rows(s, "refresh_tokens"), 0);
	ck_assert_int_eq(table_rows(s, "sessions"), 0);
	backend_close(&b);
}
END_TEST

START_TEST(test_refresh_rotate)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	add_session(s, "s1", alice, 1, T0);
	add_refresh(s, 100, "s1", alice, T0 + 1000);
	unsigned char h[AUTHKIT_STORE_HASH_LEN], h2[AUTHKIT_STORE_HASH_LEN];
	hash_of(h, 100);
	/* Inserts: duplicate hash, unknown session, someone else's session. */
	ck_assert_int_eq(s->refresh_insert(s, h, "s1", alice, T0 + 1000, T0), AUTHKIT_EEXISTS);
	hash_of(h2, 101);
	ck_assert_int_eq(s->refresh_insert(s, h2, "nope", alice, T0 + 1000, T0), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->refresh_insert(s, h2, "s1", bob, T0 + 1000, T0), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->refresh_insert(s, NULL, "s1", alice, T0 + 1000, T0), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->refresh_insert(s, h2, NULL, alice, T0 + 1000, T0), AUTHKIT_EINVALID);
	ck_assert_int_eq(table_rows(s, "refresh_tokens"), 1);

	/* OK path, twice along the chain. */
	authkit_store_refresh_result r;
	memset(&r, 0x55, sizeof r);
	OK(rotate(s, 100, 101, T0 + 10, &r));
	ck_assert_str_eq(r.session_id, "s1");
	ck_assert_int_eq(r.user_id, alice);
	OK(rotate(s, 101, 102, T0 + 20, &r));
	ck_assert_int_eq(table_rows(s, "refresh_tokens"), 3);

	/* The old one again: a replay. The session dies, and stays dead. */
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(rotate(s, 100, 103, T0 + 30, &r), AUTHKIT_EREUSE);
	ck_assert_str_eq(r.session_id, "s1");
	ck_assert_int_eq(r.user_id, alice);
	ck_assert_int_eq(get_session(s, "s1").revoked_at, T0 + 30);
	ck_assert_int_eq(rotate(s, 100, 104, T0 + 40, &r), AUTHKIT_EREUSE);
	ck_assert_int_eq(get_session(s, "s1").revoked_at, T0 + 30);
	/* The current token of a revoked session. */
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(rotate(s, 102, 105, T0 + 50, &r), AUTHKIT_EREVOKED);
	ck_assert_str_eq(r.session_id, "s1");
	ck_assert_int_eq(r.user_id, alice);
	ck_assert_int_eq(table_rows(s, "refresh_tokens"), 3); /* nothing inserted on failures */

	/* Expired (expires_at <= now), and nothing changed by saying so. */
	add_session(s, "s2", alice, 2, T0);
	add_refresh(s, 200, "s2", alice, T0 + 1000);
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(rotate(s, 200, 201, T0 + 1000, &r), AUTHKIT_EEXPIRED);
	ck_assert_str_eq(r.session_id, "s2");
	ck_assert_int_eq(r.user_id, alice);
	ck_assert_int_eq(get_session(s, "s2").revoked_at, 0);
	OK(rotate(s, 200, 201, T0 + 999, &r)); /* still unused */

	/* Revoked session, token unused: EREVOKED, the token stays unused. */
	add_session(s, "s3", bob, 3, T0);
	add_refresh(s, 300, "s3", bob, T0 + 1000);
	OK(s->session_revoke(s, "s3", T0 + 5));
	ck_assert_int_eq(rotate(s, 300, 301, T0 + 10, &r), AUTHKIT_EREVOKED);
	ck_assert_int_eq(r.user_id, bob);
	ck_assert_int_eq(get_session(s, "s3").revoked_at, T0 + 5);

	/* Unknown. */
	ck_assert_int_eq(rotate(s, 999, 998, T0 + 10, &r), AUTHKIT_ENOTFOUND);

	/* A new hash that clashes undoes the whole rotation. */
	add_session(s, "s4", bob, 4, T0);
	add_refresh(s, 400, "s4", bob, T0 + 1000);
	ck_assert_int_eq(rotate(s, 400, 201, T0 + 10, &r), AUTHKIT_EEXISTS);
	OK(rotate(s, 400, 401, T0 + 11, &r)); /* 400 was not marked used */
	ck_assert_int_eq(get_session(s, "s4").revoked_at, 0);

	/* Arguments. */
	ck_assert_int_eq(s->refresh_rotate(s, NULL, h2, T0, T0, &r), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->refresh_rotate(s, h, NULL, T0, T0, &r), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->refresh_rotate(s, h, h2, T0, T0, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->refresh_rotate(s, h, h2, T0, 0, &r), AUTHKIT_EINVALID);
	backend_close(&b);
}
END_TEST

START_TEST(test_refresh_rotate_in_txn)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	add_session(s, "s1", alice, 1, T0);
	add_refresh(s, 100, "s1", alice, T0 + 1000);
	add_refresh(s, 110, "s1", alice, T0 + 1000);
	authkit_store_refresh_result r;

	/* Inside the caller's transaction it takes part in it. */
	OK(s->txn_begin(s));
	OK(rotate(s, 100, 101, T0 + 10, &r));
	OK(s->txn_rollback(s));
	OK(rotate(s, 100, 101, T0 + 10, &r)); /* rolled back: unused again */

	/* A failing rotation undoes only itself, not the caller's work. */
	OK(s->txn_begin(s));
	OK(s->login_failure(s, alice, NULL));
	ck_assert_int_eq(rotate(s, 110, 101, T0 + 20, &r), AUTHKIT_EEXISTS);
	OK(s->txn_commit(s));
	ck_assert_int_eq(get_id(s, alice).failed_logins, 1);
	OK(rotate(s, 110, 111, T0 + 30, &r)); /* 110 was not marked used */

	/* A replay inside a transaction that commits revokes the session. */
	OK(s->txn_begin(s));
	ck_assert_int_eq(rotate(s, 100, 102, T0 + 40, &r), AUTHKIT_EREUSE);
	OK(s->txn_commit(s));
	ck_assert_int_eq(get_session(s, "s1").revoked_at, T0 + 40);
	backend_close(&b);
}
END_TEST

#define RACERS 16
#define RACE_ROUNDS 10

typedef struct race_job {
	authkit_store *store;
	pthread_barrier_t barrier;
	int nthreads;
	int seed; /* the shared token */
	_Atomic int next;
	_Atomic int ok, reuse, notfound, other;
	_Atomic int64_t user_id;
} race_job;

static void race_count(race_job *job, int rc)
{
	if (rc == AUTHKIT_OK)
		atomic_fetch_add(&job->ok, 1);
	else if (rc == AUTHKIT_EREUSE)
		atomic_fetch_add(&job->reuse, 1);
	else if (rc == AUTHKIT_ENOTFOUND)
		atomic_fetch_add(&job->notfound, 1);
	else
		atomic_fetch_add(&job->other, 1);
}

static void *race_rotate(void *arg)
{
	race_job *job = arg;
	int me = atomic_fetch_add(&job->next, 1);
	authkit_store_refresh_result r;
	pthread_barrier_wait(&job->barrier);
	race_count(job, rotate(job->store, job->seed, job->seed + 1 + me, T0 + 10, &r));
	return NULL;
}

static void *race_consume(void *arg)
{
	race_job *job = arg;
	int64_t user_id = 0;
	pthread_barrier_wait(&job->barrier);
	int rc = consume(job->store, job->seed, AUTHKIT_STORE_PURPOSE_RESET, T0 + 10, &user_id);
	if (rc == AUTHKIT_OK)
		atomic_store(&job->user_id, user_id);
	race_count(job, rc);
	return NULL;
}

static void run_race(race_job *job, void *(*fn)(void *), int nthreads)
{
	pthread_t t[RACERS];
	job->nthreads = nthreads;
	atomic_store(&job->next, 0);
	atomic_store(&job->ok, 0);
	atomic_store(&job->reuse, 0);
	atomic_store(&job->notfound, 0);
	atomic_store(&job->other, 0);
	ck_assert_int_eq(pthread_barrier_init(&job->barrier, NULL, (unsigned)nthreads), 0);
	for (int i = 0; i < nthreads; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, fn, job), 0);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&job->barrier);
}

/* N threads present one refresh token at once: exactly one rotation wins,
 * every other is a replay, and the replay kills the session. */
START_TEST(test_refresh_race)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	static race_job job;
	memset(&job, 0, sizeof job);
	job.store = s;
	for (int round = 0; round < RACE_ROUNDS; round++) {
		char sid[32];
		snprintf(sid, sizeof sid, "race-%d", round);
		job.seed = 1000 + round * 100;
		add_session(s, sid, alice, round + 1, T0);
		add_refresh(s, job.seed, sid, alice, T0 + 1000);
		run_race(&job, race_rotate, 8);
		int ok = atomic_load(&job.ok), reuse = atomic_load(&job.reuse);
		int other = atomic_load(&job.other), notfound = atomic_load(&job.notfound);
		ck_assert_msg(ok == 1 && reuse == 7 && other == 0 && notfound == 0,
		              "round %d: ok=%d reuse=%d notfound=%d other=%d (%s)", round, ok, reuse, notfound, other,
		              authkit_error_last());
		ck_assert_int_eq(get_session(s, sid).revoked_at, T0 + 10);
	}
	/* One winner's token inserted per round, plus the raced ones. */
	ck_assert_int_eq(table_rows(s, "refresh_tokens"), RACE_ROUNDS * 2);
	backend_close(&b);
}
END_TEST

START_TEST(test_one_time)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	const int R = AUTHKIT_STORE_PURPOSE_RESET, V = AUTHKIT_STORE_PURPOSE_VERIFY;
	add_one_time(s, 1, R, alice, T0 + 600);
	unsigned char h[AUTHKIT_STORE_HASH_LEN];
	hash_of(h, 1);
	ck_assert_int_eq(s->one_time_insert(s, h, V, bob, T0 + 600, T0), AUTHKIT_EEXISTS);
	hash_of(h, 2);
	ck_assert_int_eq(s->one_time_insert(s, h, R, alice + bob + 100, T0 + 600, T0), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->one_time_insert(s, NULL, R, alice, T0 + 600, T0), AUTHKIT_EINVALID);

	int64_t uid = -1;
	ck_assert_int_eq(consume(s, 1, V, T0 + 10, &uid), AUTHKIT_ENOTFOUND); /* wrong purpose */
	ck_assert_int_eq(uid, -1);
	ck_assert_int_eq(consume(s, 1, R, T0 + 600, &uid), AUTHKIT_ENOTFOUND); /* expires_at <= now */
	ck_assert_int_eq(consume(s, 2, R, T0 + 10, &uid), AUTHKIT_ENOTFOUND);  /* unknown */
	OK(consume(s, 1, R, T0 + 10, &uid));
	ck_assert_int_eq(uid, alice);
	ck_assert_int_eq(consume(s, 1, R, T0 + 11, &uid), AUTHKIT_ENOTFOUND); /* once only */
	ck_assert_int_eq(s->one_time_consume(s, NULL, R, T0, &uid), AUTHKIT_EINVALID);
	ck_assert_int_eq(consume(s, 1, R, 0, &uid), AUTHKIT_EINVALID);

	/* delete_user: that user's unused tokens of that purpose only. */
	add_one_time(s, 10, R, alice, T0 + 600);
	add_one_time(s, 11, R, alice, T0 + 600);
	add_one_time(s, 12, V, alice, T0 + 600);
	add_one_time(s, 13, R, bob, T0 + 600);
	OK(s->one_time_delete_user(s, alice, R));
	ck_assert_int_eq(consume(s, 10, R, T0 + 20, &uid), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(consume(s, 11, R, T0 + 20, &uid), AUTHKIT_ENOTFOUND);
	OK(consume(s, 12, V, T0 + 20, &uid));
	ck_assert_int_eq(uid, alice);
	OK(consume(s, 13, R, T0 + 20, &uid));
	ck_assert_int_eq(uid, bob);
	OK(s->one_time_delete_user(s, alice, R)); /* none left: still OK */
	/* Used tokens 1 and 12 (alice) and 13 (bob) remain for cleanup. */
	ck_assert_int_eq(table_rows(s, "one_time_tokens"), 3);

	/* cleanup: used or expired go, unused and unexpired stay. */
	add_one_time(s, 20, R, alice, T0 + 100); /* expired at T0+100 */
	add_one_time(s, 21, V, bob, T0 + 101);   /* alive at T0+100 */
	int64_t n = -1;
	OK(s->one_time_cleanup(s, T0 + 100, &n));
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(table_rows(s, "one_time_tokens"), 1);
	OK(consume(s, 21, V, T0 + 100, &uid));
	ck_assert_int_eq(uid, bob);
	OK(s->one_time_cleanup(s, T0 + 100, &n));
	ck_assert_int_eq(n, 1);
	OK(s->one_time_cleanup(s, T0 + 100, NULL));
	backend_close(&b);
}
END_TEST

START_TEST(test_one_time_race)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	static race_job job;
	memset(&job, 0, sizeof job);
	job.store = s;
	for (int round = 0; round < RACE_ROUNDS; round++) {
		job.seed = 500 + round;
		atomic_store(&job.user_id, 0);
		add_one_time(s, job.seed, AUTHKIT_STORE_PURPOSE_RESET, alice, T0 + 600);
		run_race(&job, race_consume, RACERS);
		int ok = atomic_load(&job.ok), notfound = atomic_load(&job.notfound);
		int other = atomic_load(&job.other) + atomic_load(&job.reuse);
		ck_assert_msg(ok == 1 && notfound == RACERS - 1 && other == 0, "round %d: ok=%d notfound=%d other=%d (%s)",
		              round, ok, notfound, other, authkit_error_last());
		ck_assert_int_eq(atomic_load(&job.user_id), alice);
	}
	backend_close(&b);
}
END_TEST

START_TEST(test_user_delete_cascades)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	add_session(s, "a1", alice, 1, T0);
	add_session(s, "a2", alice, 2, T0);
	add_session(s, "b1", bob, 3, T0);
	add_refresh(s, 10, "a1", alice, T0 + 1000);
	add_refresh(s, 11, "a2", alice, T0 + 1000);
	add_refresh(s, 12, "b1", bob, T0 + 1000);
	add_one_time(s, 20, AUTHKIT_STORE_PURPOSE_RESET, alice, T0 + 600);
	add_one_time(s, 21, AUTHKIT_STORE_PURPOSE_VERIFY, alice, T0 + 600);
	add_one_time(s, 22, AUTHKIT_STORE_PURPOSE_RESET, bob, T0 + 600);

	OK(s->user_delete(s, alice));
	authkit_store_session got;
	unsigned char h[AUTHKIT_STORE_HASH_LEN];
	hash_of(h, 1);
	ck_assert_int_eq(s->session_get(s, "a1", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->session_get_by_hash(s, h, &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->session_get(s, "a2", &got), AUTHKIT_ENOTFOUND);
	authkit_store_refresh_result r;
	ck_assert_int_eq(rotate(s, 10, 30, T0 + 10, &r), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(rotate(s, 11, 31, T0 + 10, &r), AUTHKIT_ENOTFOUND);
	int64_t uid = 0;
	ck_assert_int_eq(consume(s, 20, AUTHKIT_STORE_PURPOSE_RESET, T0 + 10, &uid), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(consume(s, 21, AUTHKIT_STORE_PURPOSE_VERIFY, T0 + 10, &uid), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(table_rows(s, "sessions"), 1);
	ck_assert_int_eq(table_rows(s, "refresh_tokens"), 1);
	ck_assert_int_eq(table_rows(s, "one_time_tokens"), 1);

	/* Bob's are untouched. */
	ck_assert_int_eq(get_session(s, "b1").user_id, bob);
	OK(rotate(s, 12, 32, T0 + 10, &r));
	ck_assert_int_eq(r.user_id, bob);
	OK(consume(s, 22, AUTHKIT_STORE_PURPOSE_RESET, T0 + 10, &uid));
	ck_assert_int_eq(uid, bob);
	backend_close(&b);
}
END_TEST

/* ---- version 3: integrations, API keys, usage, counters, buckets, billing ---- */

/* One integer from SQL run on the SQLite store's own connection. */
static int64_t store_int(authkit_store *store, const char *sql)
{
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

static void make_integration(authkit_store_integration *r, int64_t user_id, const char *service, int version,
                             int seed, size_t len)
{
	memset(r, 0, sizeof *r);
	r->user_id = user_id;
	snprintf(r->service, sizeof r->service, "%s", service);
	for (int i = 0; i < AUTHKIT_STORE_NONCE_LEN; i++)
		r->nonce[i] = (unsigned char)(seed * 7 + i);
	r->nonce[3] = 0; /* a NUL inside: stored as a BLOB */
	for (size_t i = 0; i < len; i++)
		r->ciphertext[i] = (unsigned char)(seed + i * 13);
	r->ciphertext_len = len;
	r->key_version = version;
	snprintf(r->masked, sizeof r->masked, "sk-…%04d", seed);
	r->is_active = 1;
	r->created_at = T0;
	r->updated_at = T0;
}

static void assert_integration_eq(const authkit_store_integration *a, const authkit_store_integration *b)
{
	ck_assert_int_eq(a->user_id, b->user_id);
	ck_assert_str_eq(a->service, b->service);
	ck_assert_mem_eq(a->nonce, b->nonce, AUTHKIT_STORE_NONCE_LEN);
	ck_assert_uint_eq(a->ciphertext_len, b->ciphertext_len);
	ck_assert_mem_eq(a->ciphertext, b->ciphertext, a->ciphertext_len);
	ck_assert_int_eq(a->key_version, b->key_version);
	ck_assert_str_eq(a->masked, b->masked);
	ck_assert_int_eq(a->is_active, b->is_active);
	ck_assert_int_eq(a->created_at, b->created_at);
	ck_assert_int_eq(a->updated_at, b->updated_at);
	ck_assert_int_eq(a->last_used_at, b->last_used_at);
}

typedef struct integration_rows {
	int64_t users[32];
	char services[32][AUTHKIT_STORE_NAME_BYTES];
	int versions[32];
	int count;
	int stop_after;
} integration_rows;

static int collect_integration(const authkit_store_integration *r, void *ud)
{
	integration_rows *c = ud;
	ck_assert_int_lt(c->count, 32);
	c->users[c->count] = r->user_id;
	snprintf(c->services[c->count], sizeof c->services[0], "%s", r->service);
	c->versions[c->count] = r->key_version;
	c->count++;
	return (c->stop_after && c->count == c->stop_after) ? 42 : 0;
}

START_TEST(test_integrations)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	static authkit_store_integration r, got;
	make_integration(&r, alice, "openai", 1, 1, AUTHKIT_STORE_CIPHER_MAX); /* the largest */
	OK(s->integration_put(s, &r));
	OK(s->integration_get(s, alice, "openai", &got));
	assert_integration_eq(&got, &r);
	ck_assert_int_eq(s->integration_get(s, bob, "openai", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->integration_get(s, alice, "OpenAI", &got), AUTHKIT_ENOTFOUND);

	/* Replace: new ciphertext, nonce, version; the first created_at stays. */
	static authkit_store_integration r2;
	make_integration(&r2, alice, "openai", 2, 2, 40);
	r2.created_at = T0 + 50;
	r2.updated_at = T0 + 50;
	r2.is_active = 0;
	OK(s->integration_put(s, &r2));
	OK(s->integration_get(s, alice, "openai", &got));
	r2.created_at = T0;
	assert_integration_eq(&got, &r2);
	ck_assert_int_eq(table_rows(s, "integrations"), 1);

	make_integration(&r, alice, "anthropic", 1, 3, 17);
	OK(s->integration_put(s, &r));
	make_integration(&r, bob, "openai", 1, 4, 17);
	OK(s->integration_put(s, &r));
	make_integration(&r, alice + bob + 100, "openai", 1, 5, 17); /* no such user */
	ck_assert_int_eq(s->integration_put(s, &r), AUTHKIT_ENOTFOUND);

	/* List: that user's, ordered by service; a callback's stop value comes back. */
	integration_rows rows = {0};
	OK(s->integration_list(s, alice, collect_integration, &rows));
	ck_assert_int_eq(rows.count, 2);
	ck_assert_str_eq(rows.services[0], "anthropic");
	ck_assert_str_eq(rows.services[1], "openai");
	memset(&rows, 0, sizeof rows);
	rows.stop_after = 1;
	ck_assert_int_eq(s->integration_list(s, alice, collect_integration, &rows), 42);
	ck_assert_int_eq(rows.count, 1);
	memset(&rows, 0, sizeof rows);
	OK(s->integration_list(s, 9999, collect_integration, &rows));
	ck_assert_int_eq(rows.count, 0);

	/* Status and touch. */
	OK(s->integration_set_status(s, alice, "openai", 1, T0 + 60));
	OK(s->integration_get(s, alice, "openai", &got));
	ck_assert_int_eq(got.is_active, 1);
	ck_assert_int_eq(got.updated_at, T0 + 60);
	OK(s->integration_set_status(s, alice, "openai", 0, T0 + 61));
	OK(s->integration_get(s, alice, "openai", &got));
	ck_assert_int_eq(got.is_active, 0);
	ck_assert_int_eq(s->integration_set_status(s, alice, "nope", 1, T0), AUTHKIT_ENOTFOUND);
	OK(s->integration_touch(s, alice, "openai", T0 + 70));
	OK(s->integration_get(s, alice, "openai", &got));
	ck_assert_int_eq(got.last_used_at, T0 + 70);
	ck_assert_int_eq(got.updated_at, T0 + 61);
	ck_assert_int_eq(s->integration_touch(s, bob, "anthropic", T0), AUTHKIT_ENOTFOUND);

	/* Delete. */
	OK(s->integration_delete(s, alice, "openai"));
	ck_assert_int_eq(s->integration_get(s, alice, "openai", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->integration_delete(s, alice, "openai"), AUTHKIT_ENOTFOUND);
	OK(s->integration_get(s, bob, "openai", &got)); /* bob's is untouched */

	/* Bad arguments change nothing. */
	make_integration(&r, alice, "x", 1, 6, 0);
	ck_assert_int_eq(s->integration_put(s, &r), AUTHKIT_EINVALID); /* empty ciphertext */
	make_integration(&r, alice, "x", 1, 6, 16);
	r.ciphertext_len = AUTHKIT_STORE_CIPHER_MAX + 1;
	ck_assert_int_eq(s->integration_put(s, &r), AUTHKIT_EINVALID);
	make_integration(&r, alice, "", 1, 6, 16);
	ck_assert_int_eq(s->integration_put(s, &r), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->integration_put(s, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->integration_get(s, alice, NULL, &got), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->integration_get(s, alice, "openai", NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->integration_list(s, alice, NULL, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(table_rows(s, "integrations"), 2);
	/* Stored as BLOBs, never as text. */
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM integrations WHERE typeof(nonce) = 'blob' AND "
	                              "length(nonce) = 24 AND typeof(ciphertext) = 'blob' AND length(ciphertext) = 17"),
	                 2);
	backend_close(&b);
}
END_TEST

START_TEST(test_integration_scan_reencrypt)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t u[3];
	u[0] = add_user(s, "alice", "alice@example.com");
	u[1] = add_user(s, "bob", "bob@example.com");
	u[2] = add_user(s, "carol", "carol@example.com");
	static const char *services[] = {"anthropic", "groq", "mistral", "openai"};
	static authkit_store_integration r, got;
	int stale = 0, seed = 0;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++) {
			int version = ((i + j) % 3 == 0) ? 3 : 1 + (i + j) % 2; /* 3 is current */
			seed++;
			make_integration(&r, u[i], services[j], version, seed, 20 + (size_t)seed);
			OK(s->integration_put(s, &r));
			stale += version != 3;
		}

	/* Page through with limit 2: every stale row once, in (user, service) order. */
	integration_rows all = {0};
	int64_t after_user = 0;
	char after_service[AUTHKIT_STORE_NAME_BYTES] = "";
	int pages = 0;
	for (;;) {
		integration_rows page = {0};
		OK(s->integration_scan_stale(s, 3, after_user, after_service, 2, collect_integration, &page));
		ck_assert_int_le(page.count, 2);
		for (int k = 0; k < page.count; k++) {
			ck_assert_int_ne(page.versions[k], 3);
			all.users[all.count] = page.users[k];
			snprintf(all.services[all.count], sizeof all.services[0], "%s", page.services[k]);
			all.count++;
		}
		pages++;
		if (page.count < 2)
			break;
		after_user = page.users[page.count - 1];
		snprintf(after_service, sizeof after_service, "%s", page.services[page.count - 1]);
	}
	ck_assert_int_eq(all.count, stale);
	ck_assert_int_ge(pages, (stale + 1) / 2);
	for (int k = 1; k < all.count; k++)
		ck_assert(all.users[k - 1] < all.users[k] ||
		          (all.users[k - 1] == all.users[k] && strcmp(all.services[k - 1], all.services[k]) < 0));
	/* limit 0 visits nothing; bad arguments. */
	integration_rows none = {0};
	OK(s->integration_scan_stale(s, 3, 0, "", 0, collect_integration, &none));
	ck_assert_int_eq(none.count, 0);
	ck_assert_int_eq(s->integration_scan_stale(s, 3, 0, NULL, 2, collect_integration, &none), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->integration_scan_stale(s, 3, 0, "", 2, NULL, NULL), AUTHKIT_EINVALID);

	/* Re-encrypt: a compare-and-swap on (key_version, nonce). */
	OK(s->integration_get(s, all.users[0], all.services[0], &got));
	unsigned char old_nonce[AUTHKIT_STORE_NONCE_LEN];
	memcpy(old_nonce, got.nonce, sizeof old_nonce);
	int old_version = got.key_version;
	make_integration(&r, got.user_id, got.service, 3, 900, 33);
	unsigned char wrong_nonce[AUTHKIT_STORE_NONCE_LEN];
	memcpy(wrong_nonce, old_nonce, sizeof wrong_nonce);
	wrong_nonce[0] ^= 1;
	ck_assert_int_eq(s->integration_reencrypt(s, &r, old_version, wrong_nonce), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->integration_reencrypt(s, &r, old_version + 7, old_nonce), AUTHKIT_ENOTFOUND);
	static authkit_store_integration check;
	OK(s->integration_get(s, got.user_id, got.service, &check));
	assert_integration_eq(&check, &got); /* unchanged */
	OK(s->integration_reencrypt(s, &r, old_version, old_nonce));
	OK(s->integration_get(s, got.user_id, got.service, &check));
	ck_assert_int_eq(check.key_version, 3);
	ck_assert_mem_eq(check.nonce, r.nonce, AUTHKIT_STORE_NONCE_LEN);
	ck_assert_uint_eq(check.ciphertext_len, 33);
	ck_assert_mem_eq(check.ciphertext, r.ciphertext, 33);
	ck_assert_str_eq(check.masked, got.masked); /* only the crypto fields change */
	ck_assert_int_eq(check.created_at, got.created_at);
	ck_assert_int_eq(s->integration_reencrypt(s, &r, old_version, old_nonce), AUTHKIT_ENOTFOUND); /* once */

	/* A put between the scan and the re-encryption wins. */
	OK(s->integration_get(s, all.users[1], all.services[1], &got));
	make_integration(&r, got.user_id, got.service, got.key_version, 901, 25); /* new nonce, same version */
	OK(s->integration_put(s, &r));
	static authkit_store_integration re;
	make_integration(&re, got.user_id, got.service, 3, 902, 26);
	ck_assert_int_eq(s->integration_reencrypt(s, &re, got.key_version, got.nonce), AUTHKIT_ENOTFOUND);
	OK(s->integration_get(s, got.user_id, got.service, &check));
	assert_integration_eq(&check, &r);
	/* Gone: ENOTFOUND too. */
	make_integration(&re, u[0], "nope", 3, 903, 26);
	ck_assert_int_eq(s->integration_reencrypt(s, &re, 1, re.nonce), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->integration_reencrypt(s, &re, 1, NULL), AUTHKIT_EINVALID);

	memset(&none, 0, sizeof none);
	OK(s->integration_scan_stale(s, 3, 0, "", 100, collect_integration, &none));
	ck_assert_int_eq(none.count, stale - 1);
	backend_close(&b);
}
END_TEST

static void make_api_key(authkit_store_api_key *k, const char *id, int64_t user_id, int seed, int64_t created)
{
	memset(k, 0, sizeof *k);
	snprintf(k->public_id, sizeof k->public_id, "%s", id);
	k->user_id = user_id;
	hash_of(k->secret_hash, seed);
	snprintf(k->name, sizeof k->name, "key %s", id);
	snprintf(k->scopes, sizeof k->scopes, "usage:read images:write");
	k->created_at = created;
	k->expires_at = created + 86400;
}

typedef struct key_ids {
	char ids[16][AUTHKIT_STORE_KEY_ID_BYTES];
	int count;
} key_ids;

static int collect_key(const authkit_store_api_key *k, void *ud)
{
	key_ids *c = ud;
	ck_assert_int_lt(c->count, 16);
	snprintf(c->ids[c->count++], sizeof c->ids[0], "%s", k->public_id);
	return 0;
}

START_TEST(test_api_keys)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	authkit_store_api_key k, got;
	make_api_key(&k, "ak_one", alice, 1, T0);
	OK(s->api_key_insert(s, &k));
	OK(s->api_key_get(s, "ak_one", &got));
	ck_assert_str_eq(got.public_id, "ak_one");
	ck_assert_int_eq(got.user_id, alice);
	ck_assert_mem_eq(got.secret_hash, k.secret_hash, AUTHKIT_STORE_HASH_LEN);
	ck_assert_str_eq(got.name, k.name);
	ck_assert_str_eq(got.scopes, k.scopes);
	ck_assert_int_eq(got.created_at, T0);
	ck_assert_int_eq(got.expires_at, T0 + 86400);
	ck_assert_int_eq(got.last_used_at, 0);
	ck_assert_int_eq(got.revoked_at, 0);

	/* Id clash (even for another user): EEXISTS; unknown user: ENOTFOUND. */
	make_api_key(&k, "ak_one", bob, 2, T0);
	ck_assert_int_eq(s->api_key_insert(s, &k), AUTHKIT_EEXISTS);
	make_api_key(&k, "ak_orphan", alice + bob + 100, 3, T0);
	ck_assert_int_eq(s->api_key_insert(s, &k), AUTHKIT_ENOTFOUND);
	make_api_key(&k, "", alice, 3, T0);
	ck_assert_int_eq(s->api_key_insert(s, &k), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->api_key_insert(s, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->api_key_get(s, "ak_none", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->api_key_get(s, NULL, &got), AUTHKIT_EINVALID);

	make_api_key(&k, "ak_two", alice, 4, T0 + 10);
	OK(s->api_key_insert(s, &k));
	make_api_key(&k, "ak_three", alice, 5, T0 + 10); /* same second: insertion order breaks the tie */
	OK(s->api_key_insert(s, &k));
	make_api_key(&k, "ak_bob", bob, 6, T0);
	OK(s->api_key_insert(s, &k));
	key_ids ids = {0};
	OK(s->api_key_list(s, alice, collect_key, &ids));
	ck_assert_int_eq(ids.count, 3);
	ck_assert_str_eq(ids.ids[0], "ak_three");
	ck_assert_str_eq(ids.ids[1], "ak_two");
	ck_assert_str_eq(ids.ids[2], "ak_one");
	ck_assert_int_eq(s->api_key_list(s, alice, NULL, NULL), AUTHKIT_EINVALID);

	/* Revoke: sets revoked_at once; again is OK and keeps the first time. */
	OK(s->api_key_revoke(s, "ak_two", T0 + 100));
	OK(s->api_key_get(s, "ak_two", &got));
	ck_assert_int_eq(got.revoked_at, T0 + 100);
	OK(s->api_key_revoke(s, "ak_two", T0 + 200));
	OK(s->api_key_get(s, "ak_two", &got));
	ck_assert_int_eq(got.revoked_at, T0 + 100);
	ck_assert_int_eq(s->api_key_revoke(s, "ak_none", T0), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->api_key_revoke(s, "ak_one", 0), AUTHKIT_EINVALID);
	OK(s->api_key_get(s, "ak_one", &got));
	ck_assert_int_eq(got.revoked_at, 0);
	memset(&ids, 0, sizeof ids);
	OK(s->api_key_list(s, alice, collect_key, &ids)); /* revoked keys are still listed */
	ck_assert_int_eq(ids.count, 3);

	/* Touch. */
	OK(s->api_key_touch(s, "ak_one", T0 + 300));
	OK(s->api_key_get(s, "ak_one", &got));
	ck_assert_int_eq(got.last_used_at, T0 + 300);
	ck_assert_int_eq(s->api_key_touch(s, "ak_none", T0), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM api_keys WHERE typeof(secret_hash) = 'blob' "
	                              "AND length(secret_hash) = 32"), 4);
	backend_close(&b);
}
END_TEST

static int usage_insert(authkit_store *s, int64_t user_id, const char *service, const char *model, int64_t in,
                        int64_t out, int64_t cost, const char *idem, int64_t time, int *dup)
{
	authkit_store_usage u;
	memset(&u, 0, sizeof u);
	u.user_id = user_id;
	snprintf(u.service, sizeof u.service, "%s", service);
	snprintf(u.model, sizeof u.model, "%s", model);
	snprintf(u.request_type, sizeof u.request_type, "chat");
	u.input_tokens = in;
	u.output_tokens = out;
	u.cost_micros = cost;
	snprintf(u.idempotency_key, sizeof u.idempotency_key, "%s", idem ? idem : "");
	u.time = time;
	return s->usage_insert(s, &u, dup);
}

typedef struct sums {
	authkit_store_usage_sum rows[64];
	int count;
} sums;

static int collect_sum(const authkit_store_usage_sum *r, void *ud)
{
	sums *c = ud;
	ck_assert_int_lt(c->count, 64);
	c->rows[c->count++] = *r;
	return 0;
}

/* The expected summary, computed here from the events the test inserted. */
typedef struct usage_ev {
	int64_t user, in, out, cost, time;
	const char *service, *model;
} usage_ev;

static void group_key(const usage_ev *e, int group, char *key, size_t size)
{
	time_t t = (time_t)e->time;
	struct tm tm;
	gmtime_r(&t, &tm);
	if (group == AUTHKIT_STORE_GROUP_SERVICE)
		snprintf(key, size, "%s", e->service);
	else if (group == AUTHKIT_STORE_GROUP_MODEL)
		snprintf(key, size, "%s", e->model);
	else if (group == AUTHKIT_STORE_GROUP_DAY)
		strftime(key, size, "%Y-%m-%d", &tm);
	else
		strftime(key, size, "%Y-%m", &tm);
}

static void expect_summary(authkit_store *s, const usage_ev *ev, int n, int64_t user, int64_t since, int64_t until,
                           int group)
{
	static sums want, got;
	memset(&want, 0, sizeof want);
	memset(&got, 0, sizeof got);
	for (int i = 0; i < n; i++) {
		if ((user && ev[i].user != user) || ev[i].time < since || ev[i].time >= until)
			continue;
		char key[AUTHKIT_STORE_MODEL_BYTES];
		group_key(&ev[i], group, key, sizeof key);
		int j = 0;
		while (j < want.count && strcmp(want.rows[j].key, key) != 0)
			j++;
		if (j == want.count)
			snprintf(want.rows[want.count++].key, sizeof want.rows[0].key, "%s", key);
		want.rows[j].events++;
		want.rows[j].input_tokens += ev[i].in;
		want.rows[j].output_tokens += ev[i].out;
		want.rows[j].cost_micros += ev[i].cost;
	}
	OK(s->usage_summary(s, user, since, until, group, collect_sum, &got));
	ck_assert_int_eq(got.count, want.count);
	for (int i = 0; i < got.count; i++) {
		if (i > 0) /* ordered by key */
			ck_assert_int_lt(strcmp(got.rows[i - 1].key, got.rows[i].key), 0);
		int j = 0;
		while (j < want.count && strcmp(want.rows[j].key, got.rows[i].key) != 0)
			j++;
		ck_assert_msg(j < want.count, "unexpected group %s", got.rows[i].key);
		ck_assert_int_eq(got.rows[i].events, want.rows[j].events);
		ck_assert_int_eq(got.rows[i].input_tokens, want.rows[j].input_tokens);
		ck_assert_int_eq(got.rows[i].output_tokens, want.rows[j].output_tokens);
		ck_assert_int_eq(got.rows[i].cost_micros, want.rows[j].cost_micros);
	}
}

#define DAY 86400
/* 2023-11-30 00:00:00 UTC: the events straddle a month end. */
#define NOV30 1701302400

START_TEST(test_usage)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = alice + 1000; /* usage needs no user row */
	static const usage_ev ev[] = {
		{0, 10, 20, 1500, NOV30 - DAY + 5, "openai", "gpt-4o"},
		{0, 1, 2, 30, NOV30, "openai", "gpt-4o-mini"},
		{0, 100, 0, 7, NOV30 + 3600, "anthropic", "claude"},
		{0, 5, 5, 5, NOV30 + DAY - 1, "openai", "gpt-4o"},
		{0, 7, 8, 9, NOV30 + DAY, "openai", "gpt-4o"}, /* 2023-12-01 */
		{1, 3, 4, 11, NOV30 + 2 * DAY, "anthropic", "claude"},
		{1, 6, 6, 13, NOV30 - 5, "images", "sdxl"},
		{1, 2, 9, 1000000, NOV30 + 40 * DAY, "openai", "gpt-4o"}, /* 2024-01 */
	};
	int n = (int)(sizeof ev / sizeof ev[0]);
	usage_ev evs[16];
	for (int i = 0; i < n; i++) {
		evs[i] = ev[i];
		evs[i].user = ev[i].user ? bob : alice;
		char idem[32];
		snprintf(idem, sizeof idem, "req-%d", i);
		int dup = -1;
		OK(usage_insert(s, evs[i].user, evs[i].service, evs[i].model, evs[i].in, evs[i].out, evs[i].cost,
		                i % 2 ? idem : "", evs[i].time, &dup));
		ck_assert_int_eq(dup, 0);
	}
	/* A retry with the same key inserts nothing, whatever else differs. */
	int dup = -1;
	OK(usage_insert(s, bob, "openai", "x", 999, 999, 999, "req-1", NOV30, &dup));
	ck_assert_int_eq(dup, 1);
	OK(usage_insert(s, alice, "openai", "x", 999, 999, 999, "req-3", NOV30, NULL));
	ck_assert_int_eq(table_rows(s, "usage_events"), n);
	/* "" is "no key": never a duplicate, stored as NULL. */
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM usage_events WHERE idempotency_key IS NULL"), (n + 1) / 2);
	/* Ids are set and increase; billing_id starts at 0. */
	authkit_store_usage u;
	memset(&u, 0, sizeof u);
	u.user_id = alice;
	snprintf(u.service, sizeof u.service, "openai");
	u.time = NOV30 + 100 * DAY;
	u.billing_id = 77;
	OK(s->usage_insert(s, &u, &dup));
	ck_assert_int_eq(dup, 0);
	ck_assert_int_eq(u.id, store_int(s, "SELECT max(id) FROM usage_events"));
	ck_assert_int_eq(u.billing_id, 0);
	ck_assert_int_eq(store_int(s, "SELECT max(billing_id) FROM usage_events"), 0);
	evs[n] = (usage_ev){alice, 0, 0, 0, NOV30 + 100 * DAY, "openai", ""};
	n++;

	/* Every grouping, one user and all users, a few windows. */
	const int64_t windows[][2] = {{0, INT64_MAX}, {NOV30, NOV30 + DAY}, {NOV30 - DAY + 5, NOV30 + DAY + 1},
	                              {NOV30 + 2 * DAY, NOV30 + 2 * DAY}};
	for (int g = AUTHKIT_STORE_GROUP_SERVICE; g <= AUTHKIT_STORE_GROUP_MONTH; g++)
		for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
			expect_summary(s, evs, n, alice, windows[w][0], windows[w][1], g);
			expect_summary(s, evs, n, bob, windows[w][0], windows[w][1], g);
			expect_summary(s, evs, n, 0, windows[w][0], windows[w][1], g);
		}
	/* Spot checks of the keys themselves. */
	static sums got;
	memset(&got, 0, sizeof got);
	OK(s->usage_summary(s, 0, 0, INT64_MAX, AUTHKIT_STORE_GROUP_MONTH, collect_sum, &got));
	ck_assert_int_eq(got.count, 4);
	ck_assert_str_eq(got.rows[0].key, "2023-11");
	ck_assert_int_eq(got.rows[0].events, 5);
	ck_assert_str_eq(got.rows[1].key, "2023-12");
	ck_assert_str_eq(got.rows[2].key, "2024-01");
	ck_assert_int_eq(got.rows[2].cost_micros, 1000000);
	memset(&got, 0, sizeof got);
	OK(s->usage_summary(s, alice, NOV30, NOV30 + 2 * DAY, AUTHKIT_STORE_GROUP_DAY, collect_sum, &got));
	ck_assert_int_eq(got.count, 2);
	ck_assert_str_eq(got.rows[0].key, "2023-11-30");
	ck_assert_int_eq(got.rows[0].events, 3);
	ck_assert_int_eq(got.rows[0].input_tokens, 106);
	ck_assert_str_eq(got.rows[1].key, "2023-12-01");

	ck_assert_int_eq(s->usage_summary(s, 0, 0, 1, 0, collect_sum, &got), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->usage_summary(s, 0, 0, 1, 5, collect_sum, &got), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->usage_summary(s, 0, 0, 1, AUTHKIT_STORE_GROUP_DAY, NULL, NULL), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->usage_insert(s, NULL, &dup), AUTHKIT_EINVALID);

	/* The month summary of one user reads the covering index only. */
	ak_sqlite_store *ss = ak_sqlite_of(s);
	ak_sqlite_conn *c = NULL;
	OK(ak_sqlite_acquire(ss, &c));
	sqlite3_stmt *st = NULL;
	char sql[1024];
	snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s",
	         "SELECT CASE 4 WHEN 1 THEN service WHEN 2 THEN model WHEN 3 THEN strftime('%Y-%m-%d', time, "
	         "'unixepoch') ELSE strftime('%Y-%m', time, 'unixepoch') END AS k, count(*), sum(input_tokens), "
	         "sum(output_tokens), sum(cost_micros) FROM usage_events WHERE user_id = 1 AND time >= 0 AND time < 9 "
	         "GROUP BY k ORDER BY k");
	ck_assert_int_eq(sqlite3_prepare_v2(c->db, sql, -1, &st, NULL), SQLITE_OK);
	int covering = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (strstr((const char *)sqlite3_column_text(st, 3), "COVERING INDEX usage_events_user_time"))
			covering = 1;
	sqlite3_finalize(st);
	ak_sqlite_release(ss, c);
	ck_assert(covering);
	backend_close(&b);
}
END_TEST

#define IDEM_KEYS 100

typedef struct idem_job {
	authkit_store *store;
	_Atomic int inserted, duplicates, errors;
	_Atomic int next;
} idem_job;

static void *insert_idem(void *arg)
{
	idem_job *job = arg;
	int me = atomic_fetch_add(&job->next, 1);
	for (int k = 0; k < IDEM_KEYS; k++) {
		int key = (k + me * 13) % IDEM_KEYS; /* threads walk the keys in different orders */
		char idem[32];
		snprintf(idem, sizeof idem, "retry-%d", key);
		int dup = -1;
		int rc = usage_insert(job->store, 1 + key % 5, "openai", "gpt", 1, 1, key, idem, T0 + key, &dup);
		if (rc)
			atomic_fetch_add(&job->errors, 1);
		else if (dup)
			atomic_fetch_add(&job->duplicates, 1);
		else
			atomic_fetch_add(&job->inserted, 1);
	}
	return NULL;
}

START_TEST(test_usage_idempotency_race)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	static idem_job job;
	memset(&job, 0, sizeof job);
	job.store = s;
	run_threads(insert_idem, &job);
	ck_assert_msg(atomic_load(&job.errors) == 0, "%d errors (%s)", atomic_load(&job.errors), authkit_error_last());
	ck_assert_int_eq(atomic_load(&job.inserted), IDEM_KEYS);
	ck_assert_int_eq(atomic_load(&job.duplicates), (THREADS - 1) * IDEM_KEYS);
	ck_assert_int_eq(table_rows(s, "usage_events"), IDEM_KEYS);
	ck_assert_int_eq(store_int(s, "SELECT count(DISTINCT idempotency_key) FROM usage_events"), IDEM_KEYS);
	backend_close(&b);
}
END_TEST

#define COUNTER_ADDS 200

typedef struct add_job {
	authkit_store *store;
	_Atomic int errors;
	_Atomic int seen[THREADS * COUNTER_ADDS + 1];
} add_job;

static void *add_counter(void *arg)
{
	add_job *job = arg;
	for (int i = 0; i < COUNTER_ADDS; i++) {
		int64_t v = 0;
		int rc = job->store->counter_add(job->store, "quota:user:1:2023-11", 1, &v);
		if (rc || v < 1 || v > THREADS * COUNTER_ADDS)
			atomic_fetch_add(&job->errors, 1);
		else
			atomic_fetch_add(&job->seen[v], 1);
	}
	return NULL;
}

START_TEST(test_counters)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t v = -1;
	OK(s->counter_get(s, "k", &v));
	ck_assert_int_eq(v, 0); /* absent */
	OK(s->counter_add(s, "k", 5, &v));
	ck_assert_int_eq(v, 5);
	OK(s->counter_add(s, "k", -2, &v));
	ck_assert_int_eq(v, 3);
	OK(s->counter_add(s, "k", 0, NULL));
	OK(s->counter_get(s, "k", &v));
	ck_assert_int_eq(v, 3);
	OK(s->counter_add(s, "K", 1, &v)); /* keys are exact */
	ck_assert_int_eq(v, 1);
	OK(s->counter_add(s, "'; DROP TABLE counters; --", 7, &v));
	OK(s->counter_get(s, "'; DROP TABLE counters; --", &v));
	ck_assert_int_eq(v, 7);
	/* An overflow fails and changes nothing. */
	OK(s->counter_add(s, "big", INT64_MAX - 1, &v));
	ck_assert_int_ne(s->counter_add(s, "big", 2, &v), AUTHKIT_OK);
	OK(s->counter_get(s, "big", &v));
	ck_assert_int_eq(v, INT64_MAX - 1);
	ck_assert_int_eq(s->counter_add(s, "", 1, &v), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->counter_add(s, NULL, 1, &v), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->counter_get(s, "k", NULL), AUTHKIT_EINVALID);

	/* Concurrent adds: an exact total, every value handed out once. */
	static add_job job;
	memset(&job, 0, sizeof job);
	job.store = s;
	run_threads(add_counter, &job);
	ck_assert_msg(atomic_load(&job.errors) == 0, "%d errors (%s)", atomic_load(&job.errors), authkit_error_last());
	OK(s->counter_get(s, "quota:user:1:2023-11", &v));
	ck_assert_int_eq(v, THREADS * COUNTER_ADDS);
	for (int i = 1; i <= THREADS * COUNTER_ADDS; i++)
		ck_assert_int_eq(atomic_load(&job.seen[i]), 1);
	backend_close(&b);
}
END_TEST

START_TEST(test_buckets)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t tokens = -1, ms = -1;
	ck_assert_int_eq(s->bucket_get(s, "ip:192.0.2.1", &tokens, &ms), AUTHKIT_ENOTFOUND);
	/* Absent: only an expect_absent write lands. */
	ck_assert_int_eq(s->bucket_cas(s, "ip:192.0.2.1", 0, 0, 0, 5000000, 1000), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->bucket_get(s, "ip:192.0.2.1", &tokens, &ms), AUTHKIT_ENOTFOUND);
	OK(s->bucket_cas(s, "ip:192.0.2.1", 1, 0, 0, 5000000, 1000));
	OK(s->bucket_get(s, "ip:192.0.2.1", &tokens, &ms));
	ck_assert_int_eq(tokens, 5000000);
	ck_assert_int_eq(ms, 1000);
	/* Present: a second create loses. */
	ck_assert_int_eq(s->bucket_cas(s, "ip:192.0.2.1", 1, 0, 0, 1, 1), AUTHKIT_ENOTFOUND);
	/* Stale expectations (tokens, or time) lose; the current ones win. */
	ck_assert_int_eq(s->bucket_cas(s, "ip:192.0.2.1", 0, 4000000, 1000, 3000000, 2000), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->bucket_cas(s, "ip:192.0.2.1", 0, 5000000, 999, 3000000, 2000), AUTHKIT_ENOTFOUND);
	OK(s->bucket_get(s, "ip:192.0.2.1", &tokens, &ms));
	ck_assert_int_eq(tokens, 5000000);
	ck_assert_int_eq(ms, 1000);
	OK(s->bucket_cas(s, "ip:192.0.2.1", 0, 5000000, 1000, 4000000, 2000));
	OK(s->bucket_get(s, "ip:192.0.2.1", &tokens, &ms));
	ck_assert_int_eq(tokens, 4000000);
	ck_assert_int_eq(ms, 2000);
	ck_assert_int_eq(s->bucket_cas(s, "ip:192.0.2.1", 0, 5000000, 1000, 1, 3000), AUTHKIT_ENOTFOUND); /* once */
	/* Buckets are independent of counters and of each other. */
	ck_assert_int_eq(s->bucket_get(s, "ip:192.0.2.2", &tokens, &ms), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->bucket_get(s, NULL, &tokens, &ms), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->bucket_get(s, "k", NULL, &ms), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->bucket_cas(s, "", 1, 0, 0, 1, 1), AUTHKIT_EINVALID);
	backend_close(&b);
}
END_TEST

typedef struct bills {
	authkit_store_billing rows[64];
	int count;
} bills;

static int collect_bill(const authkit_store_billing *r, void *ud)
{
	bills *c = ud;
	ck_assert_int_lt(c->count, 64);
	c->rows[c->count++] = *r;
	return 0;
}

START_TEST(test_billing)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	const int64_t end = NOV30 + DAY; /* the period closes at 2023-12-01 */
	/* user 7: three events in the period, one after; user 9: two in, one earlier unbilled; user 11: none in. */
	OK(usage_insert(s, 7, "openai", "m", 10, 1, 100, "", end - 100, NULL));
	OK(usage_insert(s, 7, "openai", "m", 20, 2, 200, "", end - 50, NULL));
	OK(usage_insert(s, 7, "images", "m", 30, 3, 300, "", end - 1, NULL));
	OK(usage_insert(s, 7, "openai", "m", 40, 4, 400, "", end, NULL)); /* time < end only */
	OK(usage_insert(s, 9, "openai", "m", 1, 1, 1, "", end - 10, NULL));
	OK(usage_insert(s, 9, "openai", "m", 2, 2, 2, "", end - 40 * DAY, NULL)); /* late: still unbilled */
	OK(usage_insert(s, 11, "openai", "m", 5, 5, 5, "", end + 10, NULL));

	int64_t n = -1;
	OK(s->billing_close(s, 0, NOV30 - 29 * DAY, end, end + 5, &n));
	ck_assert_int_eq(n, 2);
	bills got = {0};
	OK(s->billing_list(s, 0, collect_bill, &got));
	ck_assert_int_eq(got.count, 2);
	ck_assert_int_gt(got.rows[0].id, got.rows[1].id); /* newest first */
	for (int i = 0; i < 2; i++) {
		const authkit_store_billing *r = &got.rows[i];
		ck_assert_int_eq(r->period_start, NOV30 - 29 * DAY);
		ck_assert_int_eq(r->period_end, end);
		ck_assert_int_eq(r->status, 0);
		ck_assert_int_eq(r->created_at, end + 5);
		if (r->user_id == 7) {
			ck_assert_int_eq(r->events, 3);
			ck_assert_int_eq(r->input_tokens, 60);
			ck_assert_int_eq(r->output_tokens, 6);
			ck_assert_int_eq(r->cost_micros, 600);
		} else {
			ck_assert_int_eq(r->user_id, 9);
			ck_assert_int_eq(r->events, 2);
			ck_assert_int_eq(r->input_tokens, 3);
			ck_assert_int_eq(r->cost_micros, 3);
		}
	}
	/* Each event carries its user's billing row. */
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM usage_events u JOIN billing b ON b.id = u.billing_id "
	                              "WHERE b.user_id = u.user_id"), 5);
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM usage_events WHERE billing_id = 0"), 2);

	/* Closing again takes nothing. */
	OK(s->billing_close(s, 0, NOV30 - 29 * DAY, end, end + 6, &n));
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(table_rows(s, "billing"), 2);

	/* A close for one user takes only theirs. */
	OK(usage_insert(s, 9, "openai", "m", 1, 1, 50, "", end + 20, NULL));
	OK(s->billing_close(s, 7, end, end + DAY, end + DAY, &n));
	ck_assert_int_eq(n, 1);
	memset(&got, 0, sizeof got);
	OK(s->billing_list(s, 7, collect_bill, &got));
	ck_assert_int_eq(got.count, 2);
	ck_assert_int_eq(got.rows[0].events, 1);
	ck_assert_int_eq(got.rows[0].cost_micros, 400);
	ck_assert_int_eq(got.rows[0].user_id, 7);
	ck_assert_int_eq(got.rows[1].events, 3);
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM usage_events WHERE billing_id = 0"), 2); /* 9's and 11's */
	OK(s->billing_close(s, 0, end, end + DAY, end + DAY, NULL));
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM usage_events WHERE billing_id = 0"), 0);
	ck_assert_int_eq(store_int(s, "SELECT sum(cost_micros) FROM billing"),
	                 store_int(s, "SELECT sum(cost_micros) FROM usage_events"));
	ck_assert_int_eq(s->billing_close(s, 0, end, end - 1, end, &n), AUTHKIT_EINVALID);

	/* Status: pending -> paid | void only. */
	memset(&got, 0, sizeof got);
	OK(s->billing_list(s, 0, collect_bill, &got));
	ck_assert_int_eq(got.count, 5);
	int64_t id = got.rows[4].id;
	ck_assert_int_eq(s->billing_set_status(s, id, 0), AUTHKIT_EINVALID);
	ck_assert_int_eq(s->billing_set_status(s, id, 3), AUTHKIT_EINVALID);
	OK(s->billing_set_status(s, id, 1));
	ck_assert_int_eq(s->billing_set_status(s, id, 2), AUTHKIT_ENOTFOUND); /* paid stays paid */
	ck_assert_int_eq(s->billing_set_status(s, id, 1), AUTHKIT_ENOTFOUND);
	OK(s->billing_set_status(s, got.rows[3].id, 2));
	ck_assert_int_eq(s->billing_set_status(s, got.rows[3].id, 1), AUTHKIT_ENOTFOUND); /* void stays void */
	ck_assert_int_eq(s->billing_set_status(s, 999999, 1), AUTHKIT_ENOTFOUND);
	memset(&got, 0, sizeof got);
	OK(s->billing_list(s, 0, collect_bill, &got));
	ck_assert_int_eq(got.rows[4].status, 1);
	ck_assert_int_eq(got.rows[3].status, 2);
	ck_assert_int_eq(got.rows[2].status, 0);
	ck_assert_int_eq(s->billing_list(s, 0, NULL, NULL), AUTHKIT_EINVALID);

	/* Inside a caller's transaction that rolls back, nothing is closed. */
	OK(usage_insert(s, 7, "openai", "m", 1, 1, 1, "", end + 30, NULL));
	OK(s->txn_begin(s));
	OK(s->billing_close(s, 0, end, end + 2 * DAY, end + 2 * DAY, &n));
	ck_assert_int_eq(n, 1);
	OK(s->txn_rollback(s));
	ck_assert_int_eq(table_rows(s, "billing"), 5);
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM usage_events WHERE billing_id = 0"), 1);
	backend_close(&b);
}
END_TEST

#define BILL_WRITERS 4
#define BILL_EVENTS 300

typedef struct bill_job {
	authkit_store *store;
	_Atomic int running;
	_Atomic int errors;
	_Atomic int next;
} bill_job;

static void *bill_writer(void *arg)
{
	bill_job *job = arg;
	int me = atomic_fetch_add(&job->next, 1);
	for (int i = 0; i < BILL_EVENTS; i++)
		if (usage_insert(job->store, 1 + (i + me) % 3, "openai", "m", i, me, 1 + i % 7, "", T0 + i, NULL))
			atomic_fetch_add(&job->errors, 1);
	atomic_fetch_sub(&job->running, 1);
	return NULL;
}

/* Closes race with inserts: every event is billed exactly once. */
START_TEST(test_billing_race)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	static bill_job job;
	memset(&job, 0, sizeof job);
	job.store = s;
	atomic_store(&job.running, BILL_WRITERS);
	pthread_t t[BILL_WRITERS];
	for (int i = 0; i < BILL_WRITERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, bill_writer, &job), 0);
	int closes = 0;
	int64_t rows = 0, n = 0;
	while (atomic_load(&job.running) > 0) {
		OK(s->billing_close(s, 0, 0, T0 + BILL_EVENTS, T0 + closes, &n));
		rows += n;
		closes++;
	}
	for (int i = 0; i < BILL_WRITERS; i++)
		pthread_join(t[i], NULL);
	OK(s->billing_close(s, 0, 0, T0 + BILL_EVENTS, T0 + closes, &n));
	rows += n;
	ck_assert_msg(atomic_load(&job.errors) == 0, "%d insert errors (%s)", atomic_load(&job.errors),
	              authkit_error_last());
	ck_assert_int_eq(table_rows(s, "usage_events"), BILL_WRITERS * BILL_EVENTS);
	ck_assert_int_eq(table_rows(s, "billing"), rows);
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM usage_events WHERE billing_id = 0"), 0);
	ck_assert_int_eq(store_int(s, "SELECT sum(events) FROM billing"), BILL_WRITERS * BILL_EVENTS);
	ck_assert_int_eq(store_int(s, "SELECT sum(cost_micros) FROM billing"),
	                 store_int(s, "SELECT sum(cost_micros) FROM usage_events"));
	ck_assert_int_eq(store_int(s, "SELECT sum(input_tokens) FROM billing"),
	                 store_int(s, "SELECT sum(input_tokens) FROM usage_events"));
	/* Every billing row is exactly the sum of the events that point at it. */
	ck_assert_int_eq(store_int(s, "SELECT count(*) FROM billing b WHERE b.events <> (SELECT count(*) FROM "
	                              "usage_events u WHERE u.billing_id = b.id AND u.user_id = b.user_id) OR "
	                              "b.cost_micros <> (SELECT sum(cost_micros) FROM usage_events u WHERE "
	                              "u.billing_id = b.id)"), 0);
	backend_close(&b);
}
END_TEST

START_TEST(test_user_delete_keeps_usage)
{
	backend b;
	authkit_store *s = backend_open(&b, _i);
	int64_t alice = add_user(s, "alice", "alice@example.com");
	int64_t bob = add_user(s, "bob", "bob@example.com");
	static authkit_store_integration r;
	make_integration(&r, alice, "openai", 1, 1, 20);
	OK(s->integration_put(s, &r));
	make_integration(&r, alice, "anthropic", 1, 2, 20);
	OK(s->integration_put(s, &r));
	make_integration(&r, bob, "openai", 1, 3, 20);
	OK(s->integration_put(s, &r));
	authkit_store_api_key k;
	make_api_key(&k, "ak_a", alice, 1, T0);
	OK(s->api_key_insert(s, &k));
	make_api_key(&k, "ak_b", bob, 2, T0);
	OK(s->api_key_insert(s, &k));
	OK(usage_insert(s, alice, "openai", "m", 1, 2, 3, "a-1", T0, NULL));
	OK(usage_insert(s, alice, "openai", "m", 1, 2, 3, "a-2", T0 + 1, NULL));
	OK(s->billing_close(s, alice, 0, T0 + 1, T0 + 10, NULL));
	OK(s->counter_add(s, "quota:alice", 3, NULL));

	OK(s->user_delete(s, alice));
	static authkit_store_integration got;
	ck_assert_int_eq(s->integration_get(s, alice, "openai", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->integration_get(s, alice, "anthropic", &got), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(s->api_key_get(s, "ak_a", &k), AUTHKIT_ENOTFOUND);
	OK(s->integration_get(s, bob, "openai", &got));
	OK(s->api_key_get(s, "ak_b", &k));
	ck_assert_int_eq(table_rows(s, "integrations"), 1);
	ck_assert_int_eq(table_rows(s, "api_keys"), 1);
	/* Usage and billing outlive the user, under the old id. */
	ck_assert_int_eq(table_rows(s, "usage_events"), 2);
	ck_assert_int_eq(table_rows(s, "billing"), 1);
	static sums sm;
	memset(&sm, 0, sizeof sm);
	OK(s->usage_summary(s, alice, 0, INT64_MAX, AUTHKIT_STORE_GROUP_SERVICE, collect_sum, &sm));
	ck_assert_int_eq(sm.count, 1);
	ck_assert_int_eq(sm.rows[0].events, 2);
	bills bl = {0};
	OK(s->billing_list(s, alice, collect_bill, &bl));
	ck_assert_int_eq(bl.count, 1);
	ck_assert_int_eq(bl.rows[0].events, 1);
	backend_close(&b);
}
END_TEST

/* ---- fault injection ---- */

START_TEST(test_fault_store)
{
	backend b;
	authkit_store *inner = backend_open(&b, _i);
	fault_store_ctl *ctl = NULL;
	authkit_store *s = fault_store_wrap(inner, &ctl);
	b.store = s; /* the wrapper owns the inner store now */
	ck_assert_ptr_nonnull(ctl);
	OK(authkit_store_validate(s));
	int64_t id = add_user(s, "alice", "alice@example.com");

	fault_store_fail_at(ctl, 1);
	int64_t n = 0;
	ck_assert_int_eq(s->user_count(s, &n), AUTHKIT_ESTORE);
	OK(s->user_count(s, &n)); /* only the one call fails */
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(fault_store_calls(ctl), 2);

	fault_store_fail_at(ctl, 2);
	OK(s->login_failure(s, id, NULL));
	ck_assert_int_eq(s->login_failure(s, id, NULL), AUTHKIT_ESTORE); /* never reached the inner store */
	ck_assert_int_eq(get_id(s, id).failed_logins, 1);
	int version = 0;
	OK(s->schema_version(s, &version)); /* never failed, never counted */
	ck_assert_int_eq(version, authkit_store_schema_latest());

	/* A failed commit rolls the transaction back and leaves none open. */
	fault_store_reset(ctl);
	OK(s->txn_begin(s));
	add_user(s, "bob", "bob@example.com");
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->txn_commit(s), AUTHKIT_ESTORE);
	authkit_store_user u;
	ck_assert_int_eq(s->user_get(s, AUTHKIT_STORE_BY_USERNAME, 0, "bob", &u), AUTHKIT_ENOTFOUND);
	OK(s->txn_begin(s));
	OK(s->txn_commit(s));
	ck_assert_int_eq(count_users(s), 1);
	ck_assert_int_eq(fault_store_calls(ctl), 5);

	/* The new slots are forwarded, and fail without reaching the store. */
	fault_store_reset(ctl);
	add_session(s, "s1", id, 1, T0);
	add_refresh(s, 10, "s1", id, T0 + 1000);
	add_one_time(s, 20, AUTHKIT_STORE_PURPOSE_RESET, id, T0 + 600);
	authkit_store_refresh_result r;
	int64_t uid = 0;
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(rotate(s, 10, 11, T0 + 1, &r), AUTHKIT_ESTORE);
	OK(rotate(s, 10, 11, T0 + 1, &r)); /* the failed one changed nothing */
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(consume(s, 20, AUTHKIT_STORE_PURPOSE_RESET, T0 + 1, &uid), AUTHKIT_ESTORE);
	OK(consume(s, 20, AUTHKIT_STORE_PURPOSE_RESET, T0 + 1, &uid));
	ck_assert_int_eq(uid, id);
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->session_revoke(s, "s1", T0 + 2), AUTHKIT_ESTORE);
	ck_assert_int_eq(get_session(s, "s1").revoked_at, 0);

	/* Version 3 slots: forwarded, and a failed call changes nothing. */
	int64_t v = 0;
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->counter_add(s, "c", 5, &v), AUTHKIT_ESTORE);
	OK(s->counter_get(s, "c", &v));
	ck_assert_int_eq(v, 0);
	int dup = -1;
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(usage_insert(s, id, "openai", "m", 1, 1, 1, "k1", T0, &dup), AUTHKIT_ESTORE);
	OK(usage_insert(s, id, "openai", "m", 1, 1, 1, "k1", T0, &dup));
	ck_assert_int_eq(dup, 0); /* the failed one inserted nothing */
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->billing_close(s, 0, 0, T0 + 1, T0 + 2, NULL), AUTHKIT_ESTORE);
	ck_assert_int_eq(table_rows(inner, "billing"), 0);
	static authkit_store_integration ir;
	make_integration(&ir, id, "openai", 1, 1, 20);
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->integration_put(s, &ir), AUTHKIT_ESTORE);
	ck_assert_int_eq(s->integration_get(s, id, "openai", &ir), AUTHKIT_ENOTFOUND);
	authkit_store_api_key k;
	make_api_key(&k, "ak_f", id, 1, T0);
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->api_key_insert(s, &k), AUTHKIT_ESTORE);
	ck_assert_int_eq(s->api_key_get(s, "ak_f", &k), AUTHKIT_ENOTFOUND);
	fault_store_fail_at(ctl, 1);
	ck_assert_int_eq(s->bucket_cas(s, "b", 1, 0, 0, 1, 1), AUTHKIT_ESTORE);
	int64_t tokens = 0, ms = 0;
	ck_assert_int_eq(s->bucket_get(s, "b", &tokens, &ms), AUTHKIT_ENOTFOUND);
	/* Every one of them is wired through (each reaches the inner store). */
	fault_store_reset(ctl);
	OK(s->integration_put(s, &ir));
	OK(s->integration_get(s, id, "openai", &ir));
	OK(s->integration_list(s, id, collect_integration, &(integration_rows){0}));
	OK(s->integration_set_status(s, id, "openai", 0, T0));
	OK(s->integration_touch(s, id, "openai", T0));
	OK(s->integration_scan_stale(s, 2, 0, "", 10, collect_integration, &(integration_rows){0}));
	ck_assert_int_eq(s->integration_reencrypt(s, &ir, 9, ir.nonce), AUTHKIT_ENOTFOUND);
	OK(s->integration_delete(s, id, "openai"));
	OK(s->api_key_insert(s, &k));
	OK(s->api_key_get(s, "ak_f", &k));
	OK(s->api_key_list(s, id, collect_key, &(key_ids){0}));
	OK(s->api_key_touch(s, "ak_f", T0));
	OK(s->api_key_revoke(s, "ak_f", T0));
	OK(s->usage_summary(s, 0, 0, INT64_MAX, AUTHKIT_STORE_GROUP_MONTH, collect_sum, &(sums){0}));
	OK(s->counter_add(s, "c", 1, NULL));
	OK(s->bucket_cas(s, "b", 1, 0, 0, 1, 1));
	OK(s->bucket_get(s, "b", &tokens, &ms));
	OK(s->billing_close(s, 0, 0, T0 + 1, T0 + 2, NULL));
	OK(s->billing_list(s, 0, collect_bill, &(bills){0}));
	ck_assert_int_eq(s->billing_set_status(s, 999, 1), AUTHKIT_ENOTFOUND);
	ck_assert_int_eq(fault_store_calls(ctl), 20);
	backend_close(&b);
}
END_TEST

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
	TCase *tc = tcase_create("conformance");
	tcase_add_loop_test(tc, test_insert_and_get, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_unique_conflicts, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_update_mask, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_password_hash_cas, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_roles, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_login_counters, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_delete, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_list_and_count, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_audit, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_strings_verbatim, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_transactions, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_concurrent_login_failures, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_concurrent_transactions, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_fault_store, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_session_insert_get, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_session_touch_revoke, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_session_list, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_session_cleanup, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_refresh_rotate, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_refresh_rotate_in_txn, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_refresh_race, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_one_time, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_one_time_race, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_user_delete_cascades, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_integrations, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_integration_scan_reencrypt, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_api_keys, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_usage, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_usage_idempotency_race, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_counters, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_buckets, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_billing, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_billing_race, 0, BACKEND_COUNT);
	tcase_add_loop_test(tc, test_user_delete_keeps_usage, 0, BACKEND_COUNT);
	tcase_add_test(tc, test_validate);
	suite_add_tcase(suite, tc);

	TCase *sq = tcase_create("sqlite");
	tcase_add_test(sq, test_migrate_from_v1);
	tcase_add_test(sq, test_future_schema_rejected);
	tcase_add_test(sq, test_bad_paths);
	tcase_add_test(sq, test_file_settings);
	tcase_add_test(sq, test_memory_settings);
	tcase_add_test(sq, test_connection_reuse);
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
