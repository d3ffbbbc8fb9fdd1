/*
 * The shrinker registry (mm/shrinker.h) and the mm core's own two: the
 * slab caches and the per-CPU page lists.
 *
 * Why the per-CPU lists: their pages are free but sit outside the buddy
 * lists, where watermarks do not see them (Linux's NR_FREE_PAGES leaves
 * them out too); handing them back is the cheapest reclaim there is.  It
 * is asked last: the slabs a shrink frees land on those lists first.
 */
#include "mm/page_alloc.h"
#include "mm/shrinker.h"
#include "mm/slab.h"
#include "slab_internal.h"

static unsigned long slab_count(struct shrinker *s);
static unsigned long slab_scan(struct shrinker *s, unsigned long nr);
static unsigned long pcp_count(struct shrinker *s);
static unsigned long pcp_scan(struct shrinker *s, unsigned long nr);

static struct shrinker pcp_shrinker = {
	.name = "pcp", .count_objects = pcp_count, .scan_objects = pcp_scan,
};
static struct shrinker slab_shrinker = {
	.name = "slab", .count_objects = slab_count, .scan_objects = slab_scan, .next = &pcp_shrinker,
};
static struct shrinker *shrinkers = &slab_shrinker;
unsigned long shrink_slab_scanned;

void register_shrinker(struct shrinker *s)
{
	for (struct shrinker *x = shrinkers; x; x = x->next)
		if (x == s)
			return;
	s->next = shrinkers;
	shrinkers = s;
}

void unregister_shrinker(struct shrinker *s)
{
	for (struct shrinker **pp = &shrinkers; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			s->next = NULL;
			return;
		}
	}
}

unsigned long shrinkers_count(void)
{
	unsigned long n = 0;

	for (struct shrinker *s = shrinkers; s; s = s->next)
		n += s->count_objects(s);
	return n;
}

unsigned long shrink_slab(unsigned long nr)
{
	unsigned long total = shrinkers_count(), freed = 0;

	if (!total || !nr)
		return 0;
	for (struct shrinker *s = shrinkers; s && freed < nr; s = s->next) {
		unsigned long have = s->count_objects(s);
		if (!have)
			continue;
		unsigned long ask = nr * have / total;
		ask = ask ? ask : 1;
		unsigned long got = s->scan_objects(s, ask);
		s->nr_scanned += ask;
		s->nr_freed += got;
		shrink_slab_scanned += ask;
		freed += got;
	}
	return freed;
}

/* ---- The slab caches --------------------------------------------------------- */

/*
 * Pages of slabs beyond what their live objects need: what a shrink could
 * free at most (objects spread over more slabs than they fill keep those).
 */
static unsigned long slab_count(struct shrinker *sh)
{
	unsigned long spare = 0;

	(void)sh;
	spin_lock(&slab_mutex);
	for (struct kmem_cache *s = slab_caches; s; s = s->next) {
		struct kmem_cache_stats st;
		kmem_cache_stats(s, &st);
		uint64_t need = s->objects ? (st.active_objs + s->objects - 1) / s->objects : 0;
		if (st.slabs > need)
			spare += (unsigned long)(st.slabs - need) << s->order;
	}
	spin_unlock(&slab_mutex);
	return spare;
}

static unsigned long slab_scan(struct shrinker *sh, unsigned long nr)
{
	unsigned long before = slab_nr_pages();

	(void)sh, (void)nr;      /* shrinking is all or nothing per cache; it is cheap */
	kmem_cache_shrink_all();
	unsigned long after = slab_nr_pages();
	return before > after ? before - after : 0;
}

/* ---- The per-CPU page lists ---------------------------------------------------- */

static unsigned long pcp_count(struct shrinker *s)
{
	(void)s;
	return nr_pcp_pages();
}

static unsigned long pcp_scan(struct shrinker *s, unsigned long nr)
{
	unsigned long before = nr_pcp_pages();

	(void)s, (void)nr;
	drain_all_pages();
	return before - nr_pcp_pages();
}
