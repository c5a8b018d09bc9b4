/* Built without libpq (meson -Dpostgres=disabled, or libpq not found): the
 * entry point exists, so the ABI is the same, and says why it cannot work. */
#include "core/internal.h"

AUTHKIT_EXTERN(int) authkit_store_postgres_open(authkit_store **out, const char *conninfo, int pool_size,
                                                int timeout_ms)
{
	(void)conninfo;
	(void)pool_size;
	(void)timeout_ms;
	ak_clear_error();
	if (out)
		*out = NULL;
	return ak_fail(AUTHKIT_ECONFIG, "this libauthkit was built without PostgreSQL support (meson -Dpostgres)");
}
