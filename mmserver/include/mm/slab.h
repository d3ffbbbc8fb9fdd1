/*
 * Slab caches and kmalloc: small objects carved from buddy pages, in the
 * manner of Linux's SLUB, with a per-CPU object cache in front (Bonwick's
 * magazines; Linux's SLAB array_cache and, lately, SLUB's sheaves).
 *
 * A cache hands out objects of one size.  Each slab is a block of 2^order
 * pages from the buddy allocator whose head struct page carries the slab
 * overlay (PG_slab, inuse, objects, freelist, slab_cache).  Free objects
 * on a freelist hold the free pointer (hardened: XORed with a per-cache
 * secret and the pointer's own address).
 *
 * Each CPU owns, per cache (struct kmem_cache_cpu):
 *   - an object cache: an array of free objects of any slab of the cache,
 *     newest last.  kmem_cache_free() checks the pointer (one read of its
 *     slab's struct page) and pushes it; kmem_cache_alloc() pops the
 *     newest.  Neither touches the object.  When the array is full, its
 *     oldest half goes back to the slabs in one pass (the only place where
 *     frees change struct page on the common path);
 *   - the CPU slab: allocation continues on its freelist when the object
 *     cache is empty (SLUB's c->freelist), without touching struct page;
 *   - a few CPU partial slabs (SLUB's cpu_partial): full slabs that got
 *     objects back through this CPU's object cache.  The CPU slab is
 *     refilled from them before the node lists are searched.
 * So random frees over a large live set cost what the alloc+free pair
 * does: a pointer check and an array store.  The slow path refills from
 * the CPU slab's remote frees, then a CPU partial slab, then the node's
 * partial list, then a new slab.  A slab that becomes empty goes back to
 * the buddy once its node already keeps min_partial partial slabs.
 *
 * Concurrency (the server runs one thread today; one thread per CPU is
 * planned, issue 9, and these rules are already followed and, in debug
 * builds, checked):
 *   - struct kmem_cache_cpu of CPU n is touched only by code running on
 *     CPU n (mm_this_cpu() == n), with no lock: the fast paths take none.
 *     The exceptions are whole-cache operations that read or flush every
 *     CPU's state (kmem_cache_shrink, kmem_cache_destroy, the checker,
 *     kmem_cache_validate, and the checked frees' search of the object
 *     caches): they are exact only while the other CPUs are outside the
 *     cache, which the server must guarantee once it has several threads
 *     (Linux runs such flushes on each CPU in turn).
 *   - kmem_cache_node.list_lock protects the node's partial and full
 *     lists and, for every slab of that node, page->freelist, page->inuse
 *     and the slab's list links and frozen mark.  A CPU holds at most one
 *     node lock at a time and never calls the page allocator under it.
 *   - the cache-wide counters (nr_slabs, ...) and partial_nodes are
 *     updated atomically (several node locks cover one cache).
 *   - slab_mutex protects the list of caches (create, destroy, walks);
 *     it is taken before any node lock.
 *
 * Frees are checked before anything changes: a pointer outside the
 * cache's slabs or off an object boundary is reported and ignored, and
 * the *_checked variants also catch every double free and return an
 * error.  Debug caches (SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER, per
 * cache or for all caches through slab_debug_setup()) bypass the object
 * cache and check red zones, poison and object state on every allocation
 * and free; a damaged object is reported and withheld, never handed out
 * again.
 *
 * Bring-up: mm_init() (the page allocator), then kmem_cache_init().
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "mm/gfp.h"
#include "mm/mmzone.h"
#include "mm/spinlock.h"

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
#define SLAB_CPU_CACHE_MAX 64  /* slots of a CPU's object cache (the limit is per cache) */
#define SLAB_CPU_PARTIAL   8   /* partial slabs a CPU keeps per cache */

_Static_assert(SLAB_NODES <= 64, "kmem_cache.partial_nodes is a 64-bit mask");

/* A list of slabs threaded through page->slab_next/slab_prev (pfns). */
struct slab_list {
	uint32_t head;
	uint32_t tail;
	uint64_t count;
};

/* Per-node slab lists.  CPU slabs and CPU partial slabs are on no list. */
struct kmem_cache_node {
	spinlock_t list_lock;       /* the lists and the node's slabs (see above) */
	struct slab_list partial;   /* some objects free (may be empty: min_partial) */
	struct slab_list full;      /* no object free */
};

/*
 * The per-CPU state of one cache, owned by that CPU (see above).
 *
 * While a slab is this CPU's slab its free objects are on @freelist
 * (private, no struct page access needed) and on page->freelist (objects
 * that came back through another path, under the node lock);
 * page->inuse counts the objects not on page->freelist.  Objects in
 * @objs count as in use for their slabs and as freed for the statistics.
 */
struct kmem_cache_cpu {
	unsigned int nr_objs;       /* objects in @objs */
	unsigned int nr_partial;    /* slabs in @partial */
	uint64_t allocs;            /* objects handed out by this CPU */
	uint64_t frees;             /* objects returned on this CPU */
	void *freelist;             /* next free object of the CPU slab (decoded pointer) */
	struct page *slab;          /* head page of the CPU slab, or NULL */
	void *objs[SLAB_CPU_CACHE_MAX];           /* the object cache, newest last */
	struct page *partial[SLAB_CPU_PARTIAL];   /* CPU partial slabs, frozen to this CPU */
} __attribute__((aligned(64)));

struct kmem_cache {
	/* Read by every allocation and free; written only when the cache is made. */
	unsigned int flags;
	unsigned int order;         /* slab order */
	unsigned int size;          /* stride between objects (slot size) */
	uint32_t reciprocal_size;   /* ceil(2^32 / size): slot index by multiplication */
	uint32_t objects_bytes;     /* objects * size: the part of a slab holding slots */
	unsigned int cpu_cache_limit;  /* objects a CPU's object cache holds (0: debug cache) */
	unsigned int cpu_cache_batch;  /* objects a full object cache gives back at once */
	unsigned int offset;        /* free pointer offset from the object */
	unsigned int object_size;   /* bytes the user asked for */
	uint64_t random;            /* freelist hardening secret */
	uint64_t slab_mask;         /* bytes of a slab - 1 (slabs are naturally aligned) */
	/* Each CPU's own, a cache line apart (mm/slab.h's rules). */
	struct kmem_cache_cpu cpu[MM_NR_CPUS];
	unsigned int inuse;         /* object plus right red zone: where metadata starts */
	unsigned int red_left_pad;  /* left red zone width (0 without SLAB_RED_ZONE) */
	unsigned int align;
	unsigned int objects;       /* objects per slab */
	unsigned int min_partial;   /* empty slabs a node keeps before freeing */
	gfp_t allocflags;           /* gfp bits added to every slab allocation */
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
	uint64_t cpu_partial_slabs; /* slabs frozen to a CPU as partial slabs */
	uint64_t cpu_cached;        /* free objects in CPUs' object caches */
	uint64_t partial_slabs;     /* on the node partial lists */
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
/*
 * Give every CPU's object cache, CPU slab and CPU partial slabs back to
 * the node lists and free every empty slab.  Returns slabs released.
 * Touches every CPU's state (see the concurrency rules above).
 */
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
 * boundary, and a double free of the object this CPU freed last, are
 * reported and ignored (state unchanged).  An older double free is caught
 * only in debug caches or by the checked variant, which walks the
 * freelists and the object caches: use it where the caller cannot vouch
 * for the pointer.
 */
void kmem_cache_free(struct kmem_cache *s, void *obj);
/*
 * Same, after validating @obj completely (slab page of @s, object
 * boundary, not already free: on no freelist and in no CPU's object
 * cache).  Returns 0, -MNEME_EINVAL (not an object of @s) or -MNEME_EBUSY
 * (already free).  Nothing changes on error.
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
 * Check every cache: counts against freelists and object caches, no
 * object twice on a freelist or in an object cache, objects on slot
 * boundaries, list links, the frozen marks of CPU and CPU partial slabs,
 * PG_slab and owner of every slab page, node locks released.  Reads every
 * CPU's state (see the rules above).  Returns 0, or -MNEME_ECORRUPT with
 * the first problem described in @why.
 */
int slab_check_invariants(char *why, size_t len);
/*
 * Debug caches: check red zones and poison of every object in @s and
 * report damage.  Returns the number of problems found.
 */
unsigned long kmem_cache_validate(struct kmem_cache *s);

#endif
