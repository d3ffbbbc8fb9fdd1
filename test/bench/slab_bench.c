/*
 * Slab benchmark: median nanoseconds per allocate+free of our slab
 * (kmem_cache_alloc/free and kmalloc/kfree, built from mmcore_fast),
 * glibc malloc and mimalloc, all measured in the same run.
 *
 * Patterns (one row each in the headline table):
 *   pair        allocate one object and free it at once (the best case:
 *               the same object comes back every time);
 *   batch64     allocate 64 objects, then free them in order;
 *   random      a live set of L objects (1k, 64k, 1M) spread over C
 *               caches (1, 16, 1,024): each operation frees the object of
 *               a random slot and allocates a new one for it from the
 *               slot's cache, then stores one word into it as its user
 *               would.  Frees land on random slabs, as they do in a
 *               server holding many objects.  With one cache the objects
 *               are 64 bytes; with 16 or 1,024 caches cache k holds
 *               objects of 16 * (1 + k % 16) bytes, and malloc, mimalloc
 *               and kmalloc get the same sizes.
 * Each pattern is warmed up, then timed over several rounds; the median
 * round is reported, with the fastest in parentheses (the machine may be
 * shared: the spread shows the noise).  Thread CPU time, not wall time.
 *
 * Not a test: nothing here can fail; it prints figures.  slab_bench_run()
 * is the entry point, called by mm-bench (test/bench/mm_bench.c) after its
 * mm_init(); built alone (slab-bench target, SLAB_BENCH_MAIN) it has its
 * own main() that brings up the page allocator first (a 128 MiB machine:
 * too small for the 1M-object rows, which it skips).
 */
int slab_bench_run(void);
#define _GNU_SOURCE
#include "mm/slab.h"
#include "mm/page_alloc.h"

#include <mimalloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Brings up the page allocator and kmem_cache_init() (test/host/slab/slab_env.c). */
int slab_test_env_init(void);

#define PAIR_ROUNDS 15
#define PAIRS 2000000
#define BATCH 64
#define RANDOM_ROUNDS 7
#define RANDOM_OPS 500000
#define MAX_CACHES 1024

static void *volatile sink;

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

enum which { SLAB, KMALLOC, GLIBC, MIMALLOC, NR_WHICH };
static const char *const which_names[NR_WHICH] = { "slab cache", "kmalloc", "glibc", "mimalloc" };

/* The caches of the running pattern and their object sizes; nr_caches is a power of two. */
static struct kmem_cache *caches[MAX_CACHES];
static size_t sizes[MAX_CACHES];
static unsigned nr_caches;

static inline __attribute__((always_inline)) void *do_alloc(enum which w, unsigned k)
{
	switch (w) {
	case SLAB: return kmem_cache_alloc(caches[k], GFP_KERNEL);
	case KMALLOC: return kmalloc(sizes[k], GFP_KERNEL);
	case GLIBC: return malloc(sizes[k]);
	default: return mi_malloc(sizes[k]);
	}
}

static inline __attribute__((always_inline)) void do_free(enum which w, unsigned k, void *p)
{
	switch (w) {
	case SLAB: kmem_cache_free(caches[k], p); break;
	case KMALLOC: kfree(p); break;
	case GLIBC: free(p); break;
	default: mi_free(p); break;
	}
}

/* ---- pair and batch ------------------------------------------------------ */

static inline __attribute__((always_inline)) double round_pairs(enum which w, long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		void *p = do_alloc(w, 0);

		sink = p;
		do_free(w, 0, p);
	}
	return (now_ns() - t0) / (double)n;
}

static inline __attribute__((always_inline)) double round_batches(enum which w, long n)
{
	void *p[BATCH];
	double t0 = now_ns();

	for (long i = 0; i < n / BATCH; i++) {
		for (int j = 0; j < BATCH; j++)
			p[j] = do_alloc(w, 0);
		sink = p[BATCH / 2];
		for (int j = 0; j < BATCH; j++)
			do_free(w, 0, p[j]);
	}
	return (now_ns() - t0) / (double)(n / BATCH * BATCH);
}

/* ---- random frees over a live set ------------------------------------------ */

static void **live;
static unsigned long nr_live;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static inline uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static inline __attribute__((always_inline)) double round_random(enum which w, long n)
{
	unsigned mask = nr_caches - 1;
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		unsigned long slot = (unsigned long)(((rng() >> 32) * nr_live) >> 32);
		unsigned k = (unsigned)slot & mask;
		uint64_t *p;

		do_free(w, k, live[slot]);
		p = do_alloc(w, k);
		*p = (uint64_t)i;         /* the user touches its new object */
		live[slot] = p;
	}
	return (now_ns() - t0) / (double)n;
}

static void fill_live(enum which w)
{
	for (unsigned long i = 0; i < nr_live; i++) {
		live[i] = do_alloc(w, (unsigned)i & (nr_caches - 1));
		if (!live[i]) {
			fprintf(stderr, "slab bench: out of memory at object %lu\n", i);
			exit(1);
		}
	}
}

static void empty_live(enum which w)
{
	for (unsigned long i = 0; i < nr_live; i++)
		do_free(w, (unsigned)i & (nr_caches - 1), live[i]);
}

/* ---- one measurement ------------------------------------------------------ */

enum pattern { PAIR, BATCH64, RANDOM };

/* One round of @pattern for allocator @w (each case is specialised). */
#define ROUND_FOR(W) \
	static __attribute__((noinline)) double round_##W(enum pattern pt, long n) \
	{ \
		return pt == PAIR ? round_pairs(W, n) : pt == BATCH64 ? round_batches(W, n) \
								 : round_random(W, n); \
	}
ROUND_FOR(SLAB)
ROUND_FOR(KMALLOC)
ROUND_FOR(GLIBC)
ROUND_FOR(MIMALLOC)

static double run_round(enum which w, enum pattern pt, long n)
{
	switch (w) {
	case SLAB: return round_SLAB(pt, n);
	case KMALLOC: return round_KMALLOC(pt, n);
	case GLIBC: return round_GLIBC(pt, n);
	default: return round_MIMALLOC(pt, n);
	}
}

/* Median and fastest of @rounds rounds of @n operations after a warm-up round. */
static void measure(enum which w, enum pattern pt, int rounds, long n, double *median,
		    double *best)
{
	double r[PAIR_ROUNDS > RANDOM_ROUNDS ? PAIR_ROUNDS : RANDOM_ROUNDS];

	if (pt == RANDOM)
		fill_live(w);
	run_round(w, pt, n / 2);
	for (int i = 0; i < rounds; i++)
		r[i] = run_round(w, pt, n);
	if (pt == RANDOM)
		empty_live(w);
	qsort(r, (size_t)rounds, sizeof(r[0]), cmp_double);
	*median = r[rounds / 2];
	*best = r[0];
}

/*
 * Create @n caches: one of @size bytes, or several sized as the file
 * comment says.  False if one could not be made.
 */
static bool make_caches(unsigned n, size_t size)
{
	nr_caches = n;
	for (unsigned k = 0; k < n; k++) {
		char name[32];

		sizes[k] = n == 1 ? size : 16 * (1 + k % 16);
		snprintf(name, sizeof(name), "bench-%u-%zu", k, sizes[k]);
		caches[k] = kmem_cache_create(name, (unsigned)sizes[k], 0, 0, NULL);
		if (!caches[k])
			return false;
	}
	return true;
}

static void destroy_caches(void)
{
	for (unsigned k = 0; k < nr_caches; k++)
		kmem_cache_destroy(caches[k]);
	nr_caches = 0;
}

static void row(const char *name, enum pattern pt, size_t size, unsigned ncaches,
		unsigned long nlive)
{
	int rounds = pt == RANDOM ? RANDOM_ROUNDS : PAIR_ROUNDS;
	long n = pt == RANDOM ? RANDOM_OPS : PAIRS;

	if (!make_caches(ncaches, size)) {
		fprintf(stderr, "slab bench: kmem_cache_create failed\n");
		exit(1);
	}
	nr_live = nlive;
	printf("%-34s", name);
	fflush(stdout);
	for (int w = SLAB; w < NR_WHICH; w++) {
		double median, best;

		measure((enum which)w, pt, rounds, n, &median, &best);
		printf(" %7.2f (%6.2f)", median, best);
		fflush(stdout);
	}
	printf("\n");
	destroy_caches();
}

int slab_bench_run(void)
{
	static const unsigned long lives[] = { 1024, 65536, 1048576 };
	static const unsigned cache_counts[] = { 1, 16, 1024 };
	unsigned long ram_objects;

	/* Inside mm-bench the page allocator is up already: add only the slab layer. */
	if (!kmalloc_slab(8, GFP_KERNEL) && kmem_cache_init()) {
		fprintf(stderr, "slab bench: kmem_cache_init failed\n");
		return 1;
	}
	/* The biggest rows hold up to 256-byte objects: leave them out on a small machine. */
	ram_objects = totalram_pages() * (PAGE_SIZE / 256) / 2;
	live = calloc(lives[2], sizeof(*live));
	if (!live)
		return 1;
	printf("slab bench: ns (thread CPU time) per alloc+free, median (min) of %d rounds of %d "
	       "(random: %d rounds of %d)\n", PAIR_ROUNDS, PAIRS, RANDOM_ROUNDS, RANDOM_OPS);
	printf("%-34s", "pattern");
	for (int w = SLAB; w < NR_WHICH; w++)
		printf(" %16s", which_names[w]);
	printf("\n");
	row("pair 64 B", PAIR, 64, 1, 0);
	row("pair 256 B", PAIR, 256, 1, 0);
	row("batch64 64 B", BATCH64, 64, 1, 0);
	row("batch64 256 B", BATCH64, 256, 1, 0);
	for (size_t c = 0; c < sizeof(cache_counts) / sizeof(cache_counts[0]); c++) {
		for (size_t l = 0; l < sizeof(lives) / sizeof(lives[0]); l++) {
			char name[64];

			if (lives[l] > ram_objects)
				continue;
			snprintf(name, sizeof(name), "random, live %lu%s, %u cache%s",
				 lives[l] >= 1048576 ? lives[l] >> 20 : lives[l] >> 10,
				 lives[l] >= 1048576 ? "M" : "k", cache_counts[c],
				 cache_counts[c] == 1 ? " (64 B)" : "s");
			row(name, RANDOM, 64, cache_counts[c], lives[l]);
		}
	}
	free(live);
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
