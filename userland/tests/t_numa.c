/*
 * NUMA: where the memory server puts a task's pages.  Each verdict is a
 * physical address checked against the nodes' ranges (the zones of
 * /proc/zoneinfo: start_pfn and spanned per node) and against the
 * numastat counters of the node views.
 *
 *   views      nodeN/distance, meminfo, numastat and cpulist for each
 *              online node (each CPU in one node's list; with the boot
 *              word cpunode=0011 the lists must say CPUs 0 and 1 on node
 *              0, 2 and 3 on node 1: QEMU's -numa on x86_64; riscv64's
 *              CPU numbers depend on which hart boots); a node that is not
 *              online is ENOENT
 *   locality   a thread pinned to each CPU faults pages in and asks for
 *              blocks: they come from that CPU's node
 *   at once    a thread on every CPU faults, fills and checks its pages
 *              and unmaps them, round after round: contents intact, pages
 *              on each CPU's node, everything given back
 *   policies   preferred, bind and interleave (task and range), node
 *              masks given with ALLOC_PAGES, MAP_ANON and MAP_CONTIG, Linux's
 *              placement; interleave_hit counts exactly the pages
 *              interleaved; bad modes and masks are EINVAL and change
 *              nothing
 *   exhaust    (more than one node) a child with a large quota, pinned to a CPU of the last
 *              node, bound to that node: a populate larger than the node
 *              fails with ENOMEM and leaves no region or page; filled up to the
 *              brim, the node's next default page comes from the nearest
 *              other node by distance (numa_miss there, numa_foreign here)
 */
#include <libmm/libmm.h>
#include <stdlib.h>
#include <string.h>
#include <ulib/thread.h>
#include "common.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define PG 4096UL
#define MAX_RANGES 64
#define MAX_NODES 8

static char text[32768];
static struct { int nid; uint64_t start, end; } ranges[MAX_RANGES];   /* physical, [start, end) */
static unsigned nr_ranges, nr_nodes, ncpu;
static int cpu_node[64];
static unsigned distance[MAX_NODES][MAX_NODES];

/* ---- the nodes, from the views ------------------------------------------ */

static int64_t node_view(unsigned what, unsigned nid)
{
	return mm_stats_read(MNEME_MM_STAT_ON_NODE(what, nid), text, sizeof(text));
}

/* Zones per node from zoneinfo: "Node N, zone NAME" blocks with start_pfn and spanned. */
static bool read_ranges(void)
{
	if (mm_stats_read(MNEME_MM_STAT_ZONEINFO, text, sizeof(text)) <= 0)
		return false;
	nr_ranges = 0;
	for (char *p = strstr(text, "Node "); p && nr_ranges < MAX_RANGES;) {
		char *next = strstr(p + 5, "\nNode ");
		int nid = atoi(p + 5);
		char *sp = strstr(p, "spanned"), *st = strstr(p, "start_pfn:");
		if (sp && st && (!next || (sp < next && st < next))) {
			uint64_t spanned = strtoull(sp + 7, NULL, 10), start = strtoull(st + 10, NULL, 10);
			if (spanned) {
				ranges[nr_ranges].nid = nid;
				ranges[nr_ranges].start = start * PG;
				ranges[nr_ranges].end = (start + spanned) * PG;
				nr_ranges++;
			}
		}
		p = next ? next + 1 : NULL;
	}
	return nr_ranges > 0;
}

/* The node whose zones hold @pa, or -1. */
static int node_of_pa(uint64_t pa)
{
	for (unsigned i = 0; i < nr_ranges; i++)
		if (pa >= ranges[i].start && pa < ranges[i].end)
			return ranges[i].nid;
	return -1;
}

/* The node of the frame behind @va (by its physical address), or -1. */
static int node_of(const void *va)
{
	struct mm_page_info info;

	if (mm_query(va, &info) || !info.pa)
		return -1;
	return node_of_pa(info.pa);
}

/* Counter @name of node @nid's numastat. */
static uint64_t numastat(unsigned nid, const char *name)
{
	char key[32];

	if (node_view(MNEME_MM_STAT_NODE_NUMASTAT, nid) <= 0)
		return ~0ULL;
	snprintf(key, sizeof(key), "%s ", name);
	char *p = strstr(text, key);
	return p ? strtoull(p + strlen(key), NULL, 10) : ~0ULL;
}

static uint64_t interleave_hits(void)
{
	uint64_t n = 0;

	for (unsigned nid = 0; nid < nr_nodes; nid++)
		n += numastat(nid, "interleave_hit");
	return n;
}

/* The nodes and their distances, from node 0's distance view and each node's; false if unreadable. */
static bool read_topology(void)
{
	if (node_view(MNEME_MM_STAT_NODE_DISTANCE, 0) <= 0)
		return false;
	nr_nodes = 1;
	for (char *p = text; (p = strchr(p, ' ')); p++)
		nr_nodes++;
	if (nr_nodes > MAX_NODES)
		return false;
	for (unsigned a = 0; a < nr_nodes; a++) {
		if (node_view(MNEME_MM_STAT_NODE_DISTANCE, a) <= 0)
			return false;
		char *p = text;
		for (unsigned b = 0; b < nr_nodes; b++)
			distance[a][b] = (unsigned)strtoul(p, &p, 10);
	}
	return read_ranges();
}

/* cpu_node[] from each node's cpulist ("0-1,4"); false if a CPU is in none or two. */
static bool read_cpulists(void)
{
	int seen[64];

	for (unsigned c = 0; c < 64; c++)
		seen[c] = -1;
	for (unsigned nid = 0; nid < nr_nodes; nid++) {
		if (node_view(MNEME_MM_STAT_NODE_CPULIST, nid) <= 0)
			return false;
		for (char *p = text; *p >= '0' && *p <= '9';) {
			unsigned a = (unsigned)strtoul(p, &p, 10), b = a;
			if (*p == '-')
				b = (unsigned)strtoul(p + 1, &p, 10);
			for (unsigned c = a; c <= b && c < 64; c++) {
				if (seen[c] >= 0)
					return false;
				seen[c] = (int)nid;
			}
			if (*p == ',')
				p++;
		}
	}
	for (unsigned c = 0; c < ncpu; c++) {
		if (seen[c] < 0)
			return false;
		cpu_node[c] = seen[c];
	}
	return true;
}

static void test_views(struct ktap *k)
{
	KTAP_EXPECT(k, read_topology());
	KTAP_EXPECT(k, read_cpulists());
	for (unsigned a = 0; a < nr_nodes; a++) {
		KTAP_EXPECT_EQ(k, distance[a][a], 10);
		char key[48];
		snprintf(key, sizeof(key), "Node %u MemTotal:", a);
		KTAP_EXPECT(k, node_view(MNEME_MM_STAT_NODE_MEMINFO, a) > 0 && strstr(text, key));
		snprintf(key, sizeof(key), "Node %u MemFree:", a);
		KTAP_EXPECT(k, strstr(text, key) != NULL);
		KTAP_EXPECT(k, numastat(a, "numa_hit") != ~0ULL && numastat(a, "other_node") != ~0ULL);
	}
	for (unsigned a = 0; a < nr_nodes; a++)
		for (unsigned b = 0; b < nr_nodes; b++)
			KTAP_EXPECT_EQ(k, distance[a][b], distance[b][a]);
	KTAP_EXPECT_EQ(k, node_view(MNEME_MM_STAT_NODE_NUMASTAT, nr_nodes), -MNEME_ENOENT);
	KTAP_EXPECT_EQ(k, node_view(MNEME_MM_STAT_NODE_MEMINFO, 64), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_stats_read(MNEME_MM_STAT_ON_NODE(MNEME_MM_STAT_MEMINFO, 1), text, sizeof(text)),
		       -MNEME_EINVAL);
	bool seen[MAX_NODES] = { false };
	for (unsigned i = 0; i < nr_ranges; i++)
		if (ranges[i].nid >= 0 && ranges[i].nid < MAX_NODES)
			seen[ranges[i].nid] = true;
	for (unsigned nid = 0; nid < nr_nodes; nid++)
		KTAP_EXPECT(k, seen[nid]);
	ktap_diag(k, "%u nodes, %u zones with memory", nr_nodes, nr_ranges);
}

/* ---- locality ------------------------------------------------------------ */

#define LOCAL_PAGES 16

struct local_job {
	unsigned cpu;
	int want;
	unsigned faulted_right, blocks_right, ran_on;
};

static int local_worker(void *arg)
{
	struct local_job *j = arg;
	uint8_t *va;
	void *blk;
	uint64_t pa;

	if (ulib_thread_pin(0, (int)j->cpu))
		return 1;
	j->ran_on = ulib_cpu();
	if (mm_map_anon(NULL, LOCAL_PAGES * PG, RW, (void **)&va))
		return 2;
	for (unsigned i = 0; i < LOCAL_PAGES; i++) {
		va[i * PG] = (uint8_t)i;                 /* the fault comes from this CPU */
		j->faulted_right += node_of(va + i * PG) == j->want;
	}
	for (unsigned order = 0; order <= 2; order++) {
		if (mm_alloc_pages(order, RW, &blk, &pa))
			return 3;
		j->blocks_right += node_of_pa(pa) == j->want;
		mm_unmap(blk, PG << order);
	}
	return mm_unmap(va, LOCAL_PAGES * PG) ? 4 : 0;
}

static void test_locality(struct ktap *k)
{
	for (unsigned cpu = 0; cpu < ncpu; cpu++) {
		struct local_job j = { .cpu = cpu, .want = cpu_node[cpu] };
		struct ulib_thread t;
		int result = -1;
		uint64_t local = numastat((unsigned)j.want, "local_node");

		KTAP_EXPECT_EQ(k, ulib_thread_create(&t, local_worker, &j, MNEME_PRIO_DEFAULT), 0);
		KTAP_EXPECT_EQ(k, ulib_thread_join(&t, &result), 0);
		KTAP_EXPECT_EQ(k, result, 0);
		KTAP_EXPECT_EQ(k, j.ran_on, cpu);
		KTAP_EXPECT_EQ(k, j.faulted_right, LOCAL_PAGES);
		KTAP_EXPECT_EQ(k, j.blocks_right, 3);
		/* every page and block was a local allocation of that node */
		KTAP_EXPECT(k, numastat((unsigned)j.want, "local_node") >= local + LOCAL_PAGES + 3);
	}
	ktap_diag(k, "pages faulted and blocks asked for on each of %u CPUs came from its node", ncpu);
}

/*
 * Every CPU at once: a pinned thread per CPU maps, faults in and fills
 * its own pages (a pattern of its CPU and page), checks every byte, then
 * unmaps, round after round; each page must sit on its CPU's node.
 */
#define CONC_PAGES 64
#define CONC_ROUNDS 8

struct conc_job {
	unsigned cpu;
	int want;
	volatile unsigned *go;
	unsigned wrong_node, wrong_data, errors;
};

static int conc_worker(void *arg)
{
	struct conc_job *j = arg;

	if (ulib_thread_pin(0, (int)j->cpu))
		return 1;
	for (unsigned spins = 0; !*j->go && spins < 100000000u; spins++)
		;
	for (unsigned round = 0; round < CONC_ROUNDS; round++) {
		uint64_t *va;
		if (mm_map_anon(NULL, CONC_PAGES * PG, RW, (void **)&va)) {
			j->errors++;
			continue;
		}
		for (unsigned i = 0; i < CONC_PAGES; i++)
			for (unsigned w = 0; w < PG / 8; w += 64)
				va[i * PG / 8 + w] = (uint64_t)j->cpu << 48 | (uint64_t)round << 32 | i << 16 | w;
		for (unsigned i = 0; i < CONC_PAGES; i++) {
			for (unsigned w = 0; w < PG / 8; w += 64)
				j->wrong_data += va[i * PG / 8 + w] !=
						 ((uint64_t)j->cpu << 48 | (uint64_t)round << 32 | i << 16 | w);
			j->wrong_node += node_of(va + i * PG / 8) != j->want;
		}
		j->errors += mm_unmap(va, CONC_PAGES * PG) != 0;
	}
	return 0;
}

static void test_concurrent(struct ktap *k)
{
	static struct conc_job jobs[64];
	static struct ulib_thread t[64];
	static volatile unsigned go;
	unsigned started = 0;
	struct mneme_mm_usage before, after;

	memset(jobs, 0, sizeof(jobs));        /* this program's own pages in before the count */
	memset(t, 0, sizeof(t));
	go = 0;
	KTAP_EXPECT_EQ(k, mm_usage(&before), 0);
	for (unsigned cpu = 0; cpu < ncpu; cpu++) {
		jobs[cpu] = (struct conc_job){ .cpu = cpu, .want = cpu_node[cpu], .go = &go };
		started += ulib_thread_create(&t[cpu], conc_worker, &jobs[cpu], MNEME_PRIO_DEFAULT) == 0;
	}
	KTAP_EXPECT_EQ(k, started, ncpu);
	go = 1;
	for (unsigned cpu = 0; cpu < started; cpu++) {
		int result = -1;
		KTAP_EXPECT_EQ(k, ulib_thread_join(&t[cpu], &result), 0);
		KTAP_EXPECT_EQ(k, result, 0);
		KTAP_EXPECT_EQ(k, jobs[cpu].errors, 0);
		KTAP_EXPECT_EQ(k, jobs[cpu].wrong_data, 0);
		KTAP_EXPECT_EQ(k, jobs[cpu].wrong_node, 0);
	}
	/* every page given back: the same resident pages and regions as before */
	KTAP_EXPECT_EQ(k, mm_usage(&after), 0);
	KTAP_EXPECT_EQ(k, after.resident, before.resident);
	KTAP_EXPECT_EQ(k, after.regions, before.regions);
	KTAP_EXPECT_EQ(k, mm_check(), 0);
	ktap_diag(k, "%u CPUs faulted %u pages each at once: contents intact, each page on its CPU's node",
		  ncpu, CONC_PAGES * CONC_ROUNDS);
}

/* ---- policies ------------------------------------------------------------ */

/* Map @n pages, write each, and count those on node @want (want < 0: record into @nodes). */
static unsigned touch_count(unsigned n, int want, int *nodes)
{
	uint8_t *va;
	unsigned right = 0;

	if (mm_map_anon(NULL, n * PG, RW, (void **)&va))
		return 0;
	for (unsigned i = 0; i < n; i++) {
		va[i * PG] = 1;
		int nid = node_of(va + i * PG);
		right += nid == want;
		if (nodes)
			nodes[i] = nid;
	}
	mm_unmap(va, n * PG);
	return right;
}

static void test_policy_errors(struct ktap *k)
{
	unsigned mode = 99;
	uint64_t nodes = 99;
	uint8_t *va;

	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_PREFERRED, 1), 0);
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(5, 1), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_DEFAULT, 1), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_LOCAL, 1), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_BIND, 0), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_INTERLEAVE, 1ULL << nr_nodes), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_BIND, 1ULL << 63 | 1), -MNEME_EINVAL);
	/* nothing changed by the refusals */
	KTAP_EXPECT_EQ(k, mm_get_mempolicy(0, NULL, &mode, &nodes), 0);
	KTAP_EXPECT_EQ(k, mode, MNEME_MM_MPOL_PREFERRED);
	KTAP_EXPECT_EQ(k, nodes, 1);
	KTAP_EXPECT_EQ(k, mm_get_mempolicy(MNEME_MM_MPOL_F_NODE, NULL, &mode, &nodes), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_get_mempolicy(4, NULL, &mode, &nodes), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_get_mempolicy(0, (void *)MNEME_MM_MAP_BASE, &mode, &nodes), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_DEFAULT, 0), 0);

	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 4 * PG, RW, (void **)&va), 0);
	KTAP_EXPECT_EQ(k, mm_mbind(va + 1, PG, MNEME_MM_MPOL_BIND, 1), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_mbind(va, 8 * PG, MNEME_MM_MPOL_BIND, 1), -MNEME_ENOENT);
	KTAP_EXPECT_EQ(k, mm_mbind(va, PG, MNEME_MM_MPOL_BIND, 1ULL << nr_nodes), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_mbind(va, PG, 7, 1), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_get_mempolicy(MNEME_MM_MPOL_F_ADDR, va, &mode, &nodes), 0);
	KTAP_EXPECT_EQ(k, mode, MNEME_MM_MPOL_DEFAULT);
	KTAP_EXPECT_EQ(k, mm_get_mempolicy(MNEME_MM_MPOL_F_ADDR | MNEME_MM_MPOL_F_NODE, va, &mode, NULL),
		       -MNEME_ENOENT);                  /* no frame yet */
	va[0] = 1;
	KTAP_EXPECT_EQ(k, mm_get_mempolicy(MNEME_MM_MPOL_F_ADDR | MNEME_MM_MPOL_F_NODE, va, &mode, NULL), 0);
	KTAP_EXPECT_EQ(k, (int)mode, node_of(va));
	KTAP_EXPECT_EQ(k, mm_unmap(va, 4 * PG), 0);
}

static void test_policies(struct ktap *k)
{
	unsigned last = nr_nodes - 1, mode;
	uint64_t all = (1ULL << nr_nodes) - 1, nodes, hit, other;
	void *blk;
	uint64_t pa;
	int where[32];

	/* preferred: the task's pages from the named node, from any CPU */
	hit = numastat(last, "numa_hit");
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_PREFERRED, 1ULL << last), 0);
	KTAP_EXPECT_EQ(k, touch_count(16, (int)last, NULL), 16);
	KTAP_EXPECT(k, numastat(last, "numa_hit") >= hit + 16);
	/* bind: blocks and contiguous ranges from the bound node only */
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_BIND, 1ULL << last), 0);
	KTAP_EXPECT_EQ(k, mm_alloc_pages(3, RW, &blk, &pa), 0);
	KTAP_EXPECT_EQ(k, node_of_pa(pa), (int)last);
	KTAP_EXPECT_EQ(k, mm_unmap(blk, 8 * PG), 0);
	KTAP_EXPECT_EQ(k, mm_map_contig(16 * PG, 0, 0, RW, &blk, &pa), 0);
	KTAP_EXPECT_EQ(k, node_of_pa(pa), (int)last);
	KTAP_EXPECT_EQ(k, node_of_pa(pa + 15 * PG), (int)last);
	KTAP_EXPECT_EQ(k, mm_unmap(blk, 16 * PG), 0);
	KTAP_EXPECT_EQ(k, mm_get_mempolicy(0, NULL, &mode, &nodes), 0);
	KTAP_EXPECT_EQ(k, mode, MNEME_MM_MPOL_BIND);
	KTAP_EXPECT_EQ(k, nodes, 1ULL << last);
	/* a node mask given with the request wins over the task's policy */
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_PREFERRED, 1ULL << last), 0);
	KTAP_EXPECT_EQ(k, mm_alloc_pages_nodes(2, RW, 1, &blk, &pa), 0);
	KTAP_EXPECT_EQ(k, node_of_pa(pa), 0);
	KTAP_EXPECT_EQ(k, mm_unmap(blk, 4 * PG), 0);
	KTAP_EXPECT_EQ(k, mm_map_contig_nodes(8 * PG, 0, 0, RW, 1, &blk, &pa), 0);
	KTAP_EXPECT_EQ(k, node_of_pa(pa), 0);
	KTAP_EXPECT_EQ(k, mm_unmap(blk, 8 * PG), 0);
	uint8_t *anon;
	KTAP_EXPECT_EQ(k, mm_map_anon_nodes(NULL, 4 * PG, RW, 1, (void **)&anon), 0);
	KTAP_EXPECT_EQ(k, mm_get_mempolicy(MNEME_MM_MPOL_F_ADDR, anon, &mode, &nodes), 0);
	KTAP_EXPECT_EQ(k, mode, MNEME_MM_MPOL_BIND);
	KTAP_EXPECT_EQ(k, nodes, 1);
	for (unsigned i = 0; i < 4; i++) {
		anon[i * PG] = 1;
		KTAP_EXPECT_EQ(k, node_of(anon + i * PG), 0);
	}
	KTAP_EXPECT_EQ(k, mm_unmap(anon, 4 * PG), 0);
	KTAP_EXPECT_EQ(k, mm_alloc_pages_nodes(0, RW, 1ULL << nr_nodes, &blk, &pa), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_alloc_pages_nodes(0, RW, 0, &blk, &pa), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_map_anon_nodes(NULL, PG, RW, 1ULL << 40, (void **)&anon), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_map_contig_nodes(PG, 0, 0, RW, 0, &blk, &pa), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_BIND, 1ULL << last), 0);
	/* a range's own policy wins over the task's: interleave over every node, page by page */
	uint8_t *va;
	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 32 * PG, RW, (void **)&va), 0);
	KTAP_EXPECT_EQ(k, mm_mbind(va, 32 * PG, MNEME_MM_MPOL_INTERLEAVE, all), 0);
	KTAP_EXPECT_EQ(k, mm_get_mempolicy(MNEME_MM_MPOL_F_ADDR, va + 5 * PG, &mode, &nodes), 0);
	KTAP_EXPECT_EQ(k, mode, MNEME_MM_MPOL_INTERLEAVE);
	KTAP_EXPECT_EQ(k, nodes, all);
	uint64_t ih = interleave_hits();
	unsigned right = 0;
	for (unsigned i = 0; i < 32; i++) {
		va[i * PG] = 1;
		where[i] = node_of(va + i * PG);
		right += where[i] == (int)((((uint64_t)(uintptr_t)va / PG) + i) % nr_nodes);
	}
	KTAP_EXPECT_EQ(k, right, 32);
	KTAP_EXPECT_EQ(k, interleave_hits(), ih + 32);   /* exactly the pages interleaved */
	/* mbind of part of it back to DEFAULT: that part follows the task's bind again */
	KTAP_EXPECT_EQ(k, mm_unmap(va, 32 * PG), 0);
	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 8 * PG, RW, (void **)&va), 0);
	KTAP_EXPECT_EQ(k, mm_mbind(va, 8 * PG, MNEME_MM_MPOL_PREFERRED, 1), 0);
	KTAP_EXPECT_EQ(k, mm_mbind(va + 4 * PG, 4 * PG, MNEME_MM_MPOL_DEFAULT, 0), 0);
	for (unsigned i = 0; i < 8; i++)
		va[i * PG] = 1;
	KTAP_EXPECT_EQ(k, node_of(va), 0);
	KTAP_EXPECT_EQ(k, node_of(va + 3 * PG), 0);
	KTAP_EXPECT_EQ(k, node_of(va + 4 * PG), (int)last);
	KTAP_EXPECT_EQ(k, node_of(va + 7 * PG), (int)last);
	KTAP_EXPECT_EQ(k, mm_unmap(va, 8 * PG), 0);
	/* local: the node of the CPU the thread runs on (pinned to CPU 0 here) */
	KTAP_EXPECT_EQ(k, ulib_thread_pin(0, 0), 0);
	other = numastat((unsigned)cpu_node[0], "local_node");
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_LOCAL, 0), 0);
	KTAP_EXPECT_EQ(k, touch_count(8, cpu_node[0], NULL), 8);
	KTAP_EXPECT(k, numastat((unsigned)cpu_node[0], "local_node") >= other + 8);
	KTAP_EXPECT_EQ(k, mm_set_mempolicy(MNEME_MM_MPOL_DEFAULT, 0), 0);
	KTAP_EXPECT_EQ(k, ulib_thread_pin(0, -1), 0);
	KTAP_EXPECT_EQ(k, mm_check(), 0);
}

/* ---- exhausting a node (the child) ------------------------------------- */

/* Node @nid's MemTotal in pages. */
static uint64_t node_pages(unsigned nid)
{
	char key[32];

	snprintf(key, sizeof(key), "MemTotal:");
	if (node_view(MNEME_MM_STAT_NODE_MEMINFO, nid) <= 0 || !strstr(text, key))
		return 0;
	return strtoull(strstr(text, key) + strlen(key), NULL, 10) / 4;
}

/* The nearest node to @nid other than itself (lowest distance, then lowest id: our configs have no tie). */
static unsigned nearest_other(unsigned nid)
{
	unsigned best = nid == 0 ? 1 : 0;

	for (unsigned b = 0; b < nr_nodes; b++)
		if (b != nid && distance[nid][b] < distance[nid][best])
			best = b;
	return best;
}

/* In the child: fill node @nid from CPU @cpu (on it), then check where the next pages go. */
static int exhaust(unsigned nid, unsigned cpu)
{
	struct mneme_mm_usage before, after;
	uint64_t total = node_pages(nid), got = 0;
	unsigned fb = nearest_other(nid), bad = 0;
	void *va;

	if (ulib_thread_pin(0, (int)cpu) || !total)
		return 10;
	if (mm_set_mempolicy(MNEME_MM_MPOL_BIND, 1ULL << nid))
		return 11;
	/* more than the node holds, at once: refused, nothing changed */
	if (mm_usage(&before))
		return 12;
	if (mm_map_anon(NULL, (total + 1024) * PG, RW | MNEME_MM_POPULATE, &va) != -MNEME_ENOMEM)
		return 13;
	/*
	 * no region, no page left behind (the frame-table and page-table frames
	 * it grew stay); reclaim may meanwhile have dropped page-cache pages we
	 * map (our text), so resident may only have gone down
	 */
	if (mm_usage(&after) || after.resident > before.resident || after.regions != before.regions ||
	    after.mapped != before.mapped)
		return 14;
	/* fill it in 1 MiB steps, then page by page */
	for (size_t step = 256 * PG; step >= PG; step /= 16)
		while (!mm_map_anon(NULL, step, RW | MNEME_MM_POPULATE, &va))
			got += step / PG;
	if (got < total / 2)
		return 15;
	/* a page that must be on the node: refused with the error */
	uint64_t pa;
	if (mm_alloc_pages(0, RW, &va, &pa) != -MNEME_ENOMEM)
		return 16;
	/* default policy: the next pages come from the nearest other node, a miss for it */
	uint64_t miss = numastat(fb, "numa_miss"), foreign = numastat(nid, "numa_foreign");
	if (mm_set_mempolicy(MNEME_MM_MPOL_DEFAULT, 0))
		return 17;
	uint8_t *p;
	if (mm_map_anon(NULL, 8 * PG, RW, (void **)&p))
		return 18;
	for (unsigned i = 0; i < 8; i++) {
		p[i * PG] = 1;
		bad += node_of(p + i * PG) != (int)fb;
	}
	if (bad)
		return 19;
	if (numastat(fb, "numa_miss") < miss + 8 || numastat(nid, "numa_foreign") < foreign + 8)
		return 20;
	printf("%s# node %u filled with %llu pages of its %llu from CPU %u: the next default pages came "
	       "from node %u (distance %u)\n", ktap_indent(ktap_depth), nid, (unsigned long long)got,
	       (unsigned long long)total, cpu, fb, distance[nid][fb]);
	return 0;
}

static void test_exhaust(struct ktap *k, unsigned nid, unsigned cpu)
{
	char args[64];
	uint64_t child;
	int64_t status = -1;
	uint64_t reason = 0;

	snprintf(args, sizeof(args), "role=exhaust node=%u cpu=%u", nid, cpu);
	/* quota 0: the child draws on our pool (a quota above ours would be refused) */
	KTAP_EXPECT_EQ(k, mm_spawn_quota("t_numa", args, 0, 0, 0, 0, &child), 0);
	KTAP_EXPECT_EQ(k, t_join(child, &status, &reason), 0);
	KTAP_EXPECT_EQ(k, status, 0);
	KTAP_EXPECT_EQ(k, reason, MNEME_EXIT_NORMAL);
	KTAP_EXPECT_EQ(k, mm_check(), 0);
}

int main(int argc, char **argv)
{
	struct ktap k;
	const char *a;

	ncpu = ulib_cpus();
	if (ncpu > 64)
		ncpu = 64;
	if ((a = ulib_arg(argc, argv, "role")) && !strcmp(a, "exhaust")) {
		if (!read_topology() || !read_cpulists())
			return 8;
		const char *n = ulib_arg(argc, argv, "node"), *c = ulib_arg(argc, argv, "cpu");
		return n && c ? exhaust((unsigned)ulib_strtou(n), (unsigned)ulib_strtou(c)) : 9;
	}
	ktap_begin(&k, "numa", 6);
	test_views(&k);
	ktap_result(&k, "node_views");
	/* the machine's own description, when the test knows it (x86_64: CPU numbering is fixed) */
	if ((a = ulib_arg(argc, argv, "cpunode"))) {
		unsigned agree = 0;
		for (unsigned cpu = 0; cpu < ncpu; cpu++)
			agree += cpu < strlen(a) && cpu_node[cpu] == a[cpu] - '0';
		KTAP_EXPECT_EQ(&k, agree, ncpu);
	}
	test_locality(&k);
	ktap_result(&k, "allocations_from_the_cpus_node");
	test_concurrent(&k);
	ktap_result(&k, "every_cpu_faulting_at_once");
	test_policy_errors(&k);
	ktap_result(&k, "policy_errors_change_nothing");
	test_policies(&k);
	ktap_result(&k, "preferred_bind_interleave_local");
	unsigned last_cpu = ncpu - 1;
	if (nr_nodes > 1) {
		test_exhaust(&k, (unsigned)cpu_node[last_cpu], last_cpu);
		ktap_result(&k, "bind_full_fails_default_falls_back_by_distance");
	} else {
		ktap_skip(&k, "bind_full_fails_default_falls_back_by_distance", "one node");
	}
	return ktap_end(&k);
}
