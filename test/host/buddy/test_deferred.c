/*
 * Deferred memmap initialisation: what mm_init() leaves for later, the
 * sections an allocation initialises when it runs short, and the state
 * after everything is done, compared with an mm_init() that did it all
 * at once on the same map.
 */
#include "bt.h"

#define MAX_BLOCKS 8192
static struct page *blocks[MAX_BLOCKS + 1];
static unsigned orders[MAX_BLOCKS + 1];

/* x86_64, 3 GiB in two nodes of 12 sections each (1.5 GiB apiece). */
static void two_nodes(bool defer)
{
	struct mneme_boot_info bi;

	bt_bootinfo_init(&bi, MNEME_ARCH_X86_64);
	bt_add(&bi, 0, 0x9fc00, MNEME_MEM_USABLE, 0);
	bt_add(&bi, 0x100000, 1536 * MiB - 0x100000, MNEME_MEM_USABLE, 0);
	bt_add(&bi, 1536 * MiB, 1536 * MiB, MNEME_MEM_USABLE, 1);
	bi.nr_cpus = 2;
	bi.nr_nodes = 2;
	bi.cpu_node[1] = 1;
	bi.distance[0][0] = bi.distance[1][1] = 10;
	bi.distance[0][1] = bi.distance[1][0] = 20;
	mm_memmap_defer = defer;
	CHECK_EQ(bt_mm_init(&bi), 0);
	mm_memmap_defer = false;
}

static void free_blocks(void)
{
	for (unsigned long i = 0; blocks[i]; i++)
		__free_pages(blocks[i], orders[i]);
}

struct snapshot {
	unsigned long managed[2][MAX_NR_ZONES], free_pages, drained;
};

static void take(struct snapshot *s)
{
	for (int nid = 0; nid < 2; nid++)
		for (int zt = 0; zt < MAX_NR_ZONES; zt++)
			s->managed[nid][zt] = bt_zone(nid, zt)->managed_pages;
	s->free_pages = nr_free_pages() + nr_pcp_pages();
}

/* What mm_init() leaves: the first 8 sections of each node, nothing else. */
static void test_what_is_deferred(struct snapshot *all)
{
	two_nodes(false);
	CHECK(!mm_deferred_init_pending());
	take(all);
	all->drained = bt_drain_all(GFP_KERNEL, blocks, MAX_BLOCKS, orders);
	free_blocks();

	two_nodes(true);
	CHECK(mm_deferred_init_pending());
	CHECK_EQ(sparse_stats.present_sections, 24);
	CHECK(pfn_valid(section_nr_to_pfn(7)) && !pfn_valid(section_nr_to_pfn(8)));
	CHECK(!pfn_valid(section_nr_to_pfn(11)) && pfn_valid(section_nr_to_pfn(12)));
	CHECK(pfn_valid(section_nr_to_pfn(19)) && !pfn_valid(section_nr_to_pfn(20)));
	CHECK(totalram_pages() < all->free_pages);
	/* a free of a page whose memmap is not initialised is refused, and changes nothing */
	CHECK(free_pages((unsigned long)mm_phys_to_virt(section_nr_to_pfn(9) << PAGE_SHIFT), 0) != 0);
	CHECK_INVARIANTS();
}

/* A node-bound allocation beyond what its node has initialised initialises that node's sections. */
static void test_on_demand_node(void)
{
	unsigned long n = 0, before = deferred_init_stats.on_demand;

	two_nodes(true);
	/* 2 MiB blocks past node 1's first GiB (512 of them): some must come on demand */
	while (n < 600) {
		struct page *p = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 9);
		if (!p)
			break;
		CHECK_EQ(page_to_nid(p), 1);
		blocks[n] = p;
		orders[n++] = 9;
	}
	CHECK_EQ(n, 600);
	blocks[n] = NULL;
	CHECK(deferred_init_stats.on_demand > before);
	/* node 1's sections went first: node 0's deferred ones are still there */
	CHECK(!pfn_valid(section_nr_to_pfn(8)));
	CHECK(pfn_valid(section_nr_to_pfn(20)));
	CHECK_INVARIANTS();
	free_blocks();
	CHECK_INVARIANTS();
}

/* Everything allocatable right after mm_init() is everything there is, on demand. */
static void test_drain_waits_for_init(const struct snapshot *all)
{
	struct snapshot s;

	two_nodes(true);
	unsigned long drained = bt_drain_all(GFP_KERNEL, blocks, MAX_BLOCKS, orders);
	CHECK_EQ(drained, all->drained);
	CHECK(!mm_deferred_init_pending());
	CHECK_INVARIANTS();
	free_blocks();
	take(&s);
	CHECK(!memcmp(s.managed, all->managed, sizeof(s.managed)));
	CHECK_INVARIANTS();
}

/* Step by step to the end: the same zones and free pages as the eager mm_init(). */
static void test_steps_reach_the_eager_state(const struct snapshot *all)
{
	struct snapshot s;
	unsigned steps = 0;

	two_nodes(true);
	while (mm_deferred_init_step()) {
		steps++;
		CHECK_INVARIANTS();
	}
	CHECK_EQ(steps, 8);
	CHECK(!mm_deferred_init_step());
	take(&s);
	CHECK_EQ(s.free_pages, all->free_pages);
	CHECK(!memcmp(s.managed, all->managed, sizeof(s.managed)));
	CHECK(pfn_valid(section_nr_to_pfn(23)));
	CHECK(strstr(bt_captured(), "mm: deferred memmap init done: 8 sections"));
}

int main(void)
{
	struct snapshot all;

	mm_init_verbose = true;
	test_what_is_deferred(&all);
	test_on_demand_node();
	test_drain_waits_for_init(&all);
	test_steps_reach_the_eager_state(&all);
	return bt_finish("test_deferred");
}
