/*
 * Bringing up the page allocator: boot info -> memblock -> sparse memmap
 * -> nodes and zones -> hand-off of memblock's free memory to the buddy
 * (Linux's memblock_free_all) -> watermarks, per-CPU lists, zonelists.
 */
#include "mm/page_alloc.h"
#include "mm/sparse.h"
#include "mneme/error.h"
#include "mm/memblock.h"
#include <stdio.h>
#include <string.h>

unsigned long max_pfn;
unsigned long min_low_pfn;
bool mm_init_verbose = true;

#define boot_printf(...) do { if (mm_init_verbose) mm_printf(__VA_ARGS__); } while (0)

static unsigned long zone_sum(size_t field_offset)
{
	unsigned long n = 0;
	struct zone *z;
	int nid, zi;

	for_each_zone(z, nid, zi)
		n += *(const unsigned long *)((const char *)z + field_offset);
	return n;
}

unsigned long nr_free_pages(void)
{
	return zone_sum(offsetof(struct zone, free_pages));
}

unsigned long mm_nr_file_pages;

unsigned long totalram_pages(void)
{
	return zone_sum(offsetof(struct zone, managed_pages));
}

unsigned long totalpresent_pages(void)
{
	return zone_sum(offsetof(struct zone, present_pages));
}

static void print_zone_ranges(void)
{
	boot_printf("Zone ranges:\n");
	for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
		unsigned long lo = zt ? mm_zone_layout.max_pfn[zt - 1] : 0;
		unsigned long hi = mm_zone_layout.max_pfn[zt];

		if (!mm_zone_layout.exists[zt])
			continue;
		lo = lo < min_low_pfn ? min_low_pfn : lo;
		hi = hi > max_pfn ? max_pfn : hi;
		if (lo >= hi)
			boot_printf("  %-8s empty\n", zone_names[zt]);
		else
			boot_printf("  %-8s [mem 0x%016llx-0x%016llx]\n", zone_names[zt],
				    (unsigned long long)PFN_PHYS(lo),
				    (unsigned long long)PFN_PHYS(hi) - 1);
	}
	boot_printf("Movable zone start for each node\n");
}

static void print_node_ranges(void)
{
	unsigned long s, e;
	int i, nid;

	boot_printf("Early memory node ranges\n");
	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid)
		if (s < e)
			boot_printf("  node %3d: [mem 0x%016llx-0x%016llx]\n", nid,
				    (unsigned long long)PFN_PHYS(s),
				    (unsigned long long)PFN_PHYS(e) - 1);
	for_each_online_node(nid) {
		struct pglist_data *pgdat = NODE_DATA(nid);
		unsigned long end = pgdat->node_start_pfn + pgdat->node_spanned_pages;

		boot_printf("Initmem setup node %d [mem 0x%016llx-0x%016llx]\n", nid,
			    (unsigned long long)PFN_PHYS(pgdat->node_start_pfn),
			    (unsigned long long)PFN_PHYS(end) - 1);
	}
}

/* Hand the pages [start, end) of one zone to the buddy in the largest aligned blocks. */
static void free_zone_range(struct zone *z, unsigned long start, unsigned long end)
{
	for (struct page *p = pfn_to_page(start), *last = pfn_to_page(end); p < last; p++)
		p->flags &= ~PG_reserved;
	z->managed_pages += end - start;
	free_pfn_range_to_buddy(z, start, end);
}

/* Split a free pfn range at zone boundaries; every page in it has a struct page. */
static unsigned long free_memory_core(unsigned long start, unsigned long end)
{
	unsigned long freed = end > start ? end - start : 0;

	while (start < end) {
		struct page *page = pfn_to_page(start);
		struct zone *z = page_zone(page);
		unsigned long zend = zone_end_pfn(z) < end ? zone_end_pfn(z) : end;

		MM_ASSERT(zone_spans_pfn(z, start));
		free_zone_range(z, start, zend);
		start = zend;
	}
	return freed;
}

/* Free [start, end) (pfns) to the buddy where its sections' struct pages are initialised. */
static unsigned long free_ready_range(unsigned long start, unsigned long end)
{
	unsigned long count = 0;

	while (start < end) {
		unsigned long nr = pfn_to_section_nr(start);
		unsigned long send = section_nr_to_pfn(nr + 1) < end ? section_nr_to_pfn(nr + 1) : end;

		if (ready_section_nr(nr))
			count += free_memory_core(start, send);
		start = send;
	}
	return count;
}

/*
 * Linux's memblock_free_all: every free memblock range goes to the buddy,
 * except in sections whose memmap is deferred (deferred_init_section()
 * frees those later, from the same memblock ranges: memblock stays
 * readable after memblock_close()).
 */
unsigned long memblock_free_all(void)
{
	phys_addr_t start, end;
	unsigned long count = 0;
	uint64_t i;

	for_each_free_mem_range(i, NUMA_NO_NODE, MEMBLOCK_NONE, &start, &end, NULL)
		count += free_ready_range(PHYS_PFN(start + PAGE_SIZE - 1), PHYS_PFN(end));
	return count;
}

/*
 * Deferred memmap initialisation (Linux's DEFERRED_STRUCT_PAGE_INIT).
 * The sections sparse_init() left "present, not ready" are initialised
 * one at a time, lowest address first within a node: the struct pages,
 * then the section's free memblock ranges go to the buddy.  The server
 * calls mm_deferred_init_step() between requests; an allocation that
 * finds no memory initialises more before it fails (page_alloc.c).
 * When the last section is done the watermarks are set again for the
 * zones' full size.  Single-threaded, like the rest of the mm core.
 */
static unsigned long deferred_left;                 /* present sections not ready */
static unsigned long deferred_free;                 /* free memblock pages in them */
static unsigned long deferred_cursor[MM_MAX_NUMNODES];
struct deferred_init_stats deferred_init_stats;

bool mm_deferred_init_pending(void)
{
	return deferred_left != 0;
}

unsigned long mm_deferred_free_pages(void)
{
	return deferred_free;
}

/* Free memblock pages in [lo, hi) (pfns). */
static unsigned long free_pages_in(unsigned long lo, unsigned long hi)
{
	phys_addr_t start, end;
	unsigned long n = 0;
	uint64_t i;

	for_each_free_mem_range(i, NUMA_NO_NODE, MEMBLOCK_NONE, &start, &end, NULL) {
		unsigned long s = PHYS_PFN(start + PAGE_SIZE - 1), e = PHYS_PFN(end);
		s = s < lo ? lo : s;
		e = e > hi ? hi : e;
		n += s < e ? e - s : 0;
	}
	return n;
}

/* The next deferred section of node @nid, or ~0UL if it has none left. */
static unsigned long next_deferred_section(int nid)
{
	for (unsigned long nr = deferred_cursor[nid]; nr < NR_MEM_SECTIONS; nr++) {
		if (!mm_section_present[nr / 64]) {
			nr |= 63;
			continue;
		}
		if (present_section_nr(nr) && !ready_section_nr(nr) && sparse_section_nid(nr) == nid) {
			deferred_cursor[nid] = nr;
			return nr;
		}
	}
	deferred_cursor[nid] = NR_MEM_SECTIONS;
	return ~0UL;
}

static void deferred_init_section(unsigned long nr)
{
	unsigned long lo = section_nr_to_pfn(nr), hi = lo + PAGES_PER_SECTION;
	phys_addr_t start, end;
	uint64_t i;

	sparse_init_section(nr);
	for_each_free_mem_range(i, NUMA_NO_NODE, MEMBLOCK_NONE, &start, &end, NULL) {
		unsigned long s = PHYS_PFN(start + PAGE_SIZE - 1), e = PHYS_PFN(end);
		s = s < lo ? lo : s;
		e = e > hi ? hi : e;
		if (s < e) {
			unsigned long n = free_memory_core(s, e);
			deferred_init_stats.pages += n;
			deferred_free -= n;
		}
	}
	deferred_init_stats.sections++;
	if (!--deferred_left) {
		setup_per_zone_wmarks_all();
		boot_printf("mm: deferred memmap init done: %lu sections, %lu pages\n",
			    deferred_init_stats.sections, deferred_init_stats.pages);
	}
}

bool mm_deferred_init_node(int nid)
{
	int n;

	if (!deferred_left)
		return false;
	if (nid >= 0 && nid < MM_MAX_NUMNODES && node_online(nid)) {
		unsigned long nr = next_deferred_section(nid);
		if (nr != ~0UL) {
			deferred_init_section(nr);
			return true;
		}
	}
	for_each_online_node(n) {
		unsigned long nr = next_deferred_section(n);
		if (nr != ~0UL) {
			deferred_init_section(nr);
			return true;
		}
	}
	return false;
}

bool mm_deferred_init_step(void)
{
	return mm_deferred_init_node(NUMA_NO_NODE);
}

void mm_deferred_init_all(void)
{
	while (mm_deferred_init_step())
		;
}

static void deferred_init_start(void)
{
	memset(deferred_cursor, 0, sizeof(deferred_cursor));
	memset(&deferred_init_stats, 0, sizeof(deferred_init_stats));
	deferred_left = deferred_free = 0;
	for (unsigned long nr = 0; nr < NR_MEM_SECTIONS; nr++) {
		if (!mm_section_present[nr / 64]) {
			nr |= 63;
			continue;
		}
		if (present_section_nr(nr) && !ready_section_nr(nr)) {
			deferred_left++;
			deferred_free += free_pages_in(section_nr_to_pfn(nr), section_nr_to_pfn(nr + 1));
		}
	}
	if (deferred_left)
		boot_printf("mm: memmap of %lu sections (%lu MiB) deferred\n", deferred_left,
			    deferred_left << (SECTION_SIZE_BITS - 20));
}

/*
 * The boot info's topology (checked by memblock_init_from_bootinfo): the
 * CPU-to-node map and the distances.  A boot info without one (nr_nodes
 * 0: host tests) keeps the distances set before and puts every CPU on
 * node 0.
 */
static void numa_from_bootinfo(const struct mneme_boot_info *bi)
{
	unsigned cpus = bi->nr_cpus ? bi->nr_cpus : 1;

	mm_set_nr_cpu_ids(cpus);
	for (unsigned cpu = 0; cpu < MM_MAX_CPU_IDS; cpu++)
		mm_set_cpu_node(cpu, bi->nr_nodes && cpu < cpus ? bi->cpu_node[cpu] : 0);
	if (!bi->nr_nodes)
		return;
	mm_reset_node_distances();
	for (unsigned a = 0; a < bi->nr_nodes; a++)
		for (unsigned b = 0; b < bi->nr_nodes; b++)
			mm_set_node_distance((int)a, (int)b, bi->distance[a][b]);
}

/* Linux's line for each node's zonelist: "Fallback order for Node 0: 0 1 ". */
static void print_node_order(void)
{
	char line[32 + 4 * MM_MAX_NUMNODES];
	int nid;

	for_each_online_node(nid) {
		int n = snprintf(line, sizeof(line), "Fallback order for Node %d: ", nid);
		for (int i = 0; node_fallback_order(nid, i) >= 0 && n < (int)sizeof(line); i++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%d ", node_fallback_order(nid, i));
		boot_printf("%s\n", line);
	}
}

int mm_init(const struct mneme_boot_info *bi)
{
	struct zone_layout layout;
	int err;

	if (!bi || zone_layout_for_arch(&layout, bi->arch))
		return -MNEME_EINVAL;
	memblock_reset();
	err = memblock_init_from_bootinfo(bi);
	if (err)
		return err;
	mm_zone_layout = layout;
	numa_from_bootinfo(bi);
	gfp_zone_table_init();
	memset(&page_alloc_stats, 0, sizeof(page_alloc_stats));
	min_low_pfn = PHYS_PFN(memblock_start_of_DRAM() + PAGE_SIZE - 1);
	max_pfn = PHYS_PFN(memblock_end_of_DRAM());
	err = sparse_init();
	if (!err)
		err = free_area_init();
	if (err) {
		mm_printf("mm: init failed (%d)\n", err);
		return err;
	}
	print_zone_ranges();
	print_node_ranges();
	memblock_free_all();
	memblock_close();
	deferred_init_start();
	zone_pcp_init_all();
	setup_per_zone_wmarks_all();
	build_all_zonelists();
	zone_fast_init();
	for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++) {   /* each server thread serves itself first */
		mm_numa_ctx[cpu].cpu = cpu;
		mm_numa_ctx[cpu].nid = cpu_to_node(cpu);
	}
	print_node_order();
	boot_printf("Memory: %luK/%luK available (%luK reserved)\n",
		    totalram_pages() << (PAGE_SHIFT - 10), totalpresent_pages() << (PAGE_SHIFT - 10),
		    (totalpresent_pages() - totalram_pages()) << (PAGE_SHIFT - 10));
	return 0;
}
