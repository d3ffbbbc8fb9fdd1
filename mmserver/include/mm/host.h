/*
 * Host-only controls for mmserver/port/host.c: tests and benchmarks call
 * these to give the mm core a simulated physical address space.
 */
#ifndef MM_HOST_H
#define MM_HOST_H

#include "mm/port.h"

/*
 * Reserve host address space standing in for physical addresses
 * [0, @phys_end) and for the vmemmap covering them.  Nothing is touched
 * until used (MAP_NORESERVE), so maps of tens of GiB are fine.  Calling it
 * again releases the previous arena first.  Returns 0 or -1.
 */
int mm_host_arena_init(phys_addr_t phys_end);
/* Release the arena and the vmemmap. */
void mm_host_arena_fini(void);
/* Bytes of vmemmap mapped through mm_map_pages() since the arena was made. */
size_t mm_host_vmemmap_mapped(void);
/* Choose the CPU index mm_this_cpu() reports (per-CPU list tests). */
void mm_host_set_cpu(unsigned cpu);
/* Send mm_printf output to @sink instead of stdout (NULL restores stdout). */
void mm_host_set_print_sink(void (*sink)(const char *text));
/* Call @hook with the message before mm_panic() aborts; a hook may longjmp out instead. */
void mm_host_set_panic_hook(void (*hook)(const char *msg));

#endif
