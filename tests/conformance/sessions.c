/*
 * Conformance: Sessions, refresh-token rotation (with the race: exactly one winner), one-time
 * tokens (16 threads redeem one: exactly one succeeds) and cascades.
 */
#include "conformance/internal.h"

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
	expect_rows(s, "sessions", 1);
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
	expect_rows(s, "refresh_tokens", 5);

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
	expect_rows(s, "refresh_tokens", 1);
	OK(rotate(s, 11, 21, now, &r));
	ck_assert_str_eq(r.session_id, "alive");
	OK(s->session_cleanup(s, now, &n));
	ck_assert_int_eq(n, 0);
	OK(s->session_cleanup(s, now + 1, NULL)); /* idle now: gone */
	ck_assert_int_eq(s->session_get(s, "alive", &got), AUTHKIT_ENOTFOUND);
	expect_rows(s, "refresh_tokens", 0);
	expect_rows(s, "sessions", 0);
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
	expect_rows(s, "refresh_tokens", 1);

	/* OK path, twice along the chain. */
	authkit_store_refresh_result r;
	memset(&r, 0x55, sizeof r);
	OK(rotate(s, 100, 101, T0 + 10, &r));
	ck_assert_str_eq(r.session_id, "s1");
	ck_assert_int_eq(r.user_id, alice);
	OK(rotate(s, 101, 102, T0 + 20, &r));
	expect_rows(s, "refresh_tokens", 3);

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
	expect_rows(s, "refresh_tokens", 3); /* nothing inserted on failures */

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
	expect_rows(s, "refresh_tokens", RACE_ROUNDS * 2);
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
	expect_rows(s, "one_time_tokens", 3);

	/* cleanup: used or expired go, unused and unexpired stay. */
	add_one_time(s, 20, R, alice, T0 + 100); /* expired at T0+100 */
	add_one_time(s, 21, V, bob, T0 + 101);   /* alive at T0+100 */
	int64_t n = -1;
	OK(s->one_time_cleanup(s, T0 + 100, &n));
	ck_assert_int_eq(n, 4);
	expect_rows(s, "one_time_tokens", 1);
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
	expect_rows(s, "sessions", 1);
	expect_rows(s, "refresh_tokens", 1);
	expect_rows(s, "one_time_tokens", 1);

	/* Bob's are untouched. */
	ck_assert_int_eq(get_session(s, "b1").user_id, bob);
	OK(rotate(s, 12, 32, T0 + 10, &r));
	ck_assert_int_eq(r.user_id, bob);
	OK(consume(s, 22, AUTHKIT_STORE_PURPOSE_RESET, T0 + 10, &uid));
	ck_assert_int_eq(uid, bob);
	backend_close(&b);
}
END_TEST

void conformance_add_sessions(TCase *tc, int count)
{
	tcase_add_loop_test(tc, test_session_insert_get, 0, count);
	tcase_add_loop_test(tc, test_session_touch_revoke, 0, count);
	tcase_add_loop_test(tc, test_session_list, 0, count);
	tcase_add_loop_test(tc, test_session_cleanup, 0, count);
	tcase_add_loop_test(tc, test_refresh_rotate, 0, count);
	tcase_add_loop_test(tc, test_refresh_rotate_in_txn, 0, count);
	tcase_add_loop_test(tc, test_refresh_race, 0, count);
	tcase_add_loop_test(tc, test_one_time, 0, count);
	tcase_add_loop_test(tc, test_one_time_race, 0, count);
	tcase_add_loop_test(tc, test_user_delete_cascades, 0, count);
}
