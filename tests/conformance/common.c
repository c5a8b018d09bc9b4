/* The conformance suite's shared helpers: the backend under test, record
 * builders, collectors and SQL cross-checks. */
#include "conformance/internal.h"

/* ---- the backend under test ---- */

/* Set by conformance_tcase(); Check runs one test at a time per process. */
const conformance_backend *conformance_backends;
static backend *current;

authkit_store *backend_open(backend *b, int i)
{
	memset(b, 0, sizeof *b);
	b->index = i;
	b->store = conformance_backends[i].open(&b->handle);
	ck_assert_ptr_nonnull(b->store);
	OK(authkit_store_validate(b->store));
	current = b;
	return b->store;
}

void backend_close(backend *b)
{
	conformance_backends[b->index].close(b->store, b->handle);
	b->store = NULL;
	current = NULL;
}

const conformance_backend *backend_info(void)
{
	ck_assert_ptr_nonnull(current);
	return &conformance_backends[current->index];
}

/* The SQL of a check runs on s, the store the test opened (not a wrapper
 * around it), through its backend's sql_int. */
static bool sql_int(authkit_store *s, const char *sql, int64_t *out)
{
	const conformance_backend *info = backend_info();
	if (!info->sql_int)
		return false;
	*out = info->sql_int(s, current->handle, sql);
	return true;
}

void expect_sql(authkit_store *s, const char *sql, int64_t want)
{
	int64_t got = 0;
	if (sql_int(s, sql, &got))
		ck_assert_msg(got == want, "%s: %lld, expected %lld", sql, (long long)got, (long long)want);
}

void expect_rows(authkit_store *s, const char *table, int64_t want)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	expect_sql(s, sql, want);
}

void expect_sql_same(authkit_store *s, const char *sql_a, const char *sql_b)
{
	int64_t a = 0, b = 0;
	if (sql_int(s, sql_a, &a) && sql_int(s, sql_b, &b))
		ck_assert_msg(a == b, "%s: %lld, but %s: %lld", sql_a, (long long)a, sql_b, (long long)b);
}

void expect_blobs(authkit_store *s, const char *table, const char *column, int len, int64_t want)
{
	const char *format = backend_info()->blob_predicate;
	if (!format)
		return;
	char predicate[256], sql[512];
	snprintf(predicate, sizeof predicate, format, column, len);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s", table, predicate);
	expect_sql(s, sql, want);
}

/* ---- records and collectors ---- */

void make_user(authkit_store_user *u, const char *username, const char *email)
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
void assert_user_eq(const authkit_store_user *a, const authkit_store_user *b)
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

int64_t add_user(authkit_store *s, const char *username, const char *email)
{
	authkit_store_user u;
	make_user(&u, username, email);
	OK(s->user_insert(s, &u));
	ck_assert_int_gt(u.id, 0);
	return u.id;
}

authkit_store_user get_id(authkit_store *s, int64_t id)
{
	authkit_store_user u;
	OK(s->user_get(s, AUTHKIT_STORE_BY_ID, id, NULL, &u));
	return u;
}

int64_t count_users(authkit_store *s)
{
	int64_t n = -1;
	OK(s->user_count(s, &n));
	return n;
}

void append_event(authkit_store *s, int64_t time, int64_t user_id, const char *event)
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

int collect(collected *c, int64_t id, int64_t time)
{
	ck_assert_int_lt(c->count, 64);
	c->ids[c->count] = id;
	c->times[c->count] = time;
	c->count++;
	return (c->stop_after && c->count == c->stop_after) ? c->stop_with : 0;
}

int collect_user(const authkit_store_user *u, void *ud)
{
	return collect(ud, u->id, u->created_at);
}

int collect_event(const authkit_store_audit *a, void *ud)
{
	return collect(ud, a->id, a->time);
}

void run_threads(void *(*fn)(void *), void *arg)
{
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, fn, arg), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
}

/* A distinct 32-byte hash per seed, with a NUL byte inside: it must be
 * stored as a 32-byte BLOB, not as a C string. */
void hash_of(unsigned char out[AUTHKIT_STORE_HASH_LEN], int seed)
{
	for (int k = 0; k < AUTHKIT_STORE_HASH_LEN; k++)
		out[k] = (unsigned char)(k * 37 + 11);
	out[3] = 0;
	for (int k = 0; k < 4; k++) /* the seed, after the NUL */
		out[AUTHKIT_STORE_HASH_LEN - 1 - k] = (unsigned char)((unsigned)seed >> (8 * k));
}

void make_session(authkit_store_session *ss, const char *id, int64_t user_id, int seed, int64_t created)
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

void add_session(authkit_store *s, const char *id, int64_t user_id, int seed, int64_t created)
{
	authkit_store_session ss;
	make_session(&ss, id, user_id, seed, created);
	OK(s->session_insert(s, &ss));
}

void assert_session_eq(const authkit_store_session *a, const authkit_store_session *b)
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

authkit_store_session get_session(authkit_store *s, const char *id)
{
	authkit_store_session ss;
	OK(s->session_get(s, id, &ss));
	return ss;
}

void add_refresh(authkit_store *s, int seed, const char *session_id, int64_t user_id, int64_t expires_at)
{
	unsigned char h[AUTHKIT_STORE_HASH_LEN];
	hash_of(h, seed);
	OK(s->refresh_insert(s, h, session_id, user_id, expires_at, T0));
}

int rotate(authkit_store *s, int old_seed, int new_seed, int64_t now, authkit_store_refresh_result *out)
{
	unsigned char o[AUTHKIT_STORE_HASH_LEN], n[AUTHKIT_STORE_HASH_LEN];
	hash_of(o, old_seed);
	hash_of(n, new_seed);
	return s->refresh_rotate(s, o, n, now + 86400, now, out);
}

void add_one_time(authkit_store *s, int seed, int purpose, int64_t user_id, int64_t expires_at)
{
	unsigned char h[AUTHKIT_STORE_HASH_LEN];
	hash_of(h, seed);
	OK(s->one_time_insert(s, h, purpose, user_id, expires_at, T0));
}

int consume(authkit_store *s, int seed, int purpose, int64_t now, int64_t *user_id_out)
{
	unsigned char h[AUTHKIT_STORE_HASH_LEN];
	hash_of(h, seed);
	return s->one_time_consume(s, h, purpose, now, user_id_out);
}

int collect_session(const authkit_store_session *ss, void *ud)
{
	session_ids *c = ud;
	ck_assert_int_lt(c->count, 16);
	snprintf(c->ids[c->count], sizeof c->ids[0], "%s", ss->id);
	c->count++;
	return (c->stop_after && c->count == c->stop_after) ? c->stop_with : 0;
}

void make_integration(authkit_store_integration *r, int64_t user_id, const char *service, int version, int seed,
                      size_t len)
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

void assert_integration_eq(const authkit_store_integration *a, const authkit_store_integration *b)
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

int collect_integration(const authkit_store_integration *r, void *ud)
{
	integration_rows *c = ud;
	ck_assert_int_lt(c->count, 32);
	c->users[c->count] = r->user_id;
	snprintf(c->services[c->count], sizeof c->services[0], "%s", r->service);
	c->versions[c->count] = r->key_version;
	c->count++;
	return (c->stop_after && c->count == c->stop_after) ? 42 : 0;
}

void make_api_key(authkit_store_api_key *k, const char *id, int64_t user_id, int seed, int64_t created)
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

int collect_key(const authkit_store_api_key *k, void *ud)
{
	key_ids *c = ud;
	ck_assert_int_lt(c->count, 16);
	snprintf(c->ids[c->count++], sizeof c->ids[0], "%s", k->public_id);
	return 0;
}

int usage_insert(authkit_store *s, int64_t user_id, const char *service, const char *model, int64_t in,
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

int collect_sum(const authkit_store_usage_sum *r, void *ud)
{
	sums *c = ud;
	ck_assert_int_lt(c->count, 64);
	c->rows[c->count++] = *r;
	return 0;
}

int collect_bill(const authkit_store_billing *r, void *ud)
{
	bills *c = ud;
	ck_assert_int_lt(c->count, 64);
	c->rows[c->count++] = *r;
	return 0;
}
