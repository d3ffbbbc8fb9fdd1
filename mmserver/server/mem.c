/*
 * The memory server's own memory (see mem.h).  The mm core runs over the
 * physmap the core built for the server, so the server never page-faults
 * on its own memory: its metadata comes from slab caches (VM_GFP_META may
 * dip below the min watermark), while task frames stop at the watermark,
 * which leaves the reserve that finishes an accepted request and reclaims
 * a dying task (reclaim only frees) when memory is exhausted.
 */
#include <mm/gfp.h>
#include <mm/mm_dump.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>
#include <mm/sparse.h>
#include <mneme/error.h>
#include <mneme/layout.h>
#include <ulib/ulib.h>
#include "mem.h"
#include "serve.h"
#include "task.h"
#include "vm.h"
#include "vm_backend.h"

/* RAM is every type memblock counts as memory (memblock_boot.c). */
static bool range_is_ram(uint32_t type)
{
	return type != MNEME_MEM_UNUSABLE && type != MNEME_MEM_FIRMWARE;
}

/* What the boot map holds, for the accounting line after mm_init (mem_report_map). */
static struct {
	uint64_t ram;          /* bytes of RAM in the boot map */
	uint64_t beyond;       /* of it, at or above the physmap's end */
	uint64_t partial;      /* of it, in pages a range covers only in part */
} ram_account;

/*
 * The part of the boot map the mm core may manage: only RAM the server can
 * reach through its physmap (below the boot info's physmap_limit, which the
 * core sized from the map and the user half).  Holes that are not RAM (x86
 * e820 "reserved") arrive as MNEME_MEM_FIRMWARE, which memblock does not
 * count as memory.  RAM beyond the physmap is reported with its size.
 */
static const struct mneme_boot_info *ram_view(const struct mneme_boot_info *bi)
{
	static struct mneme_boot_info view;
	uint64_t limit = bi->physmap_limit;
	uint32_t n = 0;
	uint64_t run_base = 0, run_end = 0;   /* touching RAM (memblock merges it), kept part */

	view = *bi;
	ram_account.ram = ram_account.beyond = ram_account.partial = 0;
	for (uint32_t i = 0; i <= bi->nr_ranges && i <= MNEME_BOOTINFO_MAX_RANGES; i++) {
		struct mneme_mem_range r = i < bi->nr_ranges && i < MNEME_BOOTINFO_MAX_RANGES ?
					   bi->ranges[i] : (struct mneme_mem_range){ 0 };
		uint64_t keep = r.base >= limit ? 0 : r.size > limit - r.base ? limit - r.base : r.size;
		bool ram = r.size && range_is_ram(r.type);
		if (!ram || !keep || r.base != run_end) {   /* a run ends: its pages cut in part */
			uint64_t lo = (run_base + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
			uint64_t hi = run_end & ~(uint64_t)(PAGE_SIZE - 1);
			ram_account.partial += (run_end - run_base) - (hi > lo ? hi - lo : 0);
			run_base = run_end = r.base;
		}
		if (ram) {
			ram_account.ram += r.size;
			ram_account.beyond += r.size - keep;
			if (keep)
				run_end = r.base + keep;
		}
		if (!keep)
			continue;
		r.size = keep;
		view.ranges[n++] = r;
	}
	view.nr_ranges = n;
	if (ram_account.beyond)   /* never silently: the RAM the server cannot reach, with its size */
		printf("mmserver: %llu MiB of RAM at or above %llu GiB left unmanaged (beyond the server's physmap)\n",
		       (unsigned long long)(ram_account.beyond >> 20),
		       (unsigned long long)(limit >> 30));
	return &view;
}

/*
 * The boot map's RAM, accounted for to the byte: managed (given to the
 * buddy allocator), deferred (free, in sections whose memmap is not
 * initialised yet: it becomes managed), reserved (present in a zone but
 * kept: the core's frames, firmware reservations, the memmap, memblock's
 * own), unusable (beyond the physmap, or in pages a range covers only in
 * part).  The first three come from the zones and memblock, the RAM total
 * from the boot map, so the sum is a check (test/qemu/run.py makes it).
 */
static void mem_report_map(void)
{
	uint64_t managed = (uint64_t)totalram_pages() * PAGE_SIZE;
	uint64_t deferred = (uint64_t)mm_deferred_free_pages() * PAGE_SIZE;
	uint64_t present = (uint64_t)totalpresent_pages() * PAGE_SIZE;
	uint64_t unusable = ram_account.beyond + ram_account.partial;

	printf("mmserver: RAM %lluK: managed %lluK + deferred %lluK + reserved %lluK + unusable %lluK "
	       "(beyond the physmap %lluK, partial pages %lluK)\n",
	       (unsigned long long)(ram_account.ram >> 10), (unsigned long long)(managed >> 10),
	       (unsigned long long)(deferred >> 10),
	       (unsigned long long)((present - managed - deferred) >> 10),
	       (unsigned long long)(unusable >> 10), (unsigned long long)(ram_account.beyond >> 10),
	       (unsigned long long)(ram_account.partial >> 10));
}

/* Text buffer for the dumps (the server's .bss, never faulted: the core maps it up front). */
static char text[16384];

/* Print a dump line by line (printf formats into a bounded buffer). */
static void print_text(size_t (*dump)(char *, size_t))
{
	dump(text, sizeof(text));
	for (char *p = text; *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		printf("%s\n", p);
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* The core's counter and its frequency. */
static uint64_t clock_now(uint64_t *hz)
{
	struct mneme_sysret r;

	mneme_clock_read_r(&r);
	*hz = r.r[2];
	return r.r[1];
}

/*
 * The tasks' memory for the mm core's views (mm_dump_usage): the sum of
 * every live space's accounting, a frame shared into a task counted only
 * where it was mapped first; the fault counters of the message loop.
 */
static void tasks_usage(struct mm_dump_usage *out)
{
	const struct vm_vmstat *v = &vm_vmstat;

	*out = (struct mm_dump_usage){ .pgfault = mm_server_stats.page_faults,
				       .oom_kill = mm_server_stats.oom_kills,
				       .pgactivate = v->pgactivate, .pgdeactivate = v->pgdeactivate,
				       .pgrefill = v->pgrefill, .pgsteal_kswapd = v->pgsteal_kswapd,
				       .pgsteal_direct = v->pgsteal_direct, .pgscan_kswapd = v->pgscan_kswapd,
				       .pgscan_direct = v->pgscan_direct, .pgscan_anon = v->pgscan_anon,
				       .pgscan_file = v->pgscan_file, .pgsteal_anon = v->pgsteal_anon,
				       .pgsteal_file = v->pgsteal_file, .pageoutrun = v->pageoutrun,
				       .zswpin = v->zswpin, .zswpout = v->zswpout,
				       .pgmigrate_success = v->pgmigrate_success,
				       .pgmigrate_fail = v->pgmigrate_fail,
				       .compact_migrate_scanned = v->compact_migrate_scanned,
				       .compact_free_scanned = v->compact_free_scanned,
				       .compact_isolated = v->compact_isolated,
				       .compact_stall = v->compact_stall, .compact_fail = v->compact_fail,
				       .compact_success = v->compact_success,
				       .committed_pages = vm_committed / PAGE_SIZE,
				       .commit_limit = vm_commit_limit() };
	for (unsigned s = 1; s <= MM_MAX_TASKS; s++) {
		struct mneme_mm_usage u;

		if (!mm_tasks[s].space)
			continue;
		vm_space_usage(mm_tasks[s].space, &u);
		out->anon_pages += u.resident > u.shared ? u.resident - u.shared : 0;
		out->anon_huge += u.huge;
		out->pagetable_pages += u.pt_pages;
	}
}

/* Nanoseconds of @ticks of a counter running at @hz. */
static uint64_t ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	return hz ? ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz : 0;
}

void mem_report_ready(void)
{
	uint64_t hz, now = clock_now(&hz);

	printf("mmserver: ready: %llu ns guest time since reset\n",
	       (unsigned long long)ticks_to_ns(now, hz));
}

/*
 * Bring up the mm core.  The time mm_init() takes (memmap and buddy
 * initialisation, including its boot lines on the console) is printed in
 * nanoseconds of guest time: under -icount shift=0 that is instructions.
 */
int mem_init(const struct mneme_boot_info *bi)
{
	uint64_t hz, t0 = clock_now(&hz);
	int err;

	/* The memmap beyond each node's first GiB is initialised after the server serves
	 * (between requests, and on demand); "memmap_defer=off" initialises it all first. */
	mm_memmap_defer = !strstr(bi->cmdline, "memmap_defer=off");
	err = mm_init(ram_view(bi));
	uint64_t t1 = clock_now(&hz);

	if (!err && hz && totalram_pages()) {
		uint64_t ns = ticks_to_ns(t1 - t0, hz);
		printf("mmserver: mm_init: %llu ns guest time for %lu pages (%llu per 4 KiB page)\n",
		       (unsigned long long)ns, totalram_pages(),
		       (unsigned long long)(ns / totalram_pages()));
	}
	if (!err)
		mem_report_map();
	if (!err)
		err = kmem_cache_init();
	if (!err)
		err = vm_init();
	if (err)
		return err;
	mm_dump_set_usage(tasks_usage);
	mm_dump_set_online_cpus(bi->nr_cpus);
	printf("mmserver: buddyinfo\n");
	print_text(buddyinfo_dump);
	return 0;
}

uint64_t mem_free_pages(void)
{
	if (mm_deferred_init_pending()) {   /* free memory is all of it: the exactness checks compare it */
		mm_deferred_init_all();
		mem_report_map();
	}
	vm_pagecache_shrink();      /* cached file pages no task maps, like empty slabs, are free memory */
	kmem_cache_shrink_all();
	return nr_free_pages() + nr_pcp_pages();
}

uint64_t mem_total_pages(void)
{
	return totalram_pages();
}

int mem_check(const char *when)
{
	char why[160];
	int err = mm_check_invariants(why, sizeof(why));

	if (!err)
		err = slab_check_invariants(why, sizeof(why));
	if (!err)
		err = vm_check_all(why, sizeof(why));   /* every space, the reverse map, the page tables */
	if (err)
		printf("mmserver: invariant violated %s: %s\n", when, why);
	return err;
}

static size_t memmap_text(char *buf, size_t len)
{
	return vm_backend_memmap_dump(buf, len);
}

static unsigned long zone_free(const struct zone *z)
{
	unsigned long n = 0;

	for (int o = 0; o < MAX_ORDER; o++)
		n += z->free_area[o].nr_free << o;
	return n;
}

void mem_print_state(const char *when)
{
	int nid0, zi0;
	struct zone *z0;

	/* per-CPU lists and empty slabs back to the buddy lists, so the views add up */
	kmem_cache_shrink_all();
	for_each_zone(z0, nid0, zi0)
		if (z0->managed_pages)
			drain_zone_pages(z0, 0);
	printf("mmserver: ---- memory %s ----\nmmserver: memory map\n", when);
	print_text(memmap_text);
	printf("mmserver: zones\n");
	int nid, zi;
	struct zone *z;
	for_each_zone(z, nid, zi) {
		if (!z->spanned_pages)
			continue;
		printf("  node %d %-8s [pfn %#lx-%#lx) present %lu managed %lu free %lu\n", nid,
		       zone_names[zi], z->zone_start_pfn, zone_end_pfn(z), z->present_pages,
		       z->managed_pages, zone_free(z));
	}
	printf("mmserver: buddyinfo\n");
	print_text(buddyinfo_dump);
	printf("mmserver: meminfo\n");
	print_text(meminfo_dump);
}

/* ---- Self-test (tests=mm_selftest) --------------------------------------- */

static const gfp_t zone_gfp[MAX_NR_ZONES] = { GFP_DMA, GFP_DMA32, GFP_KERNEL };

/* Largest free block order of zone @z, or -1. */
static int zone_top_order(const struct zone *z)
{
	for (int o = MAX_ORDER - 1; o >= 0; o--)
		if (z->free_area[o].nr_free)
			return o;
	return -1;
}

/*
 * Every order of every populated zone: allocate with the zone's GFP flag
 * (while the zone holds a block that large), check the zone and the
 * alignment, write the first and last byte, free.  Returns failures.
 */
static int selftest_orders(void)
{
	int nid, zi, failed = 0, done = 0;
	struct zone *z;

	for_each_zone(z, nid, zi) {
		if (!z->managed_pages)
			continue;
		for (int o = 0; o < MAX_ORDER; o++) {
			if (zone_top_order(z) < o)
				continue;
			struct page *p = alloc_pages(zone_gfp[zi] | __GFP_HIGH | __GFP_NOWARN, (unsigned)o);
			if (!p || page_zonenum(p) != (unsigned)zi || page_to_pfn(p) & ((1UL << o) - 1)) {
				printf("        # zone %s order %d: %s\n", zone_names[zi], o,
				       p ? "wrong zone or alignment" : "allocation failed");
				failed++;
			}
			if (p) {
				char *va = page_address(p);
				va[0] = 1;
				va[(PAGE_SIZE << o) - 1] = 2;
				__free_pages(p, (unsigned)o);
				done++;
			}
		}
	}
	printf("        # %d blocks allocated and freed\n", done);
	return failed + !done;
}

/* kmalloc of every size class and a cache of its own, then freed. */
static int selftest_slab(void)
{
	void *obj[64];
	int failed = 0;
	unsigned n = 0;

	for (size_t size = 8; size <= 8192 && n < 64; size *= 2) {
		for (int i = 0; i < 4 && n < 64; i++) {
			obj[n] = kmalloc(size, GFP_KERNEL);
			if (!obj[n] || ksize(obj[n]) < size)
				failed++;
			else
				memset(obj[n], 0x5a, size);
			n++;
		}
	}
	struct kmem_cache *c = kmem_cache_create("mm_selftest", 200, 8, 0, NULL);
	void *x = c ? kmem_cache_alloc(c, GFP_KERNEL) : NULL;
	failed += !c || !x;
	if (x)
		kmem_cache_free(c, x);
	if (c)
		kmem_cache_destroy(c);
	for (unsigned i = 0; i < n; i++)
		kfree(obj[i]);
	return failed;
}

/*
 * Deferred memmap initialisation: right after boot, allocate more 4 MiB
 * blocks than the buddy allocator holds (the allocator must initialise
 * deferred sections rather than fail), free them, then finish the
 * initialisation: the pages in use must be the same as before, so every
 * deferred page came in free, and the invariants hold.
 */
#define DEFER_TEST_MAX 4096
static struct page *defer_blocks[DEFER_TEST_MAX];

static int selftest_deferred(void)
{
	unsigned long used = totalram_pages() - nr_free_pages() - nr_pcp_pages();
	unsigned long want = nr_free_pages() / (1UL << (MAX_ORDER - 1)) + 16, got = 0;
	unsigned long demand = deferred_init_stats.on_demand;
	int failed = 0;

	if (!mm_deferred_init_pending()) {
		printf("        # nothing deferred (no node has more than %u sections)\n",
		       MM_DEFER_KEEP_SECTIONS);
		return 0;
	}
	if (want > DEFER_TEST_MAX)
		want = DEFER_TEST_MAX;
	while (got < want) {
		struct page *p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_ORDER - 1);
		if (!p)
			break;
		defer_blocks[got++] = p;
	}
	if (got < want || deferred_init_stats.on_demand == demand) {
		printf("        # %lu of %lu blocks of order %d, %lu sections initialised on demand\n",
		       got, want, MAX_ORDER - 1, deferred_init_stats.on_demand - demand);
		failed++;
	}
	while (got)
		__free_pages(defer_blocks[--got], MAX_ORDER - 1);
	printf("        # %lu sections initialised on demand for %lu blocks of 4 MiB\n",
	       deferred_init_stats.on_demand - demand, want);
	mm_deferred_init_all();
	unsigned long used_after = totalram_pages() - nr_free_pages() - nr_pcp_pages();
	if (mm_deferred_init_pending() || used_after != used) {
		printf("        # pages in use %lu before the deferred memory came, %lu after\n", used,
		       used_after);
		failed++;
	}
	printf("        # deferred memmap: %lu sections, %lu pages, MemTotal %lu kB\n",
	       deferred_init_stats.sections, deferred_init_stats.pages, totalram_pages() * 4);
	return failed + (mem_check("after the deferred memmap") != 0);
}

int mem_selftest(unsigned top_index)
{
	struct { const char *name; int failed; } r[5];
	int deferred = selftest_deferred();
	uint64_t before = mem_free_pages();

	r[0].name = "every_order_every_zone";
	r[0].failed = selftest_orders();
	r[1].name = "slab_caches";
	r[1].failed = selftest_slab();
	r[2].name = "free_count_restored";
	uint64_t after = mem_free_pages();
	r[2].failed = after != before;
	if (r[2].failed)
		printf("        # free pages %llu before, %llu after\n", (unsigned long long)before,
		       (unsigned long long)after);
	r[3].name = "invariants";
	r[3].failed = mem_check("after the self-test") != 0;
	r[4].name = "deferred_memmap";
	r[4].failed = deferred;
	printf("    KTAP version 1\n    # Subtest: mm_selftest\n    1..5\n");
	int failed = 0;
	for (unsigned i = 0; i < 5; i++) {
		printf("    %s %u %s\n", r[i].failed ? "not ok" : "ok", i + 1, r[i].name);
		failed += r[i].failed != 0;
	}
	printf("%s %u mm_selftest\n", failed ? "not ok" : "ok", top_index);
	return failed;
}
