/*
 * Swap entries: private pages that reclaim moved into the compressed
 * store (mm/zstore.h).  A swap entry takes the place of the page's
 * present entry in the frame table and holds one of the store entry's
 * references, as a present entry holds one of its frame's; a clone's
 * copy of it takes another (vm_entry_set), and whichever space touches
 * the page first gets the bytes back in a frame of its own -- the page
 * was private to both, copy-on-write, so each may have its own copy.
 *
 * Only 4 KiB pages of private (VM_ANON) regions become swap entries, and
 * only while mapped once: a page shared with another task (SHARE, a
 * memory object), a block and a 2 MiB chunk stay where they are.
 */
#include <mneme/error.h>
#include "mm/zstore.h"
#include "vm_internal.h"

int vm_swapin(struct vm_space *s, uint64_t va, uint64_t *entry)
{
	uint64_t pfn = vm_frame_alloc_raw();

	if (!pfn)
		return -MNEME_ENOMEM;
	/* Reclaim (in the allocation) turns present entries into swap entries, never back. */
	uint64_t e = ft_lookup(s, va);
	MM_ASSERT(ft_swapped(e));
	if (zstore_load(ft_handle(e), page_address(pfn_to_page(pfn)))) {
		vm_frame_free_new(pfn);
		return -MNEME_EFAULT;
	}
	uint64_t ne = (pfn << 12) | FT_PRESENT;
	ft_update(s, va, ne);
	vm_rmap_add(pfn, s, va, false);         /* a frame nobody maps: its record is inline */
	vm_frame_get(pfn, 1);
	pfn_to_page(pfn)->flags |= PG_referenced;   /* it was wanted: not the next to go */
	s->acct.resident++;
	s->acct.swapped--;
	zstore_put(ft_handle(e));
	vm_vmstat.zswpin++;
	*entry = ne;
	return 0;
}

void vm_swapout_entry(struct vm_space *s, uint64_t va, uint64_t pfn, uint64_t h)
{
	MM_ASSERT(!(h & FT_FLAGS) && ft_pfn(ft_lookup(s, va)) == pfn);
	ft_update(s, va, h | FT_SWAP);
	vm_rmap_del(pfn, s, va, false);
	s->acct.resident--;
	s->acct.swapped++;
	vm_frame_put(pfn, 1);                   /* its last reference: the frame goes */
	vm_vmstat.zswpout++;
}
