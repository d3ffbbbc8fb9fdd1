/*
 * The user heap: malloc, free, calloc, realloc over anonymous mappings of
 * the memory server (libmm's mm_map_anon / mm_unmap).
 *
 * Small requests (up to MALLOC_SMALL_MAX bytes) come from size classes
 * carved out of MALLOC_CHUNK-byte mappings and are recycled on per-class
 * free lists; larger ones get a mapping of their own, unmapped by free().
 * Every block carries a 16-byte header in front of it (its class or its
 * mapping's length and a state word), so free() and realloc() can check
 * the pointer: a pointer malloc never returned, or one freed twice (small
 * or large: a large block's memory is gone after free, so large blocks are
 * also recorded in a table), is reported on stderr ("malloc: double free
 * of 0x...") and counted in malloc_stats.errors, and otherwise ignored.
 * A pointer into memory that is not mapped at all still faults, as
 * anywhere else.  Blocks are 16-byte aligned.  malloc sets errno to
 * ENOMEM when it returns NULL.  Not thread-safe: one thread per task
 * uses it.  The same functions are declared in <stdlib.h>.
 */
#ifndef LIBC_MALLOC_H
#define LIBC_MALLOC_H

#include <stddef.h>
#include <stdint.h>

#define MALLOC_ALIGN     16
#define MALLOC_SMALL_MAX 2048
#define MALLOC_CHUNK     (256 * 1024)

void *malloc(size_t size);
void free(void *ptr);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *ptr, size_t size);

struct malloc_stats {
	uint64_t mapped;       /* bytes mapped from the server (chunks and large blocks) */
	uint64_t in_use;       /* bytes of blocks handed out (their class or mapping sizes) */
	uint64_t maps, unmaps; /* mapping requests made */
	uint64_t errors;       /* bad or double frees detected */
};
void malloc_get_stats(struct malloc_stats *st);

/* The mapping backend (libmm on mneme; host tests supply their own). */
void *malloc_backend_map(size_t len);           /* zeroed, page-aligned; NULL if refused */
void malloc_backend_unmap(void *p, size_t len);

#endif
