/*
 * Randomised slab/kmalloc test: seeded alloc/free/realloc operations over
 * a table of live objects, mixing kmalloc sizes (small classes, class
 * boundaries, large blocks), three dedicated caches (one with a
 * constructor, one with debug flags) and four CPUs.  Every object carries
 * a pattern derived from its slot and generation, checked before it is
 * freed; slab invariants are checked throughout; at the end everything is
 * freed and the page allocator's free count must be back where it began.
 *
 * SLAB_RANDOM_OPS (default 300000) and SLAB_RANDOM_SEED override the run.
 */
#include "slab_test.h"
#include "mneme/error.h"

#include <stdint.h>

#define SLOTS 4096

struct slot {
	unsigned char *p;
	size_t size;
	struct kmem_cache *cache;   /* NULL: kmalloc */
	uint32_t gen;
};

static struct slot slots[SLOTS];
static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static unsigned char pattern(size_t slot, uint32_t gen, size_t i)
{
	return (unsigned char)(slot * 31 + gen * 7 + i * 13 + (i >> 8));
}

static void fill(size_t idx)
{
	struct slot *s = &slots[idx];

	for (size_t i = 0; i < s->size; i++)
		s->p[i] = pattern(idx, s->gen, i);
}

static bool intact(size_t idx, size_t upto)
{
	struct slot *s = &slots[idx];

	for (size_t i = 0; i < upto; i++)
		if (s->p[i] != pattern(idx, s->gen, i))
			return false;
	return true;
}

static size_t random_size(void)
{
	static const size_t edges[] = { 1, 8, 9, 16, 17, 96, 97, 192, 193, 4096, 4097, 8192, 8193 };
	uint64_t r = rng() % 1000;

	if (r < 600)
		return 1 + rng() % 256;
	if (r < 900)
		return 1 + rng() % 2048;
	if (r < 980)
		return 1 + rng() % 8192;
	if (r < 995)
		return edges[rng() % (sizeof(edges) / sizeof(edges[0]))];
	return 8193 + rng() % 100000;
}

static struct kmem_cache *caches[3];
static unsigned ctor_seen;

static void ctor_mark(void *obj)
{
	ctor_seen++;
	memset(obj, 0, 24);
}

static void do_alloc(size_t idx)
{
	struct slot *s = &slots[idx];
	uint64_t r = rng() % 10;

	s->gen++;
	if (r < 7) {
		s->cache = NULL;
		s->size = random_size();
		switch (rng() % 4) {
		case 0: s->p = kmalloc(s->size, GFP_KERNEL); break;
		case 1: s->p = kzalloc(s->size, GFP_KERNEL); break;
		default: s->p = kmalloc_node(s->size, GFP_KERNEL, (int)(rng() % 3) - 1); break;
		}
	} else {
		s->cache = caches[r - 7];
		s->size = s->cache->object_size;
		s->p = (rng() & 1) ? kmem_cache_alloc(s->cache, GFP_KERNEL)
				   : kmem_cache_alloc_node(s->cache, GFP_KERNEL, (int)(rng() % 2));
	}
	CHECK(s->p != NULL);
	if (!s->p)
		return;
	if (s->cache == NULL)
		CHECK(ksize(s->p) >= s->size);
	fill(idx);
}

static void do_free(size_t idx)
{
	struct slot *s = &slots[idx];

	CHECK(intact(idx, s->size));
	if (s->cache == caches[0])
		memset(s->p, 0, 24);       /* return it in constructed state */
	if (s->cache)
		kmem_cache_free(s->cache, s->p);
	else if (rng() & 1)
		kfree(s->p);
	else
		CHECK_EQ(kfree_checked(s->p), 0);
	s->p = NULL;
}

static void do_realloc(size_t idx)
{
	struct slot *s = &slots[idx];
	size_t keep, nsize = random_size();
	unsigned char *n;

	n = krealloc(s->p, nsize, GFP_KERNEL);
	CHECK(n != NULL);
	if (!n)
		return;
	keep = nsize < s->size ? nsize : s->size;
	s->p = n;
	CHECK(intact(idx, keep));
	s->size = nsize;
	fill(idx);
}

static void run_random(unsigned long default_ops, unsigned debug_flags)
{
	const char *ops_env = getenv("SLAB_RANDOM_OPS"), *seed_env = getenv("SLAB_RANDOM_SEED");
	unsigned long ops = ops_env ? strtoul(ops_env, NULL, 0) : default_ops;
	unsigned long free0;
	char why[256];

	if (debug_flags) {
		slab_debug_set_global(debug_flags);
		if (slab_test_env_init()) {
			CHECK(!"environment init");
			return;
		}
		log_capture();
	}
	memset(slots, 0, sizeof(slots));
	rng_state = seed_env ? strtoull(seed_env, NULL, 0) : 0x5eed1234abcdull;
	printf("random: %lu ops, seed %#llx, debug flags %#x\n", ops,
	       (unsigned long long)rng_state, debug_flags);
	caches[0] = kmem_cache_create("rand-ctor", 24, 0, 0, ctor_mark);
	caches[1] = kmem_cache_create("rand-dbg", 200, 0, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER, NULL);
	caches[2] = kmem_cache_create("rand-hw", 72, 0, SLAB_HWCACHE_ALIGN, NULL);
	free0 = slab_test_free_pages();

	for (unsigned long op = 0; op < ops; op++) {
		size_t idx = rng() % SLOTS;

		if (rng() % 16 == 0)
			mm_host_set_cpu((unsigned)(rng() % 4));
		if (rng() % 40000 == 0)
			kmem_cache_shrink_all();    /* flush CPU slabs mid-run */
		if (!slots[idx].p)
			do_alloc(idx);
		else if (!slots[idx].cache && rng() % 8 == 0)
			do_realloc(idx);
		else
			do_free(idx);
		if (op % 5000 == 0 && (slab_check_invariants(why, sizeof(why)) ||
				       mm_check_invariants(why, sizeof(why)))) {
			fprintf(stderr, "op %lu: %s\n", op, why);
			slab_test_failures++;
			return;
		}
	}
	CHECK_INVARIANTS();
	for (size_t i = 0; i < SLOTS; i++)
		if (slots[i].p)
			do_free(i);
	mm_host_set_cpu(0);
	CHECK_INVARIANTS();
	for (int i = 0; i < 3; i++) {
		struct kmem_cache_stats st;

		kmem_cache_stats(caches[i], &st);
		CHECK_EQ(st.active_objs, 0);
		CHECK_EQ(st.errors, 0);
	}
	CHECK(ctor_seen > 0);
	kmem_cache_shrink_all();
	CHECK_INVARIANTS();
	CHECK_EQ(slab_test_free_pages(), free0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(kmem_cache_destroy(caches[i]), 0);
	CHECK_EQ(slab_test_log_len, 0);
	if (slab_test_log_len)
		fputs(slab_test_log, stderr);
}

static void test_random(void)
{
	run_random(300000, 0);
}

/* Every cache, kmalloc's included, with red zones, poison and tracking. */
static void test_random_debug(void)
{
	run_random(100000, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER);
}

int main(void)
{
	static const struct slab_test_case cases[] = {
		{ "random", test_random },
		{ "random_debug", test_random_debug },
	};

	return slab_test_run(cases, ARRAY_SIZE(cases));
}
