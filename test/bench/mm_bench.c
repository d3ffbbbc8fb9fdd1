/*
 * mm-bench: page allocator figures, built on mmcore_fast (-O2, no
 * sanitizers).  A benchmark, never a test: ninja mm-bench && ./mm-bench
 *
 * Prints the cost of bringing up memmap and buddy (mm_init) per GiB of
 * RAM, in ns and, where perf events are allowed, in instructions per
 * 4 KiB page; then a table of page patterns (pairs of order 0, 3 and 9,
 * batches, mixed orders with random frees over a live set; with and
 * without the per-CPU lists), each in median ns for the buddy allocator
 * and, measured in the same run at the same sizes, for glibc and
 * mimalloc.  Extra workloads (the slab table) plug in through bench.h.
 */
#define _GNU_SOURCE
#include "bench.h"
#include "mm/gfp.h"
#include "mm/host.h"
#include "mm/page_alloc.h"
#include "mneme/bootinfo.h"

#include <linux/perf_event.h>
#include <mimalloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES 31

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);   /* immune to preemption on a busy machine */
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void bench_report(const char *name, double ns_per_op)
{
	fprintf(stdout, "  %-44s %12.2f ns\n", name, ns_per_op);
	fflush(stdout);
}

double bench_measure(void (*op)(void *ctx), void *ctx, unsigned long ops_per_call)
{
	double samples[SAMPLES], t0;
	unsigned long calls = 1;

	/* warm up and size a sample to about 2 ms */
	for (;;) {
		t0 = now_ns();
		for (unsigned long i = 0; i < calls; i++)
			op(ctx);
		if (now_ns() - t0 > 2e6 || calls > (1UL << 30))
			break;
		calls *= 2;
	}
	for (int s = 0; s < SAMPLES; s++) {
		t0 = now_ns();
		for (unsigned long i = 0; i < calls; i++)
			op(ctx);
		samples[s] = (now_ns() - t0) / (double)(calls * ops_per_call);
	}
	qsort(samples, SAMPLES, sizeof(double), cmp_double);
	return samples[SAMPLES / 2];
}

/* test/bench/slab_bench.c, when linked in: prints its own table. */
int slab_bench_run(void) __attribute__((weak));

static void run_slab_bench(void)
{
	slab_bench_run();
}

/* Default: the slab benchmark if it is linked, nothing else. */
__attribute__((weak)) const struct bench_workload *bench_extra_workloads(size_t *count)
{
	static const struct bench_workload slab = { "slab: pairs, batches, random frees over live sets; glibc, mimalloc",
						    run_slab_bench };
	*count = slab_bench_run ? 1 : 0;
	return &slab;
}

static void riscv_machine(struct mneme_boot_info *bi, uint64_t ram)
{
	memset(bi, 0, sizeof(*bi));
	bi->magic = MNEME_BOOTINFO_MAGIC;
	bi->version = MNEME_BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->arch = MNEME_ARCH_RISCV64;
	bi->nr_ranges = 2;
	bi->ranges[0] = (struct mneme_mem_range){ 0x80000000, ram, MNEME_MEM_USABLE, 0 };
	bi->ranges[1] = (struct mneme_mem_range){ 0x80000000, 0x40000, MNEME_MEM_NOMAP, 0 };
}

/*
 * The page patterns, for the buddy allocator and, at the same sizes, for
 * glibc (aligned_alloc) and mimalloc (mi_malloc_aligned), page aligned.
 * The memory is never touched: the figures are the allocators' own.
 */
enum page_allocator { BUDDY, PA_GLIBC, PA_MIMALLOC, NR_PAGE_ALLOCATORS };
static const char *const page_allocator_names[NR_PAGE_ALLOCATORS] = { "buddy", "glibc", "mimalloc" };

struct page_ctx {
	enum page_allocator a;
	unsigned order;
};

static inline void *any_alloc(enum page_allocator a, unsigned order)
{
	switch (a) {
	case BUDDY: return alloc_pages(GFP_KERNEL, order);
	case PA_GLIBC: return aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
	default: return mi_malloc_aligned(PAGE_SIZE << order, PAGE_SIZE);
	}
}

static inline void any_free(enum page_allocator a, void *p, unsigned order)
{
	switch (a) {
	case BUDDY:
		if (__free_pages(p, order))
			abort();
		break;
	case PA_GLIBC: free(p); break;
	default: mi_free(p); break;
	}
}

/* The pair benchmarks: one alloc and its free per operation. */
static void pair(void *ctx)
{
	const struct page_ctx *c = ctx;
	void *p = any_alloc(c->a, c->order);

	if (!p)
		abort();
	any_free(c->a, p, c->order);
}

/* The order-0 pair through the full path (an explicit node skips alloc_page_fast). */
static void pair_full_path(void *ctx)
{
	struct page *p = alloc_pages_node(numa_node_id(), GFP_KERNEL, 0);

	(void)ctx;
	if (!p || __free_pages(p, 0))
		abort();
}

/* A user frame as the fault path takes it: movable, zeroed. */
static void pair_user_frame(void *ctx)
{
	struct page *p = alloc_page_fast(GFP_HIGHUSER_MOVABLE | __GFP_ZERO);

	(void)ctx;
	if (!p || __free_pages(p, 0))
		abort();
}

/* Sixteen allocations then sixteen frees: pairs that do not hit the same page each time. */
static void batch16(void *ctx)
{
	const struct page_ctx *c = ctx;
	void *p[16];

	for (int i = 0; i < 16; i++)
		if (!(p[i] = any_alloc(c->a, c->order)))
			abort();
	for (int i = 15; i >= 0; i--)
		any_free(c->a, p[i], c->order);
}

/*
 * Mixed orders, random frees: a live set of blocks whose orders are drawn
 * with probability 2^-(k+1) for order k (the rest at the top order), so
 * every order holds about as many pages as the next; each operation frees
 * the block of a random slot and allocates a block of a fresh random order
 * in its place.
 */
#define MIXED_MAX_LIVE 4096
struct mixed_ctx {
	enum page_allocator a;
	unsigned max_order;
	unsigned nr_live;
	uint64_t rng;
	void *block[MIXED_MAX_LIVE];
	uint8_t order[MIXED_MAX_LIVE];
};

static inline uint64_t mixed_rng(struct mixed_ctx *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

static inline unsigned mixed_order(struct mixed_ctx *m)
{
	return (unsigned)__builtin_ctzll(mixed_rng(m) | 1ull << m->max_order);
}

static void mixed_fill(struct mixed_ctx *m)
{
	for (unsigned i = 0; i < m->nr_live; i++) {
		m->order[i] = (uint8_t)mixed_order(m);
		if (!(m->block[i] = any_alloc(m->a, m->order[i])))
			abort();
	}
}

static void mixed_empty(struct mixed_ctx *m)
{
	for (unsigned i = 0; i < m->nr_live; i++)
		any_free(m->a, m->block[i], m->order[i]);
}

static void mixed(void *ctx)
{
	struct mixed_ctx *m = ctx;
	unsigned slot = (unsigned)(((mixed_rng(m) >> 32) * m->nr_live) >> 32);

	any_free(m->a, m->block[slot], m->order[slot]);
	m->order[slot] = (uint8_t)mixed_order(m);
	if (!(m->block[slot] = any_alloc(m->a, m->order[slot])))
		abort();
}

/* One row of the page table: @fn for each allocator (@buddy_only: the buddy alone). */
static void page_row(const char *name, void (*fn)(void *), unsigned order, unsigned ops,
		     bool buddy_only)
{
	printf("  %-48s", name);
	for (int a = BUDDY; a < NR_PAGE_ALLOCATORS; a++) {
		struct page_ctx c = { (enum page_allocator)a, order };

		if (a != BUDDY && buddy_only) {
			printf(" %10s", "-");
			continue;
		}
		printf(" %10.2f", bench_measure(fn, &c, ops));
		fflush(stdout);
	}
	printf("\n");
}

static void mixed_row(const char *name, unsigned max_order, unsigned nr_live)
{
	static struct mixed_ctx m;

	printf("  %-48s", name);
	for (int a = BUDDY; a < NR_PAGE_ALLOCATORS; a++) {
		m.a = (enum page_allocator)a;
		m.max_order = max_order;
		m.nr_live = nr_live;
		m.rng = 0x2545f4914f6cdd1dull;
		mixed_fill(&m);
		printf(" %10.2f", bench_measure(mixed, &m, 1));
		fflush(stdout);
		mixed_empty(&m);
	}
	printf("\n");
}

static void page_table(void)
{
	printf("page allocator: ns (thread CPU time) per alloc+free, median of %d samples\n", SAMPLES);
	printf("  %-48s", "pattern");
	for (int a = BUDDY; a < NR_PAGE_ALLOCATORS; a++)
		printf(" %10s", page_allocator_names[a]);
	printf("\n");
	mm_set_pcp_enabled(true);
	page_row("order-0 alloc+free pair", pair, 0, 1, false);
	page_row("order-0 pair, full path (alloc_pages_node)", pair_full_path, 0, 1, true);
	page_row("order-0 user frame (zeroed) + free", pair_user_frame, 0, 1, true);
	page_row("order-0 16 allocs then 16 frees", batch16, 0, 16, false);
	page_row("order-3 alloc+free pair", pair, 3, 1, false);
	page_row("order-9 alloc+free pair", pair, 9, 1, false);
	mixed_row("mixed orders 0-3, random free, live 4k", 3, 4096);
	mixed_row("mixed orders 0-9, random free, live 1k", 9, 1024);
	mm_set_pcp_enabled(false);
	page_row("order-0 alloc+free pair, pcp off", pair, 0, 1, true);
	page_row("order-0 16 allocs then 16 frees, pcp off", batch16, 0, 16, true);
	page_row("order-3 alloc+free pair, pcp off", pair, 3, 1, true);
	mixed_row("mixed orders 0-3, random free, live 4k, pcp off", 3, 4096);
	mm_set_pcp_enabled(true);
}

static int perf_instructions_open(void)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_HARDWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_HW_INSTRUCTIONS;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

/* mm_init cost: arena set-up outside the timing; median of 5 runs. */
static void bench_init(uint64_t ram)
{
	struct mneme_boot_info bi;
	double t[5];
	long long instr = -1;
	int fd = perf_instructions_open();
	char name[96];

	riscv_machine(&bi, ram);
	for (int r = 0; r < 5; r++) {
		if (mm_host_arena_init(0x80000000 + ram))
			abort();
		if (fd >= 0) {
			ioctl(fd, PERF_EVENT_IOC_RESET, 0);
			ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
		}
		double t0 = now_ns();
		if (mm_init(&bi))
			abort();
		t[r] = now_ns() - t0;
		if (fd >= 0) {
			long long v;
			ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
			if (read(fd, &v, sizeof(v)) == sizeof(v) && (instr < 0 || v < instr))
				instr = v;
		}
	}
	qsort(t, 5, sizeof(double), cmp_double);
	snprintf(name, sizeof(name), "mm_init (memmap+buddy), %llu GiB, per GiB", (unsigned long long)(ram >> 30));
	bench_report(name, t[2] / (double)(ram >> 30));
	snprintf(name, sizeof(name), "mm_init, %llu GiB, per 4 KiB page", (unsigned long long)(ram >> 30));
	bench_report(name, t[2] / (double)(ram >> 12));
	if (instr >= 0)
		printf("  %-44s %12.2f instructions\n", "mm_init, per 4 KiB page (host x86-64)",
		       (double)instr / (double)(ram >> 12));
	else
		printf("  %-44s %12s (perf events not permitted)\n", "mm_init instructions per 4 KiB page", "n/a");
	if (fd >= 0)
		close(fd);
}

static void quiet(const char *text)
{
	(void)text;
}

/*
 * ./mm-bench            all figures
 * ./mm-bench init N     only mm_init of N GiB once (for valgrind --tool=callgrind
 *                       --toggle-collect=mm_init: instructions per page)
 * ./mm-bench pairs N    only N order-0 pairs (callgrind --toggle-collect=pair)
 */
int main(int argc, char **argv)
{
	struct mneme_boot_info bi;
	const struct bench_workload *extra;
	size_t nextra;
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 0) : 4;
	uint64_t gib = argc > 1 && !strcmp(argv[1], "init") ? n : 4;

	mm_init_verbose = false;
	mm_host_set_print_sink(quiet);      /* memblock's own boot line */
	if (argc > 1) {
		riscv_machine(&bi, gib << 30);
		if (mm_host_arena_init(0x80000000 + (gib << 30)) || mm_init(&bi))
			abort();
		if (!strcmp(argv[1], "pairs")) {
			struct page_ctx c = { BUDDY, 0 };

			for (unsigned long i = 0; i < n; i++)
				pair(&c);
		}
		return 0;
	}
	printf("mm-bench (mmcore_fast, median of %d samples after warm-up)\n", SAMPLES);
	bench_init(1ULL << 30);
	bench_init(4ULL << 30);

	riscv_machine(&bi, 4ULL << 30);
	if (mm_host_arena_init(0x80000000 + (4ULL << 30)) || mm_init(&bi))
		abort();
	page_table();

	extra = bench_extra_workloads(&nextra);
	for (size_t i = 0; i < nextra; i++) {
		printf("[%s]\n", extra[i].name);
		extra[i].run();
	}
	mm_host_arena_fini();
	return 0;
}
