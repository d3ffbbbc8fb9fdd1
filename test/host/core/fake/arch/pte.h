/*
 * Page-table entries of the fake architecture, for the real generic
 * walker (core/pgtable.c) in the core's host tests: bit 0 valid, bit 1
 * leaf, bits 2..4 the rights (R, W, X), bit 5 accessed (PTE_A, as on both
 * real architectures: set when a leaf is made and by fake_access(),
 * cleared by arch_aspace_clear_young()), the frame address in bits 12..51.
 * Four levels, like x86_64; "physical" addresses are host addresses.
 */
#ifndef FAKE_PTE_H
#define FAKE_PTE_H

#include <stdbool.h>
#include <stdint.h>

#define FAKE_PTE_V    (1ull << 0)
#define FAKE_PTE_LEAF (1ull << 1)
#define FAKE_PTE_PROT_SHIFT 2
#define PTE_A         (1ull << 5)   /* accessed: the young bit core/aspace.c clears */
#define FAKE_PTE_ADDR 0x000ffffffffff000ull

static inline bool arch_pte_valid(uint64_t e)
{
	return e & FAKE_PTE_V;
}

static inline bool arch_pte_leaf(uint64_t e, unsigned level)
{
	(void)level;
	return e & FAKE_PTE_LEAF;
}

static inline uint64_t arch_pte_pa(uint64_t e)
{
	return e & FAKE_PTE_ADDR;
}

static inline uint64_t arch_pte_mktable(uint64_t pa, uint64_t leaf)
{
	(void)leaf;
	return pa | FAKE_PTE_V;
}

static inline uint64_t arch_pte_table_merge(uint64_t e, uint64_t leaf)
{
	(void)leaf;
	return e;
}

static inline uint64_t arch_pte_mkleaf(uint64_t pa, uint64_t leaf, unsigned level)
{
	(void)level;
	return pa | leaf | FAKE_PTE_V | FAKE_PTE_LEAF | PTE_A;
}

static inline uint64_t arch_pte_leaf_bits(uint64_t e, unsigned level)
{
	(void)level;
	return e & ~(FAKE_PTE_ADDR | FAKE_PTE_V | FAKE_PTE_LEAF | PTE_A);
}

#endif
