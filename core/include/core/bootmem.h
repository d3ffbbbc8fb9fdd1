/*
 * Boot-time frame allocation for the core's own needs (page tables while
 * paging is set up).  The core has no heap: every frame it takes is
 * carved out of the usable memory of the boot map and recorded there as
 * MNEME_MEM_CORE, so the memory server never sees it as free.
 */
#ifndef CORE_BOOTMEM_H
#define CORE_BOOTMEM_H

#include <stdint.h>
#include <mneme/bootinfo.h>

/* Start allocating from the (sanitised) map in @bi. */
void bootmem_init(struct mneme_boot_info *bi);

/*
 * Allocate @size bytes aligned to @align (a power of two) below physical
 * address @max_addr, from the top of usable memory down.  Returns the
 * physical address, or 0 if nothing fits.  The memory is not zeroed: the
 * caller decides how to reach it.
 */
uint64_t bootmem_alloc(uint64_t size, uint64_t align, uint64_t max_addr);

/*
 * From now on allocate only below @limit as well: the architecture's
 * direct map ends there (riscv64 Sv39: 192 GiB), and the core reaches
 * its frames through it.  bootmem_init() lifts the limit.
 */
void bootmem_set_limit(uint64_t limit);

/* Bytes handed out so far. */
uint64_t bootmem_allocated(void);

#endif
