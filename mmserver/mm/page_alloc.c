/*
 * The buddy allocator: free areas per zone, splitting and merging, migrate
 * type fallback, and the alloc_pages/__free_pages entry points.
 *
 * Design (after Linux's mm/page_alloc.c).  A zone keeps, per order 0..10,
 * lists of free naturally aligned blocks, one list per migrate type.  The
 * head page of a free block carries PG_buddy and its order in
 * page->private; no other page of the block is marked.  Allocation takes
 * the smallest block of the wanted type that is large enough
 * (__rmqueue_smallest) and returns the unused halves to the lists
 * (expand).  If no block of the type exists, a block is stolen from
 * another type, largest first, possibly converting its whole pageblock
 * (__rmqueue_fallback).  Freeing merges a block with its buddy at
 * pfn ^ (1 << order) while that buddy is a free block of the same order in
 * the same zone and node; blocks never exceed 4 MiB, so a merge can never
 * leave a 128 MiB section.
 *
 * A live allocation is marked on its head page only: PG_head and the order
 * in page->flags.  That is what lets __free_pages() refuse double frees,
 * frees of tail pages and wrong orders without touching the other pages.
 */
#include "mm/page_alloc.h"
#include "mm/sparse.h"
#include "linux/compiler.h"
#include "mneme/error.h"
#include <string.h>

struct page_alloc_stats page_alloc_stats;

#define ZONE_NODE_BITS ((PAGE_ZONE_MASK << PAGE_ZONE_SHIFT) | (PAGE_NODE_MASK << PAGE_NODE_SHIFT))

void set_buddy_order(struct page *page, unsigned order)
{
	page->private = order;
	page->flags |= PG_buddy;
}

static void add_to_free_list(struct page *page, struct zone *z, unsigned order, int mt)
{
	struct free_area *area = &z->free_area[order];

	page->migratetype = (uint32_t)mt;
	set_buddy_order(page, order);
	page_list_add(&area->free_list[mt], page);
	area->nr_free++;
	z->free_pages += 1UL << order;
}

void del_page_from_free_list(struct page *page, struct zone *z, unsigned order)
{
	struct free_area *area = &z->free_area[order];

	page_list_del(&area->free_list[page->migratetype], page);
	page->flags &= ~PG_buddy;
	area->nr_free--;
	z->free_pages -= 1UL << order;
}

static void move_to_free_list(struct page *page, struct zone *z, unsigned order, int mt)
{
	struct free_area *area = &z->free_area[order];

	page_list_del(&area->free_list[page->migratetype], page);
	page->migratetype = (uint32_t)mt;
	page_list_add(&area->free_list[mt], page);
}

/* Is @buddy the head of a free block of @order in the same zone and node as @page? */
static bool page_is_buddy(const struct page *page, const struct page *buddy, unsigned order)
{
	return (buddy->flags & PG_buddy) && buddy->private == order &&
	       !((page->flags ^ buddy->flags) & ZONE_NODE_BITS);
}

void __free_one_page(struct page *page, unsigned long pfn, struct zone *z,
		     unsigned order, int mt)
{
	while (order < MAX_ORDER - 1) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy = page + ((long)buddy_pfn - (long)pfn);

		if (!page_is_buddy(page, buddy, order))
			break;
		del_page_from_free_list(buddy, z, order);
		pfn &= buddy_pfn;
		page = pfn_to_page(pfn);
		order++;
	}
	if (order >= pageblock_order)
		mt = get_pageblock_migratetype(page);
	add_to_free_list(page, z, order, mt);
}

void free_pfn_range_to_buddy(struct zone *z, unsigned long start, unsigned long end)
{
	while (start < end) {
		unsigned order = start ? (unsigned)__builtin_ctzl(start) : MAX_ORDER - 1;

		if (order > MAX_ORDER - 1)
			order = MAX_ORDER - 1;
		while (start + (1UL << order) > end)
			order--;
		__free_one_page(pfn_to_page(start), start, z, order,
				get_pageblock_migratetype(pfn_to_page(start)));
		start += 1UL << order;
	}
}

/* Return the upper halves of a block of order @high split down to @low. */
static void expand(struct zone *z, struct page *page, unsigned low, unsigned high, int mt)
{
	unsigned long size = 1UL << high;

	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(page + size, z, high, mt);
	}
}

static struct page *__rmqueue_smallest(struct zone *z, unsigned order, int mt)
{
	for (unsigned o = order; o < MAX_ORDER; o++) {
		struct page *page = page_list_first(&z->free_area[o].free_list[mt]);

		if (!page)
			continue;
		del_page_from_free_list(page, z, o);
		expand(z, page, order, o, mt);
		return page;
	}
	return NULL;
}

static const int fallbacks[MIGRATE_TYPES][MIGRATE_TYPES - 1] = {
	[MIGRATE_UNMOVABLE]   = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE]     = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

/* Move the free blocks of @page's pageblock (within zone @z) to @mt; returns pages moved. */
static unsigned long move_freepages_block(struct zone *z, struct page *page, int mt)
{
	unsigned long start = page_to_pfn(page) & ~(pageblock_nr_pages - 1);
	unsigned long end = start + pageblock_nr_pages, moved = 0;

	if (start < z->zone_start_pfn)
		start = z->zone_start_pfn;
	if (end > zone_end_pfn(z))
		end = zone_end_pfn(z);
	for (unsigned long pfn = start; pfn < end;) {
		struct page *p = pfn_to_page(pfn);

		if (!PageBuddy(p) || page_zone(p) != z) {
			pfn++;
			continue;
		}
		move_to_free_list(p, z, buddy_order(p), mt);
		moved += 1UL << buddy_order(p);
		pfn += 1UL << buddy_order(p);
	}
	return moved;
}

/*
 * Linux's steal_suitable_fallback, simplified: a block of a whole pageblock
 * or more converts its pageblocks; a smaller one, when stealing is worth
 * it, drags the pageblock's other free blocks along and converts the
 * pageblock if at least half of it was free; otherwise only the block
 * changes lists.
 */
static void steal_suitable_fallback(struct zone *z, struct page *page, unsigned order, int start_mt)
{
	bool whole = order >= pageblock_order / 2 || start_mt != MIGRATE_MOVABLE;

	if (order >= pageblock_order) {
		for (unsigned long i = 0; i < (1UL << order); i += pageblock_nr_pages)
			set_pageblock_migratetype(page + i, start_mt);
		move_to_free_list(page, z, order, start_mt);
		page_alloc_stats.pageblock_steals++;
		return;
	}
	if (whole) {
		if (move_freepages_block(z, page, start_mt) >= pageblock_nr_pages / 2) {
			set_pageblock_migratetype(page, start_mt);
			page_alloc_stats.pageblock_steals++;
		}
		return;
	}
	move_to_free_list(page, z, order, start_mt);
}

static bool __rmqueue_fallback(struct zone *z, unsigned order, int start_mt)
{
	for (int o = MAX_ORDER - 1; o >= (int)order; o--) {
		for (int i = 0; i < MIGRATE_TYPES - 1; i++) {
			int fmt = fallbacks[start_mt][i];
			struct page *page = page_list_first(&z->free_area[o].free_list[fmt]);

			if (!page)
				continue;
			steal_suitable_fallback(z, page, (unsigned)o, start_mt);
			page_alloc_stats.fallbacks++;
			return true;
		}
	}
	return false;
}

struct page *__rmqueue(struct zone *z, unsigned order, int mt)
{
	struct page *page = __rmqueue_smallest(z, order, mt);

	if (!page && __rmqueue_fallback(z, order, mt))
		page = __rmqueue_smallest(z, order, mt);
	return page;
}

/*
 * gfp decoding by table: zone bits (__GFP_DMA 0x1, __GFP_DMA32 0x4) and
 * type bits (__GFP_MOVABLE 0x8, __GFP_RECLAIMABLE 0x10); -1 marks the
 * contradictory combinations.  ZONE_DMA maps to DMA32 where the
 * architecture has no DMA zone (set at init).
 */
static signed char gfp_zone_table[8] = { ZONE_NORMAL, ZONE_DMA, -1, -1, ZONE_DMA32, -1, -1, -1 };
static const signed char gfp_mt_table[4] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, -1 };

void gfp_zone_table_init(void)
{
	gfp_zone_table[__GFP_DMA] = mm_zone_layout.exists[ZONE_DMA] ? ZONE_DMA : ZONE_DMA32;
}

int gfp_zone(gfp_t gfp)
{
	return gfp_zone_table[gfp & (__GFP_DMA | __GFP_DMA32)];
}

int gfp_migratetype(gfp_t gfp)
{
	return gfp_mt_table[(gfp >> 3) & 3];
}

static void prep_new_page(struct page *page, unsigned order, gfp_t gfp, int mt)
{
	page->flags = (page->flags & ~(PG_buddy | PG_pcp | PG_zeroed |
				       (PAGE_ORDER_MASK << PAGE_ORDER_SHIFT))) |
		      PG_head | (uint32_t)order << PAGE_ORDER_SHIFT;
	page->_refcount = 1;
	page->next = page->prev = PAGE_LIST_NIL;
	page->private = order;
	page->migratetype = (uint32_t)mt;
	page->owner = 0;
	if (gfp & __GFP_ZERO)
		memset(page_address(page), 0, PAGE_SIZE << order);
}

static struct page *rmqueue(struct zone *z, unsigned order, int mt)
{
	if (mm_pcp_on && order <= PCP_MAX_ORDER)
		return rmqueue_pcplist(z, order, mt);
	return __rmqueue(z, order, mt);
}

static struct page *get_page_from_freelist(gfp_t gfp, unsigned order, struct zonelist *zl,
					   int highest, int mt, nodemask_t mask, enum zone_watermarks wm)
{
	for (struct zoneref *zr = zl->_zonerefs; zr->zone; zr++) {
		struct zone *z = zr->zone;
		struct page *page;

		if (zr->zone_idx > highest || !managed_zone(z) || !node_in(z->node, mask))
			continue;
		if (!(gfp & __GFP_MEMALLOC) &&
		    !zone_watermark_ok(z, order, z->_watermark[wm], highest, gfp & __GFP_HIGH))
			continue;
		page = rmqueue(z, order, mt);
		if (page)
			return page;
	}
	return NULL;
}

/* Low watermark first; then min (where kswapd would be woken); then drain per-CPU lists. */
static struct page *alloc_from_zonelist(gfp_t gfp, unsigned order, struct zonelist *zl,
					int highest, int mt, nodemask_t mask)
{
	struct page *page = get_page_from_freelist(gfp, order, zl, highest, mt, mask, WMARK_LOW);

	if (!page)
		page = get_page_from_freelist(gfp, order, zl, highest, mt, mask, WMARK_MIN);
	if (!page && nr_pcp_pages()) {
		drain_all_pages();
		page = get_page_from_freelist(gfp, order, zl, highest, mt, mask, WMARK_MIN);
	}
	return page;
}

/*
 * The fast path: a block from this CPU's list of the preferred zone @z,
 * if it is above its low watermark.  Anything else (empty list, low zone,
 * fallback) is the slow path's business.
 */
static struct page *rmqueue_pcp_fast(struct zone *z, gfp_t gfp, unsigned order, int highest, int mt)
{
	struct per_cpu_pages *pcp;
	struct page_list *list;
	struct page *page;

	if (!(gfp & __GFP_MEMALLOC) &&
	    (long)z->free_pages - ((1L << order) - 1) <=
	    (long)low_wmark_pages(z) + z->lowmem_reserve[highest])
		return NULL;
	pcp = &z->pcp[mm_this_cpu()];
	list = &pcp->lists[order_to_pindex(mt, order)];
	if (page_list_empty(list))
		return NULL;
	page = page_list_del_first(list);
	page->flags &= ~PG_pcp;
	pcp->count -= 1U << order;
	return page;
}

/* The first zone of @zl a request may use: its preferred zone (Linux's preferred_zoneref). */
static struct zone *first_allowed_zone(struct zonelist *zl, int highest, nodemask_t mask)
{
	for (struct zoneref *zr = zl->_zonerefs; zr->zone; zr++)
		if (zr->zone_idx <= highest && node_in(zr->zone->node, mask))
			return zr->zone;
	return NULL;
}

/* Linux's zone_statistics: this CPU's counters of the zone used and the zone preferred. */
static inline void zone_statistics(struct zone *preferred, struct zone *z)
{
	unsigned cpu = mm_this_cpu();
	unsigned long *ev = z->pcpstat[cpu].numa_event;

	if (z->node == preferred->node) {
		ev[NUMA_HIT]++;
	} else {
		ev[NUMA_MISS]++;
		preferred->pcpstat[cpu].numa_event[NUMA_FOREIGN]++;
	}
	ev[z->node == numa_node_id() ? NUMA_LOCAL : NUMA_OTHER]++;
}

/* Every request, decoded: per-CPU lists, then the zonelist with falling watermarks. */
static noinline struct page *alloc_pages_slow(int nid, nodemask_t mask, gfp_t gfp,
					      unsigned int order, int highest, int mt)
{
	struct zonelist *zl;
	struct zone *preferred;
	struct page *page = NULL;

	if (!node_online(nid))
		nid = numa_node_id();
	if (nid < 0 || !node_online(nid))
		return NULL;
	zl = &NODE_DATA(nid)->node_zonelists[gfp & __GFP_THISNODE ? ZONELIST_NOFALLBACK : ZONELIST_FALLBACK];
	preferred = first_allowed_zone(zl, highest, mask);
	if (preferred && mm_pcp_on && order <= PCP_MAX_ORDER)
		page = rmqueue_pcp_fast(preferred, gfp, order, highest, mt);
	if (preferred && !page)
		page = alloc_from_zonelist(gfp, order, zl, highest, mt, mask);
	/* memory whose memmap is still deferred: initialise it (the requester's node first) */
	while (preferred && !page && mm_deferred_init_node(nid)) {
		deferred_init_stats.on_demand++;
		page = alloc_from_zonelist(gfp, order, zl, highest, mt, mask);
	}
	if (!page) {
		page_alloc_stats.alloc_fail++;
		if (!(gfp & __GFP_NOWARN))
			mm_printf("mm: page allocation failure: order:%u, mode:%#x, nid:%d\n",
				  order, gfp, nid);
		return NULL;
	}
	zone_statistics(preferred, page_zone(page));
	prep_new_page(page, order, gfp, mt);
	page_alloc_stats.alloc_ok++;
	return page;
}

/*
 * For each node and gfp zone index, the first zone of the node's zonelist
 * a request may use: where alloc_page_fast() looks.  Set at init, after
 * the zonelists.
 */
static struct zone *local_first_zone[MM_MAX_NUMNODES][MAX_NR_ZONES];

void zone_fast_init(void)
{
	int nid;

	memset(local_first_zone, 0, sizeof(local_first_zone));
	for_each_online_node(nid)
		for (int highest = 0; highest < MAX_NR_ZONES; highest++)
			local_first_zone[nid][highest] =
				first_allowed_zone(&NODE_DATA(nid)->node_zonelists[ZONELIST_FALLBACK],
						   highest, ~0ULL);
}

static inline bool gfp_invalid(gfp_t gfp, int highest, int mt)
{
	return (gfp & ~__GFP_BITS_MASK) || highest < 0 || mt < 0;
}

/* A request that makes no sense: no page, nothing changes. */
static struct page *alloc_invalid(gfp_t gfp, unsigned int order)
{
#ifdef MM_DEBUG
	mm_printf("mm: alloc_pages: invalid request order:%u mode:%#x\n", order, gfp);
#else
	(void)gfp;
	(void)order;
#endif
	page_alloc_stats.alloc_fail++;
	return NULL;
}

struct page *alloc_page_fast(gfp_t gfp)
{
	int highest = gfp_zone(gfp), mt = gfp_migratetype(gfp), nid = numa_node_id();
	struct per_cpu_pages *pcp;
	struct page_list *list;
	struct page *page;
	struct zone *z;
	unsigned cpu;

	if (unlikely(gfp_invalid(gfp, highest, mt)))
		return alloc_invalid(gfp, 0);
	z = local_first_zone[nid][highest];
	if (unlikely(!mm_pcp_on || !z ||
		     (!(gfp & __GFP_MEMALLOC) &&
		      (long)z->free_pages <= (long)low_wmark_pages(z) + z->lowmem_reserve[highest])))
		return alloc_pages_slow(nid, ~0ULL, gfp, 0, highest, mt);
	cpu = mm_this_cpu();
	pcp = &z->pcp[cpu];
	list = &pcp->lists[order_to_pindex(mt, 0)];
	if (unlikely(page_list_empty(list)))
		return alloc_pages_slow(nid, ~0ULL, gfp, 0, highest, mt);   /* refills the list */
	page = page_list_del_first(list);
	pcp->count--;
	/* the preferred zone itself, on the requester's node: a hit, local */
	z->pcpstat[cpu].numa_event[NUMA_HIT]++;
	z->pcpstat[cpu].numa_event[NUMA_LOCAL]++;
	prep_new_page(page, 0, gfp, mt);
	page_alloc_stats.alloc_ok++;
	return page;
}

struct page *__alloc_pages(gfp_t gfp, unsigned int order, int preferred_nid, const nodemask_t *nodemask)
{
	int highest = gfp_zone(gfp), mt = gfp_migratetype(gfp);

	if (!order && preferred_nid < 0 && !nodemask)
		return alloc_page_fast(gfp);
	if (order >= MAX_ORDER || gfp_invalid(gfp, highest, mt))
		return alloc_invalid(gfp, order);
	return alloc_pages_slow(preferred_nid, nodemask ? *nodemask : ~0ULL, gfp, order, highest, mt);
}

struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	return __alloc_pages(gfp, order, nid, NULL);
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return order ? __alloc_pages(gfp, order, -1, NULL) : alloc_page_fast(gfp);
}

/*
 * Map a struct page pointer from a caller back to its pfn, or fail if it
 * is not a struct page of a present section.
 */
int page_pfn_checked(const struct page *page, unsigned long *pfn)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)mm_vmemmap();

	if (!page || (uintptr_t)page < (uintptr_t)mm_vmemmap() || off % sizeof(struct page))
		return -MNEME_ERANGE;
	*pfn = off / sizeof(struct page);
	if (*pfn >= max_pfn || !pfn_valid(*pfn))
		return -MNEME_ERANGE;
	return 0;
}

/* Decode step of __free_pages(): why @page/@order cannot be freed, or NULL. */
static const char *free_pages_check(const struct page *page, unsigned order, int *err)
{
	unsigned long pfn;

	*err = -MNEME_ERANGE;
	if (order >= MAX_ORDER)
		return "order out of range";
	if (page_pfn_checked(page, &pfn))
		return "not a page of managed memory";
	if (page->flags & PG_reserved)
		return "page is reserved (not managed)";
	*err = -MNEME_EINVAL;
	if (pfn & ((1UL << order) - 1))
		return "block misaligned for its order";
	*err = -MNEME_EBUSY;
	if (page->flags & (PG_buddy | PG_pcp))
		return "double free (page is free)";
	if (!(page->flags & PG_head))
		return "not the head of a live allocation (double free or tail page)";
	if (page->flags & PG_slab)
		return "page still owned by a slab cache";
	if (page->flags & PG_contig)
		return "page of a contiguous range (free_contig_pages)";
	*err = -MNEME_EINVAL;
	if (alloc_order(page) != order)
		return "order differs from the allocation's";
	*err = 0;
	return NULL;
}

int __free_pages(struct page *page, unsigned int order)
{
	int err;
	const char *why = free_pages_check(page, order, &err);
	struct zone *z;

	if (why) {
#ifdef MM_DEBUG
		mm_printf("mm: __free_pages(%p, %u) rejected: %s\n", (void *)page, order, why);
#endif
		page_alloc_stats.free_rejected++;
		return err;
	}
	z = page_zone(page);
	page->flags &= ~(PG_head | (PAGE_ORDER_MASK << PAGE_ORDER_SHIFT));
	page->_refcount = 0;
	page->owner = 0;
	page_alloc_stats.free_ok++;
	if (mm_pcp_on && order <= PCP_MAX_ORDER)
		free_unref_page(z, page, order);
	else
		__free_one_page(page, page_to_pfn(page), z, order, get_pageblock_migratetype(page));
	return 0;
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp, order);

	return page ? (unsigned long)page_address(page) : 0;
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

int free_pages(unsigned long addr, unsigned int order)
{
	phys_addr_t pa;

	if (!addr)
		return 0;
	if (addr & (PAGE_SIZE - 1))
		return -MNEME_EINVAL;
	pa = mm_virt_to_phys((const void *)addr);
	if (PHYS_PFN(pa) >= max_pfn || !pfn_valid(PHYS_PFN(pa)))
		return -MNEME_ERANGE;
	return __free_pages(pfn_to_page(PHYS_PFN(pa)), order);
}
