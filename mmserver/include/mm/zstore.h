/*
 * The compressed page store: where reclaim puts the anonymous pages it
 * takes from tasks, in RAM (the idea of Linux's zswap and zram, and of
 * Zircon's page compression).  A page whose words are all the same is
 * kept as that one word; any other is compressed with mm/lz.h into a
 * pool of size-classed slots; a page that does not compress to 3/4 of a
 * page or less is refused (keeping it would free too little).
 *
 * Entries are reference-counted (a page shared copy-on-write by a clone
 * is one entry both spaces name).  A handle is the address of the entry,
 * 16-byte aligned, so its low 4 bits are free for the caller's tags.
 *
 * Limits: a capacity in pages (what may be stored, like a swap device's
 * size; meminfo SwapTotal) and a limit on the pool's own pages (like
 * zswap's max_pool_percent).  Both are set with zstore_set_limits().
 *
 * Not reentrant: one compression buffer for the store (the memory server
 * serialises its work; a server thread per CPU would need one per CPU).
 */
#ifndef MM_ZSTORE_H
#define MM_ZSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t zhandle_t;

/* Bytes a compressed page may take at most (3/4 of a page). */
#define ZSTORE_MAX_OBJECT 3072u

struct zstore_stats {
	uint64_t stored;          /* pages held (each entry once, however many refer to it) */
	uint64_t same_filled;     /* of which kept as one word */
	uint64_t pool_pages;      /* pages of the pool (nr_zspages) */
	uint64_t compressed;      /* bytes of compressed data in the pool */
	uint64_t capacity;        /* pages it may hold (0: the store is off) */
	uint64_t pool_limit;      /* pool pages it may use */
	uint64_t refs;            /* references to entries, in total */
	uint64_t stores, loads;   /* pages stored and loaded since boot */
	uint64_t rejected;        /* pages refused: did not compress */
	uint64_t full;            /* pages refused: capacity or pool limit */
};

/* Set up the store's slab caches; the store is off (capacity 0) until limits are set.  0 or -MNEME_ENOMEM. */
int zstore_init(void);
/* Pages the store may hold and pool pages it may use. */
void zstore_set_limits(uint64_t capacity, uint64_t pool_limit);

/*
 * Store the 4 KiB page at @page; *@h receives a handle holding one
 * reference.  0, -MNEME_EQUOTA (full: capacity or pool limit),
 * -MNEME_ERANGE (does not compress to ZSTORE_MAX_OBJECT), -MNEME_ENOMEM.
 * On error nothing is stored.
 */
int zstore_store(const void *page, zhandle_t *h);
/* Write the page behind @h into the 4 KiB at @page.  0, or -MNEME_ECORRUPT (a bug: the data is damaged). */
int zstore_load(zhandle_t h, void *page);
/* Take another reference to @h (a clone names it too). */
void zstore_get(zhandle_t h);
/* Drop a reference; the entry and its slot go with the last. */
void zstore_put(zhandle_t h);
/* References to @h. */
uint32_t zstore_refs(zhandle_t h);
/* True if @h is kept as one word (zero page and friends). */
bool zstore_same_filled(zhandle_t h);

void zstore_get_stats(struct zstore_stats *st);
/*
 * Check the pool (every slot of every zspage accounted for, the class
 * lists, the counters).  0 or -MNEME_ECORRUPT with the first violation in
 * @why.
 */
int zstore_check(char *why, size_t len);

#endif
