/*
 * The generic page-table walker (see core/pgtable.h): mapping ranges with
 * the largest leaves alignment allows, visiting and releasing, over the
 * entry primitives of <arch/pte.h>.  Single-leaf mapping and lookup, which
 * the fault path uses, are inline in the header.
 *
 * Mapping is decode-then-perform as far as the hardware format allows:
 * every entry a mapping would write is checked first, so a caller's
 * mistake changes nothing; only running out of frames can stop a mapping
 * half-way.
 */
#include <core/pgtable.h>
#include <mneme/error.h>

bool pgtable_table_empty(const struct pgtable *pt, uint64_t table)
{
	const uint64_t *t = pgtable_table(pt, table);

	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (arch_pte_valid(t[i]))
			return false;
	return true;
}

/* The largest leaf level usable at @va/@pa for @size bytes, at most @max_level. */
static unsigned leaf_level(uint64_t va, uint64_t pa, uint64_t size, unsigned max_level)
{
	unsigned level = max_level;

	while (level > 0 && (((va | pa) & (PT_LEVEL_SIZE(level) - 1)) || size < PT_LEVEL_SIZE(level)))
		level--;
	return level;
}

/*
 * Can a leaf of @level go at @va without disturbing anything?  -MNEME_EBUSY
 * if a leaf covers @va on the way down or the entry at @level is in use
 * (by anything, an empty table too).  On success, *@free_level is the
 * level of the absent entry that ended the walk: its whole span is free.
 */
static int check_slot(const struct pgtable *pt, uint64_t va, unsigned level, unsigned *free_level)
{
	uint64_t table = pt->root;

	for (unsigned l = pt->levels - 1;; l--) {
		uint64_t e = pgtable_table(pt, table)[pgtable_index(va, l)];
		if (!arch_pte_valid(e)) {
			*free_level = l;
			return 0;
		}
		if (l == level || arch_pte_leaf(e, l))
			return -MNEME_EBUSY;
		table = arch_pte_pa(e);
	}
}

/*
 * The entry for @va at @level, creating missing tables on the way (for a
 * leaf with bits @leaf).  Returns NULL with *@err = -MNEME_ENOMEM if no
 * frame is left, or -MNEME_EBUSY if a leaf is in the way (callers checked
 * first, so this is only a guard).
 */
static uint64_t *walk_create(struct pgtable *pt, uint64_t va, unsigned level, uint64_t leaf,
			     int *err)
{
	uint64_t table = pt->root;

	for (unsigned l = pt->levels - 1; l > level; l--) {
		uint64_t *e = &pgtable_table(pt, table)[pgtable_index(va, l)];
		if (!arch_pte_valid(*e)) {
			uint64_t frame = pt->alloc(pt->ctx);
			if (!frame) {
				*err = -MNEME_ENOMEM;
				return NULL;
			}
			*e = arch_pte_mktable(frame, leaf);
		} else if (arch_pte_leaf(*e, l)) {
			*err = -MNEME_EBUSY;
			return NULL;
		} else {
			uint64_t merged = arch_pte_table_merge(*e, leaf);
			if (merged != *e)
				*e = merged;
		}
		table = arch_pte_pa(*e);
	}
	return &pgtable_table(pt, table)[pgtable_index(va, level)];
}

/*
 * Every leaf slot pgtable_map() would write for the range is free.  An
 * absent table found on the way frees its whole span, so absent regions
 * are skipped without walking each page.
 */
static int check_range(const struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size,
		       unsigned max_level)
{
	uint64_t free_base = 0, free_size = 0;   /* [free_base, +free_size) known free */

	while (size) {
		unsigned level = leaf_level(va, pa, size, max_level), free_level;
		if (va - free_base >= free_size) {
			int err = check_slot(pt, va, level, &free_level);
			if (err)
				return err;
			free_size = PT_LEVEL_SIZE(free_level);
			free_base = va & ~(free_size - 1);
		}
		va += PT_LEVEL_SIZE(level);
		pa += PT_LEVEL_SIZE(level);
		size -= PT_LEVEL_SIZE(level);
	}
	return 0;
}

int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t leaf,
		unsigned max_level)
{
	if ((va | pa | size) & (PT_LEVEL_SIZE(0) - 1) || !size || va + size - 1 < va ||
	    pa + size - 1 < pa)
		return -MNEME_EINVAL;
	if (max_level >= pt->levels)
		max_level = pt->levels - 1;
	int err = check_range(pt, va, pa, size, max_level);
	if (err)
		return err;
	while (size) {
		unsigned level = leaf_level(va, pa, size, max_level);
		uint64_t *e = walk_create(pt, va, level, leaf, &err);
		if (!e)
			return err;
		*e = arch_pte_mkleaf(pa, leaf, level);
		va += PT_LEVEL_SIZE(level);
		pa += PT_LEVEL_SIZE(level);
		size -= PT_LEVEL_SIZE(level);
	}
	return 0;
}

bool pgtable_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pte, unsigned *level)
{
	const uint64_t *e = pgtable_find_leaf(pt, va, level);

	if (!e)
		return false;
	*pte = *e;
	return true;
}

/* Visit the leaves of the table at @table, of level @level, which maps from @va. */
static void for_each_in_table(const struct pgtable *pt, uint64_t table, unsigned level, uint64_t va,
			      void (*fn)(void *, uint64_t, uint64_t, unsigned), void *arg)
{
	const uint64_t *t = pgtable_table(pt, table);

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = t[i];
		uint64_t eva = va + ((uint64_t)i << PT_LEVEL_SHIFT(level));
		if (!arch_pte_valid(e))
			continue;
		if (arch_pte_leaf(e, level))
			fn(arg, pgtable_canonical(eva, pt->levels), e, level);
		else if (level > 0)
			for_each_in_table(pt, arch_pte_pa(e), level - 1, eva, fn, arg);
	}
}

void pgtable_for_each_leaf(const struct pgtable *pt, unsigned first, unsigned last,
			   void (*fn)(void *arg, uint64_t va, uint64_t pte, unsigned level), void *arg)
{
	unsigned top = pt->levels - 1;
	const uint64_t *root = pgtable_table(pt, pt->root);

	for (unsigned i = first; i <= last && i < PT_ENTRIES; i++) {
		uint64_t e = root[i];
		uint64_t va = (uint64_t)i << PT_LEVEL_SHIFT(top);
		if (!arch_pte_valid(e))
			continue;
		if (arch_pte_leaf(e, top))
			fn(arg, pgtable_canonical(va, pt->levels), e, top);
		else
			for_each_in_table(pt, arch_pte_pa(e), top - 1, va, fn, arg);
	}
}

/* Leaves of the table at @table (of @level, covering from @base) that meet [va, end). */
static void range_in_table(const struct pgtable *pt, uint64_t table, unsigned level, uint64_t base,
			   uint64_t va, uint64_t end,
			   void (*fn)(void *arg, uint64_t va, uint64_t pte, unsigned level), void *arg)
{
	const uint64_t *t = pgtable_table(pt, table);
	uint64_t size = PT_LEVEL_SIZE(level);
	unsigned first = va > base ? (unsigned)((va - base) >> PT_LEVEL_SHIFT(level)) : 0;

	for (unsigned i = first; i < PT_ENTRIES; i++) {
		uint64_t start = base + (uint64_t)i * size;
		if (start >= end)
			return;
		uint64_t e = t[i];
		if (!arch_pte_valid(e))
			continue;
		if (arch_pte_leaf(e, level))
			fn(arg, start, e, level);
		else if (level > 0)
			range_in_table(pt, arch_pte_pa(e), level - 1, start, va, end, fn, arg);
	}
}

void pgtable_for_each_leaf_in(const struct pgtable *pt, uint64_t va, uint64_t end,
			      void (*fn)(void *arg, uint64_t va, uint64_t pte, unsigned level),
			      void *arg)
{
	if (va < end)
		range_in_table(pt, pt->root, pt->levels - 1, 0, va, end, fn, arg);
}

/*
 * Prune under the table at @table (of @level, covering from @base) the
 * child tables that meet [va, end); true if @table has no valid entry
 * left (the scan stops at the first valid one).
 */
static bool prune_table(struct pgtable *pt, uint64_t table, unsigned level, uint64_t base,
			uint64_t va, uint64_t end, void (*fn)(uint64_t, void *), void *ctx)
{
	uint64_t *t = pgtable_table(pt, table);
	uint64_t size = PT_LEVEL_SIZE(level);
	unsigned first = va > base ? (unsigned)((va - base) >> PT_LEVEL_SHIFT(level)) : 0;

	for (unsigned i = first; i < PT_ENTRIES; i++) {
		uint64_t start = base + (uint64_t)i * size;
		if (start >= end)
			break;
		uint64_t e = t[i];
		if (!arch_pte_valid(e) || level == 0 || arch_pte_leaf(e, level))
			continue;
		if (prune_table(pt, arch_pte_pa(e), level - 1, start, va, end, fn, ctx)) {
			t[i] = 0;
			fn(arch_pte_pa(e), ctx);
		}
	}
	return pgtable_table_empty(pt, table);
}

void pgtable_prune(struct pgtable *pt, uint64_t va, uint64_t end,
		   void (*fn)(uint64_t pa, void *ctx), void *ctx)
{
	if (va < end)
		prune_table(pt, pt->root, pt->levels - 1, 0, va, end, fn, ctx);
}

int pgtable_split(struct pgtable *pt, uint64_t va, unsigned level)
{
	unsigned at;
	uint64_t *e = pgtable_find_leaf(pt, va, &at);

	if (!e || at != level || level == 0)
		return -MNEME_ENOENT;
	uint64_t frame = pt->alloc(pt->ctx);
	if (!frame)
		return -MNEME_ENOMEM;
	uint64_t *t = pgtable_table(pt, frame);
	uint64_t pa = pgtable_leaf_pa(*e, level), bits = arch_pte_leaf_bits(*e, level);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		t[i] = arch_pte_mkleaf(pa + ((uint64_t)i << PT_LEVEL_SHIFT(level - 1)), bits, level - 1);
	__atomic_store_n(e, arch_pte_mktable(frame, bits), __ATOMIC_RELEASE);   /* the table first */
	return 0;
}

/* Report and clear every table below the table at @table, of level @level. */
static void release_table(const struct pgtable *pt, uint64_t table, unsigned level,
			  void (*fn)(uint64_t, void *), void *ctx)
{
	uint64_t *t = pgtable_table(pt, table);

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = t[i];
		if (arch_pte_valid(e) && level > 0 && !arch_pte_leaf(e, level)) {
			release_table(pt, arch_pte_pa(e), level - 1, fn, ctx);
			fn(arch_pte_pa(e), ctx);
		}
		t[i] = 0;
	}
}

void pgtable_release(struct pgtable *pt, unsigned first, unsigned last,
		     void (*fn)(uint64_t pa, void *ctx), void *ctx)
{
	unsigned top = pt->levels - 1;
	uint64_t *root = pgtable_table(pt, pt->root);

	for (unsigned i = first; i <= last && i < PT_ENTRIES; i++) {
		uint64_t e = root[i];
		if (arch_pte_valid(e) && !arch_pte_leaf(e, top)) {
			release_table(pt, arch_pte_pa(e), top - 1, fn, ctx);
			fn(arch_pte_pa(e), ctx);
		}
		root[i] = 0;
	}
}
