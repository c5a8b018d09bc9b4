/* Usage summaries grouped by service, model, UTC day or month; calendar math. */
#include <stdlib.h>
#include <string.h>

#include "usage/usage_internal.h"

int64_t ak_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t ak_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = ak_floor_div(y, 400);
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void ak_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	days += 719468;
	int64_t era = ak_floor_div(days, 146097);
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

struct authkit_usage_summary {
	size_t count, capacity;
	authkit_store_usage_sum *items;
};

static int collect(const authkit_store_usage_sum *row, void *userdata)
{
	authkit_usage_summary *s = userdata;
	if (!ak_array_reserve(&s->items, &s->capacity, s->count, sizeof *s->items))
		return AUTHKIT_ENOMEM;
	s->items[s->count] = *row;
	s->items[s->count].key[sizeof row->key - 1] = '\0';
	s->count++;
	return 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const authkit_store_usage_sum *)a)->key, ((const authkit_store_usage_sum *)b)->key);
}

AUTHKIT_EXTERN(int) authkit_usage_summary_get(authkit_ctx *ctx, int64_t user_id, int64_t since, int64_t until,
                                              int group, authkit_usage_summary **out)
{
	ak_clear_error();
	if (!ctx || !out)
		return ak_fail(AUTHKIT_EINVALID, "ctx and out must not be NULL");
	*out = NULL;
	if (user_id < 0 || since < 0 || until < 0 || (until && until <= since))
		return ak_fail(AUTHKIT_EINVALID, "user_id, since and until must be >= 0 and since < until");
	if (group < AUTHKIT_USAGE_BY_SERVICE || group > AUTHKIT_USAGE_BY_MONTH)
		return ak_fail(AUTHKIT_EINVALID, "group must be one of AUTHKIT_USAGE_BY_*");
	AK_NEED_SLOT(ctx, usage_summary);
	authkit_usage_summary *s = calloc(1, sizeof *s);
	if (!s)
		return ak_fail(AUTHKIT_ENOMEM, "usage summary allocation failed");
	int rc = ctx->store->usage_summary(ctx->store, user_id, since, until ? until : INT64_MAX, group, collect, s);
	if (rc) {
		authkit_usage_summary_free(s);
		return rc == AUTHKIT_ENOMEM ? ak_fail(rc, "usage summary allocation failed") : rc;
	}
	if (s->count > 1)
		qsort(s->items, s->count, sizeof *s->items, by_key);
	*out = s;
	return AUTHKIT_OK;
}

static const authkit_store_usage_sum *item(const authkit_usage_summary *s, size_t i)
{
	return (s && i < s->count) ? &s->items[i] : NULL;
}

AUTHKIT_EXTERN(size_t) authkit_usage_summary_count(const authkit_usage_summary *s)
{
	return s ? s->count : 0;
}

AUTHKIT_EXTERN(const char *) authkit_usage_summary_key(const authkit_usage_summary *s, size_t i)
{
	const authkit_store_usage_sum *r = item(s, i);
	return r ? r->key : NULL;
}

AUTHKIT_EXTERN(int64_t) authkit_usage_summary_events(const authkit_usage_summary *s, size_t i)
{
	const authkit_store_usage_sum *r = item(s, i);
	return r ? r->events : 0;
}

AUTHKIT_EXTERN(int64_t) authkit_usage_summary_input_tokens(const authkit_usage_summary *s, size_t i)
{
	const authkit_store_usage_sum *r = item(s, i);
	return r ? r->input_tokens : 0;
}

AUTHKIT_EXTERN(int64_t) authkit_usage_summary_output_tokens(const authkit_usage_summary *s, size_t i)
{
	const authkit_store_usage_sum *r = item(s, i);
	return r ? r->output_tokens : 0;
}

AUTHKIT_EXTERN(int64_t) authkit_usage_summary_cost_micros(const authkit_usage_summary *s, size_t i)
{
	const authkit_store_usage_sum *r = item(s, i);
	return r ? r->cost_micros : 0;
}

AUTHKIT_EXTERN(void) authkit_usage_summary_free(authkit_usage_summary *s)
{
	if (!s)
		return;
	free(s->items);
	free(s);
}
