/*
 * memblock: the two region lists and the operations that edit them.
 *
 * Each list (memblock.memory, memblock.reserved) is an array of regions
 * kept sorted by base, non-overlapping, and merged: two regions that touch
 * and share nid and flags are always one region.  Every edit is done in
 * two passes, decode then perform:
 *
 *   1. count how many array slots the edit needs (gaps to fill for an
 *      add, region boundaries to split for a remove or a flag change) and
 *      grow the array if it is too small -- the only step that can fail,
 *      and it fails before anything has changed;
 *   2. perform the edit, which cannot fail, then merge neighbours.
 *
 * A full array grows by doubling (at least) into memory taken from
 * memblock itself; the new array is reserved and the old one, unless it
 * is the static initial array, is freed.
 */
#include "memblock_internal.h"

struct memblock_region memblock_memory_init_regions[INIT_MEMBLOCK_MEMORY_REGIONS] = {
	[0] = { .nid = MAX_NUMNODES },
};
struct memblock_region memblock_reserved_init_regions[INIT_MEMBLOCK_RESERVED_REGIONS] = {
	[0] = { .nid = MAX_NUMNODES },
};

struct memblock memblock = {
	.memory.regions = memblock_memory_init_regions,
	.memory.cnt = 1, /* the empty dummy */
	.memory.max = INIT_MEMBLOCK_MEMORY_REGIONS,
	.memory.name = "memory",

	.reserved.regions = memblock_reserved_init_regions,
	.reserved.cnt = 1,
	.reserved.max = INIT_MEMBLOCK_RESERVED_REGIONS,
	.reserved.name = "reserved",

	.bottom_up = false,
	.current_limit = MEMBLOCK_ALLOC_ANYWHERE,
};

bool memblock_has_mirror;
bool memblock_closed;
static bool memblock_can_resize = true;

static int memblock_double_array(struct memblock_type *type, phys_addr_t avoid_base,
				 phys_addr_t avoid_size, unsigned long need);

/* ---- array primitives (callers guarantee room) ---- */

static void memblock_make_empty(struct memblock_type *type)
{
	type->cnt = 1;
	type->total_size = 0;
	type->regions[0] = (struct memblock_region){ .base = 0, .size = 0,
		.flags = MEMBLOCK_NONE, .nid = MAX_NUMNODES };
}

/* Insert [base, base + size) at index @idx; an empty list's dummy is replaced. */
static void memblock_insert_region(struct memblock_type *type, unsigned long idx,
				   phys_addr_t base, phys_addr_t size, int nid,
				   enum memblock_flags flags)
{
	struct memblock_region *r = type->regions;

	MM_ASSERT(size != 0);
	if (memblock_type_empty(type)) {
		MM_ASSERT(idx <= 1);
		r[0] = (struct memblock_region){ base, size, flags, nid };
		type->total_size = size;
		return;
	}
	MM_ASSERT(type->cnt < type->max && idx <= type->cnt);
	memmove(&r[idx + 1], &r[idx], (type->cnt - idx) * sizeof(*r));
	r[idx] = (struct memblock_region){ base, size, flags, nid };
	type->cnt++;
	type->total_size += size;
}

static void memblock_remove_region(struct memblock_type *type, unsigned long idx)
{
	struct memblock_region *r = type->regions;

	MM_ASSERT(idx < type->cnt);
	type->total_size -= r[idx].size;
	memmove(&r[idx], &r[idx + 1], (type->cnt - idx - 1) * sizeof(*r));
	if (--type->cnt == 0)
		memblock_make_empty(type);
}

/*
 * Join touching regions that share nid and flags, looking at the pairs
 * (i, i + 1) for @lo <= i < @hi: an edit only has to look at the regions
 * it touched and their neighbours.
 */
static void memblock_merge_regions(struct memblock_type *type, unsigned long lo,
				   unsigned long hi)
{
	struct memblock_region *r = type->regions;
	unsigned long i = lo;

	while (i < hi && i + 1 < type->cnt) {
		struct memblock_region *this = &r[i], *next = &r[i + 1];

		MM_ASSERT(memblock_region_end(this) <= next->base);
		if (memblock_region_end(this) != next->base || this->nid != next->nid ||
		    this->flags != next->flags) {
			i++;
			continue;
		}
		this->size += next->size;
		memmove(next, next + 1, (type->cnt - i - 2) * sizeof(*r));
		type->cnt--;
		hi--;
	}
}

/* Merge around the regions [start_rgn, end_rgn) an edit changed. */
static void memblock_merge_changed(struct memblock_type *type, unsigned long start_rgn,
				   unsigned long end_rgn)
{
	memblock_merge_regions(type, start_rgn ? start_rgn - 1 : 0, end_rgn);
}

int memblock_search(const struct memblock_type *type, phys_addr_t addr)
{
	unsigned long lo = 0, hi = type->cnt;

	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;
		const struct memblock_region *r = &type->regions[mid];

		if (addr < r->base)
			hi = mid;
		else if (addr >= memblock_region_end(r))
			lo = mid + 1;
		else
			return (int)mid;
	}
	return -1;
}

/* Index of the first region of @type ending above @addr (cnt if none). */
static unsigned long memblock_first_after(const struct memblock_type *type, phys_addr_t addr)
{
	unsigned long lo = 0, hi = type->cnt;

	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (memblock_region_end(&type->regions[mid]) > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ---- memblock's own arrays ---- */

static bool memblock_is_init_array(const struct memblock_region *regions)
{
	return regions == memblock_memory_init_regions ||
	       regions == memblock_reserved_init_regions;
}

static phys_addr_t memblock_array_bytes(unsigned long max)
{
	phys_addr_t bytes = (phys_addr_t)max * sizeof(struct memblock_region);

	return (bytes + PAGE_SIZE - 1) & PAGE_MASK;
}

/* The live array of @type, if memblock allocated it: its physical range. */
static bool memblock_own_array(const struct memblock_type *type, phys_addr_t *base,
			       phys_addr_t *size)
{
	if (memblock_is_init_array(type->regions))
		return false;
	*base = mm_virt_to_phys(type->regions);
	*size = memblock_array_bytes(type->max);
	return true;
}

/* True if [base, end) overlaps an array memblock allocated for itself. */
static bool memblock_hits_own_array(phys_addr_t base, phys_addr_t end)
{
	const struct memblock_type *types[] = { &memblock.memory, &memblock.reserved };
	phys_addr_t abase, asize;

	for (unsigned i = 0; i < 2; i++)
		if (memblock_own_array(types[i], &abase, &asize) &&
		    abase < end && base < abase + asize)
			return true;
	return false;
}

/* After a bulk trim of the reserved list: keep memblock's own arrays reserved. */
static void memblock_rereserve_arrays(void)
{
	const struct memblock_type *types[] = { &memblock.memory, &memblock.reserved };
	phys_addr_t abase, asize;

	for (unsigned i = 0; i < 2; i++)
		if (memblock_own_array(types[i], &abase, &asize) && memblock_reserve(abase, asize))
			mm_printf("memblock: cannot keep the %s array reserved\n", types[i]->name);
}

/* ---- adding ---- */

/*
 * Walk the parts of [base, end) that no region of @type covers, low to
 * high.  Returns how many there are; with @insert, also inserts each as a
 * region with @nid and @flags (room must have been made for them).
 */
static unsigned long memblock_fill_gaps(struct memblock_type *type, phys_addr_t base,
					phys_addr_t end, int nid, enum memblock_flags flags,
					bool insert)
{
	phys_addr_t cursor = base;
	unsigned long n = 0, idx;

	for (idx = memblock_first_after(type, base); idx < type->cnt && cursor < end; idx++) {
		struct memblock_region *r = &type->regions[idx];
		phys_addr_t rend = memblock_region_end(r);

		if (r->size == 0 || rend <= cursor)
			continue;
		if (r->base >= end)
			break;
		if (r->base > cursor) {
			n++;
			if (insert)
				memblock_insert_region(type, idx++, cursor, r->base - cursor,
						       nid, flags);
		}
		cursor = rend;
	}
	if (cursor < end) {
		n++;
		if (insert)
			memblock_insert_region(type, idx, cursor, end - cursor, nid, flags);
	}
	return n;
}

/*
 * Add [base, base + size) to @type: only the parts not yet covered are
 * inserted (with @nid and @flags); existing regions keep their attributes.
 * Returns 0 or -MNEME_ENOMEM, in which case @type is unchanged.
 */
static int memblock_add_range(struct memblock_type *type, phys_addr_t base,
			      phys_addr_t size, int nid, enum memblock_flags flags)
{
	phys_addr_t end;
	unsigned long need;

	if (!memblock_cap_size(base, &size))
		return 0;
	end = base + size;
	for (;;) {
		int err;

		need = memblock_fill_gaps(type, base, end, nid, flags, false);
		if (!need)
			return 0;
		if (type->cnt + need <= type->max)
			break;
		err = memblock_double_array(type, base, size, type->cnt + need);
		if (err)
			return err;
	}
	memblock_fill_gaps(type, base, end, nid, flags, true);
	memblock_merge_changed(type, memblock_first_after(type, base),
			       memblock_first_after(type, end));
	return 0;
}

int memblock_add_node(phys_addr_t base, phys_addr_t size, int nid, enum memblock_flags flags)
{
	return memblock_add_range(&memblock.memory, base, size, nid, flags);
}

int memblock_add(phys_addr_t base, phys_addr_t size)
{
	return memblock_add_range(&memblock.memory, base, size, MAX_NUMNODES, MEMBLOCK_NONE);
}

int memblock_reserve(phys_addr_t base, phys_addr_t size)
{
	return memblock_add_range(&memblock.reserved, base, size, MAX_NUMNODES, MEMBLOCK_NONE);
}

/* ---- isolating and removing ---- */

/* 1 if a region of @type strictly contains @addr (so must be split there). */
static unsigned long memblock_needs_split(const struct memblock_type *type, phys_addr_t addr)
{
	int idx = memblock_search(type, addr);

	return idx >= 0 && type->regions[idx].base != addr;
}

/* Split the region strictly containing @addr, if any, into two at @addr. */
static void memblock_split_at(struct memblock_type *type, phys_addr_t addr)
{
	int idx = memblock_search(type, addr);
	struct memblock_region *r;
	phys_addr_t rend;

	if (idx < 0 || type->regions[idx].base == addr)
		return;
	r = &type->regions[idx];
	rend = memblock_region_end(r);
	r->size = addr - r->base;
	type->total_size -= rend - addr;
	memblock_insert_region(type, (unsigned long)idx + 1, addr, rend - addr, r->nid, r->flags);
}

/*
 * Make [base, base + size) start and end on region boundaries of @type,
 * and report the regions inside it as [*start_rgn, *end_rgn) (both 0 if
 * none).  Returns 0 or -MNEME_ENOMEM, in which case @type is unchanged.
 */
static int memblock_isolate_range(struct memblock_type *type, phys_addr_t base,
				  phys_addr_t size, unsigned long *start_rgn,
				  unsigned long *end_rgn)
{
	phys_addr_t end;
	unsigned long idx, need;

	*start_rgn = *end_rgn = 0;
	if (!memblock_cap_size(base, &size) || memblock_type_empty(type))
		return 0;
	end = base + size;
	for (;;) {
		int err;

		need = memblock_needs_split(type, base) + memblock_needs_split(type, end);
		if (type->cnt + need <= type->max)
			break;
		err = memblock_double_array(type, base, size, type->cnt + need);
		if (err)
			return err;
	}
	memblock_split_at(type, base);
	memblock_split_at(type, end);

	idx = memblock_first_after(type, base);
	*start_rgn = idx;
	while (idx < type->cnt && type->regions[idx].base < end)
		idx++;
	*end_rgn = idx;
	if (*start_rgn == *end_rgn)
		*start_rgn = *end_rgn = 0;
	return 0;
}

static int memblock_remove_range(struct memblock_type *type, phys_addr_t base, phys_addr_t size)
{
	unsigned long start_rgn, end_rgn, i;
	int err = memblock_isolate_range(type, base, size, &start_rgn, &end_rgn);

	if (err)
		return err;
	for (i = end_rgn; i > start_rgn; i--)
		memblock_remove_region(type, i - 1);
	return 0;
}

int memblock_remove(phys_addr_t base, phys_addr_t size)
{
	return memblock_remove_range(&memblock.memory, base, size);
}

/*
 * Freeing the memory that holds memblock's own region arrays would let it
 * be handed out while in use: refused with -MNEME_EBUSY.
 */
int memblock_phys_free(phys_addr_t base, phys_addr_t size)
{
	if (memblock_cap_size(base, &size) && memblock_hits_own_array(base, base + size)) {
		mm_printf("memblock: refusing to free [%#llx-%#llx): it holds memblock's own array\n",
			  (unsigned long long)base, (unsigned long long)(base + size));
		return -MNEME_EBUSY;
	}
	return memblock_remove_range(&memblock.reserved, base, size);
}

void memblock_free(void *ptr, size_t size)
{
	if (ptr)
		memblock_phys_free(mm_virt_to_phys(ptr), size);
}

/* ---- attributes ---- */

static int memblock_setclr_flag(phys_addr_t base, phys_addr_t size, bool set,
				enum memblock_flags flag)
{
	struct memblock_type *type = &memblock.memory;
	unsigned long start_rgn, end_rgn, i;
	int err = memblock_isolate_range(type, base, size, &start_rgn, &end_rgn);

	if (err)
		return err;
	for (i = start_rgn; i < end_rgn; i++) {
		if (set)
			type->regions[i].flags |= flag;
		else
			type->regions[i].flags &= ~flag;
	}
	memblock_merge_changed(type, start_rgn, end_rgn);
	return 0;
}

int memblock_mark_hotplug(phys_addr_t base, phys_addr_t size)
{
	return memblock_setclr_flag(base, size, true, MEMBLOCK_HOTPLUG);
}

int memblock_clear_hotplug(phys_addr_t base, phys_addr_t size)
{
	return memblock_setclr_flag(base, size, false, MEMBLOCK_HOTPLUG);
}

int memblock_mark_mirror(phys_addr_t base, phys_addr_t size)
{
	int err = memblock_setclr_flag(base, size, true, MEMBLOCK_MIRROR);

	if (!err && size)
		memblock_has_mirror = true;
	return err;
}

int memblock_mark_nomap(phys_addr_t base, phys_addr_t size)
{
	return memblock_setclr_flag(base, size, true, MEMBLOCK_NOMAP);
}

int memblock_clear_nomap(phys_addr_t base, phys_addr_t size)
{
	return memblock_setclr_flag(base, size, false, MEMBLOCK_NOMAP);
}

int memblock_set_node(phys_addr_t base, phys_addr_t size, struct memblock_type *type, int nid)
{
	unsigned long start_rgn, end_rgn, i;
	int err = memblock_isolate_range(type, base, size, &start_rgn, &end_rgn);

	if (err)
		return err;
	for (i = start_rgn; i < end_rgn; i++)
		memblock_set_region_node(&type->regions[i], nid);
	memblock_merge_changed(type, start_rgn, end_rgn);
	return 0;
}

enum memblock_flags memblock_choose_flags(void)
{
	return memblock_has_mirror ? MEMBLOCK_MIRROR : MEMBLOCK_NONE;
}

/* ---- shrinking memory ---- */

void memblock_trim_memory(phys_addr_t align)
{
	struct memblock_type *type = &memblock.memory;
	unsigned long i = 0;

	if (!memblock_is_pow2(align)) {
		mm_printf("memblock: trim to alignment %#llx refused: not a power of two\n",
			  (unsigned long long)align);
		return;
	}
	while (i < type->cnt && type->regions[i].size) {
		struct memblock_region *r = &type->regions[i];
		phys_addr_t end = memblock_region_end(r) & ~(align - 1);
		phys_addr_t start = (r->base + align - 1) & ~(align - 1);

		if (start < r->base) /* rounding up wrapped */
			start = PHYS_ADDR_MAX;
		if (start >= end) {
			memblock_remove_region(type, i);
			continue;
		}
		type->total_size -= r->size - (end - start);
		r->base = start;
		r->size = end - start;
		i++;
	}
}

void memblock_cap_memory_range(phys_addr_t base, phys_addr_t size)
{
	struct memblock_type *type = &memblock.memory;
	unsigned long start_rgn, end_rgn, i;

	if (!memblock_cap_size(base, &size))
		return;
	if (!type->total_size) {
		mm_printf("memblock: cap_memory_range: no memory registered yet\n");
		return;
	}
	if (memblock_isolate_range(type, base, size, &start_rgn, &end_rgn))
		return;
	/* with nothing inside, start_rgn == end_rgn == 0: every region goes */
	for (i = type->cnt; i > end_rgn; i--)
		if (!memblock_is_nomap(&type->regions[i - 1]))
			memblock_remove_region(type, i - 1);
	for (i = start_rgn; i > 0; i--)
		if (!memblock_is_nomap(&type->regions[i - 1]))
			memblock_remove_region(type, i - 1);
	/* NOMAP regions split at the cap's edges survive: join them again */
	memblock_merge_regions(type, 0, type->cnt);

	if (memblock_remove_range(&memblock.reserved, 0, base) ||
	    memblock_remove_range(&memblock.reserved, base + size, PHYS_ADDR_MAX))
		mm_printf("memblock: cap_memory_range: reserved list could not be trimmed\n");
	memblock_rereserve_arrays();
}

/* Address at which the first @limit bytes of memory end (PHYS_ADDR_MAX: all). */
static phys_addr_t memblock_find_max_addr(phys_addr_t limit)
{
	unsigned long i;

	for (i = 0; i < memblock.memory.cnt; i++) {
		struct memblock_region *r = &memblock.memory.regions[i];

		if (limit <= r->size)
			return r->base + limit;
		limit -= r->size;
	}
	return PHYS_ADDR_MAX;
}

void memblock_mem_limit_remove_map(phys_addr_t limit)
{
	phys_addr_t max_addr;

	if (!limit)
		return;
	max_addr = memblock_find_max_addr(limit);
	if (max_addr != PHYS_ADDR_MAX)
		memblock_cap_memory_range(0, max_addr);
}

void memblock_enforce_memory_limit(phys_addr_t limit)
{
	phys_addr_t max_addr;

	if (!limit)
		return;
	max_addr = memblock_find_max_addr(limit);
	if (max_addr == PHYS_ADDR_MAX)
		return;
	if (memblock_remove_range(&memblock.memory, max_addr, PHYS_ADDR_MAX) ||
	    memblock_remove_range(&memblock.reserved, max_addr, PHYS_ADDR_MAX))
		mm_printf("memblock: enforce_memory_limit: lists could not be trimmed\n");
	memblock_rereserve_arrays();
}

/* ---- growing the arrays ---- */

void memblock_allow_resize(void)
{
	memblock_can_resize = true;
}

/*
 * Find room for a new array, outside [avoid_base, avoid_base + avoid_size)
 * (the range being edited: it may be about to become reserved or vanish).
 */
static phys_addr_t memblock_find_array_room(phys_addr_t bytes, phys_addr_t avoid_base,
					    phys_addr_t avoid_size)
{
	phys_addr_t limit = memblock.current_limit;
	phys_addr_t addr = memblock_find_in_range(avoid_base + avoid_size, limit, bytes, PAGE_SIZE);

	if (!addr && avoid_size)
		addr = memblock_find_in_range(0, avoid_base < limit ? avoid_base : limit,
					      bytes, PAGE_SIZE);
	return addr;
}

/*
 * Replace @type's array by one of at least twice the size and at least
 * @need slots (plus slack, for the reserved list, for recording the new
 * array and releasing the old one).  The new array comes from free memory
 * and is reserved.  Fails with -MNEME_ENOMEM, changing nothing, if no
 * memory can be found or growth is not allowed (after memblock_close()).
 */
static int memblock_double_array(struct memblock_type *type, phys_addr_t avoid_base,
				 phys_addr_t avoid_size, unsigned long need)
{
	bool is_reserved = type == &memblock.reserved;
	struct memblock_region *old = type->regions, *new;
	unsigned long old_max = type->max, new_max = type->max * 2;
	phys_addr_t bytes, addr;

	if (is_reserved)
		need += 3;
	while (new_max < need)
		new_max *= 2;
	if (memblock_closed || !memblock_can_resize) {
		mm_printf("memblock: %s array full (%lu regions) and growth is not allowed\n",
			  type->name, type->max);
		return -MNEME_ENOMEM;
	}
	bytes = memblock_array_bytes(new_max);
	addr = memblock_find_array_room(bytes, avoid_base, avoid_size);
	if (!addr) {
		mm_printf("memblock: no memory to grow %s array to %lu regions\n",
			  type->name, new_max);
		return -MNEME_ENOMEM;
	}
	/* memory: reserve first, so a failure there leaves everything as it was */
	if (!is_reserved && memblock_reserve(addr, bytes))
		return -MNEME_ENOMEM;

	new = mm_phys_to_virt(addr);
	memcpy(new, old, type->cnt * sizeof(*old));
	memset(new + type->cnt, 0, (new_max - type->cnt) * sizeof(*old));
	type->regions = new;
	type->max = new_max;

	/* reserved: the new array has room for its own entry by construction */
	if (is_reserved && memblock_add_range(type, addr, bytes, MAX_NUMNODES, MEMBLOCK_NONE))
		mm_panic("memblock: cannot record the new reserved array");
	if (!memblock_is_init_array(old) &&
	    memblock_remove_range(&memblock.reserved, mm_virt_to_phys(old),
				  memblock_array_bytes(old_max)))
		mm_printf("memblock: old %s array could not be released\n", type->name);
	return 0;
}

/* ---- global state ---- */

void memblock_set_bottom_up(bool enable)
{
	memblock.bottom_up = enable;
}

bool memblock_bottom_up(void)
{
	return memblock.bottom_up;
}

void memblock_set_current_limit(phys_addr_t limit)
{
	memblock.current_limit = limit;
}

phys_addr_t memblock_get_current_limit(void)
{
	return memblock.current_limit;
}

void memblock_close(void)
{
	memblock_closed = true;
}

bool memblock_is_closed(void)
{
	return memblock_closed;
}

static void memblock_reset_type(struct memblock_type *type, struct memblock_region *init,
				unsigned long max)
{
	memset(init, 0, max * sizeof(*init));
	type->regions = init;
	type->max = max;
	memblock_make_empty(type);
}

void memblock_reset(void)
{
	memblock_reset_type(&memblock.memory, memblock_memory_init_regions,
			    INIT_MEMBLOCK_MEMORY_REGIONS);
	memblock_reset_type(&memblock.reserved, memblock_reserved_init_regions,
			    INIT_MEMBLOCK_RESERVED_REGIONS);
	memblock.bottom_up = false;
	memblock.current_limit = MEMBLOCK_ALLOC_ANYWHERE;
	memblock_has_mirror = false;
	memblock_closed = false;
	memblock_can_resize = true;
}
