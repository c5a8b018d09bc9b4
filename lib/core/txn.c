/* Transactions around multi-step operations: all of it or none of it. */
#include "core/internal.h"

int ak_txn_begin(authkit_ctx *ctx)
{
	return ctx->store->txn_begin(ctx->store);
}

int ak_txn_commit(authkit_ctx *ctx)
{
	return ctx->store->txn_commit(ctx->store);
}

void ak_txn_rollback(authkit_ctx *ctx)
{
	ctx->store->txn_rollback(ctx->store);
}

int ak_txn_end(authkit_ctx *ctx, int rc)
{
	if (rc != AUTHKIT_OK) {
		ak_txn_rollback(ctx);
		return rc;
	}
	return ak_txn_commit(ctx);
}
