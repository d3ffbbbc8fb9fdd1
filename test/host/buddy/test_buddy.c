/* The buddy allocator: split and merge, migrate types, per-CPU lists, GFP_ZERO, contiguous ranges, bad input. */
#include "bt.h"

static unsigned long nr_free_order(struct zone *z, unsigned o)
{
	return z->free_area[o].nr_free;
}

/* riscv64 virt with 128 MiB and OpenSBI's reservation: one zone. */
static struct zone *small_machine(void)
{
	struct mneme_boot_info bi;

	bt_bootinfo_init(&bi, MNEME_ARCH_RISCV64);
	bt_add(&bi, 0x80000000, 128 * MiB, MNEME_MEM_USABLE, 0);
	bt_add(&bi, 0x80000000, 0x40000, MNEME_MEM_NOMAP, 0);
	CHECK_EQ(bt_mm_init(&bi), 0);
	return bt_zone(0, ZONE_DMA32);
}

static void test_split_merge(void)
{
	struct zone *z = small_machine();
	const gfp_t gfp = GFP_HIGHUSER_MOVABLE;   /* all pageblocks start movable: no fallback */
	static struct page *low[4096];
	static unsigned lowo[4096];
	unsigned long before[MAX_ORDER], orig[MAX_ORDER], nl = 0;

	mm_set_pcp_enabled(false);
	for (int o = 0; o < MAX_ORDER; o++)
		orig[o] = nr_free_order(z, o);
	/* take every block below order 10 so each split must come from order 10 */
	for (int o = 0; o < MAX_ORDER - 1; o++)
		while (nr_free_order(z, o) && nl < 4096) {
			low[nl] = alloc_pages(gfp, (unsigned)o);
			CHECK(low[nl] && alloc_order(low[nl]) == (unsigned)o);
			lowo[nl++] = (unsigned)o;
		}
	for (int o = 0; o < MAX_ORDER; o++)
		before[o] = nr_free_order(z, o);
	CHECK_EQ(before[0] + before[5] + before[9], 0);
	unsigned long free0 = z->free_pages;

	struct page *a = alloc_pages(gfp, 0);
	CHECK(a && (a->flags & PG_head) && alloc_order(a) == 0);
	CHECK_EQ(page_to_pfn(a) & 1023, 0);
	CHECK_EQ(z->free_pages, free0 - 1);
	CHECK_EQ(nr_free_order(z, 10), before[10] - 1);
	for (int o = 0; o < MAX_ORDER - 1; o++)
		CHECK_EQ(nr_free_order(z, o), 1);           /* expand left one block per order */
	struct page *b = alloc_pages(gfp, 0);
	CHECK_EQ(page_to_pfn(b), page_to_pfn(a) ^ 1);     /* a's buddy */
	CHECK_EQ(__free_pages(a, 0), 0);
	CHECK(PageBuddy(a) && buddy_order(a) == 0);        /* no merge: b is allocated */
	CHECK_INVARIANTS();
	CHECK_EQ(__free_pages(b, 0), 0);
	for (int o = 0; o < MAX_ORDER; o++)
		CHECK_EQ(nr_free_order(z, o), before[o]);      /* merged back to order 10 */
	CHECK(PageBuddy(a) && buddy_order(a) == 10);

	struct page *c = alloc_pages(gfp, 3);
	CHECK(c && (page_to_pfn(c) & 1023) == 0);
	for (int o = 3; o < MAX_ORDER - 1; o++)
		CHECK_EQ(nr_free_order(z, o), 1);
	CHECK_EQ(nr_free_order(z, 2), 0);
	CHECK_EQ(__free_pages(c, 3), 0);
	for (int o = 0; o < MAX_ORDER; o++)
		CHECK_EQ(nr_free_order(z, o), before[o]);
	while (nl--)
		CHECK_EQ(__free_pages(low[nl], lowo[nl]), 0);
	for (int o = 0; o < MAX_ORDER; o++)
		CHECK_EQ(nr_free_order(z, o), orig[o]);
	CHECK_INVARIANTS();
	mm_set_pcp_enabled(true);
}

/* Nothing merges across a zone boundary: DMA/DMA32 at 16 MiB on x86. */
static void test_zone_boundary(void)
{
	struct mneme_boot_info bi;

	bt_bootinfo_init(&bi, MNEME_ARCH_X86_64);
	bt_add(&bi, 0x100000, 127 * MiB, MNEME_MEM_USABLE, 0);
	CHECK_EQ(bt_mm_init(&bi), 0);
	/* the last DMA block ends at 16 MiB; the first DMA32 block starts there */
	struct page *last = pfn_to_page(4096 - 1024), *first = pfn_to_page(4096);
	CHECK(PageBuddy(last) && page_zonenum(last) == ZONE_DMA);
	CHECK(PageBuddy(first) && page_zonenum(first) == ZONE_DMA32);
	/* allocate and free everything in both: blocks never straddle 16 MiB */
	static struct page *list[1 << 16];
	static unsigned orders[1 << 16];
	unsigned long pages = bt_drain_all(GFP_DMA32, list, (1 << 16) - 1, orders);
	CHECK_EQ(pages, bt_zone(0, ZONE_DMA)->managed_pages + bt_zone(0, ZONE_DMA32)->managed_pages);
	CHECK_EQ(nr_free_pages() + nr_pcp_pages(), 0);
	for (unsigned long i = 0; list[i]; i++) {
		unsigned long pfn = page_to_pfn(list[i]);
		CHECK(pfn >= 4096 || pfn + (1UL << orders[i]) <= 4096);
		CHECK_EQ(__free_pages(list[i], orders[i]), 0);
	}
	drain_all_pages();
	CHECK(PageBuddy(pfn_to_page(4096 - 1024)) && buddy_order(pfn_to_page(4096 - 1024)) == 10);
	CHECK_INVARIANTS();
}

/* Migrate types: unmovable requests steal a pageblock from the movable pool. */
static void test_migratetypes(void)
{
	struct zone *z = small_machine();

	mm_set_pcp_enabled(false);
	unsigned long fb = page_alloc_stats.fallbacks;
	struct page *m = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	CHECK(m && get_pageblock_migratetype(m) == MIGRATE_MOVABLE);
	CHECK_EQ(page_alloc_stats.fallbacks, fb);            /* movable needs no fallback */
	struct page *u = alloc_pages(GFP_KERNEL, 0);
	CHECK(u);
	CHECK_EQ(page_alloc_stats.fallbacks, fb + 1);
	CHECK_EQ(get_pageblock_migratetype(u), MIGRATE_UNMOVABLE);  /* the whole block was claimed */
	CHECK(page_list_first(&z->free_area[0].free_list[MIGRATE_UNMOVABLE]) != NULL);
	struct page *u2 = alloc_pages(GFP_KERNEL, 0);
	CHECK(u2 && page_alloc_stats.fallbacks == fb + 1);   /* served from the claimed pageblock */
	CHECK_EQ(page_to_pfn(u2) >> pageblock_order, page_to_pfn(u) >> pageblock_order);
	struct page *r = alloc_pages(__GFP_RECLAIMABLE, 2);
	CHECK(r && r->migratetype == MIGRATE_RECLAIMABLE);
	CHECK(!alloc_pages(__GFP_MOVABLE | __GFP_RECLAIMABLE | __GFP_NOWARN, 0));
	char buf[4096];
	pagetypeinfo_dump(buf, sizeof(buf));
	CHECK(strstr(buf, "Number of blocks type     Unmovable      Movable  Reclaimable \n"));
	CHECK_EQ(__free_pages(m, 0), 0);
	CHECK_EQ(__free_pages(u, 0), 0);
	CHECK_EQ(__free_pages(u2, 0), 0);
	CHECK_EQ(__free_pages(r, 2), 0);
	CHECK_INVARIANTS();
	mm_set_pcp_enabled(true);
}

/* Per-CPU lists: batched refill, high-mark drain, per-CPU separation, drain_all. */
static void test_pcp(void)
{
	struct zone *z = small_machine();
	unsigned long free0 = z->free_pages;
	struct per_cpu_pages *pcp = &z->pcp[0];
	unsigned batch = pcp->batch;

	CHECK(batch >= 1 && pcp->high == 6 * batch);
	mm_host_set_cpu(0);
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	CHECK(p);
	CHECK_EQ(pcp->count, batch - 1);                  /* refilled a batch, handed one out */
	CHECK_EQ(z->free_pages, free0 - batch);
	CHECK_INVARIANTS();
	CHECK_EQ(__free_pages(p, 0), 0);
	CHECK_EQ(pcp->count, batch);
	CHECK(p->flags & PG_pcp);
	CHECK_EQ(__free_pages(p, 0), -MNEME_EBUSY);       /* double free of a pcp page */
	/* CPU 1 has its own lists */
	mm_host_set_cpu(1);
	struct page *q = alloc_pages(GFP_KERNEL, 1);
	CHECK(q && z->pcp[1].count > 0 && pcp->count == batch);
	CHECK_EQ(__free_pages(q, 1), 0);
	mm_host_set_cpu(0);
	/* freeing many pages drains a batch whenever count reaches high */
	static struct page *list[4096];
	unsigned n = 10 * pcp->high;
	for (unsigned i = 0; i < n; i++)
		list[i] = alloc_pages(GFP_KERNEL, 0);
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(__free_pages(list[i], 0), 0);
		CHECK(pcp->count < pcp->high);
	}
	CHECK_INVARIANTS();
	drain_all_pages();
	CHECK_EQ(nr_pcp_pages(), 0);
	CHECK_EQ(z->free_pages, free0);
	/* turned off: no pcp use at all */
	mm_set_pcp_enabled(false);
	p = alloc_pages(GFP_KERNEL, 0);
	CHECK(p && pcp->count == 0 && z->free_pages == free0 - 1);
	CHECK_EQ(__free_pages(p, 0), 0);
	CHECK_EQ(z->free_pages, free0);
	mm_set_pcp_enabled(true);
	CHECK_INVARIANTS();
}

static bool all_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i] != v)
			return false;
	return true;
}

/* The head of CPU @cpu's order-0 list of type @mt in @z, or NULL. */
static struct page *pcp_head(struct zone *z, unsigned cpu, int mt)
{
	struct page_list *l = &z->pcp[cpu].lists[order_to_pindex(mt, 0)];

	return page_list_empty(l) ? NULL : pfn_to_page(l->head);
}

/*
 * The order-0 fast path (the fault path's allocator): the head of this
 * CPU's list of the first zone the request may use, else the full path
 * (refill, other zones, watermarks); same contract as alloc_pages(gfp, 0).
 */
static void test_page_fast(void)
{
	struct mneme_boot_info bi;
	struct zone *dma, *dma32, *normal;
	struct page *p, *q, *r, *head;
	unsigned long pcp0;

	bt_bootinfo_init(&bi, MNEME_ARCH_X86_64);
	bt_add(&bi, 0x100000, 255 * MiB, MNEME_MEM_USABLE, 0);
	bt_add(&bi, 4 * GiB, 128 * MiB, MNEME_MEM_USABLE, 0);
	CHECK_EQ(bt_mm_init(&bi), 0);
	dma = bt_zone(0, ZONE_DMA);
	dma32 = bt_zone(0, ZONE_DMA32);
	normal = bt_zone(0, ZONE_NORMAL);
	mm_host_set_cpu(0);
	/* an empty list: the full path refills a batch and hands one out */
	p = alloc_page_fast(GFP_HIGHUSER_MOVABLE);
	CHECK(p && page_zone(p) == normal);
	CHECK_EQ(normal->pcp[0].count, normal->pcp[0].batch - 1);
	CHECK((p->flags & PG_head) && !(p->flags & (PG_pcp | PG_buddy)) && alloc_order(p) == 0);
	CHECK_EQ(p->_refcount, 1);
	/* a list with pages: exactly its head, zeroed on request */
	head = pcp_head(normal, 0, MIGRATE_MOVABLE);
	CHECK(head != NULL);
	memset(page_address(head), 0xa5, PAGE_SIZE);
	pcp0 = normal->pcp[0].count;
	q = alloc_page_fast(GFP_HIGHUSER_MOVABLE | __GFP_ZERO);
	CHECK(q == head);
	CHECK_EQ(normal->pcp[0].count, pcp0 - 1);
	CHECK(all_bytes(page_address(q), PAGE_SIZE, 0));
	/* a freed page goes to the head and comes straight back; alloc_pages(gfp, 0) is the same path */
	CHECK_EQ(__free_pages(q, 0), 0);
	CHECK(pcp_head(normal, 0, MIGRATE_MOVABLE) == q);
	CHECK(alloc_pages(GFP_HIGHUSER_MOVABLE, 0) == q);
	/* the zone modifiers and migrate types choose the list */
	r = alloc_page_fast(GFP_DMA32 | __GFP_RECLAIMABLE);
	CHECK(r && page_zone(r) == dma32 && dma32->pcp[0].count == dma32->pcp[0].batch - 1);
	CHECK_EQ(__free_pages(r, 0), 0);
	CHECK(pcp_head(dma32, 0, MIGRATE_RECLAIMABLE) == r);
	r = alloc_page_fast(GFP_DMA);
	CHECK(r && page_zone(r) == dma);
	CHECK_EQ(__free_pages(r, 0), 0);
	/* another CPU has its own lists */
	mm_host_set_cpu(1);
	pcp0 = normal->pcp[0].count;
	r = alloc_page_fast(GFP_HIGHUSER_MOVABLE);
	CHECK(r && r != q && normal->pcp[0].count == pcp0);
	CHECK_EQ(normal->pcp[1].count, normal->pcp[1].batch - 1);
	CHECK_EQ(__free_pages(r, 0), 0);
	mm_host_set_cpu(0);
	/* bad flags: NULL and nothing changes */
	pcp0 = nr_pcp_pages();
	CHECK(!alloc_page_fast(0x80000000u | __GFP_NOWARN));
	CHECK(!alloc_page_fast(__GFP_DMA | __GFP_DMA32 | __GFP_NOWARN));
	CHECK(!alloc_page_fast(__GFP_MOVABLE | __GFP_RECLAIMABLE | __GFP_NOWARN));
	CHECK_EQ(nr_pcp_pages(), pcp0);
	/* per-CPU lists off: straight from the buddy */
	mm_set_pcp_enabled(false);
	r = alloc_page_fast(GFP_HIGHUSER_MOVABLE);
	CHECK(r && nr_pcp_pages() == 0);
	CHECK_EQ(__free_pages(r, 0), 0);
	mm_set_pcp_enabled(true);
	CHECK_EQ(__free_pages(p, 0), 0);
	CHECK_EQ(__free_pages(q, 0), 0);
	CHECK_INVARIANTS();
}

/* Below the low watermark the fast path gives way: the full path decides, down to min. */
static void test_page_fast_watermark(void)
{
	struct zone *z = small_machine();
	static struct page *list[1 << 16];
	unsigned long n = 0;

	mm_host_set_cpu(0);
	while ((list[n] = alloc_page_fast(GFP_KERNEL | __GFP_NOWARN)))
		n++;
	CHECK(n > 0 && z->free_pages <= min_wmark_pages(z) + 1);
	CHECK(z->free_pages + z->pcp[0].batch > min_wmark_pages(z));
	/* the list may still hold pages, but the zone is low: only __GFP_MEMALLOC gets one */
	CHECK(alloc_page_fast(GFP_KERNEL | __GFP_MEMALLOC) != NULL || z->free_pages == 0);
	while (n--)
		CHECK_EQ(__free_pages(list[n], 0), 0);
	drain_all_pages();
	CHECK_INVARIANTS();
}

static void test_gfp_zero(void)
{
	small_machine();
	mm_set_pcp_enabled(false);
	for (unsigned order = 0; order <= 4; order += 2) {
		struct page *p = alloc_pages(GFP_KERNEL, order);
		memset(page_address(p), 0xaa, PAGE_SIZE << order);
		CHECK_EQ(__free_pages(p, order), 0);
		struct page *q = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
		CHECK(q == p);                               /* LIFO: the dirty block again */
		CHECK(all_bytes(page_address(q), PAGE_SIZE << order, 0));
		CHECK_EQ(__free_pages(q, order), 0);
	}
	unsigned long va = get_zeroed_page(GFP_KERNEL);
	CHECK(va && all_bytes((void *)va, PAGE_SIZE, 0));
	CHECK_EQ(free_pages(va, 0), 0);
	CHECK_EQ(free_pages(va, 0), -MNEME_EBUSY);
	CHECK_EQ(free_pages(va + 8, 0), -MNEME_EINVAL);
	CHECK_EQ(free_pages(0, 0), 0);
	mm_set_pcp_enabled(true);
}

static void test_contig(void)
{
	struct zone *z = small_machine();
	unsigned long free0 = z->free_pages + nr_pcp_pages();

	struct page *p = alloc_contig_pages_below(300, MiB, 0x84000000, GFP_KERNEL | __GFP_ZERO);
	CHECK(p);
	unsigned long pfn = page_to_pfn(p);
	CHECK_EQ(PFN_PHYS(pfn) % MiB, 0);
	CHECK(PFN_PHYS(pfn + 300) <= 0x84000000);
	CHECK(all_bytes(page_address(p), 300 * PAGE_SIZE, 0));
	CHECK_EQ(z->free_pages, free0 - 300);
	CHECK_INVARIANTS();
	/* the lowest fit below a limit: only [0x80040000, 0x80100000) is below 1 MiB past the base */
	struct page *q = alloc_contig_pages_below(16, 64 * 1024, 0x80100000, GFP_KERNEL);
	CHECK(q && PFN_PHYS(page_to_pfn(q)) >= 0x80040000 && PFN_PHYS(page_to_pfn(q) + 16) <= 0x80100000);
	CHECK(!alloc_contig_pages_below(1024, PAGE_SIZE, 0x80100000, GFP_KERNEL)); /* does not fit */
	CHECK(!alloc_contig_pages_below(0, 0, 0, GFP_KERNEL));
	CHECK(!alloc_contig_pages_below(4, 3 * PAGE_SIZE, 0, GFP_KERNEL));        /* align not 2^n */
	CHECK(!alloc_contig_pages_below(1UL << 40, 0, 0, GFP_KERNEL));
	CHECK_EQ(free_contig_pages(p, 301), -MNEME_EBUSY);   /* one page past the range */
	CHECK_EQ(free_contig_pages(p + 1, 0), -MNEME_ERANGE);
	CHECK_EQ(free_contig_pages(p, 300), 0);
	CHECK_EQ(free_contig_pages(p, 300), -MNEME_EBUSY);   /* double free */
	CHECK_EQ(free_contig_pages(q, 16), 0);
	drain_all_pages();
	CHECK_EQ(z->free_pages, free0);
	CHECK_INVARIANTS();
}

/* Every rejected request leaves the state exactly as it was. */
static void test_bad_input(void)
{
	small_machine();
	char before[4096], after[4096];
	struct page *p = alloc_pages(GFP_KERNEL, 2);
	struct page *r = pfn_to_page(0x80000);    /* OpenSBI's no-map page: reserved */

	CHECK(p);
	buddyinfo_dump(before, sizeof(before));
	unsigned long fr = nr_free_pages(), pcp = nr_pcp_pages();
	CHECK(!alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_ORDER));
	CHECK(!alloc_pages(0x80000000u | __GFP_NOWARN, 0));          /* unknown flag */
	CHECK_EQ(__free_pages(p, MAX_ORDER), -MNEME_ERANGE);
	CHECK_EQ(__free_pages(p, 1), -MNEME_EINVAL);                 /* wrong order */
	CHECK_EQ(__free_pages(p + 1, 0), -MNEME_EBUSY);              /* tail page */
	CHECK_EQ(__free_pages(p + 2, 1), -MNEME_EBUSY);              /* inner block, aligned */
	CHECK_EQ(__free_pages(p + 1, 2), -MNEME_EINVAL);             /* misaligned */
	CHECK_EQ(__free_pages(r, 0), -MNEME_ERANGE);                 /* reserved */
	CHECK_EQ(__free_pages(NULL, 0), -MNEME_ERANGE);
	CHECK_EQ(__free_pages((struct page *)((char *)p + 4), 0), -MNEME_ERANGE);
	CHECK_EQ(__free_pages(pfn_to_page(0x100000), 0), -MNEME_ERANGE); /* beyond memory */
	CHECK_EQ(__free_pages(pfn_to_page(0x1000), 0), -MNEME_ERANGE);   /* no section */
	p->flags |= PG_slab;
	CHECK_EQ(__free_pages(p, 2), -MNEME_EBUSY);
	p->flags &= ~PG_slab;
	buddyinfo_dump(after, sizeof(after));
	CHECK(!strcmp(before, after));
	CHECK_EQ(nr_free_pages(), fr);
	CHECK_EQ(nr_pcp_pages(), pcp);
	CHECK_INVARIANTS();
	CHECK_EQ(__free_pages(p, 2), 0);
	CHECK_EQ(__free_pages(p, 2), -MNEME_EBUSY);                  /* double free */
	CHECK_INVARIANTS();
}

/* Without __GFP_MEMALLOC the min watermark stays free. */
static void test_watermarks_hold(void)
{
	struct zone *z = small_machine();
	static struct page *list[1 << 16];
	unsigned long n = 0;

	while ((list[n] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0)))
		n++;
	CHECK(z->free_pages + z->pcp[0].batch > min_wmark_pages(z)); /* a refill may take a batch */
	CHECK(z->free_pages <= min_wmark_pages(z) + 1);
	struct page *high = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);
	CHECK(high);                                 /* __GFP_HIGH dips to half of min */
	CHECK_EQ(__free_pages(high, 0), 0);
	while (n--)
		CHECK_EQ(__free_pages(list[n], 0), 0);
	CHECK_INVARIANTS();
}

int main(void)
{
	mm_init_verbose = false;
	test_split_merge();
	test_zone_boundary();
	test_migratetypes();
	test_pcp();
	test_page_fast();
	test_page_fast_watermark();
	test_gfp_zero();
	test_contig();
	test_bad_input();
	test_watermarks_hold();
	return bt_finish("test_buddy");
}
