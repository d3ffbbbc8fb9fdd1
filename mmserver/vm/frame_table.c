/*
 * Which frame backs which page: the frame table.
 *
 * The frame table of a space is a three-level radix tree of 512-entry
 * nodes indexed by virtual page number (the shape of a page table, so a
 * 2 MiB chunk is exactly one middle-level entry): the top node covers
 * 512 GiB, a middle node 1 GiB, a leaf 2 MiB.  A middle entry is 0, the
 * address of a leaf, or a huge entry (pfn << 12 | FT_HUGE | FT_PRESENT)
 * for a 2 MiB mapping.  Leaves hold pfn << 12 | FT_PRESENT (| FT_COW).
 * Each node's struct page counts its used entries in page->owner, so an
 * emptied node goes back at once.  Who owns the frames the entries name,
 * and how they are counted, is frame.c's business.
 */
#include <string.h>
#include <mneme/error.h>
#include "vm_internal.h"

#define FT_ENTRIES 512
#define FT_SHIFT_LEAF 12
#define FT_SHIFT_MID  21
#define FT_SHIFT_TOP  30

static unsigned ft_index(uint64_t va, unsigned shift)
{
	return (unsigned)(va >> shift) & (FT_ENTRIES - 1);
}

static uint64_t *node_alloc(struct vm_space *s)
{
	struct page *p = alloc_pages(VM_GFP_META | __GFP_ZERO, 0);

	if (!p)
		return NULL;
	p->owner = 0;
	s->ftab_nodes++;
	s->acct.meta_bytes += VM_PAGE_SIZE;
	vm_recharge(s);
	return page_address(p);
}

static void node_free(struct vm_space *s, uint64_t *node)
{
	struct page *p = virt_to_page(node);

	p->owner = 0;
	__free_pages(p, 0);
	s->ftab_nodes--;
	s->acct.meta_bytes -= VM_PAGE_SIZE;
	vm_recharge(s);
}

static void node_count(uint64_t *node, int delta)
{
	virt_to_page(node)->owner += (uint64_t)(int64_t)delta;
}

static uint64_t node_used(uint64_t *node)
{
	return virt_to_page(node)->owner;
}

static uint64_t *mid_node(const struct vm_space *s, uint64_t va)
{
	return s->ftab ? (uint64_t *)(uintptr_t)s->ftab[ft_index(va, FT_SHIFT_TOP)] : NULL;
}

uint64_t ft_lookup(const struct vm_space *s, uint64_t va)
{
	uint64_t *mid = mid_node(s, va);

	if (!mid)
		return 0;
	uint64_t me = mid[ft_index(va, FT_SHIFT_MID)];
	if (!me || (me & FT_HUGE))
		return me;
	return ((uint64_t *)(uintptr_t)me)[ft_index(va, FT_SHIFT_LEAF)];
}

void ft_slot_fill(uint64_t *slot, uint64_t entry)
{
	MM_ASSERT(!*slot && !(entry & FT_HUGE));
	*slot = entry;
	node_count((uint64_t *)((uintptr_t)slot & ~(uintptr_t)(VM_PAGE_SIZE - 1)), 1);
}

bool ft_chunk_empty(const struct vm_space *s, uint64_t va)
{
	uint64_t *mid = mid_node(s, va);

	return !mid || !mid[ft_index(va, FT_SHIFT_MID)];
}

int ft_prepare(struct vm_space *s, uint64_t va, bool huge)
{
	if (!s->ftab && !(s->ftab = node_alloc(s)))
		return -MNEME_ENOMEM;
	uint64_t *te = &s->ftab[ft_index(va, FT_SHIFT_TOP)];
	if (!*te) {
		uint64_t *mid = node_alloc(s);
		if (!mid)
			return -MNEME_ENOMEM;
		*te = (uint64_t)(uintptr_t)mid;
		node_count(s->ftab, 1);
	}
	uint64_t *mid = (uint64_t *)(uintptr_t)*te;
	uint64_t *me = &mid[ft_index(va, FT_SHIFT_MID)];
	if (huge && *me && !(*me & FT_HUGE) && !node_used((uint64_t *)(uintptr_t)*me)) {
		/* An empty leaf left by a failed allocation makes way for the huge entry. */
		node_free(s, (uint64_t *)(uintptr_t)*me);
		*me = 0;
		node_count(mid, -1);
	}
	if (huge)
		return *me ? -MNEME_EBUSY : 0;
	if (*me)
		return 0;
	uint64_t *leaf = node_alloc(s);
	if (!leaf)
		return -MNEME_ENOMEM;
	*me = (uint64_t)(uintptr_t)leaf;
	node_count(mid, 1);
	return 0;
}

void ft_set(struct vm_space *s, uint64_t va, uint64_t entry)
{
	uint64_t *mid = mid_node(s, va);
	uint64_t *me = &mid[ft_index(va, FT_SHIFT_MID)];

	if (entry & FT_HUGE) {
		MM_ASSERT(!*me);
		*me = entry;
		node_count(mid, 1);
		return;
	}
	uint64_t *leaf = (uint64_t *)(uintptr_t)*me;
	MM_ASSERT(leaf && !(*me & FT_HUGE) && !leaf[ft_index(va, FT_SHIFT_LEAF)]);
	leaf[ft_index(va, FT_SHIFT_LEAF)] = entry;
	node_count(leaf, 1);
}

void ft_update(struct vm_space *s, uint64_t va, uint64_t entry)
{
	uint64_t *mid = mid_node(s, va);
	uint64_t *me = &mid[ft_index(va, FT_SHIFT_MID)];

	if (entry & FT_HUGE) {
		MM_ASSERT(*me & FT_HUGE);
		*me = entry;
		return;
	}
	uint64_t *leaf = (uint64_t *)(uintptr_t)*me;
	MM_ASSERT(leaf && !(*me & FT_HUGE) && leaf[ft_index(va, FT_SHIFT_LEAF)]);
	leaf[ft_index(va, FT_SHIFT_LEAF)] = entry;
}

/* Free the middle node at top index @ti and the top node once they are empty. */
static void trim_upper(struct vm_space *s, unsigned ti)
{
	uint64_t *mid = (uint64_t *)(uintptr_t)s->ftab[ti];

	if (node_used(mid))
		return;
	node_free(s, mid);
	s->ftab[ti] = 0;
	node_count(s->ftab, -1);
	if (!node_used(s->ftab)) {
		node_free(s, s->ftab);
		s->ftab = NULL;
	}
}

uint64_t ft_clear(struct vm_space *s, uint64_t va)
{
	uint64_t *mid = mid_node(s, va);
	unsigned ti = ft_index(va, FT_SHIFT_TOP), mi = ft_index(va, FT_SHIFT_MID);

	if (!mid || !mid[mi])
		return 0;
	uint64_t e = mid[mi];
	if (e & FT_HUGE) {
		mid[mi] = 0;
	} else {
		uint64_t *leaf = (uint64_t *)(uintptr_t)e;
		unsigned li = ft_index(va, FT_SHIFT_LEAF);
		e = leaf[li];
		if (!e)
			return 0;
		leaf[li] = 0;
		node_count(leaf, -1);
		if (node_used(leaf))
			return e;
		node_free(s, leaf);
		mid[mi] = 0;
	}
	node_count(mid, -1);
	trim_upper(s, ti);
	return e;
}

int ft_demote(struct vm_space *s, uint64_t va, unsigned prot)
{
	uint64_t *mid = mid_node(s, va);
	uint64_t chunk = va & ~(VM_HUGE_SIZE - 1);

	if (!mid || !(mid[ft_index(va, FT_SHIFT_MID)] & FT_HUGE))
		return 0;
	uint64_t e = mid[ft_index(va, FT_SHIFT_MID)], pfn = ft_pfn(e);
	/* Every reverse-map node the split needs first, so nothing fails half-way. */
	unsigned need = 0;
	for (unsigned i = 1; i < FT_ENTRIES; i++)
		need += vm_rmap_need(pfn + i);
	uint64_t *leaf = vm_rmap_reserve(need) ? NULL : node_alloc(s);
	if (!leaf) {
		vm_rmap_unreserve();
		return -MNEME_ENOMEM;
	}
	for (unsigned i = 0; i < FT_ENTRIES; i++)
		leaf[i] = ((pfn + i) << 12) | FT_PRESENT | (e & FT_COW);
	vm_rmap_move(pfn, s, chunk, true, chunk, false);
	for (unsigned i = 1; i < FT_ENTRIES; i++)
		vm_rmap_add(pfn + i, s, chunk + (uint64_t)i * VM_PAGE_SIZE, false);
	vm_rmap_unreserve();
	node_count(leaf, FT_ENTRIES);
	mid[ft_index(va, FT_SHIFT_MID)] = (uint64_t)(uintptr_t)leaf;
	s->acct.huge--;
	/*
	 * The page table follows: the 2 MiB mapping goes, 4 KiB ones replace
	 * it.  A page the core cannot map now (out of memory) is simply left
	 * unmapped: the table still records it, so its next touch faults and
	 * vm_fault() maps it again.
	 */
	if (prot) {
		vm_backend_unmap(s, chunk, FT_SHIFT_MID);
		for (unsigned i = 0; i < FT_ENTRIES; i++)
			vm_backend_map(s, chunk + (uint64_t)i * VM_PAGE_SIZE, (pfn + i) << 12,
				       FT_SHIFT_LEAF, vm_entry_prot(e, prot));
	}
	return 0;
}

/*
 * Aging walks the middle nodes in windows of 8 leaves (16 MiB, what one
 * vm_backend_age call covers) and asks only for windows with a leaf, so
 * its cost follows what is mapped.  The bitmap is the server's own memory.
 */
uint64_t ft_age(struct vm_space *s)
{
	static uint64_t bits[VM_AGE_WINDOW / VM_PAGE_SIZE / 64];
	const unsigned per = (unsigned)(VM_AGE_WINDOW >> FT_SHIFT_MID);
	uint64_t young = 0;

	for (unsigned ti = 0; s->ftab && ti < FT_ENTRIES; ti++) {
		const uint64_t *mid = (const uint64_t *)(uintptr_t)s->ftab[ti];
		for (unsigned mi = 0; mid && mi < FT_ENTRIES; mi += per) {
			bool any = false;
			for (unsigned k = 0; k < per; k++)
				any |= mid[mi + k] != 0;
			if (!any)
				continue;
			uint64_t base = (uint64_t)ti << FT_SHIFT_TOP | (uint64_t)mi << FT_SHIFT_MID;
			int64_t n = vm_backend_age(s, base, VM_AGE_WINDOW, bits);
			if (n <= 0)
				continue;
			young += (uint64_t)n;
			for (unsigned w = 0; w < VM_AGE_WINDOW / VM_PAGE_SIZE / 64; w++) {
				uint64_t me = mid[mi + w / (FT_ENTRIES / 64)];
				if (!bits[w] || !me || (me & FT_HUGE))
					continue;       /* 2 MiB chunks are blocks: on no list */
				const uint64_t *leaf = (const uint64_t *)(uintptr_t)me;
				for (uint64_t b = bits[w]; b; b &= b - 1) {
					unsigned i = (w % (FT_ENTRIES / 64)) * 64 + (unsigned)__builtin_ctzll(b);
					uint64_t e = leaf[i];
					if (!(e & FT_PRESENT) || vm_entry_zero(e))
						continue;
					struct page *p = pfn_to_page(ft_pfn(e));
					if (p->flags & PG_lru)
						p->flags |= PG_referenced;
				}
			}
		}
	}
	return young;
}

/* Walk one leaf's entries in [start, end). */
static void walk_leaf(struct vm_space *s, uint64_t *leaf, uint64_t base, uint64_t start,
		      uint64_t end, ft_fn fn, void *ctx)
{
	for (unsigned i = ft_index(start, FT_SHIFT_LEAF); i < FT_ENTRIES; i++) {
		uint64_t va = base + ((uint64_t)i << FT_SHIFT_LEAF);
		if (va >= end)
			break;
		uint64_t e = leaf[i];
		if (!e)
			continue;
		fn(s, va, e, ctx);
		/* @fn may have cleared the leaf's last entry, freeing it: then nothing is left. */
		uint64_t *mid = mid_node(s, va);
		if (!mid || mid[ft_index(va, FT_SHIFT_MID)] != (uint64_t)(uintptr_t)leaf)
			return;
	}
}

void ft_walk(struct vm_space *s, uint64_t start, uint64_t end, ft_fn fn, void *ctx)
{
	uint64_t va = start;

	while (va < end && s->ftab) {
		uint64_t *mid = mid_node(s, va);
		uint64_t next_mid = (va | ((1ULL << FT_SHIFT_TOP) - 1)) + 1;
		if (!mid) {
			va = next_mid;
			continue;
		}
		uint64_t chunk = va & ~(VM_HUGE_SIZE - 1), next = chunk + VM_HUGE_SIZE;
		uint64_t me = mid[ft_index(va, FT_SHIFT_MID)];
		if (me & FT_HUGE) {
			MM_ASSERT(chunk >= start && chunk + VM_HUGE_SIZE <= end);
			fn(s, chunk, me, ctx);
		}
		else if (me)
			walk_leaf(s, (uint64_t *)(uintptr_t)me, chunk, va, end, fn, ctx);
		va = next;
	}
}

void ft_destroy(struct vm_space *s)
{
	if (!s->ftab)
		return;
	for (unsigned ti = 0; ti < FT_ENTRIES; ti++) {
		uint64_t *mid = (uint64_t *)(uintptr_t)s->ftab[ti];
		if (!mid)
			continue;
		for (unsigned mi = 0; mi < FT_ENTRIES; mi++)
			if (mid[mi] && !(mid[mi] & FT_HUGE))
				node_free(s, (uint64_t *)(uintptr_t)mid[mi]);
		node_free(s, mid);
	}
	node_free(s, s->ftab);
	s->ftab = NULL;
}
