/* The audit log: append events, query them back. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

#define AK_AUDIT_QUERY_MAX 10000

struct authkit_audit_list {
	size_t count, capacity;
	authkit_store_audit *items;
};

int ak_audit(authkit_ctx *ctx, int64_t user_id, const char *event, const char *ip, const char *detail)
{
	authkit_store_audit a;
	memset(&a, 0, sizeof a);
	a.time = ak_now(ctx);
	a.user_id = user_id;
	ak_strlcpy(a.event, event, sizeof a.event);
	ak_strlcpy(a.ip, ip ? ip : "", sizeof a.ip);
	ak_strlcpy(a.detail, detail ? detail : "", sizeof a.detail);
	return ctx->store->audit_append(ctx->store, &a);
}

static int collect_event(const authkit_store_audit *event, void *userdata)
{
	authkit_audit_list *l = userdata;
	if (!ak_array_reserve(&l->items, &l->capacity, l->count, sizeof *l->items))
		return AUTHKIT_ENOMEM;
	l->items[l->count++] = *event;
	return 0;
}

AUTHKIT_EXTERN(int) authkit_audit_query(authkit_ctx *ctx, int64_t user_id, int64_t since, int64_t until,
                                        unsigned limit, authkit_audit_list **out)
{
	ak_clear_error();
	if (!ctx || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and out must not be NULL");
	*out = NULL;
	if (user_id < 0 || since < 0 || until < 0 || (until && until <= since))
		return ak_fail(AUTHKIT_EINVALID, "user_id, since and until must be >= 0 and since < until");
	if (limit < 1 || limit > AK_AUDIT_QUERY_MAX)
		return ak_fail(AUTHKIT_EINVALID, "limit must be between 1 and %d", AK_AUDIT_QUERY_MAX);
	authkit_audit_list *l = calloc(1, sizeof *l);
	if (!l)
		return ak_fail(AUTHKIT_ENOMEM, "audit list allocation failed");
	int rc = ctx->store->audit_query(ctx->store, user_id, since, until, limit, collect_event, l);
	if (rc) {
		authkit_audit_list_free(l);
		return rc == AUTHKIT_ENOMEM ? ak_fail(rc, "audit list allocation failed") : rc;
	}
	*out = l;
	return AUTHKIT_OK;
}

static const authkit_store_audit *item(const authkit_audit_list *l, size_t i)
{
	return (l && i < l->count) ? &l->items[i] : NULL;
}

AUTHKIT_EXTERN(size_t) authkit_audit_list_count(const authkit_audit_list *l)
{
	return l ? l->count : 0;
}

AUTHKIT_EXTERN(int64_t) authkit_audit_list_id(const authkit_audit_list *l, size_t i)
{
	const authkit_store_audit *a = item(l, i);
	return a ? a->id : 0;
}

AUTHKIT_EXTERN(int64_t) authkit_audit_list_time(const authkit_audit_list *l, size_t i)
{
	const authkit_store_audit *a = item(l, i);
	return a ? a->time : 0;
}

AUTHKIT_EXTERN(int64_t) authkit_audit_list_user_id(const authkit_audit_list *l, size_t i)
{
	const authkit_store_audit *a = item(l, i);
	return a ? a->user_id : 0;
}

AUTHKIT_EXTERN(const char *) authkit_audit_list_event(const authkit_audit_list *l, size_t i)
{
	const authkit_store_audit *a = item(l, i);
	return a ? a->event : NULL;
}

AUTHKIT_EXTERN(const char *) authkit_audit_list_ip(const authkit_audit_list *l, size_t i)
{
	const authkit_store_audit *a = item(l, i);
	return a ? a->ip : NULL;
}

AUTHKIT_EXTERN(const char *) authkit_audit_list_detail(const authkit_audit_list *l, size_t i)
{
	const authkit_store_audit *a = item(l, i);
	return a ? a->detail : NULL;
}

AUTHKIT_EXTERN(void) authkit_audit_list_free(authkit_audit_list *l)
{
	if (!l)
		return;
	free(l->items);
	free(l);
}
