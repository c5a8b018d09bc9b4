/*
 * Schema migrations. migrations[i] takes a database from version i to
 * i + 1, numbered like the SQLite backend's steps (same tables, same
 * meaning). All missing steps and the version bump run in one transaction
 * that first takes a transaction-scoped advisory lock (keyed by the
 * schema), so of two processes starting at once one migrates and the other
 * waits and then finds nothing left to do. To change the schema, append a
 * step; never edit a released one.
 *
 * Text columns are COLLATE "C": bytewise ordering and comparison, as in
 * SQLite, whatever the database's locale, and lower() folding ASCII only,
 * which is exactly the username contract.
 */
#include <stdio.h>

#include "store/postgres/internal.h"

static const char *const migrations[] = {
	/* 1: users. */
	"CREATE TABLE users (\n"
	"\tid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
	"\tusername text COLLATE \"C\" NOT NULL,\n"
	"\temail text COLLATE \"C\" NOT NULL UNIQUE,\n"
	"\tfull_name text NOT NULL DEFAULT '',\n"
	"\tpassword_hash text NOT NULL,\n"
	"\troles text COLLATE \"C\" NOT NULL DEFAULT '',\n"
	"\tis_active integer NOT NULL DEFAULT 1,\n"
	"\tis_verified integer NOT NULL DEFAULT 0,\n"
	"\tis_superuser integer NOT NULL DEFAULT 0,\n"
	"\tfailed_logins integer NOT NULL DEFAULT 0,\n"
	"\tlocked_until bigint NOT NULL DEFAULT 0,\n"
	"\tcreated_at bigint NOT NULL,\n"
	"\tupdated_at bigint NOT NULL,\n"
	"\tlast_login_at bigint NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE UNIQUE INDEX users_username_ci ON users (lower(username));\n",

	/* 2: audit log: no foreign key, rows outlive their users. */
	"CREATE TABLE audit_log (\n"
	"\tid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
	"\ttime bigint NOT NULL,\n"
	"\tuser_id bigint NOT NULL DEFAULT 0,\n"
	"\tevent text NOT NULL,\n"
	"\tip text NOT NULL DEFAULT '',\n"
	"\tdetail text NOT NULL DEFAULT ''\n"
	");\n"
	"CREATE INDEX audit_log_user_time ON audit_log (user_id, time);\n"
	"CREATE INDEX audit_log_time ON audit_log (time);\n",

	/* 3: sessions, refresh and one-time tokens (SHA-256 digests as bytea).
	 * seq keeps insertion order, which breaks ties of created_at. */
	"CREATE TABLE sessions (\n"
	"\tseq bigint GENERATED ALWAYS AS IDENTITY,\n"
	"\tid text COLLATE \"C\" NOT NULL PRIMARY KEY,\n"
	"\tuser_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
	"\ttoken_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),\n"
	"\tip text NOT NULL DEFAULT '',\n"
	"\tuser_agent text NOT NULL DEFAULT '',\n"
	"\tcreated_at bigint NOT NULL,\n"
	"\tlast_seen_at bigint NOT NULL,\n"
	"\tidle_expires_at bigint NOT NULL,\n"
	"\texpires_at bigint NOT NULL,\n"
	"\trevoked_at bigint NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX sessions_user ON sessions (user_id);\n"
	"CREATE TABLE refresh_tokens (\n"
	"\ttoken_hash bytea NOT NULL PRIMARY KEY CHECK (octet_length(token_hash) = 32),\n"
	"\tsession_id text COLLATE \"C\" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"
	"\tuser_id bigint NOT NULL,\n"
	"\tcreated_at bigint NOT NULL,\n"
	"\texpires_at bigint NOT NULL,\n"
	"\tused_at bigint NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);\n"
	"CREATE TABLE one_time_tokens (\n"
	"\ttoken_hash bytea NOT NULL PRIMARY KEY CHECK (octet_length(token_hash) = 32),\n"
	"\tpurpose integer NOT NULL,\n"
	"\tuser_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
	"\tcreated_at bigint NOT NULL,\n"
	"\texpires_at bigint NOT NULL,\n"
	"\tused_at bigint NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id);\n",

	/* 4: integrations (ciphertext only), API keys (hash only), usage,
	 * counters, buckets, billing. Usage and billing outlive their user (no
	 * foreign key). The (user_id, time) index carries what a summary reads,
	 * for index-only scans; unbilled events have a small index of their own
	 * for billing closes. */
	"CREATE TABLE integrations (\n"
	"\tuser_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
	"\tservice text COLLATE \"C\" NOT NULL,\n"
	"\tnonce bytea NOT NULL CHECK (octet_length(nonce) = 24),\n"
	"\tciphertext bytea NOT NULL,\n"
	"\tkey_version integer NOT NULL,\n"
	"\tmasked text NOT NULL DEFAULT '',\n"
	"\tis_active integer NOT NULL DEFAULT 1,\n"
	"\tcreated_at bigint NOT NULL,\n"
	"\tupdated_at bigint NOT NULL,\n"
	"\tlast_used_at bigint NOT NULL DEFAULT 0,\n"
	"\tPRIMARY KEY (user_id, service)\n"
	");\n"
	"CREATE INDEX integrations_key_version ON integrations (key_version);\n"
	"CREATE TABLE api_keys (\n"
	"\tseq bigint GENERATED ALWAYS AS IDENTITY,\n"
	"\tpublic_id text COLLATE \"C\" NOT NULL PRIMARY KEY,\n"
	"\tuser_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
	"\tsecret_hash bytea NOT NULL CHECK (octet_length(secret_hash) = 32),\n"
	"\tname text NOT NULL DEFAULT '',\n"
	"\tscopes text NOT NULL DEFAULT '',\n"
	"\tcreated_at bigint NOT NULL,\n"
	"\texpires_at bigint NOT NULL DEFAULT 0,\n"
	"\tlast_used_at bigint NOT NULL DEFAULT 0,\n"
	"\trevoked_at bigint NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX api_keys_user ON api_keys (user_id);\n"
	"CREATE TABLE usage_events (\n"
	"\tid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
	"\tuser_id bigint NOT NULL,\n"
	"\tservice text COLLATE \"C\" NOT NULL,\n"
	"\tmodel text COLLATE \"C\" NOT NULL DEFAULT '',\n"
	"\trequest_type text COLLATE \"C\" NOT NULL DEFAULT '',\n"
	"\tinput_tokens bigint NOT NULL DEFAULT 0,\n"
	"\toutput_tokens bigint NOT NULL DEFAULT 0,\n"
	"\tcost_micros bigint NOT NULL,\n"
	"\tidempotency_key text COLLATE \"C\" UNIQUE,\n"
	"\ttime bigint NOT NULL,\n"
	"\tbilling_id bigint NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX usage_events_user_time ON usage_events (user_id, time)\n"
	"\tINCLUDE (service, model, input_tokens, output_tokens, cost_micros);\n"
	"CREATE INDEX usage_events_unbilled ON usage_events (time) WHERE billing_id = 0;\n"
	"CREATE INDEX usage_events_billing ON usage_events (billing_id) WHERE billing_id <> 0;\n"
	"CREATE TABLE counters (\n"
	"\tkey text COLLATE \"C\" NOT NULL PRIMARY KEY,\n"
	"\tvalue bigint NOT NULL\n"
	");\n"
	"CREATE TABLE buckets (\n"
	"\tkey text COLLATE \"C\" NOT NULL PRIMARY KEY,\n"
	"\ttokens bigint NOT NULL,\n"
	"\tupdated_ms bigint NOT NULL\n"
	");\n"
	"CREATE TABLE billing (\n"
	"\tid bigserial PRIMARY KEY,\n"
	"\tuser_id bigint NOT NULL,\n"
	"\tperiod_start bigint NOT NULL,\n"
	"\tperiod_end bigint NOT NULL,\n"
	"\tevents bigint NOT NULL,\n"
	"\tinput_tokens bigint NOT NULL,\n"
	"\toutput_tokens bigint NOT NULL,\n"
	"\tcost_micros bigint NOT NULL,\n"
	"\tstatus integer NOT NULL DEFAULT 0,\n"
	"\tcreated_at bigint NOT NULL\n"
	");\n"
	"CREATE INDEX billing_user ON billing (user_id);\n",

	/* 5: nothing. SQLite's step 5 replaced its per-user usage index with
	 * day rollups (its batches wrote one page per user); PostgreSQL keeps
	 * the (user_id, time) index, its batch path is not page-bound that way.
	 * The step exists so both backends report the same schema version. */
	"SELECT 1;\n",

	/* 6: nothing. SQLite's step 6 stops it reusing a deleted user's id;
	 * an identity column never reuses one. */
	"SELECT 1;\n",
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

/* The lock key is per schema, so databases holding several authkit schemas
 * (tests, tenants) migrate them independently. */
#define LOCK_AND_CREATE                                                                                   \
	"SELECT pg_advisory_xact_lock(hashtext('libauthkit migrate ' || coalesce(current_schema(), ''))); " \
	"CREATE TABLE IF NOT EXISTS authkit_schema (version integer NOT NULL)"

static const ak_pg_query q_version = {AK_PG_SCHEMA_VERSION, "read schema version",
	"SELECT coalesce(max(version), 0)::bigint FROM authkit_schema"};

int ak_pg_schema_latest(void)
{
	return MIGRATION_COUNT;
}

static int read_version(authkit_store *store, int *version_out)
{
	ak_pg_call call;
	int rc = ak_pg_call_begin(store, &q_version, &call);
	if (rc)
		return rc;
	rc = ak_pg_run_row(&call);
	if (rc == AUTHKIT_OK)
		*version_out = (int)ak_pg_int64(call.res, 0, 0);
	else if (rc == AUTHKIT_ENOTFOUND)
		rc = ak_fail(AUTHKIT_ESTORE, "postgres: read schema version: no row");
	return ak_pg_call_end(&call, rc);
}

static int apply_missing(authkit_store *store, ak_pg_conn *c)
{
	int version = 0;
	int rc = read_version(store, &version);
	if (rc)
		return rc;
	if (version > MIGRATION_COUNT)
		return ak_fail(AUTHKIT_EVERSION, "postgres: database schema version %d is newer than this library's %d",
		               version, MIGRATION_COUNT);
	if (version == MIGRATION_COUNT)
		return AUTHKIT_OK;
	for (int v = version + 1; v <= MIGRATION_COUNT && rc == AUTHKIT_OK; v++)
		rc = ak_pg_exec_text(c, migrations[v - 1], "migrate schema", NULL, 0);
	char bump[128];
	/* Our own integer, not input: formatted, not bound. */
	snprintf(bump, sizeof bump, "DELETE FROM authkit_schema; INSERT INTO authkit_schema (version) VALUES (%d)",
	         MIGRATION_COUNT);
	return rc ? rc : ak_pg_exec_text(c, bump, "record schema version", NULL, 0);
}

int ak_pg_migrate(authkit_store *store)
{
	int rc = ak_pg_txn_begin(store);
	if (rc)
		return rc;
	ak_pg_conn *c = ak_pg_pinned(ak_pg_of(store));
	rc = ak_pg_exec_text(c, LOCK_AND_CREATE, "lock schema for migration", NULL, 0);
	if (rc == AUTHKIT_OK)
		rc = apply_missing(store, c);
	if (rc) {
		ak_pg_txn_rollback(store);
		return rc;
	}
	return ak_pg_txn_commit(store);
}

int ak_pg_schema_version(authkit_store *store, int *version_out)
{
	if (!version_out)
		return ak_fail(AUTHKIT_EINVALID, "version_out is NULL");
	return read_version(store, version_out);
}
