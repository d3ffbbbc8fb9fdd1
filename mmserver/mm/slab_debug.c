/*
 * Slab debugging and introspection: red zones, poisoning and caller
 * tracking for debug caches; statistics and /proc/slabinfo.  The
 * invariant checker and whole-cache validation are slab_check.c.
 *
 * A debug cache (SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER) never uses
 * the fast paths or an object cache, so every object is checked when it
 * is handed out and when it comes back.  Damage is reported through mm_printf and
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
		mm_counter_add(&s->nr_errors, 1);
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
	tr->seq = __atomic_add_fetch(&slab_track_seq, 1, __ATOMIC_RELAXED);
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

/* Problems found in a free object of a debug cache (poison, red zones); reported and repaired. */
unsigned slab_debug_check_free(struct kmem_cache *s, void *obj)
{
	unsigned bad = 0;

	if ((s->flags & SLAB_POISON) && !slab_check_poison(s, obj))
		bad++;
	if ((s->flags & SLAB_RED_ZONE) && !slab_check_redzones(s, obj, SLAB_RED_INACTIVE, "free"))
		bad++;
	return bad;
}

/* ---- statistics and slabinfo --------------------------------------------- */

/*
 * Counters of other CPUs are read without their owners' cooperation: a
 * snapshot, exact while they are outside the cache.
 */
void kmem_cache_stats(const struct kmem_cache *s, struct kmem_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < MM_NR_CPUS; i++) {
		const struct kmem_cache_cpu *c = &s->cpu[i];

		st->allocs += c->allocs;
		st->frees += c->frees;
		st->cpu_slabs += c->slab != NULL;
		st->cpu_partial_slabs += c->nr_partial;
		st->cpu_cached += c->nr_objs;
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
	spin_lock(&slab_mutex);
	for (struct kmem_cache *s = slab_caches; s; s = s->next) {
		struct kmem_cache_stats st;

		kmem_cache_stats(s, &st);
		/* tunables as Linux's SLAB shows its array caches: limit and batch count */
		slabinfo_put(buf, len, &pos, &full, "%-17s %6llu %6llu %6u %4u %4u : tunables %4u %4u %4u"
			     " : slabdata %6llu %6llu %6u\n", s->name,
			     (unsigned long long)st.active_objs, (unsigned long long)st.total_objs,
			     s->size, s->objects, 1u << s->order, s->cpu_cache_limit,
			     s->cpu_cache_batch, 0u, (unsigned long long)st.slabs,
			     (unsigned long long)st.slabs, 0u);
	}
	spin_unlock(&slab_mutex);
	return pos;
}

unsigned long slab_nr_pages(void)
{
	unsigned long pages = 0;

	spin_lock(&slab_mutex);
	for (struct kmem_cache *s = slab_caches; s; s = s->next)
		pages += (unsigned long)s->nr_slabs << s->order;
	spin_unlock(&slab_mutex);
	return pages;
}
