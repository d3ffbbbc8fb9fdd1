/*
 * The environment seam of the memory-management core.
 *
 * Everything under mmserver/mm/ compiles unchanged in two places: inside
 * the memory server (freestanding, on mneme) and natively on the host for
 * tests and benchmarks.  The little it needs from its surroundings is
 * declared here and implemented once per environment:
 *   mmserver/port/host.c    - host: "physical memory" is an mmap'd arena
 *   mmserver/port/mneme.c   - the memory server on the real system
 *
 * Besides these hooks the core may use only freestanding headers and
 * memset, memcpy, memmove, memcmp, strlen, strcmp, snprintf, vsnprintf.
 */
#ifndef MM_PORT_H
#define MM_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdbool.h>

typedef uint64_t phys_addr_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PFN_PHYS(pfn) ((phys_addr_t)(pfn) << PAGE_SHIFT)
#define PHYS_PFN(pa) ((uint64_t)((pa) >> PAGE_SHIFT))

/*
 * Virtual address of physical address @pa in the mm core's view of RAM.
 * The map must be linear (mm_phys_to_virt(pa) == mm_phys_to_virt(0) + pa):
 * mm/page.h caches the offset for its inline conversions.
 */
void *mm_phys_to_virt(phys_addr_t pa);
/* Inverse of mm_phys_to_virt(); only valid for addresses it returned. */
phys_addr_t mm_virt_to_phys(const void *va);

/*
 * Map @size bytes of physical memory at @pa to virtual address @va with
 * read-write rights, using leaf pages of 2^@page_shift bytes (12 or 21).
 * Used to back the vmemmap.  Returns 0 or a negative mneme_error.
 */
int mm_map_pages(void *va, phys_addr_t pa, size_t size, unsigned page_shift);

/* Fixed virtual base of the vmemmap (struct page array indexed by pfn). */
void *mm_vmemmap_base(void);

/* Console output for boot lines and debug reports (printf-style). */
void mm_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Index of the CPU running this code (0 .. MM_NR_CPUS-1): every per-CPU
 * structure of the core (slab object caches, per-CPU page lists) is
 * indexed by it, and a caller stays on one CPU for the whole of a call.
 * The allocators' fast paths ask for it on every call, so a port may
 * define it inline in a header <mm_port_cpu.h> on its include path (the
 * memory server: mmserver/port/include; the host: mmserver/port/host),
 * which also defines MM_PORT_CPU_INLINE; otherwise it is the port's
 * function.
 */
#if __has_include(<mm_port_cpu.h>)
#include <mm_port_cpu.h>
#else
unsigned mm_this_cpu(void);
#endif
#define MM_NR_CPUS 8

/* A broken internal invariant: print and stop (never for bad input). */
void mm_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#ifdef MM_DEBUG
#define MM_ASSERT(c) do { if (!(c)) mm_panic("assertion failed: %s at %s:%d", #c, __FILE__, __LINE__); } while (0)
#else
#define MM_ASSERT(c) do { (void)sizeof(c); } while (0)
#endif

#endif
