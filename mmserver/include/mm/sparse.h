/*
 * Sparse memory model with a virtually mapped memmap (Linux's
 * SPARSEMEM_VMEMMAP): physical memory is cut into 128 MiB sections; the
 * struct page array of a section exists only if the section holds memory.
 */
#ifndef MM_SPARSE_H
#define MM_SPARSE_H

#include "mm/page.h"

#define SECTION_SIZE_BITS 27
#define MAX_PHYSMEM_BITS 44          /* 2^32 pages: the pfn-linked lists' limit */
#define PFN_SECTION_SHIFT (SECTION_SIZE_BITS - PAGE_SHIFT)
#define PAGES_PER_SECTION (1UL << PFN_SECTION_SHIFT)
#define PAGE_SECTION_MASK (~(PAGES_PER_SECTION - 1))
#define NR_MEM_SECTIONS (1UL << (MAX_PHYSMEM_BITS - SECTION_SIZE_BITS))
#define MEMMAP_SECTION_BYTES (PAGES_PER_SECTION * sizeof(struct page))   /* 1 MiB */

static inline unsigned long pfn_to_section_nr(unsigned long pfn)
{
	return pfn >> PFN_SECTION_SHIFT;
}
static inline unsigned long section_nr_to_pfn(unsigned long nr)
{
	return nr << PFN_SECTION_SHIFT;
}

/* Bit n: section n holds memory (sparse.c; read-only elsewhere). */
extern uint64_t mm_section_present[NR_MEM_SECTIONS / 64];

/* Is there memory (and hence a memmap) in section @nr? */
static inline bool present_section_nr(unsigned long nr)
{
	return nr < NR_MEM_SECTIONS && (mm_section_present[nr / 64] >> (nr % 64)) & 1;
}
/*
 * Bit n: the struct pages of present section n are initialised (at
 * sparse_init(), or later by deferred memmap initialisation, see
 * mm/page_alloc.h).  A present section not yet initialised has a mapped
 * memmap whose contents mean nothing.
 */
extern uint64_t mm_section_ready[NR_MEM_SECTIONS / 64];

static inline bool ready_section_nr(unsigned long nr)
{
	return nr < NR_MEM_SECTIONS && (mm_section_ready[nr / 64] >> (nr % 64)) & 1;
}

/* Does pfn have an initialised struct page? */
static inline bool pfn_valid(unsigned long pfn)
{
	return ready_section_nr(pfn_to_section_nr(pfn));
}

/*
 * Mark the sections holding memblock.memory present, back their memmap
 * with memblock memory (2 MiB mappings where a 2 MiB memmap chunk is
 * wholly needed, 4 KiB otherwise) and initialise every struct page in
 * them as PG_reserved with its zone and node.  Zone layout and memblock
 * must be set up.  Returns 0 or -MNEME_ENOMEM / -MNEME_ERANGE.
 */
int sparse_init(void);
/* Forget all sections (tests re-initialise). */
void sparse_reset(void);

/*
 * Deferred memmap initialisation.  With mm_memmap_defer set, sparse_init()
 * initialises the struct pages of only the first MM_DEFER_KEEP_SECTIONS
 * sections holding each node's memory (and of every section shared by two
 * nodes); the others stay "present, not ready" until sparse_init_section()
 * initialises them.  Off by default (host tests turn it on).
 */
#define MM_DEFER_KEEP_SECTIONS 8          /* 1 GiB per node at once */
extern bool mm_memmap_defer;
/* Initialise the struct pages of present section @nr and mark it ready. */
void sparse_init_section(unsigned long nr);
/* Node whose memory section @nr holds first. */
int sparse_section_nid(unsigned long nr);

/* Statistics of the last sparse_init(). */
struct sparse_stats {
	unsigned long present_sections;
	unsigned long memmap_2m_maps;     /* 2 MiB mappings made */
	unsigned long memmap_4k_bytes;    /* bytes mapped with 4 KiB pages */
	unsigned long memmap_bytes;       /* total memmap bytes mapped */
};
extern struct sparse_stats sparse_stats;

#endif
