/*
 * x86_64 4-level page-table entries: the bits, and the primitives the
 * generic walker (core/pgtable.h) builds on.  A leaf is any present entry
 * at level 0 (PT) or one with PS at level 1 (PD, 2 MiB) or 2 (PDPT,
 * 1 GiB); PS is reserved in the PML4.  Table entries are P|W|A, plus U on
 * the path to a user leaf: rights are decided at the leaf, and A is
 * preset (the CPU would set it on the first walk anyway).
 */
#ifndef ARCH_X86_PTE_H
#define ARCH_X86_PTE_H

#include <stdbool.h>
#include <stdint.h>

#define PTE_P     (1ull << 0)
#define PTE_W     (1ull << 1)
#define PTE_U     (1ull << 2)
#define PTE_PWT   (1ull << 3)
#define PTE_PCD   (1ull << 4)
#define PTE_A     (1ull << 5)
#define PTE_D     (1ull << 6)
#define PTE_PS    (1ull << 7)    /* leaf at PDPT (1 GiB) or PD (2 MiB) level */
#define PTE_G     (1ull << 8)
#define PTE_NX    (1ull << 63)
#define PTE_ADDR  0x000ffffffffff000ull

static inline bool arch_pte_valid(uint64_t e)
{
	return e & PTE_P;
}

static inline bool arch_pte_leaf(uint64_t e, unsigned level)
{
	return level == 0 || (level < 3 && (e & PTE_PS));
}

static inline uint64_t arch_pte_pa(uint64_t e)
{
	return e & PTE_ADDR;
}

static inline uint64_t arch_pte_mktable(uint64_t pa, uint64_t leaf)
{
	return pa | PTE_P | PTE_W | PTE_A | (leaf & PTE_U);
}

/* A kernel mapping beside a user one keeps U on the shared path; a user one adds it. */
static inline uint64_t arch_pte_table_merge(uint64_t e, uint64_t leaf)
{
	return e | (leaf & PTE_U);
}

/* @leaf: PTE_W/U/NX/G/PCD/PWT/A/D and ignored bits; P, and PS above level 0, are added. */
static inline uint64_t arch_pte_mkleaf(uint64_t pa, uint64_t leaf, unsigned level)
{
	return pa | (leaf & ~PTE_PS) | PTE_P | (level ? PTE_PS : 0);
}

/* The bits arch_pte_mkleaf() was given (no PAT in user or core leaves: bit 12 is address). */
static inline uint64_t arch_pte_leaf_bits(uint64_t e, unsigned level)
{
	(void)level;
	return e & ~(PTE_ADDR | PTE_P | PTE_PS);
}

#endif
