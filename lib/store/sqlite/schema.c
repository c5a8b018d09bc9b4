/*
 * Schema migrations. migrations[i] takes a database from user_version i to
 * i + 1; each runs in its own BEGIN IMMEDIATE transaction together with the
 * user_version bump, so a crash leaves the database at a whole version and
 * two processes opening it at once never apply a step twice. To change the
 * schema, append a step: never edit a released one (tests/fixtures holds a
 * copy of step 1 to prove old databases still upgrade).
 */
#include <stdio.h>

#include "store/sqlite/internal.h"

static const char *const migrations[] = {
	/* 1: users. NOCASE folds ASCII only, which is what the contract asks. */
	"CREATE TABLE users (\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\tusername TEXT NOT NULL UNIQUE COLLATE NOCASE,\n"
	"\temail TEXT NOT NULL UNIQUE,\n"
	"\tfull_name TEXT NOT NULL DEFAULT '',\n"
	"\tpassword_hash TEXT NOT NULL,\n"
	"\troles TEXT NOT NULL DEFAULT '',\n"
	"\tis_active INTEGER NOT NULL DEFAULT 1,\n"
	"\tis_verified INTEGER NOT NULL DEFAULT 0,\n"
	"\tis_superuser INTEGER NOT NULL DEFAULT 0,\n"
	"\tfailed_logins INTEGER NOT NULL DEFAULT 0,\n"
	"\tlocked_until INTEGER NOT NULL DEFAULT 0,\n"
	"\tcreated_at INTEGER NOT NULL,\n"
	"\tupdated_at INTEGER NOT NULL,\n"
	"\tlast_login_at INTEGER NOT NULL DEFAULT 0\n"
	");\n",

	/* 2: audit log. No foreign key to users: audit rows outlive the users
	 * they mention. AUTOINCREMENT so ids are never reused. */
	"CREATE TABLE audit_log (\n"
	"\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"\ttime INTEGER NOT NULL,\n"
	"\tuser_id INTEGER NOT NULL DEFAULT 0,\n"
	"\tevent TEXT NOT NULL,\n"
	"\tip TEXT NOT NULL DEFAULT '',\n"
	"\tdetail TEXT NOT NULL DEFAULT ''\n"
	");\n"
	"CREATE INDEX audit_log_user_time ON audit_log (user_id, time);\n"
	"CREATE INDEX audit_log_time ON audit_log (time);\n",

	/* 3: sessions, refresh tokens, one-time tokens. Tokens are stored as
	 * their SHA-256 only (32-byte BLOBs). Deleting a user deletes their
	 * sessions and one-time tokens; deleting a session deletes its refresh
	 * tokens. The token tables are keyed by hash: WITHOUT ROWID keeps each
	 * lookup to one b-tree. */
	"CREATE TABLE sessions (\n"
	"\tid TEXT NOT NULL PRIMARY KEY,\n"
	"\tuser_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
	"\ttoken_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),\n"
	"\tip TEXT NOT NULL DEFAULT '',\n"
	"\tuser_agent TEXT NOT NULL DEFAULT '',\n"
	"\tcreated_at INTEGER NOT NULL,\n"
	"\tlast_seen_at INTEGER NOT NULL,\n"
	"\tidle_expires_at INTEGER NOT NULL,\n"
	"\texpires_at INTEGER NOT NULL,\n"
	"\trevoked_at INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX sessions_user ON sessions (user_id);\n"
	"CREATE TABLE refresh_tokens (\n"
	"\ttoken_hash BLOB NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),\n"
	"\tsession_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"
	"\tuser_id INTEGER NOT NULL,\n"
	"\tcreated_at INTEGER NOT NULL,\n"
	"\texpires_at INTEGER NOT NULL,\n"
	"\tused_at INTEGER NOT NULL DEFAULT 0\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);\n"
	"CREATE TABLE one_time_tokens (\n"
	"\ttoken_hash BLOB NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),\n"
	"\tpurpose INTEGER NOT NULL,\n"
	"\tuser_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
	"\tcreated_at INTEGER NOT NULL,\n"
	"\texpires_at INTEGER NOT NULL,\n"
	"\tused_at INTEGER NOT NULL DEFAULT 0\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id);\n",

	/* 4: integrations (ciphertext only), API keys (hash only), usage,
	 * quota counters, rate-limit buckets, billing. Integrations and API
	 * keys die with their user; usage and billing rows outlive it (no
	 * foreign key: the user id stays as a pseudonym). The usage index on
	 * (user_id, time) also carries every column a summary reads, so a
	 * user's period summary never touches the table itself. */
	"CREATE TABLE integrations (\n"
	"\tuser_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
	"\tservice TEXT NOT NULL,\n"
	"\tnonce BLOB NOT NULL CHECK (length(nonce) = 24),\n"
	"\tciphertext BLOB NOT NULL,\n"
	"\tkey_version INTEGER NOT NULL,\n"
	"\tmasked TEXT NOT NULL DEFAULT '',\n"
	"\tis_active INTEGER NOT NULL DEFAULT 1,\n"
	"\tcreated_at INTEGER NOT NULL,\n"
	"\tupdated_at INTEGER NOT NULL,\n"
	"\tlast_used_at INTEGER NOT NULL DEFAULT 0,\n"
	"\tPRIMARY KEY (user_id, service)\n"
	");\n"
	"CREATE INDEX integrations_key_version ON integrations (key_version);\n"
	"CREATE TABLE api_keys (\n"
	"\tpublic_id TEXT NOT NULL PRIMARY KEY,\n"
	"\tuser_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
	"\tsecret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),\n"
	"\tname TEXT NOT NULL DEFAULT '',\n"
	"\tscopes TEXT NOT NULL DEFAULT '',\n"
	"\tcreated_at INTEGER NOT NULL,\n"
	"\texpires_at INTEGER NOT NULL DEFAULT 0,\n"
	"\tlast_used_at INTEGER NOT NULL DEFAULT 0,\n"
	"\trevoked_at INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX api_keys_user ON api_keys (user_id);\n"
	"CREATE TABLE usage_events (\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\tuser_id INTEGER NOT NULL,\n"
	"\tservice TEXT NOT NULL,\n"
	"\tmodel TEXT NOT NULL DEFAULT '',\n"
	"\trequest_type TEXT NOT NULL DEFAULT '',\n"
	"\tinput_tokens INTEGER NOT NULL DEFAULT 0,\n"
	"\toutput_tokens INTEGER NOT NULL DEFAULT 0,\n"
	"\tcost_micros INTEGER NOT NULL,\n"
	"\tidempotency_key TEXT UNIQUE,\n"
	"\ttime INTEGER NOT NULL,\n"
	"\tbilling_id INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX usage_events_user_time ON usage_events\n"
	"\t(user_id, time, service, model, input_tokens, output_tokens, cost_micros);\n"
	"CREATE INDEX usage_events_billing_time ON usage_events (billing_id, time);\n"
	"CREATE TABLE counters (\n"
	"\tkey TEXT NOT NULL PRIMARY KEY,\n"
	"\tvalue INTEGER NOT NULL CHECK (typeof(value) = 'integer')\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE buckets (\n"
	"\tkey TEXT NOT NULL PRIMARY KEY,\n"
	"\ttokens INTEGER NOT NULL,\n"
	"\tupdated_ms INTEGER NOT NULL\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE billing (\n"
	"\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"\tuser_id INTEGER NOT NULL,\n"
	"\tperiod_start INTEGER NOT NULL,\n"
	"\tperiod_end INTEGER NOT NULL,\n"
	"\tevents INTEGER NOT NULL,\n"
	"\tinput_tokens INTEGER NOT NULL,\n"
	"\toutput_tokens INTEGER NOT NULL,\n"
	"\tcost_micros INTEGER NOT NULL,\n"
	"\tstatus INTEGER NOT NULL DEFAULT 0,\n"
	"\tcreated_at INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX billing_user ON billing (user_id);\n",

	/* 5: usage summaries read per-day rollups instead of a per-user index
	 * on the events. That index put each event of a batch on another leaf
	 * page (one per user), so a batch of 1,000 events wrote ~1,000 pages to
	 * the WAL. Now every index on usage_events grows at its right edge (time,
	 * billing id, and the idempotency key when keys are sequential), and
	 * events are folded into usage_daily in bulk, every AK_USAGE_FOLD_EVERY
	 * events (usage_rollup.c): a fold groups tens of thousands of events into
	 * a few thousand (day, user, service, model) rows, where a per-event
	 * trigger cost an upsert each. usage_rollup.folded_through is the last
	 * event id folded; a summary adds the events above it to the rollups, so
	 * it is exact at any moment. Usage rows are never deleted, so ids only
	 * grow and "above the mark" is exactly "not folded yet". */
	"CREATE TABLE usage_daily (\n"
	"\tday INTEGER NOT NULL,\n" /* time / 86400: UTC days since 1970 */
	"\tuser_id INTEGER NOT NULL,\n"
	"\tservice TEXT NOT NULL,\n"
	"\tmodel TEXT NOT NULL,\n"
	"\tevents INTEGER NOT NULL,\n"
	"\tinput_tokens INTEGER NOT NULL,\n"
	"\toutput_tokens INTEGER NOT NULL,\n"
	"\tcost_micros INTEGER NOT NULL,\n"
	"\tPRIMARY KEY (day, user_id, service, model)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX usage_daily_user ON usage_daily (user_id, day);\n"
	"INSERT INTO usage_daily SELECT time / 86400, user_id, service, model, count(*), sum(input_tokens),\n"
	"\tsum(output_tokens), sum(cost_micros) FROM usage_events GROUP BY 1, 2, 3, 4;\n"
	"CREATE TABLE usage_rollup (\n"
	"\tid INTEGER PRIMARY KEY CHECK (id = 1),\n"
	"\tfolded_through INTEGER NOT NULL\n"
	");\n"
	"INSERT INTO usage_rollup SELECT 1, coalesce(max(id), 0) FROM usage_events;\n"
	"DROP INDEX usage_events_user_time;\n"
	"CREATE INDEX usage_events_time ON usage_events (time);\n",

	/* 6: user ids are never reused. users.id is a rowid without
	 * AUTOINCREMENT, so SQLite hands out max(id) + 1: deleting the newest
	 * user gave the next one their id, and with it their usage and billing
	 * rows, and any stateless access token still naming that id. Rebuilding
	 * users with AUTOINCREMENT would cascade-delete through the foreign keys,
	 * so the insert picks the id itself (users.c): one above both the largest
	 * live id and user_id_floor.id, the largest id ever deleted, kept by a
	 * trigger. Ids deleted before this step are known only where usage,
	 * billing or audit rows still name them. */
	"CREATE TABLE user_id_floor (\n"
	"\tone INTEGER PRIMARY KEY CHECK (one = 1),\n"
	"\tid INTEGER NOT NULL\n"
	");\n"
	"INSERT INTO user_id_floor SELECT 1, max(coalesce((SELECT max(id) FROM users), 0),\n"
	"\tcoalesce((SELECT max(user_id) FROM usage_events), 0), coalesce((SELECT max(user_id) FROM billing), 0),\n"
	"\tcoalesce((SELECT max(user_id) FROM audit_log), 0));\n"
	"CREATE TRIGGER users_deleted_raise_floor AFTER DELETE ON users BEGIN\n"
	"\tUPDATE user_id_floor SET id = max(id, OLD.id);\n"
	"END;\n",
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

static const ak_sqlite_query q_user_version = {AK_SQL_USER_VERSION, "read schema version", "PRAGMA user_version"};

int ak_sqlite_schema_latest(void)
{
	return MIGRATION_COUNT;
}

const char *ak_sqlite_migration_sql(int version)
{
	return version >= 1 && version <= MIGRATION_COUNT ? migrations[version - 1] : NULL;
}

static int read_version(ak_sqlite_conn *c, int *version_out)
{
	sqlite3_stmt *st = NULL;
	int rc = ak_sqlite_prepare(c, &q_user_version, &st);
	if (rc)
		return rc;
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*version_out = sqlite3_column_int(st, 0);
	else
		rc = ak_sqlite_status(c, step, q_user_version.what);
	sqlite3_reset(st);
	return rc;
}

static int apply(ak_sqlite_conn *c, int version)
{
	char bump[64];
	int rc = ak_sqlite_exec(c, migrations[version - 1], "migrate schema");
	if (rc)
		return rc;
	/* PRAGMA takes no parameters; version is our own integer. */
	snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version);
	return ak_sqlite_exec(c, bump, "record schema version");
}

/* One transaction: read the version, apply the next step if any. *done is
 * set when the database is already at the latest version. */
static int step_once(ak_sqlite_conn *c, bool *done)
{
	int version = 0;
	int rc = read_version(c, &version);
	if (rc)
		return rc;
	if (version > MIGRATION_COUNT)
		return ak_fail(AUTHKIT_EVERSION, "sqlite: database schema version %d is newer than this library's %d",
		               version, MIGRATION_COUNT);
	if (version < 0)
		return ak_fail(AUTHKIT_ESTORE, "sqlite: database schema version %d is invalid", version);
	*done = version == MIGRATION_COUNT;
	return *done ? AUTHKIT_OK : apply(c, version + 1);
}

int ak_sqlite_migrate(ak_sqlite_conn *c)
{
	for (bool done = false; !done;) {
		int rc = ak_sqlite_exec(c, "BEGIN IMMEDIATE", "begin migration");
		if (rc)
			return rc;
		rc = step_once(c, &done);
		if (rc == AUTHKIT_OK)
			rc = ak_sqlite_exec(c, "COMMIT", "commit migration");
		if (rc) {
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	return AUTHKIT_OK;
}

int ak_sqlite_schema_version(authkit_store *store, int *version_out)
{
	if (!version_out)
		return ak_fail(AUTHKIT_EINVALID, "version_out is NULL");
	ak_sqlite_store *s = ak_sqlite_of(store);
	ak_sqlite_conn *c = NULL;
	int rc = ak_sqlite_acquire(s, &c);
	if (rc)
		return rc;
	rc = read_version(c, version_out);
	ak_sqlite_release(s, c);
	return rc;
}
