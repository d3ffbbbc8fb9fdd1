/*
 * memblock allocation: direction, alignment, limits, node preference and
 * fallback, NOMAP and reserved skipping, mirror preference, zeroing,
 * failure leaving the lists unchanged, and closing.
 */
#include "mbtest.h"

#include <stdlib.h>
#include <string.h>

static void fill(phys_addr_t base, phys_addr_t size, int byte)
{
	memset(mm_phys_to_virt(base), byte, size);
}

static bool all_bytes(const void *p, size_t n, unsigned char byte)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i] != byte)
			return false;
	return true;
}

static void test_top_down_default(void)
{
	void *p;

	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	fill(2 * SZ_16M - SZ_64K, SZ_64K, 0xaa);
	p = memblock_alloc(SZ_4K, SZ_4K);
	MBT_CHECK(p != NULL);
	MBT_EQ(mm_virt_to_phys(p), 2 * SZ_16M - SZ_4K);
	MBT_CHECK(all_bytes(p, SZ_4K, 0));
	MBT_REGIONS(&memblock.reserved, { 2 * SZ_16M - SZ_4K, SZ_4K });
	/* the next one sits right below and the reservations merge */
	p = memblock_alloc(SZ_4K, SZ_4K);
	MBT_EQ(mm_virt_to_phys(p), 2 * SZ_16M - 2 * SZ_4K);
	MBT_REGIONS(&memblock.reserved, { 2 * SZ_16M - 2 * SZ_4K, 2 * SZ_4K });
	/* a smaller one still starts on the alignment; only @size bytes are cleared */
	p = memblock_alloc(0x800, SZ_4K);
	MBT_EQ(mm_virt_to_phys(p), 2 * SZ_16M - 3 * SZ_4K);
	MBT_REGIONS(&memblock.reserved, { 2 * SZ_16M - 3 * SZ_4K, 0x800 },
		    { 2 * SZ_16M - 2 * SZ_4K, 2 * SZ_4K });
	MBT_CHECK(all_bytes(p, 0x800, 0));
	MBT_CHECK(all_bytes((char *)p + 0x800, 0x800, 0xaa));
}

static void test_bottom_up(void)
{
	phys_addr_t a, b;

	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	memblock_set_bottom_up(true);
	MBT_CHECK(memblock_bottom_up());
	a = memblock_phys_alloc(0x1800, SZ_4K);
	b = memblock_phys_alloc(SZ_4K, SZ_4K);
	MBT_EQ(a, SZ_16M);
	MBT_EQ(b, SZ_16M + 0x2000);
	MBT_REGIONS(&memblock.reserved, { SZ_16M, 0x1800 }, { SZ_16M + 0x2000, SZ_4K });
	/* and it fills the aligned hole it left when it fits */
	MBT_EQ(memblock_phys_alloc(0x100, 0x100), SZ_16M + 0x1800);
}

static void test_alignment(void)
{
	phys_addr_t top = 2 * SZ_16M;

	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	MBT_EQ(memblock_reserve(top - 0x1000, 0x1000), 0);
	MBT_EQ(memblock_phys_alloc(0x1100, SZ_64K), (top - 0x1000 - 0x1100) & ~(SZ_64K - 1));
	MBT_EQ(memblock_phys_alloc(0x10, 0), top - SZ_4K - 64); /* 0 means SMP_CACHE_BYTES */
	memblock_set_bottom_up(true);
	MBT_EQ(memblock_reserve(SZ_16M, 0x10), 0);
	MBT_EQ(memblock_phys_alloc(0x10, SZ_2M), SZ_16M + SZ_2M);
	mbt_capture(true);
	MBT_EQ(memblock_phys_alloc(0x10, 3), 0);
	MBT_CHECK(memblock_alloc(0x10, 0x30) == NULL);
	MBT_CHECK(strstr(mbt_printed(), "not a power of two") != NULL);
	mbt_capture(false);
}

static void test_current_limit(void)
{
	void *p;

	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	memblock_set_current_limit(SZ_16M + SZ_1M);
	MBT_EQ(memblock_get_current_limit(), SZ_16M + SZ_1M);
	p = memblock_alloc(SZ_4K, SZ_4K);
	MBT_EQ(mm_virt_to_phys(p), SZ_16M + SZ_1M - SZ_4K);
	MBT_EQ(memblock_phys_alloc(SZ_4K, SZ_4K), SZ_16M + SZ_1M - 2 * SZ_4K);
	/* max_addr above the limit is clamped */
	p = memblock_alloc_try_nid(SZ_4K, SZ_4K, 0, MEMBLOCK_ALLOC_ANYWHERE, NUMA_NO_NODE);
	MBT_EQ(mm_virt_to_phys(p), SZ_16M + SZ_1M - 3 * SZ_4K);
	/* too big for what is below the limit */
	MBT_CHECK(memblock_alloc(SZ_2M, SZ_4K) == NULL);
	/* an explicit range is not clamped (as Linux) */
	MBT_EQ(memblock_phys_alloc_range(SZ_2M, SZ_4K, 0, MEMBLOCK_ALLOC_ANYWHERE), 2 * SZ_16M - SZ_2M);
}

static void test_range_bounds(void)
{
	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	MBT_EQ(memblock_phys_alloc_range(SZ_4K, SZ_4K, SZ_16M + SZ_1M, SZ_16M + SZ_2M),
	       SZ_16M + SZ_2M - SZ_4K);
	memblock_set_bottom_up(true);
	MBT_EQ(memblock_phys_alloc_range(SZ_4K, SZ_4K, SZ_16M + SZ_1M, SZ_16M + SZ_2M), SZ_16M + SZ_1M);
	MBT_EQ(memblock_phys_alloc_range(SZ_4K, SZ_4K, 3 * SZ_16M, 4 * SZ_16M), 0);
	MBT_EQ(memblock_phys_alloc_range(SZ_2M, SZ_4K, SZ_16M + SZ_1M, SZ_16M + SZ_2M), 0);
}

static void test_min_addr_fallback(void)
{
	void *p;

	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	memblock_set_bottom_up(true);
	p = memblock_alloc_from(SZ_4K, SZ_4K, SZ_16M + SZ_1M);
	MBT_EQ(mm_virt_to_phys(p), SZ_16M + SZ_1M);
	/* min_addr above all memory: retried from 0 */
	p = memblock_alloc_from(SZ_4K, SZ_4K, SZ_1G);
	MBT_EQ(mm_virt_to_phys(p), SZ_16M);
}

static void test_alloc_low(void)
{
	void *p;

	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	MBT_EQ(memblock_add(5 * SZ_1G, SZ_16M), 0);
	p = memblock_alloc(SZ_4K, SZ_4K);
	MBT_EQ(mm_virt_to_phys(p), 5 * SZ_1G + SZ_16M - SZ_4K);
	p = memblock_alloc_low(SZ_4K, SZ_4K);
	MBT_EQ(mm_virt_to_phys(p), 2 * SZ_16M - SZ_4K);
}

static void test_never_page_zero(void)
{
	MBT_EQ(memblock_add(0, 2 * SZ_4K), 0);
	memblock_set_bottom_up(true);
	MBT_EQ(memblock_phys_alloc(SZ_4K, SZ_4K), SZ_4K);
	MBT_EQ(memblock_phys_alloc(SZ_4K, SZ_4K), 0);
	MBT_CHECK(!memblock_is_reserved(0));
}

static void setup_two_nodes(void)
{
	memblock_add_node(SZ_16M, SZ_16M, 0, MEMBLOCK_NONE);
	memblock_add_node(SZ_1G, SZ_16M, 1, MEMBLOCK_NONE);
}

static void test_nid_preference_and_fallback(void)
{
	void *p;

	setup_two_nodes();
	p = memblock_alloc_node(SZ_4K, SZ_4K, 0);
	MBT_EQ(mm_virt_to_phys(p), 2 * SZ_16M - SZ_4K);
	p = memblock_alloc_try_nid(SZ_4K, SZ_4K, 0, MEMBLOCK_ALLOC_ACCESSIBLE, 1);
	MBT_EQ(mm_virt_to_phys(p), SZ_1G + SZ_16M - SZ_4K);
	MBT_EQ(memblock_phys_alloc_try_nid(SZ_4K, SZ_4K, 0), 2 * SZ_16M - 2 * SZ_4K);
	/* node 0 full: the try_nid allocators fall back to node 1 */
	MBT_EQ(memblock_reserve(SZ_16M, SZ_16M), 0);
	p = memblock_alloc_node(SZ_4K, SZ_4K, 0);
	MBT_EQ(mm_virt_to_phys(p), SZ_1G + SZ_16M - 2 * SZ_4K);
	p = memblock_alloc_try_nid_raw(SZ_4K, SZ_4K, 0, MEMBLOCK_ALLOC_ACCESSIBLE, 0);
	MBT_EQ(mm_virt_to_phys(p), SZ_1G + SZ_16M - 3 * SZ_4K);
	/* ... but the exact one does not */
	MBT_CHECK(memblock_alloc_exact_nid_raw(SZ_4K, SZ_4K, 0, MEMBLOCK_ALLOC_ACCESSIBLE, 0) == NULL);
	MBT_EQ(memblock_alloc_range_nid(SZ_4K, SZ_4K, 0, MEMBLOCK_ALLOC_ANYWHERE, 0, true), 0);
	p = memblock_alloc_exact_nid_raw(SZ_4K, SZ_4K, 0, MEMBLOCK_ALLOC_ACCESSIBLE, 1);
	MBT_EQ(mm_virt_to_phys(p), SZ_1G + SZ_16M - 4 * SZ_4K);
	/* MAX_NUMNODES means any node, like NUMA_NO_NODE */
	MBT_EQ(memblock_phys_alloc_try_nid(SZ_4K, SZ_4K, MAX_NUMNODES), SZ_1G + SZ_16M - 5 * SZ_4K);
}

static void test_skips_nomap_and_reserved(void)
{
	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	MBT_EQ(memblock_mark_nomap(2 * SZ_16M - SZ_1M, SZ_1M), 0);
	MBT_EQ(memblock_reserve(2 * SZ_16M - SZ_2M, SZ_1M), 0);
	MBT_EQ(memblock_phys_alloc(SZ_4K, SZ_4K), 2 * SZ_16M - SZ_2M - SZ_4K);
	memblock_set_bottom_up(true);
	MBT_EQ(memblock_mark_nomap(SZ_16M, SZ_4K), 0);
	MBT_EQ(memblock_phys_alloc(SZ_4K, SZ_4K), SZ_16M + SZ_4K);
}

static void test_driver_managed_skipped(void)
{
	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	MBT_EQ(memblock_add_node(SZ_1G, SZ_16M, 0, MEMBLOCK_DRIVER_MANAGED), 0);
	MBT_EQ(memblock_phys_alloc(SZ_4K, SZ_4K), 2 * SZ_16M - SZ_4K);
}

static void test_mirror_preferred(void)
{
	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	MBT_EQ(memblock_mark_mirror(SZ_16M, SZ_64K), 0);
	MBT_EQ(memblock_phys_alloc(SZ_4K, SZ_4K), SZ_16M + SZ_64K - SZ_4K);
	mbt_capture(true);
	MBT_EQ(memblock_phys_alloc(SZ_1M, SZ_4K), 2 * SZ_16M - SZ_1M); /* too big: falls back */
	MBT_CHECK(strstr(mbt_printed(), "mirrored") != NULL);
	mbt_capture(false);
}

static void test_raw_not_zeroed(void)
{
	void *p;

	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	fill(2 * SZ_16M - SZ_4K, SZ_4K, 0x5c);
	p = memblock_alloc_raw(SZ_4K, SZ_4K);
	MBT_EQ(mm_virt_to_phys(p), 2 * SZ_16M - SZ_4K);
	MBT_CHECK(all_bytes(p, SZ_4K, 0x5c));
	fill(2 * SZ_16M - 2 * SZ_4K, SZ_4K, 0x5c);
	p = memblock_alloc_node(SZ_4K, SZ_4K, NUMA_NO_NODE);
	MBT_CHECK(all_bytes(p, SZ_4K, 0));
}

static void test_failure_changes_nothing(void)
{
	struct mbt_snapshot *snap = malloc(sizeof(*snap));

	MBT_CHECK(snap);
	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	MBT_EQ(memblock_reserve(SZ_16M + SZ_1M, SZ_4K), 0);
	mbt_snapshot_take(snap);
	MBT_CHECK(memblock_alloc(SZ_16M, SZ_4K) == NULL);
	MBT_CHECK(memblock_alloc(0, SZ_4K) == NULL); /* zero size */
	MBT_EQ(memblock_phys_alloc(2 * SZ_16M, SZ_4K), 0);
	MBT_EQ(memblock_phys_alloc(PHYS_ADDR_MAX, SZ_4K), 0);
	MBT_CHECK(memblock_alloc_exact_nid_raw(SZ_4K, SZ_4K, 0, 0, 7) == NULL);
	MBT_CHECK(mbt_snapshot_same(snap));
	/* the whole free range fits exactly */
	MBT_EQ(memblock_phys_alloc(SZ_16M - SZ_1M - SZ_4K, SZ_4K), SZ_16M + SZ_1M + SZ_4K);
	free(snap);
}

static void test_close(void)
{
	MBT_EQ(memblock_add(SZ_16M, SZ_16M), 0);
	MBT_CHECK(!memblock_is_closed());
	memblock_close();
	MBT_CHECK(memblock_is_closed());
	mbt_capture(true);
	MBT_CHECK(memblock_alloc(SZ_4K, SZ_4K) == NULL);
	MBT_CHECK(memblock_alloc_raw(SZ_4K, SZ_4K) == NULL);
	MBT_CHECK(memblock_alloc_exact_nid_raw(SZ_4K, SZ_4K, 0, 0, 0) == NULL);
	MBT_EQ(memblock_phys_alloc(SZ_4K, SZ_4K), 0);
	MBT_EQ(memblock_phys_alloc_try_nid(SZ_4K, SZ_4K, 0), 0);
	MBT_CHECK(strstr(mbt_printed(), "closed") != NULL);
	mbt_capture(false);
	MBT_EMPTY(&memblock.reserved);
	/* the lists stay editable */
	MBT_EQ(memblock_reserve(SZ_16M, SZ_4K), 0);
	MBT_EQ(memblock_phys_free(SZ_16M, SZ_4K), 0);
	memblock_reset();
	MBT_CHECK(!memblock_is_closed());
}

void memblock_tests_alloc(void)
{
	MBT_RUN(test_top_down_default);
	MBT_RUN(test_bottom_up);
	MBT_RUN(test_alignment);
	MBT_RUN(test_current_limit);
	MBT_RUN(test_range_bounds);
	MBT_RUN(test_min_addr_fallback);
	MBT_RUN(test_alloc_low);
	MBT_RUN(test_never_page_zero);
	MBT_RUN(test_nid_preference_and_fallback);
	MBT_RUN(test_skips_nomap_and_reserved);
	MBT_RUN(test_driver_managed_skipped);
	MBT_RUN(test_mirror_preferred);
	MBT_RUN(test_raw_not_zeroed);
	MBT_RUN(test_failure_changes_nothing);
	MBT_RUN(test_close);
}
