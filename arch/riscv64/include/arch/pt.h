/*
 * riscv64 page tables (Sv39 / Sv48), independent of any one address
 * space: the core's own tables are built with these functions at boot,
 * and user address spaces will be built with them later.  Tables are
 * reached through the direct map; frames come from a caller-supplied
 * allocator, so the same code serves bootmem at boot and the memory
 * server's frames later.
 */
#ifndef ARCH_PT_H
#define ARCH_PT_H

#include <stdbool.h>
#include <stdint.h>

/* Level 0 maps 4 KiB pages, level 1 2 MiB, level 2 1 GiB, level 3 512 GiB. */
#define PT_LEVEL_SHIFT(l) (12 + 9 * (l))
#define PT_LEVEL_SIZE(l)  (1ull << PT_LEVEL_SHIFT(l))
#define PT_ENTRIES        512

struct riscv_pt {
	uint64_t root;                   /* physical address of the root table */
	unsigned levels;                 /* 3 (Sv39) or 4 (Sv48) */
	uint64_t (*alloc)(void *arg);    /* a zeroed 4 KiB frame, or 0 */
	void *alloc_arg;
};

/* The table at physical @pa, through the direct map. */
uint64_t *pt_table(uint64_t pa);

/*
 * pt_map - map [@va, @va + @size) to [@pa, @pa + @size) with leaf
 * permission bits @prot (PTE_R/W/X/U/G), using leaves no larger than
 * level @max_level and otherwise the largest that alignment allows.
 * V, A and D are always set (QEMU faults on clear A/D bits).
 *
 * Returns 0; -MNEME_EINVAL if an address or the size is not page-aligned,
 * @prot has no R/W/X bit or is W without R (reserved encodings), or the
 * range wraps; -MNEME_EBUSY if any page in the range is already mapped
 * (checked before anything changes); -MNEME_ENOMEM if the allocator runs
 * dry, in which case the pages mapped so far stay mapped.
 */
int pt_map(struct riscv_pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot,
	   unsigned max_level);

/*
 * pt_lookup - the leaf entry that maps @va: stores it in *@pte and its level
 * in *@level and returns true, or returns false if @va is not mapped.
 */
bool pt_lookup(const struct riscv_pt *pt, uint64_t va, uint64_t *pte, unsigned *level);

/*
 * pt_for_each_leaf - call @fn for every leaf in root slots [@first, @last],
 * in address order, with the leaf's (sign-extended) virtual address.
 */
void pt_for_each_leaf(const struct riscv_pt *pt, unsigned first, unsigned last,
		      void (*fn)(void *arg, uint64_t va, uint64_t pte, unsigned level), void *arg);

/* The virtual address bits of a @levels-level table: 39 or 48. */
static inline unsigned pt_va_bits(unsigned levels)
{
	return PT_LEVEL_SHIFT(levels);
}

/* Sign-extend @va from the top bit of a @levels-level address space. */
static inline uint64_t pt_canonical(uint64_t va, unsigned levels)
{
	unsigned shift = 64 - pt_va_bits(levels);

	return (uint64_t)((int64_t)(va << shift) >> shift);
}

#endif
