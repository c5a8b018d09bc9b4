/* authkit_principal: who a verified credential speaks for. */
#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

struct authkit_principal {
	int64_t user_id;
	int64_t expires_at;
	char session_id[AK_JWT_SID_MAX + 1];
	char jti[AK_JWT_JTI_MAX + 1];
	char kind[AK_JWT_KIND_MAX];
	size_t role_count;
	char roles_buf[AK_JWT_ROLES_MAX]; /* roles, NUL-separated */
	const char *roles[AUTHKIT_ROLES_PER_USER_MAX];
	size_t scope_count;
	char scopes_buf[AUTHKIT_STORE_SCOPES_BYTES]; /* API-key scopes, NUL-separated */
	const char *scopes[AK_PRINCIPAL_SCOPES_MAX];
};

static bool role_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
	       c == ':' || c == '-';
}

int ak_roles_validate(const char *roles, size_t *count_out)
{
	size_t count = 0;
	*count_out = 0;
	if (!roles)
		return AUTHKIT_OK;
	if (strnlen(roles, AK_JWT_ROLES_MAX) >= AK_JWT_ROLES_MAX)
		return ak_fail(AUTHKIT_EINVALID, "roles are too long");
	for (const char *p = roles; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t n = 0;
		while (p[n] && p[n] != ' ') {
			if (!role_char(p[n]))
				return ak_fail(AUTHKIT_EINVALID, "roles must be space-separated A-Z a-z 0-9 _ . : -");
			n++;
		}
		if (n > AUTHKIT_ROLE_MAX)
			return ak_fail(AUTHKIT_EINVALID, "a role is longer than %d characters", AUTHKIT_ROLE_MAX);
		if (++count > AUTHKIT_ROLES_PER_USER_MAX)
			return ak_fail(AUTHKIT_EINVALID, "more than %d roles", AUTHKIT_ROLES_PER_USER_MAX);
		p += n;
	}
	*count_out = count;
	return AUTHKIT_OK;
}

int ak_principal_new(int64_t user_id, const char *session_id, const char *kind, int64_t expires_at,
                     const char *roles, authkit_principal **out)
{
	if (!out)
		return ak_fail(AUTHKIT_EINVALID, "out is NULL");
	*out = NULL;
	if (user_id <= 0)
		return ak_fail(AUTHKIT_EINVALID, "user_id must be positive");
	if (session_id && strnlen(session_id, AK_JWT_SID_MAX + 1) > AK_JWT_SID_MAX)
		return ak_fail(AUTHKIT_EINVALID, "session_id is too long");
	if (!kind || !kind[0] || strnlen(kind, AK_JWT_KIND_MAX) >= AK_JWT_KIND_MAX)
		return ak_fail(AUTHKIT_EINVALID, "kind must be 1-%d characters", AK_JWT_KIND_MAX - 1);
	size_t count = 0;
	int rc = ak_roles_validate(roles, &count);
	if (rc)
		return rc;
	authkit_principal *p = calloc(1, sizeof *p);
	if (!p)
		return ak_fail(AUTHKIT_ENOMEM, "principal allocation failed");
	p->user_id = user_id;
	p->expires_at = expires_at;
	if (session_id)
		ak_strlcpy(p->session_id, session_id, sizeof p->session_id);
	ak_strlcpy(p->kind, kind, sizeof p->kind);
	if (roles) {
		ak_strlcpy(p->roles_buf, roles, sizeof p->roles_buf);
		for (char *r = p->roles_buf; *r;) {
			if (*r == ' ') {
				*r++ = '\0';
				continue;
			}
			p->roles[p->role_count++] = r;
			r += strcspn(r, " ");
		}
	}
	*out = p;
	return AUTHKIT_OK;
}

int ak_principal_set_jti(authkit_principal *p, const char *jti)
{
	if (jti && strnlen(jti, AK_JWT_JTI_MAX + 1) > AK_JWT_JTI_MAX)
		return ak_fail(AUTHKIT_EINVALID, "jti is too long");
	ak_strlcpy(p->jti, jti ? jti : "", sizeof p->jti);
	return AUTHKIT_OK;
}

int ak_principal_set_scopes(authkit_principal *p, const char *scopes)
{
	p->scope_count = 0;
	memset(p->scopes_buf, 0, sizeof p->scopes_buf);
	if (!scopes)
		return AUTHKIT_OK;
	if (strnlen(scopes, sizeof p->scopes_buf) >= sizeof p->scopes_buf)
		return ak_fail(AUTHKIT_EINVALID, "scopes are too long");
	ak_strlcpy(p->scopes_buf, scopes, sizeof p->scopes_buf);
	for (char *r = p->scopes_buf; *r;) {
		if (*r == ' ') {
			*r++ = '\0';
			continue;
		}
		if (p->scope_count == AK_PRINCIPAL_SCOPES_MAX) {
			p->scope_count = 0;
			return ak_fail(AUTHKIT_EINVALID, "more than %d scopes", AK_PRINCIPAL_SCOPES_MAX);
		}
		p->scopes[p->scope_count++] = r;
		r += strcspn(r, " ");
	}
	return AUTHKIT_OK;
}

AUTHKIT_EXTERN(int64_t) authkit_principal_user_id(const authkit_principal *p) { return p ? p->user_id : 0; }
AUTHKIT_EXTERN(const char *) authkit_principal_session_id(const authkit_principal *p) { return p ? p->session_id : ""; }
AUTHKIT_EXTERN(int64_t) authkit_principal_expires_at(const authkit_principal *p) { return p ? p->expires_at : 0; }
AUTHKIT_EXTERN(const char *) authkit_principal_jti(const authkit_principal *p) { return p ? p->jti : ""; }
AUTHKIT_EXTERN(const char *) authkit_principal_kind(const authkit_principal *p) { return p ? p->kind : ""; }
AUTHKIT_EXTERN(size_t) authkit_principal_role_count(const authkit_principal *p) { return p ? p->role_count : 0; }

AUTHKIT_EXTERN(const char *) authkit_principal_role(const authkit_principal *p, size_t i)
{
	return p && i < p->role_count ? p->roles[i] : NULL;
}

AUTHKIT_EXTERN(int) authkit_principal_has_role(const authkit_principal *p, const char *role)
{
	if (!p || !role)
		return 0;
	for (size_t i = 0; i < p->role_count; i++)
		if (strcmp(p->roles[i], role) == 0)
			return 1;
	return 0;
}

AUTHKIT_EXTERN(size_t) authkit_principal_scope_count(const authkit_principal *p) { return p ? p->scope_count : 0; }

AUTHKIT_EXTERN(const char *) authkit_principal_scope(const authkit_principal *p, size_t i)
{
	return p && i < p->scope_count ? p->scopes[i] : NULL;
}

AUTHKIT_EXTERN(int) authkit_principal_has_scope(const authkit_principal *p, const char *scope)
{
	if (!p || !scope)
		return 0;
	for (size_t i = 0; i < p->scope_count; i++)
		if (strcmp(p->scopes[i], scope) == 0)
			return 1;
	return 0;
}

AUTHKIT_EXTERN(void) authkit_principal_free(authkit_principal *p)
{
	free(p);
}
