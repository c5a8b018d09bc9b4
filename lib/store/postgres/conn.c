/*
 * PostgreSQL connections: the caller's connection string completed with our
 * timeouts, a fixed-size pool opened lazily, a liveness check before each
 * use (a server restart closes every idle connection: we reconnect rather
 * than fail the next call), and the per-thread pin of a transaction's
 * connection.
 */
#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/postgres/internal.h"

/* ---- connection parameters ---- */

static void free_params(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++) {
		sodium_memzero(*p, strlen(*p)); /* a password may be among them */
		free(*p);
	}
	free(list);
}

typedef struct params {
	char **keywords, **values;
	size_t count, capacity;
	bool failed;
} params;

static void param_add(params *p, const char *keyword, const char *value)
{
	if (p->failed)
		return;
	if (p->count + 2 > p->capacity) {
		size_t cap = p->capacity ? p->capacity * 2 : 32;
		char **k = realloc(p->keywords, cap * sizeof *k);
		if (k)
			p->keywords = k;
		char **v = k ? realloc(p->values, cap * sizeof *v) : NULL;
		if (v)
			p->values = v;
		if (!k || !v) {
			p->failed = true;
			return;
		}
		p->capacity = cap;
	}
	p->keywords[p->count] = strdup(keyword);
	p->values[p->count] = strdup(value);
	p->count++;
	p->keywords[p->count] = p->values[p->count] = NULL;
	if (!p->keywords[p->count - 1] || !p->values[p->count - 1])
		p->failed = true;
}

static const char *option_value(const PQconninfoOption *opts, const char *keyword)
{
	for (const PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, keyword) == 0)
			return o->val;
	return NULL;
}

/* Our settings for what the caller left unset. Server-side limits travel
 * in "options", before the caller's own (a later -c wins), so a caller can
 * still override them. */
static void add_defaults(params *p, const PQconninfoOption *opts, int timeout_ms)
{
	char buf[512];
	const char *set;
	if (!option_value(opts, "connect_timeout")) {
		/* libpq counts whole seconds and treats 1 as 2. */
		snprintf(buf, sizeof buf, "%d", timeout_ms < 2000 ? 2 : (timeout_ms + 999) / 1000);
		param_add(p, "connect_timeout", buf);
	}
	if (!option_value(opts, "keepalives")) {
		param_add(p, "keepalives", "1");
		snprintf(buf, sizeof buf, "%d", timeout_ms / 1000 > 1 ? timeout_ms / 1000 : 1);
		param_add(p, "keepalives_idle", buf);
		param_add(p, "keepalives_interval", "1");
		param_add(p, "keepalives_count", "3");
	}
	if (!option_value(opts, "tcp_user_timeout")) {
		snprintf(buf, sizeof buf, "%d", timeout_ms);
		param_add(p, "tcp_user_timeout", buf);
	}
	if (!option_value(opts, "application_name"))
		param_add(p, "application_name", "libauthkit");
	param_add(p, "client_encoding", "UTF8");
	set = option_value(opts, "options");
	snprintf(buf, sizeof buf, "-c statement_timeout=%d -c idle_in_transaction_session_timeout=%d%s%s", timeout_ms,
	         timeout_ms * 6, set ? " " : "", set ? set : "");
	param_add(p, "options", buf);
}

static int build_params(ak_pg_store *s, const char *conninfo)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
	if (!opts) {
		/* libpq's message may quote the string, password included: not repeated. */
		PQfreemem(err);
		return ak_fail(AUTHKIT_EINVALID, "postgres: invalid connection string");
	}
	params p = {0};
	for (const PQconninfoOption *o = opts; o->keyword; o++)
		if (o->val && strcmp(o->keyword, "options") != 0 && strcmp(o->keyword, "client_encoding") != 0)
			param_add(&p, o->keyword, o->val);
	add_defaults(&p, opts, s->timeout_ms);
	PQconninfoFree(opts);
	s->keywords = p.keywords;
	s->values = p.values;
	return p.failed ? ak_fail(AUTHKIT_ENOMEM, "postgres: out of memory for the connection parameters") : AUTHKIT_OK;
}

/* ---- one connection ---- */

void ak_pg_conn_drop(ak_pg_conn *c)
{
	if (c->pg)
		PQfinish(c->pg);
	c->pg = NULL;
	memset(c->prepared, 0, sizeof c->prepared);
}

/* First line of libpq's connection error, which names host and port but
 * never the password. */
static int connect_failed(PGconn *pg)
{
	const char *msg = pg ? PQerrorMessage(pg) : "out of memory";
	int len = (int)strcspn(msg, "\n");
	return ak_fail(AUTHKIT_ESTORE, "postgres: cannot connect: %.*s", len, msg);
}

/* Server notices (NOTICE, WARNING) are not the host's business: a library
 * never writes to stderr on its own. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int ak_pg_conn_reopen(ak_pg_store *s, ak_pg_conn *c)
{
	ak_pg_conn_drop(c);
	PGconn *pg = PQconnectdbParams((const char *const *)s->keywords, (const char *const *)s->values, 0);
	if (!pg || PQstatus(pg) != CONNECTION_OK) {
		int rc = connect_failed(pg);
		if (pg)
			PQfinish(pg);
		return rc;
	}
	PQsetNoticeProcessor(pg, ignore_notice, NULL);
	c->pg = pg;
	return AUTHKIT_OK;
}

/* An idle connection has nothing to read. Input means the server spoke on
 * its own: almost always its goodbye (a shutdown or restart, an idle
 * timeout) before closing. Such a connection is replaced. */
static bool conn_alive(ak_pg_conn *c)
{
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK)
		return false;
	struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
	return poll(&p, 1, 0) == 0;
}

/* ---- the pool ---- */

static void push_idle(ak_pg_store *s, ak_pg_conn *c)
{
	pthread_mutex_lock(&s->lock);
	c->next_idle = s->idle;
	s->idle = c;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
}

static struct timespec deadline_in(int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static int take_idle(ak_pg_store *s, ak_pg_conn **out)
{
	struct timespec until = deadline_in(s->timeout_ms);
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	while (!s->idle && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&s->freed, &s->lock, &until);
	ak_pg_conn *c = s->idle;
	if (c) {
		s->idle = c->next_idle;
		c->next_idle = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (!c)
		return ak_fail(AUTHKIT_EBUSY, "postgres: every pooled connection stayed busy for %d ms (pool size %d)",
		               s->timeout_ms, s->pool_size);
	*out = c;
	return AUTHKIT_OK;
}

ak_pg_conn *ak_pg_pinned(ak_pg_store *s)
{
	return pthread_getspecific(s->pinned);
}

int ak_pg_acquire(ak_pg_store *s, ak_pg_conn **out)
{
	ak_pg_conn *c = ak_pg_pinned(s);
	if (c) {
		/* Reconnecting here would run the rest of the transaction outside it. */
		if (!c->pg)
			return ak_fail(AUTHKIT_ESTORE, "postgres: the connection was lost inside a transaction");
		*out = c;
		return AUTHKIT_OK;
	}
	int rc = take_idle(s, &c);
	if (rc)
		return rc;
	if (!conn_alive(c)) {
		rc = ak_pg_conn_reopen(s, c);
		if (rc) {
			push_idle(s, c);
			return rc;
		}
	}
	*out = c;
	return AUTHKIT_OK;
}

void ak_pg_release(ak_pg_store *s, ak_pg_conn *c)
{
	if (c && !c->in_txn)
		push_idle(s, c);
}

int ak_pg_pin(ak_pg_store *s, ak_pg_conn *c)
{
	if (pthread_setspecific(s->pinned, c) != 0)
		return ak_fail(AUTHKIT_ESTORE, "postgres: cannot bind a connection to this thread");
	c->in_txn = true;
	c->txn_failed = false;
	return AUTHKIT_OK;
}

void ak_pg_unpin(ak_pg_store *s)
{
	ak_pg_conn *c = ak_pg_pinned(s);
	if (!c)
		return;
	pthread_setspecific(s->pinned, NULL);
	c->in_txn = false;
	push_idle(s, c);
}

/* Thread-exit destructor: a thread that died inside a transaction must not
 * keep its row locks, nor its connection out of the pool. */
static void thread_exit(void *value)
{
	ak_pg_conn *c = value;
	if (c->pg) {
		PGresult *res = PQexec(c->pg, "ROLLBACK");
		PQclear(res);
	}
	c->in_txn = false;
	push_idle(c->store, c);
}

static int create_locks(ak_pg_store *s)
{
	pthread_condattr_t attr;
	if (pthread_condattr_init(&attr) != 0)
		return ak_fail(AUTHKIT_ESTORE, "postgres: cannot create condition attributes");
	int failed = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 || pthread_cond_init(&s->freed, &attr) != 0;
	pthread_condattr_destroy(&attr);
	if (failed)
		return ak_fail(AUTHKIT_ESTORE, "postgres: cannot create the pool condition");
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		pthread_cond_destroy(&s->freed);
		return ak_fail(AUTHKIT_ESTORE, "postgres: cannot create the pool lock");
	}
	s->locks_created = true;
	return AUTHKIT_OK;
}

int ak_pg_store_setup(ak_pg_store *s, const char *conninfo, int pool_size, int timeout_ms)
{
	s->pool_size = pool_size;
	s->timeout_ms = timeout_ms;
	int rc = build_params(s, conninfo);
	if (rc == AUTHKIT_OK)
		rc = create_locks(s);
	if (rc)
		return rc;
	s->conns = calloc((size_t)pool_size, sizeof *s->conns);
	if (!s->conns)
		return ak_fail(AUTHKIT_ENOMEM, "postgres: out of memory for the pool");
	for (int i = pool_size - 1; i >= 0; i--) {
		s->conns[i].store = s;
		s->conns[i].next_idle = s->idle;
		s->idle = &s->conns[i];
	}
	if (pthread_key_create(&s->pinned, thread_exit) != 0)
		return ak_fail(AUTHKIT_ESTORE, "postgres: out of thread-specific keys");
	s->key_created = true;
	return AUTHKIT_OK;
}

void ak_pg_store_teardown(ak_pg_store *s)
{
	/* No thread-exit destructor may run on a store being freed. */
	if (s->key_created)
		pthread_key_delete(s->pinned);
	s->key_created = false;
	for (int i = 0; s->conns && i < s->pool_size; i++)
		ak_pg_conn_drop(&s->conns[i]);
	free(s->conns);
	s->conns = NULL;
	s->idle = NULL;
	if (s->locks_created) {
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->freed);
		s->locks_created = false;
	}
	free_params(s->keywords);
	free_params(s->values);
	s->keywords = s->values = NULL;
}
