/* Database-wide commands: init, check, cleanup, keys rotate. */
#include "cli.h"

static int run_init(cli_run *r)
{
	int version = 0;
	int rc = authkit_ctx_schema_version(r->ctx, &version);
	if (rc)
		return cli_fail_status(r, rc, "cannot read the schema version");
	/* Opening already created the file or applied missing migrations. */
	if (r->db_created)
		printf("created %s (schema version %d)\n", cli_db_name(r), version);
	else
		printf("%s is at schema version %d\n", cli_db_name(r), version);
	return CLI_OK;
}

const cli_cmd cli_cmd_init = {
	.name = "init",
	.args = "",
	.summary = "create a database or migrate it to this build",
	.details = "Safe to run again: an up-to-date database is left as it is. Every other\n"
	           "command refuses a database file that does not exist yet.\n",
	.opens_db = true,
	.creates_db = true,
	.run = run_init,
};

static int run_check(cli_run *r)
{
	int version = 0, latest = authkit_store_schema_latest();
	int rc = authkit_ctx_schema_version(r->ctx, &version);
	if (rc)
		return cli_fail(r, CLI_CHECK, "connection: %s", authkit_error_last());
	printf("database: %s\nconnection: ok\nschema version: %d (this build: %d)\n", cli_db_name(r), version, latest);
	if (version != latest)
		return cli_fail(r, CLI_CHECK, "schema version %d, this build needs %d", version, latest);
	int checked = 0;
	rc = authkit_ctx_check(r->ctx, &checked);
	if (rc) {
		printf("integrity: FAILED\n");
		return cli_fail(r, CLI_CHECK, "integrity: %s", authkit_error_last());
	}
	printf("integrity: %s\n", checked ? "ok" : "not checked (the backend has no consistency check)");
	return CLI_OK;
}

const cli_cmd cli_cmd_check = {
	.name = "check",
	.args = "",
	.summary = "check connectivity, schema version, integrity",
	.details = "Runs the backend's consistency check (SQLite: PRAGMA integrity_check and\n"
	           "PRAGMA foreign_key_check). Exit 7 when the database is damaged.\n",
	.opens_db = true,
	.run = run_check,
};

static int run_cleanup(cli_run *r)
{
	int64_t sessions = 0, tokens = 0;
	int rc = authkit_session_cleanup(r->ctx, &sessions, &tokens);
	if (rc)
		return cli_fail_status(r, rc, "cleanup failed");
	printf("sessions deleted: %lld\ntokens deleted: %lld\n", (long long)sessions, (long long)tokens);
	return CLI_OK;
}

const cli_cmd cli_cmd_cleanup = {
	.name = "cleanup",
	.args = "",
	.summary = "delete expired sessions and one-time tokens",
	.details = "Prints how many sessions (with their refresh tokens) and one-time tokens\n"
	           "(password reset, email verification) were deleted. Run it from cron.\n",
	.opens_db = true,
	.run = run_cleanup,
};

static int run_keys_rotate(cli_run *r)
{
	int64_t batch = 500;
	int rc = cli_opt_int(r, "batch", 1, 1000, &batch);
	if (rc)
		return rc;
	int64_t total = 0;
	int done = 0;
	while (!done) {
		int64_t n = 0;
		rc = authkit_vault_rotate(r->ctx, (unsigned)batch, &n, &done);
		total += n;
		if (rc) {
			/* Finished batches are committed: a rerun resumes from here. */
			if (total)
				printf("re-encrypted: %lld (then stopped; run again once fixed)\n", (long long)total);
			return cli_fail_status(r, rc, "rotation failed");
		}
	}
	printf("re-encrypted: %lld\n", (long long)total);
	return CLI_OK;
}

const cli_cmd cli_cmd_keys_rotate = {
	.name = "keys rotate",
	.args = "",
	.summary = "re-encrypt the vault under the current master key",
	.details = "Set AUTHKIT_MASTER_KEY (and AUTHKIT_MASTER_KEY_VERSION) to the new key and\n"
	           "AUTHKIT_MASTER_OLD_KEYS to \"version:key,...\" for the old ones (docs/VAULT.md).\n"
	           "Batches commit one by one: safe to interrupt and run again, safe while the\n"
	           "service runs. Prints the number of keys re-encrypted.\n",
	.opens_db = true,
	.run = run_keys_rotate,
	.opts = {{"batch", "N", "keys per transaction, 1-1000 (default 500)"}},
};
