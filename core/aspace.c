/*
 * The user page-table calls of <arch/uspace.h> that are the same on
 * every architecture: map (and what a map would need), unmap, protect,
 * query, split, prune, walk and release of a user half, on the generic
 * walker (core/pgtable.c).  Each architecture supplies only its
 * primitives in <arch/uspace_pt.h> (the user half as a tree, leaf bits
 * for a set of rights and back, which frames a leaf may name) and its
 * entry encoding in <arch/pte.h>; address-space creation, activation
 * and TLB invalidation stay in arch/<arch>/uspace.c.
 *
 * None of these flushes a TLB or takes a lock: the caller (core/vm.c)
 * holds the space's lock and shoots down what it changed.
 */
#include <arch/uspace_pt.h>
#include <core/pgtable.h>
#include <mneme/error.h>

#ifdef ARCH_HAS_USPACE

/* The user leaf that maps @va in @as and its level (0: 4 KiB, 1: 2 MiB), or NULL. */
static uint64_t *user_leaf(const struct arch_aspace *as, uint64_t va, unsigned *level)
{
	struct pgtable pt = arch_user_pt(as, 0, 0);

	if (va >= ARCH_USER_TOP)
		return NULL;
	return pgtable_find_leaf(&pt, va, level);
}

/*
 * Decode here (rights, alignment, the user half, the frame's address),
 * then pgtable_map_leaf(), which finds a conflict (-MNEME_EBUSY) before
 * it allocates anything, so that failure changes nothing at all.  If
 * @alloc runs dry the tables taken stay linked in (empty), no mapping
 * appears, and arch_aspace_release_tables() still accounts for every
 * frame (the core asks arch_aspace_map_need() first, so it never gets
 * there).  A table where the leaf would go is -MNEME_EBUSY, even empty:
 * the core prunes emptied tables (arch_aspace_prune()).
 */
int arch_aspace_map(struct arch_aspace *as, uint64_t va, uint64_t pa, unsigned page_shift,
		    unsigned prot, arch_pt_alloc_fn alloc, void *ctx)
{
	unsigned target = page_shift == 12 ? 0 : page_shift == 21 ? 1 : page_shift == 30 ? 2 : ~0u;
	uint64_t size = 1ull << (page_shift & 63);
	uint64_t flags = arch_user_pte_flags(prot);
	struct pgtable pt = arch_user_pt(as, alloc, ctx);

	if (target == ~0u || !flags || ((va | pa) & (size - 1)) || va >= ARCH_USER_TOP ||
	    size > ARCH_USER_TOP - va || !arch_user_pa_ok(pa))
		return -MNEME_EINVAL;
	return pgtable_map_leaf(&pt, va, pa, target, flags);
}

int arch_aspace_map_need(const struct arch_aspace *as, uint64_t va, unsigned page_shift,
			 unsigned *tables)
{
	unsigned target = page_shift == 12 ? 0 : page_shift == 21 ? 1 : ~0u;
	uint64_t size = 1ull << (page_shift & 63);
	struct pgtable pt = arch_user_pt(as, 0, 0);

	if (target == ~0u || (va & (size - 1)) || va >= ARCH_USER_TOP || size > ARCH_USER_TOP - va)
		return -MNEME_EINVAL;
	return pgtable_map_need(&pt, va, target, tables);
}

void arch_aspace_prune(struct arch_aspace *as, uint64_t va, uint64_t end,
		       void (*fn)(uint64_t pa, void *ctx), void *ctx)
{
	struct pgtable pt = arch_user_pt(as, 0, 0);

	if (end > ARCH_USER_TOP)
		end = ARCH_USER_TOP;
	pgtable_prune(&pt, va, end, fn, ctx);
}

int arch_aspace_split(struct arch_aspace *as, uint64_t va, arch_pt_alloc_fn alloc, void *ctx)
{
	struct pgtable pt = arch_user_pt(as, alloc, ctx);

	unsigned level;

	if (va >= ARCH_USER_TOP || !pgtable_find_leaf(&pt, va, &level))
		return -MNEME_ENOENT;
	return pgtable_split(&pt, va, level);
}

int arch_aspace_unmap(struct arch_aspace *as, uint64_t va, uint64_t *pa, unsigned *page_shift)
{
	unsigned level;
	uint64_t *e = user_leaf(as, va, &level);

	if (!e)
		return -MNEME_ENOENT;
	*pa = pgtable_leaf_pa(*e, level);
	*page_shift = PT_LEVEL_SHIFT(level);
	*e = 0;
	return 0;
}

int arch_aspace_protect(struct arch_aspace *as, uint64_t va, unsigned prot)
{
	unsigned level;
	uint64_t *e = user_leaf(as, va, &level);
	uint64_t flags = arch_user_pte_flags(prot);

	if (!e)
		return -MNEME_ENOENT;
	if (!flags)
		return -MNEME_EINVAL;
	*e = arch_pte_mkleaf(arch_pte_pa(*e), flags, level);
	return 0;
}

/*
 * The accessed bit (PTE_A on both architectures) is cleared with an
 * atomic AND: a CPU may set the entry's bits at the same moment (its own
 * locked update; QEMU's riscv64 walker a compare-and-swap), and a plain
 * write could lose them.  A riscv64 hart that faults on a clear A instead
 * of setting it has the fault fixed by riscv_fix_accessed() before it
 * reaches the pager.
 */
int arch_aspace_clear_young(struct arch_aspace *as, uint64_t va)
{
	unsigned level;
	uint64_t *e = user_leaf(as, va, &level);

	if (!e)
		return -MNEME_ENOENT;
	if (!(__atomic_load_n(e, __ATOMIC_RELAXED) & PTE_A))
		return 0;
	return (__atomic_fetch_and(e, ~PTE_A, __ATOMIC_RELAXED) & PTE_A) != 0;
}

int arch_aspace_query(const struct arch_aspace *as, uint64_t va, uint64_t *pa, unsigned *prot,
		      unsigned *page_shift)
{
	unsigned level;
	uint64_t *e = user_leaf(as, va, &level);

	if (!e)
		return -MNEME_ENOENT;
	*pa = pgtable_leaf_pa(*e, level);
	*prot = arch_user_pte_prot(*e);
	*page_shift = PT_LEVEL_SHIFT(level);
	return 0;
}

struct for_each_ctx {
	void (*fn)(void *arg, uint64_t va, unsigned page_shift);
	void *arg;
};

static void for_each_leaf(void *arg, uint64_t va, uint64_t pte, unsigned level)
{
	struct for_each_ctx *c = arg;

	(void)pte;
	c->fn(c->arg, va, PT_LEVEL_SHIFT(level));
}

void arch_aspace_for_each(const struct arch_aspace *as, uint64_t va, uint64_t end,
			  void (*fn)(void *arg, uint64_t va, unsigned page_shift), void *arg)
{
	struct pgtable pt = arch_user_pt(as, 0, 0);
	struct for_each_ctx c = { fn, arg };

	if (end > ARCH_USER_TOP)
		end = ARCH_USER_TOP;
	pgtable_for_each_leaf_in(&pt, va, end, for_each_leaf, &c);
}

void arch_aspace_release_tables(struct arch_aspace *as, void (*fn)(uint64_t pa, void *ctx),
				void *ctx)
{
	struct pgtable pt = arch_user_pt(as, 0, 0);

	pgtable_release(&pt, 0, ARCH_USER_ROOT_SLOTS - 1, fn, ctx);
}

#endif /* ARCH_HAS_USPACE */
