/*
 * The shipped list of common passwords: a sorted table generated at build
 * time from data/common-passwords.txt (see gen_common_passwords.py), searched
 * with bsearch on the ASCII-lower-cased candidate.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "crypto/common_passwords_table.h"

static int compare_entry(const void *key, const void *member)
{
	return strcmp((const char *)key, ak_common_blob + *(const uint32_t *)member);
}

bool ak_common_password_contains(const char *password)
{
	/* Longer than every entry cannot match: no copy, no search. */
	if (!password || strnlen(password, AK_COMMON_MAX_LEN + 1) > AK_COMMON_MAX_LEN)
		return false;
	char lower[AK_COMMON_MAX_LEN + 1];
	if (!ak_ascii_lower(lower, sizeof lower, password))
		return false;
	bool found = bsearch(lower, ak_common_offsets, AK_COMMON_COUNT, sizeof ak_common_offsets[0],
	                     compare_entry) != NULL;
	/* The candidate is (nearly) a password: do not leave it on the stack. */
	sodium_memzero(lower, sizeof lower);
	return found;
}

size_t ak_common_password_count(void)
{
	return AK_COMMON_COUNT;
}
