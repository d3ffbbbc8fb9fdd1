/*
 * The memory server's frame source: 4 KiB frames from the mm core's page
 * allocator (mmserver/mm: memblock -> sparse vmemmap -> zones -> buddy),
 * each charged to an owner (a task slot, or the server) so everything a
 * task held can be reclaimed when it exits.  Frames are reached through
 * the physmap the core set up (MNEME_LAYOUT_PHYSMAP + pa).
 */
#ifndef MMSERVER_FRAME_H
#define MMSERVER_FRAME_H

#include <stdint.h>
#include <mneme/bootinfo.h>

#define FRAME_SIZE 4096ULL
#define FRAME_OWNER_FREE   0     /* not allocated */
#define FRAME_OWNER_SERVER 255   /* the server's own use */

/* Bring up the mm core over @bi's map.  Returns 0 or -MNEME_E*. */
int frame_init(const struct mneme_boot_info *bi);
/* A zeroed 4 KiB frame charged to @owner (1..254 or FRAME_OWNER_SERVER); 0 if none is left. */
uint64_t frame_alloc(unsigned owner);
/* Return @pa to the free list; -MNEME_EINVAL if it is not an allocated frame. */
int frame_free(uint64_t pa);
/* Free every frame charged to @owner; returns how many. */
uint64_t frame_reclaim(unsigned owner);
/* The owner of @pa, or -1 if @pa is not a frame this source manages. */
int frame_owner(uint64_t pa);
/* Frames the allocator has free (buddy and per-CPU lists). */
uint64_t frame_free_count(void);
uint64_t frame_total_count(void);
/* The server's view of physical address @pa (through the physmap). */
void *frame_va(uint64_t pa);

#endif
