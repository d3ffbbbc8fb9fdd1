/*
 * SLUB-style slab caches with per-CPU object caches: the allocator proper
 * (see mm/slab.h for the design and the locking rules, and
 * mm/slab_internal.h for the object layout and the fast paths).
 *
 * Every slab is in exactly one of four places:
 *   - a CPU slab: page->slab_prev == SLAB_FROZEN, page->slab_next = CPU;
 *     its free objects are on cpu->freelist (private to the CPU) and on
 *     page->freelist (objects given back to it by other CPUs' object
 *     caches or by debug frees); page->inuse counts the objects not on
 *     page->freelist;
 *   - a CPU partial slab: frozen as above with SLAB_CPU_PARTIAL_MARK in
 *     slab_next, in cpu->partial[]; its free objects are on page->freelist;
 *   - the node's full list: inuse == objects, freelist NULL;
 *   - the node's partial list: 0 <= inuse < objects.
 * Objects in a CPU's object cache count as in use for their slabs.  A
 * slab whose last object comes back while it is on the partial list goes
 * back to the buddy unless the node keeps no more than min_partial
 * partial slabs; CPU partial slabs are kept until used or shrunk.
 *
 * Objects withheld by the debug code (damaged red zone or poison) stay
 * counted in inuse for good: their slab is not freed before the cache is
 * destroyed, which is the point, since its memory can no longer be
 * trusted.  Counters: per-CPU allocs - frees = objects users hold, and
 * objects in slabs - free objects (freelists and object caches) = that +
 * withheld (the checker's test).
 *
 * Lock order: slab_mutex, then one kmem_cache_node.list_lock at a time.
 * Slabs are taken from and given back to the page allocator with no slab
 * lock held but slab_mutex (the page allocator never calls the slab).
 */
#include "slab_internal.h"

struct kmem_cache *slab_caches;      /* under slab_mutex */
struct kmem_cache *kmem_cache_cache;
unsigned int slab_debug_global;
spinlock_t slab_mutex = SPINLOCK_INIT;

static struct kmem_cache boot_kmem_cache;
static uint64_t slab_random_state;

/* splitmix64: cheap per-cache secrets for freelist hardening. */
static uint64_t slab_next_random(const void *salt)
{
	uint64_t z = (slab_random_state += 0x9e3779b97f4a7c15ull) ^ (uintptr_t)salt;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void slab_debug_set_global(unsigned int flags)
{
	slab_debug_global = flags & SLAB_DEBUG_FLAGS;
}

unsigned int slab_debug_global_flags(void)
{
	return slab_debug_global;
}

int slab_debug_setup(const char *arg)
{
	unsigned int flags = 0;

	if (!arg || !*arg) {
		slab_debug_global = SLAB_DEBUG_FLAGS;
		return 0;
	}
	if (!strcmp(arg, "-")) {
		slab_debug_global = 0;
		return 0;
	}
	for (const char *p = arg; *p; p++) {
		switch (*p) {
		case 'F': case 'f': flags |= SLAB_CONSISTENCY_CHECKS; break;
		case 'Z': case 'z': flags |= SLAB_RED_ZONE; break;
		case 'P': case 'p': flags |= SLAB_POISON; break;
		case 'U': case 'u': flags |= SLAB_STORE_USER; break;
		default:
			mm_printf("slab: slub_debug=%s: unknown option '%c'\n", arg, *p);
			return -MNEME_EINVAL;
		}
	}
	slab_debug_global = flags;
	return 0;
}

/* ---- cache geometry ------------------------------------------------------ */

static unsigned int align_up(unsigned int v, unsigned int a)
{
	return (v + a - 1) & ~(a - 1);
}

static unsigned int ilog2u(unsigned int v)
{
	return 31u - (unsigned)__builtin_clz(v);
}

/*
 * Smallest order that wastes at most 1/8 of the slab while holding as
 * many objects as possible up to 32; failing that, the smallest that fits
 * one object.  Returns -1 if the slot exceeds the largest slab.
 */
static int slab_calculate_order(unsigned int size)
{
	for (unsigned int min = 32; min >= 1; min /= 2) {
		for (unsigned int order = 0; order <= SLAB_MAX_ORDER; order++) {
			size_t bytes = PAGE_SIZE << order;
			size_t n = bytes / size;

			if (n >= min && (bytes - n * size) * 8 <= bytes)
				return (int)order;
		}
	}
	for (unsigned int order = 0; order <= SLAB_MAX_ORDER; order++)
		if ((PAGE_SIZE << order) >= size)
			return (int)order;
	return -1;
}

/* Object alignment from the caller's request and the flags. */
static unsigned int slab_calculate_align(unsigned int size, unsigned int align, unsigned int flags)
{
	if (align < sizeof(void *))
		align = sizeof(void *);
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int line = 64;

		while (size <= line / 2 && line > sizeof(void *))
			line /= 2;
		if (line > align)
			align = line;
	}
	return align;
}

/*
 * Objects a CPU's object cache holds: about 16 KiB of small objects, fewer
 * of big ones (Linux's SLAB chose its array_cache limits alike).  Debug
 * caches have none: every object is checked on its way in and out.
 */
static unsigned int slab_cpu_cache_limit(const struct kmem_cache *s)
{
	if (slab_debug(s))
		return 0;
	if (s->size <= 256)
		return SLAB_CPU_CACHE_MAX;
	if (s->size <= 1024)
		return SLAB_CPU_CACHE_MAX / 2;
	if (s->size <= PAGE_SIZE)
		return SLAB_CPU_CACHE_MAX / 4;
	return SLAB_CPU_CACHE_MAX / 8;
}

/* Lay out the slot (see slab_internal.h).  Returns 0 or -MNEME_EINVAL. */
static int slab_calculate_sizes(struct kmem_cache *s)
{
	unsigned int flags = s->flags;
	unsigned int end;
	int order;

	s->inuse = align_up(s->object_size, sizeof(void *));
	if (flags & SLAB_RED_ZONE)
		s->inuse += sizeof(void *);
	end = s->inuse;
	if ((flags & SLAB_DEBUG_FLAGS) || s->ctor) {
		s->offset = end;      /* keep the object intact while free */
		end += sizeof(void *);
	} else {
		s->offset = 0;
	}
	if (flags & SLAB_DEBUG_FLAGS)
		end += sizeof(uint64_t);   /* object state: free, live or withheld */
	if (flags & SLAB_STORE_USER)
		end += 2 * sizeof(struct slab_track);
	if ((flags & (SLAB_RED_ZONE | SLAB_KMALLOC)) == (SLAB_RED_ZONE | SLAB_KMALLOC))
		end += sizeof(uint64_t);   /* requested size: the slack is red zone too */
	s->red_left_pad = (flags & SLAB_RED_ZONE) ? align_up(sizeof(void *), s->align) : 0;
	s->size = align_up(s->red_left_pad + end, s->align);
	order = slab_calculate_order(s->size);
	if (order < 0)
		return -MNEME_EINVAL;
	s->order = (unsigned)order;
	s->slab_mask = (PAGE_SIZE << order) - 1;
	s->objects = (unsigned)(slab_bytes(s) / s->size);
	s->reciprocal_size = (uint32_t)((1ull << 32) / s->size + 1);
	s->objects_bytes = s->objects * s->size;
	s->min_partial = ilog2u(s->size) / 2;
	if (s->min_partial < 2)
		s->min_partial = 2;
	if (s->min_partial > 5)
		s->min_partial = 5;
	s->cpu_cache_limit = slab_cpu_cache_limit(s);
	s->cpu_cache_batch = s->cpu_cache_limit / 2;
	return 0;
}

/* Fill in a zeroed struct kmem_cache.  Returns 0 or -MNEME_EINVAL. */
static int kmem_cache_setup(struct kmem_cache *s, const char *name, unsigned int size,
			    unsigned int align, unsigned int flags, void (*ctor)(void *))
{
	if (!name || !size || size > (PAGE_SIZE << SLAB_MAX_ORDER) ||
	    (align & (align - 1)) || align > PAGE_SIZE)
		return -MNEME_EINVAL;
	flags |= slab_debug_global;
	if (ctor)
		flags &= ~SLAB_POISON;   /* poison would destroy constructed state */
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->flags = flags;
	s->object_size = size;
	s->align = slab_calculate_align(size, align, flags);
	s->ctor = ctor;
	s->random = slab_next_random(s);
	if (flags & SLAB_CACHE_DMA)
		s->allocflags |= __GFP_DMA;
	else if (flags & SLAB_CACHE_DMA32)
		s->allocflags |= __GFP_DMA32;
	for (unsigned i = 0; i < SLAB_NODES; i++) {
		spin_lock_init(&s->node[i].list_lock);
		slab_list_init(&s->node[i].partial);
		slab_list_init(&s->node[i].full);
	}
	return slab_calculate_sizes(s);
}

/* ---- slabs --------------------------------------------------------------- */

/*
 * gfp bits a caller may pass down to the buddy for slab pages.  The zone
 * is the cache's (SLAB_CACHE_DMA*), not the caller's: a cache's slabs
 * must all be alike, since any of them may serve any later request.
 */
#define SLAB_GFP_MASK (__GFP_HIGH | __GFP_NOWARN | __GFP_THISNODE | __GFP_RECLAIM)

/*
 * Take a block from the buddy (preferring node @nid, -1: local) and carve
 * it into free objects, in order.  The slab is private to the caller
 * until it is frozen or listed.
 */
static struct page *new_slab(struct kmem_cache *s, gfp_t gfp, int nid)
{
	struct page *page = alloc_pages_node(nid, (gfp & SLAB_GFP_MASK) | s->allocflags, s->order);
	void *prev = NULL;

	if (!page)
		return NULL;
	page->flags |= PG_slab;
	page->slab_cache = s;
	for (unsigned i = 1; i < 1u << s->order; i++) {
		page[i].flags |= PG_slab_tail;
		page[i].slab_cache = s;
	}
	page->objects = (uint16_t)s->objects;
	page->inuse = 0;
	page->slab_next = page->slab_prev = PAGE_LIST_NIL;
	for (unsigned i = s->objects; i-- > 0;) {
		void *obj = slab_obj_at(s, page, i);

		if (slab_debug(s))
			slab_debug_init_object(s, obj);
		if (s->ctor)
			s->ctor(obj);
		set_freepointer(s, obj, prev);
		prev = obj;
	}
	page->freelist = prev;
	mm_counter_add(&s->nr_slabs, 1);
	mm_counter_add(&s->nr_slab_allocs, 1);
	return page;
}

/* Give an empty slab (on no list, no slab lock held but slab_mutex) back to the buddy. */
static void discard_slab(struct kmem_cache *s, struct page *page)
{
	int err;

	MM_ASSERT(page->inuse == 0 && !slab_frozen(page));
	page->flags &= ~PG_slab;
	page->slab_cache = NULL;
	for (unsigned i = 1; i < 1u << s->order; i++) {
		page[i].flags &= ~PG_slab_tail;
		page[i].slab_cache = NULL;
	}
	page->freelist = NULL;
	err = __free_pages(page, s->order);
	if (err)
		mm_panic("slab %s: buddy refused slab pfn %llu: %d", s->name,
			 (unsigned long long)page_to_pfn(page), err);
	mm_counter_add(&s->nr_slabs, -1);
	mm_counter_add(&s->nr_slab_frees, 1);
}

/* Lock the node of @page, first dropping *@held if that is another node's. */
static void slab_lock_node(struct kmem_cache *s, const struct page *page,
			   struct kmem_cache_node **held)
{
	struct kmem_cache_node *n = slab_node(s, page);

	if (*held == n)
		return;
	if (*held)
		spin_unlock(&(*held)->list_lock);
	spin_lock(&n->list_lock);
	*held = n;
}

/* The partial lists keep s->partial_nodes up to date (node lock held). */
static void partial_add(struct kmem_cache *s, struct page *page, bool tail)
{
	unsigned nid = page_to_nid(page);

	lockdep_assert_held(&s->node[nid].list_lock);
	if (tail)
		slab_list_add_tail(&s->node[nid].partial, page);
	else
		slab_list_add(&s->node[nid].partial, page);
	__atomic_fetch_or(&s->partial_nodes, 1ull << nid, __ATOMIC_RELAXED);
}

static void partial_del(struct kmem_cache *s, struct page *page)
{
	unsigned nid = page_to_nid(page);

	lockdep_assert_held(&s->node[nid].list_lock);
	slab_list_del(&s->node[nid].partial, page);
	if (!s->node[nid].partial.count)
		__atomic_fetch_and(&s->partial_nodes, ~(1ull << nid), __ATOMIC_RELAXED);
}

/*
 * Put a slab that just left a CPU on the list its fill level calls for
 * (node lock held).  Returns true for an empty slab the node does not
 * need: it is on no list and the caller discards it after unlocking.
 */
static bool slab_put_on_list(struct kmem_cache *s, struct page *page)
{
	struct kmem_cache_node *n = slab_node(s, page);

	lockdep_assert_held(&n->list_lock);
	page->slab_next = page->slab_prev = PAGE_LIST_NIL;
	if (page->inuse == page->objects)
		slab_list_add(&n->full, page);
	else if (page->inuse == 0 && n->partial.count >= s->min_partial)
		return true;
	else
		partial_add(s, page, page->inuse == 0);   /* empty ones last */
	return false;
}

/*
 * Make @page the CPU slab of @c (its node lock held, or the slab still
 * private to the caller): its whole freelist moves to the CPU.
 */
static void freeze_slab(struct kmem_cache_cpu *c, unsigned cpu, struct page *page)
{
	c->slab = page;
	c->freelist = page->freelist;
	page->freelist = NULL;
	page->inuse = page->objects;
	page->slab_prev = SLAB_FROZEN;
	page->slab_next = cpu;
}

/* Return the CPU slab of @c, with the CPU's free objects, to the lists. */
static void deactivate_slab(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct page *page = c->slab;
	struct kmem_cache_node *n = slab_node(s, page);
	void *tail = NULL;
	unsigned count = 0;
	bool discard;

	for (void *p = c->freelist; p; p = get_freepointer(s, p)) {
		tail = p;
		count++;
	}
	spin_lock(&n->list_lock);
	if (tail) {
		set_freepointer(s, tail, page->freelist);
		page->freelist = c->freelist;
	}
	MM_ASSERT(count <= page->inuse);
	page->inuse -= (uint16_t)count;
	c->slab = NULL;
	c->freelist = NULL;
	discard = slab_put_on_list(s, page);
	spin_unlock(&n->list_lock);
	if (discard)
		discard_slab(s, page);
}

/* Make @page (just off the node's full list, node lock held) a CPU partial slab of @c. */
static void cpu_partial_add(struct kmem_cache_cpu *c, unsigned cpu, struct page *page)
{
	MM_ASSERT(c->nr_partial < SLAB_CPU_PARTIAL);
	page->slab_prev = SLAB_FROZEN;
	page->slab_next = cpu | SLAB_CPU_PARTIAL_MARK;
	c->partial[c->nr_partial++] = page;
}

/* The newest CPU partial slab of @c on node @nid (-1: any), taken off the array, or NULL. */
static struct page *cpu_partial_take(struct kmem_cache_cpu *c, int nid)
{
	for (unsigned i = c->nr_partial; i-- > 0;) {
		struct page *page = c->partial[i];

		if (nid >= 0 && page_to_nid(page) != (unsigned)nid)
			continue;
		memmove(&c->partial[i], &c->partial[i + 1], (c->nr_partial - i - 1) * sizeof(page));
		c->nr_partial--;
		return page;
	}
	return NULL;
}

/* Give every CPU partial slab of @c back to the node lists. */
static void unfreeze_partials(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	while (c->nr_partial) {
		struct page *page = c->partial[--c->nr_partial];
		struct kmem_cache_node *n = slab_node(s, page);
		bool discard;

		spin_lock(&n->list_lock);
		discard = slab_put_on_list(s, page);
		spin_unlock(&n->list_lock);
		if (discard)
			discard_slab(s, page);
	}
}

/*
 * Freeze a partial slab of node @nid (-1: any node; the port has no
 * CPU-to-node map yet, so the lowest node that has one) as the CPU slab of
 * @c.  Returns false if there is none.
 */
static bool get_partial(struct kmem_cache *s, struct kmem_cache_cpu *c, unsigned cpu, int nid)
{
	uint64_t nodes = __atomic_load_n(&s->partial_nodes, __ATOMIC_RELAXED);
	struct kmem_cache_node *n;
	struct page *page;

	if (nid >= 0)
		nodes &= 1ull << nid;
	for (; nodes; nodes &= nodes - 1) {
		n = &s->node[__builtin_ctzll(nodes)];
		spin_lock(&n->list_lock);
		page = slab_list_first(&n->partial);
		if (page) {
			partial_del(s, page);
			freeze_slab(c, cpu, page);
		}
		spin_unlock(&n->list_lock);
		if (page)
			return true;
	}
	return false;
}

static inline bool slab_node_match(const struct page *page, int nid)
{
	return nid < 0 || page_to_nid(page) == (unsigned)nid;
}

/* Move the objects given back to the CPU slab of @c onto the CPU freelist; false if none. */
static bool take_remote_frees(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct page *page = c->slab;
	struct kmem_cache_node *n = slab_node(s, page);

	spin_lock(&n->list_lock);
	c->freelist = page->freelist;
	page->freelist = NULL;
	page->inuse = page->objects;
	spin_unlock(&n->list_lock);
	return c->freelist != NULL;
}

/*
 * The CPU freelist is empty (or on the wrong node): take the objects given
 * back to the CPU slab, else freeze a CPU partial slab, else a node
 * partial slab, else a new one.  Returns false only if the buddy is out of
 * memory.
 */
static bool slab_refill(struct kmem_cache *s, struct kmem_cache_cpu *c, unsigned cpu, gfp_t gfp,
			int nid)
{
	struct page *page = c->slab;

	if (page && !c->freelist && slab_node_match(page, nid) && take_remote_frees(s, c))
		return true;
	if (page)
		deactivate_slab(s, c);
	page = cpu_partial_take(c, nid);
	if (page) {
		struct kmem_cache_node *n = slab_node(s, page);

		spin_lock(&n->list_lock);
		freeze_slab(c, cpu, page);
		spin_unlock(&n->list_lock);
		return true;
	}
	if (get_partial(s, c, cpu, nid))
		return true;
	page = new_slab(s, gfp, nid);
	if (!page)
		return false;
	freeze_slab(c, cpu, page);
	return true;
}

/* ---- allocation ---------------------------------------------------------- */

/*
 * Allocate from the CPU slab, refilling it, from node @nid if it is not
 * -1.  A node preference holds for one refill only: if the buddy had to
 * fall back to another node, that slab serves.
 */
static void *slab_alloc_slow(struct kmem_cache *s, struct kmem_cache_cpu *c, gfp_t gfp,
			     int nid, uintptr_t caller)
{
	unsigned cpu = (unsigned)(c - s->cpu);
	void *obj;

	for (;;) {
		if (!c->freelist || !slab_node_match(c->slab, nid)) {
			if (!slab_refill(s, c, cpu, gfp, nid)) {
				if (!(gfp & __GFP_NOWARN))
					mm_printf("slab %s: out of memory (order %u)\n", s->name,
						  s->order);
				return NULL;
			}
			if (!c->freelist)
				continue;   /* a CPU partial slab drained meanwhile: refill again */
			nid = -1;
		}
		obj = c->freelist;
		c->freelist = get_freepointer(s, obj);
		if (!slab_debug(s) || slab_debug_alloc(s, obj, caller))
			break;
		mm_counter_add(&s->nr_withheld, 1);  /* damaged while free: never hand it out */
	}
	c->allocs++;
	return obj;
}

__attribute__((noinline)) void *slab_alloc_slowpath(struct kmem_cache *s, gfp_t gfp, int nid,
						     uintptr_t caller)
{
	struct kmem_cache_cpu *c = this_cpu_slab(s);
	void *obj;

	if (c->nr_objs && (nid < 0 || page_to_nid(virt_to_page(c->objs[c->nr_objs - 1])) ==
				      (unsigned)nid)) {
		obj = c->objs[--c->nr_objs];
		c->allocs++;
	} else {
		obj = slab_alloc_slow(s, c, gfp, nid, caller);
	}
	if (obj && (gfp & __GFP_ZERO))
		memset(obj, 0, s->object_size);
	return obj;
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	return slab_alloc_fast(s, gfp, (uintptr_t)__builtin_return_address(0));
}

void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t gfp, int nid)
{
	uintptr_t caller = (uintptr_t)__builtin_return_address(0);

	if (nid < 0)
		return slab_alloc_fast(s, gfp, caller);
	if (nid >= SLAB_NODES || !node_online(nid))
		nid = -1;
	return slab_alloc_slowpath(s, gfp, nid, caller);
}

/* ---- pointer lookup and validation --------------------------------------- */

struct page *slab_addr_to_page(const void *addr)
{
	uint64_t pfn = virt_to_pfn(addr);

	return pfn_valid(pfn) ? pfn_to_page(pfn) : NULL;
}

/* Is @obj one of the first @budget objects of freelist @p? */
static bool freelist_has(const struct kmem_cache *s, void *p, unsigned budget, const void *obj)
{
	for (; p && budget; p = get_freepointer(s, p), budget--)
		if (p == obj)
			return true;
	return false;
}

bool slab_on_freelist(const struct kmem_cache *s, const struct page *page, const void *obj)
{
	if (freelist_has(s, page->freelist, page->objects, obj))
		return true;
	if (slab_is_cpu_slab(page) &&
	    freelist_has(s, s->cpu[slab_frozen_cpu(page)].freelist, page->objects, obj))
		return true;
	for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++) {
		const struct kmem_cache_cpu *c = &s->cpu[cpu];

		for (unsigned i = 0; i < c->nr_objs; i++)
			if (c->objs[i] == obj)
				return true;
	}
	return false;
}

int slab_free_check(struct kmem_cache *s, struct page *page, const void *obj, bool full)
{
	struct kmem_cache_node *n;
	bool dup;

	if (!page) {
		slab_report(s, "free of %p: not a slab object", obj);
		return -MNEME_EINVAL;
	}
	if (page->slab_cache != s) {
		slab_report(s, "free of %p: object belongs to cache %s", obj, page->slab_cache->name);
		return -MNEME_EINVAL;
	}
	if (slab_obj_index(s, (uintptr_t)slab_address(page), obj) < 0) {
		slab_report(s, "free of %p: not at an object boundary", obj);
		return -MNEME_EINVAL;
	}
	if (slab_debug(s) && slab_debug_state(s, obj) != SLAB_OBJ_LIVE)
		return slab_debug_bad_state(s, obj);
	n = slab_node(s, page);
	spin_lock(&n->list_lock);
	dup = full ? slab_on_freelist(s, page, obj)
		   : obj == page->freelist || obj == this_cpu_slab(s)->freelist ||
		     slab_cpu_cache_top(this_cpu_slab(s), obj);
	spin_unlock(&n->list_lock);
	if (dup) {
		slab_report(s, "double free of object %p", obj);
		return -MNEME_EBUSY;
	}
	return 0;
}

/* ---- freeing ------------------------------------------------------------- */

/*
 * Free @obj to slab @page, which is not the CPU slab of @c (node lock
 * held).  A full slab becomes a CPU partial slab of @c (if
 * @to_cpu_partial and there is room) or a node partial slab.  Returns
 * true for a slab left empty that the node does not need: it is off the
 * lists and the caller discards it after unlocking.
 */
static bool slab_free_to_page(struct kmem_cache *s, struct kmem_cache_cpu *c, struct page *page,
			      void *obj, bool to_cpu_partial)
{
	struct kmem_cache_node *n = slab_node(s, page);
	bool was_full = page->inuse == page->objects;

	lockdep_assert_held(&n->list_lock);
	MM_ASSERT(page->inuse > 0);
	set_freepointer(s, obj, page->freelist);
	page->freelist = obj;
	page->inuse--;
	if (slab_frozen(page))
		return false;
	if (was_full) {
		slab_list_del(&n->full, page);
		if (to_cpu_partial && c->nr_partial < SLAB_CPU_PARTIAL) {
			cpu_partial_add(c, (unsigned)(c - s->cpu), page);
			return false;
		}
		partial_add(s, page, false);
	}
	if (page->inuse == 0 && n->partial.count > s->min_partial) {
		partial_del(s, page);
		return true;
	}
	return false;
}

__attribute__((noinline)) void slab_flush_cpu_cache(struct kmem_cache *s, struct kmem_cache_cpu *c,
						      unsigned n, bool to_cpu_partial)
{
	struct page *discard[SLAB_CPU_CACHE_MAX];
	struct kmem_cache_node *held = NULL;
	unsigned nr_discard = 0;

	if (n > c->nr_objs)
		n = c->nr_objs;
	for (unsigned i = 0; i < n; i++) {
		void *obj = c->objs[i];
		struct page *page = slab_page_of(obj);

		MM_ASSERT(page && page->slab_cache == s);
		if (page == c->slab) {
			set_freepointer(s, obj, c->freelist);
			c->freelist = obj;
			continue;
		}
		slab_lock_node(s, page, &held);
		if (slab_free_to_page(s, c, page, obj, to_cpu_partial))
			discard[nr_discard++] = page;
	}
	if (held)
		spin_unlock(&held->list_lock);
	for (unsigned i = 0; i < nr_discard; i++)
		discard_slab(s, discard[i]);
	memmove(c->objs, c->objs + n, (c->nr_objs - n) * sizeof(c->objs[0]));
	c->nr_objs -= n;
}

void slab_free_validated(struct kmem_cache *s, struct page *page, void *obj, uintptr_t caller)
{
	struct kmem_cache_cpu *c = this_cpu_slab(s);
	struct kmem_cache_node *n;
	bool discard;

	if (!slab_debug(s)) {
		slab_cpu_cache_push(s, c, obj);
		return;
	}
	c->frees++;
	if (!slab_debug_free(s, obj, caller)) {
		mm_counter_add(&s->nr_withheld, 1);
		return;
	}
	if (c->slab == page) {
		set_freepointer(s, obj, c->freelist);
		c->freelist = obj;
		return;
	}
	n = slab_node(s, page);
	spin_lock(&n->list_lock);
	discard = slab_free_to_page(s, c, page, obj, false);
	spin_unlock(&n->list_lock);
	if (discard)
		discard_slab(s, page);
}

static __attribute__((noinline)) void slab_free_slow(struct kmem_cache *s, void *obj,
						     uintptr_t caller)
{
	struct page *page = slab_page_of(obj);

	if (slab_free_check(s, page, obj, slab_debug(s)))
		return;
	slab_free_validated(s, page, obj, caller);
}

void kmem_cache_free(struct kmem_cache *s, void *obj)
{
	if (likely(slab_free_fast(s, obj)))
		return;
	if (obj)
		slab_free_slow(s, obj, (uintptr_t)__builtin_return_address(0));
}

int kmem_cache_free_checked(struct kmem_cache *s, void *obj)
{
	struct page *page = obj ? slab_page_of(obj) : NULL;
	int err = slab_free_check(s, page, obj, true);

	if (!err)
		slab_free_validated(s, page, obj, (uintptr_t)__builtin_return_address(0));
	return err;
}

struct kmem_cache *virt_to_cache(const void *obj)
{
	struct page *page = slab_page_of(obj);

	return page ? page->slab_cache : NULL;
}

/* ---- cache life cycle ---------------------------------------------------- */

/*
 * Give CPU @cpu's object cache, CPU partial slabs and CPU slab back to
 * the node lists (the CPU must be this one or quiescent).
 */
static void flush_cpu_state(struct kmem_cache *s, unsigned cpu)
{
	struct kmem_cache_cpu *c = &s->cpu[cpu];

	if (c->nr_objs)
		slab_flush_cpu_cache(s, c, c->nr_objs, false);
	unfreeze_partials(s, c);
	if (c->slab)
		deactivate_slab(s, c);
}

static void flush_cpu_slabs(struct kmem_cache *s)
{
	for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++)
		flush_cpu_state(s, cpu);
}

/* Move the slabs of @n's partial or full list (@only_empty: the empty ones) to @out (lock held). */
static void take_slabs(struct kmem_cache *s, struct kmem_cache_node *n, bool partial,
		       bool only_empty, struct slab_list *out)
{
	struct slab_list *l = partial ? &n->partial : &n->full;
	struct page *page = slab_list_first(l);

	lockdep_assert_held(&n->list_lock);
	while (page) {
		struct page *next = slab_list_next(page);

		if (!only_empty || page->inuse == 0) {
			if (partial)
				partial_del(s, page);
			else
				slab_list_del(l, page);
			slab_list_add(out, page);
		}
		page = next;
	}
}

/* Discard every slab on @l (off the node lists; @force: even with objects withheld). */
static unsigned long discard_list(struct kmem_cache *s, struct slab_list *l, bool force)
{
	unsigned long freed = 0;
	struct page *page;

	while ((page = slab_list_first(l))) {
		slab_list_del(l, page);
		if (force)
			page->inuse = 0;
		discard_slab(s, page);
		freed++;
	}
	return freed;
}

unsigned long kmem_cache_shrink(struct kmem_cache *s)
{
	unsigned long freed = 0;

	flush_cpu_slabs(s);
	for (unsigned i = 0; i < SLAB_NODES; i++) {
		struct kmem_cache_node *n = &s->node[i];
		struct slab_list empty;

		slab_list_init(&empty);
		spin_lock(&n->list_lock);
		take_slabs(s, n, true, true, &empty);
		spin_unlock(&n->list_lock);
		freed += discard_list(s, &empty, false);
	}
	return freed;
}

unsigned long kmem_cache_shrink_all(void)
{
	unsigned long freed = 0;

	spin_lock(&slab_mutex);
	for (struct kmem_cache *s = slab_caches; s; s = s->next)
		freed += kmem_cache_shrink(s);
	spin_unlock(&slab_mutex);
	return freed;
}

static uint64_t slab_active_objects(const struct kmem_cache *s)
{
	uint64_t allocs = 0, frees = 0;

	for (unsigned i = 0; i < MM_NR_CPUS; i++) {
		allocs += s->cpu[i].allocs;
		frees += s->cpu[i].frees;
	}
	return allocs - frees;
}

/* Free every slab of @s, including those holding only withheld objects. */
static void slab_free_all(struct kmem_cache *s)
{
	flush_cpu_slabs(s);
	for (unsigned i = 0; i < SLAB_NODES; i++) {
		struct kmem_cache_node *n = &s->node[i];
		struct slab_list all;

		slab_list_init(&all);
		spin_lock(&n->list_lock);
		take_slabs(s, n, true, false, &all);
		take_slabs(s, n, false, false, &all);
		spin_unlock(&n->list_lock);
		discard_list(s, &all, true);
	}
}

static void slab_unlink(struct kmem_cache *s)
{
	spin_lock(&slab_mutex);
	for (struct kmem_cache **pp = &slab_caches; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	spin_unlock(&slab_mutex);
}

int kmem_cache_destroy(struct kmem_cache *s)
{
	uint64_t live;

	if (!s)
		return 0;
	if (s->flags & SLAB_NO_DESTROY) {
		slab_report(s, "kmem_cache_destroy: boot or kmalloc cache, refused");
		return -MNEME_EPERM;
	}
	live = slab_active_objects(s);
	if (live) {
		slab_report(s, "kmem_cache_destroy: %llu objects still in use, refused",
			    (unsigned long long)live);
		return -MNEME_EBUSY;
	}
	slab_unlink(s);
	slab_free_all(s);
	kmem_cache_free(kmem_cache_cache, s);
	return 0;
}

struct kmem_cache *slab_create_internal(const char *name, unsigned int size, unsigned int align,
					unsigned int flags, void (*ctor)(void *))
{
	struct kmem_cache *s;

	if (!kmem_cache_cache)
		return NULL;
	s = kmem_cache_alloc(kmem_cache_cache, GFP_KERNEL | __GFP_ZERO);
	if (!s)
		return NULL;
	if (kmem_cache_setup(s, name, size, align, flags, ctor)) {
		mm_printf("kmem_cache_create %s: bad size %u or align %u\n",
			  name ? name : "(null)", size, align);
		kmem_cache_free(kmem_cache_cache, s);
		return NULL;
	}
	spin_lock(&slab_mutex);
	s->next = slab_caches;
	slab_caches = s;
	spin_unlock(&slab_mutex);
	return s;
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     unsigned int flags, void (*ctor)(void *))
{
	return slab_create_internal(name, size, align, flags & ~(SLAB_NO_DESTROY | SLAB_KMALLOC), ctor);
}

/* Point every page of slab @page at its cache @s. */
static void slab_set_owner(struct kmem_cache *s, struct page *page)
{
	for (unsigned i = 0; i < 1u << s->order; i++)
		page[i].slab_cache = s;
}

/* Point every slab of @s (now living at a new address) back at it. */
static void slab_fix_owner(struct kmem_cache *s)
{
	for (unsigned i = 0; i < MM_NR_CPUS; i++) {
		if (s->cpu[i].slab)
			slab_set_owner(s, s->cpu[i].slab);
		for (unsigned j = 0; j < s->cpu[i].nr_partial; j++)
			slab_set_owner(s, s->cpu[i].partial[j]);
	}
	for (unsigned i = 0; i < SLAB_NODES; i++) {
		for (struct page *p = slab_list_first(&s->node[i].partial); p; p = slab_list_next(p))
			slab_set_owner(s, p);
		for (struct page *p = slab_list_first(&s->node[i].full); p; p = slab_list_next(p))
			slab_set_owner(s, p);
	}
}

/*
 * Bootstrap as Linux does: a static kmem_cache serves its own first
 * object, the static copy moves into it, and its slabs are re-pointed.
 * Calling it again forgets every cache (host tests start afresh).
 */
int kmem_cache_init(void)
{
	struct kmem_cache *s;

	spin_lock_init(&slab_mutex);
	slab_caches = NULL;
	kmem_cache_cache = NULL;
	memset(&boot_kmem_cache, 0, sizeof(boot_kmem_cache));
	slab_random_state ^= (uintptr_t)&s ^ (uintptr_t)mm_vmemmap_base();
	if (kmem_cache_setup(&boot_kmem_cache, "kmem_cache", sizeof(struct kmem_cache),
			     64, SLAB_HWCACHE_ALIGN | SLAB_NO_DESTROY, NULL))
		return -MNEME_EINVAL;
	s = kmem_cache_alloc(&boot_kmem_cache, GFP_KERNEL);
	if (!s)
		return -MNEME_ENOMEM;
	memcpy(s, &boot_kmem_cache, sizeof(*s));
	slab_fix_owner(s);
	memset(&boot_kmem_cache, 0, sizeof(boot_kmem_cache));
	kmem_cache_cache = s;
	slab_caches = s;
	return kmalloc_init();
}
