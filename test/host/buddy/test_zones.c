/* Nodes and zones: layouts of both architectures, watermarks, lowmem_reserve, zonelists. */
#include "bt.h"
#include "mm/memblock.h"
#include "mm/mempolicy.h"
#include "mneme/error.h"

static unsigned long isqrt(unsigned long x)
{
	unsigned long r = 0;
	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

static void check_watermarks(void)
{
	unsigned long total = totalram_pages();
	unsigned long mfk = isqrt(total * 4 * 16);
	struct zone *z;
	int nid, zi;

	mfk = mfk < 128 ? 128 : mfk > 262144 ? 262144 : mfk;
	CHECK_EQ(min_free_kbytes, mfk);
	for_each_zone(z, nid, zi) {
		unsigned long min = (mfk / 4) * z->managed_pages / total;
		unsigned long gap = z->managed_pages * 10 / 10000;
		gap = gap < min / 4 ? min / 4 : gap;
		CHECK_EQ(min_wmark_pages(z), min);
		CHECK_EQ(low_wmark_pages(z), min + gap);
		CHECK_EQ(high_wmark_pages(z), min + 2 * gap);
	}
}

static void test_x86_zones(void)
{
	struct mneme_boot_info bi;

	bt_bootinfo_init(&bi, MNEME_ARCH_X86_64);
	bt_add(&bi, 0, 0x9fc00, MNEME_MEM_USABLE, 0);
	bt_add(&bi, 0x100000, 0x7fee0000, MNEME_MEM_USABLE, 0);
	bt_add(&bi, 0x100000000, 0x80000000, MNEME_MEM_USABLE, 0);
	mm_init_verbose = true;
	CHECK_EQ(bt_mm_init(&bi), 0);
	mm_init_verbose = false;
	const char *out = bt_captured();
	CHECK(strstr(out, "Zone ranges:\n"
		     "  DMA      [mem 0x0000000000000000-0x0000000000ffffff]\n"
		     "  DMA32    [mem 0x0000000001000000-0x00000000ffffffff]\n"
		     "  Normal   [mem 0x0000000100000000-0x000000017fffffff]\n"
		     "Movable zone start for each node\n"
		     "Early memory node ranges\n"
		     "  node   0: [mem 0x0000000000000000-0x000000000009efff]\n"
		     "  node   0: [mem 0x0000000000100000-0x000000007ffdffff]\n"
		     "  node   0: [mem 0x0000000100000000-0x000000017fffffff]\n"
		     "Initmem setup node 0 [mem 0x0000000000000000-0x000000017fffffff]\n"));
	CHECK(strstr(out, "Memory: ") && strstr(out, "K available ("));
	CHECK(memblock_is_closed());               /* the buddy owns the memory now */
	CHECK(!memblock_alloc_try_nid_raw(PAGE_SIZE, PAGE_SIZE, 0, MEMBLOCK_ALLOC_ACCESSIBLE, 0));
	struct zone *dma = bt_zone(0, ZONE_DMA), *dma32 = bt_zone(0, ZONE_DMA32), *normal = bt_zone(0, ZONE_NORMAL);
	CHECK_EQ(dma->zone_start_pfn, 0);
	CHECK_EQ(zone_end_pfn(dma), 4096);
	CHECK_EQ(dma->present_pages, 0x9f + (4096 - 256));
	CHECK_EQ(dma->managed_pages, 4096 - 256);   /* first MiB reserved */
	CHECK_EQ(dma32->zone_start_pfn, 4096);
	CHECK_EQ(zone_end_pfn(dma32), 0x100000);   /* spans the PCI hole */
	CHECK_EQ(normal->zone_start_pfn, 0x100000);
	CHECK_EQ(normal->spanned_pages, 0x80000);
	CHECK_EQ(normal->present_pages, 0x80000);
	check_watermarks();
	/* lowmem_reserve with Linux's ratios 256/256/32 */
	CHECK_EQ(dma->lowmem_reserve[ZONE_DMA], 0);
	CHECK_EQ(dma->lowmem_reserve[ZONE_DMA32], dma32->managed_pages / 256);
	CHECK_EQ(dma->lowmem_reserve[ZONE_NORMAL], (dma32->managed_pages + normal->managed_pages) / 256);
	CHECK_EQ(dma32->lowmem_reserve[ZONE_NORMAL], normal->managed_pages / 256);
	CHECK_EQ(normal->lowmem_reserve[ZONE_NORMAL], 0);
	/* zonelist: Normal, DMA32, DMA */
	struct zoneref *zr = NODE_DATA(0)->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	CHECK(zr[0].zone == normal && zr[1].zone == dma32 && zr[2].zone == dma && !zr[3].zone);
	/* zone selection by gfp; GFP_KERNEL falls back to DMA32 once Normal is below its marks */
	struct page *p = alloc_pages(GFP_DMA, 0);
	CHECK(p && page_zonenum(p) == ZONE_DMA);
	CHECK_EQ(__free_pages(p, 0), 0);
	p = alloc_pages(GFP_DMA32, 0);
	CHECK(p && page_zonenum(p) == ZONE_DMA32);
	CHECK_EQ(__free_pages(p, 0), 0);
	p = alloc_pages(GFP_KERNEL, 0);
	CHECK(p && page_zonenum(p) == ZONE_NORMAL);
	CHECK_EQ(__free_pages(p, 0), 0);
	CHECK(!alloc_pages(__GFP_DMA | __GFP_DMA32 | __GFP_NOWARN, 0));
	CHECK_INVARIANTS();
}

/* Watermark check: the reserve of a lower zone keeps higher-zone requests out. */
static void test_watermark_ok(void)
{
	struct zone *dma = bt_zone(0, ZONE_DMA);
	unsigned long saved = dma->free_pages;

	CHECK(zone_watermark_ok(dma, 0, min_wmark_pages(dma), ZONE_DMA, false));
	dma->free_pages = min_wmark_pages(dma) + dma->lowmem_reserve[ZONE_NORMAL];
	CHECK(!zone_watermark_ok(dma, 0, min_wmark_pages(dma), ZONE_NORMAL, false));
	CHECK(zone_watermark_ok(dma, 0, min_wmark_pages(dma), ZONE_DMA, false));
	dma->free_pages = min_wmark_pages(dma);
	CHECK(!zone_watermark_ok(dma, 0, min_wmark_pages(dma), ZONE_DMA, false));
	CHECK(zone_watermark_ok(dma, 0, min_wmark_pages(dma), ZONE_DMA, true)); /* __GFP_HIGH: half */
	dma->free_pages = saved;
}

static void test_riscv_zones(void)
{
	struct mneme_boot_info bi;

	bt_bootinfo_init(&bi, MNEME_ARCH_RISCV64);
	bt_add(&bi, 0x80000000, 8 * GiB, MNEME_MEM_USABLE, 0);
	bt_add(&bi, 0x80000000, 0x40000, MNEME_MEM_NOMAP, 0);
	mm_init_verbose = true;
	CHECK_EQ(bt_mm_init(&bi), 0);
	mm_init_verbose = false;
	CHECK(strstr(bt_captured(), "Zone ranges:\n"
		     "  DMA32    [mem 0x0000000080000000-0x00000000ffffffff]\n"
		     "  Normal   [mem 0x0000000100000000-0x000000027fffffff]\n"));
	CHECK(!strstr(bt_captured(), "  DMA      "));
	CHECK(!bt_zone(0, ZONE_DMA)->exists && !bt_zone(0, ZONE_DMA)->present_pages);
	CHECK_EQ(bt_zone(0, ZONE_DMA32)->zone_start_pfn, 0x80000);
	CHECK_EQ(bt_zone(0, ZONE_DMA32)->spanned_pages, 0x80000);
	CHECK_EQ(bt_zone(0, ZONE_DMA32)->managed_pages, 0x80000 - 0x40);
	CHECK_EQ(bt_zone(0, ZONE_NORMAL)->spanned_pages, 0x180000);
	check_watermarks();
	/* __GFP_DMA on riscv64 means the lowest zone there is: DMA32 */
	struct page *p = alloc_pages(GFP_DMA, 0);
	CHECK(p && page_zonenum(p) == ZONE_DMA32);
	CHECK_EQ(__free_pages(p, 0), 0);
	CHECK_INVARIANTS();
}

/* Three nodes with a distance matrix: zonelists local first, then by distance. */
static void test_multi_node(void)
{
	struct mneme_boot_info bi;

	bt_bootinfo_init(&bi, MNEME_ARCH_RISCV64);
	bt_add(&bi, 0x80000000, 2 * GiB, MNEME_MEM_USABLE, 0);
	bt_add(&bi, 0x100000000, 1 * GiB, MNEME_MEM_USABLE, 1);
	bt_add(&bi, 0x140000000, 3 * GiB, MNEME_MEM_USABLE, 2);
	mm_set_node_distance(0, 1, 30); mm_set_node_distance(1, 0, 30);
	mm_set_node_distance(0, 2, 20); mm_set_node_distance(2, 0, 20);
	mm_set_node_distance(1, 2, 40); mm_set_node_distance(2, 1, 40);
	CHECK_EQ(bt_mm_init(&bi), 0);
	CHECK(node_online(0) && node_online(1) && node_online(2) && !node_online(3));
	CHECK_EQ(NODE_DATA(1)->node_start_pfn, 0x100000);
	CHECK_EQ(NODE_DATA(1)->node_spanned_pages, GiB / PAGE_SIZE);
	CHECK_EQ(NODE_DATA(0)->node_present_pages, 2 * GiB / PAGE_SIZE);
	CHECK(!populated_zone(bt_zone(0, ZONE_NORMAL)));
	CHECK(!populated_zone(bt_zone(1, ZONE_DMA32)));
	/* node 1: its Normal, then node 0 (distance 30), then node 2 (40) */
	struct zoneref *zr = NODE_DATA(1)->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	CHECK(zr[0].zone == bt_zone(1, ZONE_NORMAL));
	CHECK(zr[1].zone == bt_zone(0, ZONE_DMA32));
	CHECK(zr[2].zone == bt_zone(2, ZONE_NORMAL));
	CHECK(!zr[3].zone);
	zr = NODE_DATA(0)->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	CHECK(zr[0].zone == bt_zone(0, ZONE_DMA32) && zr[1].zone == bt_zone(2, ZONE_NORMAL) &&
	      zr[2].zone == bt_zone(1, ZONE_NORMAL) && !zr[3].zone);
	/* allocation on node 1 stays there; DMA32 requests from node 1 go to node 0 */
	struct page *p = alloc_pages_node(1, GFP_KERNEL, 3);
	CHECK(p && page_to_nid(p) == 1);
	CHECK_EQ(__free_pages(p, 3), 0);
	p = alloc_pages_node(1, GFP_DMA32, 0);
	CHECK(p && page_to_nid(p) == 0);
	CHECK_EQ(__free_pages(p, 0), 0);
	CHECK(!alloc_pages_node(1, GFP_DMA32 | __GFP_THISNODE | __GFP_NOWARN, 0));
	/* exhaust node 1: the next request from node 1 falls back to node 0 */
	static struct page *list[1 << 14];
	static unsigned orders[1 << 14];
	unsigned long n = 0;
	while ((list[n] = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN | __GFP_MEMALLOC, 10))) {
		CHECK_EQ(page_to_nid(list[n]), 1);
		orders[n++] = 10;
	}
	CHECK(n >= 250 && n < 256);     /* node 1's memmap and pglist_data live on node 1 */
	CHECK_EQ(bt_zone(1, ZONE_NORMAL)->free_area[10].nr_free, 0);
	p = alloc_pages_node(1, GFP_KERNEL, 10);
	CHECK(p && page_to_nid(p) == 0);
	CHECK_EQ(__free_pages(p, 10), 0);
	while (n--)
		CHECK_EQ(__free_pages(list[n], orders[n]), 0);
	CHECK_INVARIANTS();
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
			mm_set_node_distance(a, b, a == b ? 10 : 20);
}

/* @n nodes of @size each from 0x80000000, CPU i on node @cpu_node[i], distances @d (n x n). */
static void numa_bootinfo(struct mneme_boot_info *bi, unsigned n, uint64_t size, unsigned cpus,
			  const unsigned *cpu_node, const unsigned char *d)
{
	bt_bootinfo_init(bi, MNEME_ARCH_RISCV64);
	for (unsigned i = 0; i < n; i++)
		bt_add(bi, 0x80000000 + i * size, size, MNEME_MEM_USABLE, i);
	bi->nr_nodes = n;
	bi->nr_cpus = cpus;
	for (unsigned c = 0; c < cpus; c++)
		bi->cpu_node[c] = (uint8_t)cpu_node[c];
	for (unsigned a = 0; a < n; a++)
		for (unsigned b = 0; b < n; b++)
			bi->distance[a][b] = d[a * n + b];
}

/* Each node's fallback order is @want (n rows of n), and its zonelist follows it. */
static void check_order(unsigned n, const int *want)
{
	for (unsigned nid = 0; nid < n; nid++) {
		struct zoneref *zr = NODE_DATA((int)nid)->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
		for (unsigned i = 0; i < n; i++) {
			CHECK_EQ(node_fallback_order((int)nid, (int)i), want[nid * n + i]);
			CHECK(zr[i].zone && zr[i].zone->node == want[nid * n + i]);
		}
		CHECK_EQ(node_fallback_order((int)nid, (int)n), -1);
	}
}

/*
 * Linux's zonelist order (build_zonelists, find_next_best_node), worked
 * out by hand: nearest first; ties go to the node without CPUs, then to
 * the node above the local one, then to the less loaded one, where the
 * first node of each new distance group takes one unit of load.
 */
static void test_linux_order(void)
{
	static const unsigned cpus4[] = { 0, 1, 2, 3 }, cpus2[] = { 0, 1 };
	struct mneme_boot_info bi;
	/* four nodes at equal distances: each node tries the next one first (round robin) */
	static const unsigned char uniform[16] = { 10, 20, 20, 20, 20, 10, 20, 20,
						   20, 20, 10, 20, 20, 20, 20, 10 };
	static const int uniform_order[16] = { 0, 1, 2, 3, 1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2 };
	/* the riscv64 NUMA boot test's matrix: distances that differ, with ties */
	static const unsigned char square[16] = { 10, 16, 22, 22, 16, 10, 22, 28,
						  22, 22, 10, 16, 22, 28, 16, 10 };
	static const int square_order[16] = { 0, 1, 2, 3, 1, 0, 2, 3, 2, 3, 0, 1, 3, 2, 0, 1 };
	/* three nodes at equal distances, node 2 without CPUs: everyone's first fallback */
	static const unsigned char three[9] = { 10, 20, 20, 20, 10, 20, 20, 20, 10 };
	static const int three_order[9] = { 0, 2, 1, 1, 2, 0, 2, 0, 1 };

	numa_bootinfo(&bi, 4, 256 * MiB, 4, cpus4, uniform);
	CHECK_EQ(bt_mm_init(&bi), 0);
	check_order(4, uniform_order);
	numa_bootinfo(&bi, 4, 256 * MiB, 4, cpus4, square);
	mm_init_verbose = true;
	CHECK_EQ(bt_mm_init(&bi), 0);
	mm_init_verbose = false;
	check_order(4, square_order);
	CHECK(strstr(bt_captured(), "Fallback order for Node 2: 2 3 0 1 \n"));
	numa_bootinfo(&bi, 3, 256 * MiB, 2, cpus2, three);
	CHECK_EQ(bt_mm_init(&bi), 0);
	check_order(3, three_order);
	CHECK(node_has_cpus(0) && node_has_cpus(1) && !node_has_cpus(2));
	CHECK_EQ(cpu_to_node(1), 1);
	CHECK_EQ(cpu_to_node(7), 0);               /* beyond the map: node 0 */
}

/* This CPU's NUMA counters of node @nid (all its zones). */
static unsigned long numa_ev(int nid, enum numa_stat_item item)
{
	unsigned long sum = 0;

	for (int zi = 0; zi < MAX_NR_ZONES; zi++)
		for (unsigned c = 0; c < MM_NR_CPUS; c++)
			sum += bt_zone(nid, zi)->pcpstat[c].numa_event[item];
	return sum;
}

/*
 * Allocations follow the requesting CPU's node, fall back along its
 * zonelist when it runs out, and count Linux's NUMA events as they go.
 */
static void test_local_node_and_events(void)
{
	static const unsigned cpus[] = { 0, 0, 1, 1, 2, 2 };
	static const unsigned char d[9] = { 10, 20, 30, 20, 10, 15, 30, 15, 10 };
	static struct page *list[1 << 16];
	struct mneme_boot_info bi;
	unsigned long n = 0, hit, miss, foreign, local, other;

	numa_bootinfo(&bi, 3, 256 * MiB, 6, cpus, d);
	CHECK_EQ(bt_mm_init(&bi), 0);
	/* the server serves CPU 3 (node 1): single pages come from node 1, through the fast path too */
	numa_set_request_cpu(3);
	CHECK_EQ(numa_node_id(), 1);
	hit = numa_ev(1, NUMA_HIT), local = numa_ev(1, NUMA_LOCAL);
	struct page *p = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	CHECK(p && page_to_nid(p) == 1);
	CHECK_EQ(numa_ev(1, NUMA_HIT), hit + 1);
	CHECK_EQ(numa_ev(1, NUMA_LOCAL), local + 1);
	CHECK_EQ(__free_pages(p, 0), 0);
	p = alloc_pages(GFP_KERNEL, 4);
	CHECK(p && page_to_nid(p) == 1);
	CHECK_EQ(__free_pages(p, 4), 0);
	/* node 1 exhausted: the next comes from node 2 (distance 15), not node 0 (20) */
	while (n < (1 << 16) &&
	       (list[n] = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN | __GFP_MEMALLOC, 0)))
		n++;
	CHECK(n > 1000 && n < (1 << 16));
	miss = numa_ev(2, NUMA_MISS), foreign = numa_ev(1, NUMA_FOREIGN), other = numa_ev(2, NUMA_OTHER);
	p = alloc_pages(GFP_KERNEL, 0);
	CHECK(p && page_to_nid(p) == 2);
	CHECK_EQ(numa_ev(2, NUMA_MISS), miss + 1);
	CHECK_EQ(numa_ev(1, NUMA_FOREIGN), foreign + 1);
	CHECK_EQ(numa_ev(2, NUMA_OTHER), other + 1);
	CHECK_EQ(__free_pages(p, 0), 0);
	/* a bind-style request: only node 0, preferring node 1 -> node 0, a miss for node 0 */
	nodemask_t only0 = 1;
	miss = numa_ev(0, NUMA_MISS);
	hit = numa_ev(0, NUMA_HIT);
	p = __alloc_pages(GFP_KERNEL, 0, 1, &only0);
	CHECK(p && page_to_nid(p) == 0);
	CHECK_EQ(numa_ev(0, NUMA_HIT), hit + 1);   /* node 0 was the preferred zone under the mask */
	CHECK_EQ(numa_ev(0, NUMA_MISS), miss);
	CHECK_EQ(__free_pages(p, 0), 0);
	nodemask_t only1 = 2;
	CHECK(!__alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0, -1, &only1));   /* bind to a full node */
	while (n--)
		CHECK_EQ(__free_pages(list[n], 0), 0);
	numa_set_request_cpu(0);
	CHECK_INVARIANTS();
}

/* Nodes meeting inside a 4 MiB block and inside a section: blocks never merge across. */
static void test_node_boundary_merge(void)
{
	struct mneme_boot_info bi;

	bt_bootinfo_init(&bi, MNEME_ARCH_RISCV64);
	bt_add(&bi, 0x80000000, 2 * MiB, MNEME_MEM_USABLE, 0);
	bt_add(&bi, 0x80200000, 126 * MiB, MNEME_MEM_USABLE, 1);
	bt_add(&bi, 0x88000000, 128 * MiB, MNEME_MEM_USABLE, 0);  /* node 0's early allocations go here */
	CHECK_EQ(bt_mm_init(&bi), 0);
	CHECK_EQ(page_to_nid(pfn_to_page(0x801ff)), 0);
	CHECK_EQ(page_to_nid(pfn_to_page(0x80200)), 1);
	struct page *a = pfn_to_page(0x80000), *b = pfn_to_page(0x80200);
	CHECK(PageBuddy(a) && buddy_order(a) == 9 && page_to_nid(a) == 0);
	CHECK(PageBuddy(b) && buddy_order(b) == 9 && page_to_nid(b) == 1);
	CHECK_INVARIANTS();
}

/* Unknown architecture: rejected. */
static void test_bad_arch(void)
{
	struct mneme_boot_info bi;

	bt_bootinfo_init(&bi, 99);
	bt_add(&bi, 0x80000000, 128 * MiB, MNEME_MEM_USABLE, 0);
	CHECK_EQ(bt_mm_init(&bi), -MNEME_EINVAL);
}

/*
 * Memory policies over three nodes (CPU 0 on node 0): bad policies are
 * refused and change nothing; preferred, bind and interleave put pages
 * where Linux's would, bind fails when its nodes are full, and an
 * interleaved page on its chosen node counts interleave_hit.
 */
static void test_mempolicy(void)
{
	static const unsigned cpus[] = { 0, 0, 1, 1, 2, 2 };
	static const unsigned char d[9] = { 10, 20, 30, 20, 10, 15, 30, 15, 10 };
	static struct page *list[1 << 16];
	struct mneme_boot_info bi;
	struct mempolicy pol = { .mode = 77 }, keep;
	unsigned long n = 0, ih;
	struct page *p;

	numa_bootinfo(&bi, 3, 256 * MiB, 6, cpus, d);
	CHECK_EQ(bt_mm_init(&bi), 0);
	numa_set_request_cpu(0);
	keep = pol;
	CHECK_EQ(mpol_new(MPOL_MAX, 1, &pol), -MNEME_EINVAL);
	CHECK_EQ(mpol_new(MPOL_DEFAULT, 1, &pol), -MNEME_EINVAL);
	CHECK_EQ(mpol_new(MPOL_LOCAL, 2, &pol), -MNEME_EINVAL);
	CHECK_EQ(mpol_new(MPOL_BIND, 0, &pol), -MNEME_EINVAL);
	CHECK_EQ(mpol_new(MPOL_INTERLEAVE, 1ULL << 3, &pol), -MNEME_EINVAL);   /* node 3 does not exist */
	CHECK_EQ(mpol_new(MPOL_PREFERRED, 1 | 1ULL << 63, &pol), -MNEME_EINVAL);
	CHECK(!memcmp(&pol, &keep, sizeof(pol)));
	CHECK(mpol_choose(NULL, NULL) == NULL);

	CHECK_EQ(mpol_new(MPOL_PREFERRED, 1ULL << 2, &pol), 0);
	p = alloc_pages_mpol(GFP_HIGHUSER_MOVABLE, 0, &pol, 0);
	CHECK(p && page_to_nid(p) == 2);
	CHECK_EQ(__free_pages(p, 0), 0);
	CHECK(mpol_choose(&pol, NULL) == &pol);
	CHECK_EQ(mpol_new(MPOL_DEFAULT, 0, &keep), 0);
	CHECK(mpol_choose(&keep, &pol) == &pol);   /* a DEFAULT region follows its task */

	CHECK_EQ(mpol_new(MPOL_INTERLEAVE, 1 | 1ULL << 2, &pol), 0);
	ih = numa_ev(0, NUMA_INTERLEAVE_HIT) + numa_ev(2, NUMA_INTERLEAVE_HIT);
	for (uint64_t i = 0; i < 6; i++) {
		p = alloc_pages_mpol(GFP_HIGHUSER_MOVABLE, 0, &pol, 100 + i);
		CHECK(p && (int)page_to_nid(p) == (i % 2 ? 2 : 0));
		CHECK_EQ(__free_pages(p, 0), 0);
	}
	CHECK_EQ(numa_ev(0, NUMA_INTERLEAVE_HIT) + numa_ev(2, NUMA_INTERLEAVE_HIT), ih + 6);

	/* bind to {1, 2} from CPU 0: node 1 (distance 20) before node 2 (30); full: NULL */
	CHECK_EQ(mpol_new(MPOL_BIND, 1ULL << 1 | 1ULL << 2, &pol), 0);
	p = alloc_pages_mpol(GFP_HIGHUSER_MOVABLE, 0, &pol, 0);
	CHECK(p && page_to_nid(p) == 1);
	CHECK_EQ(__free_pages(p, 0), 0);
	CHECK_EQ(mpol_new(MPOL_BIND, 1ULL << 1, &pol), 0);
	while (n < (1 << 16) && (list[n] = alloc_pages_mpol(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 0, &pol, 0))) {
		CHECK(page_to_nid(list[n]) == 1);
		n++;
	}
	CHECK(n > 1000 && n < (1 << 16));
	CHECK(!alloc_contig_pages_mpol(1, 0, 0, GFP_KERNEL | __GFP_NOWARN, &pol));
	p = alloc_pages_mpol(GFP_HIGHUSER_MOVABLE, 0, NULL, 0);   /* local still has room */
	CHECK(p && page_to_nid(p) == 0);
	CHECK_EQ(__free_pages(p, 0), 0);
	while (n--)
		CHECK_EQ(__free_pages(list[n], 0), 0);
	CHECK_INVARIANTS();
}

int main(void)
{
	mm_init_verbose = false;
	test_x86_zones();
	test_watermark_ok();
	test_riscv_zones();
	test_multi_node();
	test_linux_order();
	test_local_node_and_events();
	test_mempolicy();
	test_node_boundary_merge();
	test_bad_arch();
	return bt_finish("test_zones");
}
