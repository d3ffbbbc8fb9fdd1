/*
 * memblock: the boot-time allocator.
 *
 * An allocation is a search of the free ranges (memory minus reserved,
 * skipping NOMAP regions) for an aligned block, followed by reserving it.
 * The search runs from the top of memory down by default, so early
 * allocations stay clear of the low memory that devices and firmware
 * prefer, or from the bottom up after memblock_set_bottom_up(true).  A
 * request for a node falls back to any node unless it is exact; when any
 * memory is mirrored, mirrored memory is tried first.  Page 0 is never
 * handed out, so 0 can mean failure.
 *
 * After memblock_close() the free ranges belong to the buddy allocator
 * and every allocation here fails with a message.
 */
#include "memblock_internal.h"

static phys_addr_t memblock_clamp(phys_addr_t v, phys_addr_t lo, phys_addr_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static phys_addr_t memblock_find_bottom_up(phys_addr_t start, phys_addr_t end, phys_addr_t size,
					   phys_addr_t align, int nid, enum memblock_flags flags)
{
	phys_addr_t this_start, this_end, cand;
	uint64_t i;

	for_each_free_mem_range(i, nid, flags, &this_start, &this_end, NULL) {
		this_start = memblock_clamp(this_start, start, end);
		this_end = memblock_clamp(this_end, start, end);
		cand = (this_start + align - 1) & ~(align - 1);
		if (cand < this_start) /* rounding up wrapped */
			continue;
		if (cand < this_end && this_end - cand >= size)
			return cand;
	}
	return 0;
}

static phys_addr_t memblock_find_top_down(phys_addr_t start, phys_addr_t end, phys_addr_t size,
					  phys_addr_t align, int nid, enum memblock_flags flags)
{
	phys_addr_t this_start, this_end, cand;
	uint64_t i;

	for_each_free_mem_range_reverse(i, nid, flags, &this_start, &this_end, NULL) {
		this_start = memblock_clamp(this_start, start, end);
		this_end = memblock_clamp(this_end, start, end);
		if (this_end < size)
			continue;
		cand = (this_end - size) & ~(align - 1);
		if (cand >= this_start)
			return cand;
	}
	return 0;
}

/* Search free memory of node @nid in [start, end) for an aligned block. */
static phys_addr_t memblock_find_in_range_node(phys_addr_t size, phys_addr_t align,
					       phys_addr_t start, phys_addr_t end, int nid,
					       enum memblock_flags flags)
{
	if (end == MEMBLOCK_ALLOC_ACCESSIBLE || end == MEMBLOCK_ALLOC_NOLEAKTRACE)
		end = memblock.current_limit;
	if (start < PAGE_SIZE) /* never hand out page 0 */
		start = PAGE_SIZE;
	if (end < start)
		end = start;
	if (memblock.bottom_up)
		return memblock_find_bottom_up(start, end, size, align, nid, flags);
	return memblock_find_top_down(start, end, size, align, nid, flags);
}

phys_addr_t memblock_find_in_range(phys_addr_t start, phys_addr_t end,
				   phys_addr_t size, phys_addr_t align)
{
	enum memblock_flags flags = memblock_choose_flags();
	phys_addr_t ret = memblock_find_in_range_node(size, align, start, end, NUMA_NO_NODE, flags);

	if (!ret && (flags & MEMBLOCK_MIRROR))
		ret = memblock_find_in_range_node(size, align, start, end, NUMA_NO_NODE,
						  flags & ~MEMBLOCK_MIRROR);
	return ret;
}

/*
 * Decode an allocation request: refuse it once memblock is closed, for
 * zero size, or for an alignment that is not a power of two (0 means
 * SMP_CACHE_BYTES, as in Linux).  Returns false if it must fail.
 */
static bool memblock_alloc_ok(const char *who, phys_addr_t size, phys_addr_t *align)
{
	if (memblock_closed) {
		mm_printf("memblock: %s(%#llx) refused: memblock is closed, memory belongs to the buddy allocator\n",
			  who, (unsigned long long)size);
		return false;
	}
	if (!size)
		return false;
	if (!*align)
		*align = SMP_CACHE_BYTES;
	if (!memblock_is_pow2(*align)) {
		mm_printf("memblock: %s: alignment %#llx is not a power of two\n", who,
			  (unsigned long long)*align);
		return false;
	}
	return true;
}

/* Find and reserve; 0 if nothing fits or the reservation cannot be recorded. */
static phys_addr_t memblock_take(phys_addr_t size, phys_addr_t align, phys_addr_t start,
				 phys_addr_t end, int nid, enum memblock_flags flags)
{
	phys_addr_t found = memblock_find_in_range_node(size, align, start, end, nid, flags);

	if (found && !memblock_reserve(found, size))
		return found;
	return 0;
}

static phys_addr_t memblock_alloc_range(phys_addr_t size, phys_addr_t align, phys_addr_t start,
					phys_addr_t end, int nid, bool exact_nid)
{
	enum memblock_flags flags = memblock_choose_flags();
	phys_addr_t found;

	if (nid == MAX_NUMNODES)
		nid = NUMA_NO_NODE;
	for (;;) {
		found = memblock_take(size, align, start, end, nid, flags);
		if (!found && nid != NUMA_NO_NODE && !exact_nid)
			found = memblock_take(size, align, start, end, NUMA_NO_NODE, flags);
		if (found || !(flags & MEMBLOCK_MIRROR))
			return found;
		flags &= ~MEMBLOCK_MIRROR;
		mm_printf("memblock: could not allocate %#llx bytes of mirrored memory\n",
			  (unsigned long long)size);
	}
}

phys_addr_t memblock_alloc_range_nid(phys_addr_t size, phys_addr_t align, phys_addr_t start,
				     phys_addr_t end, int nid, bool exact_nid)
{
	if (!memblock_alloc_ok(__func__, size, &align))
		return 0;
	return memblock_alloc_range(size, align, start, end, nid, exact_nid);
}

phys_addr_t memblock_phys_alloc_range(phys_addr_t size, phys_addr_t align, phys_addr_t start,
				      phys_addr_t end)
{
	return memblock_alloc_range_nid(size, align, start, end, NUMA_NO_NODE, false);
}

phys_addr_t memblock_phys_alloc_try_nid(phys_addr_t size, phys_addr_t align, int nid)
{
	return memblock_alloc_range_nid(size, align, 0, MEMBLOCK_ALLOC_ACCESSIBLE, nid, false);
}

/*
 * The common path of the virtual allocators: clamp to current_limit, try
 * [min_addr, max_addr), then [0, max_addr).  Returns the physical address
 * or 0.
 */
static phys_addr_t memblock_alloc_internal(const char *who, phys_addr_t size, phys_addr_t align,
					   phys_addr_t min_addr, phys_addr_t max_addr,
					   int nid, bool exact_nid)
{
	phys_addr_t found;

	if (!memblock_alloc_ok(who, size, &align))
		return 0;
	if (max_addr > memblock.current_limit)
		max_addr = memblock.current_limit;
	found = memblock_alloc_range(size, align, min_addr, max_addr, nid, exact_nid);
	if (!found && min_addr)
		found = memblock_alloc_range(size, align, 0, max_addr, nid, exact_nid);
	return found;
}

void *memblock_alloc_try_nid(phys_addr_t size, phys_addr_t align, phys_addr_t min_addr,
			     phys_addr_t max_addr, int nid)
{
	phys_addr_t pa = memblock_alloc_internal(__func__, size, align, min_addr, max_addr,
						 nid, false);
	void *ptr;

	if (!pa)
		return NULL;
	ptr = mm_phys_to_virt(pa);
	memset(ptr, 0, size);
	return ptr;
}

void *memblock_alloc_try_nid_raw(phys_addr_t size, phys_addr_t align, phys_addr_t min_addr,
				 phys_addr_t max_addr, int nid)
{
	phys_addr_t pa = memblock_alloc_internal(__func__, size, align, min_addr, max_addr,
						 nid, false);

	return pa ? mm_phys_to_virt(pa) : NULL;
}

void *memblock_alloc_exact_nid_raw(phys_addr_t size, phys_addr_t align, phys_addr_t min_addr,
				   phys_addr_t max_addr, int nid)
{
	phys_addr_t pa = memblock_alloc_internal(__func__, size, align, min_addr, max_addr,
						 nid, true);

	return pa ? mm_phys_to_virt(pa) : NULL;
}
