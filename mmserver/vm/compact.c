/*
 * Compaction: free 2 MiB blocks (and longer ranges) assembled by moving
 * the movable pages of tasks out of the way (Linux's mm/compaction.c
 * idea, written for this server).
 *
 * When a block request (a 2 MiB chunk of a huge region, ALLOC_PAGES of a
 * high order, MAP_CONTIG) finds enough free memory but no free block
 * long enough, the memory is fragmented: a few pages of tasks sit in
 * every pageblock.  vm_compact() then runs two scanners over each zone:
 *
 *   the migrate scanner walks the zone's pageblocks from its low end and
 *     picks one whose every page is free or movable;
 *   the free scanner walks from the zone's high end down and takes free
 *     pages (never from the pageblock being emptied or below it);
 *
 * and moves each movable page of the picked pageblock into a page of the
 * free scanner: every mapping of the frame (the reverse map) is unmapped,
 * each task's frame-table entry is made to name the new frame, the bytes
 * are copied, the frame's references, reverse map, object slot and LRU
 * place move with it (vm_frame_move), and the mappings are made again.
 * The emptied pageblock's pages go back to the buddy allocator and merge.
 * It stops as soon as a free block of the wanted order exists, or when
 * the scanners meet.
 *
 * Movable: a single private frame (anonymous, copy-on-write shared by
 * clones, SHAREd between tasks) or a page of a memory object or of the
 * page cache, whose references are exactly its mappings (and the
 * object's one), none of them a 2 MiB mapping or in a locked region (the
 * IPC buffer the core writes), none in the space an operation is walking
 * (vm_reclaim_held), and not the source of a copy in progress
 * (vm_reclaim_pinned).  Blocks (ALLOC_PAGES, MAP_CONTIG, 2 MiB chunks),
 * page tables, the server's own memory and the compressed store's pages
 * do not move: a pageblock holding one is skipped.
 *
 * Counters (vmstat): compact_stall (compactions a request entered),
 * compact_success / compact_fail (whether the request then got its
 * block), compact_migrate_scanned and compact_free_scanned (pages each
 * scanner looked at), compact_isolated (pages taken by either scanner:
 * the pages moved and the free pages they moved to), pgmigrate_success.
 *
 * Not reentrant, like reclaim: the server runs one thing at a time.
 */
#include <mneme/error.h>
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mm/sparse.h"
#include "vm_internal.h"

struct movable {
	unsigned mappings;
	bool no;
};

static int movable_mapping(struct vm_space *s, uint64_t va, bool huge, void *ctx)
{
	struct movable *m = ctx;
	const struct vm_region *r;

	if (huge || s == vm_reclaim_held || !(r = vm_region_find(s, va)) || (r->flags & VM_R_LOCKED)) {
		m->no = true;
		return 1;
	}
	m->mappings++;
	return 0;
}

/* Can the frame at @pfn be moved? */
static bool frame_movable(uint64_t pfn)
{
	const struct page *p = pfn_to_page(pfn);
	struct vm_object *obj;
	struct movable m = { 0 };

	if (!(p->flags & PG_vm) || pfn == vm_zero_pfn || vm_reclaim_pinned(pfn) || vm_frame_block(pfn))
		return false;
	obj = vm_frame_object(pfn);
	if (p->owner != VM_OWNER_FRAME && !obj)
		return false;
	vm_rmap_walk(pfn, movable_mapping, &m);
	return !m.no && p->mapcount == m.mappings && p->_refcount == (int32_t)(m.mappings + (obj ? 1 : 0));
}

struct move {
	uint64_t to;
	bool map;                       /* second pass: map the new frame */
};

/*
 * First pass: unmap the mapping and make its entry name the new frame
 * (flags kept).  Second pass: map it again with the rights it had.
 */
static int move_mapping(struct vm_space *s, uint64_t va, bool huge, void *ctx)
{
	struct move *mv = ctx;
	const struct vm_region *r = vm_region_find(s, va);
	uint64_t e = ft_lookup(s, va);

	(void)huge;
	if (!mv->map) {
		if (r && r->prot)
			vm_backend_unmap(s, va, 12);
		ft_update(s, va, (mv->to << 12) | (e & (VM_PAGE_SIZE - 1)));
	} else if (r && r->prot) {
		vm_backend_map(s, va, mv->to << 12, 12, vm_entry_prot(e, r->prot));
	}
	return 0;
}

/* Move the movable frame @from to the free page @to (vm_frame_move's terms). */
static void migrate(uint64_t from, uint64_t to)
{
	struct move mv = { to, false };

	vm_rmap_walk(from, move_mapping, &mv);  /* no task can touch it from here on */
	vm_frame_move(from, to);
	mv.map = true;
	vm_rmap_walk(to, move_mapping, &mv);
	vm_vmstat.pgmigrate_success++;
}

struct scanners {
	struct zone *z;
	unsigned long migrate;          /* the next pageblock the migrate scanner looks at */
	unsigned long free;             /* the free scanner goes down from here (exclusive) */
};

/* A free page above @floor for a page leaving the pageblock below it, or 0. */
static uint64_t isolate_free(struct scanners *sc, unsigned long floor)
{
	while (sc->free > floor) {
		unsigned long pfn = --sc->free;
		vm_vmstat.compact_free_scanned++;
		if (!pfn_valid(pfn))
			continue;
		struct page *p = take_free_page(sc->z, pfn);
		if (p) {
			vm_vmstat.compact_isolated++;
			return pfn;
		}
	}
	return 0;
}

/* Is every page of pageblock [b, b + pageblock_nr_pages) free or movable?  *moves = how many move. */
static bool block_suitable(struct zone *z, unsigned long b, unsigned *moves)
{
	*moves = 0;
	for (unsigned long pfn = b; pfn < b + pageblock_nr_pages;) {
		vm_vmstat.compact_migrate_scanned++;
		if (!pfn_valid(pfn) || !zone_spans_pfn(z, pfn))
			return false;
		unsigned long head = buddy_free_head(z, pfn);
		if (head != ~0UL) {             /* a free block: skip it whole */
			pfn = head + (1UL << buddy_order(pfn_to_page(head)));
			continue;
		}
		if (!frame_movable(pfn))
			return false;
		++*moves;
		pfn++;
	}
	return *moves != 0;
}

/* Does zone @z have a free block of @order or more? */
static bool zone_has_order(const struct zone *z, unsigned order)
{
	for (unsigned o = order; o < MAX_ORDER; o++)
		if (z->free_area[o].nr_free)
			return true;
	return false;
}

/*
 * Empty pageblocks of @z from the low end until a free block of @order
 * exists (order MAX_ORDER: until the scanners meet).  True if it moved
 * anything.
 */
static bool compact_zone(struct zone *z, unsigned order)
{
	unsigned long start = (z->zone_start_pfn + pageblock_nr_pages - 1) & ~(pageblock_nr_pages - 1);
	struct scanners sc = { z, start, zone_end_pfn(z) };
	bool moved = false;

	drain_all_pages();
	while (sc.migrate + pageblock_nr_pages <= sc.free && !(order < MAX_ORDER && zone_has_order(z, order))) {
		unsigned long b = sc.migrate;
		unsigned moves;

		sc.migrate += pageblock_nr_pages;
		if (!block_suitable(z, b, &moves))
			continue;
		/* Free room above the block for every page, or the block stays as it is. */
		for (unsigned long pfn = b; pfn < b + pageblock_nr_pages && moves; pfn++) {
			if (buddy_free_head(z, pfn) != ~0UL || !frame_movable(pfn))
				continue;
			uint64_t to = isolate_free(&sc, b + pageblock_nr_pages);
			if (!to)
				return moved;
			vm_vmstat.compact_isolated++;
			migrate(pfn, to);
			moved = true;
			moves--;
		}
		drain_all_pages();              /* the moved pages' old frames merge in the buddy lists */
	}
	return moved;
}

/*
 * Deferral (Linux's compaction_deferred): after a compaction of some
 * order failed, requests of that order or more skip compaction 1, 2, 4,
 * ... 64 times before the next try, so a machine that really is full
 * does not rescan every zone for each 2 MiB fault.  A success resets it.
 */
static unsigned defer_order = ~0u, defer_shift, defer_considered;

static bool deferred(unsigned order)
{
	if (order < defer_order)
		return false;
	if (++defer_considered < (1u << defer_shift))
		return true;
	defer_considered = 0;
	return false;
}

static bool compact_all(unsigned order)
{
	bool any = false;
	int nid;

	for_each_online_node(nid) {
		for (int zi = MAX_NR_ZONES - 1; zi >= 0; zi--) {
			struct zone *z = &NODE_DATA(nid)->node_zones[zi];
			if (!managed_zone(z))
				continue;
			if (order < MAX_ORDER && zone_has_order(z, order))
				return true;
			any |= compact_zone(z, order);
			if (order < MAX_ORDER && zone_has_order(z, order))
				return true;
		}
	}
	return any && order >= MAX_ORDER;
}

bool vm_compact(unsigned order)
{
	if (deferred(order))
		return false;
	vm_vmstat.compact_stall++;
	bool ok = compact_all(order);
	if (ok) {
		defer_order = ~0u;
		defer_shift = defer_considered = 0;
	} else {
		defer_order = order < defer_order ? order : defer_order;
		defer_shift += defer_shift < 6;
		defer_considered = 0;
	}
	return ok;
}
