/* Paged user listing (keyset pagination on id) and counting. */
#include <stdlib.h>

#include "users/user_object.h"

#define AK_USER_LIST_MAX 1000

static int collect_user(const authkit_store_user *rec, void *userdata)
{
	authkit_user_list *l = userdata;
	if (l->count == l->capacity)
		return AUTHKIT_ESTORE; /* the store returned more rows than the limit */
	ak_user_fill(&l->items[l->count++], rec);
	return 0;
}

AUTHKIT_EXTERN(int) authkit_user_list_page(authkit_ctx *ctx, int64_t after_id, unsigned limit, authkit_user_list **out)
{
	ak_clear_error();
	if (!ctx || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and out must not be NULL");
	*out = NULL;
	if (after_id < 0 || limit < 1 || limit > AK_USER_LIST_MAX)
		return ak_fail(AUTHKIT_EINVALID, "after_id must be >= 0 and limit 1-%d", AK_USER_LIST_MAX);
	authkit_user_list *l = calloc(1, sizeof *l);
	if (l)
		l->items = calloc(limit, sizeof *l->items);
	if (!l || !l->items) {
		authkit_user_list_free(l);
		return ak_fail(AUTHKIT_ENOMEM, "user list allocation failed");
	}
	l->capacity = limit;
	int rc = ctx->store->user_list(ctx->store, after_id, limit, collect_user, l);
	if (rc) {
		authkit_user_list_free(l);
		return rc == AUTHKIT_ESTORE ? ak_fail(rc, "user list failed") : rc;
	}
	*out = l;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_user_count(authkit_ctx *ctx, int64_t *count_out)
{
	ak_clear_error();
	if (!ctx || !count_out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and count_out must not be NULL");
	return ctx->store->user_count(ctx->store, count_out);
}

AUTHKIT_EXTERN(size_t) authkit_user_list_count(const authkit_user_list *l)
{
	return l ? l->count : 0;
}

AUTHKIT_EXTERN(const authkit_user *) authkit_user_list_get(const authkit_user_list *l, size_t i)
{
	return (l && i < l->count) ? &l->items[i] : NULL;
}

AUTHKIT_EXTERN(void) authkit_user_list_free(authkit_user_list *l)
{
	if (!l)
		return;
	free(l->items);
	free(l);
}
