/*
 * The 4-level page-table walker (see arch/pgtable.h).  It only edits
 * tables; TLB flushes and CR3 are the caller's business.
 */
#include <arch/pgtable.h>
#include <arch/x86.h>
#include <mneme/error.h>

/* Index of @va in the table at @level (3 = PML4, 2 = PDPT, 1 = PD, 0 = PT). */
static unsigned pt_index(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & (PT_ENTRIES - 1);
}

static uint64_t level_size(int level)
{
	return 1ull << (12 + 9 * level);
}

/* Largest leaf level (0..2) usable for the next piece of a mapping. */
static int leaf_level(const struct x86_pt *pt, uint64_t va, uint64_t pa, uint64_t left)
{
	for (int level = 2; level > 0; level--) {
		uint64_t s = level_size(level);
		if (s <= pt->max_page && !((va | pa) & (s - 1)) && left >= s)
			return level;
	}
	return 0;
}

/*
 * The table at @level - 1 below entry @e, allocated if absent.  Returns
 * NULL with *@err set if a frame could not be had or a leaf is in the way.
 */
static uint64_t *next_table(struct x86_pt *pt, uint64_t *e, uint64_t user, int *err)
{
	if (*e & PTE_P) {
		if (*e & PTE_PS) {
			*err = -MNEME_EBUSY;
			return NULL;
		}
		*e |= user;
		return pt->table(*e & PTE_ADDR);
	}
	uint64_t frame = pt->alloc(pt->ctx);
	if (!frame) {
		*err = -MNEME_ENOMEM;
		return NULL;
	}
	*e = frame | PTE_P | PTE_W | user;
	return pt->table(frame);
}

/* Map one leaf of level @level at @va. */
static int map_one(struct x86_pt *pt, uint64_t va, uint64_t pa, int level, uint64_t prot)
{
	uint64_t *table = pt->table(pt->root);
	int err = 0;

	for (int l = 3; l > level; l--) {
		table = next_table(pt, &table[pt_index(va, l)], prot & PTE_U, &err);
		if (!table)
			return err;
	}
	uint64_t *e = &table[pt_index(va, level)];
	if (*e & PTE_P)
		return -MNEME_EBUSY;
	*e = pa | prot | PTE_P | (level ? PTE_PS : 0);
	return 0;
}

int x86_pt_map(struct x86_pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot)
{
	if ((va | pa | size) & (PAGE_SIZE_4K - 1))
		return -MNEME_EINVAL;
	while (size) {
		int level = leaf_level(pt, va, pa, size);
		int err = map_one(pt, va, pa, level, prot & ~PTE_PS);
		if (err)
			return err;
		va += level_size(level);
		pa += level_size(level);
		size -= level_size(level);
	}
	return 0;
}

uint64_t x86_pt_lookup(const struct x86_pt *pt, uint64_t va, uint64_t *page_size)
{
	uint64_t *table = pt->table(pt->root);

	for (int level = 3; level >= 0; level--) {
		uint64_t e = table[pt_index(va, level)];
		if (!(e & PTE_P))
			return 0;
		if (level == 0 || (level < 3 && (e & PTE_PS))) {
			*page_size = level_size(level);
			return e;
		}
		table = pt->table(e & PTE_ADDR);
	}
	return 0;
}
