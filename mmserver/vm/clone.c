/*
 * Cloning a space, as fork does: the child gets every region of the range
 * at the same address, and every page the parent has -- without copying
 * private pages: both map the same frame without WRITE (FT_COW) until one
 * of them writes (fault.c).
 *
 *   private (VM_ANON)   copy-on-write; the zero page and cached file pages
 *                       stay what they are; a frame some other space maps
 *                       writable (shared out with SHARE) is copied for the
 *                       child at once, so the sharing goes on for the
 *                       parent (Linux copies pinned pages at fork alike)
 *   2 MiB pages         copy-on-write whole: a write that finds others on
 *                       the chunk splits it and copies 4 KiB (fault.c)
 *   shared (SHARE)      the same frames, shared
 *   objects, files      the same object; the child's pages come on its
 *                       faults
 *   blocks              copied into private memory of the child at once:
 *                       the parent's block must stay its own, physically
 *                       contiguous (DMA), whoever writes first
 *
 * The child's page tables fill on its faults (a page already in its frame
 * table is reported again), so a clone costs the parent's frame-table walk
 * and the write-protection of its private writable pages, not a mapping
 * per page.  The child is charged for all it gets, as if it were private.
 */
#include <string.h>
#include <mneme/error.h>
#include "vm_internal.h"

struct clone_ctx {
	struct vm_space *to;
	const struct vm_region *r;    /* the parent's region of the entries walked */
	int err;
	uint64_t run_va, run_len;     /* the parent's pages to write-protect, one run at a time */
	unsigned run_shift;
};

/* Give the child a private copy of the frame(s) of @e at @va. */
static int copy_entry(struct vm_space *to, uint64_t va, uint64_t e)
{
	uint64_t n = (e & FT_HUGE) ? VM_HUGE_PAGES : 1;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t fresh = vm_frame_copy(ft_pfn(e) + i);
		if (!fresh)
			return -MNEME_ENOMEM;
		if (vm_entry_set(to, va + i * VM_PAGE_SIZE, (fresh << 12) | FT_PRESENT)) {
			vm_frame_free_new(fresh);
			return -MNEME_ENOMEM;
		}
	}
	return 0;
}

/* Write-protect the run of the parent's pages gathered so far. */
static void protect_run(struct vm_space *s, struct clone_ctx *c)
{
	if (c->run_len)
		vm_backend_protect_range(s, c->run_va, c->run_len, c->run_shift,
					 c->r->prot & ~MNEME_PROT_WRITE);
	c->run_len = 0;
}

/* The parent's private entry @e at @va becomes copy-on-write (its page joins the run to protect). */
static void protect_parent(struct vm_space *s, struct clone_ctx *c, uint64_t va, uint64_t e)
{
	unsigned shift = (e & FT_HUGE) ? 21 : 12;

	ft_update(s, va, e | FT_COW);
	if (!(c->r->prot & MNEME_PROT_WRITE))
		return;
	if (c->run_len && (c->run_shift != shift || c->run_va + c->run_len != va))
		protect_run(s, c);
	if (!c->run_len) {
		c->run_va = va;
		c->run_shift = shift;
	}
	c->run_len += 1ULL << shift;
}

static void clone_entry(struct vm_space *s, uint64_t va, uint64_t e, void *ctx)
{
	struct clone_ctx *c = ctx;
	const struct vm_region *r = c->r;

	if (c->err)
		return;
	switch (r->kind) {
	case VM_OBJECT:
		return;                         /* the child faults the object's pages in */
	case VM_SHARED:
		c->err = vm_entry_set(c->to, va, e);
		return;
	case VM_BLOCK:
		c->err = copy_entry(c->to, va, e);
		return;
	}
	if (ft_swapped(e)) {
		c->err = vm_entry_set(c->to, va, e);   /* both name the store's entry */
		return;
	}
	if (!(e & FT_COW) && !vm_entry_exclusive(e)) {
		c->err = copy_entry(c->to, va, e);   /* mapped writable elsewhere: stays shared for @s */
		return;
	}
	if (!(e & FT_COW))
		protect_parent(s, c, va, e);
	c->err = vm_entry_set(c->to, va, e | FT_COW);
}

/* Charge deltas of the child's regions for [start, end) of @from. */
static int clone_charge(const struct vm_space *from, struct vm_space *to, uint64_t start,
			uint64_t end, uint64_t *nr)
{
	int64_t base = 0, pt = 0;

	*nr = 0;
	for (const struct vm_region *r = vm_region_first_from(from, start); r && r->start < end;
	     r = vm_region_next(from, r)) {
		uint64_t a = r->start > start ? r->start : start, b = r->end < end ? r->end : end;
		enum vm_kind kind = r->kind == VM_BLOCK ? VM_ANON : (enum vm_kind)r->kind;
		base += (int64_t)vm_cost_base(kind, a, b);
		pt += (int64_t)vm_cost_pt(a, b);
		(*nr)++;
	}
	return vm_charge_check(to, base, pt);
}

static int clone_regions(struct vm_space *from, struct vm_space *to, uint64_t start, uint64_t end);

int vm_clone(struct vm_space *from, struct vm_space *to, uint64_t start, uint64_t end)
{
	uint64_t nr;

	if (start >= end || (start | end) & (VM_PAGE_SIZE - 1) || end > VM_VA_LIMIT)
		return -MNEME_EINVAL;
	for (const struct vm_region *r = vm_region_first_from(from, start); r && r->start < end;
	     r = vm_region_next(from, r)) {
		uint64_t a = r->start > start ? r->start : start, b = r->end < end ? r->end : end;
		if (!vm_region_range_free(to, a, b))
			return -MNEME_EBUSY;
	}
	if (clone_charge(from, to, start, end, &nr))
		return -MNEME_EQUOTA;
	if (to->nr_regions + nr > MNEME_MM_MAX_REGIONS)
		return -MNEME_ENOMEM;
	to->policy = from->policy;   /* as fork: the child starts with its parent's memory policy */
	/* 2 MiB entries of @from straddling the ends are split (invisible to it). */
	int err = vm_cut_at(from, start);
	if (!err)
		err = vm_cut_at(from, end);
	if (err)
		return err;
	vm_reclaim_held = from;                 /* its entries are walked while copies allocate */
	err = clone_regions(from, to, start, end);
	vm_reclaim_held = NULL;
	if (err)
		return err;
	vm_recharge(to);
	return 0;
}

/* The regions of [start, end) of @from, and their entries, into @to (checked by vm_clone). */
static int clone_regions(struct vm_space *from, struct vm_space *to, uint64_t start, uint64_t end)
{
	for (const struct vm_region *r = vm_region_first_from(from, start); r && r->start < end;
	     r = vm_region_next(from, r)) {
		uint64_t a = r->start > start ? r->start : start, b = r->end < end ? r->end : end;
		struct vm_region *n = vm_region_alloc();
		if (!n)
			return -MNEME_ENOMEM;
		*n = (struct vm_region){ .start = a, .end = b, .prot = r->prot, .maxprot = r->maxprot,
					 .kind = r->kind == VM_BLOCK ? VM_ANON : r->kind,
					 .flags = r->flags & (uint16_t)~VM_R_HUGE, .obj = r->obj,
					 .pgoff = r->pgoff + (a - r->start) / VM_PAGE_SIZE,
					 .policy = r->policy };
		if (r->kind == VM_ANON)
			n->flags |= r->flags & VM_R_HUGE;
		vm_region_add(to, n);
		struct clone_ctx c = { .to = to, .r = r };
		ft_walk(from, a, b, clone_entry, &c);
		protect_run(from, &c);
		if (c.err)
			return c.err;
	}
	return 0;
}
