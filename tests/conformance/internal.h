/* What the conformance suite's case files share: the backend under test,
 * the record builders and collectors, and each file's test registration. */
#ifndef AUTHKIT_CONFORMANCE_INTERNAL_H
#define AUTHKIT_CONFORMANCE_INTERNAL_H

#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authkit.h"
#include "authkit/sys/store.h"
#include "conformance/conformance.h"
#include "fault_store.h"
#include "helpers.h"

#define OK(expr)                                                                                          \
	do {                                                                                              \
		int rc_ = (expr);                                                                         \
		ck_assert_msg(rc_ == AUTHKIT_OK, "%s = %d (%s)", #expr, rc_, authkit_error_last());      \
	} while (0)

#define THREADS 8
#define T0 1700000000
#define DAY 86400
/* 2023-11-30 00:00:00 UTC: usage events straddle a month end. */
#define NOV30 1701302400

/* ---- the backend under test (loop index _i of each test) ---- */

typedef struct backend {
	authkit_store *store;
	void *handle;
	int index;
} backend;

/* The backends of the running test case (conformance_tcase). */
extern const conformance_backend *conformance_backends;

authkit_store *backend_open(backend *b, int i);
void backend_close(backend *b);
/* The current backend's description (for its schema version). */
const conformance_backend *backend_info(void);
/* Cross-checks in SQL, skipped when the backend has no sql_int. */
void expect_rows(authkit_store *s, const char *table, int64_t want);
void expect_sql(authkit_store *s, const char *sql, int64_t want);
void expect_sql_same(authkit_store *s, const char *sql_a, const char *sql_b);
/* count(*) of table rows whose column holds exactly len binary bytes. */
void expect_blobs(authkit_store *s, const char *table, const char *column, int len, int64_t want);

/* ---- records and collectors ---- */

typedef struct collected {
	int64_t ids[64];
	int64_t times[64];
	int count;
	int stop_after;
	int stop_with;
} collected;

typedef struct session_ids {
	char ids[16][AUTHKIT_STORE_SESSION_ID_BYTES];
	int count;
	int stop_after;
	int stop_with;
} session_ids;

typedef struct integration_rows {
	int64_t users[32];
	char services[32][AUTHKIT_STORE_NAME_BYTES];
	int versions[32];
	int count;
	int stop_after;
} integration_rows;

typedef struct key_ids {
	char ids[16][AUTHKIT_STORE_KEY_ID_BYTES];
	int count;
} key_ids;

typedef struct sums {
	authkit_store_usage_sum rows[64];
	int count;
} sums;

typedef struct bills {
	authkit_store_billing rows[64];
	int count;
} bills;

void make_user(authkit_store_user *u, const char *username, const char *email);
void assert_user_eq(const authkit_store_user *a, const authkit_store_user *b);
int64_t add_user(authkit_store *s, const char *username, const char *email);
authkit_store_user get_id(authkit_store *s, int64_t id);
int64_t count_users(authkit_store *s);
void append_event(authkit_store *s, int64_t time, int64_t user_id, const char *event);
int collect(collected *c, int64_t id, int64_t time);
int collect_user(const authkit_store_user *u, void *ud);
int collect_event(const authkit_store_audit *a, void *ud);
void run_threads(void *(*fn)(void *), void *arg);
void hash_of(unsigned char out[AUTHKIT_STORE_HASH_LEN], int seed);
void make_session(authkit_store_session *ss, const char *id, int64_t user_id, int seed, int64_t created);
void add_session(authkit_store *s, const char *id, int64_t user_id, int seed, int64_t created);
void assert_session_eq(const authkit_store_session *a, const authkit_store_session *b);
authkit_store_session get_session(authkit_store *s, const char *id);
void add_refresh(authkit_store *s, int seed, const char *session_id, int64_t user_id, int64_t expires_at);
int rotate(authkit_store *s, int old_seed, int new_seed, int64_t now, authkit_store_refresh_result *out);
void add_one_time(authkit_store *s, int seed, int purpose, int64_t user_id, int64_t expires_at);
int consume(authkit_store *s, int seed, int purpose, int64_t now, int64_t *user_id_out);
int collect_session(const authkit_store_session *ss, void *ud);
void make_integration(authkit_store_integration *r, int64_t user_id, const char *service, int version, int seed,
                      size_t len);
void assert_integration_eq(const authkit_store_integration *a, const authkit_store_integration *b);
int collect_integration(const authkit_store_integration *r, void *ud);
void make_api_key(authkit_store_api_key *k, const char *id, int64_t user_id, int seed, int64_t created);
int collect_key(const authkit_store_api_key *k, void *ud);
int usage_insert(authkit_store *s, int64_t user_id, const char *service, const char *model, int64_t in,
                 int64_t out, int64_t cost, const char *idem, int64_t time, int *dup);
int collect_sum(const authkit_store_usage_sum *r, void *ud);
/* A usage event as the tests record it, and a check of one summary
 * against sums computed here from the n events in ev. */
typedef struct usage_ev {
	int64_t user, in, out, cost, time;
	const char *service, *model;
} usage_ev;
void expect_summary(authkit_store *s, const usage_ev *ev, int n, int64_t user, int64_t since, int64_t until,
                    int group);
int collect_bill(const authkit_store_billing *r, void *ud);

/* ---- registration, one per case file ---- */

void conformance_add_users(TCase *tc, int count);
void conformance_add_sessions(TCase *tc, int count);
void conformance_add_keys(TCase *tc, int count);
void conformance_add_usage(TCase *tc, int count);
void conformance_add_faults(TCase *tc, int count);

#endif
