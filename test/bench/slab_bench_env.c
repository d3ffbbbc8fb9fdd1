/* Environment of the slab benchmark: the test-only page provider for now. */
#include "../host/slab/slab_test.h"

int slab_bench_env_init(void)
{
	return slab_test_env_init();
}
