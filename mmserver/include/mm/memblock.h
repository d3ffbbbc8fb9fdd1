/*
 * memblock: the boot-time physical memory map and allocator.
 *
 * The memory server learns the machine's RAM from the boot-info map and
 * records it here as two sorted lists of ranges: "memory" (what exists)
 * and "reserved" (what is in use).  Until the buddy allocator takes over,
 * every early allocation (node data, the vmemmap, early tables) is carved
 * out of memory minus reserved by the memblock_alloc*() family.  Once the
 * buddy owner has handed the free ranges over it calls memblock_close();
 * the lists stay readable, but allocation is refused from then on.
 *
 * The API and its semantics are Linux 6.1's memblock (written anew for
 * mneme); <linux/memblock.h> wraps this header for code written against
 * Linux.  Differences from Linux are noted where they occur:
 *  - errors are negative mneme_error values (-MNEME_ENOMEM, -MNEME_EBUSY)
 *    and a failing call leaves both lists exactly as they were;
 *  - memblock_phys_free() refuses to free memblock's own region arrays,
 *    and cap/limit trimming keeps them reserved;
 *  - memblock_trim_memory() keeps memory.total_size exact, and
 *    memblock_cap_memory_range() re-merges the NOMAP regions it cut;
 *  - nid is always tracked (as with CONFIG_NUMA=y); MAX_NUMNODES and
 *    NUMA_NO_NODE both mean "any node" for the filters and allocators;
 *  - the allocators refuse size 0 and alignments that are not powers of
 *    two (0 still means SMP_CACHE_BYTES);
 *  - array growth is allowed from the start and avoids the range being
 *    edited for both lists (Linux: only for reserved).
 *
 * An empty list holds one zero-sized dummy region (cnt == 1), as in
 * Linux 6.1: for_each_mem_region() visits it, the range iterators never
 * report it.  Hotplug regions are never skipped (no movable_node).
 */
#ifndef MM_MEMBLOCK_H
#define MM_MEMBLOCK_H

#include "mm/port.h"
#include "linux/numa.h"     /* NODES_SHIFT, MAX_NUMNODES, NUMA_NO_NODE */
#ifndef PHYS_ADDR_MAX
#define PHYS_ADDR_MAX (~(phys_addr_t)0)
#endif
#ifndef SMP_CACHE_BYTES
#define SMP_CACHE_BYTES 64
#endif

#define INIT_MEMBLOCK_REGIONS 128
#define INIT_MEMBLOCK_RESERVED_REGIONS INIT_MEMBLOCK_REGIONS
#define INIT_MEMBLOCK_MEMORY_REGIONS INIT_MEMBLOCK_REGIONS

/* Upper bounds for the allocators' @end / @max_addr arguments. */
#define MEMBLOCK_ALLOC_ANYWHERE   (~(phys_addr_t)0) /* no limit at all */
#define MEMBLOCK_ALLOC_ACCESSIBLE 0                 /* up to memblock.current_limit */
#define MEMBLOCK_ALLOC_NOLEAKTRACE 1                /* same, Linux: no kmemleak tracking */
#define MEMBLOCK_LOW_LIMIT 0
#ifndef ARCH_LOW_ADDRESS_LIMIT
#define ARCH_LOW_ADDRESS_LIMIT 0xffffffffUL
#endif

/**
 * enum memblock_flags - attributes of a memory region
 * @MEMBLOCK_NONE: no special request
 * @MEMBLOCK_HOTPLUG: hotpluggable memory
 * @MEMBLOCK_MIRROR: mirrored (reliable) memory
 * @MEMBLOCK_NOMAP: not part of the direct map; never allocated from
 * @MEMBLOCK_DRIVER_MANAGED: added by a driver, not firmware memory
 */
enum memblock_flags {
	MEMBLOCK_NONE = 0x0,
	MEMBLOCK_HOTPLUG = 0x1,
	MEMBLOCK_MIRROR = 0x2,
	MEMBLOCK_NOMAP = 0x4,
	MEMBLOCK_DRIVER_MANAGED = 0x8,
};

/* One range [base, base + size) with its attributes and node. */
struct memblock_region {
	phys_addr_t base;
	phys_addr_t size;
	enum memblock_flags flags;
	int nid;
};

/* A sorted, non-overlapping, merged array of regions. */
struct memblock_type {
	unsigned long cnt;                /* regions in use (1 when empty: the dummy) */
	unsigned long max;                /* capacity of @regions */
	phys_addr_t total_size;           /* sum of the regions' sizes */
	struct memblock_region *regions;
	char *name;
};

struct memblock {
	bool bottom_up;                   /* allocate upwards instead of downwards */
	phys_addr_t current_limit;        /* highest address MEMBLOCK_ALLOC_ACCESSIBLE reaches */
	struct memblock_type memory;
	struct memblock_type reserved;
};

extern struct memblock memblock;

/* --- building the map (all return 0 or a negative mneme_error) --- */

int memblock_add_node(phys_addr_t base, phys_addr_t size, int nid, enum memblock_flags flags);
int memblock_add(phys_addr_t base, phys_addr_t size);
int memblock_remove(phys_addr_t base, phys_addr_t size);
int memblock_reserve(phys_addr_t base, phys_addr_t size);
/* Un-reserve [base, base + size); -MNEME_EBUSY if it holds memblock's own arrays. */
int memblock_phys_free(phys_addr_t base, phys_addr_t size);
/* Un-reserve memory returned by memblock_alloc*() (NULL is ignored). */
void memblock_free(void *ptr, size_t size);

int memblock_mark_hotplug(phys_addr_t base, phys_addr_t size);
int memblock_clear_hotplug(phys_addr_t base, phys_addr_t size);
int memblock_mark_mirror(phys_addr_t base, phys_addr_t size);
int memblock_mark_nomap(phys_addr_t base, phys_addr_t size);
int memblock_clear_nomap(phys_addr_t base, phys_addr_t size);
/* Give the memory (or reserved) regions in [base, base + size) node @nid. */
int memblock_set_node(phys_addr_t base, phys_addr_t size, struct memblock_type *type, int nid);

/* Shrink every memory region to @align boundaries, dropping those that vanish. */
void memblock_trim_memory(phys_addr_t align);
/*
 * Keep only memory (and reservations) inside [base, base + size); NOMAP
 * regions stay, and so do the reservations of memblock's own arrays.
 */
void memblock_cap_memory_range(phys_addr_t base, phys_addr_t size);
/* Keep only the first @limit bytes of memory (counted over the regions). */
void memblock_mem_limit_remove_map(phys_addr_t limit);
void memblock_enforce_memory_limit(phys_addr_t limit);

/* Linux gates array growth on this; mneme allows it from the start. */
void memblock_allow_resize(void);

/* --- allocation --- */

void memblock_set_bottom_up(bool enable);
bool memblock_bottom_up(void);
void memblock_set_current_limit(phys_addr_t limit);
phys_addr_t memblock_get_current_limit(void);

/*
 * Find @size bytes aligned to @align in [start, end), preferring node @nid
 * (falling back to any node unless @exact_nid), and reserve them.  Returns
 * the physical address, or 0 on failure.  The memory is not cleared.
 */
phys_addr_t memblock_alloc_range_nid(phys_addr_t size, phys_addr_t align, phys_addr_t start,
				     phys_addr_t end, int nid, bool exact_nid);
phys_addr_t memblock_phys_alloc_range(phys_addr_t size, phys_addr_t align, phys_addr_t start,
				      phys_addr_t end);
phys_addr_t memblock_phys_alloc_try_nid(phys_addr_t size, phys_addr_t align, int nid);

static inline phys_addr_t memblock_phys_alloc(phys_addr_t size, phys_addr_t align)
{
	return memblock_phys_alloc_range(size, align, 0, MEMBLOCK_ALLOC_ACCESSIBLE);
}

/*
 * Allocate @size bytes in [min_addr, max_addr) (clamped to current_limit),
 * retrying without @min_addr when that fails.  Returns the virtual address
 * (mm_phys_to_virt) or NULL.  The _raw variants do not clear the memory.
 */
void *memblock_alloc_try_nid(phys_addr_t size, phys_addr_t align, phys_addr_t min_addr,
			     phys_addr_t max_addr, int nid);
void *memblock_alloc_try_nid_raw(phys_addr_t size, phys_addr_t align, phys_addr_t min_addr,
				 phys_addr_t max_addr, int nid);
void *memblock_alloc_exact_nid_raw(phys_addr_t size, phys_addr_t align, phys_addr_t min_addr,
				   phys_addr_t max_addr, int nid);

static inline void *memblock_alloc(phys_addr_t size, phys_addr_t align)
{
	return memblock_alloc_try_nid(size, align, MEMBLOCK_LOW_LIMIT,
				      MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE);
}
static inline void *memblock_alloc_raw(phys_addr_t size, phys_addr_t align)
{
	return memblock_alloc_try_nid_raw(size, align, MEMBLOCK_LOW_LIMIT,
					  MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE);
}
static inline void *memblock_alloc_from(phys_addr_t size, phys_addr_t align, phys_addr_t min_addr)
{
	return memblock_alloc_try_nid(size, align, min_addr,
				      MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE);
}
static inline void *memblock_alloc_low(phys_addr_t size, phys_addr_t align)
{
	return memblock_alloc_try_nid(size, align, MEMBLOCK_LOW_LIMIT,
				      ARCH_LOW_ADDRESS_LIMIT, NUMA_NO_NODE);
}
static inline void *memblock_alloc_node(phys_addr_t size, phys_addr_t align, int nid)
{
	return memblock_alloc_try_nid(size, align, MEMBLOCK_LOW_LIMIT,
				      MEMBLOCK_ALLOC_ACCESSIBLE, nid);
}

/* --- queries --- */

phys_addr_t memblock_phys_mem_size(void);
phys_addr_t memblock_reserved_size(void);
phys_addr_t memblock_start_of_DRAM(void);
phys_addr_t memblock_end_of_DRAM(void);
bool memblock_is_memory(phys_addr_t addr);
bool memblock_is_map_memory(phys_addr_t addr);
bool memblock_is_region_memory(phys_addr_t base, phys_addr_t size);
bool memblock_is_reserved(phys_addr_t addr);
bool memblock_is_region_reserved(phys_addr_t base, phys_addr_t size);
bool memblock_overlaps_region(struct memblock_type *type, phys_addr_t base, phys_addr_t size);
/* Node of the memory region holding @pfn and its pfn bounds, or -1. */
int memblock_search_pfn_nid(unsigned long pfn, unsigned long *start_pfn, unsigned long *end_pfn);

/* Print both lists through mm_printf. */
void memblock_dump_all(void);
void __memblock_dump_all(void);

/* --- mneme extensions --- */

/*
 * Return memblock to its initial state: empty lists on the static arrays,
 * top-down, no limit, allocation open.  For tests and for start-up.
 */
void memblock_reset(void);

/*
 * Close allocation: called by the buddy allocator once it owns the free
 * memory.  Afterwards memblock_alloc*() fail with a message and the region
 * arrays can no longer grow; the lists remain readable and editable.
 */
void memblock_close(void);
bool memblock_is_closed(void);

/*
 * Check the invariants of both lists (sorted, non-overlapping, merged,
 * exact totals, dummy rules, dynamic arrays reserved).  Returns 0 or
 * -MNEME_ECORRUPT after printing what is wrong.  For tests and debugging.
 */
int memblock_check(void);

struct mneme_boot_info;
/*
 * Feed memblock from the boot-info map: every RAM range is added with its
 * nid, everything except USABLE is also reserved, NOMAP ranges are marked
 * NOMAP, UNUSABLE ranges are ignored; on x86_64 the first MiB is reserved.
 * The map is validated in full first.  memblock must be empty (after
 * memblock_reset()).  Returns 0, -MNEME_EINVAL / -MNEME_ECORRUPT for a bad
 * map, -MNEME_EBUSY if memblock is not empty, -MNEME_ENOMEM if the arrays
 * could not grow; on any error memblock is left empty, as it was.
 */
int memblock_init_from_bootinfo(const struct mneme_boot_info *bi);

/* --- region helpers --- */

static inline bool memblock_is_hotpluggable(const struct memblock_region *m)
{
	return m->flags & MEMBLOCK_HOTPLUG;
}
static inline bool memblock_is_mirror(const struct memblock_region *m)
{
	return m->flags & MEMBLOCK_MIRROR;
}
static inline bool memblock_is_nomap(const struct memblock_region *m)
{
	return m->flags & MEMBLOCK_NOMAP;
}
static inline bool memblock_is_driver_managed(const struct memblock_region *m)
{
	return m->flags & MEMBLOCK_DRIVER_MANAGED;
}
static inline int memblock_get_region_node(const struct memblock_region *r)
{
	return r->nid;
}
static inline void memblock_set_region_node(struct memblock_region *r, int nid)
{
	r->nid = nid;
}
/* First and last+1 whole pages of a memory region. */
static inline unsigned long memblock_region_memory_base_pfn(const struct memblock_region *r)
{
	return (unsigned long)((r->base + PAGE_SIZE - 1) >> PAGE_SHIFT);
}
static inline unsigned long memblock_region_memory_end_pfn(const struct memblock_region *r)
{
	return (unsigned long)((r->base + r->size) >> PAGE_SHIFT);
}
/* Pages touched by a reserved region. */
static inline unsigned long memblock_region_reserved_base_pfn(const struct memblock_region *r)
{
	return (unsigned long)(r->base >> PAGE_SHIFT);
}
static inline unsigned long memblock_region_reserved_end_pfn(const struct memblock_region *r)
{
	return (unsigned long)((r->base + r->size + PAGE_SIZE - 1) >> PAGE_SHIFT);
}

/* --- iterators --- */

/*
 * Step *@idx through the ranges of @type_a that are not in @type_b (all of
 * @type_a when @type_b is NULL), restricted to node @nid (NUMA_NO_NODE: any)
 * and filtered by @flags: NOMAP, HOTPLUG-only-if-asked, MIRROR-if-asked and
 * DRIVER_MANAGED regions follow Linux's rules.  Start with *@idx = 0 (or
 * ULLONG_MAX for the _rev variant); *@idx becomes ULLONG_MAX at the end.
 * The out pointers may be NULL.
 */
void __next_mem_range(uint64_t *idx, int nid, enum memblock_flags flags,
		      struct memblock_type *type_a, struct memblock_type *type_b,
		      phys_addr_t *out_start, phys_addr_t *out_end, int *out_nid);
void __next_mem_range_rev(uint64_t *idx, int nid, enum memblock_flags flags,
			  struct memblock_type *type_a, struct memblock_type *type_b,
			  phys_addr_t *out_start, phys_addr_t *out_end, int *out_nid);
/*
 * Step *@idx (start at -1) through the memory regions of node @nid
 * (MAX_NUMNODES or NUMA_NO_NODE: any) that hold at least one whole page,
 * reporting whole-page pfn bounds; *@idx becomes -1 at the end.
 */
void __next_mem_pfn_range(int *idx, int nid, unsigned long *out_start_pfn,
			  unsigned long *out_end_pfn, int *out_nid);

#define __for_each_mem_range(i, type_a, type_b, nid, flags, p_start, p_end, p_nid)	\
	for (i = 0, __next_mem_range(&i, nid, flags, type_a, type_b, p_start, p_end, p_nid); \
	     i != (uint64_t)~0ULL;							\
	     __next_mem_range(&i, nid, flags, type_a, type_b, p_start, p_end, p_nid))

#define __for_each_mem_range_rev(i, type_a, type_b, nid, flags, p_start, p_end, p_nid)	\
	for (i = (uint64_t)~0ULL,							\
	     __next_mem_range_rev(&i, nid, flags, type_a, type_b, p_start, p_end, p_nid); \
	     i != (uint64_t)~0ULL;							\
	     __next_mem_range_rev(&i, nid, flags, type_a, type_b, p_start, p_end, p_nid))

/* Mapped memory ranges (NOMAP regions skipped), low to high / high to low. */
#define for_each_mem_range(i, p_start, p_end)						\
	__for_each_mem_range(i, &memblock.memory, NULL, NUMA_NO_NODE,			\
			     MEMBLOCK_HOTPLUG | MEMBLOCK_DRIVER_MANAGED, p_start, p_end, NULL)
#define for_each_mem_range_rev(i, p_start, p_end)					\
	__for_each_mem_range_rev(i, &memblock.memory, NULL, NUMA_NO_NODE,		\
				 MEMBLOCK_HOTPLUG | MEMBLOCK_DRIVER_MANAGED, p_start, p_end, NULL)

/* Reserved ranges, low to high. */
#define for_each_reserved_mem_range(i, p_start, p_end)					\
	__for_each_mem_range(i, &memblock.reserved, NULL, NUMA_NO_NODE,			\
			     MEMBLOCK_NONE, p_start, p_end, NULL)

/* Free ranges (memory minus reserved) of node @nid, low to high / high to low. */
#define for_each_free_mem_range(i, nid, flags, p_start, p_end, p_nid)			\
	__for_each_mem_range(i, &memblock.memory, &memblock.reserved,			\
			     nid, flags, p_start, p_end, p_nid)
#define for_each_free_mem_range_reverse(i, nid, flags, p_start, p_end, p_nid)		\
	__for_each_mem_range_rev(i, &memblock.memory, &memblock.reserved,		\
				 nid, flags, p_start, p_end, p_nid)

/* Whole-page pfn ranges of the memory regions of node @nid. */
#define for_each_mem_pfn_range(i, nid, p_start, p_end, p_nid)				\
	for (i = -1, __next_mem_pfn_range(&i, nid, p_start, p_end, p_nid);		\
	     i >= 0; __next_mem_pfn_range(&i, nid, p_start, p_end, p_nid))

/* Every region (including the dummy of an empty list). */
#define for_each_mem_region(region)							\
	for (region = memblock.memory.regions;						\
	     region < (memblock.memory.regions + memblock.memory.cnt); region++)
#define for_each_reserved_mem_region(region)						\
	for (region = memblock.reserved.regions;					\
	     region < (memblock.reserved.regions + memblock.reserved.cnt); region++)

#endif
