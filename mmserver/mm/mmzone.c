/*
 * Nodes and zones: the zone layout of each architecture, node and zone
 * spans from memblock, watermarks, lowmem_reserve and zonelists.
 *
 * Zones are data, not configuration: zone_layout_for_arch() describes
 * which zones exist on the machine named by the boot info, and everything
 * else reads mm_zone_layout.  A zone that does not exist on the
 * architecture keeps spanned == present == 0 and is skipped by dumps.
 */
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mneme/error.h"
#include "mneme/bootinfo.h"
#include "mm/memblock.h"
#include <string.h>

struct pglist_data *node_data[MM_MAX_NUMNODES];
struct zone_layout mm_zone_layout;
unsigned long min_free_kbytes;
int watermark_scale_factor = 10;
/* Linux's defaults: DMA 256, DMA32 256, Normal 32. */
const int sysctl_lowmem_reserve_ratio[MAX_NR_ZONES] = { 256, 256, 32 };

const char *const zone_names[MAX_NR_ZONES] = { "DMA", "DMA32", "Normal" };
const char *const migratetype_names[MIGRATE_TYPES] = { "Unmovable", "Movable", "Reclaimable" };

static uint64_t online_mask;
static unsigned char distance[MM_MAX_NUMNODES][MM_MAX_NUMNODES];
static unsigned char cpu_node[MM_MAX_CPU_IDS];
static unsigned nr_cpu_ids = 1;
struct mm_numa_ctx mm_numa_ctx[MM_NR_CPUS];

int nth_node(nodemask_t mask, int n)
{
	while (n-- > 0)
		mask &= mask - 1;
	return first_node(mask);
}

nodemask_t node_online_mask(void)
{
	return online_mask;
}

void mm_reset_node_distances(void)
{
	memset(distance, 0, sizeof(distance));
}

void mm_set_nr_cpu_ids(unsigned n)
{
	nr_cpu_ids = n < 1 ? 1 : n > MM_MAX_CPU_IDS ? MM_MAX_CPU_IDS : n;
}

unsigned mm_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

void mm_set_cpu_node(unsigned cpu, int nid)
{
	if (cpu < MM_MAX_CPU_IDS && nid >= 0 && nid < MM_MAX_NUMNODES)
		cpu_node[cpu] = (unsigned char)nid;
}

int cpu_to_node(unsigned cpu)
{
	int nid = cpu < nr_cpu_ids ? cpu_node[cpu] : 0;

	return node_online(nid) ? nid : first_online_node();
}

bool node_has_cpus(int nid)
{
	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (cpu_node[cpu] == nid)
			return true;
	return false;
}

void numa_set_request_cpu(unsigned cpu)
{
	struct mm_numa_ctx *c = &mm_numa_ctx[mm_this_cpu()];

	c->cpu = cpu;
	c->nid = cpu_to_node(cpu);
}

int zone_layout_for_arch(struct zone_layout *l, unsigned arch)
{
	memset(l, 0, sizeof(*l));
	switch (arch) {
	case MNEME_ARCH_X86_64:
		l->exists[ZONE_DMA] = true;
		l->max_pfn[ZONE_DMA] = PHYS_PFN(16UL << 20);
		break;
	case MNEME_ARCH_RISCV64:
		l->max_pfn[ZONE_DMA] = 0;
		break;
	default:
		return -MNEME_EINVAL;
	}
	l->exists[ZONE_DMA32] = l->exists[ZONE_NORMAL] = true;
	l->max_pfn[ZONE_DMA32] = PHYS_PFN(4UL << 30);
	l->max_pfn[ZONE_NORMAL] = 1UL << (44 - PAGE_SHIFT);
	return 0;
}

static unsigned long zone_low_pfn(enum zone_type zt)
{
	return zt == 0 ? 0 : mm_zone_layout.max_pfn[zt - 1];
}

enum zone_type zone_for_pfn(unsigned long pfn)
{
	for (int zt = 0; zt < MAX_NR_ZONES - 1; zt++)
		if (mm_zone_layout.exists[zt] && pfn < mm_zone_layout.max_pfn[zt])
			return zt;
	return ZONE_NORMAL;
}

bool node_online(int nid)
{
	return nid >= 0 && nid < MM_MAX_NUMNODES && (online_mask >> nid) & 1;
}

/* The lowest online node above @nid: one look at the mask (the allocator walks nodes on every fault). */
int next_online_node(int nid)
{
	uint64_t above = nid + 1 >= MM_MAX_NUMNODES ? 0 : online_mask & (~0ULL << (nid + 1));

	return above ? __builtin_ctzll(above) : MM_MAX_NUMNODES;
}

int first_online_node(void)
{
	return next_online_node(-1);
}

int node_fallback_order(int nid, int i)
{
	if (!node_online(nid) || i < 0 || i >= NODE_DATA(nid)->nr_node_order)
		return -1;
	return NODE_DATA(nid)->node_order[i];
}

int node_distance(int a, int b)
{
	if (distance[a][b])
		return distance[a][b];
	return a == b ? 10 : 20;
}

void mm_set_node_distance(int a, int b, int d)
{
	if (a >= 0 && b >= 0 && a < MM_MAX_NUMNODES && b < MM_MAX_NUMNODES && d > 0 && d < 256)
		distance[a][b] = (unsigned char)d;
}

void set_pageblock_migratetype(struct page *page, int mt)
{
	uint64_t pfn = page_to_pfn(page) & ~(pageblock_nr_pages - 1);
	struct page *first = pfn_to_page(pfn);

	first->flags = (first->flags & ~(PAGE_PBMT_MASK << PAGE_PBMT_SHIFT)) |
		       ((uint32_t)mt << PAGE_PBMT_SHIFT);
}

/* Memory pages of node @nid in [start, end). */
static unsigned long node_pages_in_range(int nid, unsigned long start, unsigned long end)
{
	unsigned long s, e, sum = 0;
	int i, rnid;

	for_each_mem_pfn_range(i, nid, &s, &e, &rnid) {
		if (s < start)
			s = start;
		if (e > end)
			e = end;
		if (s < e)
			sum += e - s;
	}
	return sum;
}

static void zone_init_one(struct pglist_data *pgdat, enum zone_type zt)
{
	struct zone *z = &pgdat->node_zones[zt];
	unsigned long node_end = pgdat->node_start_pfn + pgdat->node_spanned_pages;
	unsigned long lo = zone_low_pfn(zt), hi = mm_zone_layout.max_pfn[zt];

	z->node = pgdat->node_id;
	z->idx = zt;
	z->exists = mm_zone_layout.exists[zt];
	z->zone_pgdat = pgdat;
	z->name = zone_names[zt];
	for (int o = 0; o < MAX_ORDER; o++)
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			page_list_init(&z->free_area[o].free_list[mt]);
	for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++)
		for (int l = 0; l < NR_PCP_LISTS; l++)
			page_list_init(&z->pcp[cpu].lists[l]);
	if (lo < pgdat->node_start_pfn)
		lo = pgdat->node_start_pfn;
	if (hi > node_end)
		hi = node_end;
	if (!z->exists || lo >= hi)
		return;
	z->zone_start_pfn = lo;
	z->spanned_pages = hi - lo;
	z->present_pages = node_pages_in_range(pgdat->node_id, lo, hi);
	if (z->present_pages)
		pgdat->nr_zones = zt + 1;
}

/*
 * Allocate and fill the pglist_data of every node that has memory in
 * memblock: node span and present pages, then each zone's span.
 * Returns 0 or -MNEME_ENOMEM.
 */
int free_area_init(void)
{
	unsigned long s, e;
	int i, nid;

	memset(node_data, 0, sizeof(node_data));
	online_mask = 0;
	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid)
		if (s < e && nid >= 0 && nid < MM_MAX_NUMNODES)
			online_mask |= 1ULL << nid;
	for_each_online_node(nid) {
		struct pglist_data *pgdat = memblock_alloc_try_nid(sizeof(*pgdat), 64, 0,
					MEMBLOCK_ALLOC_ACCESSIBLE, nid);
		unsigned long lo = ~0UL, hi = 0;
		int j, rnid;

		if (!pgdat)
			return -MNEME_ENOMEM;
		memset(pgdat, 0, sizeof(*pgdat));
		node_data[nid] = pgdat;
		pgdat->node_id = nid;
		for_each_mem_pfn_range(j, nid, &s, &e, &rnid) {
			if (s >= e)
				continue;
			lo = s < lo ? s : lo;
			hi = e > hi ? e : hi;
			pgdat->node_present_pages += e - s;
		}
		pgdat->node_start_pfn = lo;
		pgdat->node_spanned_pages = hi - lo;
		for (int zt = 0; zt < MAX_NR_ZONES; zt++)
			zone_init_one(pgdat, zt);
	}
	return 0;
}

/* Integer square root (Linux's int_sqrt), for min_free_kbytes. */
static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0, bit = 1UL << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

static void calculate_min_free_kbytes(void)
{
	unsigned long lowmem_kbytes = totalram_pages() * (PAGE_SIZE >> 10);
	unsigned long m = int_sqrt(lowmem_kbytes * 16);

	if (m < 128)
		m = 128;
	if (m > 262144)
		m = 262144;
	min_free_kbytes = m;
}

/* Linux's __setup_per_zone_wmarks: min spread by managed size, then the scale-factor gap. */
static void setup_per_zone_wmarks(void)
{
	unsigned long pages_min = min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem_pages = totalram_pages();
	struct zone *z;
	int nid, zi;

	for_each_zone(z, nid, zi) {
		unsigned long tmp, gap;

		if (!lowmem_pages)
			break;
		/* pages_min <= 2^16 and managed < 2^32 pages: the product fits */
		tmp = pages_min * z->managed_pages / lowmem_pages;
		z->_watermark[WMARK_MIN] = tmp;
		gap = z->managed_pages * (unsigned long)watermark_scale_factor / 10000;
		if (gap < tmp / 4)
			gap = tmp / 4;
		z->_watermark[WMARK_LOW] = tmp + gap;
		z->_watermark[WMARK_HIGH] = tmp + 2 * gap;
	}
}

/* Linux's setup_per_zone_lowmem_reserve. */
static void setup_per_zone_lowmem_reserve(void)
{
	int nid;

	for_each_online_node(nid) {
		struct pglist_data *pgdat = NODE_DATA(nid);

		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &pgdat->node_zones[i];
			unsigned long upper = 0;
			bool clear = !sysctl_lowmem_reserve_ratio[i] || !z->managed_pages;

			z->lowmem_reserve[i] = 0;
			for (int j = i + 1; j < MAX_NR_ZONES; j++) {
				upper += pgdat->node_zones[j].managed_pages;
				z->lowmem_reserve[j] = clear ? 0 : (long)(upper / sysctl_lowmem_reserve_ratio[i]);
			}
		}
	}
}

void setup_per_zone_wmarks_all(void)
{
	calculate_min_free_kbytes();
	setup_per_zone_wmarks();
	setup_per_zone_lowmem_reserve();
}

bool zone_watermark_ok(const struct zone *z, unsigned order, unsigned long mark,
		       int highest_zoneidx, bool alloc_high)
{
	long free = (long)z->free_pages - ((1L << order) - 1);
	long min = (long)mark;

	if (alloc_high)
		min -= min / 2;
	if (free <= min + z->lowmem_reserve[highest_zoneidx])
		return false;
	for (unsigned o = order; o < MAX_ORDER; o++)
		if (z->free_area[o].nr_free)
			return true;
	return false;
}

/*
 * Linux's find_next_best_node: the local node first, then the node with
 * the smallest value of (distance + 1 if its id is below the local one
 * + 1 if it has CPUs) * MM_MAX_NUMNODES + its load, among those not used
 * yet.  -1 when every online node is used.
 */
static int find_next_best_node(int local, nodemask_t *used, const int *load)
{
	int best = -1, nid;
	long min_val = 0;

	if (!node_in(local, *used)) {
		*used |= 1ULL << local;
		return local;
	}
	for_each_online_node(nid) {
		long val;

		if (node_in(nid, *used))
			continue;
		val = node_distance(local, nid) + (nid < local) + (node_has_cpus(nid) ? 1 : 0);
		val = val * MM_MAX_NUMNODES + load[nid];
		if (best < 0 || val < min_val) {
			min_val = val;
			best = nid;
		}
	}
	if (best >= 0)
		*used |= 1ULL << best;
	return best;
}

/*
 * Linux's build_zonelists order for @local into pgdat->node_order: each
 * time the distance grows, the first node of the new distance group takes
 * one more unit of load, which spreads equally distant fallbacks of
 * different nodes over different nodes.  @load persists over the nodes of
 * one build_all_zonelists().
 */
static int nodes_by_distance(int local, int *order, int *load)
{
	nodemask_t used = 0;
	int n = 0, nid, prev = local;

	while ((nid = find_next_best_node(local, &used, load)) >= 0) {
		if (node_distance(local, nid) != node_distance(local, prev))
			load[nid]++;
		order[n++] = nid;
		prev = nid;
	}
	return n;
}

static int zonelist_add_node(struct zoneref *zr, int n, int nid)
{
	struct pglist_data *pgdat = NODE_DATA(nid);

	for (int zt = MAX_NR_ZONES - 1; zt >= 0; zt--) {
		struct zone *z = &pgdat->node_zones[zt];
		if (!populated_zone(z))
			continue;
		zr[n].zone = z;
		zr[n].zone_idx = zt;
		n++;
	}
	return n;
}

void build_all_zonelists(void)
{
	int load[MM_MAX_NUMNODES] = { 0 }, nid;

	for_each_online_node(nid) {
		struct pglist_data *pgdat = NODE_DATA(nid);
		struct zoneref *fb = pgdat->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
		struct zoneref *nf = pgdat->node_zonelists[ZONELIST_NOFALLBACK]._zonerefs;
		int *order = pgdat->node_order;
		int n = nodes_by_distance(nid, order, load), k = 0;

		pgdat->nr_node_order = n;
		for (int i = 0; i < n; i++)
			k = zonelist_add_node(fb, k, order[i]);
		fb[k].zone = NULL;
		k = zonelist_add_node(nf, 0, nid);
		nf[k].zone = NULL;
	}
}
