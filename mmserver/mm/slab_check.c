/*
 * The slab invariant checker and whole-cache validation: walk every slab
 * of a cache wherever it is (CPU slab, CPU partial slab, node partial or
 * full list), mark its free objects (freelists and the objects of every
 * CPU's object cache that lie in it) in a bitmap, and check counts, list
 * links, ownership and the frozen marks against each other.
 *
 * Both read every CPU's state: they are exact while the other CPUs are
 * outside the caches (see the rules in mm/slab.h).  They hold slab_mutex
 * for the walk of the cache list.
 */
#include "slab_internal.h"

#define SLAB_MAP_WORDS (((PAGE_SIZE << SLAB_MAX_ORDER) / 8 + 63) / 64)

/* One object bitmap per slab walk; at most PAGE_SIZE<<3 / 8 objects. */
struct slab_map {
	uint64_t bits[SLAB_MAP_WORDS];
};

/* Mark slot @idx; false if it was marked already. */
static bool slab_map_set(struct slab_map *map, long idx)
{
	uint64_t bit = 1ull << (idx % 64);

	if (map->bits[idx / 64] & bit)
		return false;
	map->bits[idx / 64] |= bit;
	return true;
}

/*
 * Mark the objects of freelist @p (in slab @page) in @map.  Returns the
 * count, or -1 with @why filled if an entry is outside the slab, off a
 * boundary, or already marked.
 */
static long slab_map_freelist(struct kmem_cache *s, struct page *page, void *p,
			      struct slab_map *map, char *why, size_t len)
{
	long n = 0;

	for (; p; p = get_freepointer(s, p), n++) {
		long idx = slab_obj_index(s, (uintptr_t)slab_address(page), p);

		if (idx < 0) {
			snprintf(why, len, "%s: freelist entry %p outside slab pfn %llu or misaligned",
				 s->name, p, (unsigned long long)page_to_pfn(page));
			return -1;
		}
		if (!slab_map_set(map, idx)) {
			snprintf(why, len, "%s: object %p twice on the freelists of slab pfn %llu",
				 s->name, p, (unsigned long long)page_to_pfn(page));
			return -1;
		}
		if (slab_debug(s) && slab_debug_state(s, p) != SLAB_OBJ_FREE) {
			snprintf(why, len, "%s: object %p on a freelist has state %#x", s->name, p,
				 slab_debug_state(s, p));
			return -1;
		}
	}
	return n;
}

/* ---- the objects in CPUs' object caches --------------------------------------- */

/*
 * Every object-cache entry of the cache being checked, sorted by address,
 * with whether a slab walk has accounted for it.  One table serves all
 * walks (they hold slab_mutex).
 */
static struct {
	uintptr_t addr[MM_NR_CPUS * SLAB_CPU_CACHE_MAX];
	bool seen[MM_NR_CPUS * SLAB_CPU_CACHE_MAX];
	unsigned n;
} cached;

/* Insertion sort of a few hundred words (the core has no qsort). */
static void sort_addrs(uintptr_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uintptr_t x = v[i];
		unsigned j = i;

		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Collect the object caches of @s; -1 with @why filled if a count is out of range. */
static int cached_collect(struct kmem_cache *s, char *why, size_t len)
{
	cached.n = 0;
	for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++) {
		const struct kmem_cache_cpu *c = &s->cpu[cpu];

		if (c->nr_objs > s->cpu_cache_limit || c->nr_partial > SLAB_CPU_PARTIAL) {
			snprintf(why, len, "%s: cpu %u holds %u objects (limit %u) and %u partial slabs",
				 s->name, cpu, c->nr_objs, s->cpu_cache_limit, c->nr_partial);
			return -1;
		}
		for (unsigned i = 0; i < c->nr_objs; i++) {
			cached.seen[cached.n] = false;
			cached.addr[cached.n++] = (uintptr_t)c->objs[i];
		}
	}
	sort_addrs(cached.addr, cached.n);
	return 0;
}

/*
 * Mark the object-cache entries lying in slab @page in @map.  Returns
 * their count, or -1 with @why filled for an entry off a boundary or an
 * object already marked (free twice).
 */
static long cached_map(struct kmem_cache *s, struct page *page, struct slab_map *map, char *why,
		       size_t len)
{
	uintptr_t base = (uintptr_t)slab_address(page), end = base + slab_bytes(s);
	unsigned lo = 0, hi = cached.n;
	long n = 0;

	while (lo < hi) {              /* first entry >= base */
		unsigned mid = (lo + hi) / 2;

		if (cached.addr[mid] < base)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (unsigned i = lo; i < cached.n && cached.addr[i] < end; i++, n++) {
		long idx = slab_obj_index(s, base, (void *)cached.addr[i]);

		if (idx < 0) {
			snprintf(why, len, "%s: object cache entry %#lx in slab pfn %llu misaligned",
				 s->name, (unsigned long)cached.addr[i],
				 (unsigned long long)page_to_pfn(page));
			return -1;
		}
		if (!slab_map_set(map, idx)) {
			snprintf(why, len, "%s: object %#lx twice on the freelists of slab pfn %llu "
				 "(object caches included)", s->name, (unsigned long)cached.addr[i],
				 (unsigned long long)page_to_pfn(page));
			return -1;
		}
		cached.seen[i] = true;
	}
	return n;
}

/* After every slab was walked: each entry lay in one of them. */
static int cached_all_seen(struct kmem_cache *s, char *why, size_t len)
{
	for (unsigned i = 0; i < cached.n; i++) {
		if (!cached.seen[i]) {
			snprintf(why, len, "%s: object cache entry %#lx is in no slab of the cache",
				 s->name, (unsigned long)cached.addr[i]);
			return -1;
		}
	}
	return 0;
}

/* ---- slabs ------------------------------------------------------------------ */

/* Checks shared by every slab, wherever it is: its head and tail marks and owner. */
static int slab_check_page(struct kmem_cache *s, struct page *page, char *why, size_t len)
{
	if ((page->flags & (PG_slab | PG_slab_tail)) != PG_slab || page->slab_cache != s ||
	    page->objects != s->objects) {
		snprintf(why, len, "%s: slab pfn %llu not PG_slab, owned by another cache or "
			 "wrong object count", s->name, (unsigned long long)page_to_pfn(page));
		return -1;
	}
	for (unsigned i = 1; i < 1u << s->order; i++) {
		if ((page[i].flags & (PG_slab | PG_slab_tail)) != PG_slab_tail ||
		    page[i].slab_cache != s) {
			snprintf(why, len, "%s: page %u of slab pfn %llu not marked as its tail",
				 s->name, i, (unsigned long long)page_to_pfn(page));
			return -1;
		}
	}
	return 0;
}

/*
 * The free objects of @page not on a CPU freelist: page->freelist must
 * hold objects - inuse of them; the object caches may hold more (counted
 * in inuse).  *@nfree accumulates both.
 */
static int slab_check_free(struct kmem_cache *s, struct page *page, struct slab_map *map,
			   uint64_t *nfree, char *why, size_t len)
{
	long n = slab_map_freelist(s, page, page->freelist, map, why, len), nc;

	if (n < 0)
		return -1;
	if ((unsigned long)n != (unsigned)(page->objects - page->inuse)) {
		snprintf(why, len, "%s: slab pfn %llu has %ld free objects, inuse %u of %u",
			 s->name, (unsigned long long)page_to_pfn(page), n, page->inuse, page->objects);
		return -1;
	}
	nc = cached_map(s, page, map, why, len);
	if (nc < 0)
		return -1;
	*nfree += (uint64_t)(n + nc);
	return 0;
}

/* A slab on a node list. */
static int slab_check_listed(struct kmem_cache *s, struct page *page, bool full,
			     uint64_t *nfree, char *why, size_t len)
{
	struct slab_map map = { { 0 } };

	if (slab_check_page(s, page, why, len))
		return -1;
	if (slab_frozen(page) || (full ? page->inuse != page->objects : page->inuse >= page->objects)) {
		snprintf(why, len, "%s: slab pfn %llu on the %s list with inuse %u/%u%s", s->name,
			 (unsigned long long)page_to_pfn(page), full ? "full" : "partial",
			 page->inuse, page->objects, slab_frozen(page) ? " (frozen)" : "");
		return -1;
	}
	return slab_check_free(s, page, &map, nfree, why, len);
}

static int slab_check_list(struct kmem_cache *s, unsigned nid, struct slab_list *l, bool full,
			   uint64_t *nfree, char *why, size_t len)
{
	uint32_t prev = PAGE_LIST_NIL;
	uint64_t count = 0;

	for (struct page *p = slab_list_first(l); p; p = slab_list_next(p)) {
		if (p->slab_prev != prev || ++count > l->count || page_to_nid(p) != nid) {
			snprintf(why, len, "%s: %s list broken at pfn %llu", s->name,
				 full ? "full" : "partial", (unsigned long long)page_to_pfn(p));
			return -1;
		}
		if (slab_check_listed(s, p, full, nfree, why, len))
			return -1;
		prev = (uint32_t)page_to_pfn(p);
	}
	if (count != l->count || l->tail != prev) {
		snprintf(why, len, "%s: %s list count %llu, found %llu", s->name,
			 full ? "full" : "partial", (unsigned long long)l->count,
			 (unsigned long long)count);
		return -1;
	}
	return 0;
}

/* CPU @cpu's slab: frozen to it, both freelists in the slab, remote frees counted. */
static int slab_check_cpu_slab(struct kmem_cache *s, unsigned cpu, uint64_t *nfree, char *why,
			       size_t len)
{
	struct kmem_cache_cpu *c = &s->cpu[cpu];
	struct page *page = c->slab;
	struct slab_map map = { { 0 } };
	long nc;

	if (!page) {
		if (c->freelist) {
			snprintf(why, len, "%s: cpu %u has a freelist but no slab", s->name, cpu);
			return -1;
		}
		return 0;
	}
	if (slab_check_page(s, page, why, len))
		return -1;
	if (!slab_is_cpu_slab(page) || slab_frozen_cpu(page) != cpu) {
		snprintf(why, len, "%s: cpu %u slab pfn %llu not frozen to it", s->name, cpu,
			 (unsigned long long)page_to_pfn(page));
		return -1;
	}
	nc = slab_map_freelist(s, page, c->freelist, &map, why, len);
	if (nc < 0)
		return -1;
	*nfree += (uint64_t)nc;
	return slab_check_free(s, page, &map, nfree, why, len);
}

/* CPU @cpu's partial slabs: frozen to it as partial slabs, each once, not full. */
static int slab_check_cpu_partial(struct kmem_cache *s, unsigned cpu, uint64_t *nfree,
				  char *why, size_t len)
{
	struct kmem_cache_cpu *c = &s->cpu[cpu];

	for (unsigned i = 0; i < c->nr_partial; i++) {
		struct page *page = c->partial[i];
		struct slab_map map = { { 0 } };

		bool twice = page == c->slab;

		if (slab_check_page(s, page, why, len))
			return -1;
		for (unsigned j = 0; j < i; j++)
			twice |= c->partial[j] == page;
		if (twice) {
			snprintf(why, len, "%s: cpu %u holds slab pfn %llu twice", s->name, cpu,
				 (unsigned long long)page_to_pfn(page));
			return -1;
		}
		if (!slab_frozen(page) || slab_is_cpu_slab(page) || slab_frozen_cpu(page) != cpu ||
		    page->inuse == page->objects) {
			snprintf(why, len, "%s: cpu %u partial slab pfn %llu not frozen to it as partial "
				 "(inuse %u/%u)", s->name, cpu, (unsigned long long)page_to_pfn(page),
				 page->inuse, page->objects);
			return -1;
		}
		if (slab_check_free(s, page, &map, nfree, why, len))
			return -1;
	}
	return 0;
}

static int slab_check_cache(struct kmem_cache *s, char *why, size_t len)
{
	struct kmem_cache_stats st;
	uint64_t nfree = 0, slabs = 0;

	if (cached_collect(s, why, len))
		return -1;
	for (unsigned i = 0; i < MM_NR_CPUS; i++) {
		if (slab_check_cpu_slab(s, i, &nfree, why, len) ||
		    slab_check_cpu_partial(s, i, &nfree, why, len))
			return -1;
		slabs += (s->cpu[i].slab != NULL) + s->cpu[i].nr_partial;
	}
	for (unsigned i = 0; i < SLAB_NODES; i++) {
		if (slab_check_list(s, i, &s->node[i].partial, false, &nfree, why, len) ||
		    slab_check_list(s, i, &s->node[i].full, true, &nfree, why, len))
			return -1;
		if (!!(s->partial_nodes & (1ull << i)) != !!s->node[i].partial.count) {
			snprintf(why, len, "%s: partial_nodes bit %u wrong", s->name, i);
			return -1;
		}
		if (spin_is_locked(&s->node[i].list_lock)) {
			snprintf(why, len, "%s: node %u list lock left held", s->name, i);
			return -1;
		}
		slabs += s->node[i].partial.count + s->node[i].full.count;
	}
	if (cached_all_seen(s, why, len))
		return -1;
	kmem_cache_stats(s, &st);
	if (slabs != s->nr_slabs || st.total_objs - nfree != st.active_objs + s->nr_withheld) {
		snprintf(why, len, "%s: %llu slabs listed, %llu counted; %llu objects, %llu free, "
			 "%llu active, %llu withheld", s->name, (unsigned long long)slabs,
			 (unsigned long long)s->nr_slabs, (unsigned long long)st.total_objs,
			 (unsigned long long)nfree, (unsigned long long)st.active_objs,
			 (unsigned long long)s->nr_withheld);
		return -1;
	}
	return 0;
}

int slab_check_invariants(char *why, size_t len)
{
	char scratch[8];
	int err = 0;

	if (!why || !len) {
		why = scratch;
		len = sizeof(scratch);
	}
	why[0] = 0;
	spin_lock(&slab_mutex);
	for (struct kmem_cache *s = slab_caches; s && !err; s = s->next)
		if (slab_check_cache(s, why, len))
			err = -MNEME_ECORRUPT;
	spin_unlock(&slab_mutex);
	return err;
}

/* ---- whole-cache validation ------------------------------------------------------ */

/* A debug cache's slab: freelists well formed, every free object's poison and red zones intact. */
static unsigned long slab_validate_slab(struct kmem_cache *s, struct page *page)
{
	struct slab_map map = { { 0 } };
	char why[128];
	unsigned long bad = 0;

	if (slab_map_freelist(s, page, page->freelist, &map, why, sizeof(why)) < 0 ||
	    (slab_is_cpu_slab(page) &&
	     slab_map_freelist(s, page, s->cpu[slab_frozen_cpu(page)].freelist, &map, why,
			       sizeof(why)) < 0)) {
		slab_report(s, "%s", why);
		return 1;
	}
	for (unsigned i = 0; i < s->objects; i++)
		if (map.bits[i / 64] & (1ull << (i % 64)))
			bad += slab_debug_check_free(s, slab_obj_at(s, page, i));
	return bad;
}

unsigned long kmem_cache_validate(struct kmem_cache *s)
{
	unsigned long bad = 0;

	if (!slab_debug(s))
		return 0;
	for (unsigned i = 0; i < MM_NR_CPUS; i++) {
		if (s->cpu[i].slab)
			bad += slab_validate_slab(s, s->cpu[i].slab);
		for (unsigned j = 0; j < s->cpu[i].nr_partial; j++)
			bad += slab_validate_slab(s, s->cpu[i].partial[j]);
	}
	for (unsigned i = 0; i < SLAB_NODES; i++) {
		for (struct page *p = slab_list_first(&s->node[i].partial); p; p = slab_list_next(p))
			bad += slab_validate_slab(s, p);
		for (struct page *p = slab_list_first(&s->node[i].full); p; p = slab_list_next(p))
			bad += slab_validate_slab(s, p);
	}
	return bad;
}
