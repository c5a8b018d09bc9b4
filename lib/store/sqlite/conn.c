/*
 * SQLite connections. A sqlite3 handle opened with SQLITE_OPEN_NOMUTEX must
 * only be used by one thread at a time, so file databases give each thread
 * its own connection (found through a pthread key) and ":memory:", which is
 * private to its one connection, serialises every thread on a recursive
 * mutex (recursive so a transaction can keep it across slot calls).
 */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/internal.h"

static int configure(ak_sqlite_conn *c, int busy_timeout_ms)
{
	/* Extended codes tell a unique violation from other constraint errors. */
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, busy_timeout_ms);
	/* 16 MiB page cache per connection (SQLite's default is 2 MiB): usage
	 * indexes are written all over, and re-reading their pages dominated
	 * batch inserts. */
	return ak_sqlite_exec(c, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;",
	                      "configure connection");
}

static void conn_close(ak_sqlite_conn *c)
{
	ak_sqlite_session_cache_free(c);
	ak_sqlite_finalize_all(c);
	sqlite3_close(c->db);
	free(c);
}

static int conn_open(ak_sqlite_store *s, ak_sqlite_conn **out)
{
	ak_sqlite_conn *c = calloc(1, sizeof *c);
	if (!c)
		return ak_fail(AUTHKIT_ESTORE, "sqlite: out of memory for a connection");
	c->store = s;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(s->path, &c->db, flags, NULL);
	if (rc != SQLITE_OK)
		rc = c->db ? ak_sqlite_status(c, rc, "open database") : ak_fail(AUTHKIT_ESTORE, "sqlite: out of memory");
	else
		rc = configure(c, s->busy_timeout_ms);
	if (rc) {
		conn_close(c);
		return rc;
	}
	*out = c;
	return AUTHKIT_OK;
}

/* Thread-exit destructor: the connection goes back to the idle list. */
static void thread_exit(void *value)
{
	ak_sqlite_conn *c = value;
	ak_sqlite_store *s = c->store;
	if (c->in_txn) {
		/* The thread died inside a transaction: don't leave the write lock held. */
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		c->in_txn = false;
	}
	pthread_mutex_lock(&s->lists_lock);
	c->next_idle = s->idle;
	s->idle = c;
	pthread_mutex_unlock(&s->lists_lock);
}

static ak_sqlite_conn *take_idle(ak_sqlite_store *s)
{
	pthread_mutex_lock(&s->lists_lock);
	ak_sqlite_conn *c = s->idle;
	if (c) {
		s->idle = c->next_idle;
		c->next_idle = NULL;
	}
	pthread_mutex_unlock(&s->lists_lock);
	return c;
}

static void remember(ak_sqlite_store *s, ak_sqlite_conn *c)
{
	pthread_mutex_lock(&s->lists_lock);
	c->next_all = s->all;
	s->all = c;
	pthread_mutex_unlock(&s->lists_lock);
}

static int thread_conn(ak_sqlite_store *s, ak_sqlite_conn **out)
{
	ak_sqlite_conn *c = pthread_getspecific(s->key);
	if (c) {
		*out = c;
		return AUTHKIT_OK;
	}
	c = take_idle(s);
	if (!c) {
		int rc = conn_open(s, &c);
		if (rc)
			return rc;
		remember(s, c);
	}
	if (pthread_setspecific(s->key, c) != 0) {
		thread_exit(c); /* back to the idle list; still closed by free */
		return ak_fail(AUTHKIT_ESTORE, "sqlite: cannot bind a connection to this thread");
	}
	*out = c;
	return AUTHKIT_OK;
}

int ak_sqlite_acquire(ak_sqlite_store *s, ak_sqlite_conn **out)
{
	if (!s->memory)
		return thread_conn(s, out);
	pthread_mutex_lock(&s->shared_lock);
	*out = s->shared;
	return AUTHKIT_OK;
}

void ak_sqlite_release(ak_sqlite_store *s, ak_sqlite_conn *c)
{
	(void)c;
	if (s->memory)
		pthread_mutex_unlock(&s->shared_lock);
}

static int create_locks(ak_sqlite_store *s)
{
	pthread_mutexattr_t attr;
	if (pthread_mutexattr_init(&attr) != 0)
		return ak_fail(AUTHKIT_ESTORE, "sqlite: cannot create mutex attributes");
	int failed = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE) != 0 ||
	             pthread_mutex_init(&s->shared_lock, &attr) != 0;
	pthread_mutexattr_destroy(&attr);
	if (failed)
		return ak_fail(AUTHKIT_ESTORE, "sqlite: cannot create the connection lock");
	if (pthread_mutex_init(&s->lists_lock, NULL) != 0) {
		pthread_mutex_destroy(&s->shared_lock);
		return ak_fail(AUTHKIT_ESTORE, "sqlite: cannot create the connection list lock");
	}
	s->locks_created = true;
	return AUTHKIT_OK;
}

int ak_sqlite_store_setup(ak_sqlite_store *s, const char *path, int busy_timeout_ms)
{
	s->path = strdup(path);
	if (!s->path)
		return ak_fail(AUTHKIT_ESTORE, "sqlite: out of memory");
	s->memory = strcmp(path, ":memory:") == 0;
	s->busy_timeout_ms = busy_timeout_ms;
	int rc = create_locks(s);
	if (rc)
		return rc;
	if (s->memory) {
		rc = conn_open(s, &s->shared);
		if (rc == AUTHKIT_OK)
			remember(s, s->shared);
		return rc;
	}
	if (pthread_key_create(&s->key, thread_exit) != 0)
		return ak_fail(AUTHKIT_ESTORE, "sqlite: out of thread-specific keys");
	s->key_created = true;
	return AUTHKIT_OK;
}

void ak_sqlite_store_teardown(ak_sqlite_store *s)
{
	/* Delete the key first: after this no thread-exit destructor can run
	 * and touch the store we are about to free. */
	if (s->key_created)
		pthread_key_delete(s->key);
	s->key_created = false;
	while (s->all) {
		ak_sqlite_conn *c = s->all;
		s->all = c->next_all;
		conn_close(c);
	}
	s->idle = NULL;
	s->shared = NULL;
	if (s->locks_created) {
		pthread_mutex_destroy(&s->lists_lock);
		pthread_mutex_destroy(&s->shared_lock);
		s->locks_created = false;
	}
	free(s->path);
	s->path = NULL;
}
