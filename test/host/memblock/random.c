/*
 * Randomized memblock test against a reference model.
 *
 * The model is an array of cells, one per MODEL_UNIT bytes of a window of
 * the physical address space, each recording whether it is memory (with
 * nid and flags) and whether it is reserved (with nid).  Thousands of
 * random operations (add, add_node, remove, reserve, free, flag and node
 * changes, trims, allocations in both directions) are applied to both,
 * and after each one:
 *   - memblock_check() holds (sorted, non-overlapping, merged, totals);
 *   - both lists, inside the window, equal the run-length encoding of the
 *     model (so merging is exact: maximal runs of equal attributes);
 *   - every allocation lands exactly where the model predicts for the
 *     current direction (or fails exactly when the model finds no room);
 *   - the free-range iterators, forward and reverse, with and without a
 *     node filter, report exactly the model's free ranges.
 *
 * A small pool of memory below the window, with memblock.current_limit
 * set to its end, is where memblock grows its arrays, so the window sees
 * only the operations of the test.
 *
 * Usage: memblock_random_test [ops [seed]]
 */
#include "mm/host.h"
#include "mm/memblock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_UNIT 0x10ULL
#define MODEL_CELLS 2048
#define WINDOW_BASE (1ULL << 30)
#define WINDOW_END (WINDOW_BASE + MODEL_CELLS * MODEL_UNIT)
#define POOL_BASE (1ULL << 20)
#define POOL_SIZE (1ULL << 20)

struct cell {
	bool mem, res;
	uint8_t flags;
	int mem_nid, res_nid;
};

struct range {
	phys_addr_t base, size;
	int nid;
	unsigned flags;
};

static struct cell model[MODEL_CELLS];
static uint64_t rng_state;
static unsigned long op_no;
static const char *op_name;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static unsigned long max_mem_cnt, max_res_cnt;

static void quiet(const char *text)
{
	(void)text; /* the allocator's mirror fallback notes */
}

static void fail(const char *what)
{
	mm_host_set_print_sink(NULL);
	printf("FAIL after op %lu (%s): %s\n", op_no, op_name, what);
	memblock_dump_all();
	exit(1);
}

static phys_addr_t cell_addr(unsigned c)
{
	return WINDOW_BASE + c * MODEL_UNIT;
}

/* ---- the model's view as region lists ---- */

static bool same_mem(const struct cell *a, const struct cell *b)
{
	return a->mem && b->mem && a->mem_nid == b->mem_nid && a->flags == b->flags;
}

static bool same_res(const struct cell *a, const struct cell *b)
{
	return a->res && b->res && a->res_nid == b->res_nid;
}

/* Maximal runs of memory (or reserved) cells with equal attributes. */
static int model_runs(bool reserved, struct range *out)
{
	int n = 0;

	for (unsigned c = 0; c < MODEL_CELLS; c++) {
		const struct cell *m = &model[c];

		if (!(reserved ? m->res : m->mem))
			continue;
		if (c > 0 && (reserved ? same_res(&model[c - 1], m) : same_mem(&model[c - 1], m))) {
			out[n - 1].size += MODEL_UNIT;
			continue;
		}
		out[n++] = (struct range){ cell_addr(c), MODEL_UNIT,
			reserved ? m->res_nid : m->mem_nid, reserved ? 0 : m->flags };
	}
	return n;
}

static void compare_type(const struct memblock_type *type, bool reserved)
{
	static struct range exp[MODEL_CELLS];
	int n = model_runs(reserved, exp), k = 0;

	for (unsigned long i = 0; i < type->cnt; i++) {
		const struct memblock_region *r = &type->regions[i];

		if (r->size == 0 || r->base < WINDOW_BASE)
			continue;
		if (r->base + r->size > WINDOW_END)
			fail("region beyond the window");
		if (k >= n || r->base != exp[k].base || r->size != exp[k].size ||
		    r->nid != exp[k].nid || r->flags != exp[k].flags) {
			printf("%s region %lu {%#llx,%#llx,nid %d,flags %#x} differs from model run %d\n",
			       type->name, i, (unsigned long long)r->base, (unsigned long long)r->size,
			       r->nid, (unsigned)r->flags, k);
			if (k < n)
				printf("  model: {%#llx,%#llx,nid %d,flags %#x}\n",
				       (unsigned long long)exp[k].base, (unsigned long long)exp[k].size,
				       exp[k].nid, exp[k].flags);
			fail("list differs from the model");
		}
		k++;
	}
	if (k != n)
		fail("list has fewer regions than the model");
}

/*
 * Free ranges as memblock's iterator defines them: each memory region
 * (node @nid unless NUMA_NO_NODE, NOMAP skipped, only mirrored ones if
 * @mirror) minus reserved cells.
 */
static int model_free_ranges(int nid, bool mirror, struct range *out)
{
	int n = 0;

	for (unsigned c = 0; c < MODEL_CELLS; c++) {
		const struct cell *m = &model[c];
		bool ok = m->mem && !m->res && !(m->flags & MEMBLOCK_NOMAP) &&
			  (nid == NUMA_NO_NODE || m->mem_nid == nid) &&
			  (!mirror || (m->flags & MEMBLOCK_MIRROR));

		if (!ok)
			continue;
		if (c > 0 && !model[c - 1].res && same_mem(&model[c - 1], m) && n &&
		    out[n - 1].base + out[n - 1].size == cell_addr(c)) {
			out[n - 1].size += MODEL_UNIT;
			continue;
		}
		out[n++] = (struct range){ cell_addr(c), MODEL_UNIT, m->mem_nid, m->flags };
	}
	return n;
}

static void compare_free_iterators(int nid)
{
	static struct range exp[MODEL_CELLS];
	int n = model_free_ranges(nid, false, exp), k = 0;
	phys_addr_t s, e;
	uint64_t i;
	int rn;

	for_each_free_mem_range(i, nid, MEMBLOCK_NONE, &s, &e, &rn) {
		if (s < WINDOW_BASE)
			continue;
		if (k >= n || s != exp[k].base || e != exp[k].base + exp[k].size || rn != exp[k].nid)
			fail("forward free range differs from the model");
		k++;
	}
	if (k != n)
		fail("forward free iteration missed ranges");
	for_each_free_mem_range_reverse(i, nid, MEMBLOCK_NONE, &s, &e, &rn) {
		if (s < WINDOW_BASE)
			continue;
		k--;
		if (k < 0 || s != exp[k].base || e != exp[k].base + exp[k].size || rn != exp[k].nid)
			fail("reverse free range differs from the model");
	}
	if (k != 0)
		fail("reverse free iteration missed ranges");
}

static bool model_has_mirror;

static void check_all(void)
{
	if (memblock_check())
		fail("memblock_check");
	if (memblock.memory.cnt > max_mem_cnt)
		max_mem_cnt = memblock.memory.cnt;
	if (memblock.reserved.cnt > max_res_cnt)
		max_res_cnt = memblock.reserved.cnt;
	compare_type(&memblock.memory, false);
	compare_type(&memblock.reserved, true);
	compare_free_iterators(NUMA_NO_NODE);
	compare_free_iterators((int)rnd_below(3));
}

/* ---- operations ---- */

static void model_set(unsigned b, unsigned l, void (*fn)(struct cell *, int), int arg)
{
	for (unsigned c = b; c < b + l; c++)
		fn(&model[c], arg);
}

static void m_add(struct cell *m, int packed)
{
	if (!m->mem) {
		m->mem = true;
		m->mem_nid = packed >> 8;
		m->flags = (uint8_t)packed;
	}
}
static void m_remove(struct cell *m, int unused) { (void)unused; m->mem = false; m->flags = 0; }
static void m_reserve(struct cell *m, int unused)
{
	(void)unused;
	if (!m->res) {
		m->res = true;
		m->res_nid = MAX_NUMNODES;
	}
}
static void m_free(struct cell *m, int unused) { (void)unused; m->res = false; }
static void m_setflag(struct cell *m, int f) { if (m->mem) m->flags |= (uint8_t)f; }
static void m_clrflag(struct cell *m, int f) { if (m->mem) m->flags &= (uint8_t)~f; }
static void m_setnid(struct cell *m, int nid) { if (m->mem) m->mem_nid = nid; }
static void m_setresnid(struct cell *m, int nid) { if (m->res) m->res_nid = nid; }

/* Where a top-down or bottom-up search of the model would place a block. */
static phys_addr_t model_place(phys_addr_t size, phys_addr_t align, bool bottom_up, int nid,
			       bool mirror)
{
	static struct range fr[MODEL_CELLS];
	int n = model_free_ranges(nid, mirror, fr);

	for (int k = 0; k < n; k++) {
		const struct range *r = &fr[bottom_up ? k : n - 1 - k];
		phys_addr_t end = r->base + r->size, cand;

		if (bottom_up) {
			cand = (r->base + align - 1) & ~(align - 1);
			if (cand < end && end - cand >= size)
				return cand;
		} else if (end >= size) {
			cand = (end - size) & ~(align - 1);
			if (cand >= r->base)
				return cand;
		}
	}
	return 0;
}

static void op_alloc(void)
{
	phys_addr_t size = (1 + rnd_below(rnd_below(4) ? 32 : 512)) * MODEL_UNIT;
	phys_addr_t align = MODEL_UNIT << rnd_below(9);
	bool bottom_up = rnd_below(2);
	phys_addr_t want, got;

	int nid = (int)rnd_below(5) - 1; /* NUMA_NO_NODE, 0, 1, 2, 3 (no memory) */
	bool exact = !rnd_below(3);

	op_name = "alloc";
	/* memblock's order: (mirrored, then any memory) x (the node, then any node) */
	want = 0;
	for (int mirror = model_has_mirror; mirror >= 0 && !want; mirror--) {
		want = model_place(size, align, bottom_up, nid, mirror);
		if (!want && nid != NUMA_NO_NODE && !exact)
			want = model_place(size, align, bottom_up, NUMA_NO_NODE, mirror);
	}
	memblock_set_bottom_up(bottom_up);
	got = nid == NUMA_NO_NODE && !exact ?
	      memblock_phys_alloc_range(size, align, WINDOW_BASE, WINDOW_END) :
	      memblock_alloc_range_nid(size, align, WINDOW_BASE, WINDOW_END, nid, exact);
	memblock_set_bottom_up(false);
	if (got != want) {
		printf("alloc size %#llx align %#llx nid %d%s %s: got %#llx, model %#llx\n",
		       (unsigned long long)size, (unsigned long long)align, nid, exact ? " exact" : "",
		       bottom_up ? "bottom-up" : "top-down", (unsigned long long)got,
		       (unsigned long long)want);
		fail("allocation differs from the model");
	}
	if (got)
		model_set((unsigned)((got - WINDOW_BASE) / MODEL_UNIT), (unsigned)(size / MODEL_UNIT),
			  m_reserve, 0);
}

static void op_trim(void)
{
	phys_addr_t align = MODEL_UNIT << rnd_below(9);
	static struct range runs[MODEL_CELLS];
	int n = model_runs(false, runs);

	op_name = "trim";
	memblock_trim_memory(align);
	for (int k = 0; k < n; k++) {
		phys_addr_t s = (runs[k].base + align - 1) & ~(align - 1);
		phys_addr_t e = (runs[k].base + runs[k].size) & ~(align - 1);
		unsigned b = (unsigned)((runs[k].base - WINDOW_BASE) / MODEL_UNIT);
		unsigned l = (unsigned)(runs[k].size / MODEL_UNIT);

		for (unsigned c = b; c < b + l; c++)
			if (cell_addr(c) < s || cell_addr(c) >= e)
				m_remove(&model[c], 0);
	}
}

static void must(int err)
{
	if (err) {
		printf("error %d\n", err);
		fail("operation failed");
	}
}

static void one_op(void)
{
	unsigned b = rnd_below(MODEL_CELLS);
	unsigned shape = rnd_below(20);
	unsigned l = 1 + rnd_below(shape < 10 ? 4 : shape < 19 ? 64 : MODEL_CELLS - b);
	phys_addr_t base = cell_addr(b), size;
	int nid = (int)rnd_below(3);
	unsigned pick = rnd_below(100);

	if (b + l > MODEL_CELLS)
		l = MODEL_CELLS - b;
	size = l * MODEL_UNIT;
	if (pick < 22) {
		enum memblock_flags f = rnd_below(4) ? MEMBLOCK_NONE : MEMBLOCK_HOTPLUG;

		op_name = "add_node";
		if (rnd_below(4) == 0) {
			nid = MAX_NUMNODES;
			f = MEMBLOCK_NONE;
			must(memblock_add(base, size));
		} else {
			must(memblock_add_node(base, size, nid, f));
		}
		model_set(b, l, m_add, nid << 8 | (int)f);
	} else if (pick < 34) {
		op_name = "remove";
		must(memblock_remove(base, size));
		model_set(b, l, m_remove, 0);
	} else if (pick < 52) {
		op_name = "reserve";
		must(memblock_reserve(base, size));
		model_set(b, l, m_reserve, 0);
	} else if (pick < 64) {
		op_name = "free";
		if (rnd_below(2))
			must(memblock_phys_free(base, size));
		else
			memblock_free(mm_phys_to_virt(base), size);
		model_set(b, l, m_free, 0);
	} else if (pick < 76) {
		static const enum memblock_flags flags[] = { MEMBLOCK_NOMAP, MEMBLOCK_HOTPLUG,
							     MEMBLOCK_MIRROR };
		unsigned which = rnd_below(3);
		bool set = rnd_below(2);

		op_name = "flags";
		if (which == 0)
			must(set ? memblock_mark_nomap(base, size) : memblock_clear_nomap(base, size));
		else if (which == 1)
			must(set ? memblock_mark_hotplug(base, size) : memblock_clear_hotplug(base, size));
		else if (set)
			must(memblock_mark_mirror(base, size));
		else
			return; /* Linux has no clear_mirror */
		if (which == 2)
			model_has_mirror = true;
		model_set(b, l, set ? m_setflag : m_clrflag, (int)flags[which]);
	} else if (pick < 82) {
		op_name = "set_node";
		if (rnd_below(3)) {
			must(memblock_set_node(base, size, &memblock.memory, nid));
			model_set(b, l, m_setnid, nid);
		} else {
			must(memblock_set_node(base, size, &memblock.reserved, nid));
			model_set(b, l, m_setresnid, nid);
		}
	} else if (pick < 99) {
		op_alloc();
	} else {
		op_trim();
	}
}

int main(int argc, char **argv)
{
	unsigned long ops = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x6d656d626c6f636bULL;

	if (mm_host_arena_init(2ULL << 30)) {
		printf("cannot create the host arena\n");
		return 2;
	}
	rng_state = seed ? seed : 1;
	mm_host_set_print_sink(quiet);
	memblock_reset();
	/* arrays grow into the pool, below the limit; the window is untouched */
	if (memblock_add(POOL_BASE, POOL_SIZE))
		fail("pool");
	memblock_set_current_limit(POOL_BASE + POOL_SIZE);
	for (op_no = 1; op_no <= ops; op_no++) {
		one_op();
		check_all();
	}
	mm_host_set_print_sink(NULL);
	printf("ok: %lu random operations (seed %#llx); regions at most %lu memory / %lu reserved, "
	       "final arrays %lu / %lu slots\n", ops, (unsigned long long)seed, max_mem_cnt,
	       max_res_cnt, memblock.memory.max, memblock.reserved.max);
	return 0;
}
