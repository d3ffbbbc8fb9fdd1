/*
 * Internals shared by slub.c (the allocator), slab_debug.c (red zones,
 * poisoning, validation, slabinfo) and kmalloc.c.  Not for other users.
 *
 * Object layout inside a slot of s->size bytes (debug parts only with the
 * matching flag):
 *
 *   | left red zone | object        | pad + right red zone | free ptr | state | tracks | orig size |
 *   |<-red_left_pad>|<-object_size->|                      |          |       |        |           |
 *                   ^ obj           ^ obj + object_size    ^ obj + s->offset
 *                   |<------------- s->inuse ------------->|
 *
 * A debug cache keeps each object's state (free, live, withheld) in a
 * word of its own, so a double free or a free of a withheld object is
 * caught exactly, without walking freelists.
 *
 * A red-zoned kmalloc cache also records the size asked for ("orig
 * size") and treats the slack between it and object_size as red zone, so
 * kmalloc(60) followed by a write to byte 60 is caught.
 *
 * Without debug flags or a constructor the free pointer lives at offset 0
 * inside the free object and the slot is just the aligned object.
 */
#ifndef MM_SLAB_INTERNAL_H
#define MM_SLAB_INTERNAL_H

#include "mm/slab.h"
#include "mm/sparse.h"
#include "mneme/error.h"

#include <stdio.h>
#include <string.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/*
 * page->slab_prev of a slab frozen to a CPU (its CPU slab or one of its
 * CPU partial slabs); page->slab_next then holds the CPU index, with
 * SLAB_CPU_PARTIAL_MARK for a CPU partial slab.
 */
#define SLAB_FROZEN 0xfffffffeu
#define SLAB_CPU_PARTIAL_MARK 0x80000000u


/* Last allocation or free of an object (SLAB_STORE_USER). */
struct slab_track {
	uintptr_t addr;   /* caller */
	uint32_t cpu;
	uint32_t seq;     /* global operation counter when it happened */
};
enum slab_track_item { TRACK_ALLOC, TRACK_FREE };

extern struct kmem_cache *slab_caches;      /* list of all caches (slab_mutex) */
extern spinlock_t slab_mutex;
extern struct kmem_cache *kmem_cache_cache; /* cache of struct kmem_cache */
extern unsigned int slab_debug_global;

/* ---- geometry -------------------------------------------------------- */

static inline size_t slab_bytes(const struct kmem_cache *s)
{
	return PAGE_SIZE << s->order;
}
static inline unsigned char *slab_address(const struct page *page)
{
	return page_address(page);
}
static inline bool slab_debug(const struct kmem_cache *s)
{
	return s->flags & SLAB_DEBUG_FLAGS;
}
/* Frozen to a CPU: its CPU slab or a CPU partial slab (on no node list). */
static inline bool slab_frozen(const struct page *page)
{
	return page->slab_prev == SLAB_FROZEN;
}
/* The CPU slab of some CPU (frozen, not a CPU partial slab). */
static inline bool slab_is_cpu_slab(const struct page *page)
{
	return slab_frozen(page) && !(page->slab_next & SLAB_CPU_PARTIAL_MARK);
}
/* The CPU a frozen slab belongs to. */
static inline unsigned slab_frozen_cpu(const struct page *page)
{
	return page->slab_next & ~SLAB_CPU_PARTIAL_MARK;
}
/* Slot index of @obj in the slab at @base, or -1 if not on a boundary. */
static inline long slab_obj_index(const struct kmem_cache *s, uintptr_t base, const void *obj)
{
	uintptr_t off = (uintptr_t)obj - base - s->red_left_pad;
	uint32_t idx;

	if (off >= s->objects_bytes)
		return -1;
	idx = (uint32_t)(((uint64_t)off * s->reciprocal_size) >> 32);
	if ((uintptr_t)idx * s->size != off)
		return -1;
	return idx;
}
static inline void *slab_obj_at(const struct kmem_cache *s, const struct page *page, unsigned idx)
{
	return slab_address(page) + (size_t)idx * s->size + s->red_left_pad;
}
static inline struct kmem_cache_node *slab_node(struct kmem_cache *s, const struct page *page)
{
	return &s->node[page_to_nid(page)];
}

/* ---- free pointers (hardened) ---------------------------------------- */

static inline uintptr_t freeptr_mask(const struct kmem_cache *s, const void *slot)
{
	return (uintptr_t)s->random ^ __builtin_bswap64((uint64_t)(uintptr_t)slot);
}
static inline void *get_freepointer(const struct kmem_cache *s, const void *obj)
{
	const unsigned char *slot = (const unsigned char *)obj + s->offset;
	uintptr_t v;

	memcpy(&v, slot, sizeof(v));
	return (void *)(v ^ freeptr_mask(s, slot));
}
static inline void set_freepointer(const struct kmem_cache *s, void *obj, const void *next)
{
	unsigned char *slot = (unsigned char *)obj + s->offset;
	uintptr_t v = (uintptr_t)next ^ freeptr_mask(s, slot);

	memcpy(slot, &v, sizeof(v));
}

/* ---- slab lists through page->slab_next/slab_prev --------------------- */

static inline void slab_list_init(struct slab_list *l)
{
	l->head = l->tail = PAGE_LIST_NIL;
	l->count = 0;
}
static inline void slab_list_add(struct slab_list *l, struct page *p)
{
	uint32_t pfn = (uint32_t)page_to_pfn(p);

	p->slab_prev = PAGE_LIST_NIL;
	p->slab_next = l->head;
	if (l->head != PAGE_LIST_NIL)
		pfn_to_page(l->head)->slab_prev = pfn;
	else
		l->tail = pfn;
	l->head = pfn;
	l->count++;
}
static inline void slab_list_add_tail(struct slab_list *l, struct page *p)
{
	uint32_t pfn = (uint32_t)page_to_pfn(p);

	p->slab_next = PAGE_LIST_NIL;
	p->slab_prev = l->tail;
	if (l->tail != PAGE_LIST_NIL)
		pfn_to_page(l->tail)->slab_next = pfn;
	else
		l->head = pfn;
	l->tail = pfn;
	l->count++;
}
static inline void slab_list_del(struct slab_list *l, struct page *p)
{
	if (p->slab_prev != PAGE_LIST_NIL)
		pfn_to_page(p->slab_prev)->slab_next = p->slab_next;
	else
		l->head = p->slab_next;
	if (p->slab_next != PAGE_LIST_NIL)
		pfn_to_page(p->slab_next)->slab_prev = p->slab_prev;
	else
		l->tail = p->slab_prev;
	p->slab_next = p->slab_prev = PAGE_LIST_NIL;
	l->count--;
}
static inline struct page *slab_list_first(const struct slab_list *l)
{
	return l->head == PAGE_LIST_NIL ? NULL : pfn_to_page(l->head);
}
static inline struct page *slab_list_next(const struct page *p)
{
	return p->slab_next == PAGE_LIST_NIL ? NULL : pfn_to_page(p->slab_next);
}

/* ---- slub.c ------------------------------------------------------------ */

/* Head page of the block containing @addr if it is a valid managed pfn, else NULL. */
struct page *slab_addr_to_page(const void *addr);
/*
 * Decide whether @obj may be freed to @s: in a slab of @s, on a boundary,
 * and (@full: by walking freelists and object caches; else only the
 * heads) not already free.  Prints the reason and returns a negative
 * mneme error if not.
 */
int slab_free_check(struct kmem_cache *s, struct page *page, const void *obj, bool full);
/* Is @obj on a freelist of its slab @page or in a CPU's object cache? */
bool slab_on_freelist(const struct kmem_cache *s, const struct page *page, const void *obj);
/* Free @obj (already validated) to its slab @page on the current CPU. */
void slab_free_validated(struct kmem_cache *s, struct page *page, void *obj, uintptr_t caller);
/*
 * Allocation when the object cache and the CPU freelist are empty, the
 * cache debugs, the object must be zeroed, or it should come from node
 * @nid (-1: any).  The newest object of the object cache serves if it is
 * on that node; otherwise the CPU slab, refilled from the node.
 */
void *slab_alloc_slowpath(struct kmem_cache *s, gfp_t gfp, int nid, uintptr_t caller);
/*
 * Give the @n oldest objects of CPU object cache @c back to their slabs
 * (slabs made partial become CPU partial slabs of @c while there is room
 * and @to_cpu_partial).  @c must be this CPU's, or its CPU quiescent.
 */
void slab_flush_cpu_cache(struct kmem_cache *s, struct kmem_cache_cpu *c, unsigned n,
			  bool to_cpu_partial);
struct kmem_cache *slab_create_internal(const char *name, unsigned int size, unsigned int align,
					unsigned int flags, void (*ctor)(void *));

static inline struct kmem_cache_cpu *this_cpu_slab(struct kmem_cache *s)
{
	return &s->cpu[mm_this_cpu()];
}

/* Push a validated free object onto this CPU's object cache (not for debug caches). */
static inline void slab_cpu_cache_push(struct kmem_cache *s, struct kmem_cache_cpu *c, void *obj)
{
	if (unlikely(c->nr_objs >= s->cpu_cache_limit))
		slab_flush_cpu_cache(s, c, s->cpu_cache_batch, true);
	c->objs[c->nr_objs++] = obj;
	c->frees++;
}

/*
 * The allocation fast path: the newest object of the object cache, else
 * the next of the CPU freelist.  A debug cache's object cache is always
 * empty, so only the freelist path has to test for one.
 */
static inline void *slab_alloc_fast(struct kmem_cache *s, gfp_t gfp, uintptr_t caller)
{
	struct kmem_cache_cpu *c = this_cpu_slab(s);
	unsigned n = c->nr_objs;
	void *obj;

	if (likely(n && !(gfp & __GFP_ZERO))) {
		c->nr_objs = n - 1;
		c->allocs++;
		return c->objs[n - 1];
	}
	obj = c->freelist;
	if (unlikely(!obj || slab_debug(s) || (gfp & __GFP_ZERO)))
		return slab_alloc_slowpath(s, gfp, -1, caller);
	c->freelist = get_freepointer(s, obj);
	c->allocs++;
	return obj;
}

/*
 * Head page of the slab containing @addr, or NULL if @addr is in no slab.
 * Every page of a slab names its cache (the head PG_slab, the others
 * PG_slab_tail), and slabs are naturally aligned blocks of their cache's
 * order, so the head is one step away whichever page @addr is in.
 */
static inline struct page *slab_page_of(const void *addr)
{
	uint64_t pfn = virt_to_pfn(addr);
	const struct kmem_cache *s;
	struct page *page;

	if (unlikely(!pfn_valid(pfn)))
		return NULL;
	page = mm_vmemmap() + pfn;
	if (unlikely(!(page->flags & (PG_slab | PG_slab_tail))))
		return NULL;
	s = page->slab_cache;
	page = mm_vmemmap() + (pfn & ~((1ull << s->order) - 1));
	return likely((page->flags & PG_slab) && page->slab_cache == s) ? page : NULL;
}

/* Is @obj the newest object of @c's object cache (so certainly free)? */
static inline bool slab_cpu_cache_top(const struct kmem_cache_cpu *c, const void *obj)
{
	return c->nr_objs && obj == c->objs[c->nr_objs - 1];
}

/*
 * Is byte offset @off into a slab of @s the start of an object?  Exact
 * for caches without a left red zone (every cache with an object cache).
 */
static inline bool slab_off_is_object(const struct kmem_cache *s, uintptr_t off)
{
	uint32_t idx = (uint32_t)(((uint64_t)off * s->reciprocal_size) >> 32);

	return off < s->objects_bytes && (uintptr_t)idx * s->size == off;
}

/*
 * Push @obj, at byte offset @off into its slab of @s, onto this CPU's
 * object cache if it is an object, there is room and it is not the newest
 * object there.  Otherwise change nothing and return false: the slow path
 * decides (a debug cache, whose limit is 0, always goes there; so does a
 * full object cache, a bad pointer or a double free, which it reports).
 */
static inline bool slab_cpu_cache_free(struct kmem_cache *s, struct kmem_cache_cpu *c,
				       void *obj, uintptr_t off)
{
	unsigned n = c->nr_objs;

	if (unlikely(!slab_off_is_object(s, off) || n >= s->cpu_cache_limit ||
		     (n && obj == c->objs[n - 1])))
		return false;
	c->objs[n] = obj;
	c->nr_objs = n + 1;
	c->frees++;
	return true;
}

/* The free fast path for @obj in slab @page, known to be a slab of @s (kfree). */
static inline bool slab_free_fast_page(struct kmem_cache *s, struct page *page, void *obj)
{
	return slab_cpu_cache_free(s, this_cpu_slab(s), obj,
				   (uintptr_t)obj - (uintptr_t)slab_address(page));
}

/*
 * The free fast path: @obj must lie in a slab of @s, whose head page is
 * found without a search because the cache's slabs are naturally aligned
 * blocks of its order (one struct page read; no test of whether @obj is
 * in the CPU slab, a branch that random frees would mispredict), then as
 * above.  A pointer into another cache's slab, a page that is no slab or
 * memory without a memmap goes to the slow path, which reports it.
 */
static inline bool slab_free_fast(struct kmem_cache *s, void *obj)
{
	uintptr_t pa = (uintptr_t)obj - mm_physmap_offset;
	struct page *page;

	if (unlikely(!pfn_valid(pa >> PAGE_SHIFT)))
		return false;
	page = mm_vmemmap() + ((pa & ~s->slab_mask) >> PAGE_SHIFT);
	if (unlikely(!(page->flags & PG_slab) || page->slab_cache != s))
		return false;
	return slab_cpu_cache_free(s, this_cpu_slab(s), obj, pa & s->slab_mask);
}

/* ---- slab_debug.c ------------------------------------------------------ */

void slab_report(struct kmem_cache *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fill a new object's red zones and poison. */
void slab_debug_init_object(struct kmem_cache *s, void *obj);
/* Check a free object before handing it out; false: corrupt, withhold it. */
bool slab_debug_alloc(struct kmem_cache *s, void *obj, uintptr_t caller);
/* Check an object being freed; false: corrupt (reported, repaired), withhold it. */
bool slab_debug_free(struct kmem_cache *s, void *obj, uintptr_t caller);
/* Red-zoned kmalloc cache: record the size kmalloc was asked for and guard the slack. */
void slab_debug_set_orig_size(struct kmem_cache *s, void *obj, size_t size);
/* Bytes of @obj the user may touch (orig size for red-zoned kmalloc caches). */
size_t slab_debug_usable(struct kmem_cache *s, void *obj);
static inline bool slab_tracks_orig_size(const struct kmem_cache *s)
{
	return (s->flags & (SLAB_RED_ZONE | SLAB_KMALLOC)) == (SLAB_RED_ZONE | SLAB_KMALLOC);
}
/* Object states of a debug cache (the words are ASCII, to read in a dump). */
#define SLAB_OBJ_FREE     0x45455246u /* "FREE" */
#define SLAB_OBJ_LIVE     0x4556494cu /* "LIVE" */
#define SLAB_OBJ_WITHHELD 0x444c4857u /* "WHLD" */
static inline uint32_t *slab_debug_state_word(const struct kmem_cache *s, const void *obj)
{
	return (uint32_t *)((unsigned char *)obj + s->offset + sizeof(void *));
}
static inline uint32_t slab_debug_state(const struct kmem_cache *s, const void *obj)
{
	return *slab_debug_state_word(s, obj);
}
/* Problems found in a free object of a debug cache (poison, red zones); reported and repaired. */
unsigned slab_debug_check_free(struct kmem_cache *s, void *obj);
/* Report a free of an object that is not live; returns the error for the caller. */
int slab_debug_bad_state(struct kmem_cache *s, const void *obj);

/* ---- kmalloc.c --------------------------------------------------------- */

int kmalloc_init(void);

#endif
