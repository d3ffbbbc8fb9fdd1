/*
 * memblock: walking and querying the region lists.
 *
 * The range iterators (__next_mem_range and its reverse) report the parts
 * of one list that lie in the gaps of a second list; with memory as the
 * first and reserved as the second that is exactly the free memory, which
 * both the allocator and the buddy hand-off rely on.  The iterator state
 * is one u64: the index into the first list in the low half, the index of
 * the current gap of the second list in the high half (gap k lies between
 * region k-1 and region k).
 */
#include "memblock_internal.h"

#define MEMBLOCK_IDX_END (~(uint64_t)0)

static uint64_t memblock_idx_pack(int32_t ia, int32_t ib)
{
	return (uint64_t)(uint32_t)ia | ((uint64_t)(uint32_t)ib << 32);
}

/*
 * Linux's rules for skipping regions of the memory list: other node, NOMAP
 * or driver-managed unless asked for, non-mirrored when mirror is asked
 * for.  Reserved regions are never filtered.  Empty dummies always go.
 */
static bool memblock_skip_region(const struct memblock_type *type,
				 const struct memblock_region *m, int nid,
				 enum memblock_flags flags)
{
	if (m->size == 0)
		return true;
	if (type != &memblock.memory)
		return false;
	if (nid != NUMA_NO_NODE && nid != m->nid)
		return true;
	if ((flags & MEMBLOCK_MIRROR) && !memblock_is_mirror(m))
		return true;
	if (!(flags & MEMBLOCK_NOMAP) && memblock_is_nomap(m))
		return true;
	if (!(flags & MEMBLOCK_DRIVER_MANAGED) && memblock_is_driver_managed(m))
		return true;
	return false;
}

/* Bounds of gap @k of @type: [end of region k-1, base of region k). */
static void memblock_gap(const struct memblock_type *type, int32_t k,
			 phys_addr_t *start, phys_addr_t *end)
{
	*start = k ? memblock_region_end(&type->regions[k - 1]) : 0;
	*end = (unsigned long)k < type->cnt ? type->regions[k].base : PHYS_ADDR_MAX;
}

static void memblock_report(const struct memblock_region *m, phys_addr_t start,
			    phys_addr_t end, phys_addr_t *out_start,
			    phys_addr_t *out_end, int *out_nid)
{
	if (out_start)
		*out_start = start;
	if (out_end)
		*out_end = end;
	if (out_nid)
		*out_nid = m->nid;
}

void __next_mem_range(uint64_t *idx, int nid, enum memblock_flags flags,
		      struct memblock_type *type_a, struct memblock_type *type_b,
		      phys_addr_t *out_start, phys_addr_t *out_end, int *out_nid)
{
	int32_t ia = (int32_t)(uint32_t)*idx, ib = (int32_t)(*idx >> 32);

	if (nid == MAX_NUMNODES)
		nid = NUMA_NO_NODE;
	for (; (unsigned long)ia < type_a->cnt; ia++) {
		const struct memblock_region *m = &type_a->regions[ia];
		phys_addr_t ms = m->base, me = memblock_region_end(m);

		if (memblock_skip_region(type_a, m, nid, flags))
			continue;
		if (!type_b) {
			memblock_report(m, ms, me, out_start, out_end, out_nid);
			*idx = memblock_idx_pack(ia + 1, 0);
			return;
		}
		for (; (unsigned long)ib <= type_b->cnt; ib++) {
			phys_addr_t gs, ge;

			memblock_gap(type_b, ib, &gs, &ge);
			if (gs >= me)
				break; /* this gap and the later ones lie above m */
			if (gs >= ge || ge <= ms)
				continue;
			memblock_report(m, gs > ms ? gs : ms, ge < me ? ge : me,
					out_start, out_end, out_nid);
			/* the part that ends first is used up */
			if (ge <= me)
				ib++;
			else
				ia++;
			*idx = memblock_idx_pack(ia, ib);
			return;
		}
	}
	*idx = MEMBLOCK_IDX_END;
}

void __next_mem_range_rev(uint64_t *idx, int nid, enum memblock_flags flags,
			  struct memblock_type *type_a, struct memblock_type *type_b,
			  phys_addr_t *out_start, phys_addr_t *out_end, int *out_nid)
{
	int32_t ia, ib;

	if (*idx == MEMBLOCK_IDX_END) {
		ia = (int32_t)type_a->cnt - 1;
		ib = type_b ? (int32_t)type_b->cnt : 0;
	} else {
		ia = (int32_t)(uint32_t)*idx;
		ib = (int32_t)(*idx >> 32);
	}
	if (nid == MAX_NUMNODES)
		nid = NUMA_NO_NODE;
	for (; ia >= 0; ia--) {
		const struct memblock_region *m = &type_a->regions[ia];
		phys_addr_t ms = m->base, me = memblock_region_end(m);

		if (memblock_skip_region(type_a, m, nid, flags))
			continue;
		if (!type_b) {
			memblock_report(m, ms, me, out_start, out_end, out_nid);
			*idx = memblock_idx_pack(ia - 1, 0);
			return;
		}
		for (; ib >= 0; ib--) {
			phys_addr_t gs, ge;

			memblock_gap(type_b, ib, &gs, &ge);
			if (ge <= ms)
				break; /* this gap and the earlier ones lie below m */
			if (gs >= ge || gs >= me)
				continue;
			memblock_report(m, gs > ms ? gs : ms, ge < me ? ge : me,
					out_start, out_end, out_nid);
			if (gs >= ms)
				ib--;
			else
				ia--;
			*idx = memblock_idx_pack(ia, ib);
			return;
		}
	}
	*idx = MEMBLOCK_IDX_END;
}

void __next_mem_pfn_range(int *idx, int nid, unsigned long *out_start_pfn,
			  unsigned long *out_end_pfn, int *out_nid)
{
	struct memblock_type *type = &memblock.memory;
	const struct memblock_region *r = NULL;

	if (nid == MAX_NUMNODES)
		nid = NUMA_NO_NODE;
	while (++*idx < (int)type->cnt) {
		r = &type->regions[*idx];
		if (memblock_region_memory_base_pfn(r) >= memblock_region_memory_end_pfn(r))
			continue;
		if (nid == NUMA_NO_NODE || nid == r->nid)
			break;
	}
	if (*idx >= (int)type->cnt) {
		*idx = -1;
		return;
	}
	if (out_start_pfn)
		*out_start_pfn = memblock_region_memory_base_pfn(r);
	if (out_end_pfn)
		*out_end_pfn = memblock_region_memory_end_pfn(r);
	if (out_nid)
		*out_nid = r->nid;
}

/* ---- queries ---- */

phys_addr_t memblock_phys_mem_size(void)
{
	return memblock.memory.total_size;
}

phys_addr_t memblock_reserved_size(void)
{
	return memblock.reserved.total_size;
}

phys_addr_t memblock_start_of_DRAM(void)
{
	return memblock.memory.regions[0].base;
}

phys_addr_t memblock_end_of_DRAM(void)
{
	return memblock_region_end(&memblock.memory.regions[memblock.memory.cnt - 1]);
}

bool memblock_is_memory(phys_addr_t addr)
{
	return memblock_search(&memblock.memory, addr) >= 0;
}

bool memblock_is_map_memory(phys_addr_t addr)
{
	int i = memblock_search(&memblock.memory, addr);

	return i >= 0 && !memblock_is_nomap(&memblock.memory.regions[i]);
}

/* True when [base, base + size) lies within one memory region. */
bool memblock_is_region_memory(phys_addr_t base, phys_addr_t size)
{
	int i = memblock_search(&memblock.memory, base);

	memblock_cap_size(base, &size);
	return i >= 0 && base + size <= memblock_region_end(&memblock.memory.regions[i]);
}

bool memblock_is_reserved(phys_addr_t addr)
{
	return memblock_search(&memblock.reserved, addr) >= 0;
}

bool memblock_overlaps_region(struct memblock_type *type, phys_addr_t base, phys_addr_t size)
{
	unsigned long i;

	memblock_cap_size(base, &size);
	for (i = 0; i < type->cnt; i++) {
		const struct memblock_region *r = &type->regions[i];

		if (r->size && r->base < base + size && base < memblock_region_end(r))
			return true;
	}
	return false;
}

bool memblock_is_region_reserved(phys_addr_t base, phys_addr_t size)
{
	return memblock_overlaps_region(&memblock.reserved, base, size);
}

int memblock_search_pfn_nid(unsigned long pfn, unsigned long *start_pfn, unsigned long *end_pfn)
{
	int i = memblock_search(&memblock.memory, PFN_PHYS(pfn));
	const struct memblock_region *r;

	if (i < 0)
		return -1;
	r = &memblock.memory.regions[i];
	*start_pfn = (unsigned long)PHYS_PFN(r->base);
	*end_pfn = (unsigned long)PHYS_PFN(memblock_region_end(r));
	return r->nid;
}

/* ---- reporting and checking ---- */

static void memblock_dump(const struct memblock_type *type)
{
	unsigned long i;

	mm_printf(" %s.cnt  = 0x%lx\n", type->name, type->cnt);
	for (i = 0; i < type->cnt; i++) {
		const struct memblock_region *r = &type->regions[i];

		mm_printf(" %s[0x%lx]\t[0x%016llx-0x%016llx], 0x%llx bytes on node %d flags: 0x%x\n",
			  type->name, i, (unsigned long long)r->base,
			  (unsigned long long)(memblock_region_end(r) - (r->size ? 1 : 0)),
			  (unsigned long long)r->size, r->nid, (unsigned)r->flags);
	}
}

void __memblock_dump_all(void)
{
	mm_printf("MEMBLOCK configuration:\n");
	mm_printf(" memory size = 0x%llx reserved size = 0x%llx\n",
		  (unsigned long long)memblock.memory.total_size,
		  (unsigned long long)memblock.reserved.total_size);
	memblock_dump(&memblock.memory);
	memblock_dump(&memblock.reserved);
}

void memblock_dump_all(void)
{
	__memblock_dump_all();
}

static int memblock_corrupt(const struct memblock_type *type, unsigned long i, const char *what)
{
	mm_printf("memblock: %s list corrupt at region %lu: %s\n", type->name, i, what);
	return -MNEME_ECORRUPT;
}

static int memblock_check_type(const struct memblock_type *type)
{
	const struct memblock_region *r = type->regions;
	phys_addr_t total = 0;
	unsigned long i;

	if (!r || type->cnt < 1 || type->cnt > type->max)
		return memblock_corrupt(type, 0, "bad cnt/max/regions");
	if (r[0].size == 0)
		return type->cnt == 1 && type->total_size == 0 ? 0 :
			memblock_corrupt(type, 0, "dummy region in a non-empty list");
	for (i = 0; i < type->cnt; i++) {
		if (r[i].size == 0)
			return memblock_corrupt(type, i, "empty region");
		if (r[i].size > PHYS_ADDR_MAX - r[i].base)
			return memblock_corrupt(type, i, "region wraps");
		total += r[i].size;
		if (i == 0)
			continue;
		if (memblock_region_end(&r[i - 1]) > r[i].base)
			return memblock_corrupt(type, i, "unsorted or overlapping");
		if (memblock_region_end(&r[i - 1]) == r[i].base && r[i - 1].nid == r[i].nid &&
		    r[i - 1].flags == r[i].flags)
			return memblock_corrupt(type, i, "mergeable neighbours");
	}
	if (total != type->total_size)
		return memblock_corrupt(type, type->cnt, "total_size mismatch");
	return 0;
}

/* True when every byte of [base, base + size) is in some region of @type. */
static bool memblock_covers(const struct memblock_type *type, phys_addr_t base, phys_addr_t size)
{
	phys_addr_t end = base + size;

	while (base < end) {
		int i = memblock_search(type, base);

		if (i < 0)
			return false;
		base = memblock_region_end(&type->regions[i]);
	}
	return true;
}

static int memblock_check_array(const struct memblock_type *type,
				const struct memblock_region *init)
{
	phys_addr_t bytes;

	if (type->regions == init)
		return 0;
	bytes = ((phys_addr_t)type->max * sizeof(*init) + PAGE_SIZE - 1) & PAGE_MASK;
	if (!memblock_covers(&memblock.reserved, mm_virt_to_phys(type->regions), bytes))
		return memblock_corrupt(type, 0, "dynamic array not reserved");
	return 0;
}

int memblock_check(void)
{
	int err = memblock_check_type(&memblock.memory);

	if (!err)
		err = memblock_check_type(&memblock.reserved);
	if (!err)
		err = memblock_check_array(&memblock.memory, memblock_memory_init_regions);
	if (!err)
		err = memblock_check_array(&memblock.reserved, memblock_reserved_init_regions);
	return err;
}
