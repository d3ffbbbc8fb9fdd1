/*
 * The statistics views (mmserver/mm/mm_dump.c, slabinfo in slab_debug.c)
 * against Linux 6.1's formats, whole text at a time.  Each expected text
 * is built here from the layouts of Linux 6.1 (mm/vmstat.c: frag_show_print,
 * pagetypeinfo_showfree_print, pagetypeinfo_showblockcount_print,
 * zoneinfo_show_print, vmstat_show; fs/proc/meminfo.c: show_val_kb;
 * mm/slab_common.c: cache_show) restricted to the lines mneme has, and
 * from the allocator's state read directly, then compared byte for byte.
 *
 *   x86_64 q35 512 MiB (one node, DMA + DMA32 + empty Normal) and riscv64
 *   virt with two nodes (per-node pagetypeinfo headers, per-node stats in
 *   each node's first populated zone, no task lines): zoneinfo,
 *   pagetypeinfo, buddyinfo; meminfo and vmstat with a usage provider;
 *   slab pages counted from the memmap equal the slab caches' own count;
 *   slabinfo's Linux names (kmalloc-96, kmalloc-1k) and newest-first
 *   order; each node's meminfo, numastat and distance files
 *   (drivers/base/node.c) with NUMA events on both nodes; every view cut
 *   safely at every length.
 *
 * Usage: stats_test MAPDIR (test/host/maps)
 */
#include "bt.h"
#include "mm/slab.h"

static char got[1 << 17], want[1 << 17];
static size_t wn;

__attribute__((format(printf, 1, 2)))
static void w(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wn += (size_t)vsnprintf(want + wn, sizeof(want) - wn, fmt, ap);
	va_end(ap);
}

static void same(const char *what, size_t (*dump)(char *, size_t))
{
	size_t n = dump(got, sizeof(got));

	CHECK_EQ(n, strlen(got));
	if (strcmp(got, want)) {
		bt_failures++;
		fprintf(stderr, "%s differs from Linux 6.1's layout\n--- got:\n%s--- want:\n%s---\n", what, got,
			want);
	}
}

static struct mm_dump_usage usage = { .anon_pages = 2569, .anon_huge = 1, .pagetable_pages = 11,
				      .committed_pages = 2584, .commit_limit = 31000, .pgfault = 2050, .oom_kill = 3,
				      .pgactivate = 41, .pgdeactivate = 42, .pgrefill = 43,
				      .pgsteal_kswapd = 44, .pgsteal_direct = 45, .pgscan_kswapd = 46,
				      .pgscan_direct = 47, .pgscan_anon = 48, .pgscan_file = 49,
				      .pgsteal_anon = 50, .pgsteal_file = 51, .pageoutrun = 52,
				      .zswpin = 53, .zswpout = 54 };

static void provider(struct mm_dump_usage *u)
{
	*u = usage;
}

static int nodes(void)
{
	int nid, n = 0;

	for_each_online_node(nid)
		n++;
	return n;
}

/* Slab pages of a node, counted from the caches' slabs rather than the memmap. */
static unsigned long slab_pages_of_node(int nid)
{
	unsigned long pages = 0;
	pg_data_t *pg = NODE_DATA(nid);

	for (unsigned long pfn = pg->node_start_pfn; pfn < pg->node_start_pfn + pg->node_spanned_pages; pfn++)
		if (pfn_valid(pfn) && (pfn_to_page(pfn)->flags & PG_slab))
			pages += 1UL << alloc_order(pfn_to_page(pfn));
	return pages;
}

/* A zone's NUMA event counter, read straight from its per-CPU counters. */
static unsigned long zone_ev(const struct zone *z, int item)
{
	unsigned long n = 0;

	for (unsigned c = 0; c < MM_NR_CPUS; c++)
		n += z->pcpstat[c].numa_event[item];
	return n;
}

static unsigned long node_ev(int nid, int item)
{
	unsigned long n = 0;

	for (int zi = 0; zi < MAX_NR_ZONES; zi++)
		n += zone_ev(bt_zone(nid, zi), item);
	return n;
}

/* mm/vmstat.c's numa_stat_name() texts */
static const char *const numa_names[6] = { "numa_hit", "numa_miss", "numa_foreign", "numa_interleave",
					   "numa_local", "numa_other" };

/* ---- Linux 6.1's layouts --------------------------------------------------- */

static void linux_buddyinfo(void)
{
	int nid;

	wn = 0;
	for_each_online_node(nid)
		for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
			struct zone *z = bt_zone(nid, zi);
			if (!z->present_pages)
				continue;
			w("Node %d, zone %8s ", nid, z->name);
			for (int o = 0; o < MAX_ORDER; o++)
				w("%6lu ", z->free_area[o].nr_free);
			w("\n");
		}
}

static void linux_pagetypeinfo(void)
{
	int nid;

	wn = 0;
	for_each_online_node(nid) {
		w("Page block order: %d\n", pageblock_order);
		w("Pages per block:  %lu\n", pageblock_nr_pages);
		w("\n");
		w("%-43s ", "Free pages count per migrate type at order");
		for (int o = 0; o < MAX_ORDER; o++)
			w("%6d ", o);
		w("\n");
		for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
			struct zone *z = bt_zone(nid, zi);
			if (!z->present_pages)
				continue;
			for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
				w("Node %4d, zone %8s, type %12s ", nid, z->name, migratetype_names[mt]);
				for (int o = 0; o < MAX_ORDER; o++) {
					unsigned long n = 0;
					for (uint32_t p = z->free_area[o].free_list[mt].head; p != PAGE_LIST_NIL;
					     p = pfn_to_page(p)->next)
						n++;
					w("%s%6lu ", n >= 100000 ? ">" : "", n >= 100000 ? 100000UL : n);
				}
				w("\n");
			}
		}
		w("\n%-23s", "Number of blocks type ");
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			w("%12s ", migratetype_names[mt]);
		w("\n");
		for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
			struct zone *z = bt_zone(nid, zi);
			unsigned long count[MIGRATE_TYPES] = { 0 };
			if (!z->present_pages)
				continue;
			for (unsigned long pfn = z->zone_start_pfn; pfn < z->zone_start_pfn + z->spanned_pages;
			     pfn += pageblock_nr_pages) {
				if (!pfn_valid(pfn) || page_zone(pfn_to_page(pfn)) != z)
					continue;
				count[get_pageblock_migratetype(pfn_to_page(pfn))]++;
			}
			w("Node %d, zone %8s ", nid, z->name);
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				w("%12lu ", count[mt]);
			w("\n");
		}
	}
}

static void linux_zoneinfo(unsigned cpus)
{
	int nid;

	wn = 0;
	for_each_online_node(nid) {
		bool first = true;
		for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
			struct zone *z = bt_zone(nid, zi);
			if (!z->exists)
				continue;
			w("Node %d, zone %8s", nid, z->name);
			if (first && z->present_pages) {
				first = false;
				w("\n  per-node stats");
				w("\n      %-12s %lu", "nr_slab_unreclaimable", slab_pages_of_node(nid));
				if (nodes() == 1) {
					w("\n      %-12s %lu", "nr_anon_pages", usage.anon_pages);
					w("\n      %-12s %lu", "nr_anon_transparent_hugepages", usage.anon_huge);
					w("\n      %-12s %lu", "nr_page_table_pages", usage.pagetable_pages);
				}
			}
			w("\n  pages free     %lu"
			  "\n        min      %lu"
			  "\n        low      %lu"
			  "\n        high     %lu"
			  "\n        spanned  %lu"
			  "\n        present  %lu"
			  "\n        managed  %lu",
			  z->free_pages, min_wmark_pages(z), low_wmark_pages(z), high_wmark_pages(z),
			  z->spanned_pages, z->present_pages, z->managed_pages);
			bool lead = true;
			w("\n        protection: (");
			for (int i = 0; i < MAX_NR_ZONES; i++)
				if (bt_zone(nid, i)->exists) {
					w(lead ? "%ld" : ", %ld", z->lowmem_reserve[i]);
					lead = false;
				}
			w(")");
			if (!z->present_pages) {
				w("\n");
				continue;
			}
			w("\n      %-12s %lu", "nr_free_pages", z->free_pages);
			for (int i = 0; i < 6; i++)
				w("\n      %-12s %lu", numa_names[i], zone_ev(z, i));
			w("\n  pagesets");
			for (unsigned c = 0; c < cpus; c++)
				w("\n    cpu: %i"
				  "\n              count: %i"
				  "\n              high:  %i"
				  "\n              batch: %i",
				  c, z->pcp[c].count, z->pcp[c].high, z->pcp[c].batch);
			w("\n  start_pfn:           %lu", z->zone_start_pfn);
			w("\n");
		}
	}
}

static void show_val_kb(const char *name, unsigned long pages)
{
	w("%s%8lu kB\n", name, pages << (PAGE_SHIFT - 10));
}

static void linux_meminfo(void)
{
	unsigned long slab = 0;
	int nid;

	for_each_online_node(nid)
		slab += slab_pages_of_node(nid);
	wn = 0;
	show_val_kb("MemTotal:       ", totalram_pages());
	show_val_kb("MemFree:        ", nr_free_pages());
	show_val_kb("MemAvailable:   ", mm_available_pages());
	show_val_kb("Cached:         ", mm_nr_file_pages);
	show_val_kb("AnonPages:      ", usage.anon_pages);
	show_val_kb("Slab:           ", slab);
	show_val_kb("SUnreclaim:     ", slab);
	show_val_kb("PageTables:     ", usage.pagetable_pages);
	show_val_kb("CommitLimit:    ", usage.commit_limit);
	show_val_kb("Committed_AS:   ", usage.committed_pages);
	show_val_kb("AnonHugePages:  ", usage.anon_huge * 512);
}

static void linux_vmstat(void)
{
	unsigned long slab = 0;
	int nid;

	for_each_online_node(nid)
		slab += slab_pages_of_node(nid);
	wn = 0;
	w("nr_free_pages %lu\n", nr_free_pages());
	for (int i = 0; i < 6; i++) {
		unsigned long n = 0;
		for_each_online_node(nid)
			n += node_ev(nid, i);
		w("%s %lu\n", numa_names[i], n);
	}
	w("nr_slab_unreclaimable %lu\n", slab);
	w("nr_anon_pages %lu\n", usage.anon_pages);
	w("nr_anon_transparent_hugepages %lu\n", usage.anon_huge);
	w("nr_page_table_pages %lu\n", usage.pagetable_pages);
	/*
	 * Linux 6.1's vmstat_text event names in their order (mm/vmstat.c),
	 * those with a value here: every other one is left out.
	 */
	static const char *const events[] = {
		"pgpgin", "pgpgout", "pswpin", "pswpout", "pgfree", "pgactivate", "pgdeactivate",
		"pglazyfree", "pgfault", "pgmajfault", "pglazyfreed", "pgrefill", "pgreuse",
		"pgsteal_kswapd", "pgsteal_direct", "pgdemote_kswapd", "pgdemote_direct",
		"pgscan_kswapd", "pgscan_direct", "pgscan_direct_throttle", "pgscan_anon",
		"pgscan_file", "pgsteal_anon", "pgsteal_file", "zone_reclaim_failed", "pginodesteal",
		"slabs_scanned", "kswapd_inodesteal", "kswapd_low_wmark_hit_quickly",
		"kswapd_high_wmark_hit_quickly", "pageoutrun", "pgrotated", "drop_pagecache",
		"drop_slab", "oom_kill", "pgmigrate_success", "pgmigrate_fail", "compact_stall",
		"compact_fail", "compact_success", "swap_ra", "swap_ra_hit", "zswpin", "zswpout",
	};
	const struct { const char *name; unsigned long v; } have[] = {
		{ "pgactivate", usage.pgactivate }, { "pgdeactivate", usage.pgdeactivate },
		{ "pgfault", usage.pgfault }, { "pgrefill", usage.pgrefill },
		{ "pgsteal_kswapd", usage.pgsteal_kswapd }, { "pgsteal_direct", usage.pgsteal_direct },
		{ "pgscan_kswapd", usage.pgscan_kswapd }, { "pgscan_direct", usage.pgscan_direct },
		{ "pgscan_anon", usage.pgscan_anon }, { "pgscan_file", usage.pgscan_file },
		{ "pgsteal_anon", usage.pgsteal_anon }, { "pgsteal_file", usage.pgsteal_file },
		{ "pageoutrun", usage.pageoutrun }, { "oom_kill", usage.oom_kill },
		{ "zswpin", usage.zswpin }, { "zswpout", usage.zswpout },
	};
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		for (size_t j = 0; j < sizeof(have) / sizeof(have[0]); j++)
			if (!strcmp(events[i], have[j].name))
				w("%s %lu\n", have[j].name, have[j].v);
}

/* drivers/base/node.c: node_read_meminfo (the lines mneme has), node_read_numastat, node_read_distance */
static int view_nid;

static void linux_node_meminfo(int nid)
{
	unsigned long total = 0, free = 0, slab = slab_pages_of_node(nid);

	for (int zi = 0; zi < MAX_NR_ZONES; zi++) {
		total += bt_zone(nid, zi)->managed_pages;
		free += bt_zone(nid, zi)->free_pages;
	}
	wn = 0;
	w("Node %d MemTotal:       %8lu kB\n", nid, total * 4);
	w("Node %d MemFree:        %8lu kB\n", nid, free * 4);
	w("Node %d MemUsed:        %8lu kB\n", nid, (total - free) * 4);
	w("Node %d Slab:           %8lu kB\n", nid, slab * 4);
	w("Node %d SUnreclaim:     %8lu kB\n", nid, slab * 4);
}

static void linux_node_numastat(int nid)
{
	wn = 0;
	w("numa_hit %lu\nnuma_miss %lu\nnuma_foreign %lu\ninterleave_hit %lu\nlocal_node %lu\nother_node %lu\n",
	  node_ev(nid, NUMA_HIT), node_ev(nid, NUMA_MISS), node_ev(nid, NUMA_FOREIGN),
	  node_ev(nid, NUMA_INTERLEAVE_HIT), node_ev(nid, NUMA_LOCAL), node_ev(nid, NUMA_OTHER));
}

static void linux_node_distance(int nid)
{
	int other;

	wn = 0;
	for_each_online_node(other)
		w("%s%d", other ? " " : "", node_distance(nid, other));
	w("\n");
}

static size_t node_meminfo_view(char *b, size_t n) { return node_meminfo_dump(view_nid, b, n); }
static size_t node_numastat_view(char *b, size_t n) { return node_numastat_dump(view_nid, b, n); }
static size_t node_distance_view(char *b, size_t n) { return node_distance_dump(view_nid, b, n); }

static void node_views(void)
{
	int nid;

	for_each_online_node(nid) {
		view_nid = nid;
		linux_node_meminfo(nid);
		same("nodeN/meminfo", node_meminfo_view);
		linux_node_numastat(nid);
		same("nodeN/numastat", node_numastat_view);
		linux_node_distance(nid);
		same("nodeN/distance", node_distance_view);
	}
	view_nid = MM_MAX_NUMNODES - 1;                 /* an offline node: nothing */
	CHECK_EQ(node_meminfo_view(got, sizeof(got)), 0);
	CHECK_EQ(node_numastat_view(got, sizeof(got)), 0);
}

/* ---- The tests ------------------------------------------------------------ */

static void all_views(const char *machine, unsigned cpus)
{
	linux_buddyinfo();
	same("buddyinfo", buddyinfo_dump);
	linux_pagetypeinfo();
	same("pagetypeinfo", pagetypeinfo_dump);
	linux_zoneinfo(cpus);
	same("zoneinfo", zoneinfo_dump);
	linux_meminfo();
	same("meminfo", meminfo_dump);
	linux_vmstat();
	same("vmstat", vmstat_dump);
	node_views();
	fprintf(stderr, "%s: buddyinfo, pagetypeinfo, zoneinfo, meminfo, vmstat, each node's meminfo, "
		"numastat and distance as Linux 6.1 lays them out\n", machine);
}

static void cut_everywhere(void)
{
	size_t (*dumps[])(char *, size_t) = { buddyinfo_dump, pagetypeinfo_dump, zoneinfo_dump,
					      meminfo_dump, vmstat_dump, node_meminfo_view,
					      node_numastat_view, node_distance_view };

	view_nid = 0;
	for (unsigned d = 0; d < sizeof(dumps) / sizeof(dumps[0]); d++) {
		size_t total = dumps[d](got, sizeof(got));
		for (size_t len = 1; len < total + 2; len += 3) {
			char *b = malloc(len);
			size_t n = dumps[d](b, len);
			CHECK(n < len && b[n] == '\0' && n == (len - 1 < total ? len - 1 : total));
			free(b);
		}
	}
}

static void load(const char *dir, const char *map)
{
	struct mneme_boot_info bi;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, map);
	if (bt_load_map(path, &bi)) {
		fprintf(stderr, "cannot load %s\n", path);
		exit(2);
	}
	CHECK_EQ(bt_mm_init(&bi), 0);
	CHECK_EQ(kmem_cache_init(), 0);
}

static void x86_one_node(const char *dir)
{
	void *obj[600];

	load(dir, "x86_64-q35-512M.map");
	mm_dump_set_usage(provider);
	mm_dump_set_online_cpus(2);
	/* slab pages in use: objects of several caches, and a cache of our own */
	struct kmem_cache *c = kmem_cache_create("stats-test", 700, 8, 0, NULL);
	for (int i = 0; i < 600; i++)
		obj[i] = i % 2 ? kmalloc(1000, GFP_KERNEL) : kmem_cache_alloc(c, GFP_KERNEL);
	CHECK(slab_nr_pages() > 0);
	unsigned long walked = slab_pages_of_node(0);
	CHECK_EQ(walked, slab_nr_pages());
	all_views("x86_64 q35 512M", 2);
	meminfo_dump(got, sizeof(got));
	char line[64];
	snprintf(line, sizeof(line), "\nSlab:           %8lu kB\n", slab_nr_pages() * 4);
	CHECK(strstr(got, line) != NULL);
	CHECK(strstr(got, "\nAnonHugePages:      2048 kB\n") != NULL);
	zoneinfo_dump(got, sizeof(got));
	CHECK(strstr(got, "Node 0, zone   Normal\n  pages free     0\n") != NULL);   /* empty, still listed */
	CHECK(strstr(got, "\n    cpu: 1\n") && !strstr(got, "\n    cpu: 2\n"));
	/* slabinfo: Linux's header, names, and the newest cache first */
	slabinfo_dump(got, sizeof(got));
	CHECK(!strncmp(got, "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize>"
		       " <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor>"
		       " : slabdata <active_slabs> <num_slabs> <sharedavail>\nstats-test ", 210));
	struct kmem_cache_stats st;
	kmem_cache_stats(kmalloc_slab(1000, GFP_KERNEL), &st);
	snprintf(line, sizeof(line), "\n%-17s %6llu %6llu %6u ", "kmalloc-1k",
		 (unsigned long long)st.active_objs, (unsigned long long)st.total_objs, 1024);
	CHECK(strstr(got, line) != NULL);
	CHECK(strstr(got, "\nkmalloc-96 ") && strstr(got, "\nkmalloc-8k ") && !strstr(got, "kmalloc-1024"));
	cut_everywhere();
	for (int i = 0; i < 600; i++)
		i % 2 ? kfree(obj[i]) : kmem_cache_free(c, obj[i]);
	kmem_cache_destroy(c);
}

static void riscv_two_nodes(const char *dir)
{
	struct page *p[4];

	load(dir, "riscv-virt-numa2-4G.map");
	mm_dump_set_usage(provider);
	mm_dump_set_online_cpus(1);
	CHECK_EQ(nodes(), 2);
	/* NUMA events on both nodes: local, and preferred elsewhere (a miss and a foreign) */
	p[0] = alloc_pages_node(0, GFP_KERNEL, 0);
	p[1] = alloc_pages_node(1, GFP_KERNEL, 2);
	nodemask_t only1 = 2;
	p[2] = __alloc_pages(GFP_KERNEL, 0, 0, &only1);
	p[3] = alloc_pages_node(1, GFP_KERNEL, 0);
	CHECK(node_ev(0, NUMA_HIT) >= 1 && node_ev(1, NUMA_HIT) >= 3 && node_ev(1, NUMA_OTHER) >= 3);
	all_views("riscv64 virt 2 nodes 4G", 1);
	pagetypeinfo_dump(got, sizeof(got));
	int headers = 0;
	for (const char *p = got; (p = strstr(p, "Page block order: 9\n")); p++)
		headers++;
	CHECK_EQ(headers, 2);
	zoneinfo_dump(got, sizeof(got));
	CHECK(strstr(got, "Node 1, zone    DMA32\n  per-node stats\n") ||
	      strstr(got, "Node 1, zone   Normal\n  per-node stats\n"));
	CHECK(!strstr(got, "nr_anon_pages"));        /* tasks' memory is not split by node */
	CHECK(!strstr(got, "zone      DMA"));        /* riscv64 has no ZONE_DMA */
	CHECK(strstr(got, "protection: (0, ") && !strstr(got, "protection: (0, 0, 0)"));
	node_distance_dump(1, got, sizeof(got));
	CHECK(!strcmp(got, "20 10\n"));
	CHECK_EQ(__free_pages(p[0], 0), 0);
	CHECK_EQ(__free_pages(p[1], 2), 0);
	CHECK_EQ(__free_pages(p[2], 0), 0);
	CHECK_EQ(__free_pages(p[3], 0), 0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s MAPDIR\n", argv[0]);
		return 2;
	}
	mm_init_verbose = false;
	x86_one_node(argv[1]);
	riscv_two_nodes(argv[1]);
	return bt_finish("test_stats");
}
