/*
 * memblock iterators: free ranges (memory minus reserved) in both
 * directions with node and flag filters, memory and reserved ranges, pfn
 * ranges and the region walkers.
 */
#include "mbtest.h"

#define MAX_RANGES 64

struct ranges {
	int n;
	phys_addr_t start[MAX_RANGES], end[MAX_RANGES];
	int nid[MAX_RANGES];
};

static void push(struct ranges *r, phys_addr_t s, phys_addr_t e, int nid)
{
	if (r->n < MAX_RANGES) {
		r->start[r->n] = s;
		r->end[r->n] = e;
		r->nid[r->n] = nid;
	}
	r->n++;
}

static struct ranges free_fwd(int nid, enum memblock_flags flags)
{
	struct ranges r = { 0 };
	phys_addr_t s, e;
	uint64_t i;
	int n;

	for_each_free_mem_range(i, nid, flags, &s, &e, &n)
		push(&r, s, e, n);
	return r;
}

static struct ranges free_rev(int nid, enum memblock_flags flags)
{
	struct ranges r = { 0 };
	phys_addr_t s, e;
	uint64_t i;
	int n;

	for_each_free_mem_range_reverse(i, nid, flags, &s, &e, &n)
		push(&r, s, e, n);
	return r;
}

/* @rev holds the ranges of @fwd in the opposite order. */
static bool mirrored(const struct ranges *fwd, const struct ranges *rev)
{
	if (fwd->n != rev->n)
		return false;
	for (int i = 0; i < fwd->n; i++) {
		int j = fwd->n - 1 - i;

		if (fwd->start[i] != rev->start[j] || fwd->end[i] != rev->end[j] ||
		    fwd->nid[i] != rev->nid[j])
			return false;
	}
	return true;
}

#define EXPECT_RANGE(r, k, s, e) do { MBT_EQ((r).start[k], s); MBT_EQ((r).end[k], e); } while (0)

static void test_free_ranges(void)
{
	struct ranges f, b;

	MBT_EQ(memblock_add(0x10000, 0x10000), 0);
	MBT_EQ(memblock_add(0x30000, 0x20000), 0);
	MBT_EQ(memblock_add(0x60000, 0x10000), 0);
	MBT_EQ(memblock_reserve(0x0, 0x12000), 0);      /* bottom of the first */
	MBT_EQ(memblock_reserve(0x34000, 0x1000), 0);   /* inside the second */
	MBT_EQ(memblock_reserve(0x38000, 0x1000), 0);   /* inside the second */
	MBT_EQ(memblock_reserve(0x4f000, 0x12000), 0);  /* top of second, bottom of third */
	MBT_EQ(memblock_reserve(0x80000, 0x1000), 0);   /* beyond memory */
	f = free_fwd(NUMA_NO_NODE, MEMBLOCK_NONE);
	MBT_EQ(f.n, 5);
	EXPECT_RANGE(f, 0, 0x12000, 0x20000);
	EXPECT_RANGE(f, 1, 0x30000, 0x34000);
	EXPECT_RANGE(f, 2, 0x35000, 0x38000);
	EXPECT_RANGE(f, 3, 0x39000, 0x4f000);
	EXPECT_RANGE(f, 4, 0x61000, 0x70000);
	b = free_rev(NUMA_NO_NODE, MEMBLOCK_NONE);
	MBT_CHECK(mirrored(&f, &b));
}

static void test_free_ranges_empty_reserved(void)
{
	struct ranges f, b;

	f = free_fwd(NUMA_NO_NODE, MEMBLOCK_NONE);
	MBT_EQ(f.n, 0); /* empty memory: nothing, not even the dummy */
	MBT_EQ(memblock_add(0x10000, 0x10000), 0);
	MBT_EQ(memblock_add(0x30000, 0x10000), 0);
	f = free_fwd(NUMA_NO_NODE, MEMBLOCK_NONE);
	b = free_rev(NUMA_NO_NODE, MEMBLOCK_NONE);
	MBT_EQ(f.n, 2);
	EXPECT_RANGE(f, 0, 0x10000, 0x20000);
	EXPECT_RANGE(f, 1, 0x30000, 0x40000);
	MBT_CHECK(mirrored(&f, &b));
	/* everything reserved: nothing free */
	MBT_EQ(memblock_reserve(0, 0x100000), 0);
	MBT_EQ(free_fwd(NUMA_NO_NODE, MEMBLOCK_NONE).n, 0);
	MBT_EQ(free_rev(NUMA_NO_NODE, MEMBLOCK_NONE).n, 0);
}

static void test_free_ranges_nid_filter(void)
{
	struct ranges f, b;

	MBT_EQ(memblock_add_node(0x10000, 0x10000, 0, MEMBLOCK_NONE), 0);
	MBT_EQ(memblock_add_node(0x20000, 0x10000, 1, MEMBLOCK_NONE), 0);
	MBT_EQ(memblock_add_node(0x30000, 0x10000, 0, MEMBLOCK_NONE), 0);
	MBT_EQ(memblock_reserve(0x1f000, 0x2000), 0);  /* straddles nodes 0 and 1 */
	f = free_fwd(1, MEMBLOCK_NONE);
	MBT_EQ(f.n, 1);
	EXPECT_RANGE(f, 0, 0x21000, 0x30000);
	MBT_EQ(f.nid[0], 1);
	f = free_fwd(0, MEMBLOCK_NONE);
	b = free_rev(0, MEMBLOCK_NONE);
	MBT_EQ(f.n, 2);
	EXPECT_RANGE(f, 0, 0x10000, 0x1f000);
	EXPECT_RANGE(f, 1, 0x30000, 0x40000);
	MBT_CHECK(mirrored(&f, &b));
	f = free_fwd(NUMA_NO_NODE, MEMBLOCK_NONE);
	MBT_EQ(f.n, 3);
	MBT_EQ(f.nid[1], 1);
	MBT_EQ(free_fwd(MAX_NUMNODES, MEMBLOCK_NONE).n, 3);
	MBT_EQ(free_fwd(2, MEMBLOCK_NONE).n, 0);
}

static void test_free_ranges_flags(void)
{
	struct ranges f;

	MBT_EQ(memblock_add(0x10000, 0x30000), 0);
	MBT_EQ(memblock_mark_nomap(0x20000, 0x10000), 0);
	f = free_fwd(NUMA_NO_NODE, MEMBLOCK_NONE);
	MBT_EQ(f.n, 2);
	EXPECT_RANGE(f, 0, 0x10000, 0x20000);
	EXPECT_RANGE(f, 1, 0x30000, 0x40000);
	f = free_fwd(NUMA_NO_NODE, MEMBLOCK_NOMAP);
	MBT_EQ(f.n, 3);
	MBT_EQ(memblock_mark_mirror(0x30000, 0x8000), 0);
	f = free_fwd(NUMA_NO_NODE, MEMBLOCK_MIRROR);
	MBT_EQ(f.n, 1);
	EXPECT_RANGE(f, 0, 0x30000, 0x38000);
}

static void test_free_ranges_touching_reserved(void)
{
	struct ranges f, b;

	/* reserved neighbours that cannot merge leave an empty gap: never reported */
	MBT_EQ(memblock_add(0x10000, 0x30000), 0);
	MBT_EQ(memblock_reserve(0x18000, 0x8000), 0);
	MBT_EQ(memblock_reserve(0x20000, 0x8000), 0);
	MBT_EQ(memblock_set_node(0x20000, 0x8000, &memblock.reserved, 1), 0);
	MBT_EQ(memblock.reserved.cnt, 2);
	f = free_fwd(NUMA_NO_NODE, MEMBLOCK_NONE);
	b = free_rev(NUMA_NO_NODE, MEMBLOCK_NONE);
	MBT_EQ(f.n, 2);
	EXPECT_RANGE(f, 0, 0x10000, 0x18000);
	EXPECT_RANGE(f, 1, 0x28000, 0x40000);
	MBT_CHECK(mirrored(&f, &b));
}

static void test_mem_ranges(void)
{
	phys_addr_t s, e, exp_s[] = { 0x10000, 0x30000 }, exp_e[] = { 0x20000, 0x40000 };
	uint64_t i;
	int k = 0;

	MBT_EQ(memblock_add(0x10000, 0x10000), 0);
	MBT_EQ(memblock_add(0x30000, 0x10000), 0);
	MBT_EQ(memblock_add(0x50000, 0x10000), 0);
	MBT_EQ(memblock_mark_nomap(0x50000, 0x10000), 0); /* skipped */
	MBT_EQ(memblock_reserve(0x10000, 0x40000), 0);    /* irrelevant here */
	for_each_mem_range(i, &s, &e) {
		MBT_CHECK(k < 2);
		MBT_EQ(s, exp_s[k]);
		MBT_EQ(e, exp_e[k]);
		k++;
	}
	MBT_EQ(k, 2);
	for_each_mem_range_rev(i, &s, &e) {
		k--;
		MBT_EQ(s, exp_s[k]);
		MBT_EQ(e, exp_e[k]);
	}
	MBT_EQ(k, 0);
	for_each_reserved_mem_range(i, &s, &e) {
		MBT_EQ(s, 0x10000);
		MBT_EQ(e, 0x50000);
		k++;
	}
	MBT_EQ(k, 1);
	memblock_reset();
	for_each_reserved_mem_range(i, &s, &e)
		k++;
	for_each_mem_range(i, &s, &e)
		k++;
	for_each_mem_range_rev(i, NULL, NULL)
		k++;
	MBT_EQ(k, 1);
}

static void test_pfn_ranges(void)
{
	unsigned long s, e;
	int i, nid, k = 0;
	unsigned long exp_s[] = { 0x11, 0x40 }, exp_e[] = { 0x20, 0x48 };
	int exp_nid[] = { 0, 1 };

	MBT_EQ(memblock_add_node(0x10800, 0xf800, 0, MEMBLOCK_NONE), 0);  /* partial first page */
	MBT_EQ(memblock_add_node(0x30100, 0x800, 0, MEMBLOCK_NONE), 0);   /* no whole page */
	MBT_EQ(memblock_add_node(0x40000, 0x8800, 1, MEMBLOCK_NOMAP), 0); /* NOMAP still counts */
	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid) {
		MBT_CHECK(k < 2);
		MBT_EQ(s, exp_s[k]);
		MBT_EQ(e, exp_e[k]);
		MBT_EQ(nid, exp_nid[k]);
		k++;
	}
	MBT_EQ(k, 2);
	k = 0;
	for_each_mem_pfn_range(i, 1, &s, &e, NULL) {
		MBT_EQ(s, 0x40);
		k++;
	}
	MBT_EQ(k, 1);
	for_each_mem_pfn_range(i, NUMA_NO_NODE, NULL, NULL, NULL)
		k++;
	MBT_EQ(k, 3);
	memblock_reset();
	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid)
		k++;
	MBT_EQ(k, 3);
}

static void test_region_walkers(void)
{
	struct memblock_region *r;
	phys_addr_t total = 0;
	int n = 0;

	MBT_EQ(memblock_add(0x10000, 0x10000), 0);
	MBT_EQ(memblock_add(0x30000, 0x10000), 0);
	MBT_EQ(memblock_reserve(0x10000, 0x1000), 0);
	for_each_mem_region(r) {
		total += r->size;
		n++;
	}
	MBT_EQ(n, 2);
	MBT_EQ(total, 0x20000);
	n = 0;
	for_each_reserved_mem_region(r) {
		MBT_EQ(memblock_region_reserved_base_pfn(r), 0x10);
		MBT_EQ(memblock_region_reserved_end_pfn(r), 0x11);
		n++;
	}
	MBT_EQ(n, 1);
	r = &memblock.memory.regions[1];
	MBT_EQ(memblock_region_memory_base_pfn(r), 0x30);
	MBT_EQ(memblock_region_memory_end_pfn(r), 0x40);
	MBT_EQ(memblock_get_region_node(r), MAX_NUMNODES);
	MBT_CHECK(!memblock_is_nomap(r) && !memblock_is_mirror(r) && !memblock_is_hotpluggable(r) &&
		  !memblock_is_driver_managed(r));
}

void memblock_tests_iter(void)
{
	MBT_RUN(test_free_ranges);
	MBT_RUN(test_free_ranges_empty_reserved);
	MBT_RUN(test_free_ranges_nid_filter);
	MBT_RUN(test_free_ranges_flags);
	MBT_RUN(test_free_ranges_touching_reserved);
	MBT_RUN(test_mem_ranges);
	MBT_RUN(test_pfn_ranges);
	MBT_RUN(test_region_walkers);
}
