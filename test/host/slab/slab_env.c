/*
 * Environment of the slab tests and benchmark: the real page allocator.
 * A two-node machine (node 0: 1 MiB .. 64 MiB, node 1: 64 MiB .. 128 MiB)
 * is brought up with mm_init() on a fresh host arena, then the slab layer
 * with kmem_cache_init().
 */
#include "slab_test.h"
#include "mm/page_alloc.h"
#include "mneme/bootinfo.h"

#define MiB (1ULL << 20)

static void add_range(struct mneme_boot_info *bi, uint64_t base, uint64_t size, unsigned nid)
{
	bi->ranges[bi->nr_ranges++] = (struct mneme_mem_range){ base, size, MNEME_MEM_USABLE, nid };
}

static void quiet(const char *text)
{
	(void)text;
}

int slab_test_env_init(void)
{
	static struct mneme_boot_info bi;
	int err;

	memset(&bi, 0, sizeof(bi));
	bi.magic = MNEME_BOOTINFO_MAGIC;
	bi.version = MNEME_BOOTINFO_VERSION;
	bi.size = sizeof(bi);
	bi.arch = MNEME_ARCH_X86_64;
	bi.page_shift = 12;
	bi.phys_addr_bits = 46;
	bi.nr_cpus = 4;
	add_range(&bi, 1 * MiB, 63 * MiB, 0);
	add_range(&bi, 64 * MiB, 64 * MiB, 1);
	if (mm_host_arena_init(128 * MiB))
		return -1;
	mm_init_verbose = false;
	mm_host_set_print_sink(quiet);
	err = mm_init(&bi);
	mm_host_set_print_sink(NULL);
	if (err) {
		fprintf(stderr, "mm_init: %d\n", err);
		return err;
	}
	return kmem_cache_init();
}

unsigned long slab_test_free_pages(void)
{
	return nr_free_pages() + nr_pcp_pages();
}
