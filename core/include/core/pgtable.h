/*
 * Page tables, generically: one walker, mapper, unmapper and releaser for
 * every radix page-table tree of the core, its own tables at boot and
 * every user address space after.
 *
 * Both architectures have the same shape: 512 eight-byte entries a table,
 * 9 bits of the virtual address a level, 3 or 4 levels, level 0 mapping
 * 4 KiB pages, level 1 2 MiB and level 2 1 GiB, a leaf possible at any
 * level the architecture allows.  Only the entry encoding differs, and
 * that lives in <arch/pte.h> as a few inline primitives (Linux's pte
 * helpers):
 *
 *   arch_pte_valid(e)            the entry is in use
 *   arch_pte_leaf(e, level)      a valid entry at @level maps memory
 *                                (not a pointer to the next table)
 *   arch_pte_pa(e)               the frame a valid entry points at
 *   arch_pte_mktable(pa, leaf)   an entry pointing at table @pa, on the
 *                                path to a leaf with bits @leaf
 *   arch_pte_table_merge(e, leaf) existing table entry @e, widened for a
 *                                path to a leaf with bits @leaf
 *   arch_pte_mkleaf(pa, leaf, level) a leaf of @level mapping @pa with
 *                                the architecture's leaf bits @leaf
 *   arch_pte_leaf_bits(e, level) the leaf bits of leaf @e of @level, as
 *                                arch_pte_mkleaf() takes them
 *
 * "Leaf bits" are the architecture's own (PTE_R/W/X/U/G on riscv64,
 * PTE_W/U/NX/G/PCD on x86_64): the architecture decodes rights into them,
 * this code only places them.  Nothing here flushes a TLB.
 */
#ifndef CORE_PGTABLE_H
#define CORE_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/arch.h>
#include <arch/pte.h>
#include <mneme/error.h>

#define PT_ENTRIES        512
#define PT_LEVEL_SHIFT(l) (12 + 9 * (l))
#define PT_LEVEL_SIZE(l)  (1ull << PT_LEVEL_SHIFT(l))

/* One tree: where its root is, how deep it is, where tables come from and how they are reached. */
struct pgtable {
	uint64_t root;                   /* physical address of the root table */
	unsigned levels;                 /* 3 or 4 */
	uint64_t (*alloc)(void *ctx);    /* a zeroed 4 KiB frame, or 0 when none is left */
	void *ctx;
	uint64_t *(*table)(uint64_t pa); /* the table at @pa; NULL: through the direct map */
};

/* The table at physical @pa. */
static inline uint64_t *pgtable_table(const struct pgtable *pt, uint64_t pa)
{
	return pt->table ? pt->table(pa) : (uint64_t *)phys_to_virt(pa);
}

/*
 * pgtable_map - map [@va, @va + @size) to [@pa, ...) with leaf bits @leaf,
 * using at each step the largest leaf (at most level @max_level) that
 * alignment and the remaining size allow.
 *
 * Returns 0; -MNEME_EINVAL if an address or the size is not page-aligned,
 * the size is 0 or either range wraps; -MNEME_EBUSY if any entry the
 * mapping would write is in use or a larger leaf covers part of the range
 * (checked over the whole range before anything changes); -MNEME_ENOMEM
 * if @pt->alloc runs dry, in which case the pages mapped so far stay
 * mapped.
 */
int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t leaf,
		unsigned max_level);

/* The index of @va in a table of @level. */
static inline unsigned pgtable_index(uint64_t va, unsigned level)
{
	return (va >> PT_LEVEL_SHIFT(level)) & (PT_ENTRIES - 1);
}

/* True if no entry of the table at @table is in use. */
bool pgtable_table_empty(const struct pgtable *pt, uint64_t table);

/*
 * pgtable_map_leaf - map one leaf of level @level at @va to @pa, with
 * tables from @pt->alloc.  Decode, then perform: -MNEME_EBUSY (a leaf on
 * the way, or the entry where the leaf goes in use, by a leaf or by a
 * table, even an empty one) is found before anything is allocated or
 * written.  -MNEME_ENOMEM leaves the tables taken so far linked in,
 * empty: no mapping appears (callers that must not leave empty tables
 * ask pgtable_map_need() first).  Existing table entries are used as they
 * are (for trees of user leaves only: x86_64's U on the path is set when
 * a table is created, never added later).
 *
 * One pass: while tables exist, a leaf on the way is a conflict; once an
 * entry is absent nothing below it can conflict, so tables are allocated
 * only after every check that could fail with -MNEME_EBUSY has passed.
 * Inline, like pgtable_find_leaf(): both are on the page-fault path, and
 * an architecture with a fixed depth gets its loop unrolled.
 */
static inline int pgtable_map_leaf(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned level,
				   uint64_t leaf)
{
	uint64_t table = pt->root;

	for (unsigned l = pt->levels - 1; l > level; l--) {
		uint64_t *e = &pgtable_table(pt, table)[pgtable_index(va, l)];
		if (!arch_pte_valid(*e)) {
			uint64_t frame = pt->alloc(pt->ctx);
			if (!frame)
				return -MNEME_ENOMEM;
			*e = arch_pte_mktable(frame, leaf);
		} else if (arch_pte_leaf(*e, l)) {
			return -MNEME_EBUSY;
		}
		table = arch_pte_pa(*e);
	}
	uint64_t *e = &pgtable_table(pt, table)[pgtable_index(va, level)];
	if (arch_pte_valid(*e))
		return -MNEME_EBUSY;
	*e = arch_pte_mkleaf(pa, leaf, level);
	return 0;
}

/*
 * pgtable_map_need - what pgtable_map_leaf() at @va, @level would do:
 * 0 and in *@tables the tables it would take (absent levels on the way),
 * or -MNEME_EBUSY.  Changes nothing.
 */
static inline int pgtable_map_need(const struct pgtable *pt, uint64_t va, unsigned level,
				   unsigned *tables)
{
	uint64_t table = pt->root;

	*tables = 0;
	for (unsigned l = pt->levels - 1; l > level; l--) {
		uint64_t e = pgtable_table(pt, table)[pgtable_index(va, l)];
		if (!arch_pte_valid(e)) {
			*tables = l - level;
			return 0;
		}
		if (arch_pte_leaf(e, l))
			return -MNEME_EBUSY;
		table = arch_pte_pa(e);
	}
	return arch_pte_valid(pgtable_table(pt, table)[pgtable_index(va, level)]) ? -MNEME_EBUSY : 0;
}

/* The leaf entry that maps @va and its level, or NULL if @va is not mapped. */
static inline uint64_t *pgtable_find_leaf(const struct pgtable *pt, uint64_t va, unsigned *level)
{
	uint64_t table = pt->root;

	for (unsigned l = pt->levels - 1;; l--) {
		uint64_t *e = &pgtable_table(pt, table)[pgtable_index(va, l)];
		if (!arch_pte_valid(*e))
			return NULL;
		if (arch_pte_leaf(*e, l)) {
			*level = l;
			return e;
		}
		if (l == 0)
			return NULL;
		table = arch_pte_pa(*e);
	}
}

/* Like pgtable_find_leaf(), by value: true and *@pte, *@level if @va is mapped. */
bool pgtable_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pte, unsigned *level);

/* The first physical address of the leaf @pte of @level. */
static inline uint64_t pgtable_leaf_pa(uint64_t pte, unsigned level)
{
	return arch_pte_pa(pte) & ~(PT_LEVEL_SIZE(level) - 1);
}

/*
 * pgtable_for_each_leaf - call @fn for every leaf under root slots
 * [@first, @last], in address order, with the leaf's virtual address
 * sign-extended from the tree's top bit.
 */
void pgtable_for_each_leaf(const struct pgtable *pt, unsigned first, unsigned last,
			   void (*fn)(void *arg, uint64_t va, uint64_t pte, unsigned level), void *arg);

/*
 * pgtable_for_each_leaf_in - call @fn for every leaf that meets the
 * lower-half range [@va, @end), in address order, skipping absent tables
 * whole (the cost follows what is mapped, not the size of the range).
 * @fn may change the entry it is given the value of, not the tree's shape.
 */
void pgtable_for_each_leaf_in(const struct pgtable *pt, uint64_t va, uint64_t end,
			      void (*fn)(void *arg, uint64_t va, uint64_t pte, unsigned level),
			      void *arg);

/*
 * pgtable_prune - unlink every table under the lower-half range [@va,
 * @end) that has no valid entry left (children before their parent, the
 * root never) and call @fn with each frame.  The caller flushes the TLB
 * (paging-structure caches included) before a frame is used again.
 * Cost: the tables the range meets, each scanned until its first valid
 * entry.
 */
void pgtable_prune(struct pgtable *pt, uint64_t va, uint64_t end,
		   void (*fn)(uint64_t pa, void *ctx), void *ctx);

/*
 * pgtable_split - turn the leaf of level @level (1 or 2) covering @va into
 * a table of leaves one level down with the same frames and leaf bits, the
 * table from @pt->alloc.  0, -MNEME_ENOENT (no leaf of that level there)
 * or -MNEME_ENOMEM (nothing changed).  The caller flushes the old leaf
 * from the TLB.
 */
int pgtable_split(struct pgtable *pt, uint64_t va, unsigned level);

/*
 * pgtable_release - call @fn for every table frame under root slots
 * [@first, @last] (children before their parent, the root itself not),
 * clearing every entry on the way: leaves are forgotten, not reported.
 */
void pgtable_release(struct pgtable *pt, unsigned first, unsigned last,
		     void (*fn)(uint64_t pa, void *ctx), void *ctx);

/* Sign-extend @va from the top bit of a @levels-level tree (bit 38 or 47). */
static inline uint64_t pgtable_canonical(uint64_t va, unsigned levels)
{
	unsigned shift = 64 - PT_LEVEL_SHIFT(levels);

	return (uint64_t)((int64_t)(va << shift) >> shift);
}

#endif
