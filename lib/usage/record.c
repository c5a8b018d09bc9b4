/* Usage events: the builder, validation, single and batch recording. */
#include <stdlib.h>
#include <string.h>

#include "usage/usage_internal.h"

AUTHKIT_EXTERN(int64_t) authkit_usage_limit(int which)
{
	switch (which) {
	case AUTHKIT_LIMIT_USAGE_NAME: return AUTHKIT_USAGE_NAME_MAX;
	case AUTHKIT_LIMIT_USAGE_MODEL: return AUTHKIT_USAGE_MODEL_MAX;
	case AUTHKIT_LIMIT_USAGE_IDEMPOTENCY: return AUTHKIT_USAGE_IDEMPOTENCY_MAX;
	case AUTHKIT_LIMIT_USAGE_TOKENS: return AUTHKIT_USAGE_TOKENS_MAX;
	case AUTHKIT_LIMIT_USAGE_COST: return AUTHKIT_USAGE_COST_MAX;
	case AUTHKIT_LIMIT_USAGE_BATCH: return AUTHKIT_USAGE_BATCH_MAX;
	case AUTHKIT_LIMIT_RATELIMIT_KEY: return AUTHKIT_RATELIMIT_KEY_MAX;
	case AUTHKIT_LIMIT_RATELIMIT_CAPACITY: return AUTHKIT_RATELIMIT_CAPACITY_MAX;
	case AUTHKIT_LIMIT_RATELIMIT_LOCAL_KEYS: return AUTHKIT_RATELIMIT_LOCAL_KEYS;
	case AUTHKIT_LIMIT_RATELIMIT_SHARED_RETRIES: return AUTHKIT_RATELIMIT_SHARED_RETRIES;
	default: return -1;
	}
}

static bool name_char(char c, bool model)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	if (c == '_' || c == '.' || c == ':' || c == '/' || c == '-')
		return true;
	return model && (c == '@' || c == '+');
}

static int check_chars(const char *s, size_t min, size_t max, bool model, const char *what)
{
	if (!s)
		return ak_fail(AUTHKIT_EINVALID, "%s must not be NULL", what);
	size_t n = strnlen(s, max + 1);
	if (n < min || n > max)
		return ak_fail(AUTHKIT_EINVALID, "%s must be %zu-%zu characters", what, min, max);
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i], model))
			return ak_fail(AUTHKIT_EINVALID, "%s has a character outside [A-Za-z0-9_.:/-%s]", what,
			               model ? "@+" : "");
	return AUTHKIT_OK;
}

int ak_usage_check_name(const char *s, const char *what)
{
	return check_chars(s, 1, AUTHKIT_USAGE_NAME_MAX, false, what);
}

AUTHKIT_EXTERN(int) authkit_usage_event_new(authkit_usage_event **out)
{
	ak_clear_error();
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out must not be NULL");
	*out = calloc(1, sizeof **out);
	return *out ? AUTHKIT_OK : ak_fail(AUTHKIT_ENOMEM, "usage event allocation failed");
}

AUTHKIT_EXTERN(void) authkit_usage_event_free(authkit_usage_event *ev)
{
	free(ev);
}

#define NEED_EV()                                                                 \
	do {                                                                      \
		ak_clear_error();                                                 \
		if (!ev)                                                          \
			return ak_fail(AUTHKIT_EINVALID, "event must not be NULL"); \
	} while (0)

AUTHKIT_EXTERN(int) authkit_usage_event_set_user_id(authkit_usage_event *ev, int64_t user_id)
{
	NEED_EV();
	if (user_id < 1)
		return ak_fail(AUTHKIT_EINVALID, "user_id must be >= 1");
	ev->user_id = user_id;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_usage_event_set_service(authkit_usage_event *ev, const char *service)
{
	NEED_EV();
	int rc = ak_usage_check_name(service, "service");
	if (rc)
		return rc;
	ak_strlcpy(ev->service, service, sizeof ev->service);
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_usage_event_set_model(authkit_usage_event *ev, const char *model)
{
	NEED_EV();
	int rc = check_chars(model, 0, AUTHKIT_USAGE_MODEL_MAX, true, "model");
	if (rc)
		return rc;
	ak_strlcpy(ev->model, model, sizeof ev->model);
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_usage_event_set_request_type(authkit_usage_event *ev, const char *request_type)
{
	NEED_EV();
	int rc = check_chars(request_type, 0, AUTHKIT_USAGE_NAME_MAX, false, "request_type");
	if (rc)
		return rc;
	ak_strlcpy(ev->request_type, request_type, sizeof ev->request_type);
	return AUTHKIT_OK;
}

static int set_count(int64_t *field, int64_t v, int64_t max, const char *what)
{
	if (v < 0 || v > max)
		return ak_fail(AUTHKIT_EINVALID, "%s must be between 0 and %lld", what, (long long)max);
	*field = v;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_usage_event_set_input_tokens(authkit_usage_event *ev, int64_t tokens)
{
	NEED_EV();
	return set_count(&ev->input_tokens, tokens, AUTHKIT_USAGE_TOKENS_MAX, "input_tokens");
}

AUTHKIT_EXTERN(int) authkit_usage_event_set_output_tokens(authkit_usage_event *ev, int64_t tokens)
{
	NEED_EV();
	return set_count(&ev->output_tokens, tokens, AUTHKIT_USAGE_TOKENS_MAX, "output_tokens");
}

AUTHKIT_EXTERN(int) authkit_usage_event_set_cost_micros(authkit_usage_event *ev, int64_t cost_micros)
{
	NEED_EV();
	return set_count(&ev->cost_micros, cost_micros, AUTHKIT_USAGE_COST_MAX, "cost_micros");
}

AUTHKIT_EXTERN(int) authkit_usage_event_set_idempotency_key(authkit_usage_event *ev, const char *key)
{
	NEED_EV();
	if (!key)
		key = "";
	size_t n = strnlen(key, AUTHKIT_USAGE_IDEMPOTENCY_MAX + 1);
	if (n > AUTHKIT_USAGE_IDEMPOTENCY_MAX)
		return ak_fail(AUTHKIT_EINVALID, "idempotency_key must be at most %d characters",
		               AUTHKIT_USAGE_IDEMPOTENCY_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)key[i] < 0x21 || (unsigned char)key[i] > 0x7E)
			return ak_fail(AUTHKIT_EINVALID, "idempotency_key must be printable ASCII without spaces");
	ak_strlcpy(ev->idempotency_key, key, sizeof ev->idempotency_key);
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_usage_event_set_time(authkit_usage_event *ev, int64_t time)
{
	NEED_EV();
	if (time < 0)
		return ak_fail(AUTHKIT_EINVALID, "time must be >= 0 (0: now)");
	ev->time = time;
	return AUTHKIT_OK;
}

/* Complete and in range (setters check ranges; this checks what is required). */
static int event_row(const authkit_usage_event *ev, size_t index, int64_t now, authkit_store_usage *row)
{
	if (!ev)
		return ak_fail(AUTHKIT_EINVALID, "event %zu is NULL", index);
	if (ev->user_id < 1)
		return ak_fail(AUTHKIT_EINVALID, "event %zu has no user_id", index);
	if (!ev->service[0])
		return ak_fail(AUTHKIT_EINVALID, "event %zu has no service", index);
	memset(row, 0, sizeof *row);
	row->user_id = ev->user_id;
	memcpy(row->service, ev->service, sizeof row->service);
	memcpy(row->model, ev->model, sizeof row->model);
	memcpy(row->request_type, ev->request_type, sizeof row->request_type);
	row->input_tokens = ev->input_tokens;
	row->output_tokens = ev->output_tokens;
	row->cost_micros = ev->cost_micros;
	memcpy(row->idempotency_key, ev->idempotency_key, sizeof row->idempotency_key);
	row->time = ev->time ? ev->time : now;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_usage_record(authkit_ctx *ctx, const authkit_usage_event *ev, int *duplicate_out)
{
	ak_clear_error();
	if (duplicate_out)
		*duplicate_out = 0;
	if (!ctx)
		return ak_fail(AUTHKIT_EINVALID, "ctx must not be NULL");
	AK_NEED_SLOT(ctx, usage_insert);
	authkit_store_usage row;
	int rc = event_row(ev, 0, ak_now(ctx), &row);
	if (rc)
		return rc;
	int dup = 0;
	rc = ctx->store->usage_insert(ctx->store, &row, &dup);
	if (rc)
		return rc;
	if (duplicate_out)
		*duplicate_out = dup ? 1 : 0;
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int) authkit_usage_record_batch(authkit_ctx *ctx, const authkit_usage_event *const *events, size_t n,
                                               size_t *inserted_out)
{
	ak_clear_error();
	if (inserted_out)
		*inserted_out = 0;
	if (!ctx || !events)
		return ak_fail(AUTHKIT_EINVALID, "ctx and events must not be NULL");
	if (n < 1 || n > AUTHKIT_USAGE_BATCH_MAX)
		return ak_fail(AUTHKIT_EINVALID, "n must be between 1 and %d", AUTHKIT_USAGE_BATCH_MAX);
	AK_NEED_SLOT(ctx, usage_insert);
	int64_t now = ak_now(ctx);
	authkit_store_usage row;
	for (size_t i = 0; i < n; i++) {
		int rc = event_row(events[i], i, now, &row);
		if (rc)
			return rc;
	}
	int rc = ak_txn_begin(ctx);
	if (rc)
		return rc;
	size_t inserted = 0;
	for (size_t i = 0; i < n && rc == AUTHKIT_OK; i++) {
		int dup = 0;
		event_row(events[i], i, now, &row);
		rc = ctx->store->usage_insert(ctx->store, &row, &dup);
		if (rc == AUTHKIT_OK && !dup)
			inserted++;
	}
	rc = ak_txn_end(ctx, rc);
	if (rc == AUTHKIT_OK && inserted_out)
		*inserted_out = inserted;
	return rc;
}
