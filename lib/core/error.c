/* Status codes and the thread-local detail message. */
#include <stdarg.h>
#include <stdio.h>

#include "core/internal.h"

#define AK_ERROR_BYTES 256

static _Thread_local char last_error[AK_ERROR_BYTES];

int ak_fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof last_error, fmt, ap);
	va_end(ap);
	return code;
}

void ak_clear_error(void)
{
	last_error[0] = '\0';
}

AUTHKIT_EXTERN(const char *) authkit_error_last(void)
{
	return last_error;
}

AUTHKIT_EXTERN(const char *) authkit_strerror(int code)
{
	switch (code) {
	case AUTHKIT_OK: return "success";
	case AUTHKIT_EINVALID: return "invalid argument";
	case AUTHKIT_ENOMEM: return "out of memory";
	case AUTHKIT_ESTORE: return "storage failure";
	case AUTHKIT_ENOTFOUND: return "not found";
	case AUTHKIT_EEXISTS: return "already exists";
	case AUTHKIT_EAUTH: return "invalid credentials";
	case AUTHKIT_EPASSWORD: return "password rejected by policy";
	case AUTHKIT_EEXPIRED: return "expired";
	case AUTHKIT_EREVOKED: return "revoked";
	case AUTHKIT_EREUSE: return "token reuse detected";
	case AUTHKIT_EVERSION: return "unsupported version";
	case AUTHKIT_ECRYPTO: return "cryptographic failure";
	case AUTHKIT_ELIMIT: return "limit reached";
	case AUTHKIT_ETOKEN: return "invalid token";
	case AUTHKIT_EBUSY: return "store busy";
	case AUTHKIT_ECONFIG: return "invalid configuration";
	default: return "unknown status";
	}
}
