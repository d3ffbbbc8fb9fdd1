/*
 * Slab caches and kmalloc: small objects carved from buddy pages, in the
 * manner of Linux's SLUB.
 *
 * A cache hands out objects of one size.  Each slab is a block of 2^order
 * pages from the buddy allocator whose head struct page carries the slab
 * overlay (PG_slab, inuse, objects, freelist, slab_cache).  Free objects
 * hold the free pointer (hardened: XORed with a per-cache secret and the
 * pointer's own address).  Each CPU owns one active slab and allocates
 * and frees on it without touching struct page (the fast path); the slow
 * path refills from the per-node partial list and then from a new slab.
 * A slab that becomes empty goes back to the buddy once the node already
 * keeps min_partial partial slabs.
 *
 * Frees are checked before anything changes: a pointer outside the
 * cache's slabs or off an object boundary is reported and ignored, and
 * the *_checked variants also catch every double free and return an
 * error.  Debug caches (SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER, per
 * cache or for all caches through slab_debug_setup()) check red zones,
 * poison and object state on every allocation and free; a damaged object
 * is reported and withheld, never handed out again.
 *
 * Bring-up: mm_init() (the page allocator), then kmem_cache_init().
 * Not reentrant: the caller (the memory server) serialises calls.
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "mm/gfp.h"
#include "mm/mmzone.h"

/* Cache flags (kmem_cache_create @flags). */
#define SLAB_CONSISTENCY_CHECKS 0x00000100u /* full pointer checks on every free */
#define SLAB_RED_ZONE           0x00000400u /* guard bytes before and after each object */
#define SLAB_POISON             0x00000800u /* fill free objects with 0x6b, check on alloc */
#define SLAB_HWCACHE_ALIGN      0x00002000u /* align objects to a cache line */
#define SLAB_CACHE_DMA          0x00004000u /* slabs from ZONE_DMA */
#define SLAB_CACHE_DMA32        0x00008000u /* slabs from ZONE_DMA32 */
#define SLAB_STORE_USER         0x00010000u /* remember the last alloc and free caller */
#define SLAB_NO_DESTROY         0x10000000u /* internal: boot and kmalloc caches */
#define SLAB_KMALLOC            0x20000000u /* internal: a kmalloc cache (red zone covers the slack) */

#define SLAB_DEBUG_FLAGS (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)

/* Debug fill patterns (the values Linux uses, so dumps read the same). */
#define SLAB_POISON_FREE   0x6b /* free object bytes */
#define SLAB_POISON_END    0xa5 /* last byte of a free object */
#define SLAB_RED_INACTIVE  0xbb /* red zone of a free object */
#define SLAB_RED_ACTIVE    0xcc /* red zone of an allocated object */

#define SLAB_NAME_LEN   32
#define SLAB_MAX_ORDER  3      /* slabs are at most 8 pages */
#define SLAB_NODES      MM_MAX_NUMNODES /* one kmem_cache_node per possible node */

_Static_assert(SLAB_NODES <= 64, "kmem_cache.partial_nodes is a 64-bit mask");

/* A list of slabs threaded through page->slab_next/slab_prev (pfns). */
struct slab_list {
	uint32_t head;
	uint32_t tail;
	uint64_t count;
};

/* Per-node slab lists.  CPU slabs are on no list. */
struct kmem_cache_node {
	struct slab_list partial;   /* some objects free (may be empty: min_partial) */
	struct slab_list full;      /* no object free */
};

/*
 * The active slab of one CPU.  While a slab is a CPU slab its free objects
 * are on @freelist (owned by this CPU, no struct page access needed) and
 * on page->freelist (objects freed through the slow path); page->inuse
 * counts objects not on page->freelist.
 */
struct kmem_cache_cpu {
	void *freelist;             /* next free object (decoded pointer) */
	struct page *slab;          /* head page of the active slab, or NULL */
	uintptr_t base;             /* address of the active slab (fast free range check) */
	uint64_t allocs;            /* objects handed out by this CPU */
	uint64_t frees;             /* objects returned on this CPU */
} __attribute__((aligned(64)));

struct kmem_cache {
	struct kmem_cache_cpu cpu[MM_NR_CPUS];
	unsigned int flags;
	unsigned int object_size;   /* bytes the user asked for */
	unsigned int size;          /* stride between objects (slot size) */
	unsigned int offset;        /* free pointer offset from the object */
	unsigned int inuse;         /* object plus right red zone: where metadata starts */
	unsigned int red_left_pad;  /* left red zone width (0 without SLAB_RED_ZONE) */
	unsigned int align;
	unsigned int order;         /* slab order */
	unsigned int objects;       /* objects per slab */
	uint32_t reciprocal_size;   /* ceil(2^32 / size): slot index by multiplication */
	uint32_t objects_bytes;     /* objects * size: the part of a slab holding slots */
	unsigned int min_partial;   /* empty slabs a node keeps before freeing */
	gfp_t allocflags;           /* gfp bits added to every slab allocation */
	uint64_t random;            /* freelist hardening secret */
	void (*ctor)(void *obj);
	uint64_t partial_nodes;     /* bit n: node[n].partial is not empty */
	struct kmem_cache_node node[SLAB_NODES];
	uint64_t nr_slabs;          /* slabs owned (cpu + partial + full) */
	uint64_t nr_withheld;       /* debug: corrupt objects taken out of service */
	uint64_t nr_errors;         /* debug and validation reports */
	uint64_t nr_slab_allocs;    /* slabs taken from the buddy */
	uint64_t nr_slab_frees;     /* slabs returned to the buddy */
	struct kmem_cache *next;    /* all caches, newest first */
	char name[SLAB_NAME_LEN];
};

/* Snapshot of a cache's counters (kmem_cache_stats). */
struct kmem_cache_stats {
	uint64_t active_objs;       /* objects held by users */
	uint64_t total_objs;        /* objects in all slabs */
	uint64_t slabs;
	uint64_t cpu_slabs;
	uint64_t partial_slabs;
	uint64_t full_slabs;
	uint64_t allocs;
	uint64_t frees;
	uint64_t withheld;
	uint64_t errors;
	uint64_t slab_allocs;
	uint64_t slab_frees;
};

/*
 * Set up the boot cache of struct kmem_cache and the kmalloc caches.  The
 * buddy allocator must be running.  Debug flags given earlier through
 * slab_debug_set_global() apply to every cache created from then on.
 * Returns 0 or -MNEME_ENOMEM.
 */
int kmem_cache_init(void);
/* Debug flags (SLAB_DEBUG_FLAGS subset) OR-ed into every new cache. */
void slab_debug_set_global(unsigned int flags);
/*
 * The same from a Linux-style "slub_debug=" value: empty (all checks),
 * or letters F (consistency checks), Z (red zone), P (poison), U (store
 * user), or "-" (none).  Returns 0 or -MNEME_EINVAL (nothing changed).
 */
int slab_debug_setup(const char *arg);
/* The debug flags new caches get. */
unsigned int slab_debug_global_flags(void);

/*
 * Create a cache of @size-byte objects aligned to @align (0 or a power
 * of two <= PAGE_SIZE).  @ctor, if given, runs once on each object when
 * its slab is created; objects must be freed in constructed state.
 * Returns the cache, or NULL (bad arguments, no memory).
 */
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     unsigned int flags, void (*ctor)(void *));
/*
 * Destroy an empty cache and give all its slabs back.  Returns 0, or
 * -MNEME_EBUSY (objects still live; nothing changes, a report is printed),
 * -MNEME_EPERM (a boot or kmalloc cache).
 */
int kmem_cache_destroy(struct kmem_cache *s);
/* Flush CPU slabs and free every empty slab.  Returns slabs released. */
unsigned long kmem_cache_shrink(struct kmem_cache *s);
/* kmem_cache_shrink() on every cache (memory pressure, tests). */
unsigned long kmem_cache_shrink_all(void);

/* An object from @s or NULL.  __GFP_ZERO zeroes it. */
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp);
/*
 * Same, from a slab on node @nid (-1: any) where that node has memory;
 * otherwise from wherever the page allocator falls back to.
 */
void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t gfp, int nid);
/*
 * Return @obj to @s.  A pointer outside the slabs of @s or off an object
 * boundary, and a double free of the object freed last, are reported and
 * ignored (state unchanged).  An older double free is caught only in
 * debug caches or by the checked variant, which walks the freelists: use
 * it where the caller cannot vouch for the pointer.
 */
void kmem_cache_free(struct kmem_cache *s, void *obj);
/*
 * Same, after validating @obj completely (slab page of @s, object
 * boundary, not already free).  Returns 0, -MNEME_EINVAL (not an object
 * of @s) or -MNEME_EBUSY (already free).  Nothing changes on error.
 */
int kmem_cache_free_checked(struct kmem_cache *s, void *obj);

/* kmalloc: size classes 8 .. 8192 bytes; larger goes to the buddy. */
#define KMALLOC_MAX_CACHE_SIZE 8192u
#define KMALLOC_MIN_SIZE 8u
#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(p) ((uintptr_t)(p) <= (uintptr_t)ZERO_SIZE_PTR)

/*
 * @size bytes, aligned to at least 8 and to the largest power of two that
 * divides the size class (capped at PAGE_SIZE); large requests are page
 * aligned.  kmalloc(0) returns ZERO_SIZE_PTR.  NULL on failure.
 */
void *kmalloc(size_t size, gfp_t gfp);
/* kmalloc from node @nid (-1: any), as kmem_cache_alloc_node(). */
void *kmalloc_node(size_t size, gfp_t gfp, int nid);
void *kzalloc(size_t size, gfp_t gfp);
/*
 * Resize @p to @new_size, keeping the old contents up to the smaller size.
 * Reuses @p when it is large enough.  @new_size 0 frees @p and returns
 * ZERO_SIZE_PTR.  NULL on failure (then @p is untouched) or if @p is not
 * a live kmalloc object.
 */
void *krealloc(const void *p, size_t new_size, gfp_t gfp);
/*
 * Usable bytes at @p: the size class (for red-zoned debug kmalloc caches,
 * the size asked for), 0 if @p is not a kmalloc object.
 */
size_t ksize(const void *p);
/* Free a kmalloc object (checks as kmem_cache_free); NULL and ZERO_SIZE_PTR are no-ops. */
void kfree(const void *p);
/* Validating kfree: 0, -MNEME_EINVAL (not a live kmalloc object), -MNEME_EBUSY (already free). */
int kfree_checked(const void *p);
/* The kmalloc cache serving @size with @gfp (NULL for large sizes). */
struct kmem_cache *kmalloc_slab(size_t size, gfp_t gfp);

/* Cache that owns @obj, or NULL if @obj is not inside a slab. */
struct kmem_cache *virt_to_cache(const void *obj);

void kmem_cache_stats(const struct kmem_cache *s, struct kmem_cache_stats *st);
/*
 * /proc/slabinfo (version 2.1) for all caches into @buf, as the dumps of
 * mm/mm_dump.h: at most @len - 1 bytes plus a NUL (nothing if @len is 0),
 * cut after the last whole line that fits.  Returns the bytes written
 * (excluding the NUL).
 */
size_t slabinfo_dump(char *buf, size_t len);
/* Pages held by all slab caches (meminfo's Slab:, in pages). */
unsigned long slab_nr_pages(void);
/*
 * Check every cache: counts against freelists, no object twice on a
 * freelist, objects on slot boundaries, list links, PG_slab and owner of
 * every slab page.  Returns 0, or -MNEME_ECORRUPT with the first problem
 * described in @why.
 */
int slab_check_invariants(char *why, size_t len);
/*
 * Debug caches: check red zones and poison of every object in @s and
 * report damage.  Returns the number of problems found.
 */
unsigned long kmem_cache_validate(struct kmem_cache *s);

#endif
