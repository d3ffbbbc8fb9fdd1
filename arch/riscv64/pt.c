/*
 * riscv64 page-table operations (see arch/pt.h).
 *
 * Mapping is decode-then-perform as far as the hardware format allows:
 * arguments and the absence of existing mappings are checked over the
 * whole range first, so a caller's mistake changes nothing; only running
 * out of frames can stop a mapping half-way.
 */
#include <arch/arch.h>
#include <arch/pt.h>
#include <arch/riscv.h>
#include <mneme/error.h>

uint64_t *pt_table(uint64_t pa)
{
	return phys_to_virt(pa);
}

static unsigned pt_index(uint64_t va, unsigned level)
{
	return (va >> PT_LEVEL_SHIFT(level)) & (PT_ENTRIES - 1);
}

/*
 * The entry for @va at @level, creating missing intermediate tables.
 * Returns NULL if a larger leaf covers @va (*@err = -MNEME_EBUSY) or no
 * frame is left (*@err = -MNEME_ENOMEM).
 */
static uint64_t *pt_entry(const struct riscv_pt *pt, uint64_t va, unsigned level, int *err)
{
	uint64_t table = pt->root;

	for (unsigned l = pt->levels - 1; l > level; l--) {
		uint64_t *e = &pt_table(table)[pt_index(va, l)];
		if (pte_is_leaf(*e)) {
			*err = -MNEME_EBUSY;
			return NULL;
		}
		if (!(*e & PTE_V)) {
			uint64_t frame = pt->alloc(pt->alloc_arg);
			if (!frame) {
				*err = -MNEME_ENOMEM;
				return NULL;
			}
			*e = pte_make(frame, PTE_V);
		}
		table = pte_pa(*e);
	}
	return &pt_table(table)[pt_index(va, level)];
}

/* The largest leaf level usable at @va/@pa for @size bytes, at most @max_level. */
static unsigned pt_leaf_level(uint64_t va, uint64_t pa, uint64_t size, unsigned max_level)
{
	unsigned level = max_level;

	while (level > 0 && (((va | pa) & (PT_LEVEL_SIZE(level) - 1)) || size < PT_LEVEL_SIZE(level)))
		level--;
	return level;
}

/*
 * Walk towards @va without creating anything.  Returns the last entry
 * reached (a leaf, or an invalid entry) and its level in *@level.
 */
static uint64_t pt_probe(const struct riscv_pt *pt, uint64_t va, unsigned *level)
{
	uint64_t table = pt->root;

	for (unsigned l = pt->levels - 1;; l--) {
		uint64_t e = pt_table(table)[pt_index(va, l)];
		if (!(e & PTE_V) || pte_is_leaf(e) || l == 0) {
			*level = l;
			return e;
		}
		table = pte_pa(e);
	}
}

/* True if any page of [@va, @va + @size) is already mapped; skips absent tables whole. */
static bool pt_range_busy(const struct riscv_pt *pt, uint64_t va, uint64_t size)
{
	uint64_t end = va + size;

	while (va < end) {
		unsigned level;
		if (pt_probe(pt, va, &level) & PTE_V)
			return true;
		uint64_t next = (va | (PT_LEVEL_SIZE(level) - 1)) + 1;
		if (next <= va)
			break;   /* wrapped past the top of the address space */
		va = next;
	}
	return false;
}

int pt_map(struct riscv_pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot,
	   unsigned max_level)
{
	int err = 0;

	if ((va | pa | size) & (PAGE_SIZE - 1) || !size || va + size - 1 < va ||
	    pa + size - 1 < pa)
		return -MNEME_EINVAL;
	if (!(prot & (PTE_R | PTE_W | PTE_X)) || ((prot & PTE_W) && !(prot & PTE_R)) ||
	    (prot & ~(PTE_R | PTE_W | PTE_X | PTE_U | PTE_G)))
		return -MNEME_EINVAL;
	if (max_level >= pt->levels)
		max_level = pt->levels - 1;
	if (pt_range_busy(pt, va, size))
		return -MNEME_EBUSY;
	while (size) {
		unsigned level = pt_leaf_level(va, pa, size, max_level);
		uint64_t *e = pt_entry(pt, va, level, &err);
		if (!e)
			return err;
		*e = pte_make(pa, prot | PTE_V | PTE_A | PTE_D);
		va += PT_LEVEL_SIZE(level);
		pa += PT_LEVEL_SIZE(level);
		size -= PT_LEVEL_SIZE(level);
	}
	return 0;
}

bool pt_lookup(const struct riscv_pt *pt, uint64_t va, uint64_t *pte, unsigned *level)
{
	uint64_t e = pt_probe(pt, va, level);

	if (!pte_is_leaf(e))
		return false;
	*pte = e;
	return true;
}

static void pt_walk_table(const struct riscv_pt *pt, uint64_t table, unsigned level, uint64_t va,
			  void (*fn)(void *, uint64_t, uint64_t, unsigned), void *arg)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = pt_table(table)[i];
		uint64_t eva = va + ((uint64_t)i << PT_LEVEL_SHIFT(level));
		if (!(e & PTE_V))
			continue;
		if (pte_is_leaf(e))
			fn(arg, pt_canonical(eva, pt->levels), e, level);
		else if (level > 0)
			pt_walk_table(pt, pte_pa(e), level - 1, eva, fn, arg);
	}
}

void pt_for_each_leaf(const struct riscv_pt *pt, unsigned first, unsigned last,
		      void (*fn)(void *arg, uint64_t va, uint64_t pte, unsigned level), void *arg)
{
	unsigned top = pt->levels - 1;

	for (unsigned i = first; i <= last && i < PT_ENTRIES; i++) {
		uint64_t e = pt_table(pt->root)[i];
		uint64_t va = (uint64_t)i << PT_LEVEL_SHIFT(top);
		if (!(e & PTE_V))
			continue;
		if (pte_is_leaf(e))
			fn(arg, pt_canonical(va, pt->levels), e, top);
		else
			pt_walk_table(pt, pte_pa(e), top - 1, va, fn, arg);
	}
}
