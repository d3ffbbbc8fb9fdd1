/*
 * Randomized differential test of the page allocator against a reference
 * model: seeded, reproducible, millions of mixed operations.
 *
 * The model owns a bitmap of pages handed out, the list of live
 * allocations, and which pages are managed (from the memmap at start).
 * It checks that every allocation is aligned, in an allowed zone (and node
 * for __GFP_THISNODE), below the requested address for contiguous ranges,
 * and overlaps nothing live (a page handed out twice is caught here); that
 * __GFP_ZERO blocks are zero though freed blocks are dirtied; that a
 * __GFP_MEMALLOC request fails only if the model has no wholly free
 * aligned block in the allowed zones; that bad frees are rejected with the
 * state unchanged; that the order-0 fast path (alloc_page_fast, and
 * alloc_pages(gfp, 0) which takes it) returns exactly the head of this
 * CPU's list of the first zone allowed whenever that zone is above its low
 * watermark and the list is not empty (the model reads the list before
 * the call); and every N operations that the invariant checker
 * passes and the allocated page count agrees with the zones' counters.
 * At the end everything is freed and the free lists must be exactly as
 * after boot.
 *
 * Usage: buddy_random_test LAYOUT [SCALE [SEED]]
 *   LAYOUT x86 (DMA, DMA32, Normal) or riscv-numa (two nodes);
 *   SCALE multiplies the default 1,000,000 operations.
 */
#include "bt.h"
#include <time.h>

#define CHECK_EVERY 25000

struct live {
	uint32_t pfn;
	uint32_t nr;          /* pages */
	uint8_t order;        /* buddy allocations */
	uint8_t contig;       /* from alloc_contig_pages_below */
};

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}
static unsigned rndn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static uint8_t *owned, *managed;   /* per pfn */
static struct live *lives;
static unsigned long nlive, maxlive, live_pages, npfn;
static unsigned long stat_memalloc_checked, stat_alloc, stat_fail, stat_free, stat_bad, stat_contig;
static unsigned long stat_fast, stat_fast_exact;
static bool numa;

static void fail_now(const char *what, unsigned long op)
{
	fprintf(stderr, "op %lu: %s\n", op, what);
	bt_failures++;
	if (bt_failures > 20)
		exit(1);
}

static void take(unsigned long op, unsigned long pfn, unsigned long nr, unsigned order, bool contig)
{
	for (unsigned long i = 0; i < nr; i++) {
		if (owned[pfn + i] || !managed[pfn + i]) {
			fail_now(owned[pfn + i] ? "page handed out twice" : "unmanaged page handed out", op);
			return;
		}
		owned[pfn + i] = 1;
	}
	if (nlive == maxlive) {
		maxlive = maxlive ? 2 * maxlive : 4096;
		lives = realloc(lives, maxlive * sizeof(*lives));
	}
	lives[nlive++] = (struct live){ (uint32_t)pfn, (uint32_t)nr, (uint8_t)order, contig };
	live_pages += nr;
}

static bool block_zeroed(unsigned long pfn, unsigned long nr)
{
	const uint64_t *first = page_address(pfn_to_page(pfn));
	const uint64_t *last = (const uint64_t *)page_address(pfn_to_page(pfn + nr - 1)) + PAGE_SIZE / 8 - 1;
	return *first == 0 && *last == 0;
}

static void dirty(unsigned long pfn, unsigned long nr)
{
	*(uint64_t *)page_address(pfn_to_page(pfn)) = 0xdeadbeefcafef00dULL;
	((uint64_t *)page_address(pfn_to_page(pfn + nr - 1)))[PAGE_SIZE / 8 - 1] = 0x5a5a5a5a5a5a5a5aULL;
}

/* Does the model see a wholly free aligned block of @order in a zone <= @highest (node @nid or any)? */
static bool model_has_block(unsigned order, int highest, int nid)
{
	unsigned long n = 1UL << order;

	for (unsigned long pfn = 0; pfn + n <= npfn; pfn += n) {
		unsigned long i;
		if (!managed[pfn] || owned[pfn])
			continue;
		struct page *p = pfn_to_page(pfn);
		if ((int)page_zonenum(p) > highest || (nid >= 0 && (int)page_to_nid(p) != nid))
			continue;
		for (i = 1; i < n; i++) {
			struct page *q = pfn_to_page(pfn + i);
			if (!managed[pfn + i] || owned[pfn + i] || page_zonenum(q) != page_zonenum(p) ||
			    page_to_nid(q) != page_to_nid(p))
				break;
		}
		if (i == n)
			return true;
	}
	return false;
}

static unsigned pick_order(void)
{
	unsigned r = rndn(100);
	return r < 60 ? 0 : r < 80 ? 1 + rndn(3) : r < 95 ? 4 + rndn(6) : 10;
}

static gfp_t pick_gfp(void)
{
	static const gfp_t zones[] = { 0, 0, 0, 0, 0, 0, __GFP_DMA32, __GFP_DMA32, __GFP_DMA };
	static const gfp_t types[] = { 0, __GFP_MOVABLE, __GFP_RECLAIMABLE };
	gfp_t gfp = zones[rndn(9)] | types[rndn(3)] | __GFP_NOWARN;

	if (!rndn(8))
		gfp |= __GFP_ZERO;
	if (!rndn(3))
		gfp |= __GFP_MEMALLOC;
	if (!rndn(10))
		gfp |= __GFP_HIGH;
	return gfp;
}

/*
 * The model of the order-0 fast path: the page it must return, or NULL if
 * the full path decides (the first zone allowed on the local node is low,
 * or this CPU's list of it is empty, or the lists are off).
 */
static struct page *fast_expect(gfp_t gfp)
{
	int highest = gfp_zone(gfp), mt = gfp_migratetype(gfp);
	struct zoneref *zr = NODE_DATA(numa_node_id())->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	struct page_list *l;
	struct zone *z;

	while (zr->zone && zr->zone_idx > highest)
		zr++;
	z = zr->zone;
	if (!mm_pcp_enabled() || !z || highest < 0 || mt < 0)
		return NULL;
	if (!(gfp & __GFP_MEMALLOC) &&
	    (long)z->free_pages <= (long)low_wmark_pages(z) + z->lowmem_reserve[highest])
		return NULL;
	l = &z->pcp[mm_this_cpu()].lists[order_to_pindex(mt, 0)];
	return page_list_empty(l) ? NULL : pfn_to_page(l->head);
}

static void op_alloc(unsigned long op)
{
	unsigned order = pick_order();
	gfp_t gfp = pick_gfp();
	int nid = -1;
	struct page *p;

	if (numa && rndn(2)) {
		nid = (int)rndn(2);
		if (!rndn(4))
			gfp |= __GFP_THISNODE;
	}
	if (!order && nid < 0 && rndn(2)) {
		struct page *want = fast_expect(gfp);

		p = rndn(2) ? alloc_page_fast(gfp) : alloc_pages(gfp, 0);
		stat_fast++;
		if (want && p != want)
			fail_now("order-0 fast path did not take the head of this CPU's list", op);
		stat_fast_exact += want != NULL;
	} else if (!order && nid < 0) {
		p = alloc_pages_node(numa_node_id(), gfp, 0);   /* the full path, same answer */
	} else {
		p = alloc_pages_node(nid, gfp, order);
	}
	if (!p) {
		stat_fail++;
		if (!(gfp & __GFP_MEMALLOC) || stat_fail % 8)
			return;
		stat_memalloc_checked++;
		if (model_has_block(order, gfp_zone(gfp), (gfp & __GFP_THISNODE) ? nid : -1))
			fail_now("MEMALLOC allocation failed though a free aligned block exists", op);
		return;
	}
	stat_alloc++;
	unsigned long pfn = page_to_pfn(p);
	if (pfn & ((1UL << order) - 1))
		fail_now("misaligned block", op);
	if ((int)page_zonenum(p) > gfp_zone(gfp))
		fail_now("block from a zone above the request", op);
	if ((gfp & __GFP_THISNODE) && (int)page_to_nid(p) != nid)
		fail_now("__GFP_THISNODE block from another node", op);
	if ((gfp & __GFP_ZERO) && !block_zeroed(pfn, 1UL << order))
		fail_now("__GFP_ZERO block not zeroed", op);
	take(op, pfn, 1UL << order, order, false);
}

static void op_contig(unsigned long op)
{
	static const phys_addr_t limits[] = { 0, 16 * MiB, 256 * MiB, 4 * GiB };
	unsigned long nr = 1 + rndn(600);
	phys_addr_t align = PAGE_SIZE << rndn(11);
	phys_addr_t limit = limits[rndn(4)];
	gfp_t gfp = pick_gfp();
	struct page *p = alloc_contig_pages_below(nr, align, limit, gfp);

	if (!p) {
		stat_fail++;
		return;
	}
	stat_contig++;
	unsigned long pfn = page_to_pfn(p);
	if (PFN_PHYS(pfn) & (align - 1))
		fail_now("contiguous range misaligned", op);
	if (limit && PFN_PHYS(pfn + nr) > limit)
		fail_now("contiguous range above its limit", op);
	if ((int)page_zonenum(p) > gfp_zone(gfp))
		fail_now("contiguous range from a zone above the request", op);
	if ((gfp & __GFP_ZERO) && !block_zeroed(pfn, nr))
		fail_now("contiguous __GFP_ZERO range not zeroed", op);
	take(op, pfn, nr, 0, true);
}

static void release(unsigned long op, unsigned long idx)
{
	struct live l = lives[idx];
	int err;

	if (!rndn(4))
		dirty(l.pfn, l.nr);
	err = l.contig ? free_contig_pages(pfn_to_page(l.pfn), l.nr)
		       : __free_pages(pfn_to_page(l.pfn), l.order);
	if (err)
		fail_now("free of a live allocation rejected", op);
	memset(owned + l.pfn, 0, l.nr);
	live_pages -= l.nr;
	lives[idx] = lives[--nlive];
	stat_free++;
}

/* A bad free must fail and change nothing. */
static void op_bad_free(unsigned long op)
{
	unsigned long fr = nr_free_pages(), pcp = nr_pcp_pages();
	int err;

	if (!nlive)
		return;
	struct live l = lives[rndn((unsigned)nlive)];
	switch (rndn(3)) {
	case 0: /* wrong order */
		err = l.contig ? free_contig_pages(pfn_to_page(l.pfn), l.nr + 1)
			       : __free_pages(pfn_to_page(l.pfn), l.order + 1 + rndn(2));
		if (l.contig && l.pfn + l.nr + 1 <= npfn && !err)
			fail_now("contiguous free with a wrong length accepted", op);
		break;
	case 1: /* a page inside the allocation */
		if (l.nr < 2)
			return;
		err = __free_pages(pfn_to_page(l.pfn + 1 + rndn(l.nr - 1)), 0);
		break;
	default: { /* a page not owned by anyone: free, pcp or reserved */
		unsigned long pfn = rnd() % npfn;
		if (!pfn_valid(pfn) || owned[pfn])
			return;
		err = __free_pages(pfn_to_page(pfn), 0);
		break;
	}
	}
	stat_bad++;
	if (!err)
		fail_now("bad free accepted", op);
	if (nr_free_pages() != fr || nr_pcp_pages() != pcp)
		fail_now("rejected free changed the free counts", op);
}

static void check_all(unsigned long op)
{
	char why[256];
	unsigned long used = 0;
	struct zone *z;
	int nid, zi;

	if (mm_check_invariants(why, sizeof(why))) {
		fprintf(stderr, "op %lu: invariants: %s\n", op, why);
		exit(1);
	}
	for_each_zone(z, nid, zi) {
		unsigned long pcp = 0;
		for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++)
			pcp += z->pcp[cpu].count;
		used += z->managed_pages - z->free_pages - pcp;
	}
	if (used != live_pages)
		fail_now("zones' allocated pages differ from the model", op);
}

static void boot(const char *layout)
{
	struct mneme_boot_info bi;

	if (!strcmp(layout, "x86")) {
		bt_bootinfo_init(&bi, MNEME_ARCH_X86_64);
		bt_add(&bi, 0, 0x9fc00, MNEME_MEM_USABLE, 0);
		bt_add(&bi, 0x100000, 190 * MiB, MNEME_MEM_USABLE, 0);
		bt_add(&bi, 0x2000000, 0x100000, MNEME_MEM_CORE, 0);
		bt_add(&bi, 4 * GiB, 64 * MiB, MNEME_MEM_USABLE, 0);
	} else {
		numa = true;
		bt_bootinfo_init(&bi, MNEME_ARCH_RISCV64);
		/* the node boundary at 0x86200000 splits a 4 MiB block inside a
		 * section; each node's early allocations sit at its top, far away */
		bt_add(&bi, 0x80000000, 98 * MiB, MNEME_MEM_USABLE, 0);
		bt_add(&bi, 0x80000000, 0x40000, MNEME_MEM_NOMAP, 0);
		bt_add(&bi, 0x86200000, 100 * MiB + 12 * 4096, MNEME_MEM_USABLE, 1);
		bt_add(&bi, 4 * GiB, 64 * MiB, MNEME_MEM_USABLE, 1);
		bt_add(&bi, 4 * GiB + 64 * MiB, 64 * MiB, MNEME_MEM_USABLE, 0);
	}
	if (bt_mm_init(&bi)) {
		fprintf(stderr, "mm_init failed\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *layout = argc > 1 ? argv[1] : "x86";
	unsigned long scale = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;
	unsigned long nops = 1000000UL * scale;
	static char info0[4096], info1[4096];

	rng_state = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x9e3779b97f4a7c15ULL;
	mm_init_verbose = false;
	boot(layout);
	npfn = max_pfn;
	owned = calloc(npfn, 1);
	managed = calloc(npfn, 1);
	for (unsigned long pfn = 0; pfn < npfn; pfn++)
		managed[pfn] = pfn_valid(pfn) && !(pfn_to_page(pfn)->flags & PG_reserved);
	buddyinfo_dump(info0, sizeof(info0));
	unsigned long free0 = nr_free_pages();
	clock_t t0 = clock();

	for (unsigned long op = 0; op < nops; op++) {
		unsigned r = rndn(1000);
		/* phases: half of memory in use, then nearly all (exhaustion paths) */
		unsigned long target = (op / 100000) % 2 ? totalram_pages() / 100 * 97 : totalram_pages() / 2;
		bool full = live_pages > target;

		if (r < (full ? 350u : 500u))
			op_alloc(op);
		else if (r < 960)
			nlive ? release(op, rndn((unsigned)nlive)) : (void)0;
		else if (r < 975)
			op_contig(op);
		else if (r < 990)
			op_bad_free(op);
		else if (r < 996)
			mm_host_set_cpu(rndn(4));
		else if (r < 999)
			drain_all_pages();
		else
			mm_set_pcp_enabled(!mm_pcp_enabled());
		if (op % CHECK_EVERY == CHECK_EVERY - 1)
			check_all(op);
	}
	check_all(nops);
	while (nlive)
		release(nops, nlive - 1);
	mm_set_pcp_enabled(true);
	drain_all_pages();
	check_all(nops);
	buddyinfo_dump(info1, sizeof(info1));
	CHECK_EQ(nr_free_pages(), free0);
	CHECK(!strcmp(info0, info1));
	printf("%s: %lu ops in %.1f s: %lu allocs, %lu contig, %lu failed (%lu MEMALLOC failures"
	       " checked against the model), %lu frees, %lu bad frees rejected; %lu order-0 fast"
	       " path allocations, %lu predicted exactly\n",
	       layout, nops, (double)(clock() - t0) / CLOCKS_PER_SEC, stat_alloc, stat_contig, stat_fail,
	       stat_memalloc_checked, stat_free, stat_bad, stat_fast, stat_fast_exact);
	CHECK(stat_fast_exact > stat_fast / 10);   /* the path was exercised, not only its fallbacks */
	free(owned);
	free(managed);
	free(lives);
	return bt_finish("test_random");
}
