/* conformance_tcase(): every conformance test, looped over the backends. */
#include "conformance/internal.h"

TCase *conformance_tcase(const conformance_backend *backends, int count)
{
	conformance_backends = backends;
	TCase *tc = tcase_create("conformance");
	conformance_add_users(tc, count);
	conformance_add_sessions(tc, count);
	conformance_add_keys(tc, count);
	conformance_add_usage(tc, count);
	conformance_add_faults(tc, count);
	return tc;
}
