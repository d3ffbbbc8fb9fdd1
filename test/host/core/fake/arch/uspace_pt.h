/*
 * The fake architecture's part of the user page-table calls
 * (core/aspace.c, built into the core's host tests as into the images):
 * the user half as a four-level tree in host memory, rights kept as
 * R/W/X bits in the leaf (fake/arch/pte.h), any host address a frame.
 */
#ifndef FAKE_USPACE_PT_H
#define FAKE_USPACE_PT_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/arch.h>
#include <arch/pte.h>
#include <arch/uspace.h>
#include <core/pgtable.h>

#define ARCH_USER_ROOT_SLOTS 256

static inline struct pgtable arch_user_pt(const struct arch_aspace *as, arch_pt_alloc_fn alloc,
					  void *ctx)
{
	return (struct pgtable){ .root = as->root, .levels = 4, .alloc = alloc, .ctx = ctx };
}

/* Leaf bits for rights @prot (any non-empty R/W/X set); 0 if not valid. */
static inline uint64_t arch_user_pte_flags(unsigned prot)
{
	return !prot || (prot & ~7u) ? 0 : (uint64_t)prot << FAKE_PTE_PROT_SHIFT;
}

static inline unsigned arch_user_pte_prot(uint64_t pte)
{
	return (unsigned)(pte >> FAKE_PTE_PROT_SHIFT) & 7;
}

static inline bool arch_user_pa_ok(uint64_t pa)
{
	(void)pa;
	return true;
}

#endif
