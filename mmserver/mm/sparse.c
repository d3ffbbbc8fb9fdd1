/*
 * Sparse vmemmap: which 128 MiB sections hold memory, backing their
 * struct page arrays, and initialising every struct page in them.
 *
 * The memmap of section n is the 1 MiB at vmemmap + n * 1 MiB, so two
 * neighbouring sections (2k, 2k+1) share one 2 MiB-aligned memmap chunk.
 * Each chunk is mapped once: with one 2 MiB leaf when both of its
 * sections are present (and memblock can give 2 MiB-aligned memory),
 * otherwise each present section's 1 MiB with 4 KiB leaves.  Backing
 * frames come from memblock on the node of the section's first memory.
 */
#include "mm/sparse.h"
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mneme/error.h"
#include "mm/memblock.h"
#include <string.h>

#define SZ_2M (2UL << 20)
#define SECTION_WORDS (NR_MEM_SECTIONS / 64)

uint64_t mm_section_present[SECTION_WORDS];
uint64_t mm_section_ready[SECTION_WORDS];
bool mm_memmap_defer;
struct sparse_stats sparse_stats;
struct page *mm_memmap;
uintptr_t mm_physmap_offset;

static void set_section_present(unsigned long nr)
{
	mm_section_present[nr / 64] |= 1ULL << (nr % 64);
}

void sparse_reset(void)
{
	memset(mm_section_present, 0, sizeof(mm_section_present));
	memset(mm_section_ready, 0, sizeof(mm_section_ready));
	memset(&sparse_stats, 0, sizeof(sparse_stats));
}

/* Node of the first memory in section @nr (0 if none, which cannot happen for present ones). */
int sparse_section_nid(unsigned long nr)
{
	unsigned long s, e, lo = section_nr_to_pfn(nr), hi = lo + PAGES_PER_SECTION;
	int i, nid;

	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid)
		if (s < hi && e > lo && s < e)
			return nid;
	return 0;
}

static int memory_present(void)
{
	unsigned long s, e;
	int i, nid;

	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid) {
		if (s >= e)
			continue;
		if (e > (1UL << (MAX_PHYSMEM_BITS - PAGE_SHIFT)) || nid < 0 || nid >= MM_MAX_NUMNODES)
			return -MNEME_ERANGE;
		for (unsigned long nr = pfn_to_section_nr(s); nr <= pfn_to_section_nr(e - 1); nr++)
			set_section_present(nr);
	}
	return 0;
}

static void *section_memmap(unsigned long nr)
{
	return pfn_to_page(section_nr_to_pfn(nr));
}

/* Back @size bytes of memmap at @va with memblock memory of node @nid. */
static int memmap_back(void *va, size_t size, unsigned shift, int nid)
{
	void *mem = memblock_alloc_try_nid_raw(size, 1UL << shift, 0,
					       MEMBLOCK_ALLOC_ACCESSIBLE, nid);
	int err;

	if (!mem)
		return -MNEME_ENOMEM;
	err = mm_map_pages(va, mm_virt_to_phys(mem), size, shift);
	if (err)
		return err;
	if (shift == 21)
		sparse_stats.memmap_2m_maps++;
	else
		sparse_stats.memmap_4k_bytes += size;
	sparse_stats.memmap_bytes += size;
	return 0;
}

/* Map the memmap chunk of sections 2c and 2c+1 (at least one present). */
static int populate_chunk(unsigned long c)
{
	unsigned long a = 2 * c, b = a + 1;

	if (present_section_nr(a) && present_section_nr(b)) {
		if (!memmap_back(section_memmap(a), SZ_2M, 21, sparse_section_nid(a)))
			return 0;
		/* no 2 MiB-aligned memory left: fall back to 4 KiB leaves */
	}
	for (unsigned long nr = a; nr <= b; nr++) {
		if (!present_section_nr(nr))
			continue;
		int err = memmap_back(section_memmap(nr), MEMMAP_SECTION_BYTES, 12, sparse_section_nid(nr));
		if (err)
			return err;
	}
	return 0;
}

/* Fill struct pages [start, end) as reserved pages of node @nid, split by zone. */
static void memmap_init_range(unsigned long start, unsigned long end, int nid, uint32_t present)
{
	while (start < end) {
		enum zone_type zt = zone_for_pfn(start);
		unsigned long zend = zt == ZONE_NORMAL ? end : mm_zone_layout.max_pfn[zt];
		struct page tmpl = {
			.flags = PG_reserved | present | (uint32_t)zt << PAGE_ZONE_SHIFT |
				 (uint32_t)nid << PAGE_NODE_SHIFT |
				 (uint32_t)MIGRATE_MOVABLE << PAGE_PBMT_SHIFT,
			.next = PAGE_LIST_NIL,
			.prev = PAGE_LIST_NIL,
		};
		struct page *p = pfn_to_page(start);

		if (zend > end)
			zend = end;
		for (unsigned long n = zend - start; n; n--)
			*p++ = tmpl;
		start = zend;
	}
}

/*
 * Initialise all struct pages of present section @nr: memory as present,
 * holes as not present, all reserved; a hole takes the node of the memory
 * before it in the section (or after it, at the section's start).
 */
static void memmap_init_section(unsigned long nr)
{
	unsigned long lo = section_nr_to_pfn(nr), hi = lo + PAGES_PER_SECTION;
	unsigned long cur = lo, s, e;
	int i, nid, last = -1;

	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid) {
		if (e <= lo || s >= e)
			continue;
		if (s >= hi)
			break;
		s = s < lo ? lo : s;
		e = e > hi ? hi : e;
		memmap_init_range(cur, s, last >= 0 ? last : nid, 0);
		memmap_init_range(s, e, nid, PG_present);
		cur = e;
		last = nid;
	}
	memmap_init_range(cur, hi, last >= 0 ? last : 0, 0);
}

void sparse_init_section(unsigned long nr)
{
	if (!present_section_nr(nr) || ready_section_nr(nr))
		return;
	memmap_init_section(nr);
	mm_section_ready[nr / 64] |= 1ULL << (nr % 64);
}

/* Does section @nr hold memory of a node other than @nid? */
static bool section_shared(unsigned long nr, int nid)
{
	unsigned long s, e, lo = section_nr_to_pfn(nr), hi = lo + PAGES_PER_SECTION;
	int i, rnid;

	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &rnid)
		if (s < hi && e > lo && s < e && rnid != nid)
			return true;
	return false;
}

/*
 * Which present sections sparse_init() initialises: all of them, or with
 * mm_memmap_defer the first MM_DEFER_KEEP_SECTIONS of each node (in
 * address order) and any section two nodes share.
 */
static bool section_initialised_early(unsigned long nr, unsigned *kept)
{
	int nid = sparse_section_nid(nr);

	if (!mm_memmap_defer || section_shared(nr, nid))
		return true;
	if (kept[nid] >= MM_DEFER_KEEP_SECTIONS)
		return false;
	kept[nid]++;
	return true;
}

int sparse_init(void)
{
	unsigned kept[MM_MAX_NUMNODES] = { 0 };
	int err;

	sparse_reset();
	mm_memmap = mm_vmemmap_base();
	mm_physmap_offset = (uintptr_t)mm_phys_to_virt(0);
	MM_ASSERT(mm_virt_to_phys((void *)(mm_physmap_offset + PAGE_SIZE)) == PAGE_SIZE);
	err = memory_present();
	if (err)
		return err;
	for (unsigned long c = 0; c < NR_MEM_SECTIONS / 2; c++) {
		if (!mm_section_present[2 * c / 64])
			continue;   /* fast skip over 32 empty chunks */
		if (!present_section_nr(2 * c) && !present_section_nr(2 * c + 1))
			continue;
		err = populate_chunk(c);
		if (err)
			return err;
	}
	for (unsigned long nr = 0; nr < NR_MEM_SECTIONS; nr++) {
		if (!mm_section_present[nr / 64]) {
			nr |= 63;   /* 64 empty sections */
			continue;
		}
		if (!present_section_nr(nr))
			continue;
		sparse_stats.present_sections++;
		if (section_initialised_early(nr, kept))
			sparse_init_section(nr);
	}
	return 0;
}
