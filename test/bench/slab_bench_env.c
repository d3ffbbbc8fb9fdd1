/* Environment of the slab benchmark: the real page allocator (see test/host/slab/slab_env.c). */
#include "../host/slab/slab_test.h"

int slab_bench_env_init(void)
{
	return slab_test_env_init();
}
