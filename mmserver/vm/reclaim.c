/*
 * Reclaim: giving memory back when it runs short (Linux's mm/vmscan.c,
 * rebuilt for a server that sees every mapping).
 *
 * What it takes, cheapest first: what the shrinkers hold (per-CPU page
 * lists, empty slabs, cached file pages no task maps), clean page-cache
 * pages (unmapped from every task through the reverse map, dropped: the
 * archive still has the bytes), and private anonymous pages, which go to
 * the compressed store (mm/zstore.h): the frame-table entry becomes a
 * swap entry and the next touch brings the page back (swap.c).
 *
 * Which pages: the LRU lists (lru.c), aged from the hardware's accessed
 * bits.  An aging pass harvests the bits of every space through the core
 * (ft_age: one age_range call per 16 MiB of mapped address space, one TLB
 * shootdown each) into PG_referenced.  The inactive lists are scanned
 * from their old end: a referenced page gets a second chance on the
 * active list, an unreferenced one is taken.  The active lists are
 * scanned when they outgrow the inactive ones: referenced pages stay,
 * the others move down.  A pass is due before the scan could reach pages
 * newer than the last one (after as many pages as the inactive lists
 * held then), so no page is taken before its accessed bit was seen.
 *
 * When.  Each node has three marks above the allocator's watermarks,
 * with R = 1/64 of the node's memory (at least 32 pages):
 *   request floor  low + R      a request (MAP_ANON with POPULATE, SPAWN,
 *                               ...) takes no frame below it: it reclaims
 *                               first, and fails cleanly when it cannot
 *   kswapd wake    high + R     background reclaim starts below it
 *   kswapd target  high + R + (high - min)     and stops above it
 * and a page fault may go down to FAULT_META pages above the allocator's
 * min watermark before it reclaims directly, so a fault (which cannot
 * fail cleanly) finds the memory requests left, and the metadata its
 * frame needs (frame-table and reverse-map nodes, LRU links, the core's
 * page tables), which stops at min and never reclaims, finds the rest.  Background reclaim is the server's work item
 * (kswapd, one per node: a thread of the server asks for it between
 * requests, see mmserver/server/kswapd.c); direct reclaim runs inside the
 * allocation that found nothing (vm_frame_page in frame.c), with two
 * kinds of protection: the source of a copy (vm_reclaim_pin) and the
 * space an operation walks (vm_reclaim_held) are left alone.
 *
 * Anonymous pages are taken in batches of 32, sorted by space and
 * address: for each run of consecutive pages of a space, one age_range
 * call reads their accessed bits once more (a page touched since the last
 * pass stays: the passes are periodic, this look is not), and one
 * unmap_range call unmaps the rest (one shootdown); then they are
 * compressed.  A page the store refuses (it does not compress, or the
 * store is full) is mapped again and activated.  Only a
 * private page mapped once, in a private region that is not locked (the
 * IPC buffer the core writes is), is taken; shared memory stays.
 *
 * Not reentrant: the server runs one thing at a time.  With a thread per
 * CPU, reclaim will need the lists' and the spaces' locks; the work item
 * shape stays.
 */
#include <string.h>
#include <mneme/error.h>
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mm/shrinker.h"
#include "mm/zstore.h"
#include "vm_internal.h"

#define SWAP_CLUSTER 32u        /* pages a reclaim step aims for, and an eviction batch */
#define DEF_PRIORITY 12
#define KSWAPD_MAX_FAILURES 8
/* Pages a fault leaves above min for the metadata of the frame it takes (see "When"). */
#define FAULT_META 32u
/*
 * Store refusals (pages that do not compress) one reclaim call accepts
 * before it stops trying anonymous pages, once they outnumber the pages
 * it freed: a hog of random data would otherwise have every call try to
 * compress all of it, at every priority, and the server would do nothing
 * else.  The refused pages go to the active list, so the next call starts
 * past them.
 */
#define MAX_REFUSED (2 * SWAP_CLUSTER)

struct vm_vmstat vm_vmstat;
struct vm_space *vm_reclaim_held;
static uint64_t pinned[4];
static uint64_t scanned_since_age, age_budget;
static bool hopeless[MM_MAX_NUMNODES];        /* background reclaim gave up until memory comes back */
static uint64_t kswapd_failures[MM_MAX_NUMNODES];
uint64_t vm_kswapd_kick;                      /* bit n: node n wants its kswapd */

void vm_reclaim_pin(uint64_t pfn)
{
	for (unsigned i = 0; i < 4; i++)
		if (!pinned[i]) {
			pinned[i] = pfn;
			return;
		}
	MM_ASSERT(!"too many pinned frames");
}

void vm_reclaim_unpin(uint64_t pfn)
{
	for (unsigned i = 0; i < 4; i++)
		if (pinned[i] == pfn) {
			pinned[i] = 0;
			return;
		}
}

static bool is_pinned(uint64_t pfn)
{
	return pinned[0] == pfn || pinned[1] == pfn || pinned[2] == pfn || pinned[3] == pfn;
}

bool vm_reclaim_pinned(uint64_t pfn)
{
	return is_pinned(pfn);
}

/* ---- Marks ------------------------------------------------------------------- */

struct node_marks {
	uint64_t free, min, floor, wake, target;
};

static struct node_marks marks(int nid)
{
	struct node_marks m = { 0 };
	uint64_t low = 0, high = 0;
	unsigned top = 0;

	for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++)
		if (managed_zone(&NODE_DATA(nid)->node_zones[zi]))
			top = zi;
	for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++) {
		const struct zone *z = &NODE_DATA(nid)->node_zones[zi];
		if (!managed_zone(z))
			continue;
		/*
		 * A lower zone keeps its lowmem_reserve from the allocations of
		 * the node's top zone (tasks' frames and the metadata both start
		 * there): those pages are not free for them, so they count as min.
		 */
		uint64_t r = z->managed_pages / 64 > 32 ? z->managed_pages / 64 : 32;
		uint64_t keep = (uint64_t)z->lowmem_reserve[top];
		m.free += z->free_pages;
		m.min += min_wmark_pages(z) + keep;
		low += low_wmark_pages(z) + keep + r;
		high += high_wmark_pages(z) + keep + r;
	}
	m.floor = low;
	m.wake = high;
	m.target = high + (high > m.min ? high - m.min : 0) / 2;
	return m;
}

bool vm_alloc_allowed(void)
{
	int nid;

	for_each_online_node(nid) {
		struct node_marks m = marks(nid);
		if (m.free > (vm_in_fault ? m.min + FAULT_META : m.floor))
			return true;
	}
	return false;
}

void vm_alloc_watch(void)
{
	int nid;

	for_each_online_node(nid) {
		struct node_marks m = marks(nid);
		if (m.free >= m.wake)
			hopeless[nid] = false;
		else if (!hopeless[nid])
			vm_kswapd_kick |= 1ull << nid;
	}
}

bool vm_kswapd_wanted(int nid)
{
	struct node_marks m = marks(nid);

	return m.free < m.wake && !hopeless[nid];
}

void vm_reclaim_hope(void)
{
	memset(hopeless, 0, sizeof(hopeless));
}

/* ---- Aging ------------------------------------------------------------------- */

/* Harvest the accessed bits of every space, when a pass is due. */
static void maybe_age(void)
{
	int nid;

	if (scanned_since_age < age_budget)
		return;
	for (uint32_t i = 1; i < VM_MAX_SPACES; i++) {
		struct vm_space *s = vm_space_by_index(i);
		if (s)
			ft_age(s);
	}
	vm_vmstat.aging_passes++;
	scanned_since_age = 0;
	age_budget = 0;
	for_each_online_node(nid)
		age_budget += vm_lru_count(nid, VM_LRU_INACTIVE_ANON) + vm_lru_count(nid, VM_LRU_INACTIVE_FILE);
	if (age_budget < SWAP_CLUSTER)
		age_budget = SWAP_CLUSTER;
}

/* ---- Victims ------------------------------------------------------------------ */

struct victim {
	struct vm_space *s;
	uint64_t va, pfn;
	unsigned prot;                 /* what the page table gave it */
};

struct first_map {
	struct vm_space *s;
	uint64_t va;
	bool huge;
};

static int first_map(struct vm_space *s, uint64_t va, bool huge, void *ctx)
{
	*(struct first_map *)ctx = (struct first_map){ s, va, huge };
	return 1;
}

/* Is @pfn a private page mapped once, in a private region reclaim may take it from? */
static bool anon_victim(uint64_t pfn, struct victim *v)
{
	const struct page *p = pfn_to_page(pfn);
	struct first_map m = { 0 };

	if (p->owner != VM_OWNER_FRAME || p->mapcount != 1 || p->_refcount != 1 ||
	    !vm_rmap_walk(pfn, first_map, &m) || m.huge || !m.s || m.s == vm_reclaim_held)
		return false;
	const struct vm_region *r = vm_region_find(m.s, m.va);
	if (!r || r->kind != VM_ANON || (r->flags & VM_R_LOCKED))
		return false;
	uint64_t e = ft_lookup(m.s, m.va);
	*v = (struct victim){ m.s, m.va, pfn, vm_entry_prot(e, r->prot) };
	return true;
}

static int held_mapping(struct vm_space *s, uint64_t va, bool huge, void *ctx)
{
	(void)va, (void)huge, (void)ctx;
	return s == vm_reclaim_held;
}

/* Has a task touched the page at @va of @s since its accessed bit was last read? (clears it) */
static int young_mapping(struct vm_space *s, uint64_t va, bool huge, void *ctx)
{
	uint64_t bits[1];

	(void)huge, (void)ctx;
	return vm_backend_age(s, va & ~(VM_PAGE_SIZE - 1), VM_PAGE_SIZE, bits) > 0;
}

/* Drop the clean page-cache page @pfn (unmapped from every task first).  True if it went. */
static bool evict_file(uint64_t pfn)
{
	struct page *p = pfn_to_page(pfn);
	struct vm_object *o = vm_frame_object(pfn);

	if (!o || o->kind != VM_OBJ_FILE || vm_rmap_walk(pfn, held_mapping, NULL))
		return false;
	if (p->mapcount && vm_rmap_walk(pfn, young_mapping, NULL)) {
		p->flags |= PG_referenced;      /* in use: a second chance */
		return false;
	}
	if (p->mapcount && vm_rmap_unmap_all(pfn) < 0)
		return false;
	if (p->_refcount != 1)
		return false;                   /* someone still holds it (cannot happen: unmapped) */
	vm_object_drop_page(o, p->vm_index);
	return true;
}

static bool victim_before(const struct victim *a, const struct victim *b)
{
	return a->s->index != b->s->index ? a->s->index < b->s->index : a->va < b->va;
}

static bool store_full;            /* the store refused for capacity in this pass */

/*
 * Unmap the run v[i..j) (one space, consecutive pages) but for the pages
 * a task touched since their accessed bits were last read: those get a
 * second chance (v[k].s cleared).  One age_range and one unmap_range per
 * run of pages that go: a shootdown each, at most.
 */
static void unmap_run(struct victim *v, unsigned i, unsigned j)
{
	uint64_t bits[SWAP_CLUSTER / 64 + 1];

	if (vm_backend_age(v[i].s, v[i].va, (j - i) * VM_PAGE_SIZE, bits) <= 0)
		memset(bits, 0, sizeof(bits));
	for (unsigned k = i; k < j;) {
		if (bits[(k - i) / 64] & (1ull << ((k - i) % 64))) {
			pfn_to_page(v[k].pfn)->flags |= PG_referenced;
			v[k++].s = NULL;
			continue;
		}
		unsigned e = k + 1;
		while (e < j && !(bits[(e - i) / 64] & (1ull << ((e - i) % 64))))
			e++;
		vm_backend_unmap_range(v[k].s, v[k].va, (e - k) * VM_PAGE_SIZE);
		k = e;
	}
}

/*
 * Take a batch of anonymous pages: unmap (per run of neighbours: one
 * accessed-bit look, one unmap_range), then compress.  Returns the pages
 * freed.
 */
static uint64_t evict_anon(struct victim *v, unsigned n, uint64_t *refused)
{
	uint64_t freed = 0;

	for (unsigned i = 1; i < n; i++) {      /* insertion sort by space and address */
		struct victim x = v[i];
		unsigned j = i;
		for (; j && victim_before(&x, &v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	for (unsigned i = 0; i < n;) {
		unsigned j = i + 1;
		while (j < n && v[j].s == v[i].s && v[j].va == v[j - 1].va + VM_PAGE_SIZE)
			j++;
		unmap_run(v, i, j);
		i = j;
	}
	/* No task can touch them now: their bytes are stable. */
	for (unsigned i = 0; i < n; i++) {
		if (!v[i].s) {                  /* touched: kept, on the active list */
			vm_lru_activate(v[i].pfn);
			vm_vmstat.pgactivate++;
			continue;
		}
		zhandle_t h;
		int err = zstore_store(page_address(pfn_to_page(v[i].pfn)), &h);
		if (!err) {
			vm_swapout_entry(v[i].s, v[i].va, v[i].pfn, h);
			freed++;
			continue;
		}
		store_full |= err == -MNEME_EQUOTA;
		++*refused;
		if (v[i].prot)                  /* kept: mapped again (or its next touch maps it) */
			vm_backend_map(v[i].s, v[i].va, v[i].pfn << 12, 12, v[i].prot);
		vm_lru_activate(v[i].pfn);
		vm_vmstat.pgactivate++;
	}
	return freed;
}

/* ---- Scanning ----------------------------------------------------------------- */

struct scan {
	int nid;
	bool kswapd;
	uint64_t want, freed;
	uint64_t refused;              /* pages the store refused in this call */
};

static bool anon_possible(void)
{
	struct zstore_stats st;

	zstore_get_stats(&st);
	return !store_full && st.stored < st.capacity;
}

static bool anon_worth_it(const struct scan *sc)
{
	return (sc->refused < MAX_REFUSED || sc->refused <= sc->freed) && anon_possible();
}

/* Move unreferenced pages down from the active list of a kind; referenced ones stay. */
static void shrink_active(struct scan *sc, bool file, uint64_t nr)
{
	uint64_t pfn = vm_lru_tail(sc->nid, file ? VM_LRU_ACTIVE_FILE : VM_LRU_ACTIVE_ANON);

	for (uint64_t i = 0; i < nr && pfn; i++) {
		uint64_t prev = vm_lru_prev(pfn);
		struct page *p = pfn_to_page(pfn);
		vm_vmstat.pgrefill++;
		if (p->flags & PG_referenced) {
			p->flags &= ~PG_referenced;
			vm_lru_rotate(pfn);
		} else {
			vm_lru_deactivate(pfn);
			vm_vmstat.pgdeactivate++;
		}
		pfn = prev;
	}
}

/* Take unreferenced pages from the old end of the inactive list of a kind. */
static void shrink_inactive(struct scan *sc, bool file, uint64_t nr)
{
	struct victim batch[SWAP_CLUSTER];
	unsigned n = 0;
	uint64_t pfn = vm_lru_tail(sc->nid, file ? VM_LRU_INACTIVE_FILE : VM_LRU_INACTIVE_ANON);
	uint64_t steal = sc->freed;

	for (uint64_t i = 0; i < nr && pfn && sc->freed + n < sc->want &&
			     (file || anon_worth_it(sc)); i++) {
		uint64_t prev = vm_lru_prev(pfn);
		struct page *p = pfn_to_page(pfn);
		scanned_since_age++;
		*(sc->kswapd ? &vm_vmstat.pgscan_kswapd : &vm_vmstat.pgscan_direct) += 1;
		*(file ? &vm_vmstat.pgscan_file : &vm_vmstat.pgscan_anon) += 1;
		if (is_pinned(pfn)) {
			vm_lru_rotate(pfn);
		} else if (p->flags & PG_referenced) {
			p->flags &= ~PG_referenced;
			vm_lru_activate(pfn);
			vm_vmstat.pgactivate++;
		} else if (file) {
			if (evict_file(pfn))
				sc->freed++;
			else
				vm_lru_rotate(pfn);
		} else if (anon_victim(pfn, &batch[n])) {
			if (++n == SWAP_CLUSTER) {
				sc->freed += evict_anon(batch, n, &sc->refused);
				n = 0;
			}
		} else {
			vm_lru_activate(pfn);   /* shared or locked: not ours to take now */
			vm_vmstat.pgactivate++;
		}
		pfn = prev;
	}
	sc->freed += evict_anon(batch, n, &sc->refused);
	steal = sc->freed - steal;
	*(sc->kswapd ? &vm_vmstat.pgsteal_kswapd : &vm_vmstat.pgsteal_direct) += steal;
	*(file ? &vm_vmstat.pgsteal_file : &vm_vmstat.pgsteal_anon) += steal;
}

/* Reclaim up to @want pages of node @nid from its LRU lists, with rising pressure. */
static uint64_t shrink_node(int nid, uint64_t want, bool kswapd)
{
	struct scan sc = { nid, kswapd, want, 0, 0 };

	store_full = false;
	for (int prio = DEF_PRIORITY; prio >= 0 && sc.freed < want; prio--) {
		for (int file = 1; file >= 0 && sc.freed < want; file--) {
			if (!file && !anon_worth_it(&sc))
				continue;
			enum vm_lru in = file ? VM_LRU_INACTIVE_FILE : VM_LRU_INACTIVE_ANON;
			uint64_t inact = vm_lru_count(nid, in), act = vm_lru_count(nid, (enum vm_lru)(in + 1));
			uint64_t nr = (inact + act) >> prio;
			if (!nr)
				continue;
			maybe_age();
			if (inact < act)
				shrink_active(&sc, file, nr);
			shrink_inactive(&sc, file, nr);
		}
	}
	return sc.freed;
}

/*
 * Direct reclaim works only on nodes short of memory (free below the mark
 * that wakes kswapd).  When none is, the allocation failed for another
 * reason (no block long enough, a physical range the memory cannot meet,
 * an order beyond what exists) that taking pages from tasks cannot cure:
 * then nothing is reclaimed, so such a refused request leaves every task's
 * memory as it was.
 */
bool vm_direct_reclaim(void)
{
	uint64_t short_nodes = 0, freed = 0;
	int nid;

	for_each_online_node(nid)
		if (marks(nid).free < marks(nid).wake)
			short_nodes |= 1ULL << nid;
	if (!short_nodes)
		return false;
	vm_vmstat.allocstall++;
	freed = shrink_slab(SWAP_CLUSTER);
	for_each_online_node(nid)
		if (freed < SWAP_CLUSTER && (short_nodes >> nid & 1))
			freed += shrink_node(nid, SWAP_CLUSTER - freed, false);
	if (freed)
		vm_reclaim_hope();
	return freed != 0;
}

bool vm_kswapd_work(int nid)
{
	struct node_marks m = marks(nid);

	vm_kswapd_kick &= ~(1ull << nid);
	if (m.free >= m.target) {
		kswapd_failures[nid] = 0;
		return false;
	}
	vm_vmstat.pageoutrun++;
	uint64_t got = shrink_slab(SWAP_CLUSTER);
	got += shrink_node(nid, SWAP_CLUSTER, true);
	if (!got && ++kswapd_failures[nid] >= KSWAPD_MAX_FAILURES) {
		hopeless[nid] = true;           /* until memory comes back (vm_alloc_watch) */
		kswapd_failures[nid] = 0;
		return false;
	}
	if (got)
		kswapd_failures[nid] = 0;
	return marks(nid).free < m.target;
}

uint64_t vm_reclaim_now(uint64_t nr)
{
	uint64_t freed = shrink_slab(nr);
	int nid;

	for_each_online_node(nid)
		if (freed < nr)
			freed += shrink_node(nid, nr - freed, true);
	return freed;
}

/* ---- Configuration, the page cache's shrinker, the OOM measure ------------------------ */

static unsigned long pagecache_count(struct shrinker *sh)
{
	(void)sh;
	return vm_pagecache_pages();     /* an upper bound: the mapped ones stay */
}

static unsigned long pagecache_scan(struct shrinker *sh, unsigned long nr)
{
	(void)sh, (void)nr;
	return vm_pagecache_shrink();
}

static struct shrinker pagecache_shrinker = {
	.name = "pagecache", .count_objects = pagecache_count, .scan_objects = pagecache_scan,
};

int vm_reclaim_init(void)
{
	int err = vm_lru_init();

	if (!err)
		err = zstore_init();
	register_shrinker(&pagecache_shrinker);
	memset(hopeless, 0, sizeof(hopeless));
	scanned_since_age = age_budget = 0;
	return err;
}

void vm_reclaim_configure(uint64_t store_pages, uint64_t pool_pages)
{
	zstore_set_limits(store_pages, pool_pages);
}

uint64_t vm_oom_points(const struct vm_space *s)
{
	int64_t adj = s->oom_score_adj;

	if (adj <= -1000)
		return 0;
	int64_t points = (int64_t)(s->acct.resident + s->acct.swapped + s->acct.pt_pages + s->ftab_nodes);
	points += adj * (int64_t)totalram_pages() / 1000;
	return points > 0 ? (uint64_t)points : 1;
}
