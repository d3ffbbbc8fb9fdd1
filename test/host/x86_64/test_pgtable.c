/*
 * Host test of the generic page-table walker (core/pgtable.c) with the
 * x86_64 entry encoding (arch/x86_64/include/arch/pte.h).
 *
 * Table frames come from a simulated physical arena with a budget, so
 * running out can be tested.  Every mapping made is checked page by page
 * through x86_pt_lookup() and against an independent rule for which leaf
 * size must have been used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arch/pgtable.h>
#include <mneme/error.h>

#define ARENA_FRAMES 8192
#define ARENA_BASE   0x100000ull          /* "physical" address of frame 0 */

static uint64_t *arena;
static unsigned arena_used, arena_budget;
static int failures;

#define CHECK(c)                                                                  \
	do {                                                                      \
		if (!(c)) {                                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
			failures++;                                               \
		}                                                                 \
	} while (0)

static uint64_t arena_alloc(void *ctx)
{
	(void)ctx;
	if (arena_used >= arena_budget)
		return 0;
	memset(&arena[arena_used * PT_ENTRIES], 0, PAGE_SIZE_4K);
	return ARENA_BASE + (uint64_t)arena_used++ * PAGE_SIZE_4K;
}

static uint64_t *arena_table(uint64_t pa)
{
	if (pa < ARENA_BASE || pa >= ARENA_BASE + (uint64_t)arena_used * PAGE_SIZE_4K ||
	    (pa & (PAGE_SIZE_4K - 1))) {
		fprintf(stderr, "walker touched a non-table frame 0x%llx\n", (unsigned long long)pa);
		abort();
	}
	return &arena[(pa - ARENA_BASE) / 8];
}

static uint64_t cur_max_page;   /* largest leaf the current tree's mappings may use */

static struct pgtable fresh_pt(uint64_t max_page, unsigned budget)
{
	struct pgtable pt = { .levels = 4, .alloc = arena_alloc, .table = arena_table };

	cur_max_page = max_page;
	arena_used = 0;
	arena_budget = budget;
	pt.root = arena_alloc(NULL);
	return pt;
}

/* pgtable_map() with leaves up to cur_max_page, as the core maps its direct map. */
static int map_range(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot)
{
	unsigned max_level = cur_max_page == PAGE_SIZE_1G ? 2 : cur_max_page == PAGE_SIZE_2M ? 1 : 0;

	return pgtable_map(pt, va, pa, size, prot, max_level);
}

/* The leaf size the walker must choose at @va: largest allowed, aligned, and fitting. */
static uint64_t expected_leaf(uint64_t max_page, uint64_t va, uint64_t pa, uint64_t end)
{
	static const uint64_t sizes[] = { PAGE_SIZE_1G, PAGE_SIZE_2M };

	for (unsigned i = 0; i < 2; i++)
		if (sizes[i] <= max_page && !((va | pa) & (sizes[i] - 1)) && va + sizes[i] <= end)
			return sizes[i];
	return PAGE_SIZE_4K;
}

/* Check a mapping of [va, va + size) -> pa with leaf bits @prot; returns leaves seen. */
static unsigned check_range(const struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size,
			    uint64_t prot)
{
	unsigned leaves = 0;

	for (uint64_t off = 0; off < size;) {
		uint64_t leaf = 0, e = x86_pt_lookup(pt, va + off, &leaf);
		CHECK(e & PTE_P);
		if (!(e & PTE_P))
			return leaves;
		CHECK(leaf == expected_leaf(cur_max_page, va + off, pa + off, va + size));
		CHECK((e & PTE_ADDR) == pa + off);
		CHECK((e & (PTE_W | PTE_U | PTE_NX | PTE_G | PTE_PCD)) == prot);
		CHECK(!!(e & PTE_PS) == (leaf != PAGE_SIZE_4K));
		off += leaf;
		leaves++;
	}
	return leaves;
}

/* Nothing mapped just below or just above [va, va + size). */
static void check_isolated(const struct pgtable *pt, uint64_t va, uint64_t size)
{
	uint64_t dummy;

	CHECK(x86_pt_lookup(pt, va + size, &dummy) == 0);
	CHECK(x86_pt_lookup(pt, va - PAGE_SIZE_4K, &dummy) == 0);
}

static void test_single_page(void)
{
	struct pgtable pt = fresh_pt(PAGE_SIZE_4K, 16);
	uint64_t va = 0xffff800000123000ull, size = 0;

	CHECK(x86_pt_lookup(&pt, va, &size) == 0);
	CHECK(map_range(&pt, va, 0x5000, PAGE_SIZE_4K, PTE_W | PTE_NX) == 0);
	CHECK(check_range(&pt, va, 0x5000, PAGE_SIZE_4K, PTE_W | PTE_NX) == 1);
	check_isolated(&pt, va, PAGE_SIZE_4K);
	CHECK(arena_used == 4);                   /* PML4, PDPT, PD, PT */
}

static void test_large_pages(void)
{
	struct pgtable pt = fresh_pt(PAGE_SIZE_1G, 64);
	uint64_t va = 0xffff800000000000ull;

	/* 3 GiB + 6 MiB + 12 KiB from a 1 GiB-aligned base: 3 x 1G, 3 x 2M, 3 x 4K. */
	uint64_t size = 3 * PAGE_SIZE_1G + 3 * PAGE_SIZE_2M + 3 * PAGE_SIZE_4K;
	CHECK(map_range(&pt, va, 0x40000000, size, PTE_W | PTE_NX | PTE_G) == 0);
	CHECK(check_range(&pt, va, 0x40000000, size, PTE_W | PTE_NX | PTE_G) == 9);
	check_isolated(&pt, va, size);

	/* Same with 2 MiB as the largest page. */
	pt = fresh_pt(PAGE_SIZE_2M, 64);
	CHECK(map_range(&pt, va, 0x40000000, size, PTE_W) == 0);
	CHECK(check_range(&pt, va, 0x40000000, size, PTE_W) == 3 * 512 + 3 + 3);
}

static void test_misaligned_pa_gets_small_pages(void)
{
	struct pgtable pt = fresh_pt(PAGE_SIZE_1G, 64);
	uint64_t va = 0xffff800040000000ull;

	/* va is 1G-aligned but pa only 4K-aligned: no large page is possible. */
	CHECK(map_range(&pt, va, 0x1000, 4 * PAGE_SIZE_2M, 0) == 0);
	CHECK(check_range(&pt, va, 0x1000, 4 * PAGE_SIZE_2M, 0) == 4 * 512);
}

static void test_errors(void)
{
	struct pgtable pt = fresh_pt(PAGE_SIZE_2M, 64);
	uint64_t va = 0x400000, size;

	CHECK(map_range(&pt, va + 1, 0, PAGE_SIZE_4K, 0) == -MNEME_EINVAL);
	CHECK(map_range(&pt, va, 0x800, PAGE_SIZE_4K, 0) == -MNEME_EINVAL);
	CHECK(map_range(&pt, va, 0, 100, 0) == -MNEME_EINVAL);
	CHECK(map_range(&pt, va, 0, PAGE_SIZE_2M, PTE_W) == 0);
	/* Over a 2 MiB leaf: neither a 4K mapping inside nor the same leaf again. */
	CHECK(map_range(&pt, va + PAGE_SIZE_4K, 0, PAGE_SIZE_4K, 0) == -MNEME_EBUSY);
	CHECK(map_range(&pt, va, 0, PAGE_SIZE_2M, 0) == -MNEME_EBUSY);
	/* A 2 MiB leaf over a table of 4K pages. */
	CHECK(map_range(&pt, va + PAGE_SIZE_2M, 0x3000, PAGE_SIZE_4K, 0) == 0);
	CHECK(map_range(&pt, va + PAGE_SIZE_2M, 0, PAGE_SIZE_2M, 0) == -MNEME_EBUSY);
	CHECK(map_range(&pt, va + PAGE_SIZE_2M, 0x3000, PAGE_SIZE_4K, 0) == -MNEME_EBUSY);
	CHECK(x86_pt_lookup(&pt, va + 2 * PAGE_SIZE_2M, &size) == 0);

	/* Out of table frames: the root plus two tables, a 4K leaf needs three. */
	pt = fresh_pt(PAGE_SIZE_4K, 3);
	CHECK(map_range(&pt, va, 0, PAGE_SIZE_4K, 0) == -MNEME_ENOMEM);
	CHECK(x86_pt_lookup(&pt, va, &size) == 0);
}

static void test_user_bit_on_path(void)
{
	struct pgtable pt = fresh_pt(PAGE_SIZE_2M, 16);
	uint64_t va = 0x7fff00000000ull;

	CHECK(map_range(&pt, va, 0x200000, PAGE_SIZE_4K, PTE_U | PTE_W) == 0);
	/* Every table entry on the way must allow user access, or the leaf's U is moot. */
	uint64_t *t = arena_table(pt.root);
	for (int level = 3; level > 0; level--) {
		uint64_t e = t[(va >> (12 + 9 * level)) & 511];
		CHECK((e & (PTE_P | PTE_U | PTE_W)) == (PTE_P | PTE_U | PTE_W));
		t = arena_table(e & PTE_ADDR);
	}
	/* A kernel mapping next to it does not take U away from the path. */
	CHECK(map_range(&pt, va + PAGE_SIZE_4K, 0x201000, PAGE_SIZE_4K, PTE_NX) == 0);
	check_range(&pt, va, 0x200000, PAGE_SIZE_4K, PTE_U | PTE_W);
	check_range(&pt, va + PAGE_SIZE_4K, 0x201000, PAGE_SIZE_4K, PTE_NX);
}

/* A range that overlaps one mapped page fails whole: no page mapped, no table taken. */
static void test_busy_changes_nothing(void)
{
	struct pgtable pt = fresh_pt(PAGE_SIZE_2M, 64);
	uint64_t va = 0x40000000, size;

	CHECK(map_range(&pt, va + 7 * PAGE_SIZE_4K, 0x7000, PAGE_SIZE_4K, 0) == 0);
	unsigned used = arena_used;
	CHECK(map_range(&pt, va, 0, 8 * PAGE_SIZE_4K, PTE_W) == -MNEME_EBUSY);
	CHECK(x86_pt_lookup(&pt, va, &size) == 0);
	/* A range spanning an absent table and then the page: also whole. */
	CHECK(map_range(&pt, va - PAGE_SIZE_2M, 0, PAGE_SIZE_2M + 8 * PAGE_SIZE_4K, PTE_W) ==
	      -MNEME_EBUSY);
	CHECK(x86_pt_lookup(&pt, va - PAGE_SIZE_2M, &size) == 0);
	CHECK(arena_used == used);
	/* Size 0 and wrapping ranges are refused. */
	CHECK(map_range(&pt, va, 0, 0, 0) == -MNEME_EINVAL);
	CHECK(map_range(&pt, 0xfffffffffffff000ull, 0, 2 * PAGE_SIZE_4K, 0) == -MNEME_EINVAL);
}

#define USER_LEAF (PTE_U | PTE_W | PTE_A | PTE_D | PTE_NX)

/* pgtable_map_leaf(), as arch_aspace_map() uses it: conflicts found before any frame is taken. */
static void test_map_leaf(void)
{
	struct pgtable pt = fresh_pt(PAGE_SIZE_4K, 16);
	uint64_t va = 0x400000, size;
	unsigned level;

	CHECK(pgtable_map_leaf(&pt, va, 0x9000, 0, USER_LEAF) == 0);
	CHECK(arena_used == 4);
	uint64_t e = x86_pt_lookup(&pt, va, &size);
	CHECK(e == (0x9000 | USER_LEAF | PTE_P) && size == PAGE_SIZE_4K);
	CHECK(pgtable_map_leaf(&pt, va, 0xa000, 0, USER_LEAF) == -MNEME_EBUSY);
	CHECK(pgtable_map_leaf(&pt, va, 0x200000, 1, USER_LEAF) == -MNEME_EBUSY);
	CHECK(pgtable_map_leaf(&pt, va + PAGE_SIZE_2M, 0x200000, 1, USER_LEAF) == 0);
	CHECK(pgtable_map_leaf(&pt, va + PAGE_SIZE_2M + PAGE_SIZE_4K, 0xa000, 0, USER_LEAF) ==
	      -MNEME_EBUSY);
	CHECK(arena_used == 4);
	e = x86_pt_lookup(&pt, va + PAGE_SIZE_2M + 5, &size);
	CHECK(e == (0x200000 | USER_LEAF | PTE_P | PTE_PS) && size == PAGE_SIZE_2M);
	/* An empty 4 KiB table (its page unmapped, not pruned) is in the way of a 2 MiB leaf. */
	uint64_t *leaf = pgtable_find_leaf(&pt, va, &level);
	CHECK(leaf && level == 0);
	if (leaf)
		*leaf = 0;
	unsigned need = 9;
	CHECK(pgtable_map_need(&pt, va, 1, &need) == -MNEME_EBUSY);
	CHECK(pgtable_map_leaf(&pt, va, 0x400000, 1, USER_LEAF) == -MNEME_EBUSY);
	CHECK(pgtable_map_need(&pt, va, 0, &need) == 0 && need == 0);
	CHECK(pgtable_map_need(&pt, 0x8000000000ull, 0, &need) == 0 && need == 3);
	CHECK(pgtable_map_need(&pt, 0x40000000, 0, &need) == 0 && need == 2);
	CHECK(pgtable_map_need(&pt, 0x40000000, 1, &need) == 0 && need == 1);
	CHECK(pgtable_map_need(&pt, va + PAGE_SIZE_2M + PAGE_SIZE_4K, 0, &need) == -MNEME_EBUSY);

	/* Out of frames: the tables taken stay linked in, no leaf appears; a retry completes. */
	pt = fresh_pt(PAGE_SIZE_4K, 2);
	CHECK(pgtable_map_leaf(&pt, va, 0x9000, 0, USER_LEAF) == -MNEME_ENOMEM);
	CHECK(arena_used == 2);
	CHECK(x86_pt_lookup(&pt, va, &size) == 0);
	arena_budget = 4;
	CHECK(pgtable_map_leaf(&pt, va, 0x9000, 0, USER_LEAF) == 0);
	CHECK(arena_used == 4);
	/* Tables on the path to a user leaf are user-accessible. */
	const uint64_t *t = arena_table(pt.root);
	CHECK((t[0] & (PTE_P | PTE_W | PTE_U)) == (PTE_P | PTE_W | PTE_U));
}

static unsigned released;
static uint64_t released_mask;   /* bit i: arena frame i reported */

static void note_release(uint64_t pa, void *ctx)
{
	unsigned frame = (unsigned)((pa - ARENA_BASE) / PAGE_SIZE_4K);

	CHECK(ctx == &released);
	CHECK(frame > 0 && frame < 64 && !(released_mask & (1ull << frame)));
	released_mask |= 1ull << frame;
	released++;
}

/* Release reports every table frame of the slots asked for, once, and clears them. */
static void test_release(void)
{
	struct pgtable pt = fresh_pt(PAGE_SIZE_1G, 64);
	uint64_t kva = 0xffff800000000000ull, size;

	CHECK(map_range(&pt, 0x1000, 0x1000, PAGE_SIZE_4K, PTE_U) == 0);            /* 3 tables */
	CHECK(map_range(&pt, 0x40000000, 0, PAGE_SIZE_2M, PTE_U) == 0);             /* +1 PD */
	CHECK(map_range(&pt, 0x8000000000ull, 0, PAGE_SIZE_1G, PTE_U) == 0);        /* +1 PDPT */
	CHECK(map_range(&pt, kva, 0, PAGE_SIZE_4K, PTE_G) == 0);                    /* +3, core half */
	CHECK(arena_used == 9);
	released = 0;
	released_mask = 0;
	pgtable_release(&pt, 0, 255, note_release, &released);
	CHECK(released == 5);
	const uint64_t *root = arena_table(pt.root);
	for (unsigned i = 0; i < 256; i++)
		CHECK(root[i] == 0);
	CHECK(x86_pt_lookup(&pt, kva, &size) != 0);
	CHECK(x86_pt_lookup(&pt, 0x1000, &size) == 0);
}

/* Pruning unlinks exactly the tables left empty, children first, never the root. */
static void test_prune(void)
{
	struct pgtable pt = fresh_pt(PAGE_SIZE_2M, 64);
	uint64_t size;
	unsigned level;

	CHECK(pgtable_map_leaf(&pt, 0x400000, 0x9000, 0, USER_LEAF) == 0);            /* PDPT, PD, PT */
	CHECK(pgtable_map_leaf(&pt, 0x401000, 0xa000, 0, USER_LEAF) == 0);
	CHECK(pgtable_map_leaf(&pt, 0x40000000, 0x200000, 1, USER_LEAF) == 0);       /* + PD */
	CHECK(arena_used == 5);
	/* one of two pages gone: nothing to prune */
	*pgtable_find_leaf(&pt, 0x400000, &level) = 0;
	released = 0;
	released_mask = 0;
	pgtable_prune(&pt, 0x400000, 0x401000, note_release, &released);
	CHECK(released == 0);
	CHECK(x86_pt_lookup(&pt, 0x401000, &size) != 0);
	/* the second: its PT and PD go, the PDPT stays for the 2 MiB page of the next GiB */
	*pgtable_find_leaf(&pt, 0x401000, &level) = 0;
	pgtable_prune(&pt, 0x401000, 0x402000, note_release, &released);
	CHECK(released == 2);
	CHECK(released_mask == ((1ull << 2) | (1ull << 3)));
	CHECK(x86_pt_lookup(&pt, 0x40000000, &size) != 0 && size == PAGE_SIZE_2M);
	unsigned need;
	CHECK(pgtable_map_need(&pt, 0x400000, 0, &need) == 0 && need == 2);
	/* the 2 MiB page gone and the whole half pruned: only the root is left */
	*pgtable_find_leaf(&pt, 0x40000000, &level) = 0;
	pgtable_prune(&pt, 0, 0x800000000000ull, note_release, &released);
	CHECK(released == 4);
	const uint64_t *root = arena_table(pt.root);
	for (unsigned i = 0; i < 256; i++)
		CHECK(root[i] == 0);
	/* a range that does not meet a table leaves it alone */
	pt = fresh_pt(PAGE_SIZE_2M, 64);
	CHECK(pgtable_map_leaf(&pt, 0x400000, 0x9000, 0, USER_LEAF) == 0);
	*pgtable_find_leaf(&pt, 0x400000, &level) = 0;
	released = 0;
	released_mask = 0;
	pgtable_prune(&pt, 0x600000, 0x800000, note_release, &released);
	CHECK(released == 0);
	pgtable_prune(&pt, 0x400000, 0x401000, note_release, &released);
	CHECK(released == 3);
}

/* Splitting a 2 MiB leaf: 512 leaves, same frames and bits, the table from the allocator. */
static void test_split(void)
{
	struct pgtable pt = fresh_pt(PAGE_SIZE_2M, 4);
	uint64_t size;

	CHECK(pgtable_map_leaf(&pt, 0x40000000, 0x600000, 1, USER_LEAF) == 0);
	CHECK(arena_used == 3);
	CHECK(pgtable_split(&pt, 0x40001000, 0) == -MNEME_ENOENT);
	CHECK(pgtable_split(&pt, 0x50000000, 1) == -MNEME_ENOENT);
	CHECK(pgtable_split(&pt, 0x40123000, 1) == 0);
	CHECK(arena_used == 4);
	for (uint64_t off = 0; off < PAGE_SIZE_2M; off += PAGE_SIZE_4K) {
		uint64_t e = x86_pt_lookup(&pt, 0x40000000 + off, &size);
		CHECK(e == ((0x600000 + off) | USER_LEAF | PTE_P) && size == PAGE_SIZE_4K);
	}
	CHECK(pgtable_split(&pt, 0x40000000, 1) == -MNEME_ENOENT);
	/* out of frames: nothing changes */
	CHECK(pgtable_map_leaf(&pt, 0x40200000, 0x800000, 1, USER_LEAF) == 0);
	CHECK(pgtable_split(&pt, 0x40200000, 1) == -MNEME_ENOMEM);
	CHECK(x86_pt_lookup(&pt, 0x40200000, &size) != 0 && size == PAGE_SIZE_2M);
}

struct leaf_log {
	unsigned n;
	uint64_t va[8];
	unsigned level[8];
};

static void log_leaf(void *arg, uint64_t va, uint64_t pte, unsigned level)
{
	struct leaf_log *log = arg;

	CHECK(pte & PTE_P);
	if (log->n < 8) {
		log->va[log->n] = va;
		log->level[log->n] = level;
	}
	log->n++;
}

/* Leaves in address order, with sign-extended addresses in the upper half. */
static void test_for_each_leaf(void)
{
	struct pgtable pt = fresh_pt(PAGE_SIZE_2M, 64);
	struct leaf_log log = { 0 };
	uint64_t kva = 0xffff800000200000ull;

	CHECK(map_range(&pt, kva, 0, PAGE_SIZE_2M + PAGE_SIZE_4K, 0) == 0);
	CHECK(map_range(&pt, 0x5000, 0, PAGE_SIZE_4K, 0) == 0);
	pgtable_for_each_leaf(&pt, 0, 511, log_leaf, &log);
	CHECK(log.n == 3);
	CHECK(log.va[0] == 0x5000 && log.level[0] == 0);
	CHECK(log.va[1] == kva && log.level[1] == 1);
	CHECK(log.va[2] == kva + PAGE_SIZE_2M && log.level[2] == 0);
	log.n = 0;
	pgtable_for_each_leaf(&pt, 256, 511, log_leaf, &log);
	CHECK(log.n == 2);
}

/* Random ranges in disjoint 4 GiB slots, each checked page by page. */
static void test_random(unsigned rounds)
{
	srand(12345);
	for (unsigned r = 0; r < rounds; r++) {
		uint64_t max_page = (r % 3 == 0) ? PAGE_SIZE_4K : (r % 3 == 1) ? PAGE_SIZE_2M : PAGE_SIZE_1G;
		struct pgtable pt = fresh_pt(max_page, ARENA_FRAMES);
		for (unsigned i = 0; i < 8; i++) {
			uint64_t va = 0xffff800000000000ull + ((uint64_t)i << 32);
			uint64_t align = (rand() % 2) ? PAGE_SIZE_2M : PAGE_SIZE_4K;
			va += (uint64_t)(rand() % 1024) * align;
			uint64_t pa = ((uint64_t)(rand() % 4096) << 21) + (uint64_t)(rand() % 2) * (rand() % 512) * PAGE_SIZE_4K;
			uint64_t size = ((uint64_t)(rand() % 64) << 21) + (uint64_t)(rand() % 512) * PAGE_SIZE_4K;
			if (max_page == PAGE_SIZE_1G && rand() % 4 == 0) {
				va &= ~(PAGE_SIZE_1G - 1);
				pa &= ~(PAGE_SIZE_1G - 1);
				size += PAGE_SIZE_1G;
			}
			if (!size)
				size = PAGE_SIZE_4K;
			uint64_t prot = (rand() % 2 ? PTE_W : 0) | (rand() % 2 ? PTE_NX : 0);
			CHECK(map_range(&pt, va, pa, size, prot) == 0);
			check_range(&pt, va, pa, size, prot);
			check_isolated(&pt, va, size);
		}
	}
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 30;

	arena = aligned_alloc(PAGE_SIZE_4K, (size_t)ARENA_FRAMES * PAGE_SIZE_4K);
	if (!arena)
		return 2;
	test_single_page();
	test_large_pages();
	test_misaligned_pa_gets_small_pages();
	test_errors();
	test_user_bit_on_path();
	test_busy_changes_nothing();
	test_map_leaf();
	test_release();
	test_prune();
	test_split();
	test_for_each_leaf();
	test_random(rounds);
	free(arena);
	printf("x86_pgtable: %s (%d failures)\n", failures ? "FAIL" : "ok", failures);
	return failures ? 1 : 0;
}
