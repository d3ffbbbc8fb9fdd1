/*
 * The shared interface of mm-bench (test/bench/mm_bench.c): every figure
 * is printed through bench_report() so all workloads line up in one table.
 *
 * To add workloads (the slab layer, malloc comparisons), put a file named
 * test/bench/<name>_workloads.c next to mm_bench.c; mm-bench links every
 * such file (and every *_bench.c, whose main() must hide behind its own
 * define).  It defines bench_extra_workloads(), returning its table.
 * test/bench/slab_bench.c needs none of this: mm-bench calls its
 * slab_bench_run() (a weak reference) when it is linked.
 * Workloads run after mm_init() has brought up a 4 GiB riscv64 machine on
 * the host arena (mmcore_fast), with per-CPU lists on; a workload may
 * initialise its own layer (e.g. kmem_cache_init()) on first use.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>

/* Print one result row: @name and the median nanoseconds per operation. */
void bench_report(const char *name, double ns_per_op);

/*
 * Time @op(@ctx), which performs @ops_per_call operations per call: warm up,
 * then take 31 samples of enough calls to last about 2 ms each and return
 * the median nanoseconds per operation.
 */
double bench_measure(void (*op)(void *ctx), void *ctx, unsigned long ops_per_call);

struct bench_workload {
	const char *name;          /* for the log */
	void (*run)(void);         /* measures and calls bench_report() */
};

/*
 * Extra workloads linked into mm-bench; *@count receives their number.
 * mm_bench.c has a weak default returning none.
 */
const struct bench_workload *bench_extra_workloads(size_t *count);

#endif
