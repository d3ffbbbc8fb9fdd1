/*
 * x86_64 page tables: the core's own tree and helpers around the generic
 * walker (core/pgtable.h, entry primitives in arch/pte.h), used for the
 * core's tables at boot and for user address spaces.
 *
 * Before arch_mmu_init() switches to the final tables, tables are reached
 * through the boot identity map (x86_kernel_pt.table); after, through the
 * direct map.
 */
#ifndef ARCH_X86_PGTABLE_H
#define ARCH_X86_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/pte.h>
#include <core/pgtable.h>
#include <mneme/bootinfo.h>

#define X86_ISA_END 0x100000ull  /* end of the first MiB */
#define PAGE_SIZE_4K (1ull << 12)
#define PAGE_SIZE_2M (1ull << 21)
#define PAGE_SIZE_1G (1ull << 30)

/*
 * Walk to the leaf that maps @va.  Returns the leaf entry (PTE_P set) and
 * its page size in *@page_size, or 0 if @va is not mapped.
 */
static inline uint64_t x86_pt_lookup(const struct pgtable *pt, uint64_t va, uint64_t *page_size)
{
	uint64_t e;
	unsigned level;

	if (!pgtable_lookup(pt, va, &e, &level))
		return 0;
	*page_size = PT_LEVEL_SIZE(level);
	return e;
}

/* True if boot-map range @r belongs in the direct map (RAM, not MMIO). */
bool x86_direct_mapped(const struct mneme_mem_range *r);

/* The core's final tables (valid after arch_mmu_init()). */
extern struct pgtable x86_kernel_pt;

/* mmu.c: set (@leaf != 0) or clear a fixed mapping (layout.h); this CPU's TLB only. */
void x86_fixmap_set(uint64_t va, uint64_t pa, uint64_t leaf);

/* Flush one page from this CPU's TLB, global entries included. */
static inline void x86_invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

#endif
