/*
 * <linux/memblock.h> for code written against Linux 6.1: the memblock API
 * (implemented in mmserver/mm/memblock*.c, declared in mm/memblock.h)
 * together with the kernel headers that Linux's memblock.h makes visible
 * to its users: types, sizes, min/max/ALIGN/round_*, PFN_* and
 * phys_to_virt, NUMA constants, SMP_CACHE_BYTES, pr_* and WARN/BUG.
 */
#ifndef _MNEME_LINUX_MEMBLOCK_H
#define _MNEME_LINUX_MEMBLOCK_H

#include "linux/bug.h"
#include "linux/cache.h"
#include "linux/compiler.h"
#include "linux/init.h"
#include "linux/io.h"
#include "linux/kernel.h"
#include "linux/mm.h"
#include "linux/numa.h"
#include "linux/pfn.h"
#include "linux/printk.h"
#include "linux/sizes.h"
#include "linux/string.h"
#include "linux/types.h"

#include "mm/memblock.h"

/*
 * Implemented by the page allocator (mmserver/mm/page_alloc_init.c, also
 * declared in mm/page_alloc.h): hand every free memblock range to the
 * buddy allocator.  Linux's returns void; mneme's reports the pages.
 */
unsigned long memblock_free_all(void);

#endif
