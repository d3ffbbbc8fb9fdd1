/*
 * Slab benchmark: median nanoseconds per allocate+free pair of 64- and
 * 256-byte objects for our slab (kmem_cache_alloc/free and kmalloc/kfree,
 * built from mmcore_fast), glibc malloc and mimalloc.  Each variant is
 * warmed up, then timed over ROUNDS rounds of PAIRS pairs; the median
 * round is reported.  Also a batch pattern (allocate 64, free 64) that
 * walks real freelists instead of reusing one object.
 *
 * Not a test: nothing here can fail; it prints figures.  slab_bench_run()
 * is the entry point, called by mm-bench (test/bench/mm_bench.c) after its
 * mm_init(); built alone (slab-bench target, SLAB_BENCH_MAIN) it has its
 * own main() that brings up the page allocator first.
 */
int slab_bench_run(void);
#define _GNU_SOURCE
#include "mm/slab.h"

#include <mimalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Brings up the page allocator and kmem_cache_init() (test/host/slab/slab_env.c). */
int slab_test_env_init(void);

#define ROUNDS 15
#define PAIRS 2000000
#define BATCH 64

static void *volatile sink;

/*
 * Thread CPU time, not wall time: on a shared machine a round that loses
 * the CPU halfway is not charged for the wait.
 */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum which { SLAB, KMALLOC, GLIBC, MIMALLOC };
static struct kmem_cache *bench_cache;

static inline void *do_alloc(enum which w, size_t size)
{
	switch (w) {
	case SLAB: return kmem_cache_alloc(bench_cache, GFP_KERNEL);
	case KMALLOC: return kmalloc(size, GFP_KERNEL);
	case GLIBC: return malloc(size);
	default: return mi_malloc(size);
	}
}

static inline void do_free(enum which w, void *p)
{
	switch (w) {
	case SLAB: kmem_cache_free(bench_cache, p); break;
	case KMALLOC: kfree(p); break;
	case GLIBC: free(p); break;
	default: mi_free(p); break;
	}
}

/* One round of @n alloc+free pairs; returns ns per pair. */
static double __attribute__((noinline)) round_pairs(enum which w, size_t size, long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		void *p = do_alloc(w, size);

		sink = p;
		do_free(w, p);
	}
	return (now_ns() - t0) / (double)n;
}

/* One round of batches: allocate BATCH objects, free them in order. */
static double __attribute__((noinline)) round_batches(enum which w, size_t size, long n)
{
	void *p[BATCH];
	double t0 = now_ns();

	for (long i = 0; i < n / BATCH; i++) {
		for (int j = 0; j < BATCH; j++)
			p[j] = do_alloc(w, size);
		sink = p[BATCH / 2];
		for (int j = 0; j < BATCH; j++)
			do_free(w, p[j]);
	}
	return (now_ns() - t0) / (double)(n / BATCH * BATCH);
}

/* Median and fastest round (the machine may be shared: the minimum shows the noise). */
static void median_ns(enum which w, size_t size, bool batch, double *median, double *best)
{
	double r[ROUNDS];

	(batch ? round_batches : round_pairs)(w, size, PAIRS / 2);   /* warm-up */
	for (int i = 0; i < ROUNDS; i++)
		r[i] = (batch ? round_batches : round_pairs)(w, size, PAIRS);
	qsort(r, ROUNDS, sizeof(r[0]), cmp_double);
	*median = r[ROUNDS / 2];
	*best = r[0];
}

int slab_bench_run(void)
{
	static const char *const names[] = { "slab kmem_cache", "slab kmalloc", "glibc malloc", "mimalloc" };
	static const size_t sizes[] = { 64, 256 };

	/* Inside mm-bench the page allocator is up already: add only the slab layer. */
	if (!kmalloc_slab(8, GFP_KERNEL) && kmem_cache_init()) {
		fprintf(stderr, "slab bench: kmem_cache_init failed\n");
		return 1;
	}
	printf("slab bench: ns (thread CPU time) per alloc+free, median (min) of %d rounds x %d\n",
	       ROUNDS, PAIRS);
	printf("%-16s %14s %14s %14s %14s\n", "allocator", "pair 64", "pair 256", "batch64 64",
	       "batch64 256");
	for (int w = SLAB; w <= MIMALLOC; w++) {
		double v[4], m[4];

		for (int k = 0; k < 2; k++) {
			char name[32];

			snprintf(name, sizeof(name), "bench-%zu", sizes[k]);
			bench_cache = kmem_cache_create(name, (unsigned)sizes[k], 0, 0, NULL);
			median_ns((enum which)w, sizes[k], false, &v[k], &m[k]);
			median_ns((enum which)w, sizes[k], true, &v[2 + k], &m[2 + k]);
			kmem_cache_destroy(bench_cache);
		}
		printf("%-16s", names[w]);
		for (int k = 0; k < 4; k++)
			printf(" %6.2f (%5.2f)", v[k], m[k]);
		printf("\n");
	}
	return 0;
}

#ifdef SLAB_BENCH_MAIN
int main(void)
{
	if (slab_test_env_init()) {
		fprintf(stderr, "slab bench: environment init failed\n");
		return 1;
	}
	return slab_bench_run();
}
#endif
