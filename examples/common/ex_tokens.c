/* The token API both example servers share (ex_common.h, "Token API"). */
#include "ex_common.h"

json_t *ex_token_pair_json(ex_request *req, const authkit_login_result *l)
{
	int64_t expires_in = authkit_login_access_expires_at(l) - authkit_ctx_now_ms(ex_req_ctx(req)) / 1000;
	return json_pack("{s:s, s:s, s:s, s:I}", "access_token", authkit_login_access_token(l), "refresh_token",
	                 authkit_login_refresh_token(l), "token_type", "bearer", "expires_in",
	                 (json_int_t)(expires_in > 0 ? expires_in : 0));
}

void ex_route_refresh(ex_request *req, void *userdata)
{
	(void)userdata;
	const char *refresh = ex_req_field(req, "refresh_token");
	if (!refresh) {
		ex_reply_error(req, 400, "invalid", "refresh_token is required");
		return;
	}
	authkit_login_result *l = NULL;
	int rc = authkit_refresh(ex_req_ctx(req), refresh, ex_req_ip(req), &l);
	if (rc == AUTHKIT_OK)
		ex_reply_json(req, 200, ex_token_pair_json(req, l)); /* NULL (no memory) becomes a 500 */
	else /* reuse of a rotated token (EREUSE) has already revoked the session */
		ex_reply_status(req, rc == AUTHKIT_EINVALID ? AUTHKIT_ETOKEN : rc);
	authkit_login_free(l);
}
