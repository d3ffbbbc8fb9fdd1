/*
 * /proc-style views of the page allocator — buddyinfo, pagetypeinfo,
 * zoneinfo, meminfo and vmstat — byte for byte in Linux 6.1's formats
 * (mm/vmstat.c, fs/proc/meminfo.c): the same field order, names, widths,
 * per-node headers and empty-zone handling, so Linux's own tools (procps
 * free, vmstat -s) parse them.
 *
 * A line appears when its concept exists here and is left out otherwise
 * (no swap, LRU lists, CMA, hugetlbfs, vmalloc, watermark boosts or
 * per-CPU stat thresholds): a present line always carries a real value.
 * Besides /proc, each node's sysfs files in drivers/base/node.c's formats:
 * nodeN/meminfo, nodeN/numastat, nodeN/distance.  Zones are the configured ones
 * (zone->exists: DMA, DMA32, Normal on x86_64; DMA32, Normal on riscv64).
 * What the mm core cannot count itself — the memory its user hands to
 * tasks — comes from the provider set with mm_dump_set_usage().
 */
#include "mm/mm_dump.h"
#include "mm/page_alloc.h"
#include "mm/sparse.h"
#include <stdio.h>

struct dump_buf {
	char *buf;
	size_t len;
	size_t pos;
};

__attribute__((format(printf, 2, 3)))
static void dprintf_buf(struct dump_buf *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->pos + 1 >= d->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(d->buf + d->pos, d->len - d->pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	d->pos += (size_t)n < d->len - d->pos ? (size_t)n : d->len - d->pos - 1;
}

static size_t dump_done(struct dump_buf *d)
{
	if (d->len)
		d->buf[d->pos] = '\0';
	return d->pos;
}

/* ---- What the mm core's user counts ---------------------------------------- */

static void (*usage_provider)(struct mm_dump_usage *u);
static unsigned online_cpus = MM_NR_CPUS;

void mm_dump_set_online_cpus(unsigned n)
{
	online_cpus = n < 1 ? 1 : n > MM_NR_CPUS ? MM_NR_CPUS : n;
}

void mm_dump_set_usage(void (*fn)(struct mm_dump_usage *u))
{
	usage_provider = fn;
}

static struct mm_dump_usage usage_now(void)
{
	struct mm_dump_usage u = { 0 };

	if (usage_provider)
		usage_provider(&u);
	return u;
}

/* ---- Walking nodes and zones --------------------------------------------- */

static int online_nodes(void)
{
	int nid, n = 0;

	for_each_online_node(nid)
		n++;
	return n;
}

/* Linux's is_zone_first_populated: the per-node stats go with this zone. */
static bool zone_first_populated(const pg_data_t *pgdat, const struct zone *z)
{
	for (int zi = 0; zi < MAX_NR_ZONES; zi++)
		if (populated_zone(&pgdat->node_zones[zi]))
			return z == &pgdat->node_zones[zi];
	return false;
}

static bool node_has_memory(const pg_data_t *pgdat)
{
	for (int zi = 0; zi < MAX_NR_ZONES; zi++)
		if (populated_zone(&pgdat->node_zones[zi]))
			return true;
	return false;
}

/*
 * Slab pages in [@start, @end): a slab's head page carries PG_slab, PG_head
 * and its order.  Allocated and free blocks are stepped over whole, and a
 * section without a memmap (a hole) in one step, so the walk costs about
 * one step per block, not per page.
 */
static unsigned long slab_pages_in(unsigned long start, unsigned long end)
{
	unsigned long pages = 0;

	for (unsigned long pfn = start; pfn < end;) {
		const struct page *p;

		if (!pfn_valid(pfn)) {   /* pfn_valid is per section */
			pfn = (pfn & PAGE_SECTION_MASK) + PAGES_PER_SECTION;
			continue;
		}
		p = pfn_to_page(pfn);
		if (p->flags & PG_head) {
			if (p->flags & PG_slab)
				pages += 1UL << alloc_order(p);
			pfn += 1UL << alloc_order(p);
		} else if (p->flags & PG_buddy) {
			pfn += 1UL << p->private;
		} else {
			pfn++;
		}
	}
	return pages;
}

static unsigned long node_slab_pages(const pg_data_t *pgdat)
{
	return slab_pages_in(pgdat->node_start_pfn, pgdat->node_start_pfn + pgdat->node_spanned_pages);
}

static unsigned long all_slab_pages(void)
{
	unsigned long pages = 0;
	int nid;

	for_each_online_node(nid)
		pages += node_slab_pages(NODE_DATA(nid));
	return pages;
}

/* A zone's NUMA counter (Linux's zone_numa_event_state): every CPU's share. */
static unsigned long zone_numa_event(const struct zone *z, enum numa_stat_item item)
{
	unsigned long sum = 0;

	for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++)
		sum += z->pcpstat[cpu].numa_event[item];
	return sum;
}

static unsigned long node_numa_event(const pg_data_t *pgdat, enum numa_stat_item item)
{
	unsigned long sum = 0;

	for (int zi = 0; zi < MAX_NR_ZONES; zi++)
		sum += zone_numa_event(&pgdat->node_zones[zi], item);
	return sum;
}

/* Linux's names for the NUMA counters in /proc/vmstat and zoneinfo (numa_stat_name). */
static const char *const numa_stat_names[NR_VM_NUMA_EVENT_ITEMS] = {
	"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
};

/* ---- buddyinfo ------------------------------------------------------------ */

size_t buddyinfo_dump(char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	struct zone *z;
	int nid, zi;

	for_each_zone(z, nid, zi) {
		if (!populated_zone(z))
			continue;
		dprintf_buf(&d, "Node %d, zone %8s ", nid, z->name);
		for (int o = 0; o < MAX_ORDER; o++)
			dprintf_buf(&d, "%6lu ", z->free_area[o].nr_free);
		dprintf_buf(&d, "\n");
	}
	return dump_done(&d);
}

/* ---- pagetypeinfo ----------------------------------------------------------- */

/* Pageblocks of each migrate type, stepping from the zone's first pfn as Linux does. */
static void count_pageblocks(const struct zone *z, unsigned long counts[MIGRATE_TYPES])
{
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		counts[mt] = 0;
	for (unsigned long pfn = z->zone_start_pfn; pfn < zone_end_pfn(z); pfn += pageblock_nr_pages) {
		if (!pfn_valid(pfn))
			continue;
		const struct page *p = pfn_to_page(pfn);
		if (page_zone(p) != z)
			continue;
		int mt = get_pageblock_migratetype(p);
		if (mt < MIGRATE_TYPES)
			counts[mt]++;
	}
}

static void pagetypeinfo_node(struct dump_buf *d, const pg_data_t *pgdat)
{
	int nid = pgdat->node_id;

	dprintf_buf(d, "Page block order: %d\n", pageblock_order);
	dprintf_buf(d, "Pages per block:  %lu\n\n", pageblock_nr_pages);
	dprintf_buf(d, "%-43s ", "Free pages count per migrate type at order");
	for (int o = 0; o < MAX_ORDER; o++)
		dprintf_buf(d, "%6d ", o);
	dprintf_buf(d, "\n");
	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		const struct zone *z = &pgdat->node_zones[zi];
		if (!populated_zone(z))
			continue;
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			dprintf_buf(d, "Node %4d, zone %8s, type %12s ", nid, z->name, migratetype_names[mt]);
			for (int o = 0; o < MAX_ORDER; o++) {
				/* Linux stops counting a list at 100000 and prints ">100000" */
				uint64_t n = z->free_area[o].free_list[mt].count;
				dprintf_buf(d, "%s%6llu ", n >= 100000 ? ">" : "",
					    (unsigned long long)(n >= 100000 ? 100000 : n));
			}
			dprintf_buf(d, "\n");
		}
	}
	dprintf_buf(d, "\n%-23s", "Number of blocks type ");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		dprintf_buf(d, "%12s ", migratetype_names[mt]);
	dprintf_buf(d, "\n");
	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		const struct zone *z = &pgdat->node_zones[zi];
		unsigned long counts[MIGRATE_TYPES];

		if (!populated_zone(z))
			continue;
		count_pageblocks(z, counts);
		dprintf_buf(d, "Node %d, zone %8s ", nid, z->name);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			dprintf_buf(d, "%12lu ", counts[mt]);
		dprintf_buf(d, "\n");
	}
}

size_t pagetypeinfo_dump(char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	int nid;

	for_each_online_node(nid)
		if (node_has_memory(NODE_DATA(nid)))   /* Linux skips memoryless nodes */
			pagetypeinfo_node(&d, NODE_DATA(nid));
	return dump_done(&d);
}

/* ---- zoneinfo --------------------------------------------------------------- */

/* The node counters of Linux's enum node_stat_item that exist here, in its order. */
static void zoneinfo_node_stats(struct dump_buf *d, const pg_data_t *pgdat)
{
	dprintf_buf(d, "\n  per-node stats");
	dprintf_buf(d, "\n      %-12s %lu", "nr_slab_unreclaimable", node_slab_pages(pgdat));
	if (online_nodes() == 1) {
		/* tasks' memory is counted system-wide: it is the node's only with one node */
		struct mm_dump_usage u = usage_now();
		dprintf_buf(d, "\n      %-12s %lu", "nr_anon_pages", u.anon_pages);
		dprintf_buf(d, "\n      %-12s %lu", "nr_anon_transparent_hugepages", u.anon_huge);
		dprintf_buf(d, "\n      %-12s %lu", "nr_page_table_pages", u.pagetable_pages);
	}
}

static void zoneinfo_one(struct dump_buf *d, const pg_data_t *pgdat, const struct zone *z)
{
	bool first = true;

	dprintf_buf(d, "Node %d, zone %8s", pgdat->node_id, z->name);
	if (zone_first_populated(pgdat, z))
		zoneinfo_node_stats(d, pgdat);
	dprintf_buf(d, "\n  pages free     %lu", z->free_pages);
	dprintf_buf(d, "\n        min      %lu", min_wmark_pages(z));
	dprintf_buf(d, "\n        low      %lu", low_wmark_pages(z));
	dprintf_buf(d, "\n        high     %lu", high_wmark_pages(z));
	dprintf_buf(d, "\n        spanned  %lu", z->spanned_pages);
	dprintf_buf(d, "\n        present  %lu", z->present_pages);
	dprintf_buf(d, "\n        managed  %lu", z->managed_pages);
	dprintf_buf(d, "\n        protection: (");
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		if (!pgdat->node_zones[i].exists)
			continue;
		dprintf_buf(d, "%s%ld", first ? "" : ", ", z->lowmem_reserve[i]);
		first = false;
	}
	dprintf_buf(d, ")");
	if (!populated_zone(z)) {   /* as Linux: nothing more is useful */
		dprintf_buf(d, "\n");
		return;
	}
	dprintf_buf(d, "\n      %-12s %lu", "nr_free_pages", z->free_pages);
	for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
		dprintf_buf(d, "\n      %-12s %lu", numa_stat_names[i],
			    zone_numa_event(z, (enum numa_stat_item)i));
	dprintf_buf(d, "\n  pagesets");
	for (unsigned cpu = 0; cpu < online_cpus; cpu++) {
		dprintf_buf(d, "\n    cpu: %u", cpu);
		dprintf_buf(d, "\n              count: %u", z->pcp[cpu].count);
		dprintf_buf(d, "\n              high:  %u", z->pcp[cpu].high);
		dprintf_buf(d, "\n              batch: %u", z->pcp[cpu].batch);
	}
	dprintf_buf(d, "\n  start_pfn:           %lu", z->zone_start_pfn);
	dprintf_buf(d, "\n");
}

size_t zoneinfo_dump(char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	struct zone *z;
	int nid, zi;

	/* every configured zone, populated or not (as Linux: lowmem_reserve spans them all) */
	for_each_zone(z, nid, zi)
		if (z->exists)
			zoneinfo_one(&d, NODE_DATA(nid), z);
	return dump_done(&d);
}

/* ---- meminfo ------------------------------------------------------------------ */

/* Linux's totalreserve_pages: per zone, its largest lowmem_reserve plus the high watermark. */
static unsigned long totalreserve_pages(void)
{
	unsigned long sum = 0;
	struct zone *z;
	int nid, zi;

	for_each_zone(z, nid, zi) {
		long max = 0;

		for (int j = 0; j < MAX_NR_ZONES; j++)
			max = z->lowmem_reserve[j] > max ? z->lowmem_reserve[j] : max;
		max += (long)high_wmark_pages(z);
		if ((unsigned long)max > z->managed_pages)
			max = (long)z->managed_pages;
		sum += (unsigned long)max;
	}
	return sum;
}

/* Linux's si_mem_available() with no page cache and no reclaimable slab: free less the reserves. */
unsigned long mm_available_pages(void)
{
	unsigned long free = nr_free_pages(), reserve = totalreserve_pages();

	return free > reserve ? free - reserve : 0;
}

/* Linux's show_val_kb: the name padded to 16 columns, the value in 8. */
static void meminfo_line(struct dump_buf *d, const char *name, unsigned long pages)
{
	dprintf_buf(d, "%-16s%8lu kB\n", name, pages << (PAGE_SHIFT - 10));
}

size_t meminfo_dump(char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	struct mm_dump_usage u = usage_now();
	unsigned long slab = all_slab_pages();

	meminfo_line(&d, "MemTotal:", totalram_pages());
	meminfo_line(&d, "MemFree:", nr_free_pages());
	meminfo_line(&d, "MemAvailable:", mm_available_pages());
	meminfo_line(&d, "Cached:", mm_nr_file_pages);
	meminfo_line(&d, "AnonPages:", u.anon_pages);
	meminfo_line(&d, "Slab:", slab);
	meminfo_line(&d, "SUnreclaim:", slab);
	meminfo_line(&d, "PageTables:", u.pagetable_pages);
	meminfo_line(&d, "CommitLimit:", u.commit_limit);
	meminfo_line(&d, "Committed_AS:", u.committed_pages);
	meminfo_line(&d, "AnonHugePages:", u.anon_huge << (21 - PAGE_SHIFT));
	return dump_done(&d);
}

/* ---- vmstat -------------------------------------------------------------------- */

size_t vmstat_dump(char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	struct mm_dump_usage u = usage_now();

	/* enum zone_stat_item */
	dprintf_buf(&d, "nr_free_pages %lu\n", nr_free_pages());
	/* enum numa_stat_item */
	for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++) {
		unsigned long sum = 0;
		int nid;
		for_each_online_node(nid)
			sum += node_numa_event(NODE_DATA(nid), (enum numa_stat_item)i);
		dprintf_buf(&d, "%s %lu\n", numa_stat_names[i], sum);
	}
	/* enum node_stat_item */
	dprintf_buf(&d, "nr_slab_unreclaimable %lu\n", all_slab_pages());
	dprintf_buf(&d, "nr_anon_pages %lu\n", u.anon_pages);
	dprintf_buf(&d, "nr_anon_transparent_hugepages %lu\n", u.anon_huge);
	dprintf_buf(&d, "nr_page_table_pages %lu\n", u.pagetable_pages);
	/* enum vm_event_item, in its order */
	dprintf_buf(&d, "pgactivate %lu\n", u.pgactivate);
	dprintf_buf(&d, "pgdeactivate %lu\n", u.pgdeactivate);
	dprintf_buf(&d, "pgfault %lu\n", u.pgfault);
	dprintf_buf(&d, "pgrefill %lu\n", u.pgrefill);
	dprintf_buf(&d, "pgsteal_kswapd %lu\n", u.pgsteal_kswapd);
	dprintf_buf(&d, "pgsteal_direct %lu\n", u.pgsteal_direct);
	dprintf_buf(&d, "pgscan_kswapd %lu\n", u.pgscan_kswapd);
	dprintf_buf(&d, "pgscan_direct %lu\n", u.pgscan_direct);
	dprintf_buf(&d, "pgscan_anon %lu\n", u.pgscan_anon);
	dprintf_buf(&d, "pgscan_file %lu\n", u.pgscan_file);
	dprintf_buf(&d, "pgsteal_anon %lu\n", u.pgsteal_anon);
	dprintf_buf(&d, "pgsteal_file %lu\n", u.pgsteal_file);
	dprintf_buf(&d, "pageoutrun %lu\n", u.pageoutrun);
	dprintf_buf(&d, "oom_kill %lu\n", u.oom_kill);
	dprintf_buf(&d, "zswpin %lu\n", u.zswpin);
	dprintf_buf(&d, "zswpout %lu\n", u.zswpout);
	return dump_done(&d);
}

/* ---- nodeN/meminfo, nodeN/numastat, nodeN/distance ----------------------- */

static unsigned long node_zone_sum(const pg_data_t *pgdat, size_t field_offset)
{
	unsigned long n = 0;

	for (int zi = 0; zi < MAX_NR_ZONES; zi++)
		n += *(const unsigned long *)((const char *)&pgdat->node_zones[zi] + field_offset);
	return n;
}

/* Linux's node_read_meminfo: "Node N " then the name padded to 16 columns, the value in 8. */
static void node_meminfo_line(struct dump_buf *d, int nid, const char *name, unsigned long pages)
{
	dprintf_buf(d, "Node %d %-16s%8lu kB\n", nid, name, pages << (PAGE_SHIFT - 10));
}

size_t node_meminfo_dump(int nid, char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	const pg_data_t *pgdat;
	unsigned long total, free, slab;

	if (!node_online(nid))
		return dump_done(&d);
	pgdat = NODE_DATA(nid);
	total = node_zone_sum(pgdat, offsetof(struct zone, managed_pages));
	free = node_zone_sum(pgdat, offsetof(struct zone, free_pages));
	slab = node_slab_pages(pgdat);
	node_meminfo_line(&d, nid, "MemTotal:", total);
	node_meminfo_line(&d, nid, "MemFree:", free);
	node_meminfo_line(&d, nid, "MemUsed:", total - free);
	node_meminfo_line(&d, nid, "Slab:", slab);
	node_meminfo_line(&d, nid, "SUnreclaim:", slab);
	return dump_done(&d);
}

size_t node_numastat_dump(int nid, char *buf, size_t len)
{
	static const char *const names[NR_VM_NUMA_EVENT_ITEMS] = {
		"numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node",
	};
	struct dump_buf d = { buf, len, 0 };

	if (!node_online(nid))
		return dump_done(&d);
	for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
		dprintf_buf(&d, "%s %lu\n", names[i], node_numa_event(NODE_DATA(nid), (enum numa_stat_item)i));
	return dump_done(&d);
}

size_t node_distance_dump(int nid, char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	int other;

	if (!node_online(nid))
		return dump_done(&d);
	for_each_online_node(other)
		dprintf_buf(&d, "%s%d", other == first_online_node() ? "" : " ", node_distance(nid, other));
	dprintf_buf(&d, "\n");
	return dump_done(&d);
}

size_t node_cpulist_dump(int nid, char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	unsigned n = mm_nr_cpu_ids();
	bool first = true;

	if (!node_online(nid))
		return dump_done(&d);
	for (unsigned cpu = 0; cpu < n; cpu++) {
		unsigned last = cpu;
		if (cpu_to_node(cpu) != nid)
			continue;
		while (last + 1 < n && cpu_to_node(last + 1) == nid)
			last++;
		if (last > cpu)
			dprintf_buf(&d, "%s%u-%u", first ? "" : ",", cpu, last);
		else
			dprintf_buf(&d, "%s%u", first ? "" : ",", cpu);
		first = false;
		cpu = last;
	}
	dprintf_buf(&d, "\n");
	return dump_done(&d);
}

unsigned long mm_node_numa_event(int nid, enum numa_stat_item item)
{
	return node_online(nid) ? node_numa_event(NODE_DATA(nid), item) : 0;
}
