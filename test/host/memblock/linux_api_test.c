/*
 * Compatibility test: memblock checks written the way Linux's
 * tools/testing/memblock tests are written -- reset the lists, register
 * a block of simulated memory, call the Linux 6.1 API, compare region
 * layouts -- against nothing but <linux/memblock.h>.  If this file
 * compiles and passes unmodified, code written against Linux's memblock
 * works with mneme's.
 *
 * The harness (linux_main.c) provides the simulated physical memory, as
 * Linux's tests/common.c does.
 */
#include <linux/memblock.h>

/* From the harness: physical base of MEM_SIZE bytes of usable memory. */
phys_addr_t dummy_physical_memory_base(void);
int memblock_linux_basic_checks(void);
int memblock_linux_alloc_checks(void);

#define MEM_SIZE SZ_16M

static int nr_failed;

#define ASSERT_EQ(a, b) do {							\
	unsigned long long _a = (unsigned long long)(a);			\
	unsigned long long _b = (unsigned long long)(b);			\
	if (_a != _b) {								\
		pr_err("%s:%d: %s: ASSERT_EQ(%s, %s): 0x%llx != 0x%llx\n",	\
		       __FILE__, __LINE__, __func__, #a, #b, _a, _b);		\
		nr_failed++;							\
		return -1;							\
	}									\
} while (0)
#define ASSERT_NE(a, b) do {							\
	if ((unsigned long long)(a) == (unsigned long long)(b)) {		\
		pr_err("%s:%d: %s: ASSERT_NE(%s, %s)\n", __FILE__, __LINE__,	\
		       __func__, #a, #b);					\
		nr_failed++;							\
		return -1;							\
	}									\
} while (0)
#define ASSERT_LE(a, b) do {							\
	if (!((a) <= (b))) {							\
		pr_err("%s:%d: %s: ASSERT_LE(%s, %s)\n", __FILE__, __LINE__,	\
		       __func__, #a, #b);					\
		nr_failed++;							\
		return -1;							\
	}									\
} while (0)

static void reset_memblock_regions(void)
{
	memset(memblock.memory.regions, 0, memblock.memory.cnt * sizeof(struct memblock_region));
	memblock.memory.cnt = 1;
	memblock.memory.max = INIT_MEMBLOCK_REGIONS;
	memblock.memory.total_size = 0;

	memset(memblock.reserved.regions, 0, memblock.reserved.cnt * sizeof(struct memblock_region));
	memblock.reserved.cnt = 1;
	memblock.reserved.max = INIT_MEMBLOCK_RESERVED_REGIONS;
	memblock.reserved.total_size = 0;
}

static void reset_memblock_attributes(void)
{
	memblock.memory.name = "memory";
	memblock.reserved.name = "reserved";
	memblock.bottom_up = false;
	memblock.current_limit = MEMBLOCK_ALLOC_ANYWHERE;
}

static void setup_memblock(void)
{
	reset_memblock_regions();
	memblock_add(dummy_physical_memory_base(), MEM_SIZE);
}

static bool mem_is(const void *p, unsigned char byte, size_t size)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < size; i++)
		if (c[i] != byte)
			return false;
	return true;
}

/* ------------------------------------------------------------ basic API */

static int memblock_initialization_check(void)
{
	reset_memblock_regions();
	reset_memblock_attributes();
	ASSERT_NE(memblock.memory.regions, NULL);
	ASSERT_EQ(memblock.memory.cnt, 1);
	ASSERT_EQ(memblock.memory.max, INIT_MEMBLOCK_REGIONS);
	ASSERT_EQ(strcmp(memblock.memory.name, "memory"), 0);
	ASSERT_NE(memblock.reserved.regions, NULL);
	ASSERT_EQ(memblock.reserved.cnt, 1);
	ASSERT_EQ(memblock.reserved.max, INIT_MEMBLOCK_RESERVED_REGIONS);
	ASSERT_EQ(strcmp(memblock.reserved.name, "reserved"), 0);
	ASSERT_EQ(memblock.bottom_up, false);
	ASSERT_EQ(memblock.current_limit, MEMBLOCK_ALLOC_ANYWHERE);
	return 0;
}

static int memblock_add_simple_check(void)
{
	struct memblock_region *rgn = &memblock.memory.regions[0];
	struct region { phys_addr_t base, size; } r = { SZ_1G, SZ_4M };

	reset_memblock_regions();
	memblock_add(r.base, r.size);
	ASSERT_EQ(rgn->base, r.base);
	ASSERT_EQ(rgn->size, r.size);
	ASSERT_EQ(memblock.memory.cnt, 1);
	ASSERT_EQ(memblock.memory.total_size, r.size);
	return 0;
}

static int memblock_add_node_simple_check(void)
{
	struct memblock_region *rgn = &memblock.memory.regions[0];

	reset_memblock_regions();
	memblock_add_node(SZ_1M, SZ_16M, 1, MEMBLOCK_HOTPLUG);
	ASSERT_EQ(rgn->base, SZ_1M);
	ASSERT_EQ(rgn->size, SZ_16M);
	ASSERT_EQ(rgn->nid, 1);
	ASSERT_EQ(rgn->flags, MEMBLOCK_HOTPLUG);
	ASSERT_EQ(memblock.memory.cnt, 1);
	ASSERT_EQ(memblock.memory.total_size, SZ_16M);
	return 0;
}

static int memblock_add_disjoint_check(void)
{
	struct memblock_region *rgn1 = &memblock.memory.regions[0];
	struct memblock_region *rgn2 = &memblock.memory.regions[1];

	reset_memblock_regions();
	memblock_add(SZ_1G, SZ_8K);
	memblock_add(SZ_1G + SZ_1M, SZ_16K);
	ASSERT_EQ(rgn1->base, SZ_1G);
	ASSERT_EQ(rgn1->size, SZ_8K);
	ASSERT_EQ(rgn2->base, SZ_1G + SZ_1M);
	ASSERT_EQ(rgn2->size, SZ_16K);
	ASSERT_EQ(memblock.memory.cnt, 2);
	ASSERT_EQ(memblock.memory.total_size, SZ_8K + SZ_16K);
	return 0;
}

static int memblock_add_overlap_top_check(void)
{
	struct memblock_region *rgn = &memblock.memory.regions[0];

	/* r2 starts below r1 and ends inside it */
	reset_memblock_regions();
	memblock_add(SZ_512M, SZ_1G);
	memblock_add(SZ_256M, SZ_512M);
	ASSERT_EQ(rgn->base, SZ_256M);
	ASSERT_EQ(rgn->size, SZ_1G + SZ_256M);
	ASSERT_EQ(memblock.memory.cnt, 1);
	ASSERT_EQ(memblock.memory.total_size, SZ_1G + SZ_256M);
	return 0;
}

static int memblock_add_overlap_bottom_check(void)
{
	struct memblock_region *rgn = &memblock.memory.regions[0];

	/* r2 starts inside r1 and ends above it */
	reset_memblock_regions();
	memblock_add(SZ_128M, SZ_512M);
	memblock_add(SZ_256M, SZ_1G);
	ASSERT_EQ(rgn->base, SZ_128M);
	ASSERT_EQ(rgn->size, SZ_1G + SZ_128M);
	ASSERT_EQ(memblock.memory.cnt, 1);
	return 0;
}

static int memblock_add_within_check(void)
{
	struct memblock_region *rgn = &memblock.memory.regions[0];

	reset_memblock_regions();
	memblock_add(SZ_8M, SZ_32M);
	memblock_add(SZ_16M, SZ_1M);
	ASSERT_EQ(rgn->base, SZ_8M);
	ASSERT_EQ(rgn->size, SZ_32M);
	ASSERT_EQ(memblock.memory.cnt, 1);
	ASSERT_EQ(memblock.memory.total_size, SZ_32M);
	return 0;
}

static int memblock_add_twice_check(void)
{
	reset_memblock_regions();
	memblock_add(SZ_2M, SZ_2M);
	memblock_add(SZ_2M, SZ_2M);
	ASSERT_EQ(memblock.memory.cnt, 1);
	ASSERT_EQ(memblock.memory.total_size, SZ_2M);
	return 0;
}

static int memblock_add_between_check(void)
{
	struct memblock_region *rgn = &memblock.memory.regions[0];

	/* a region exactly filling the gap joins its neighbours */
	reset_memblock_regions();
	memblock_add(SZ_1G, SZ_8K);
	memblock_add(SZ_1G + SZ_16K, SZ_8K);
	memblock_add(SZ_1G + SZ_8K, SZ_8K);
	ASSERT_EQ(rgn->base, SZ_1G);
	ASSERT_EQ(rgn->size, SZ_16K + SZ_8K);
	ASSERT_EQ(memblock.memory.cnt, 1);
	return 0;
}

static int memblock_add_near_max_check(void)
{
	struct memblock_region *rgn = &memblock.memory.regions[0];
	phys_addr_t base = PHYS_ADDR_MAX - SZ_1M;

	/* base + size would wrap: the size is cut at the end of the address space */
	reset_memblock_regions();
	memblock_add(base, SZ_2M);
	ASSERT_EQ(rgn->base, base);
	ASSERT_EQ(rgn->size, PHYS_ADDR_MAX - base);
	ASSERT_EQ(memblock.memory.total_size, PHYS_ADDR_MAX - base);
	return 0;
}

static int memblock_reserve_checks(void)
{
	struct memblock_region *r = memblock.reserved.regions;

	reset_memblock_regions();
	memblock_reserve(SZ_2G, SZ_128M);
	ASSERT_EQ(r[0].base, SZ_2G);
	ASSERT_EQ(r[0].size, SZ_128M);
	/* disjoint below */
	memblock_reserve(SZ_256M, SZ_16M);
	ASSERT_EQ(memblock.reserved.cnt, 2);
	ASSERT_EQ(r[0].base, SZ_256M);
	ASSERT_EQ(r[1].base, SZ_2G);
	/* overlapping the top of the first, the bottom of nothing */
	memblock_reserve(SZ_256M + SZ_8M, SZ_16M);
	ASSERT_EQ(r[0].size, SZ_16M + SZ_8M);
	/* within */
	memblock_reserve(SZ_256M + SZ_1M, SZ_1M);
	ASSERT_EQ(memblock.reserved.cnt, 2);
	ASSERT_EQ(memblock.reserved.total_size, SZ_128M + SZ_16M + SZ_8M);
	/* bridging both */
	memblock_reserve(SZ_256M, SZ_2G);
	ASSERT_EQ(memblock.reserved.cnt, 1);
	ASSERT_EQ(r[0].base, SZ_256M);
	ASSERT_EQ(r[0].size, SZ_2G);
	return 0;
}

static int memblock_remove_simple_check(void)
{
	struct memblock_region *rgn = &memblock.memory.regions[0];

	reset_memblock_regions();
	memblock_add(SZ_2K, SZ_4K);
	memblock_add(SZ_128K, SZ_4M);
	memblock_remove(SZ_2K, SZ_4K);
	ASSERT_EQ(rgn->base, SZ_128K);
	ASSERT_EQ(rgn->size, SZ_4M);
	ASSERT_EQ(memblock.memory.cnt, 1);
	ASSERT_EQ(memblock.memory.total_size, SZ_4M);
	return 0;
}

static int memblock_remove_absent_check(void)
{
	struct memblock_region *rgn = &memblock.memory.regions[0];

	reset_memblock_regions();
	memblock_add(SZ_512K, SZ_4M);
	memblock_remove(SZ_64M, SZ_1G);
	ASSERT_EQ(rgn->base, SZ_512K);
	ASSERT_EQ(rgn->size, SZ_4M);
	ASSERT_EQ(memblock.memory.cnt, 1);
	return 0;
}

static int memblock_remove_overlap_checks(void)
{
	struct memblock_region *rgn = &memblock.memory.regions[0];

	reset_memblock_regions();
	memblock_add(SZ_32M, SZ_32M);
	memblock_remove(SZ_16M, SZ_32M);          /* cuts the bottom */
	ASSERT_EQ(rgn->base, SZ_32M + SZ_16M);
	ASSERT_EQ(rgn->size, SZ_16M);
	memblock_remove(SZ_32M + SZ_16M + SZ_8M, SZ_1G); /* cuts the top */
	ASSERT_EQ(rgn->base, SZ_32M + SZ_16M);
	ASSERT_EQ(rgn->size, SZ_8M);
	ASSERT_EQ(memblock.memory.cnt, 1);
	ASSERT_EQ(memblock.memory.total_size, SZ_8M);
	return 0;
}

static int memblock_remove_within_check(void)
{
	struct memblock_region *rgn1 = &memblock.memory.regions[0];
	struct memblock_region *rgn2 = &memblock.memory.regions[1];

	reset_memblock_regions();
	memblock_add(SZ_1M, SZ_32M);
	memblock_remove(SZ_16M, SZ_1M);
	ASSERT_EQ(rgn1->base, SZ_1M);
	ASSERT_EQ(rgn1->size, SZ_16M - SZ_1M);
	ASSERT_EQ(rgn2->base, SZ_16M + SZ_1M);
	ASSERT_EQ(rgn2->size, SZ_32M + SZ_1M - SZ_16M - SZ_1M);
	ASSERT_EQ(memblock.memory.cnt, 2);
	ASSERT_EQ(memblock.memory.total_size, SZ_32M - SZ_1M);
	return 0;
}

static int memblock_remove_only_region_check(void)
{
	struct memblock_region *rgn = &memblock.memory.regions[0];

	/* removing the last region leaves the empty dummy */
	reset_memblock_regions();
	memblock_add(SZ_2K, SZ_4K);
	memblock_remove(SZ_2K, SZ_4K);
	ASSERT_EQ(rgn->base, 0);
	ASSERT_EQ(rgn->size, 0);
	ASSERT_EQ(memblock.memory.cnt, 1);
	ASSERT_EQ(memblock.memory.total_size, 0);
	return 0;
}

static int memblock_free_checks(void)
{
	struct memblock_region *r = memblock.reserved.regions;

	reset_memblock_regions();
	memblock_reserve(SZ_4M, SZ_1M);
	memblock_reserve(SZ_8M, SZ_1M);
	memblock_phys_free(SZ_4M, SZ_1M);
	ASSERT_EQ(memblock.reserved.cnt, 1);
	ASSERT_EQ(r[0].base, SZ_8M);
	memblock_phys_free(SZ_16M, SZ_1M);          /* absent */
	ASSERT_EQ(memblock.reserved.cnt, 1);
	memblock_phys_free(SZ_8M + SZ_256K, SZ_512K); /* within: split */
	ASSERT_EQ(memblock.reserved.cnt, 2);
	ASSERT_EQ(r[0].size, SZ_256K);
	ASSERT_EQ(r[1].base, SZ_8M + SZ_256K + SZ_512K);
	ASSERT_EQ(r[1].size, SZ_256K);
	memblock_free(__va(SZ_8M), SZ_1M);          /* virtual address */
	ASSERT_EQ(memblock.reserved.cnt, 1);
	ASSERT_EQ(r[0].size, 0);
	ASSERT_EQ(memblock.reserved.total_size, 0);
	return 0;
}

static int memblock_bottom_up_check(void)
{
	memblock_set_bottom_up(false);
	ASSERT_EQ(memblock.bottom_up, false);
	ASSERT_EQ(memblock_bottom_up(), false);
	memblock_set_bottom_up(true);
	ASSERT_EQ(memblock.bottom_up, true);
	ASSERT_EQ(memblock_bottom_up(), true);
	memblock_set_bottom_up(false);
	return 0;
}

static int memblock_trim_memory_check(void)
{
	struct memblock_region *r = memblock.memory.regions;

	reset_memblock_regions();
	memblock_add(SZ_1M + SZ_2K, SZ_8K);          /* unaligned both ends */
	memblock_add(SZ_2M + SZ_1K, SZ_2K);          /* smaller than a page */
	memblock_add(SZ_4M, SZ_16K);                 /* aligned */
	memblock_trim_memory(SZ_4K);
	ASSERT_EQ(memblock.memory.cnt, 2);
	ASSERT_EQ(r[0].base, SZ_1M + SZ_4K);
	ASSERT_EQ(r[0].size, SZ_4K);
	ASSERT_EQ(r[1].base, SZ_4M);
	ASSERT_EQ(r[1].size, SZ_16K);
	return 0;
}

static int memblock_queries_check(void)
{
	phys_addr_t base = dummy_physical_memory_base();

	setup_memblock();
	memblock_reserve(base + SZ_1M, SZ_64K);
	ASSERT_EQ(memblock_start_of_DRAM(), base);
	ASSERT_EQ(memblock_end_of_DRAM(), base + MEM_SIZE);
	ASSERT_EQ(memblock_phys_mem_size(), MEM_SIZE);
	ASSERT_EQ(memblock_reserved_size(), SZ_64K);
	ASSERT_EQ(memblock_is_memory(base + MEM_SIZE - 1), true);
	ASSERT_EQ(memblock_is_memory(base + MEM_SIZE), false);
	ASSERT_EQ(memblock_is_region_memory(base, MEM_SIZE), true);
	ASSERT_EQ(memblock_is_reserved(base + SZ_1M), true);
	ASSERT_EQ(memblock_is_region_reserved(base, SZ_1M), false);
	ASSERT_EQ(memblock_is_region_reserved(base, SZ_1M + 1), true);
	return 0;
}

static int memblock_iterators_check(void)
{
	phys_addr_t base = dummy_physical_memory_base(), start, end;
	unsigned long start_pfn, end_pfn;
	struct memblock_region *rgn;
	int nid, i, n = 0;
	u64 idx;

	setup_memblock();
	memblock_reserve(base + SZ_1M, SZ_1M);
	for_each_free_mem_range(idx, NUMA_NO_NODE, MEMBLOCK_NONE, &start, &end, NULL)
		n++;
	ASSERT_EQ(n, 2);
	ASSERT_EQ(start, base + SZ_2M);
	ASSERT_EQ(end, base + MEM_SIZE);
	for_each_free_mem_range_reverse(idx, NUMA_NO_NODE, MEMBLOCK_NONE, &start, &end, NULL)
		n++;
	ASSERT_EQ(n, 4);
	ASSERT_EQ(start, base);
	ASSERT_EQ(end, base + SZ_1M);
	for_each_mem_range(idx, &start, &end)
		n++;
	for_each_mem_range_rev(idx, &start, &end)
		n++;
	for_each_reserved_mem_range(idx, &start, &end)
		n++;
	ASSERT_EQ(n, 7);
	for_each_mem_pfn_range(i, MAX_NUMNODES, &start_pfn, &end_pfn, &nid) {
		ASSERT_EQ(start_pfn, PFN_DOWN(base));
		ASSERT_EQ(end_pfn, PFN_DOWN(base + MEM_SIZE));
	}
	for_each_mem_region(rgn)
		ASSERT_EQ(memblock_region_memory_base_pfn(rgn), PFN_UP(base));
	for_each_reserved_mem_region(rgn)
		ASSERT_EQ(memblock_region_reserved_end_pfn(rgn), PFN_UP(base + SZ_2M));
	return 0;
}

int memblock_linux_basic_checks(void)
{
	nr_failed = 0;
	memblock_initialization_check();
	memblock_add_simple_check();
	memblock_add_node_simple_check();
	memblock_add_disjoint_check();
	memblock_add_overlap_top_check();
	memblock_add_overlap_bottom_check();
	memblock_add_within_check();
	memblock_add_twice_check();
	memblock_add_between_check();
	memblock_add_near_max_check();
	memblock_reserve_checks();
	memblock_remove_simple_check();
	memblock_remove_absent_check();
	memblock_remove_overlap_checks();
	memblock_remove_within_check();
	memblock_remove_only_region_check();
	memblock_free_checks();
	memblock_bottom_up_check();
	memblock_trim_memory_check();
	memblock_queries_check();
	memblock_iterators_check();
	return nr_failed;
}

/* ------------------------------------------------------------ alloc API */

/* Run @check with top-down, then bottom-up allocation, as Linux's tests do. */
static void run_both(int (*check)(void))
{
	memblock_set_bottom_up(false);
	check();
	memblock_set_bottom_up(true);
	check();
	memblock_set_bottom_up(false);
}

static int alloc_simple_check(void)
{
	struct memblock_region *rgn = &memblock.reserved.regions[0];
	phys_addr_t size = SZ_2, expected;
	void *ptr;

	setup_memblock();
	memset(__va(dummy_physical_memory_base()), 0xa5, SZ_4K);
	memset(__va(memblock_end_of_DRAM() - SZ_4K), 0xa5, SZ_4K);
	ptr = memblock_alloc(size, SMP_CACHE_BYTES);
	ASSERT_NE(ptr, NULL);
	ASSERT_EQ(mem_is(ptr, 0, size), true);
	expected = memblock_bottom_up() ? memblock_start_of_DRAM()
					: memblock_end_of_DRAM() - SMP_CACHE_BYTES;
	ASSERT_EQ(__pa(ptr), expected);
	ASSERT_EQ(rgn->base, expected);
	ASSERT_EQ(rgn->size, size);
	ASSERT_EQ(memblock.reserved.cnt, 1);
	ASSERT_EQ(memblock.reserved.total_size, size);
	return 0;
}

static int alloc_exact_gap_check(void)
{
	struct memblock_region *rgn = &memblock.reserved.regions[0];
	phys_addr_t base = dummy_physical_memory_base();
	void *ptr;

	/* memory is reserved around a gap of exactly the requested size */
	setup_memblock();
	memblock_reserve(base, SZ_1M);
	memblock_reserve(base + SZ_1M + SZ_64K, MEM_SIZE - SZ_1M - SZ_64K);
	ptr = memblock_alloc(SZ_64K, SZ_4K);
	ASSERT_NE(ptr, NULL);
	ASSERT_EQ(__pa(ptr), base + SZ_1M);
	ASSERT_EQ(rgn->base, base);
	ASSERT_EQ(rgn->size, MEM_SIZE);
	ASSERT_EQ(memblock.reserved.cnt, 1);
	/* and then nothing is left */
	ASSERT_EQ(memblock_alloc(SZ_1K, SMP_CACHE_BYTES), NULL);
	ASSERT_EQ(memblock.reserved.total_size, MEM_SIZE);
	return 0;
}

static int alloc_too_large_check(void)
{
	struct memblock_region *rgn = &memblock.reserved.regions[0];

	setup_memblock();
	ASSERT_EQ(memblock_alloc(MEM_SIZE + SZ_2, SMP_CACHE_BYTES), NULL);
	ASSERT_EQ(rgn->size, 0);
	ASSERT_EQ(rgn->base, 0);
	ASSERT_EQ(memblock.reserved.total_size, 0);
	return 0;
}

static int alloc_try_nid_range_check(void)
{
	phys_addr_t base = dummy_physical_memory_base();
	phys_addr_t min_addr = base + SZ_1M, max_addr = base + SZ_2M;
	void *ptr;

	setup_memblock();
	ptr = memblock_alloc_try_nid(SZ_128, SMP_CACHE_BYTES, min_addr, max_addr, NUMA_NO_NODE);
	ASSERT_NE(ptr, NULL);
	ASSERT_EQ(__pa(ptr), memblock_bottom_up() ? min_addr : max_addr - SZ_128);
	/* min_addr beyond the end of memory: retried from 0 */
	ptr = memblock_alloc_try_nid_raw(SZ_128, SMP_CACHE_BYTES, base + MEM_SIZE + SZ_1M,
					 base + MEM_SIZE + SZ_2M, NUMA_NO_NODE);
	ASSERT_NE(ptr, NULL);
	ASSERT_LE(__pa(ptr) + SZ_128, base + MEM_SIZE);
	/* max_addr is capped to the end of memory */
	ptr = memblock_alloc_try_nid(SZ_4K, SZ_4K, min_addr, PHYS_ADDR_MAX, NUMA_NO_NODE);
	ASSERT_NE(ptr, NULL);
	ASSERT_LE(__pa(ptr) + SZ_4K, memblock_end_of_DRAM());
	ASSERT_EQ(memblock.reserved.cnt, 3);
	return 0;
}

static int alloc_from_and_low_check(void)
{
	phys_addr_t base = dummy_physical_memory_base();
	void *ptr;

	setup_memblock();
	ptr = memblock_alloc_from(SZ_4K, SZ_4K, base + SZ_8M);
	ASSERT_NE(ptr, NULL);
	ASSERT_LE(base + SZ_8M, __pa(ptr));
	ptr = memblock_alloc_low(SZ_4K, SZ_4K);
	ASSERT_NE(ptr, NULL);
	ASSERT_LE(__pa(ptr), ARCH_LOW_ADDRESS_LIMIT);
	ptr = memblock_alloc_raw(SZ_4K, SZ_4K);
	ASSERT_NE(ptr, NULL);
	ASSERT_EQ(memblock.reserved.total_size, 3 * SZ_4K);
	return 0;
}

static int alloc_phys_check(void)
{
	phys_addr_t base = dummy_physical_memory_base(), pa;

	setup_memblock();
	memblock_set_current_limit(base + SZ_4M);
	pa = memblock_phys_alloc(SZ_8K, SZ_8K);
	ASSERT_EQ(pa, memblock_bottom_up() ? base : base + SZ_4M - SZ_8K);
	pa = memblock_phys_alloc_range(SZ_8K, SZ_8K, base + SZ_8M, base + SZ_8M + SZ_16K);
	ASSERT_EQ(pa, memblock_bottom_up() ? base + SZ_8M : base + SZ_8M + SZ_8K);
	pa = memblock_phys_alloc_try_nid(SZ_8K, SZ_8K, 0);
	ASSERT_NE(pa, 0);
	ASSERT_LE(pa + SZ_8K, base + SZ_4M);
	memblock_set_current_limit(MEMBLOCK_ALLOC_ANYWHERE);
	ASSERT_EQ(memblock_get_current_limit(), MEMBLOCK_ALLOC_ANYWHERE);
	return 0;
}

static int alloc_nid_check(void)
{
	phys_addr_t base = dummy_physical_memory_base(), half = MEM_SIZE / 2;
	void *ptr;

	/* two nodes: node 0 low half, node 1 high half */
	reset_memblock_regions();
	memblock_add_node(base, half, 0, MEMBLOCK_NONE);
	memblock_add_node(base + half, half, 1, MEMBLOCK_NONE);
	ptr = memblock_alloc_node(SZ_4K, SZ_4K, 0);
	ASSERT_NE(ptr, NULL);
	ASSERT_LE(__pa(ptr) + SZ_4K, base + half);
	ptr = memblock_alloc_node(SZ_4K, SZ_4K, 1);
	ASSERT_NE(ptr, NULL);
	ASSERT_LE(base + half, __pa(ptr));
	/* node 0 full: fallback to node 1, except for the exact variant */
	memblock_reserve(base, half);
	ptr = memblock_alloc_try_nid(SZ_4K, SZ_4K, MEMBLOCK_LOW_LIMIT,
				     MEMBLOCK_ALLOC_ACCESSIBLE, 0);
	ASSERT_NE(ptr, NULL);
	ASSERT_LE(base + half, __pa(ptr));
	ptr = memblock_alloc_exact_nid_raw(SZ_4K, SZ_4K, MEMBLOCK_LOW_LIMIT,
					   MEMBLOCK_ALLOC_ACCESSIBLE, 0);
	ASSERT_EQ(ptr, NULL);
	return 0;
}

static int alloc_skips_nomap_check(void)
{
	phys_addr_t base = dummy_physical_memory_base();
	void *ptr;

	setup_memblock();
	memblock_mark_nomap(base, SZ_4K);
	memblock_mark_nomap(base + MEM_SIZE - SZ_4K, SZ_4K);
	ptr = memblock_alloc(SZ_4K, SZ_4K);
	ASSERT_NE(ptr, NULL);
	ASSERT_EQ(__pa(ptr), memblock_bottom_up() ? base + SZ_4K : base + MEM_SIZE - SZ_8K);
	ASSERT_EQ(memblock_is_map_memory(base), false);
	memblock_clear_nomap(base, MEM_SIZE);
	ASSERT_EQ(memblock.memory.cnt, 1);
	return 0;
}

int memblock_linux_alloc_checks(void)
{
	nr_failed = 0;
	run_both(alloc_simple_check);
	run_both(alloc_exact_gap_check);
	run_both(alloc_too_large_check);
	run_both(alloc_try_nid_range_check);
	run_both(alloc_from_and_low_check);
	run_both(alloc_phys_check);
	run_both(alloc_nid_check);
	run_both(alloc_skips_nomap_check);
	return nr_failed;
}
