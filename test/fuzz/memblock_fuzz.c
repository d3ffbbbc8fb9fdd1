/*
 * libFuzzer harness for memblock.
 *
 * The input is a program: each operation is one opcode byte followed by
 * its operands (addresses, sizes, nids, flags) read from the next bytes;
 * running out of bytes ends the program.  After every operation the
 * harness checks:
 *   - memblock_check(): sorted, non-overlapping, merged, exact totals,
 *     dynamic arrays reserved;
 *   - an operation that returned an error left both lists exactly as
 *     they were (snapshot comparison);
 *   - an allocation returned an aligned block inside memory and inside
 *     the requested bounds, now reserved, that was free before;
 *   - the forward and reverse free-range iterators agree, report
 *     non-empty, ordered ranges inside memory and outside reserved.
 * Memory is only ever added inside the host arena, so allocations (which
 * clear memory) and array growth stay inside it; reservations, removals
 * and flag changes may use any address, including ones that wrap.
 */
#include "mm/host.h"
#include "mm/memblock.h"
#include "mneme/bootinfo.h"
#include "mneme/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_END (64ULL << 20)

struct reader {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct reader *r, unsigned bytes)
{
	uint64_t v = 0;

	while (bytes-- && r->left) {
		v = v << 8 | *r->p++;
		r->left--;
	}
	return v;
}

/* An address: mostly small and page-ish, sometimes anywhere in 64 bits. */
static phys_addr_t take_addr(struct reader *r)
{
	unsigned mode = (unsigned)take(r, 1);

	switch (mode & 3) {
	case 0:
		return take(r, 2) << 12;                 /* pages, < 256 MiB */
	case 1:
		return take(r, 3) << 4;                  /* bytes, < 256 MiB */
	case 2:
		return PHYS_ADDR_MAX - (take(r, 2) << 8); /* near the top */
	default:
		return take(r, 8);
	}
}

static phys_addr_t take_size(struct reader *r)
{
	unsigned mode = (unsigned)take(r, 1);

	switch (mode & 3) {
	case 0:
		return take(r, 1) << 12;
	case 1:
		return take(r, 2) << 4;
	case 2:
		return take(r, 2) << 12;
	default:
		return take(r, 8);
	}
}

static int take_nid(struct reader *r)
{
	unsigned v = (unsigned)take(r, 1);

	return v >= 0xf0 ? NUMA_NO_NODE : v >= 0xe0 ? MAX_NUMNODES : (int)(v & 3);
}

/* Memory to add: clipped into the arena. */
static void take_mem_range(struct reader *r, phys_addr_t *base, phys_addr_t *size)
{
	*base = (take(r, 2) << 10) % ARENA_END;
	*size = take(r, 2) << (take(r, 1) & 1 ? 4 : 10);
	if (*size > ARENA_END - *base)
		*size = ARENA_END - *base;
}

/* ---- checks ---- */

struct snapshot {
	struct memblock_type memory, reserved;
	struct memblock_region *mem, *res;
};

static struct snapshot snap;

static unsigned long snap_cap;

static void take_snapshot(void)
{
	unsigned long need = memblock.memory.cnt > memblock.reserved.cnt ?
			     memblock.memory.cnt : memblock.reserved.cnt;

	if (need > snap_cap) {
		snap_cap = need * 2;
		free(snap.mem);
		free(snap.res);
		snap.mem = malloc(snap_cap * sizeof(*snap.mem));
		snap.res = malloc(snap_cap * sizeof(*snap.res));
		if (!snap.mem || !snap.res)
			abort();
	}
	snap.memory = memblock.memory;
	snap.reserved = memblock.reserved;
	memcpy(snap.mem, memblock.memory.regions, memblock.memory.cnt * sizeof(*snap.mem));
	memcpy(snap.res, memblock.reserved.regions, memblock.reserved.cnt * sizeof(*snap.res));
}

static void die(const char *what)
{
	mm_host_set_print_sink(NULL);
	printf("memblock fuzz: %s\n", what);
	memblock_check(); /* says what is wrong, if that is the failure */
	memblock_dump_all();
	fflush(stdout);
	abort();
}

static bool same_type(const struct memblock_type *a, const struct memblock_region *regs,
		      const struct memblock_type *b)
{
	return a->cnt == b->cnt && a->max == b->max && a->total_size == b->total_size &&
	       a->regions == b->regions && !memcmp(regs, b->regions, a->cnt * sizeof(*regs));
}

static void check_unchanged(int err)
{
	if (err && (!same_type(&snap.memory, snap.mem, &memblock.memory) ||
		    !same_type(&snap.reserved, snap.res, &memblock.reserved)))
		die("a failed operation changed the lists");
}

/* Was [base, base + size) free memory (not NOMAP) in the snapshot? */
static bool was_free(phys_addr_t base, phys_addr_t size)
{
	phys_addr_t end = base + size;
	bool in_mem = false;

	for (unsigned long i = 0; i < snap.memory.cnt; i++) {
		const struct memblock_region *m = &snap.mem[i];

		if (m->size && m->base <= base && end <= m->base + m->size &&
		    !memblock_is_nomap(m))
			in_mem = true;
	}
	for (unsigned long i = 0; i < snap.reserved.cnt; i++) {
		const struct memblock_region *r = &snap.res[i];

		if (r->size && r->base < end && base < r->base + r->size)
			return false;
	}
	return in_mem;
}

static void check_alloc(phys_addr_t pa, phys_addr_t size, phys_addr_t align,
			phys_addr_t start, phys_addr_t end)
{
	if (!pa)
		return;
	if (!align)
		align = SMP_CACHE_BYTES;
	if (pa & (align - 1))
		die("allocation misaligned");
	if (pa < start || pa < PAGE_SIZE || pa + size > end)
		die("allocation outside its bounds");
	if (!was_free(pa, size))
		die("allocation was not free memory");
	if (!memblock_is_region_reserved(pa, size) || !memblock_is_region_memory(pa, size))
		die("allocation not reserved memory");
}

static void check_free_iterators(int nid)
{
	phys_addr_t s, e, prev_end = 0, fwd[64][2];
	uint64_t i;
	int n = 0;

	for_each_free_mem_range(i, nid, MEMBLOCK_NONE, &s, &e, NULL) {
		if (s >= e || s < prev_end)
			die("free ranges empty or unordered");
		if (n < 16 && (!memblock_is_region_memory(s, e - s) ||
			       memblock_is_region_reserved(s, e - s)))
			die("free range not free memory");
		prev_end = e;
		if (n < 64) {
			fwd[n][0] = s;
			fwd[n][1] = e;
		}
		n++;
	}
	for_each_free_mem_range_reverse(i, nid, MEMBLOCK_NONE, &s, &e, NULL) {
		n--;
		if (n < 0 || (n < 64 && (fwd[n][0] != s || fwd[n][1] != e)))
			die("reverse free ranges differ from forward ones");
	}
	if (n != 0)
		die("reverse free iteration has a different count");
}

/* Linear-search answers to the queries, compared with memblock's. */
static bool linear_contains(const struct memblock_type *type, phys_addr_t addr)
{
	for (unsigned long i = 0; i < type->cnt; i++)
		if (type->regions[i].size && type->regions[i].base <= addr &&
		    addr - type->regions[i].base < type->regions[i].size)
			return true;
	return false;
}

static void check_queries(phys_addr_t addr)
{
	unsigned long s, e, pages = 0, prev_end = 0;
	int i, nid;

	if (memblock_is_memory(addr) != linear_contains(&memblock.memory, addr) ||
	    memblock_is_reserved(addr) != linear_contains(&memblock.reserved, addr))
		die("point query differs from a linear search");
	for_each_mem_pfn_range(i, MAX_NUMNODES, &s, &e, &nid) {
		if (s >= e || s < prev_end || !memblock_is_region_memory(PFN_PHYS(s), PFN_PHYS(e - s)))
			die("pfn range not inside memory");
		prev_end = e;
		pages += e - s;
	}
	if (PFN_PHYS(pages) > memblock_phys_mem_size())
		die("pfn ranges exceed the memory size");
}

/* Many disjoint adds or reservations: makes the arrays grow (or fail to). */
static void op_spray(struct reader *r)
{
	bool reserve = take(r, 1) & 1;
	unsigned count = 64 + (unsigned)take(r, 1);
	phys_addr_t base = (take(r, 2) << 12) % ARENA_END;
	phys_addr_t stride = (1 + take(r, 1)) << 6;

	if (memblock.memory.cnt + memblock.reserved.cnt > 1024)
		return; /* big enough to have grown; keep the checks fast */
	for (unsigned k = 0; k < count && base + stride <= ARENA_END; k++, base += 2 * stride) {
		int err;

		take_snapshot();
		err = reserve ? memblock_reserve(base, stride) : memblock_add(base, stride);
		if (err && err != -MNEME_ENOMEM)
			die("unexpected error code from a spray");
		check_unchanged(err);
	}
	take_snapshot();
}

/* ---- operations ---- */

static struct mneme_boot_info bootinfo;

static int op_bootinfo(struct reader *r)
{
	unsigned n = (unsigned)take(r, 1) % 12;

	memset(&bootinfo, 0, sizeof(bootinfo));
	bootinfo.magic = take(r, 1) ? MNEME_BOOTINFO_MAGIC : 0;
	bootinfo.version = MNEME_BOOTINFO_VERSION;
	bootinfo.size = sizeof(bootinfo);
	bootinfo.arch = take(r, 1) & 1 ? MNEME_ARCH_X86_64 : MNEME_ARCH_RISCV64;
	bootinfo.nr_ranges = n;
	for (unsigned k = 0; k < n; k++) {
		struct mneme_mem_range *m = &bootinfo.ranges[k];

		take_mem_range(r, &m->base, &m->size);
		m->type = (uint32_t)take(r, 1) % (MNEME_MEM_TYPE_MAX + 1);
		m->nid = (uint32_t)take(r, 1) % 3;
	}
	memblock_reset();
	take_snapshot();
	return memblock_init_from_bootinfo(&bootinfo);
}

static void run_op(struct reader *r)
{
	unsigned op = (unsigned)take(r, 1) % 20;
	phys_addr_t base, size, align, start, end, pa;
	int err = 0, nid;
	void *p;

	take_snapshot();
	switch (op) {
	case 0:
	case 1:
		take_mem_range(r, &base, &size);
		nid = take_nid(r);
		err = memblock_add_node(base, size, nid, (enum memblock_flags)(take(r, 1) & 0xb));
		break;
	case 2:
		take_mem_range(r, &base, &size);
		err = memblock_add(base, size);
		break;
	case 3:
		base = take_addr(r);
		err = memblock_remove(base, take_size(r));
		break;
	case 4:
	case 5:
		base = take_addr(r);
		err = memblock_reserve(base, take_size(r));
		break;
	case 6:
		base = take_addr(r);
		err = memblock_phys_free(base, take_size(r));
		break;
	case 7: {
		unsigned which = (unsigned)take(r, 1);

		base = take_addr(r);
		size = take_size(r);
		switch (which % 5) {
		case 0: err = memblock_mark_nomap(base, size); break;
		case 1: err = memblock_clear_nomap(base, size); break;
		case 2: err = memblock_mark_hotplug(base, size); break;
		case 3: err = memblock_clear_hotplug(base, size); break;
		default: err = memblock_mark_mirror(base, size); break;
		}
		break;
	}
	case 8:
		base = take_addr(r);
		size = take_size(r);
		nid = take_nid(r);
		err = memblock_set_node(base, size, take(r, 1) & 1 ? &memblock.reserved :
				&memblock.memory, nid);
		break;
	case 9:
	case 10:
		size = take_size(r) & 0xfffff;
		align = 1ULL << (take(r, 1) % 24);
		start = take_addr(r) % ARENA_END;
		end = take(r, 1) & 1 ? MEMBLOCK_ALLOC_ANYWHERE : take_addr(r);
		pa = memblock_phys_alloc_range(size, align, start, end);
		if (end == MEMBLOCK_ALLOC_ACCESSIBLE || end == MEMBLOCK_ALLOC_NOLEAKTRACE)
			end = memblock.current_limit;
		check_alloc(pa, size, align, start, end);
		break;
	case 11:
		size = take_size(r) & 0xfffff;
		align = 1ULL << (take(r, 1) % 16);
		start = take_addr(r) % ARENA_END;
		nid = take_nid(r);
		p = take(r, 1) & 1 ? memblock_alloc_try_nid(size, align, start, 0, nid)
				   : memblock_alloc_exact_nid_raw(size, align, start, 0, nid);
		check_alloc(p ? mm_virt_to_phys(p) : 0, size, align, 0, memblock.current_limit);
		if (p && !memblock_is_closed())
			memblock_free(p, size);
		break;
	case 12:
		memblock_set_bottom_up(take(r, 1) & 1);
		break;
	case 13:
		memblock_set_current_limit(take(r, 1) & 1 ? MEMBLOCK_ALLOC_ANYWHERE :
					   (take(r, 2) << 12));
		break;
	case 14:
		memblock_trim_memory(1ULL << (take(r, 1) % 16));
		break;
	case 15:
		base = take_addr(r);
		memblock_cap_memory_range(base, take_size(r));
		break;
	case 16:
		memblock_enforce_memory_limit(take_size(r));
		break;
	case 17:
		err = op_bootinfo(r);
		break;
	case 18:
		if (take(r, 1) == 0xc1)
			memblock_close();
		else
			op_spray(r);
		break;
	default:
		size = take(r, 1) << 6;
		pa = memblock_phys_alloc(size, SMP_CACHE_BYTES);
		check_alloc(pa, size, SMP_CACHE_BYTES, 0, memblock.current_limit);
		break;
	}
	if (err && err != -MNEME_ENOMEM && op != 17 && !(op == 6 && err == -MNEME_EBUSY))
		die("unexpected error code");
	check_unchanged(err);
	if (memblock_check())
		die("invariants broken");
	check_free_iterators(NUMA_NO_NODE);
	check_free_iterators((int)(op & 1));
	check_queries(take_addr(r));
}

static void quiet(const char *text)
{
	(void)text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct reader r = { data, size };

	if (!ready) {
		if (mm_host_arena_init(ARENA_END))
			abort();
		mm_host_set_print_sink(quiet);
		ready = true;
	}
	memblock_reset();
	while (r.left)
		run_op(&r);
	return 0;
}
