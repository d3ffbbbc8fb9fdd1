/*
 * Private interface between the memblock files (memblock.c: the lists,
 * memblock_iter.c: iterators and queries, memblock_alloc.c: allocation,
 * memblock_boot.c: boot-info feeding).  Not for use outside memblock.
 */
#ifndef MM_MEMBLOCK_INTERNAL_H
#define MM_MEMBLOCK_INTERNAL_H

#include "mm/memblock.h"
#include "mneme/error.h"

#include <string.h>

extern struct memblock_region memblock_memory_init_regions[INIT_MEMBLOCK_MEMORY_REGIONS];
extern struct memblock_region memblock_reserved_init_regions[INIT_MEMBLOCK_RESERVED_REGIONS];

/* Set once any region is marked MEMBLOCK_MIRROR: allocations prefer mirrors. */
extern bool memblock_has_mirror;
/* memblock_close() was called: no allocation, no array growth. */
extern bool memblock_closed;

static inline phys_addr_t memblock_region_end(const struct memblock_region *r)
{
	return r->base + r->size;
}

/* An empty list holds only the zero-sized dummy region. */
static inline bool memblock_type_empty(const struct memblock_type *type)
{
	return type->cnt == 1 && type->regions[0].size == 0;
}

/* Clamp *@size so that @base + *@size does not wrap; returns the new size. */
static inline phys_addr_t memblock_cap_size(phys_addr_t base, phys_addr_t *size)
{
	if (*size > PHYS_ADDR_MAX - base)
		*size = PHYS_ADDR_MAX - base;
	return *size;
}

static inline bool memblock_is_pow2(phys_addr_t v)
{
	return v && !(v & (v - 1));
}

/* Index of the region of @type containing @addr, or -1. */
int memblock_search(const struct memblock_type *type, phys_addr_t addr);

/*
 * Find (do not reserve) @size bytes aligned to @align in free memory
 * within [start, end), preferring mirrored memory if any exists.
 * Returns the address or 0.
 */
phys_addr_t memblock_find_in_range(phys_addr_t start, phys_addr_t end,
				   phys_addr_t size, phys_addr_t align);

/* MEMBLOCK_MIRROR when mirrored memory exists, else MEMBLOCK_NONE. */
enum memblock_flags memblock_choose_flags(void);

#endif
