#include "core/internal.h"

AUTHKIT_EXTERN(const char *) authkit_version_string(void)
{
	return AUTHKIT_VERSION;
}

AUTHKIT_EXTERN(int) authkit_version_number(void)
{
	return AUTHKIT_VERSION_MAJOR * 10000 + AUTHKIT_VERSION_MINOR * 100 + AUTHKIT_VERSION_PATCH;
}
