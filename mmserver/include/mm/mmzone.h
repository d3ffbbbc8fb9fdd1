/*
 * Nodes, zones, free areas and per-CPU page lists: the state of the page
 * allocator, shaped as Linux's include/linux/mmzone.h.
 *
 * Each NUMA node has a pglist_data (NODE_DATA(nid)) holding its zones.
 * Which zones exist depends on the architecture and is chosen at init from
 * the boot info (x86_64: DMA < 16 MiB, DMA32 < 4 GiB, Normal; riscv64:
 * DMA32, Normal), so one binary serves both.  A zone owns a buddy
 * free_area per order with one list per migrate type, and a per-CPU list
 * set for small orders.
 *
 * Concurrency.  The memory server runs the allocator on one thread today;
 * when it runs one thread per CPU (issue 9) these are the rules, and the
 * per-CPU part already follows them:
 *   - zone->pcp[n] belongs to CPU n (mm_this_cpu() == n): only code
 *     running there takes from or adds to it (alloc_page_fast,
 *     rmqueue_pcplist, free_unref_page), with no lock.  Draining another
 *     CPU's lists (drain_all_pages, drain_zone_pages, the fallback after
 *     a failed allocation) and reading them (nr_pcp_pages, the checker,
 *     the dumps) is exact only while that CPU is outside the allocator:
 *     with several threads, a drain must run on the owning CPU (Linux
 *     queues one per CPU) or the lists need a per-CPU lock that the owner
 *     takes with a trylock (Linux's pcp->lock).
 *   - the buddy side of a zone (free_area lists, free_pages, pageblock
 *     migrate types, PG_buddy and the order of free blocks) needs a
 *     zone lock, not taken yet: around __rmqueue and its fallback, the
 *     batch moves rmqueue_bulk and free_pcppages_bulk, __free_one_page
 *     on the unbatched paths and the contiguous range allocator.  The
 *     per-CPU lists exist so that the common order-0 pair never takes it.
 *   - watermark tests read free_pages without the lock (a stale value
 *     only moves the decision by a batch, as in Linux);
 *   - zonelists, the gfp tables and alloc_page_fast's first zones are
 *     written at init only; page_alloc_stats are approximate counters.
 */
#ifndef MM_MMZONE_H
#define MM_MMZONE_H

#include "mm/page.h"
#include "mm/gfp.h"

#define MM_MAX_NUMNODES 64      /* the node field of page->flags is 6 bits */
#define MM_MAX_CPU_IDS  64      /* CPU indices the CPU-to-node map holds (the boot info's) */

/* A set of nodes: bit n is node n (Linux's nodemask_t, one word here). */
typedef uint64_t nodemask_t;
_Static_assert(MM_MAX_NUMNODES <= 64, "a node mask is one word");

static inline bool node_in(int nid, nodemask_t mask)
{
	return nid >= 0 && nid < MM_MAX_NUMNODES && (mask >> nid) & 1;
}
static inline int nodes_weight(nodemask_t mask)
{
	return __builtin_popcountll(mask);
}
static inline int first_node(nodemask_t mask)
{
	return mask ? __builtin_ctzll(mask) : MM_MAX_NUMNODES;
}
/* The @n-th node (from 0) of @mask, which has more than @n. */
int nth_node(nodemask_t mask, int n);

/* Per-CPU NUMA event counters of a zone (Linux's enum numa_stat_item). */
enum numa_stat_item {
	NUMA_HIT,               /* allocated on the node it was meant for */
	NUMA_MISS,              /* allocated here, meant for another node */
	NUMA_FOREIGN,           /* meant for here, allocated on another node */
	NUMA_INTERLEAVE_HIT,    /* interleaved and landed on the node chosen */
	NUMA_LOCAL,             /* allocated on the node of the CPU it was for */
	NUMA_OTHER,             /* allocated on another node than that CPU's */
	NR_VM_NUMA_EVENT_ITEMS
};

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,       /* the number of types on pcp and free lists */
	MIGRATE_TYPES = MIGRATE_PCPTYPES,
};

#define pageblock_order 9
#define pageblock_nr_pages (1UL << pageblock_order)

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	MAX_NR_ZONES
};

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, NR_WMARK };

struct free_area {
	struct page_list free_list[MIGRATE_TYPES];
	unsigned long nr_free;          /* blocks of this order, all types */
};

/* Per-CPU lists exist for orders 0..PCP_MAX_ORDER (Linux: PAGE_ALLOC_COSTLY_ORDER). */
#define PCP_MAX_ORDER 3
#define NR_PCP_LISTS (MIGRATE_PCPTYPES * (PCP_MAX_ORDER + 1))

struct per_cpu_pages {
	unsigned int count;             /* pages (not blocks) on the lists */
	unsigned int high;              /* drain a batch when count reaches this */
	unsigned int batch;             /* pages moved per refill or drain */
	struct page_list lists[NR_PCP_LISTS];
};

/*
 * One CPU's counters of a zone: written only by code running for that
 * CPU's server thread (mm_this_cpu()), read by anyone (a sum across CPUs
 * is exact only while they are outside the allocator, as for pcp counts).
 */
struct per_cpu_zonestat {
	unsigned long numa_event[NR_VM_NUMA_EVENT_ITEMS];
};

struct pglist_data;

struct zone {
	unsigned long _watermark[NR_WMARK];
	long lowmem_reserve[MAX_NR_ZONES];   /* pages kept back from requests that could use a higher zone */
	int node;
	enum zone_type idx;
	bool exists;                         /* the architecture has this zone */
	struct pglist_data *zone_pgdat;
	const char *name;
	unsigned long zone_start_pfn;
	unsigned long spanned_pages;         /* end - start, holes included */
	unsigned long present_pages;         /* physical pages in the span */
	unsigned long managed_pages;         /* pages handed to the buddy allocator */
	unsigned long free_pages;            /* pages on free_area lists (not pcp) */
	struct free_area free_area[MAX_ORDER];
	struct per_cpu_pages pcp[MM_NR_CPUS];
	struct per_cpu_zonestat pcpstat[MM_NR_CPUS];
};

static inline unsigned long zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}
static inline bool zone_spans_pfn(const struct zone *z, unsigned long pfn)
{
	return pfn >= z->zone_start_pfn && pfn < zone_end_pfn(z);
}
static inline bool populated_zone(const struct zone *z)
{
	return z->present_pages != 0;
}
static inline bool managed_zone(const struct zone *z)
{
	return z->managed_pages != 0;
}
#define min_wmark_pages(z) ((z)->_watermark[WMARK_MIN])
#define low_wmark_pages(z) ((z)->_watermark[WMARK_LOW])
#define high_wmark_pages(z) ((z)->_watermark[WMARK_HIGH])

/* A zonelist: zones in fallback order, highest zone of the nearest node first. */
#define MAX_ZONES_PER_ZONELIST (MM_MAX_NUMNODES * MAX_NR_ZONES)
struct zoneref {
	struct zone *zone;
	int zone_idx;
};
struct zonelist {
	struct zoneref _zonerefs[MAX_ZONES_PER_ZONELIST + 1]; /* NULL-terminated */
};
enum { ZONELIST_FALLBACK, ZONELIST_NOFALLBACK, MAX_ZONELISTS };

typedef struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	struct zonelist node_zonelists[MAX_ZONELISTS];
	int node_order[MM_MAX_NUMNODES];     /* the fallback order of nodes (build_all_zonelists) */
	int nr_node_order;
	int nr_zones;                        /* highest populated zone index + 1 */
	int node_id;
	unsigned long node_start_pfn;
	unsigned long node_present_pages;
	unsigned long node_spanned_pages;
} pg_data_t;

extern struct pglist_data *node_data[MM_MAX_NUMNODES];
#define NODE_DATA(nid) (node_data[(nid)])

/* Online nodes: those with memory in memblock at init. */
bool node_online(int nid);
int first_online_node(void);
int next_online_node(int nid);
#define for_each_online_node(nid) \
	for ((nid) = first_online_node(); (nid) < MM_MAX_NUMNODES; (nid) = next_online_node(nid))

/* Iterate over every zone of every online node (including empty ones). */
#define for_each_zone(zone, nid, zi) \
	for_each_online_node(nid) \
		for ((zi) = 0; (zi) < MAX_NR_ZONES && ((zone) = &NODE_DATA(nid)->node_zones[zi]); (zi)++)

static inline struct zone *page_zone(const struct page *page)
{
	return &NODE_DATA(page_to_nid(page))->node_zones[page_zonenum(page)];
}

/* Architecture description of the zones (data, chosen from bi->arch). */
struct zone_layout {
	bool exists[MAX_NR_ZONES];
	unsigned long max_pfn[MAX_NR_ZONES];   /* exclusive upper pfn of each zone */
};
extern struct zone_layout mm_zone_layout;
/* Fill @l for boot-info architecture @arch; -MNEME_EINVAL if unknown. */
int zone_layout_for_arch(struct zone_layout *l, unsigned arch);
/* Zone a pfn belongs to under the current layout. */
enum zone_type zone_for_pfn(unsigned long pfn);
extern const char *const zone_names[MAX_NR_ZONES];
extern const char *const migratetype_names[MIGRATE_TYPES];

/* Node distances (Linux's node_distance; default 10 local, 20 remote). */
int node_distance(int a, int b);
void mm_set_node_distance(int a, int b, int distance);
/* Forget every distance set (back to the defaults). */
void mm_reset_node_distances(void);
/* Online nodes as a mask. */
nodemask_t node_online_mask(void);

/*
 * The CPU-to-node map (the boot info's cpu_node, set at init): the node
 * of CPU index @cpu, the first online node for CPUs it does not know.
 * Read-only after init.
 */
int cpu_to_node(unsigned cpu);
void mm_set_cpu_node(unsigned cpu, int nid);
/* CPUs the map describes (1 .. MM_MAX_CPU_IDS); CPUs at or above it are on node 0. */
void mm_set_nr_cpu_ids(unsigned n);
unsigned mm_nr_cpu_ids(void);
/* Does any CPU the map describes sit on @nid? */
bool node_has_cpus(int nid);

/*
 * The node requests are served for: each server thread (indexed by
 * mm_this_cpu(); it owns its slot) serves one request at a time on behalf
 * of a client CPU, and numa_node_id() is that CPU's node, as Linux's is
 * the running CPU's.  The server sets it per message from the sender's
 * CPU (numa_set_request_cpu); until then it is the first online node.
 */
struct mm_numa_ctx {
	int nid;                /* numa_node_id() */
	unsigned cpu;           /* the client CPU */
} __attribute__((aligned(64)));
extern struct mm_numa_ctx mm_numa_ctx[MM_NR_CPUS];
static inline int numa_node_id(void)
{
	return mm_numa_ctx[mm_this_cpu()].nid;
}
/* Serve the next allocations for CPU index @cpu (its node becomes numa_node_id()). */
void numa_set_request_cpu(unsigned cpu);

/* min_free_kbytes and the watermark_scale_factor tunable (Linux defaults). */
extern unsigned long min_free_kbytes;
extern int watermark_scale_factor;
extern const int sysctl_lowmem_reserve_ratio[MAX_NR_ZONES];
/* Recompute min_free_kbytes, watermarks and lowmem_reserve from managed counts. */
void setup_per_zone_wmarks_all(void);

/*
 * Linux's __zone_watermark_ok: may @order be taken from @z leaving more
 * than @mark (+ lowmem_reserve for @highest_zoneidx) free pages, with a
 * free block of at least @order?  @alloc_high halves the mark (__GFP_HIGH).
 */
bool zone_watermark_ok(const struct zone *z, unsigned order, unsigned long mark,
		       int highest_zoneidx, bool alloc_high);

/*
 * Build every online node's zonelists (after zones are set up), in
 * Linux's order: the node itself, then the others nearest first, ties
 * broken by find_next_best_node()'s rules (a node below the local one,
 * a node with CPUs and a more loaded node each count against it).
 */
void build_all_zonelists(void);
/* Node @i (from 0) of @nid's fallback order, or -1 past the last (tests and dumps). */
int node_fallback_order(int nid, int i);

/* Pageblock migrate type, kept in the flags of the pageblock's first page. */
static inline int get_pageblock_migratetype(const struct page *page)
{
	uint64_t pfn = page_to_pfn(page) & ~(pageblock_nr_pages - 1);
	return (int)((pfn_to_page(pfn)->flags >> PAGE_PBMT_SHIFT) & PAGE_PBMT_MASK);
}
void set_pageblock_migratetype(struct page *page, int mt);

#endif
