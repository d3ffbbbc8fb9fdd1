/*
 * mm-bench: page allocator figures, built on mmcore_fast (-O2, no
 * sanitizers).  A benchmark, never a test: ninja mm-bench && ./mm-bench
 *
 * Prints the median ns per order-0 alloc+free pair with and without the
 * per-CPU lists, per order-3 pair, and the cost of bringing up memmap and
 * buddy (mm_init) per GiB of RAM, in ns and, where perf events are
 * allowed, in instructions per 4 KiB page.  Extra workloads (slab,
 * malloc) plug in through bench.h.
 */
#define _GNU_SOURCE
#include "bench.h"
#include "mm/gfp.h"
#include "mm/host.h"
#include "mm/page_alloc.h"
#include "mneme/bootinfo.h"

#include <linux/perf_event.h>
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
	static const struct bench_workload slab = { "slab: 64/256-byte pairs, glibc malloc, mimalloc",
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

/* The pair benchmarks: one alloc and its free per operation. */
static void pair(void *ctx)
{
	unsigned order = (unsigned)(uintptr_t)ctx;
	struct page *p = alloc_pages(GFP_KERNEL, order);
	if (!p || __free_pages(p, order))
		abort();
}

/* Sixteen allocations then sixteen frees: pairs that do not hit the same page each time. */
static void batch16(void *ctx)
{
	unsigned order = (unsigned)(uintptr_t)ctx;
	struct page *p[16];
	for (int i = 0; i < 16; i++)
		p[i] = alloc_pages(GFP_KERNEL, order);
	for (int i = 15; i >= 0; i--)
		if (__free_pages(p[i], order))
			abort();
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
		if (!strcmp(argv[1], "pairs"))
			for (unsigned long i = 0; i < n; i++)
				pair((void *)0);
		return 0;
	}
	printf("mm-bench (mmcore_fast, median of %d samples after warm-up)\n", SAMPLES);
	bench_init(1ULL << 30);
	bench_init(4ULL << 30);

	riscv_machine(&bi, 4ULL << 30);
	if (mm_host_arena_init(0x80000000 + (4ULL << 30)) || mm_init(&bi))
		abort();
	mm_set_pcp_enabled(true);
	bench_report("order-0 alloc+free pair, pcp on", bench_measure(pair, (void *)0, 1));
	bench_report("order-0 16 allocs then 16 frees, pcp on", bench_measure(batch16, (void *)0, 16));
	bench_report("order-3 alloc+free pair, pcp on", bench_measure(pair, (void *)3, 1));
	mm_set_pcp_enabled(false);
	bench_report("order-0 alloc+free pair, pcp off", bench_measure(pair, (void *)0, 1));
	bench_report("order-0 16 allocs then 16 frees, pcp off", bench_measure(batch16, (void *)0, 16));
	bench_report("order-3 alloc+free pair, pcp off", bench_measure(pair, (void *)3, 1));
	bench_report("order-9 alloc+free pair", bench_measure(pair, (void *)9, 1));
	mm_set_pcp_enabled(true);

	extra = bench_extra_workloads(&nextra);
	for (size_t i = 0; i < nextra; i++) {
		printf("[%s]\n", extra[i].name);
		extra[i].run();
	}
	mm_host_arena_fini();
	return 0;
}
