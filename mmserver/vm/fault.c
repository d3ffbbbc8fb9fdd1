/*
 * Page faults: what backs a page that has nothing yet, and what a write to
 * a copy-on-write page does.
 *
 *   private page, read       the shared zero page (or the file's cached
 *                            page), mapped without WRITE: FT_COW
 *   private page, write      a zeroed frame (or a copy of the file's page)
 *   huge chunk, any access   a 2 MiB block (a huge region asks for them;
 *                            there is no huge zero page)
 *   shared object page       the object's page (made on first touch)
 *   write to FT_COW          the faulting mapping's frame alone: take it
 *                            (make it writable); else copy it.  A 2 MiB
 *                            chunk shared with others is split into
 *                            4 KiB pages first and only the written page
 *                            is copied: a write costs a 4 KiB copy, never
 *                            2 MiB, and the rest stays shared.
 */
#include <string.h>
#include <mneme/error.h>
#include "vm_internal.h"

static void fault_result(struct vm_fault_result *res, uint64_t addr, uint64_t e, unsigned prot)
{
	bool huge = e & FT_HUGE;

	res->va = addr & ~((huge ? VM_HUGE_SIZE : VM_PAGE_SIZE) - 1);
	res->pa = ft_pfn(e) << 12;
	res->shift = huge ? 21 : 12;
	res->prot = vm_entry_prot(e, prot);
	res->resume = false;
}

/* A 2 MiB block for the chunk at @addr, if the region wants one and it fits. */
static int back_huge(struct vm_space *s, const struct vm_region *r, uint64_t addr, uint64_t *entry)
{
	uint64_t chunk = addr & ~(VM_HUGE_SIZE - 1);
	struct vm_map_req req = { .order = 9, .pol = mpol_choose(&r->policy, &s->policy),
				  .ilx = chunk / VM_HUGE_SIZE };

	if (!(r->flags & VM_R_HUGE) || r->obj || chunk < r->start || chunk + VM_HUGE_SIZE > r->end ||
	    !ft_chunk_empty(s, chunk) || ft_prepare(s, chunk, true))
		return -MNEME_ENOMEM;
	struct vm_block *b = vm_block_alloc(s, &req, VM_HUGE_PAGES, 0);
	if (!b)
		return -MNEME_ENOMEM;
	*entry = (b->pfn << 12) | FT_PRESENT | FT_HUGE;
	if (vm_entry_set(s, chunk, *entry)) {
		vm_block_free(b);
		return -MNEME_ENOMEM;
	}
	return 0;
}

/* The page of @r's object for @va (filled on first use). */
static int object_page(const struct vm_region *r, uint64_t va, uint64_t *pfn)
{
	return vm_object_page(r->obj, r->pgoff + (va - r->start) / VM_PAGE_SIZE, pfn);
}

/* A private page: zero page / zeroed frame, or the file's page / a copy of it. */
static int back_private(const struct vm_space *s, const struct vm_region *r, uint64_t va,
			unsigned access, uint64_t *e, uint64_t *fresh)
{
	uint64_t pfn = vm_zero_pfn;

	*fresh = 0;
	if (r->obj && object_page(r, va, &pfn))
		return -MNEME_ENOMEM;
	if (!(access & MNEME_PROT_WRITE)) {
		*e = (pfn << 12) | FT_PRESENT | FT_COW;
		return 0;
	}
	*fresh = r->obj ? vm_frame_copy_at(pfn, s, r, va) : vm_frame_alloc_at(s, r, va);
	if (!*fresh)
		return -MNEME_ENOMEM;
	*e = (*fresh << 12) | FT_PRESENT;
	return 0;
}

int vm_back(struct vm_space *s, const struct vm_region *r, uint64_t va, unsigned access,
	    uint64_t *entry)
{
	uint64_t e, fresh = 0;
	int err;

	if (r->kind == VM_ANON && !back_huge(s, r, va, entry)) {
		vm_recharge(s);
		return 0;
	}
	if (r->kind == VM_OBJECT) {
		uint64_t pfn;
		if ((err = object_page(r, va, &pfn)))
			return err == -MNEME_ERANGE ? -MNEME_EFAULT : err;
		e = (pfn << 12) | FT_PRESENT;
	} else if (r->kind == VM_ANON) {
		if (back_private(s, r, va, access, &e, &fresh))
			return -MNEME_ENOMEM;
	} else {
		return -MNEME_EFAULT;           /* blocks and shared-in ranges are backed at creation */
	}
	if (vm_entry_set(s, va, e)) {
		if (fresh)
			vm_frame_free_new(fresh);
		return -MNEME_ENOMEM;
	}
	vm_recharge(s);
	*entry = e;
	return 0;
}

/* Split the shared 2 MiB copy-on-write chunk at @va of @s (4 KiB entries, still copy-on-write). */
static int split_cow(struct vm_space *s, const struct vm_region *r, uint64_t va)
{
	uint64_t e = ft_lookup(s, va);
	struct vm_block *b = vm_frame_block(ft_pfn(e));
	uint64_t chunk = va & ~(VM_HUGE_SIZE - 1);
	/* Split, the chunk is a block of its own now: charged as one while @s is its owner. */
	bool charge = b && b->owner == s && !b->charge;

	if (charge && vm_charge_check(s, (int64_t)VM_HUGE_SIZE, 0))
		return -MNEME_EQUOTA;
	if (ft_demote(s, chunk, r->prot))
		return -MNEME_ENOMEM;
	if (charge) {
		b->charge = VM_HUGE_SIZE;
		vm_charge_force(s, (int64_t)VM_HUGE_SIZE, 0);
	}
	return 0;
}

int vm_break_cow(struct vm_space *s, const struct vm_region *r, uint64_t va, uint64_t *entry)
{
	uint64_t e = ft_lookup(s, va);

	MM_ASSERT(e & FT_COW);
	if (e & FT_HUGE) {
		uint64_t chunk = va & ~(VM_HUGE_SIZE - 1);
		if (vm_entry_exclusive(e)) {
			ft_update(s, chunk, e & ~FT_COW);
			if (r->prot)
				vm_backend_protect(s, chunk, 21, r->prot);
			*entry = e & ~FT_COW;
			return 0;
		}
		if (split_cow(s, r, va))
			return -MNEME_ENOMEM;
		e = ft_lookup(s, va);
	}
	va &= ~(VM_PAGE_SIZE - 1);
	if (vm_entry_exclusive(e)) {
		ft_update(s, va, e & ~FT_COW);
		if (r->prot)
			vm_backend_protect(s, va, 12, r->prot);
		*entry = e & ~FT_COW;
		return 0;
	}
	uint64_t fresh = vm_entry_zero(e) ? vm_frame_alloc_at(s, r, va) : vm_frame_copy_at(ft_pfn(e), s, r, va);
	if (!fresh)
		return -MNEME_ENOMEM;
	if (r->prot)
		vm_backend_unmap(s, va, 12);   /* the old frame's mapping; the new one follows */
	vm_entry_replace(s, va, (fresh << 12) | FT_PRESENT);
	*entry = (fresh << 12) | FT_PRESENT;
	return 0;
}

/*
 * The common fault, on its own short path: an untouched page of a plain
 * private region (no file, no 2 MiB chunks) whose frame-table leaf
 * exists.  A read gets the zero page, a write a zeroed frame of its own;
 * one walk of the table, no allocation but the frame, and a frame nobody
 * else maps needs no reverse-map node.  The leaf is looked up again after
 * the frame's allocation: reclaim in it may have emptied and freed the
 * leaf (a file page unmapped), and then the slow path's vm_entry_set()
 * makes one.  Returns false when the slow path must decide (or
 * -MNEME_ENOMEM in *err).
 */
static bool fault_fast(struct vm_space *s, const struct vm_region *r, uint64_t va, unsigned access,
		       uint64_t *entry, int *err)
{
	uint64_t *slot;

	if (r->kind != VM_ANON || r->obj || (r->flags & VM_R_HUGE))
		return false;
	if (!(access & MNEME_PROT_WRITE)) {
		*entry = (vm_zero_pfn << 12) | FT_PRESENT | FT_COW;
		ft_slot_fill(ft_leaf_slot(s, va), *entry);
		return true;
	}
	uint64_t pfn = vm_frame_alloc_at(s, r, va);
	if (!pfn) {
		*err = -MNEME_ENOMEM;
		return true;
	}
	va &= ~(VM_PAGE_SIZE - 1);
	*entry = (pfn << 12) | FT_PRESENT;
	if (!(slot = ft_leaf_slot(s, va))) {
		if ((*err = vm_entry_set(s, va, *entry)))
			vm_frame_free_new(pfn);
		return true;
	}
	vm_rmap_add(pfn, s, va, false);         /* the frame's first record: inline */
	vm_frame_get(pfn, 1);
	ft_slot_fill(slot, *entry);
	s->acct.resident++;
	return true;
}

bool vm_in_fault;

static int fault_resolve(struct vm_space *s, uint64_t addr, unsigned access,
			 struct vm_fault_result *res)
{
	struct vm_region *r = vm_region_find_cached(s, addr);
	uint64_t e, *slot;
	int err = 0;

	if (!r || !r->prot || (access & ~r->prot))
		return -MNEME_EFAULT;
	slot = ft_leaf_slot(s, addr);
	e = slot ? *slot : ft_lookup(s, addr);
	if (!e) {
		if (slot && fault_fast(s, r, addr, access, &e, &err)) {
			if (err)
				return err;
		} else if ((err = vm_back(s, r, addr, access, &e))) {
			return err;
		}
		s->acct.faults++;
	} else if (ft_swapped(e)) {
		if ((err = vm_swapin(s, addr & ~(VM_PAGE_SIZE - 1), &e)))
			return err;
		s->acct.faults++;
	} else if ((access & MNEME_PROT_WRITE) && (e & FT_COW)) {
		bool was_exclusive = vm_entry_exclusive(e);
		if (vm_break_cow(s, r, addr, &e))
			return -MNEME_ENOMEM;
		s->acct.faults++;
		if (was_exclusive) {            /* made writable in place: the page table is right */
			fault_result(res, addr, e, r->prot);
			res->resume = true;
			return 0;
		}
	}
	fault_result(res, addr, e, r->prot);
	return 0;
}

/* A fault may take frames down to the allocator's min watermark (requests stop earlier). */
int vm_fault(struct vm_space *s, uint64_t addr, unsigned access, struct vm_fault_result *res)
{
	bool outer = vm_in_fault;

	vm_in_fault = true;
	int err = fault_resolve(s, addr, access, res);
	vm_in_fault = outer;
	return err;
}

int vm_prefault(struct vm_space *s, uint64_t va, unsigned access)
{
	struct vm_fault_result res;
	uint64_t faults = s->acct.faults;     /* not a fault of the task's */
	int err = vm_fault(s, va, access, &res);

	s->acct.faults = faults;
	if (err || res.resume)
		return err;
	err = vm_backend_map(s, res.va, res.pa, res.shift, res.prot);
	return err == -MNEME_EBUSY ? 0 : err;
}
