/*
 * memblock list editing: add, merge, overlap, remove, split, reserve and
 * free, flags, nodes, trimming, capping, the queries, array growth and
 * the "errors change nothing" rule.
 */
#include "mbtest.h"

#include <stdlib.h>
#include <string.h>

static void test_initial_state(void)
{
	MBT_EMPTY(&memblock.memory);
	MBT_EMPTY(&memblock.reserved);
	MBT_EQ(memblock.memory.max, INIT_MEMBLOCK_REGIONS);
	MBT_EQ(memblock.reserved.max, INIT_MEMBLOCK_RESERVED_REGIONS);
	MBT_CHECK(!strcmp(memblock.memory.name, "memory"));
	MBT_CHECK(!strcmp(memblock.reserved.name, "reserved"));
	MBT_CHECK(!memblock_bottom_up());
	MBT_EQ(memblock_get_current_limit(), MEMBLOCK_ALLOC_ANYWHERE);
	MBT_EQ(memblock_phys_mem_size(), 0);
	MBT_EQ(memblock_reserved_size(), 0);
}

static void test_add_simple(void)
{
	MBT_EQ(memblock_add(SZ_1M, SZ_16M), 0);
	MBT_REGIONS(&memblock.memory, { SZ_1M, SZ_16M });
	MBT_EQ(memblock.memory.regions[0].nid, MAX_NUMNODES);
	MBT_EQ(memblock.memory.regions[0].flags, MEMBLOCK_NONE);
	MBT_EQ(memblock_add_node(SZ_1G, SZ_2M, 3, MEMBLOCK_HOTPLUG), 0);
	MBT_REGIONS(&memblock.memory, { SZ_1M, SZ_16M }, { SZ_1G, SZ_2M });
	MBT_EQ(memblock.memory.regions[1].nid, 3);
	MBT_EQ(memblock.memory.regions[1].flags, MEMBLOCK_HOTPLUG);
	MBT_EQ(memblock_phys_mem_size(), SZ_16M + SZ_2M);
}

static void test_add_sorted_and_merged(void)
{
	MBT_EQ(memblock_add(0x30000, 0x10000), 0);
	MBT_EQ(memblock_add(0x10000, 0x10000), 0);
	MBT_REGIONS(&memblock.memory, { 0x10000, 0x10000 }, { 0x30000, 0x10000 });
	/* filling the hole exactly joins all three */
	MBT_EQ(memblock_add(0x20000, 0x10000), 0);
	MBT_REGIONS(&memblock.memory, { 0x10000, 0x30000 });
	/* adjacent below and above */
	MBT_EQ(memblock_add(0x0, 0x10000), 0);
	MBT_EQ(memblock_add(0x40000, 0x1000), 0);
	MBT_REGIONS(&memblock.memory, { 0x0, 0x41000 });
}

static void test_add_overlaps(void)
{
	MBT_EQ(memblock_add(0x10000, 0x10000), 0);
	MBT_EQ(memblock_add(0x8000, 0x10000), 0); /* overlaps the bottom */
	MBT_REGIONS(&memblock.memory, { 0x8000, 0x18000 });
	MBT_EQ(memblock_add(0x18000, 0x10000), 0); /* overlaps the top */
	MBT_REGIONS(&memblock.memory, { 0x8000, 0x20000 });
	MBT_EQ(memblock_add(0x10000, 0x1000), 0); /* inside */
	MBT_REGIONS(&memblock.memory, { 0x8000, 0x20000 });
	MBT_EQ(memblock_add(0x0, 0x100000), 0); /* covers */
	MBT_REGIONS(&memblock.memory, { 0x0, 0x100000 });
}

static void test_add_overlap_keeps_attributes(void)
{
	/* only the missing pieces get the new node; the old regions keep theirs */
	MBT_EQ(memblock_add_node(0x10000, 0x10000, 1, MEMBLOCK_NONE), 0);
	MBT_EQ(memblock_add_node(0x30000, 0x10000, 1, MEMBLOCK_NONE), 0);
	MBT_EQ(memblock_add_node(0x0, 0x50000, 2, MEMBLOCK_NONE), 0);
	MBT_REGIONS(&memblock.memory, { 0x0, 0x10000 }, { 0x10000, 0x10000 }, { 0x20000, 0x10000 },
		    { 0x30000, 0x10000 }, { 0x40000, 0x10000 });
	MBT_EQ(memblock.memory.regions[0].nid, 2);
	MBT_EQ(memblock.memory.regions[1].nid, 1);
	MBT_EQ(memblock.memory.regions[2].nid, 2);
	MBT_EQ(memblock.memory.regions[3].nid, 1);
	MBT_EQ(memblock.memory.regions[4].nid, 2);
}

static void test_add_different_attributes_do_not_merge(void)
{
	MBT_EQ(memblock_add_node(0x10000, 0x10000, 0, MEMBLOCK_NONE), 0);
	MBT_EQ(memblock_add_node(0x20000, 0x10000, 1, MEMBLOCK_NONE), 0);
	MBT_EQ(memblock_add_node(0x30000, 0x10000, 1, MEMBLOCK_MIRROR), 0);
	MBT_REGIONS(&memblock.memory, { 0x10000, 0x10000 }, { 0x20000, 0x10000 }, { 0x30000, 0x10000 });
	MBT_EQ(memblock_set_node(0x20000, 0x10000, &memblock.memory, 0), 0);
	MBT_REGIONS(&memblock.memory, { 0x10000, 0x20000 }, { 0x30000, 0x10000 });
}

static void test_add_zero_and_overflow(void)
{
	MBT_EQ(memblock_add(0x1000, 0), 0);
	MBT_EMPTY(&memblock.memory);
	/* base + size beyond the address space is clamped to the end */
	MBT_EQ(memblock_add(PHYS_ADDR_MAX - 0xfff, 0x10000), 0);
	MBT_REGIONS(&memblock.memory, { PHYS_ADDR_MAX - 0xfff, 0xfff });
	MBT_EQ(memblock_end_of_DRAM(), PHYS_ADDR_MAX);
	MBT_EQ(memblock_reserve(0x1000, 0), 0);
	MBT_EMPTY(&memblock.reserved);
	MBT_EQ(memblock_remove(0x1000, 0), 0);
	MBT_EQ(memblock_phys_free(0x1000, 0), 0);
}

static void test_remove(void)
{
	MBT_EQ(memblock_add(0x10000, 0x40000), 0);
	MBT_EQ(memblock_remove(0x20000, 0x10000), 0); /* middle: split */
	MBT_REGIONS(&memblock.memory, { 0x10000, 0x10000 }, { 0x30000, 0x20000 });
	MBT_EQ(memblock_remove(0x0, 0x18000), 0); /* bottom, overlapping below */
	MBT_REGIONS(&memblock.memory, { 0x18000, 0x8000 }, { 0x30000, 0x20000 });
	MBT_EQ(memblock_remove(0x48000, 0x100000), 0); /* top, overlapping above */
	MBT_REGIONS(&memblock.memory, { 0x18000, 0x8000 }, { 0x30000, 0x18000 });
	MBT_EQ(memblock_remove(0x60000, 0x1000), 0); /* nothing there */
	MBT_REGIONS(&memblock.memory, { 0x18000, 0x8000 }, { 0x30000, 0x18000 });
	MBT_EQ(memblock_remove(0x1c000, 0x20000), 0); /* across a gap */
	MBT_REGIONS(&memblock.memory, { 0x18000, 0x4000 }, { 0x3c000, 0xc000 });
	MBT_EQ(memblock_remove(0x0, PHYS_ADDR_MAX), 0); /* everything */
	MBT_EMPTY(&memblock.memory);
	MBT_EQ(memblock_remove(0x0, 0x1000), 0); /* from an empty list */
	MBT_EMPTY(&memblock.memory);
}

static void test_remove_keeps_attributes(void)
{
	MBT_EQ(memblock_add_node(0x10000, 0x30000, 5, MEMBLOCK_HOTPLUG), 0);
	MBT_EQ(memblock_remove(0x20000, 0x1000), 0);
	MBT_REGIONS(&memblock.memory, { 0x10000, 0x10000 }, { 0x21000, 0x1f000 });
	MBT_EQ(memblock.memory.regions[1].nid, 5);
	MBT_EQ(memblock.memory.regions[1].flags, MEMBLOCK_HOTPLUG);
}

static void test_reserve_and_free(void)
{
	void *p;

	MBT_EQ(memblock_reserve(0x10000, 0x1000), 0);
	MBT_EQ(memblock_reserve(0x11000, 0x1000), 0);
	MBT_REGIONS(&memblock.reserved, { 0x10000, 0x2000 });
	MBT_EQ(memblock_reserve(0x20000, 0x1000), 0);
	MBT_EQ(memblock_reserved_size(), 0x3000);
	MBT_CHECK(memblock_is_reserved(0x10fff));
	MBT_CHECK(!memblock_is_reserved(0x12000));
	MBT_CHECK(memblock_is_region_reserved(0x1f000, 0x2000));
	MBT_CHECK(!memblock_is_region_reserved(0x12000, 0xe000));
	MBT_EQ(memblock_phys_free(0x10800, 0x1000), 0);
	MBT_REGIONS(&memblock.reserved, { 0x10000, 0x800 }, { 0x11800, 0x800 }, { 0x20000, 0x1000 });
	/* memblock_free() takes the virtual address */
	p = mm_phys_to_virt(0x20000);
	memblock_free(p, 0x1000);
	MBT_REGIONS(&memblock.reserved, { 0x10000, 0x800 }, { 0x11800, 0x800 });
	memblock_free(NULL, 0x1000);
	MBT_REGIONS(&memblock.reserved, { 0x10000, 0x800 }, { 0x11800, 0x800 });
	/* reserve does not need memory underneath (Linux allows it) */
	MBT_EMPTY(&memblock.memory);
}

static void test_flags(void)
{
	MBT_EQ(memblock_add(0x100000, 0x100000), 0);
	MBT_EQ(memblock_mark_nomap(0x140000, 0x20000), 0);
	MBT_REGIONS(&memblock.memory, { 0x100000, 0x40000 }, { 0x140000, 0x20000 },
		    { 0x160000, 0xa0000 });
	MBT_EQ(memblock.memory.regions[1].flags, MEMBLOCK_NOMAP);
	MBT_CHECK(memblock_is_memory(0x150000));
	MBT_CHECK(!memblock_is_map_memory(0x150000));
	MBT_CHECK(memblock_is_map_memory(0x160000));
	/* clearing rejoins */
	MBT_EQ(memblock_clear_nomap(0x140000, 0x20000), 0);
	MBT_REGIONS(&memblock.memory, { 0x100000, 0x100000 });
	MBT_EQ(memblock_mark_hotplug(0x100000, 0x10000), 0);
	MBT_EQ(memblock_mark_mirror(0x108000, 0x10000), 0);
	MBT_REGIONS(&memblock.memory, { 0x100000, 0x8000 }, { 0x108000, 0x8000 },
		    { 0x110000, 0x8000 }, { 0x118000, 0xe8000 });
	MBT_EQ(memblock.memory.regions[0].flags, MEMBLOCK_HOTPLUG);
	MBT_EQ(memblock.memory.regions[1].flags, MEMBLOCK_HOTPLUG | MEMBLOCK_MIRROR);
	MBT_EQ(memblock.memory.regions[2].flags, MEMBLOCK_MIRROR);
	MBT_EQ(memblock_clear_hotplug(0x0, PHYS_ADDR_MAX), 0);
	MBT_REGIONS(&memblock.memory, { 0x100000, 0x8000 }, { 0x108000, 0x10000 },
		    { 0x118000, 0xe8000 });
	/* a flag on a range with no memory changes nothing */
	MBT_EQ(memblock_mark_nomap(0x400000, 0x1000), 0);
	MBT_EQ(memblock.memory.cnt, 3);
}

static void test_set_node(void)
{
	int nid;
	unsigned long s, e;

	MBT_EQ(memblock_add(0x0, 0x400000), 0);
	MBT_EQ(memblock_set_node(0x200000, 0x200000, &memblock.memory, 1), 0);
	MBT_EQ(memblock_set_node(0x0, 0x200000, &memblock.memory, 0), 0);
	MBT_REGIONS(&memblock.memory, { 0x0, 0x200000 }, { 0x200000, 0x200000 });
	nid = memblock_search_pfn_nid(0x250, &s, &e);
	MBT_EQ(nid, 1);
	MBT_EQ(s, 0x200);
	MBT_EQ(e, 0x400);
	MBT_EQ(memblock_search_pfn_nid(0x400, &s, &e), -1);
}

static void test_trim(void)
{
	MBT_EQ(memblock_add(0x1800, 0x3000), 0);     /* -> [0x2000, 0x4000) */
	MBT_EQ(memblock_add(0x10000, 0x800), 0);     /* vanishes */
	MBT_EQ(memblock_add(0x20000, 0x2000), 0);    /* unchanged */
	MBT_EQ(memblock_add(0x30100, 0x1f00), 0);    /* -> [0x31000, 0x32000) */
	memblock_trim_memory(SZ_4K);
	MBT_REGIONS(&memblock.memory, { 0x2000, 0x2000 }, { 0x20000, 0x2000 }, { 0x31000, 0x1000 });
	MBT_EQ(memblock_phys_mem_size(), 0x5000);
	memblock_trim_memory(SZ_1M);
	MBT_EMPTY(&memblock.memory);
}

static void test_dram_bounds(void)
{
	MBT_EQ(memblock_add(0x80000000, SZ_16M), 0);
	MBT_EQ(memblock_add(0x1000000, SZ_1M), 0);
	MBT_EQ(memblock_start_of_DRAM(), 0x1000000);
	MBT_EQ(memblock_end_of_DRAM(), 0x80000000 + SZ_16M);
	MBT_EQ(memblock_phys_mem_size(), SZ_16M + SZ_1M);
	MBT_CHECK(memblock_is_memory(0x1000000));
	MBT_CHECK(!memblock_is_memory(0x1100000));
	MBT_CHECK(memblock_is_region_memory(0x80000000, SZ_16M));
	MBT_CHECK(!memblock_is_region_memory(0x80000000, SZ_16M + 1));
	MBT_CHECK(!memblock_is_region_memory(0x1000000, SZ_16M)); /* spans the hole */
}

static void test_cap_and_limit(void)
{
	MBT_EQ(memblock_add(0x100000, 0x100000), 0);
	MBT_EQ(memblock_add(0x300000, 0x100000), 0);
	MBT_EQ(memblock_add(0x500000, 0x100000), 0);
	MBT_EQ(memblock_mark_nomap(0x500000, 0x1000), 0);
	MBT_EQ(memblock_reserve(0x0, 0x600000), 0);
	memblock_cap_memory_range(0x180000, 0x200000);
	/* NOMAP regions survive the cap */
	MBT_REGIONS(&memblock.memory, { 0x180000, 0x80000 }, { 0x300000, 0x80000 },
		    { 0x500000, 0x1000 });
	MBT_REGIONS(&memblock.reserved, { 0x180000, 0x200000 });

	/* a NOMAP region cut by the cap's edges is whole again afterwards */
	memblock_reset();
	MBT_EQ(memblock_add(0x100000, 0x100000), 0);
	MBT_EQ(memblock_mark_nomap(0x100000, 0x100000), 0);
	memblock_cap_memory_range(0x140000, 0x10000);
	MBT_REGIONS(&memblock.memory, { 0x100000, 0x100000 });

	memblock_reset();
	MBT_EQ(memblock_add(0x100000, 0x100000), 0);
	MBT_EQ(memblock_add(0x300000, 0x100000), 0);
	MBT_EQ(memblock_reserve(0x380000, 0x100000), 0);
	memblock_mem_limit_remove_map(0x180000); /* 1.5 MiB: half of the second region */
	MBT_REGIONS(&memblock.memory, { 0x100000, 0x100000 }, { 0x300000, 0x80000 });
	MBT_EMPTY(&memblock.reserved);

	memblock_reset();
	MBT_EQ(memblock_add(0x100000, 0x100000), 0);
	MBT_EQ(memblock_reserve(0x1c0000, 0x100000), 0);
	memblock_enforce_memory_limit(0x80000);
	MBT_REGIONS(&memblock.memory, { 0x100000, 0x80000 });
	MBT_EMPTY(&memblock.reserved);
	memblock_enforce_memory_limit(SZ_1G); /* more than there is: no change */
	MBT_REGIONS(&memblock.memory, { 0x100000, 0x80000 });
}

/* Add @n disjoint 4 KiB regions to @type, every other page from @base. */
static int add_many(struct memblock_type *type, phys_addr_t base, int n)
{
	for (int i = 0; i < n; i++) {
		phys_addr_t b = base + (phys_addr_t)i * 2 * SZ_4K;
		int err = type == &memblock.memory ? memblock_add(b, SZ_4K) : memblock_reserve(b, SZ_4K);

		if (err)
			return err;
	}
	return 0;
}

static void test_double_memory_array(void)
{
	const int n = INIT_MEMBLOCK_REGIONS + 10;
	phys_addr_t arr;

	MBT_EQ(memblock_add(SZ_1G, SZ_16M), 0); /* room for the new array */
	MBT_EQ(add_many(&memblock.memory, SZ_16M, n), 0);
	MBT_EQ(memblock.memory.cnt, n + 1);
	MBT_CHECK(memblock.memory.max >= 2 * INIT_MEMBLOCK_REGIONS);
	MBT_CHECK(memblock.memory.regions != NULL);
	for (int i = 0; i < n; i++) {
		MBT_EQ(memblock.memory.regions[i].base, SZ_16M + (phys_addr_t)i * 2 * SZ_4K);
		MBT_EQ(memblock.memory.regions[i].size, SZ_4K);
	}
	MBT_EQ(memblock.memory.regions[n].base, SZ_1G);
	/* the new array is reserved, and it is the only reservation */
	arr = mm_virt_to_phys(memblock.memory.regions);
	MBT_EQ(memblock.reserved.cnt, 1);
	MBT_EQ(memblock.reserved.regions[0].base, arr);
	MBT_CHECK(memblock.reserved.regions[0].size >= memblock.memory.max * sizeof(struct memblock_region));
	MBT_CHECK(arr >= SZ_1G && arr < SZ_1G + SZ_16M); /* top-down: inside the big block */
	MBT_EQ(memblock_check(), 0);

	/* a second doubling frees the first dynamic array */
	MBT_EQ(add_many(&memblock.memory, SZ_16M + 2 * SZ_4K * n, 2 * INIT_MEMBLOCK_REGIONS), 0);
	MBT_CHECK(memblock.memory.max >= 4 * INIT_MEMBLOCK_REGIONS);
	MBT_CHECK(mm_virt_to_phys(memblock.memory.regions) != arr);
	MBT_EQ(memblock.reserved.cnt, 1);
	MBT_EQ(memblock.reserved.regions[0].base, mm_virt_to_phys(memblock.memory.regions));
	/* ... and only the new one stays reserved */
	MBT_EQ(memblock_reserved_size(),
	       (memblock.memory.max * sizeof(struct memblock_region) + SZ_4K - 1) & ~(SZ_4K - 1));
}

static void test_double_reserved_array(void)
{
	const int n = INIT_MEMBLOCK_RESERVED_REGIONS + 1;
	phys_addr_t arr;

	MBT_EQ(memblock_add(0x0, SZ_1G), 0);
	MBT_EQ(add_many(&memblock.reserved, SZ_16M, n), 0);
	MBT_CHECK(memblock.reserved.max > INIT_MEMBLOCK_RESERVED_REGIONS);
	arr = mm_virt_to_phys(memblock.reserved.regions);
	MBT_CHECK(memblock_is_region_reserved(arr, SZ_4K));
	MBT_EQ(memblock.reserved.cnt, n + 1); /* the n pages and the array itself */
	MBT_EQ(memblock_reserved_size(), n * SZ_4K + memblock.reserved.regions[n].size);
	for (int i = 0; i < n; i++)
		MBT_EQ(memblock.reserved.regions[i].base, SZ_16M + (phys_addr_t)i * 2 * SZ_4K);
}

static void test_double_array_bottom_up(void)
{
	MBT_EQ(memblock_add(SZ_1G, SZ_16M), 0);
	memblock_set_bottom_up(true);
	MBT_EQ(add_many(&memblock.memory, SZ_16M, INIT_MEMBLOCK_REGIONS), 0);
	MBT_EQ(mm_virt_to_phys(memblock.memory.regions), SZ_1G);
}

static void test_own_array_protected(void)
{
	struct mbt_snapshot *snap = malloc(sizeof(*snap));
	phys_addr_t arr;

	MBT_CHECK(snap);
	MBT_EQ(memblock_add(SZ_1G, SZ_16M), 0);
	MBT_EQ(add_many(&memblock.memory, SZ_16M, INIT_MEMBLOCK_REGIONS), 0);
	arr = mm_virt_to_phys(memblock.memory.regions);
	mbt_snapshot_take(snap);
	mbt_capture(true);
	/* freeing memblock's own array is refused and changes nothing */
	MBT_EQ(memblock_phys_free(arr, SZ_4K), -MNEME_EBUSY);
	MBT_EQ(memblock_phys_free(0, PHYS_ADDR_MAX), -MNEME_EBUSY);
	MBT_CHECK(mbt_snapshot_same(snap));
	MBT_CHECK(strstr(mbt_printed(), "own array") != NULL);
	mbt_capture(false);
	/* a cap or limit that drops all reservations keeps the array's */
	memblock_cap_memory_range(SZ_16M, SZ_1M);
	MBT_CHECK(memblock_is_region_reserved(arr, SZ_4K));
	MBT_EQ(memblock.reserved.cnt, 1);
	memblock_enforce_memory_limit(SZ_4K);
	MBT_CHECK(memblock_is_region_reserved(arr, SZ_4K));
	free(snap);
}

static void test_grow_failure_changes_nothing(void)
{
	struct mbt_snapshot *snap = malloc(sizeof(*snap));

	/* no free memory at all: the array cannot grow */
	MBT_CHECK(snap);
	MBT_EQ(add_many(&memblock.memory, SZ_16M, INIT_MEMBLOCK_REGIONS), 0);
	MBT_EQ(memblock.memory.cnt, INIT_MEMBLOCK_REGIONS);
	MBT_EQ(memblock_reserve(0, SZ_1G), 0);
	mbt_snapshot_take(snap);
	mbt_capture(true);
	/* add: one more disjoint region */
	MBT_EQ(memblock_add(SZ_1G + SZ_1M, SZ_4K), -MNEME_ENOMEM);
	MBT_CHECK(mbt_snapshot_same(snap));
	/* add that needs several pieces (fills gaps between existing regions) */
	MBT_EQ(memblock_add(SZ_16M, 4 * SZ_4K * 2), -MNEME_ENOMEM);
	MBT_CHECK(mbt_snapshot_same(snap));
	/* remove / mark that need a split */
	MBT_EQ(memblock_remove(SZ_16M + 0x800, 0x100), -MNEME_ENOMEM);
	MBT_CHECK(mbt_snapshot_same(snap));
	MBT_EQ(memblock_mark_nomap(SZ_16M + 0x800, 0x100), -MNEME_ENOMEM);
	MBT_CHECK(mbt_snapshot_same(snap));
	MBT_CHECK(strstr(mbt_printed(), "memory") != NULL);
	/* but edits that need no new slot still work */
	MBT_EQ(memblock_add(SZ_16M, SZ_4K), 0);
	MBT_EQ(memblock_remove(SZ_16M, SZ_4K), 0);
	MBT_EQ(memblock.memory.cnt, INIT_MEMBLOCK_REGIONS - 1);
	mbt_capture(false);
	free(snap);
}

static void test_grow_refused_after_close(void)
{
	MBT_EQ(memblock_add(SZ_1G, SZ_16M), 0);
	memblock_close();
	mbt_capture(true);
	MBT_EQ(add_many(&memblock.reserved, SZ_16M, INIT_MEMBLOCK_RESERVED_REGIONS + 1),
	       -MNEME_ENOMEM);
	MBT_EQ(memblock.reserved.cnt, INIT_MEMBLOCK_RESERVED_REGIONS);
	MBT_CHECK(strstr(mbt_printed(), "not allowed") != NULL);
	mbt_capture(false);
}

static void test_dump(void)
{
	MBT_EQ(memblock_add_node(0x100000, 0x1000, 2, MEMBLOCK_NOMAP), 0);
	MBT_EQ(memblock_reserve(0x100000, 0x800), 0);
	mbt_capture(true);
	memblock_dump_all();
	MBT_CHECK(strstr(mbt_printed(), "memory.cnt  = 0x1") != NULL);
	MBT_CHECK(strstr(mbt_printed(), "0x0000000000100fff") != NULL);
	MBT_CHECK(strstr(mbt_printed(), "on node 2 flags: 0x4") != NULL);
	MBT_CHECK(strstr(mbt_printed(), "reserved[0x0]") != NULL);
	mbt_capture(false);
}

static void test_check_detects_corruption(void)
{
	MBT_EQ(memblock_add(0x1000, 0x1000), 0);
	MBT_EQ(memblock_add(0x3000, 0x1000), 0);
	mbt_capture(true);
	memblock.memory.regions[1].base = 0x1800; /* overlap */
	MBT_EQ(memblock_check(), -MNEME_ECORRUPT);
	memblock.memory.regions[1].base = 0x2000; /* mergeable neighbours */
	MBT_EQ(memblock_check(), -MNEME_ECORRUPT);
	memblock.memory.regions[1].base = 0x3000;
	memblock.memory.total_size++;
	MBT_EQ(memblock_check(), -MNEME_ECORRUPT);
	memblock.memory.total_size--;
	MBT_EQ(memblock_check(), 0);
	mbt_capture(false);
}

void memblock_tests_lists(void)
{
	MBT_RUN(test_initial_state);
	MBT_RUN(test_add_simple);
	MBT_RUN(test_add_sorted_and_merged);
	MBT_RUN(test_add_overlaps);
	MBT_RUN(test_add_overlap_keeps_attributes);
	MBT_RUN(test_add_different_attributes_do_not_merge);
	MBT_RUN(test_add_zero_and_overflow);
	MBT_RUN(test_remove);
	MBT_RUN(test_remove_keeps_attributes);
	MBT_RUN(test_reserve_and_free);
	MBT_RUN(test_flags);
	MBT_RUN(test_set_node);
	MBT_RUN(test_trim);
	MBT_RUN(test_dram_bounds);
	MBT_RUN(test_cap_and_limit);
	MBT_RUN(test_double_memory_array);
	MBT_RUN(test_double_reserved_array);
	MBT_RUN(test_double_array_bottom_up);
	MBT_RUN(test_own_array_protected);
	MBT_RUN(test_grow_failure_changes_nothing);
	MBT_RUN(test_grow_refused_after_close);
	MBT_RUN(test_dump);
	MBT_RUN(test_check_detects_corruption);
}
