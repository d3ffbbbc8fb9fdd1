/*
 * riscv64's part of the user page-table calls (core/aspace.c): what a
 * user leaf holds for a set of rights and back, the user half of a root
 * as a tree for the generic walker, and the frames a leaf may name.
 * Only the core's address-space code includes this.
 *
 * User leaves have U, A and D (A/D preset: no hardware or software A/D
 * update is needed), never G, never W together with X, and never W
 * without R (a reserved encoding).
 */
#ifndef ARCH_RISCV_USPACE_PT_H
#define ARCH_RISCV_USPACE_PT_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/arch.h>
#include <arch/pte.h>
#include <arch/riscv.h>
#include <arch/uspace.h>
#include <core/pgtable.h>

#define ARCH_USER_ROOT_SLOTS 256   /* root slots 0-255 are the user half in Sv39 and Sv48 */

/* The user half of @as as a tree for the generic walker, tables from @alloc. */
static inline struct pgtable arch_user_pt(const struct arch_aspace *as, arch_pt_alloc_fn alloc,
					  void *ctx)
{
	return (struct pgtable){ .root = as->root, .levels = riscv_kernel_pt.levels,
				 .alloc = alloc, .ctx = ctx };
}

/* Leaf bits for user rights @prot; 0 if @prot is not a valid combination. */
static inline uint64_t arch_user_pte_flags(unsigned prot)
{
	uint64_t f = PTE_V | PTE_U | PTE_A | PTE_D;

	if (prot & ~(ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_EXEC))
		return 0;
	if ((prot & ARCH_PROT_WRITE) && (prot & ARCH_PROT_EXEC))
		return 0;                                   /* W^X for user pages too */
	if ((prot & ARCH_PROT_WRITE) && !(prot & ARCH_PROT_READ))
		return 0;                                   /* W without R is reserved */
	if (!(prot & (ARCH_PROT_READ | ARCH_PROT_EXEC)))
		return 0;
	if (prot & ARCH_PROT_READ)
		f |= PTE_R;
	if (prot & ARCH_PROT_WRITE)
		f |= PTE_W;
	if (prot & ARCH_PROT_EXEC)
		f |= PTE_X;
	return f;
}

/* The rights a user leaf grants. */
static inline unsigned arch_user_pte_prot(uint64_t pte)
{
	return (pte & PTE_R ? ARCH_PROT_READ : 0) | (pte & PTE_W ? ARCH_PROT_WRITE : 0) |
	       (pte & PTE_X ? ARCH_PROT_EXEC : 0);
}

/* True if a leaf can name physical address @pa (56 bits in Sv39 and Sv48). */
static inline bool arch_user_pa_ok(uint64_t pa)
{
	return pa < (1ull << 56);
}

#endif
