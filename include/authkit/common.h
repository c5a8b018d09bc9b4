/*
 * libauthkit — common definitions: export macro, status codes, errors.
 *
 * Every function returns an int status: AUTHKIT_OK (0) or a negative
 * AUTHKIT_E* code. Control flow depends on the code only; the detail
 * message from authkit_error_last() is for humans and logs.
 */
#ifndef AUTHKIT_COMMON_H
#define AUTHKIT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(AUTHKIT_BUILDING) && defined(__GNUC__)
#define AUTHKIT_EXTERN(type) __attribute__((visibility("default"))) type
#else
#define AUTHKIT_EXTERN(type) extern type
#endif

/** Status codes. Stable: values never change once released. */
typedef enum {
	AUTHKIT_OK = 0,
	AUTHKIT_EINVALID = -1,      /**< an argument is NULL, empty, too long, not UTF-8 or out of range */
	AUTHKIT_ENOMEM = -2,        /**< out of memory */
	AUTHKIT_ESTORE = -3,        /**< the storage backend failed; nothing was changed */
	AUTHKIT_ENOTFOUND = -4,     /**< no such user (or other object) */
	AUTHKIT_EEXISTS = -5,       /**< unique value already taken (username, email, ...) */
	AUTHKIT_EAUTH = -6,         /**< credentials rejected: unknown user, wrong password, locked or inactive */
	AUTHKIT_EPASSWORD = -7,     /**< password rejected by the policy */
	AUTHKIT_EEXPIRED = -8,      /**< token or session expired */
	AUTHKIT_EREVOKED = -9,      /**< token or session revoked */
	AUTHKIT_EREUSE = -10,       /**< a rotated refresh token was presented again */
	AUTHKIT_EVERSION = -11,     /**< unknown struct, vtable or schema version */
	AUTHKIT_ECRYPTO = -12,      /**< a cryptographic operation failed (bad key, tampered data) */
	AUTHKIT_ELIMIT = -13,       /**< quota or rate limit reached */
	AUTHKIT_ETOKEN = -14,       /**< malformed or unverifiable token */
	AUTHKIT_EBUSY = -15,        /**< the store was busy past its timeout */
	AUTHKIT_ECONFIG = -16       /**< configuration missing or rejected */
} authkit_status;

/** Static English description of a status code; never NULL. */
AUTHKIT_EXTERN(const char *) authkit_strerror(int code);

/**
 * Detail message of the last failing call on this thread; never NULL,
 * never contains a secret. Valid until the next libauthkit call on this
 * thread.
 */
AUTHKIT_EXTERN(const char *) authkit_error_last(void);

/** Version of the library actually linked, e.g. "0.1.0". */
AUTHKIT_EXTERN(const char *) authkit_version_string(void);
AUTHKIT_EXTERN(int) authkit_version_number(void); /**< major*10000 + minor*100 + patch */

#ifdef __cplusplus
}
#endif
#endif
