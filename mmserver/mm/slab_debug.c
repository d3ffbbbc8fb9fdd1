/*
 * Slab debugging and introspection: red zones, poisoning and caller
 * tracking for debug caches; the invariant checker; statistics and
 * /proc/slabinfo.
 *
 * A debug cache (SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER) never uses
 * the allocation fast path, so every object is checked when it is handed
 * out and when it comes back.  Damage is reported through mm_printf and
 * the damaged object is withheld (never handed out again) so that the
 * allocator's own state stays consistent; see slub.c.
 */
#include "slab_internal.h"

static uint32_t slab_track_seq;

void slab_report(struct kmem_cache *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s)
		s->nr_errors++;
	mm_printf("slab %s: %s\n", s ? s->name : "?", msg);
}

/* ---- red zones, poison, tracks ------------------------------------------- */

/* Metadata after the free pointer: state word, tracks, orig size. */
static unsigned char *slab_meta(struct kmem_cache *s, void *obj)
{
	return (unsigned char *)obj + s->offset + sizeof(void *) + sizeof(uint64_t);
}

static struct slab_track *slab_get_track(struct kmem_cache *s, void *obj, enum slab_track_item t)
{
	return (struct slab_track *)slab_meta(s, obj) + t;
}

int slab_debug_bad_state(struct kmem_cache *s, const void *obj)
{
	uint32_t state = slab_debug_state(s, obj);

	if (state == SLAB_OBJ_FREE) {
		slab_report(s, "double free of object %p", obj);
		return -MNEME_EBUSY;
	}
	if (state == SLAB_OBJ_WITHHELD) {
		slab_report(s, "free of object %p, withheld after damage (double free?)", obj);
		return -MNEME_EBUSY;
	}
	slab_report(s, "free of object %p: object state %#x destroyed", obj, state);
	return -MNEME_EINVAL;
}

static void slab_set_track(struct kmem_cache *s, void *obj, enum slab_track_item t,
			   uintptr_t caller)
{
	struct slab_track *tr;

	if (!(s->flags & SLAB_STORE_USER))
		return;
	tr = slab_get_track(s, obj, t);
	tr->addr = caller;
	tr->cpu = mm_this_cpu();
	tr->seq = ++slab_track_seq;
}

static uintptr_t slab_last_caller(struct kmem_cache *s, void *obj, enum slab_track_item t)
{
	return (s->flags & SLAB_STORE_USER) ? slab_get_track(s, obj, t)->addr : 0;
}

static void slab_fill_redzones(struct kmem_cache *s, void *obj, int value)
{
	unsigned char *p = obj;

	memset(p - s->red_left_pad, value, s->red_left_pad);
	memset(p + s->object_size, value, s->inuse - s->object_size);
}

static void slab_poison_object(struct kmem_cache *s, void *obj)
{
	unsigned char *p = obj;

	memset(p, SLAB_POISON_FREE, s->object_size - 1);
	p[s->object_size - 1] = SLAB_POISON_END;
}

/* Bytes in [@p, @p + @len) that differ from @value; *@first gets the first. */
static unsigned slab_count_changed(const unsigned char *p, size_t len, int value,
				   const unsigned char **first)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] != (unsigned char)value) {
			if (!n)
				*first = p + i;
			n++;
		}
	}
	return n;
}

static uint64_t *slab_orig_size_slot(struct kmem_cache *s, void *obj)
{
	unsigned char *p = slab_meta(s, obj);

	if (s->flags & SLAB_STORE_USER)
		p += 2 * sizeof(struct slab_track);
	return (uint64_t *)p;
}

size_t slab_debug_usable(struct kmem_cache *s, void *obj)
{
	return slab_tracks_orig_size(s) ? *slab_orig_size_slot(s, obj) : s->object_size;
}

void slab_debug_set_orig_size(struct kmem_cache *s, void *obj, size_t size)
{
	if (!slab_tracks_orig_size(s) || size > s->object_size)
		return;
	*slab_orig_size_slot(s, obj) = size;
	memset((unsigned char *)obj + size, SLAB_RED_ACTIVE, s->object_size - size);
}

/* Check the kmalloc slack [orig size, object_size) of an allocated object. */
static bool slab_check_slack(struct kmem_cache *s, void *obj)
{
	size_t orig = slab_debug_usable(s, obj);
	const unsigned char *first = NULL;
	unsigned n;

	if (!slab_tracks_orig_size(s) || orig >= s->object_size)
		return true;
	n = slab_count_changed((unsigned char *)obj + orig, s->object_size - orig, SLAB_RED_ACTIVE,
			       &first);
	if (!n)
		return true;
	slab_report(s, "redzone overwritten at %p by %u bytes (after allocated object %p, "
		    "size %zu of %u)", (const void *)first, n, obj, orig, s->object_size);
	return false;
}

/* Check both red zones against @value; report and repair damage. */
static bool slab_check_redzones(struct kmem_cache *s, void *obj, int value, const char *state)
{
	unsigned char *p = obj;
	const unsigned char *first = NULL;
	unsigned left = slab_count_changed(p - s->red_left_pad, s->red_left_pad, value, &first);
	const unsigned char *lfirst = first;
	unsigned right = slab_count_changed(p + s->object_size, s->inuse - s->object_size, value,
					    &first);

	if (!left && !right)
		return true;
	if (left)
		slab_report(s, "redzone overwritten at %p by %u bytes (before %s object %p, size %u)",
			    (const void *)lfirst, left, state, obj, s->object_size);
	if (right)
		slab_report(s, "redzone overwritten at %p by %u bytes (after %s object %p, size %u)",
			    (const void *)first, right, state, obj, s->object_size);
	if (s->flags & SLAB_STORE_USER)
		mm_printf("slab %s:   object %p last allocated by %#lx, last freed by %#lx\n",
			  s->name, obj, (unsigned long)slab_last_caller(s, obj, TRACK_ALLOC),
			  (unsigned long)slab_last_caller(s, obj, TRACK_FREE));
	slab_fill_redzones(s, obj, value);
	return false;
}

static bool slab_check_poison(struct kmem_cache *s, void *obj)
{
	const unsigned char *p = obj, *first = NULL;
	unsigned n = slab_count_changed(p, s->object_size - 1, SLAB_POISON_FREE, &first);

	if (p[s->object_size - 1] != SLAB_POISON_END) {
		if (!n)
			first = p + s->object_size - 1;
		n++;
	}
	if (!n)
		return true;
	slab_report(s, "use after free: poison overwritten at %p by %u bytes (object %p, size %u, "
		    "last freed by %#lx)", (const void *)first, n, obj, s->object_size,
		    (unsigned long)slab_last_caller(s, obj, TRACK_FREE));
	return false;
}

void slab_debug_init_object(struct kmem_cache *s, void *obj)
{
	if (s->flags & SLAB_RED_ZONE)
		slab_fill_redzones(s, obj, SLAB_RED_INACTIVE);
	if (s->flags & SLAB_POISON)
		slab_poison_object(s, obj);
	if (s->flags & SLAB_STORE_USER)
		memset(slab_get_track(s, obj, TRACK_ALLOC), 0, 2 * sizeof(struct slab_track));
	*slab_debug_state_word(s, obj) = SLAB_OBJ_FREE;
}

bool slab_debug_alloc(struct kmem_cache *s, void *obj, uintptr_t caller)
{
	bool ok = true;

	if (slab_debug_state(s, obj) != SLAB_OBJ_FREE) {
		slab_report(s, "object %p on a freelist has state %#x", obj, slab_debug_state(s, obj));
		ok = false;
	}
	if (s->flags & SLAB_RED_ZONE)
		ok = slab_check_redzones(s, obj, SLAB_RED_INACTIVE, "free");
	if (s->flags & SLAB_POISON)
		ok = slab_check_poison(s, obj) && ok;
	if (!ok) {
		*slab_debug_state_word(s, obj) = SLAB_OBJ_WITHHELD;
		slab_report(s, "object %p withheld", obj);
		return false;
	}
	*slab_debug_state_word(s, obj) = SLAB_OBJ_LIVE;
	if (s->flags & SLAB_RED_ZONE)
		slab_fill_redzones(s, obj, SLAB_RED_ACTIVE);
	if (slab_tracks_orig_size(s))
		*slab_orig_size_slot(s, obj) = s->object_size;
	slab_set_track(s, obj, TRACK_ALLOC, caller);
	return true;
}

bool slab_debug_free(struct kmem_cache *s, void *obj, uintptr_t caller)
{
	bool slack_ok;

	slab_set_track(s, obj, TRACK_FREE, caller);
	slack_ok = slab_check_slack(s, obj);
	if ((s->flags & SLAB_RED_ZONE) &&
	    (!slab_check_redzones(s, obj, SLAB_RED_ACTIVE, "allocated") || !slack_ok)) {
		*slab_debug_state_word(s, obj) = SLAB_OBJ_WITHHELD;
		slab_report(s, "object %p withheld", obj);
		return false;
	}
	*slab_debug_state_word(s, obj) = SLAB_OBJ_FREE;
	if (s->flags & SLAB_RED_ZONE)
		slab_fill_redzones(s, obj, SLAB_RED_INACTIVE);
	if (s->flags & SLAB_POISON)
		slab_poison_object(s, obj);
	return true;
}

/* ---- walking a cache's slabs --------------------------------------------- */

#define SLAB_MAP_WORDS (((PAGE_SIZE << SLAB_MAX_ORDER) / 8 + 63) / 64)

/* One object bitmap per slab walk; at most PAGE_SIZE<<3 / 8 objects. */
struct slab_map {
	uint64_t bits[SLAB_MAP_WORDS];
};

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
		if (map->bits[idx / 64] & (1ull << (idx % 64))) {
			snprintf(why, len, "%s: object %p twice on the freelists of slab pfn %llu",
				 s->name, p, (unsigned long long)page_to_pfn(page));
			return -1;
		}
		map->bits[idx / 64] |= 1ull << (idx % 64);
		if (slab_debug(s) && slab_debug_state(s, p) != SLAB_OBJ_FREE) {
			snprintf(why, len, "%s: object %p on a freelist has state %#x", s->name, p,
				 slab_debug_state(s, p));
			return -1;
		}
	}
	return n;
}

/* Checks shared by every slab, wherever it is. */
static int slab_check_page(struct kmem_cache *s, struct page *page, char *why, size_t len)
{
	if (!(page->flags & PG_slab) || page->slab_cache != s || page->objects != s->objects) {
		snprintf(why, len, "%s: slab pfn %llu not PG_slab, owned by another cache or "
			 "wrong object count", s->name, (unsigned long long)page_to_pfn(page));
		return -1;
	}
	return 0;
}

/* A slab on a node list; *@nfree accumulates its free objects. */
static int slab_check_listed(struct kmem_cache *s, struct page *page, bool full,
			     uint64_t *nfree, char *why, size_t len)
{
	struct slab_map map = { { 0 } };
	long n;

	if (slab_check_page(s, page, why, len))
		return -1;
	if (slab_frozen(page) || (full ? page->inuse != page->objects : page->inuse >= page->objects)) {
		snprintf(why, len, "%s: slab pfn %llu on the %s list with inuse %u/%u%s", s->name,
			 (unsigned long long)page_to_pfn(page), full ? "full" : "partial",
			 page->inuse, page->objects, slab_frozen(page) ? " (frozen)" : "");
		return -1;
	}
	n = slab_map_freelist(s, page, page->freelist, &map, why, len);
	if (n < 0)
		return -1;
	if ((unsigned long)n != (unsigned)(page->objects - page->inuse)) {
		snprintf(why, len, "%s: slab pfn %llu has %ld free objects, inuse %u of %u",
			 s->name, (unsigned long long)page_to_pfn(page), n, page->inuse, page->objects);
		return -1;
	}
	*nfree += (uint64_t)n;
	return 0;
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

static int slab_check_cpu(struct kmem_cache *s, unsigned cpu, uint64_t *nfree, char *why,
			  size_t len)
{
	struct kmem_cache_cpu *c = &s->cpu[cpu];
	struct page *page = c->slab;
	struct slab_map map = { { 0 } };
	long nc, np;

	if (!page) {
		if (c->freelist || c->base != SLAB_NO_BASE) {
			snprintf(why, len, "%s: cpu %u has a freelist but no slab", s->name, cpu);
			return -1;
		}
		return 0;
	}
	if (slab_check_page(s, page, why, len))
		return -1;
	if (!slab_frozen(page) || page->slab_next != cpu ||
	    c->base != (uintptr_t)slab_address(page)) {
		snprintf(why, len, "%s: cpu %u slab pfn %llu not frozen to it", s->name, cpu,
			 (unsigned long long)page_to_pfn(page));
		return -1;
	}
	nc = slab_map_freelist(s, page, c->freelist, &map, why, len);
	np = nc < 0 ? -1 : slab_map_freelist(s, page, page->freelist, &map, why, len);
	if (np < 0)
		return -1;
	if ((unsigned long)np != (unsigned)(page->objects - page->inuse)) {
		snprintf(why, len, "%s: cpu %u slab has %ld remote frees, inuse %u of %u", s->name,
			 cpu, np, page->inuse, page->objects);
		return -1;
	}
	*nfree += (uint64_t)(nc + np);
	return 0;
}

static int slab_check_cache(struct kmem_cache *s, char *why, size_t len)
{
	struct kmem_cache_stats st;
	uint64_t nfree = 0, slabs = 0;

	for (unsigned i = 0; i < MM_NR_CPUS; i++) {
		if (slab_check_cpu(s, i, &nfree, why, len))
			return -1;
		slabs += s->cpu[i].slab != NULL;
	}
	for (unsigned i = 0; i < SLAB_NODES; i++) {
		if (slab_check_list(s, i, &s->node[i].partial, false, &nfree, why, len) ||
		    slab_check_list(s, i, &s->node[i].full, true, &nfree, why, len))
			return -1;
		if (!!(s->partial_nodes & (1ull << i)) != !!s->node[i].partial.count) {
			snprintf(why, len, "%s: partial_nodes bit %u wrong", s->name, i);
			return -1;
		}
		slabs += s->node[i].partial.count + s->node[i].full.count;
	}
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

	if (!why || !len) {
		why = scratch;
		len = sizeof(scratch);
	}
	why[0] = 0;
	for (struct kmem_cache *s = slab_caches; s; s = s->next)
		if (slab_check_cache(s, why, len))
			return -MNEME_ECORRUPT;
	return 0;
}

/* ---- statistics and slabinfo --------------------------------------------- */

void kmem_cache_stats(const struct kmem_cache *s, struct kmem_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < MM_NR_CPUS; i++) {
		st->allocs += s->cpu[i].allocs;
		st->frees += s->cpu[i].frees;
		st->cpu_slabs += s->cpu[i].slab != NULL;
	}
	for (unsigned i = 0; i < SLAB_NODES; i++) {
		st->partial_slabs += s->node[i].partial.count;
		st->full_slabs += s->node[i].full.count;
	}
	st->active_objs = st->allocs - st->frees;
	st->slabs = s->nr_slabs;
	st->total_objs = s->nr_slabs * s->objects;
	st->withheld = s->nr_withheld;
	st->errors = s->nr_errors;
	st->slab_allocs = s->nr_slab_allocs;
	st->slab_frees = s->nr_slab_frees;
}

/*
 * Append one line at *@pos if it fits whole (with the terminating NUL);
 * once a line does not fit, nothing more is written (*@full).
 */
static void slabinfo_put(char *buf, size_t len, size_t *pos, bool *full, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void slabinfo_put(char *buf, size_t len, size_t *pos, bool *full, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (*full || n < 0 || (size_t)n >= sizeof(line) || *pos + (size_t)n + 1 > len) {
		*full = true;
		return;
	}
	memcpy(buf + *pos, line, (size_t)n + 1);
	*pos += (size_t)n;
}

size_t slabinfo_dump(char *buf, size_t len)
{
	size_t pos = 0;
	bool full = false;

	if (!len)
		return 0;
	buf[0] = 0;
	slabinfo_put(buf, len, &pos, &full, "slabinfo - version: 2.1\n");
	slabinfo_put(buf, len, &pos, &full, "# name            <active_objs> <num_objs> <objsize> "
		     "<objperslab> <pagesperslab> : tunables <limit> <batchcount> "
		     "<sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	for (struct kmem_cache *s = slab_caches; s; s = s->next) {
		struct kmem_cache_stats st;

		kmem_cache_stats(s, &st);
		slabinfo_put(buf, len, &pos, &full, "%-17s %6llu %6llu %6u %4u %4u : tunables %4u %4u %4u"
			     " : slabdata %6llu %6llu %6u\n", s->name,
			     (unsigned long long)st.active_objs, (unsigned long long)st.total_objs,
			     s->size, s->objects, 1u << s->order, 0u, 0u, 0u,
			     (unsigned long long)st.slabs, (unsigned long long)st.slabs, 0u);
	}
	return pos;
}

unsigned long slab_nr_pages(void)
{
	unsigned long pages = 0;

	for (struct kmem_cache *s = slab_caches; s; s = s->next)
		pages += (unsigned long)s->nr_slabs << s->order;
	return pages;
}

/* ---- whole-cache validation ---------------------------------------------- */

static unsigned long slab_validate_slab(struct kmem_cache *s, struct page *page)
{
	struct slab_map map = { { 0 } };
	char why[128];
	unsigned long bad = 0;

	if (slab_map_freelist(s, page, page->freelist, &map, why, sizeof(why)) < 0 ||
	    (slab_frozen(page) &&
	     slab_map_freelist(s, page, s->cpu[page->slab_next].freelist, &map, why,
			       sizeof(why)) < 0)) {
		slab_report(s, "%s", why);
		return 1;
	}
	for (unsigned i = 0; i < s->objects; i++) {
		void *obj = slab_obj_at(s, page, i);
		bool is_free = map.bits[i / 64] & (1ull << (i % 64));

		if (is_free && (s->flags & SLAB_POISON) && !slab_check_poison(s, obj))
			bad++;
		if (is_free && (s->flags & SLAB_RED_ZONE) &&
		    !slab_check_redzones(s, obj, SLAB_RED_INACTIVE, "free"))
			bad++;
	}
	return bad;
}

unsigned long kmem_cache_validate(struct kmem_cache *s)
{
	unsigned long bad = 0;

	if (!slab_debug(s))
		return 0;
	for (unsigned i = 0; i < MM_NR_CPUS; i++)
		if (s->cpu[i].slab)
			bad += slab_validate_slab(s, s->cpu[i].slab);
	for (unsigned i = 0; i < SLAB_NODES; i++) {
		for (struct page *p = slab_list_first(&s->node[i].partial); p; p = slab_list_next(p))
			bad += slab_validate_slab(s, p);
		for (struct page *p = slab_list_first(&s->node[i].full); p; p = slab_list_next(p))
			bad += slab_validate_slab(s, p);
	}
	return bad;
}
