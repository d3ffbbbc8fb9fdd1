/*
 * The memory server's own memory: bringing up the mm core over the boot
 * map (memblock -> sparse vmemmap -> zones -> buddy -> slab -> vm), the
 * free count the reclaim checks compare, the invariant checks, the text
 * views it prints, and the mm core's in-guest self-test (tests=mm_selftest).
 */
#ifndef MMSERVER_MEM_H
#define MMSERVER_MEM_H

#include <stdbool.h>
#include <stdint.h>
#include <mneme/bootinfo.h>

/* mm_init (printing the Linux-style boot lines), kmem_cache_init, vm_init; buddyinfo.  0 or -MNEME_E*. */
int mem_init(const struct mneme_boot_info *bi);
/* Pages free in the allocator after empty slabs are given back (buddy + per-CPU lists). */
uint64_t mem_free_pages(void);
/*
 * Print "mmserver: ready: N ns guest time since reset": the server is about
 * to take its first request.  The core's counter starts at reset, so under
 * -icount shift=0 (and without halts, ktest=off) N is boot-to-ready in
 * guest instructions.
 */
void mem_report_ready(void);
uint64_t mem_total_pages(void);
/* mm_check_invariants, slab_check_invariants and every live space's vm_space_check.  0 or -MNEME_ECORRUPT (printed). */
int mem_check(const char *when);
/* Print the memory map, zone layout, buddyinfo and meminfo under a heading. */
void mem_print_state(const char *when);
/* The KTAP self-test of the mm core in the guest; returns the number of failed cases. */
int mem_selftest(unsigned top_index);

#endif
