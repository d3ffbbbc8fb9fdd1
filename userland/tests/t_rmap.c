/*
 * The reverse map under a random mix: thousands of map, unmap, protect,
 * read, write, clone, share and memory-object operations by this task
 * and by the clones it starts (which mix on their own, concurrently),
 * every byte checked against a model of what the task wrote, and the
 * memory server's whole checker (allocator, slab caches, every space,
 * every frame's reverse map and counts against every frame table and
 * page table) run after every batch.  Replay: tests=t_rmap:seed=N:rounds=M.
 */
#include <libmm/libmm.h>
#include "common.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define PG 4096UL
#define PAGES 1024                      /* the mixed window: 4 MiB, two 2 MiB chunks */
#define BATCH 200
#define MAX_CHILDREN 3
#define OBJ_PAGES 8

/* Inherited by clones: the model and the window. */
static int16_t model[PAGES];            /* byte 0 of every page, or -1: not mapped */
static uint8_t *window;
static volatile uint8_t *obj_va;        /* a shared object's mapping, or NULL */
static uint64_t rng;
static uint64_t children[MAX_CHILDREN];
static unsigned failures, ops, clones, checks;
static bool is_child;

#define MIX_EXPECT(c) do { if (!(c)) { mix_fail(__LINE__, #c); } } while (0)

static void mix_fail(int line, const char *what)
{
	if (failures++ < 5)
		printf("%s# t_rmap%s:%d: %s failed\n", ktap_indent(ktap_depth), is_child ? " (clone)" : "",
		       line, what);
}

static uint64_t rnd(void)
{
	return ulib_rand(&rng);
}

static void op_map(unsigned pg, unsigned n)
{
	unsigned pf = RW | MNEME_MM_FIXED | (rnd() % 2 ? MNEME_MM_HUGE : 0) |
		      (rnd() % 4 ? 0 : MNEME_MM_POPULATE);
	void *va;

	if (!mm_map_anon(window + pg * PG, n * PG, pf, &va))
		for (unsigned i = 0; i < n; i++)
			model[pg + i] = 0;
}

static void op_unmap(unsigned pg, unsigned n)
{
	if (!mm_unmap(window + pg * PG, n * PG))
		for (unsigned i = 0; i < n; i++)
			model[pg + i] = -1;
}

static void op_protect(unsigned pg, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (model[pg + i] < 0)
			return;
	MIX_EXPECT(!mm_protect(window + pg * PG, n * PG, MNEME_PROT_READ));
	if (model[pg] >= 0)
		MIX_EXPECT(((volatile uint8_t *)window)[pg * PG] == model[pg]);
	MIX_EXPECT(!mm_protect(window + pg * PG, n * PG, RW));
}

static void op_touch(unsigned pg, bool write)
{
	volatile uint8_t *p = window + pg * PG;

	if (model[pg] < 0)
		return;
	if (write) {
		uint8_t v = (uint8_t)rnd();
		*p = v;
		model[pg] = v;
	} else {
		MIX_EXPECT(*p == model[pg]);
	}
}

/* Reap clones that ended (their status: their own failures). */
static void reap(bool wait)
{
	for (unsigned i = 0; i < MAX_CHILDREN; i++) {
		uint64_t state = 0, status = 0, reason = 0;
		if (!children[i])
			continue;
		if (wait) {
			int64_t st = (int64_t)t_wait(children[i], &reason);
			MIX_EXPECT(st == 0 && reason == MNEME_EXIT_NORMAL);
			children[i] = 0;
			continue;
		}
		if (!mm_status(children[i], &state, &status, &reason) && state == MNEME_MM_STATE_EXITED) {
			MIX_EXPECT(status == 0 && reason == MNEME_EXIT_NORMAL);
			children[i] = 0;
		}
	}
}

static void op_clone(void)
{
	char args[64];

	if (is_child)
		return;                          /* one generation mixes at a time (memory) */
	reap(false);
	for (unsigned i = 0; i < MAX_CHILDREN; i++) {
		if (children[i])
			continue;
		snprintf(args, sizeof(args), "role=mix seed=%llu", (unsigned long long)rnd());
		if (!mm_clone(0, 0, args, 0, 0, &children[i]))   /* on our quota: the tree shares it */
			clones++;
		else
			children[i] = 0;
		return;
	}
}

static void op_share(unsigned pg)
{
	uint64_t grant;
	void *theirs;

	/*
	 * Share a page with ourselves (a second mapping of the same frame in the reverse map),
	 * read it there, let it go.  A share to a clone would only be an offer it never takes.
	 */
	if (model[pg] >= 0 && !mm_share(window + pg * PG, PG, ulib_start->task_id, MNEME_PROT_READ, &grant) &&
	    !mm_share_accept(grant, &theirs, NULL, NULL)) {
		MIX_EXPECT(((volatile uint8_t *)theirs)[0] == model[pg]);
		MIX_EXPECT(!mm_unmap(theirs, PG));
	}
}

static void op_object(void)
{
	uint64_t h;
	unsigned k = (unsigned)(rnd() % OBJ_PAGES);

	if (!obj_va) {
		if (!mm_obj_create(OBJ_PAGES * PG, RW, &h)) {
			MIX_EXPECT(!mm_obj_map(h, 0, OBJ_PAGES * PG, RW, NULL, (void **)&obj_va));
			MIX_EXPECT(!mm_obj_close(h));   /* the mapping keeps it */
		}
		return;
	}
	/* Clones share it with their parent: every writer writes the same value. */
	if (rnd() % 2)
		obj_va[k * PG + 1] = (uint8_t)k;
	MIX_EXPECT(obj_va[k * PG + 1] == 0 || obj_va[k * PG + 1] == (uint8_t)k);
	if (rnd() % 16 == 0) {
		MIX_EXPECT(!mm_unmap((void *)obj_va, OBJ_PAGES * PG));
		obj_va = NULL;
	}
}

static void mix_op(void)
{
	unsigned pg = (unsigned)(rnd() % PAGES), n = 1 + (unsigned)(rnd() % 16);

	if (rnd() % 8 == 0) {
		pg &= ~511u;                     /* a whole 2 MiB chunk */
		n = 512;
	}
	if (pg + n > PAGES)
		n = PAGES - pg;
	switch (rnd() % 16) {
	case 0: case 1: op_map(pg, n); break;
	case 2: op_unmap(pg, n); break;
	case 3: op_protect(pg, n); break;
	case 4: case 5: case 6: case 7: op_touch(pg + (unsigned)(rnd() % n), true); break;
	case 8: case 9: case 10: case 11: op_touch(pg + (unsigned)(rnd() % n), false); break;
	case 12: if (rnd() % 4 == 0) op_clone(); break;
	case 13: op_share(pg); break;
	default: op_object(); break;
	}
	ops++;
}

static void batch(void)
{
	for (unsigned i = 0; i < BATCH; i++)
		mix_op();
	int64_t st = mm_check();
	MIX_EXPECT(st == 0);
	checks++;
	/* Every modelled byte, after the checker. */
	for (unsigned i = 0; i < PAGES; i++)
		if (model[i] >= 0)
			MIX_EXPECT(((volatile uint8_t *)window)[i * PG] == model[i]);
}

int main(int argc, char **argv)
{
	const char *role = ulib_arg(argc, argv, "role"), *seed = ulib_arg(argc, argv, "seed");
	const char *rounds_arg = ulib_arg(argc, argv, "rounds");
	unsigned rounds = rounds_arg ? (unsigned)ulib_strtou(rounds_arg) : 40;
	struct ktap k;

	rng = seed ? ulib_strtou(seed) | 1 : 0x9e3779b97f4a7c15ULL;
	if (role && !strcmp(role, "mix")) {
		/* A clone: the model and the window came along; mix a few batches, then end. */
		is_child = true;
		failures = 0;
		for (unsigned i = 0; i < MAX_CHILDREN; i++)
			children[i] = 0;
		for (unsigned r = 0; r < 3; r++)
			batch();
		return (int)failures;
	}
	ktap_begin(&k, "rmap", 1);
	window = (uint8_t *)(uintptr_t)(MNEME_MM_MAP_BASE + (64ULL << 30));   /* far from other mappings */
	for (unsigned i = 0; i < PAGES; i++)
		model[i] = -1;
	for (unsigned r = 0; r < rounds; r++) {
		batch();
		if (r % 4 == 3)
			reap(true);                  /* let the clones finish: the next batches start new ones */
	}
	reap(true);
	KTAP_EXPECT_EQ(&k, mm_check(), 0);
	KTAP_EXPECT_EQ(&k, failures, 0);
	ktap_diag(&k, "%u operations in %u batches, %u clones mixing beside, %u checks", ops, rounds,
		  clones, checks);
	ktap_result(&k, "random_mix_checker_after_every_batch");
	return ktap_end(&k);
}
