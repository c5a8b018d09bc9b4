/* Claim checks of a decoded payload (SECURITY.md, libjwt rule 5). libjwt
 * reads integers leniently, so the payload is parsed here with jansson,
 * duplicate keys rejected, and every type is checked. */
#include <jansson.h>
#include <string.h>

#include "token/token_internal.h"

#define REJECT(...) ak_fail(AUTHKIT_ETOKEN, "token rejected: " __VA_ARGS__)

/* A JSON string equal (length and bytes) to want; embedded NULs never match. */
static bool str_equals(const json_t *v, const char *want)
{
	return json_is_string(v) && json_string_length(v) == strlen(want) &&
	       memcmp(json_string_value(v), want, json_string_length(v)) == 0;
}

static int get_time(const json_t *payload, const char *name, bool required, int64_t *out)
{
	const json_t *v = json_object_get(payload, name);
	*out = 0;
	if (!v)
		return required ? REJECT("%s missing", name) : AUTHKIT_OK;
	if (!json_is_integer(v))
		return REJECT("%s is not a JSON integer", name);
	json_int_t t = json_integer_value(v);
	if (t < 0 || t > AK_JWT_TIME_MAX)
		return REJECT("%s out of range", name);
	*out = (int64_t)t;
	return AUTHKIT_OK;
}

static int check_aud(const json_t *aud, const char *ours)
{
	if (!aud)
		return REJECT("aud missing");
	if (json_is_string(aud))
		return str_equals(aud, ours) ? AUTHKIT_OK : REJECT("aud does not match");
	if (!json_is_array(aud) || json_array_size(aud) == 0)
		return REJECT("aud is not a string or a non-empty array");
	bool found = false;
	size_t i;
	const json_t *v;
	json_array_foreach(aud, i, v) {
		if (!json_is_string(v))
			return REJECT("aud array holds a non-string");
		found = found || str_equals(v, ours);
	}
	return found ? AUTHKIT_OK : REJECT("aud does not match");
}

/* sub: the user id as a canonical positive decimal int64 string. */
static int check_sub(const json_t *sub, int64_t *user_id)
{
	if (!sub)
		return REJECT("sub missing");
	if (!json_is_string(sub))
		return REJECT("sub is not a string");
	const char *s = json_string_value(sub);
	size_t n = json_string_length(sub);
	if (n == 0 || n > 19 || s[0] == '0')
		return REJECT("sub is not a user id");
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return REJECT("sub is not a user id");
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return REJECT("sub is not a user id");
	*user_id = (int64_t)v;
	return AUTHKIT_OK;
}

/* Optional sid / required jti: base64url-charset strings of bounded length. */
static int get_id(const json_t *payload, const char *name, bool required, char *out, size_t max)
{
	const json_t *v = json_object_get(payload, name);
	out[0] = '\0';
	if (!v)
		return required ? REJECT("%s missing", name) : AUTHKIT_OK;
	size_t n = json_is_string(v) ? json_string_length(v) : 0;
	if (n == 0 || n > max || !ak_b64url_chars(json_string_value(v), n))
		return REJECT("%s is malformed", name);
	memcpy(out, json_string_value(v), n);
	out[n] = '\0';
	return AUTHKIT_OK;
}

static int get_roles(const json_t *payload, char *out, size_t size)
{
	const json_t *roles = json_object_get(payload, "roles");
	out[0] = '\0';
	if (!roles)
		return AUTHKIT_OK;
	if (!json_is_array(roles) || json_array_size(roles) > AUTHKIT_ROLES_PER_USER_MAX)
		return REJECT("roles is not an array of at most %d roles", AUTHKIT_ROLES_PER_USER_MAX);
	size_t i, used = 0;
	const json_t *v;
	json_array_foreach(roles, i, v) {
		size_t n = json_is_string(v) ? json_string_length(v) : 0;
		const char *r = json_string_value(v);
		if (n == 0 || n > AUTHKIT_ROLE_MAX || strlen(r) != n || strchr(r, ' ') || used + n + 2 > size)
			return REJECT("roles holds a malformed role");
		if (used)
			out[used++] = ' ';
		memcpy(out + used, r, n);
		used += n;
		out[used] = '\0';
	}
	size_t count;
	if (ak_roles_validate(out, &count) != AUTHKIT_OK) {
		out[0] = '\0';
		return REJECT("roles holds a malformed role");
	}
	return AUTHKIT_OK;
}

static int check_object(const struct ak_token_state *st, const json_t *payload, int64_t now, ak_claims *c)
{
	int64_t nbf = 0;
	int rc;
	if ((rc = get_time(payload, "exp", true, &c->exp)) || (rc = get_time(payload, "iat", true, &c->iat)) ||
	    (rc = get_time(payload, "nbf", false, &nbf)))
		return rc;
	bool has_nbf = json_object_get(payload, "nbf") != NULL;
	if (now - st->leeway > c->exp)
		return ak_fail(AUTHKIT_EEXPIRED, "token rejected: expired (exp)");
	if (has_nbf && nbf > now + st->leeway)
		return REJECT("not yet valid (nbf)");
	if (c->iat > now + st->leeway)
		return REJECT("issued in the future (iat)");
	c->not_before = has_nbf && nbf > c->iat ? nbf : c->iat;
	const json_t *iss = json_object_get(payload, "iss");
	if (!iss)
		return REJECT("iss missing");
	if (!str_equals(iss, st->issuer))
		return REJECT("iss does not match");
	if ((rc = check_aud(json_object_get(payload, "aud"), st->audience)) ||
	    (rc = check_sub(json_object_get(payload, "sub"), &c->user_id)))
		return rc;
	const json_t *use = json_object_get(payload, "token_use");
	if (!use)
		return REJECT("token_use missing");
	if (!str_equals(use, AK_JWT_KIND_ACCESS))
		return REJECT("token_use is not access");
	if ((rc = get_id(payload, "sid", false, c->sid, AK_JWT_SID_MAX)) ||
	    (rc = get_id(payload, "jti", true, c->jti, AK_JWT_JTI_MAX)))
		return rc;
	return get_roles(payload, c->roles, sizeof c->roles);
}

int ak_token_check_claims(const struct ak_token_state *st, const struct json_t *payload, int64_t now,
                          ak_claims *out)
{
	memset(out, 0, sizeof *out);
	int rc = json_is_object(payload) ? check_object(st, payload, now, out) : REJECT("payload is not an object");
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}

int ak_token_check_payload(const struct ak_token_state *st, const char *json, size_t len, int64_t now,
                           ak_claims *out)
{
	memset(out, 0, sizeof *out);
	json_error_t err;
	json_t *payload = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	if (!payload)
		return REJECT("payload is not JSON without duplicate keys");
	int rc = ak_token_check_claims(st, payload, now, out);
	json_decref(payload);
	return rc;
}
