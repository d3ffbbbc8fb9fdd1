/*
 * The allocator's invariant checker.  It trusts nothing: list walks are
 * bounded by the counters, every pointer-like pfn is validated before use,
 * and the memmap walk re-derives the counters the allocator keeps.
 *
 * Invariants:
 *  - every free block on free_area[o].free_list[mt] is a present, managed,
 *    PG_buddy page of order o, aligned to 2^o, wholly inside its zone and
 *    section, with migratetype == mt and consistent prev/next links;
 *  - list counts sum to nr_free[o]; nr_free sums to zone->free_pages;
 *  - per-CPU lists hold PG_pcp blocks of the list's order, and sum to
 *    pcp->count;
 *  - in the memmap, pages inside a free, per-CPU or allocated block carry
 *    no marks of their own, so no page lies in two blocks (a page on two
 *    lists would be counted twice and break the sums);
 *  - managed == free + per-CPU + allocated pages, and managed equals the
 *    number of non-reserved pages of the zone.
 */
#include "mm/mm_dump.h"
#include "mm/page_alloc.h"
#include "mm/sparse.h"
#include "mneme/error.h"
#include <stdio.h>

struct check {
	char *why;
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->len) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->len, fmt, ap);
		va_end(ap);
	}
	return -MNEME_ECORRUPT;
}

#define ZN(z) (z)->node, (z)->name

/* Checks common to a block head found on a free or per-CPU list. */
static int check_block(struct check *c, const struct zone *z, unsigned long pfn, unsigned order)
{
	const struct page *p;

	if (pfn >= max_pfn || !pfn_valid(pfn))
		return fail(c, "node %d zone %s: listed pfn %#lx has no memmap", ZN(z), pfn);
	p = pfn_to_page(pfn);
	if (pfn & ((1UL << order) - 1))
		return fail(c, "node %d zone %s: pfn %#lx misaligned for order %u", ZN(z), pfn, order);
	if (pfn < z->zone_start_pfn || pfn + (1UL << order) > zone_end_pfn(z) || page_zone(p) != z)
		return fail(c, "node %d zone %s: block %#lx order %u outside its zone", ZN(z), pfn, order);
	if (pfn_to_section_nr(pfn) != pfn_to_section_nr(pfn + (1UL << order) - 1))
		return fail(c, "node %d zone %s: block %#lx order %u crosses a section", ZN(z), pfn, order);
	if (p->flags & (PG_reserved | PG_head | PG_slab | PG_slab_tail))
		return fail(c, "node %d zone %s: free block %#lx has flags %#x", ZN(z), pfn, p->flags);
	/* A frame the memory server mapped into tasks must leave its marks behind before it is freed. */
	for (unsigned long i = 0; i < (1UL << order); i++)
		if (pfn_to_page(pfn + i)->flags & (PG_vm | PG_lru | PG_active | PG_referenced | PG_zreject))
			return fail(c, "node %d zone %s: free page %#lx still marked as a task frame (%#x)",
				    ZN(z), pfn + i, pfn_to_page(pfn + i)->flags);
	if (p->private != order)
		return fail(c, "node %d zone %s: block %#lx order %u on list of order %u",
			    ZN(z), pfn, p->private, order);
	return 0;
}

/* Walk one list; *seen gets the number of entries. */
static int check_list(struct check *c, const struct zone *z, const struct page_list *l,
		      unsigned order, uint32_t mark, int mt, unsigned long *seen)
{
	uint32_t prev = PAGE_LIST_NIL;
	unsigned long n = 0;

	for (uint32_t pfn = l->head; pfn != PAGE_LIST_NIL; pfn = pfn_to_page(pfn)->next) {
		int err = check_block(c, z, pfn, order);
		const struct page *p;

		if (err)
			return err;
		p = pfn_to_page(pfn);
		if (++n > l->count)
			return fail(c, "node %d zone %s: list of order %u longer than its count %llu",
				    ZN(z), order, (unsigned long long)l->count);
		if ((p->flags & (PG_buddy | PG_pcp)) != mark)
			return fail(c, "node %d zone %s: pfn %#lx flags %#x on a %s list", ZN(z),
				    (unsigned long)pfn, p->flags, mark == PG_buddy ? "buddy" : "pcp");
		if (mt >= 0 && p->migratetype != (uint32_t)mt)
			return fail(c, "node %d zone %s: pfn %#lx migratetype %u on list %d", ZN(z),
				    (unsigned long)pfn, p->migratetype, mt);
		if (p->prev != prev)
			return fail(c, "node %d zone %s: pfn %#lx has a broken prev link", ZN(z),
				    (unsigned long)pfn);
		prev = pfn;
	}
	if (n != l->count || l->tail != prev)
		return fail(c, "node %d zone %s: order %u list has %lu entries, count %llu",
			    ZN(z), order, n, (unsigned long long)l->count);
	*seen = n;
	return 0;
}

static int check_free_area(struct check *c, const struct zone *z, unsigned long *blocks)
{
	unsigned long pages = 0;

	for (unsigned o = 0; o < MAX_ORDER; o++) {
		unsigned long nr = 0, seen;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			int err = check_list(c, z, &z->free_area[o].free_list[mt], o, PG_buddy, mt, &seen);
			if (err)
				return err;
			nr += seen;
		}
		if (nr != z->free_area[o].nr_free)
			return fail(c, "node %d zone %s: order %u nr_free %lu but %lu listed",
				    ZN(z), o, z->free_area[o].nr_free, nr);
		pages += nr << o;
		*blocks += nr;
	}
	if (pages != z->free_pages)
		return fail(c, "node %d zone %s: free_pages %lu but lists hold %lu",
			    ZN(z), z->free_pages, pages);
	return 0;
}

static int check_pcp(struct check *c, const struct zone *z, unsigned long *blocks,
		     unsigned long *pages)
{
	for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++) {
		const struct per_cpu_pages *pcp = &z->pcp[cpu];
		unsigned long n = 0, seen;

		for (unsigned o = 0; o <= PCP_MAX_ORDER; o++)
			for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
				int err = check_list(c, z, &pcp->lists[order_to_pindex(mt, o)], o,
						     PG_pcp, -1, &seen);
				if (err)
					return err;
				n += seen << o;
				*blocks += seen;
			}
		if (n != pcp->count)
			return fail(c, "node %d zone %s: cpu %u pcp count %u but lists hold %lu",
				    ZN(z), cpu, pcp->count, n);
		*pages += n;
	}
	return 0;
}

struct memmap_tally {
	unsigned long unreserved, buddy_blocks, pcp_blocks, allocated;
};

/*
 * Pages 1.. of a block must belong to the zone and carry no marks, but a
 * slab's (PG_slab head) carry PG_slab_tail.
 */
static int check_tails(struct check *c, const struct zone *z, unsigned long pfn, unsigned order)
{
	uint32_t tail = pfn_to_page(pfn)->flags & PG_slab ? PG_slab_tail : 0;

	for (unsigned long i = 1; i < (1UL << order); i++) {
		const struct page *t = pfn_to_page(pfn + i);

		if (page_zone(t) != z || (t->flags & (PG_reserved | PG_buddy | PG_pcp | PG_head | PG_contig |
						      PG_slab | PG_slab_tail)) != tail)
			return fail(c, "node %d zone %s: page %#lx inside block %#lx order %u has flags %#x",
				    ZN(z), pfn + i, pfn, order, t->flags);
	}
	return 0;
}

static int walk_memmap(struct check *c, const struct zone *z, struct memmap_tally *t)
{
	for (unsigned long pfn = z->zone_start_pfn; pfn < zone_end_pfn(z);) {
		const struct page *p;
		unsigned order;
		int err;

		if (!pfn_valid(pfn)) {
			pfn = section_nr_to_pfn(pfn_to_section_nr(pfn) + 1);
			continue;
		}
		p = pfn_to_page(pfn);
		if (page_zone(p) != z || (p->flags & PG_reserved)) {
			pfn++;
			continue;
		}
		if (p->flags & (PG_buddy | PG_pcp)) {
			order = p->private;
			if (p->flags & PG_buddy)
				t->buddy_blocks++;
			else
				t->pcp_blocks++;
		} else if ((p->flags & (PG_head | PG_contig)) == (PG_head | PG_contig)) {
			unsigned long n = 1;
			while (pfn + n < zone_end_pfn(z) && pfn_valid(pfn + n) &&
			       (pfn_to_page(pfn + n)->flags & (PG_contig | PG_head)) == PG_contig &&
			       page_zone(pfn_to_page(pfn + n)) == z)
				n++;
			t->allocated += n;
			t->unreserved += n;
			pfn += n;
			continue;
		} else if (p->flags & PG_head) {
			order = alloc_order(p);
			t->allocated += 1UL << order;
		} else {
			return fail(c, "node %d zone %s: page %#lx (flags %#x) is neither free nor allocated",
				    ZN(z), pfn, p->flags);
		}
		if (order >= MAX_ORDER || pfn + (1UL << order) > zone_end_pfn(z))
			return fail(c, "node %d zone %s: block %#lx has bad order %u", ZN(z), pfn, order);
		err = check_tails(c, z, pfn, order);
		if (err)
			return err;
		t->unreserved += 1UL << order;
		pfn += 1UL << order;
	}
	return 0;
}

static int check_zone(struct check *c, const struct zone *z)
{
	unsigned long buddy_blocks = 0, pcp_blocks = 0, pcp_pages = 0;
	struct memmap_tally t = { 0 };
	int err;

	if ((err = check_free_area(c, z, &buddy_blocks)) || (err = check_pcp(c, z, &pcp_blocks, &pcp_pages)))
		return err;
	if (!z->spanned_pages)
		return z->managed_pages ? fail(c, "node %d zone %s: managed pages in an empty zone", ZN(z)) : 0;
	if ((err = walk_memmap(c, z, &t)))
		return err;
	if (t.buddy_blocks != buddy_blocks || t.pcp_blocks != pcp_blocks)
		return fail(c, "node %d zone %s: memmap has %lu free and %lu pcp blocks, lists %lu and %lu"
			    " (a page on two lists or off every list)",
			    ZN(z), t.buddy_blocks, t.pcp_blocks, buddy_blocks, pcp_blocks);
	if (t.unreserved != z->managed_pages)
		return fail(c, "node %d zone %s: managed %lu but %lu unreserved pages",
			    ZN(z), z->managed_pages, t.unreserved);
	if (z->free_pages + pcp_pages + t.allocated != z->managed_pages)
		return fail(c, "node %d zone %s: free %lu + pcp %lu + allocated %lu != managed %lu",
			    ZN(z), z->free_pages, pcp_pages, t.allocated, z->managed_pages);
	return 0;
}

int mm_check_invariants(char *why, size_t len)
{
	struct check c = { why, len };
	struct zone *z;
	int nid, zi;

	if (len)
		why[0] = '\0';
	for_each_zone(z, nid, zi) {
		int err = check_zone(&c, z);
		if (err)
			return err;
	}
	return 0;
}
