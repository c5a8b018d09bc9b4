/*
 * Refresh tokens: stored by hash, bound to a session, used once each.
 *
 * Rotation is one statement that marks the old token used and inserts the
 * new one, only if the old one is unused, unexpired, of a live session, and
 * the new hash is free. Under READ COMMITTED the UPDATE takes the row lock:
 * a concurrent rotation of the same token waits for it, then re-checks
 * used_at = 0 on the committed row and takes nothing. Only then (the slow
 * path) a second statement, with a fresh snapshot, says why: used before
 * (a replay: the session is revoked), revoked, expired, unknown, or a new
 * hash that clashes. No statement fails on a conflict, so inside the
 * caller's transaction a refused rotation leaves it usable.
 */
#include <string.h>

#include "store/postgres/internal.h"

/* Only for a session of that very user: a token never names another's session. */
static const ak_pg_query q_insert = {AK_PG_REFRESH_INSERT, "insert refresh token",
	"INSERT INTO refresh_tokens (token_hash, session_id, user_id, created_at, expires_at) "
	"SELECT $1, id, user_id, $4, $5 FROM sessions WHERE id = $2 AND user_id = $3"};
/* $1 old hash, $2 new hash, $3 new expiry, $4 now. */
static const ak_pg_query q_take = {AK_PG_REFRESH_TAKE, "rotate refresh token",
	"WITH won AS (UPDATE refresh_tokens r SET used_at = $4 FROM sessions s "
	"WHERE r.token_hash = $1 AND s.id = r.session_id AND r.used_at = 0 AND s.revoked_at = 0 "
	"AND r.expires_at > $4 AND NOT EXISTS (SELECT 1 FROM refresh_tokens n WHERE n.token_hash = $2) "
	"RETURNING r.session_id, r.user_id) "
	"INSERT INTO refresh_tokens (token_hash, session_id, user_id, created_at, expires_at) "
	"SELECT $2, session_id, user_id, $4, $3 FROM won RETURNING session_id, user_id"};
static const ak_pg_query q_lookup = {AK_PG_REFRESH_LOOKUP, "look up refresh token",
	"SELECT r.session_id, r.user_id, r.expires_at, r.used_at, s.revoked_at, "
	"(EXISTS (SELECT 1 FROM refresh_tokens n WHERE n.token_hash = $2))::integer "
	"FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = $1"};
static const ak_pg_query q_revoke_session = {AK_PG_REFRESH_REVOKE_SESSION, "revoke session",
	"UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at = 0"};

/* Rounds of take-then-explain before giving up: a token only turns
 * eligible between the two statements when a rotation in flight rolled
 * back, which does not repeat without end. */
#define TAKE_ROUNDS 3

int ak_pg_refresh_insert(authkit_store *store, const unsigned char token_hash[AUTHKIT_STORE_HASH_LEN],
                         const char *session_id, int64_t user_id, int64_t expires_at, int64_t now)
{
	if (!token_hash || !session_id)
		return ak_fail(AUTHKIT_EINVALID, "refresh_insert: token_hash or session_id is NULL");
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_insert, &call);
	if (rc)
		return rc;
	ak_pg_bind_hash(&call, 1, token_hash);
	ak_pg_bind_text(&call, 2, session_id);
	ak_pg_bind_int64(&call, 3, user_id);
	ak_pg_bind_int64(&call, 4, now);
	ak_pg_bind_int64(&call, 5, expires_at);
	/* No row inserted: no such session for that user (ENOTFOUND). */
	return ak_pg_run_guarded(&call, NULL, NULL);
}

typedef struct rotation {
	const unsigned char *old_hash, *new_hash;
	int64_t new_expires_at, now;
	authkit_store_refresh_result *out;
} rotation;

static void bind_hashes(ak_pg_call *call, const rotation *r)
{
	ak_pg_bind_hash(call, 1, r->old_hash);
	ak_pg_bind_hash(call, 2, r->new_hash);
}

/* The fast path: OK when this call won the token, ENOTFOUND otherwise. */
static int take(authkit_store *store, const rotation *r)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_take, &call);
	if (rc)
		return rc;
	bind_hashes(&call, r);
	ak_pg_bind_int64(&call, 3, r->new_expires_at);
	ak_pg_bind_int64(&call, 4, r->now);
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK) {
		ak_pg_text(call.res, 0, 0, r->out->session_id, sizeof r->out->session_id);
		r->out->user_id = ak_pg_int64(call.res, 0, 1);
	}
	return ak_pg_call_end(&call, rc);
}

/* A replay: the token was used before, so whoever holds it now may be an
 * attacker. The session dies; the caller commits that. */
static int reuse(authkit_store *store, const rotation *r)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_revoke_session, &call);
	if (rc)
		return rc;
	ak_pg_bind_text(&call, 1, r->out->session_id);
	ak_pg_bind_int64(&call, 2, r->now);
	rc = ak_pg_call_end(&call, ak_pg_run(&call));
	return rc ? rc : ak_fail(AUTHKIT_EREUSE, "refresh token was already used; its session is revoked");
}

typedef struct token_state {
	int64_t expires_at, used_at, revoked_at, new_taken;
} token_state;

static int lookup(authkit_store *store, const rotation *r, token_state *st)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_lookup, &call);
	if (rc)
		return rc;
	bind_hashes(&call, r);
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK) {
		ak_pg_text(call.res, 0, 0, r->out->session_id, sizeof r->out->session_id);
		r->out->user_id = ak_pg_int64(call.res, 0, 1);
		st->expires_at = ak_pg_int64(call.res, 0, 2);
		st->used_at = ak_pg_int64(call.res, 0, 3);
		st->revoked_at = ak_pg_int64(call.res, 0, 4);
		st->new_taken = ak_pg_int64(call.res, 0, 5);
	}
	return ak_pg_call_end(&call, rc);
}

/* Why the fast path took nothing; AUTHKIT_OK means "eligible after all: try again". */
static int explain(authkit_store *store, const rotation *r)
{
	token_state st = {0};
	int rc = lookup(store, r, &st);
	if (rc)
		return rc; /* ENOTFOUND included */
	if (st.used_at != 0)
		return reuse(store, r);
	if (st.revoked_at != 0)
		return ak_fail(AUTHKIT_EREVOKED, "refresh token's session is revoked");
	if (st.expires_at <= r->now)
		return ak_fail(AUTHKIT_EEXPIRED, "refresh token expired");
	if (st.new_taken)
		return ak_fail(AUTHKIT_EEXISTS, "postgres: the new refresh token hash is already stored");
	return AUTHKIT_OK;
}

int ak_pg_refresh_rotate(authkit_store *store, const unsigned char old_hash[AUTHKIT_STORE_HASH_LEN],
                         const unsigned char new_hash[AUTHKIT_STORE_HASH_LEN], int64_t new_expires_at, int64_t now,
                         authkit_store_refresh_result *out)
{
	/* used_at / revoked_at 0 mean "not yet": now must be after the epoch. */
	if (!old_hash || !new_hash || !out || now <= 0)
		return ak_fail(AUTHKIT_EINVALID, "refresh_rotate: NULL argument or now is not positive");
	memset(out, 0, sizeof *out);
	rotation r = {old_hash, new_hash, new_expires_at, now, out};
	for (int round = 0; round < TAKE_ROUNDS; round++) {
		int rc = take(store, &r);
		if (rc != AUTHKIT_ENOTFOUND)
			return rc;
		rc = explain(store, &r);
		if (rc)
			return rc;
	}
	return ak_fail(AUTHKIT_EBUSY, "postgres: refresh token kept changing under the rotation");
}
