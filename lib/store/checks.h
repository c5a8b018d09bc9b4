/*
 * Argument checks every backend makes the same way before touching its
 * database (the vtable contract: bad input changes nothing).
 */
#ifndef AK_STORE_CHECKS_H
#define AK_STORE_CHECKS_H

#include <stdbool.h>
#include <string.h>

/* s (not NULL) fits a buffer of size bytes, NUL included. */
static inline bool ak_store_fits(const char *s, size_t size)
{
	return strnlen(s, size) < size;
}

/* A key: not NULL, not empty, fits a buffer of size bytes. */
static inline bool ak_store_key_ok(const char *s, size_t size)
{
	return s && *s && ak_store_fits(s, size);
}

#endif
