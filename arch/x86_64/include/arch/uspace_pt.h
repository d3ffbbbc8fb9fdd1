/*
 * x86_64's part of the user page-table calls (core/aspace.c): what a
 * user leaf holds for a set of rights and back, the user half of a PML4
 * as a tree for the generic walker, and the frames a leaf may name.
 * Only the core's address-space code includes this.
 *
 * User leaves have P, U, A and D (A/D preset: the CPU never needs a
 * locked update of them), NX unless executable, never G, never W
 * together with X; the rights asked for are also kept in an ignored PTE
 * bit (PTE_USER_X), so a query reports them exactly even on a CPU
 * without NX.  Intermediate entries are P|W|U|A: rights are decided at
 * the leaf.
 */
#ifndef ARCH_X86_USPACE_PT_H
#define ARCH_X86_USPACE_PT_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/arch.h>
#include <arch/pgtable.h>
#include <arch/uspace.h>
#include <arch/x86.h>

#define ARCH_USER_ROOT_SLOTS 256          /* PML4 entries 0-255 are the user half */
#define PTE_USER_X (1ull << 9)            /* ignored by the CPU: the leaf was mapped executable */

/* The user half of @as as a tree for the generic walker, tables from @alloc. */
static inline struct pgtable arch_user_pt(const struct arch_aspace *as, arch_pt_alloc_fn alloc,
					  void *ctx)
{
	return (struct pgtable){ .root = as->root, .levels = 4, .alloc = alloc, .ctx = ctx };
}

/* Leaf bits for user rights @prot; 0 if @prot is not a valid combination. */
static inline uint64_t arch_user_pte_flags(unsigned prot)
{
	uint64_t f = PTE_P | PTE_U | PTE_A | PTE_D;

	if (prot & ~(ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_EXEC))
		return 0;
	if ((prot & ARCH_PROT_WRITE) && (prot & ARCH_PROT_EXEC))
		return 0;                                   /* W^X for user pages too */
	if ((prot & ARCH_PROT_WRITE) && !(prot & ARCH_PROT_READ))
		return 0;                                   /* x86 has no write-only pages */
	if (!(prot & (ARCH_PROT_READ | ARCH_PROT_EXEC)))
		return 0;
	if (prot & ARCH_PROT_WRITE)
		f |= PTE_W;
	if (prot & ARCH_PROT_EXEC)
		f |= PTE_USER_X;
	else if (x86_cpu.nx)
		f |= PTE_NX;
	return f;
}

/* The rights a user leaf grants. */
static inline unsigned arch_user_pte_prot(uint64_t pte)
{
	return ARCH_PROT_READ | (pte & PTE_W ? ARCH_PROT_WRITE : 0) |
	       (pte & PTE_USER_X ? ARCH_PROT_EXEC : 0);
}

/* True if a leaf can name physical address @pa (within the CPU's physical address bits). */
static inline bool arch_user_pa_ok(uint64_t pa)
{
	return !(pa >> x86_cpu.phys_bits);
}

#endif
