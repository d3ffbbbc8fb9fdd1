/*
 * Shrinkers: caches that hold memory they could give back register here,
 * and reclaim asks them when pages are short (Linux's shrinker interface,
 * mm/vmscan.c's shrink_slab).  The mm core registers its own two at
 * start: the slab caches (empty slabs and the slabs and objects CPUs keep)
 * and the per-CPU page lists; the memory server adds its caches (the page
 * cache's unmapped pages).
 *
 * A shrinker's count is an estimate in pages, its scan frees up to the
 * pages asked for and says how many it freed.  Neither may allocate.
 */
#ifndef MM_SHRINKER_H
#define MM_SHRINKER_H

#include <stdint.h>

struct shrinker {
	const char *name;
	/* Pages this cache could give back now (an estimate; 0: nothing). */
	unsigned long (*count_objects)(struct shrinker *s);
	/* Give back up to @nr pages (it may give more); returns pages freed. */
	unsigned long (*scan_objects)(struct shrinker *s, unsigned long nr);
	struct shrinker *next;        /* the registry's */
	unsigned long nr_scanned;     /* pages asked for, in total */
	unsigned long nr_freed;       /* pages given back, in total */
};

/* Add @s (once; again is a no-op) / take it out. */
void register_shrinker(struct shrinker *s);
void unregister_shrinker(struct shrinker *s);

/*
 * Ask every shrinker with something to give for its share of @nr pages
 * (in proportion to its count, each at least one page's worth), until
 * @nr are freed or all were asked.  Returns the pages freed.
 */
unsigned long shrink_slab(unsigned long nr);
/* The shrinkers' counts summed (what shrink_slab could free at most, roughly). */
unsigned long shrinkers_count(void);
/* Pages asked of shrinkers since boot (vmstat slabs_scanned). */
extern unsigned long shrink_slab_scanned;

#endif
