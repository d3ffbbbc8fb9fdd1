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

/* page->slab_prev of a CPU slab; page->slab_next then holds the CPU index. */
#define SLAB_FROZEN 0xfffffffeu

/*
 * Base of a kmem_cache_cpu without a slab.  Addresses within a slab's
 * length above it are non-canonical on every architecture we run on, so
 * the fast free's slot check (slab_obj_index) always fails against it.
 */
#define SLAB_NO_BASE ((uintptr_t)1 << 63)

/* Last allocation or free of an object (SLAB_STORE_USER). */
struct slab_track {
	uintptr_t addr;   /* caller */
	uint32_t cpu;
	uint32_t seq;     /* global operation counter when it happened */
};
enum slab_track_item { TRACK_ALLOC, TRACK_FREE };

extern struct kmem_cache *slab_caches;      /* list of all caches */
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
static inline bool slab_frozen(const struct page *page)
{
	return page->slab_prev == SLAB_FROZEN;
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
 * and (@full: by walking freelists; else only the list heads) not already
 * free.  Prints the reason and returns a negative mneme error if not.
 */
int slab_free_check(struct kmem_cache *s, struct page *page, const void *obj, bool full);
/* Is @obj on a freelist of its slab @page (walks at most page->objects each)? */
bool slab_on_freelist(const struct kmem_cache *s, const struct page *page, const void *obj);
/* Free @obj (already validated) to its slab @page on the current CPU. */
void slab_free_validated(struct kmem_cache *s, struct page *page, void *obj, uintptr_t caller);
/*
 * Allocation when the CPU freelist is empty, the cache debugs, the object
 * must be zeroed, or it should come from node @nid (-1: any).
 */
void *slab_alloc_slowpath(struct kmem_cache *s, gfp_t gfp, int nid, uintptr_t caller);
struct kmem_cache *slab_create_internal(const char *name, unsigned int size, unsigned int align,
					unsigned int flags, void (*ctor)(void *));

/* The allocation fast path: pop the CPU freelist. */
static inline void *slab_alloc_fast(struct kmem_cache *s, gfp_t gfp, uintptr_t caller)
{
	struct kmem_cache_cpu *c = &s->cpu[mm_this_cpu()];
	void *obj = c->freelist;

	if (unlikely(!obj || slab_debug(s) || (gfp & __GFP_ZERO)))
		return slab_alloc_slowpath(s, gfp, -1, caller);
	c->freelist = get_freepointer(s, obj);
	c->allocs++;
	return obj;
}

/*
 * The free fast path: @obj is an object of this CPU's slab (range and
 * boundary checked) and not the object freed last.  Returns false, having
 * changed nothing, when the slow path must decide.
 */
static inline bool slab_free_fast(struct kmem_cache *s, void *obj)
{
	struct kmem_cache_cpu *c = &s->cpu[mm_this_cpu()];

	/* slab_obj_index() is also the range check: off the CPU slab, it fails. */
	if (unlikely(obj == c->freelist || slab_debug(s) || slab_obj_index(s, c->base, obj) < 0))
		return false;
	set_freepointer(s, obj, c->freelist);
	c->freelist = obj;
	c->frees++;
	return true;
}

/*
 * Head page of the slab containing @addr, or NULL if @addr is in no slab.
 * Slabs are naturally aligned buddy blocks of at most 2^SLAB_MAX_ORDER
 * pages, so the head is the first PG_slab page among the pfn's aligned
 * ancestors, and it must cover the pfn.
 */
static inline struct page *slab_page_of(const void *addr)
{
	uint64_t pfn = PHYS_PFN(mm_virt_to_phys(addr));
	struct page *map;

	if (unlikely(!pfn_valid(pfn)))
		return NULL;
	map = mm_vmemmap();
	for (unsigned k = 0; k <= SLAB_MAX_ORDER; k++) {
		uint64_t head = pfn & ~((1ull << k) - 1);
		struct page *page = map + head;

		if (page->flags & PG_slab)
			return pfn - head < (1ull << page->slab_cache->order) ? page : NULL;
	}
	return NULL;
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
/* Report a free of an object that is not live; returns the error for the caller. */
int slab_debug_bad_state(struct kmem_cache *s, const void *obj);

/* ---- kmalloc.c --------------------------------------------------------- */

int kmalloc_init(void);

#endif
