/*
 * Physically contiguous allocations of any length, with an alignment and
 * a highest physical address (for devices with addressing limits).
 *
 * The search scans the allowed zones for an aligned pfn range whose pages
 * are all free in the buddy lists (after draining the per-CPU lists),
 * then takes the free blocks covering it and returns the parts of the
 * first and last block that lie outside the range.  Every page of the
 * range carries PG_contig and the first also PG_head, so
 * free_contig_pages() can check that it is given exactly one whole range
 * (a head, only tails, and no tail right after) before giving any back.
 */
#include "mm/page_alloc.h"
#include "mm/sparse.h"
#include "mneme/error.h"
#include <string.h>

/* Head pfn of the free block containing @pfn in zone @z, or ~0UL if @pfn is not free. */
static unsigned long free_block_head(struct zone *z, unsigned long pfn)
{
	if (!pfn_valid(pfn))
		return ~0UL;
	for (unsigned o = 0; o < MAX_ORDER; o++) {
		unsigned long head = pfn & ~((1UL << o) - 1);
		struct page *p = pfn_to_page(head);

		if (head < z->zone_start_pfn)
			break;
		if (PageBuddy(p) && buddy_order(p) >= o && page_zone(p) == z)
			return head;
	}
	return ~0UL;
}

/* Is [start, start + nr) wholly free?  If not, *next is the first pfn worth trying. */
static bool range_free(struct zone *z, unsigned long start, unsigned long nr, unsigned long *next)
{
	for (unsigned long pfn = start; pfn < start + nr;) {
		unsigned long head = free_block_head(z, pfn);

		if (head == ~0UL) {
			/* a missing section is skipped whole */
			*next = pfn_valid(pfn) ? pfn + 1 : section_nr_to_pfn(pfn_to_section_nr(pfn) + 1);
			return false;
		}
		pfn = head + (1UL << buddy_order(pfn_to_page(head)));
	}
	return true;
}

static void take_range(struct zone *z, unsigned long start, unsigned long end, gfp_t gfp, int mt)
{
	unsigned long first = free_block_head(z, start), last_end = start;

	for (unsigned long pfn = start; pfn < end;) {
		unsigned long head = free_block_head(z, pfn);
		unsigned order = buddy_order(pfn_to_page(head));

		del_page_from_free_list(pfn_to_page(head), z, order);
		pfn = last_end = head + (1UL << order);
	}
	free_pfn_range_to_buddy(z, first, start);
	free_pfn_range_to_buddy(z, end, last_end);
	for (unsigned long pfn = start; pfn < end; pfn++) {
		struct page *p = pfn_to_page(pfn);

		p->flags = (p->flags & ~(PAGE_ORDER_MASK << PAGE_ORDER_SHIFT)) | PG_contig |
			   (pfn == start ? PG_head : 0);
		p->_refcount = 1;
		p->private = 0;
		p->migratetype = (uint32_t)mt;
		p->owner = 0;
		p->next = p->prev = PAGE_LIST_NIL;
	}
	if (gfp & __GFP_ZERO)
		memset(page_address(pfn_to_page(start)), 0, (end - start) * PAGE_SIZE);
}

unsigned long buddy_free_head(struct zone *z, unsigned long pfn)
{
	return zone_spans_pfn(z, pfn) ? free_block_head(z, pfn) : ~0UL;
}

struct page *take_free_page(struct zone *z, unsigned long pfn)
{
	if (buddy_free_head(z, pfn) == ~0UL)
		return NULL;
	take_range(z, pfn, pfn + 1, 0, MIGRATE_MOVABLE);
	struct page *p = pfn_to_page(pfn);
	p->flags &= ~PG_contig;             /* an ordinary order-0 page: PG_head, order 0 */
	return p;
}

static struct page *contig_in_zone(struct zone *z, unsigned long nr, unsigned long align_pfns,
				   unsigned long limit_pfn, gfp_t gfp, int mt)
{
	unsigned long end = zone_end_pfn(z) < limit_pfn ? zone_end_pfn(z) : limit_pfn;
	unsigned long pfn = (z->zone_start_pfn + align_pfns - 1) & ~(align_pfns - 1);

	if (!(gfp & __GFP_MEMALLOC) && z->free_pages < nr + min_wmark_pages(z))
		return NULL;
	while (pfn + nr <= end && pfn + nr > pfn) {
		unsigned long next;

		if (range_free(z, pfn, nr, &next)) {
			take_range(z, pfn, pfn + nr, gfp, mt);
			return pfn_to_page(pfn);
		}
		pfn = (next + align_pfns - 1) & ~(align_pfns - 1);
	}
	return NULL;
}

struct page *alloc_contig_pages_below(unsigned long nr_pages, phys_addr_t align,
				      phys_addr_t max_addr, gfp_t gfp)
{
	return alloc_contig_pages_node(nr_pages, align, max_addr, gfp, -1, NULL);
}

struct page *alloc_contig_pages_node(unsigned long nr_pages, phys_addr_t align, phys_addr_t max_addr,
				     gfp_t gfp, int nid, const nodemask_t *nodemask)
{
	int highest = gfp_zone(gfp), mt = gfp_migratetype(gfp);
	nodemask_t mask = nodemask ? *nodemask : ~0ULL;
	unsigned long limit = max_addr ? PHYS_PFN(max_addr) : ~0UL;

	if (!node_online(nid))
		nid = numa_node_id();
	if (!align)
		align = PAGE_SIZE;
	if (!nr_pages || nr_pages > max_pfn || align < PAGE_SIZE || (align & (align - 1)) ||
	    highest < 0 || mt < 0 || (gfp & ~__GFP_BITS_MASK) || nid >= MM_MAX_NUMNODES) {
#ifdef MM_DEBUG
		mm_printf("mm: alloc_contig_pages_below: invalid request nr:%lu align:%#llx\n",
			  nr_pages, (unsigned long long)align);
#endif
		return NULL;
	}
	drain_all_pages();
	for (struct zoneref *zr = NODE_DATA(nid)->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	     zr->zone; zr++) {
		struct page *page;

		if (zr->zone_idx > highest || !node_in(zr->zone->node, mask))
			continue;
		page = contig_in_zone(zr->zone, nr_pages, (unsigned long)(align >> PAGE_SHIFT),
				      limit, gfp, mt);
		if (page) {
			page_alloc_stats.alloc_ok++;
			return page;
		}
	}
	page_alloc_stats.alloc_fail++;
	return NULL;
}

static bool contig_tail(const struct page *p)
{
	return (p->flags & (PG_contig | PG_head)) == PG_contig;
}

/* Decode step: is [pfn, pfn + nr) exactly one live contiguous allocation? */
static int contig_check(const struct page *page, unsigned long nr, unsigned long *start)
{
	unsigned long end;
	struct zone *z;

	if (!nr || page_pfn_checked(page, start) || *start + nr > max_pfn || *start + nr < *start)
		return -MNEME_ERANGE;
	end = *start + nr;
	z = page_zone(page);
	if ((page->flags & (PG_contig | PG_head)) != (PG_contig | PG_head))
		return -MNEME_EBUSY;
	for (unsigned long pfn = *start + 1; pfn < end; pfn++) {
		const struct page *p = pfn_to_page(pfn);

		if (!zone_spans_pfn(z, pfn) || page_zone(p) != z)
			return -MNEME_ERANGE;
		if (!contig_tail(p))
			return -MNEME_EBUSY;     /* shorter range, or not one */
	}
	if (zone_spans_pfn(z, end) && pfn_valid(end) && contig_tail(pfn_to_page(end)))
		return -MNEME_EINVAL;            /* the range goes on: wrong length */
	return 0;
}

int free_contig_pages(struct page *page, unsigned long nr_pages)
{
	unsigned long start;
	int err = contig_check(page, nr_pages, &start);

	if (err) {
#ifdef MM_DEBUG
		mm_printf("mm: free_contig_pages(%p, %lu) rejected (%d)\n", (void *)page, nr_pages, err);
#endif
		page_alloc_stats.free_rejected++;
		return err;
	}
	for (unsigned long pfn = start; pfn < start + nr_pages; pfn++) {
		struct page *p = pfn_to_page(pfn);

		p->flags &= ~(PG_head | PG_contig);
		p->_refcount = 0;
	}
	free_pfn_range_to_buddy(page_zone(page), start, start + nr_pages);
	page_alloc_stats.free_ok++;
	return 0;
}
