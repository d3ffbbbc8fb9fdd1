/*
 * The page allocator's management interface: initialisation from the boot
 * info, per-CPU list control and statistics.  The allocation interface
 * itself is mm/gfp.h.
 */
#ifndef MM_PAGE_ALLOC_H
#define MM_PAGE_ALLOC_H

#include "mm/mmzone.h"
#include "mneme/bootinfo.h"

/*
 * Bring up physical memory management from the boot info: memblock from
 * the map, sparse memmap, nodes and zones, then hand all free memory to
 * the buddy allocator and close memblock.  Prints Linux-style boot lines.
 * May be called again (tests): all previous state is discarded.
 * Returns 0 or a negative mneme error (bad boot info, out of memory).
 */
int mm_init(const struct mneme_boot_info *bi);
/* Print the boot lines at init (default on); tests turn them off. */
extern bool mm_init_verbose;

/* Per-CPU lists on (default) or off; turning them off drains them. */
void mm_set_pcp_enabled(bool on);
bool mm_pcp_enabled(void);
extern bool mm_pcp_on;          /* read-only outside page_pcp.c */
/* Fill the gfp zone table for the architecture (after the zone layout is known). */
void gfp_zone_table_init(void);
/* Return every per-CPU page of every zone (all CPUs) to the buddy lists. */
void drain_all_pages(void);
/* Return CPU @cpu's pages of @zone to the buddy lists. */
void drain_zone_pages(struct zone *zone, unsigned cpu);

/* Totals over all zones. */
unsigned long nr_free_pages(void);        /* on buddy lists */
unsigned long nr_pcp_pages(void);         /* on per-CPU lists */
unsigned long totalram_pages(void);       /* managed */
unsigned long totalpresent_pages(void);   /* present (physical) */

/* Pages of the memory server's page cache (meminfo "Cached:"), counted by the vm module. */
extern unsigned long mm_nr_file_pages;

/* The largest pfn + 1 covered by memory at init (memblock_end_of_DRAM). */
extern unsigned long max_pfn;
extern unsigned long min_low_pfn;

/*
 * Internals shared by page_alloc*.c, page_pcp.c, page_contig.c, the
 * checker and the tests.  None of them validates its arguments: callers
 * pass pages of managed memory in zone @z (decode happened before).
 */

/* Insert the free block @page (pfn @pfn) of @order, merging with free buddies. */
void __free_one_page(struct page *page, unsigned long pfn, struct zone *zone,
		     unsigned order, int migratetype);
/* Take the free block headed by @page off its free list (it stays unmarked). */
void del_page_from_free_list(struct page *page, struct zone *z, unsigned order);
/*
 * Compaction's view of the buddy lists (page_contig.c): the head of the
 * free block holding @pfn in zone @z, or ~0UL if @pfn is not free; and
 * the free page @pfn taken out of its block as an order-0 allocation of
 * migrate type MOVABLE (the rest of the block stays free), or NULL.
 */
unsigned long buddy_free_head(struct zone *z, unsigned long pfn);
struct page *take_free_page(struct zone *z, unsigned long pfn);
/* Free pfns [start, end) of zone @z to the buddy lists in the largest aligned blocks. */
void free_pfn_range_to_buddy(struct zone *z, unsigned long start, unsigned long end);
/* pfn of a caller's struct page pointer, if it is one of a present section: 0 or -MNEME_ERANGE. */
int page_pfn_checked(const struct page *page, unsigned long *pfn);
/* Mark @page as the head of a free block of @order. */
void set_buddy_order(struct page *page, unsigned order);
static inline unsigned buddy_order(const struct page *page)
{
	return page->private;
}
static inline bool PageBuddy(const struct page *page)
{
	return page->flags & PG_buddy;
}
static inline bool PageReserved(const struct page *page)
{
	return page->flags & PG_reserved;
}
/* Order of the live allocation headed by @page (PG_head set). */
static inline unsigned alloc_order(const struct page *page)
{
	return (page->flags >> PAGE_ORDER_SHIFT) & PAGE_ORDER_MASK;
}
/* Zone index / migrate type a gfp mask asks for; -1 for contradictory flags. */
int gfp_zone(gfp_t gfp);
int gfp_migratetype(gfp_t gfp);
/* A block of @order and type @mt from the buddy lists (stealing from other types if needed), or NULL. */
struct page *__rmqueue(struct zone *z, unsigned order, int mt);
/* A block from this CPU's list of @z, refilling a batch from the buddy if empty, or NULL. */
struct page *rmqueue_pcplist(struct zone *z, unsigned order, int mt);
/* Put a freed block of order <= PCP_MAX_ORDER on this CPU's list; drains a batch at the high mark. */
void free_unref_page(struct zone *z, struct page *page, unsigned order);
/* Set every zone's pcp batch and high from its managed size. */
void zone_pcp_init_all(void);
/* Find the zones alloc_page_fast() takes from, per node (after the zonelists). */
void zone_fast_init(void);
static inline unsigned order_to_pindex(int mt, unsigned order)
{
	return order * MIGRATE_PCPTYPES + (unsigned)mt;
}
/* Init step: allocate every online node's pglist_data and size its zones (0 or -MNEME_ENOMEM). */
int free_area_init(void);
/* Hand memblock's free ranges to the buddy (Linux's memblock_free_all); returns pages handed over. */
unsigned long memblock_free_all(void);

/*
 * Deferred memmap initialisation (mm_memmap_defer, mm/sparse.h): after
 * mm_init() the sections not yet initialised are done one per step,
 * 128 MiB each; free memory grows as they go to the buddy.
 *   mm_deferred_init_pending()  sections are left
 *   mm_deferred_init_node(nid)  initialise one, of @nid if it has one left,
 *                               else of any node; false if none was left
 *   mm_deferred_init_step()     one section of any node
 *   mm_deferred_init_all()      every section left
 */
bool mm_deferred_init_pending(void);
/* Free pages still in deferred sections: they join the buddy as their sections are done. */
unsigned long mm_deferred_free_pages(void);
bool mm_deferred_init_node(int nid);
bool mm_deferred_init_step(void);
void mm_deferred_init_all(void);
struct deferred_init_stats {
	unsigned long sections;     /* initialised after mm_init() */
	unsigned long pages;        /* of it, handed to the buddy */
	unsigned long on_demand;    /* sections an allocation initialised */
};
extern struct deferred_init_stats deferred_init_stats;

/* Counters for tests and the dumps. */
struct page_alloc_stats {
	unsigned long alloc_ok, alloc_fail, free_ok, free_rejected;
	unsigned long pcp_refills, pcp_drains, fallbacks, pageblock_steals;
};
extern struct page_alloc_stats page_alloc_stats;

#endif
