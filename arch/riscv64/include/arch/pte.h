/*
 * riscv64 (Sv39 / Sv48) page-table entries for the generic walker
 * (core/pgtable.h).  A valid entry with any of R/W/X is a leaf, at any
 * level; with none it points at the next table.  Leaves are made with A
 * and D set (the core's own mappings are never aged; user leaves have A
 * cleared by the memory server's aging, and a hart that faults on a clear
 * A gets it set by riscv_fix_accessed()).  Table entries carry V alone
 * (U, A, D and G are reserved on non-leaf entries).
 */
#ifndef ARCH_RISCV_PTE_H
#define ARCH_RISCV_PTE_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/riscv.h>

static inline bool arch_pte_valid(uint64_t e)
{
	return e & PTE_V;
}

static inline bool arch_pte_leaf(uint64_t e, unsigned level)
{
	(void)level;
	return e & (PTE_R | PTE_W | PTE_X);
}

static inline uint64_t arch_pte_pa(uint64_t e)
{
	return pte_pa(e);
}

static inline uint64_t arch_pte_mktable(uint64_t pa, uint64_t leaf)
{
	(void)leaf;
	return pte_make(pa, PTE_V);
}

static inline uint64_t arch_pte_table_merge(uint64_t e, uint64_t leaf)
{
	(void)leaf;
	return e;
}

/* @leaf: PTE_R/W/X/U/G. */
static inline uint64_t arch_pte_mkleaf(uint64_t pa, uint64_t leaf, unsigned level)
{
	(void)level;
	return pte_make(pa, leaf | PTE_V | PTE_A | PTE_D);
}

/* The bits arch_pte_mkleaf() was given. */
static inline uint64_t arch_pte_leaf_bits(uint64_t e, unsigned level)
{
	(void)level;
	return e & (PTE_R | PTE_W | PTE_X | PTE_U | PTE_G);
}

#endif
