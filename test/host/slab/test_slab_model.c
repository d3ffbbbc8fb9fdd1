/*
 * Randomised differential test of the per-CPU object caches against a
 * model.  The model keeps, for every cache and CPU, the exact contents of
 * the object cache (frees push, a full cache drops its oldest half,
 * shrinking empties every CPU's), and the set of live objects.  Seeded
 * operations on four CPUs (kmem_cache_alloc/_node, kmalloc/_node,
 * kzalloc, krealloc, kmem_cache_free, kfree and their checked variants,
 * double and interior frees, shrinks) are run against both, and:
 *   - an allocation that the model's object cache can serve (the newest
 *     object, on the node asked for) must return exactly that object;
 *     any other must return an object that is not live;
 *   - a free of a live object is accepted and pushed; a double free of a
 *     cached object (checked, or of the newest one unchecked) and a free
 *     of an interior pointer are rejected and change nothing;
 *   - after every operation the cache's statistics agree with the model
 *     (objects held by users, objects in object caches), contents of live
 *     objects are intact, and every few thousand operations the slab and
 *     page allocator invariant checkers pass;
 *   - at the end, with everything freed and shrunk, the page allocator
 *     has every page back.
 *
 * SLAB_MODEL_OPS (default 400000) and SLAB_MODEL_SEED override the run.
 */
#include "slab_test.h"
#include "mm/page_alloc.h"
#include "mneme/error.h"

#include <stdint.h>

#define SLOTS 3000
#define NR_CPUS_USED 4
#define MAX_MODEL_CACHES 32
#define CHECK_EVERY 4000

struct slot {
	unsigned char *p;
	size_t size;               /* bytes filled with the pattern */
	struct kmem_cache *cache;  /* NULL: kmalloc */
	uint32_t gen;
};

/* A cache the model follows: its object cache per CPU and its live count. */
struct model_cache {
	struct kmem_cache *s;
	void *mag[NR_CPUS_USED][SLAB_CPU_CACHE_MAX];
	unsigned nr[NR_CPUS_USED];
	uint64_t live;
};

static struct slot slots[SLOTS];
static struct model_cache models[MAX_MODEL_CACHES];
static unsigned nr_models;
static struct kmem_cache *own[4];
static unsigned cpu;
static uint64_t rng_state;
static unsigned long op, predicted, rejected_ok;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static void fail(const char *what)
{
	fprintf(stderr, "op %lu (cpu %u): %s\n", op, cpu, what);
	slab_test_failures++;
	if (slab_test_failures > 10)
		exit(1);
}

static struct model_cache *model_of(struct kmem_cache *s)
{
	for (unsigned i = 0; i < nr_models; i++)
		if (models[i].s == s)
			return &models[i];
	if (nr_models == MAX_MODEL_CACHES) {
		fail("too many caches for the model");
		exit(1);
	}
	memset(&models[nr_models], 0, sizeof(models[0]));
	models[nr_models].s = s;
	return &models[nr_models++];
}

/* ---- live objects: a set of addresses ------------------------------------------ */

#define LIVE_BUCKETS 8192   /* power of two, > 2 * SLOTS */
static uintptr_t live_set[LIVE_BUCKETS];

static unsigned live_hash(uintptr_t a)
{
	return (unsigned)((a >> 3) * 0x9e3779b97f4a7c15ull >> 51) & (LIVE_BUCKETS - 1);
}

static bool live_has(uintptr_t a)
{
	for (unsigned h = live_hash(a); live_set[h]; h = (h + 1) & (LIVE_BUCKETS - 1))
		if (live_set[h] == a)
			return true;
	return false;
}

static void live_add(uintptr_t a)
{
	unsigned h = live_hash(a);

	while (live_set[h])
		h = (h + 1) & (LIVE_BUCKETS - 1);
	live_set[h] = a;
}

static void live_del(uintptr_t a)
{
	unsigned h = live_hash(a);

	while (live_set[h] != a)
		h = (h + 1) & (LIVE_BUCKETS - 1);
	live_set[h] = 0;
	/* re-insert the rest of the cluster (linear probing deletion) */
	for (h = (h + 1) & (LIVE_BUCKETS - 1); live_set[h]; h = (h + 1) & (LIVE_BUCKETS - 1)) {
		uintptr_t v = live_set[h];

		live_set[h] = 0;
		live_add(v);
	}
}

/* ---- the model's object caches ------------------------------------------------- */

/* What an allocation from @m on this CPU must return (NULL: anything not live). */
static void *model_expect(struct model_cache *m, int nid)
{
	unsigned n = m->nr[cpu];
	void *top;

	if (!n)
		return NULL;
	top = m->mag[cpu][n - 1];
	if (nid >= 0 && page_to_nid(virt_to_page(top)) != (unsigned)nid)
		return NULL;
	return top;
}

static void model_alloc(struct model_cache *m, void *got, int nid)
{
	void *want = model_expect(m, nid);

	if (want) {
		predicted++;
		if (got != want)
			fail("allocation did not return the newest object of the object cache");
		else
			m->nr[cpu]--;
	}
	if (live_has((uintptr_t)got))
		fail("object handed out twice");
	live_add((uintptr_t)got);
	m->live++;
}

static void model_free(struct model_cache *m, void *p)
{
	unsigned limit = m->s->cpu_cache_limit;

	live_del((uintptr_t)p);
	m->live--;
	if (!limit)
		return;                     /* debug cache: straight to the slab */
	if (m->nr[cpu] == limit) {
		unsigned batch = m->s->cpu_cache_batch;

		memmove(m->mag[cpu], m->mag[cpu] + batch, (limit - batch) * sizeof(void *));
		m->nr[cpu] -= batch;
	}
	m->mag[cpu][m->nr[cpu]++] = p;
}

static void model_shrink(struct model_cache *m)
{
	memset(m->nr, 0, sizeof(m->nr));
}

static void model_check_stats(struct model_cache *m)
{
	struct kmem_cache_stats st;
	uint64_t cached = 0;

	kmem_cache_stats(m->s, &st);
	for (unsigned c = 0; c < NR_CPUS_USED; c++)
		cached += m->nr[c];
	if (st.cpu_cached != cached || st.active_objs != m->live) {
		char msg[160];

		snprintf(msg, sizeof(msg), "%s: %llu cached, model %llu; %llu active, model %llu",
			 m->s->name, (unsigned long long)st.cpu_cached, (unsigned long long)cached,
			 (unsigned long long)st.active_objs, (unsigned long long)m->live);
		fail(msg);
	}
}

/* ---- contents ------------------------------------------------------------------- */

static unsigned char pattern(size_t slot, uint32_t gen, size_t i)
{
	return (unsigned char)(slot * 17 + gen * 5 + i * 29 + (i >> 7));
}

static void fill(size_t idx)
{
	struct slot *s = &slots[idx];

	for (size_t i = 0; i < s->size; i++)
		s->p[i] = pattern(idx, s->gen, i);
}

static bool intact(size_t idx, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (slots[idx].p[i] != pattern(idx, slots[idx].gen, i))
			return false;
	return true;
}

/* ---- operations ------------------------------------------------------------------- */

static size_t random_kmalloc_size(void)
{
	uint64_t r = rng() % 100;

	if (r < 60)
		return 1 + rng() % 256;
	if (r < 95)
		return 1 + rng() % 8192;
	return 8193 + rng() % 40000;   /* large: the buddy, outside the model */
}

static int random_nid(void)
{
	return (rng() & 3) ? -1 : (int)(rng() % 2);
}

static void do_alloc(size_t idx)
{
	struct slot *s = &slots[idx];
	int nid = random_nid();
	bool zero = false;

	s->gen++;
	if (rng() % 2) {
		s->cache = own[rng() % 4];
		s->size = s->cache->object_size;
		s->p = nid >= 0 ? kmem_cache_alloc_node(s->cache, GFP_KERNEL, nid)
				: kmem_cache_alloc(s->cache, GFP_KERNEL);
	} else {
		s->cache = NULL;
		s->size = random_kmalloc_size();
		zero = nid < 0 && rng() % 4 == 0;
		s->p = zero ? kzalloc(s->size, GFP_KERNEL)
			    : nid >= 0 ? kmalloc_node(s->size, GFP_KERNEL, nid)
				       : kmalloc(s->size, GFP_KERNEL);
	}
	if (!s->p) {
		fail("allocation failed");
		return;
	}
	if (zero) {
		for (size_t i = 0; i < s->size; i++)
			if (s->p[i]) {
				fail("kzalloc object not zeroed");
				break;
			}
	}
	if (s->cache || s->size <= KMALLOC_MAX_CACHE_SIZE) {
		struct kmem_cache *c = virt_to_cache(s->p);

		if (!c || (s->cache && c != s->cache)) {
			fail("object in no slab of its cache");
			return;
		}
		model_alloc(model_of(c), s->p, nid);
		model_check_stats(model_of(c));
	}
	fill(idx);
}

/* Free slot @idx through one of the four entry points. */
static void do_free(size_t idx)
{
	struct slot *s = &slots[idx];
	struct kmem_cache *c = s->cache ? s->cache : virt_to_cache(s->p);
	int err = 0;

	if (!intact(idx, s->size))
		fail("live object's contents changed");
	if (s->cache == own[0])
		memset(s->p, 0, 32);       /* the constructed state */
	switch (rng() % 2) {
	case 0:
		if (s->cache)
			kmem_cache_free(s->cache, s->p);
		else
			kfree(s->p);
		break;
	default:
		err = s->cache ? kmem_cache_free_checked(s->cache, s->p) : kfree_checked(s->p);
		break;
	}
	if (err)
		fail("free of a live object refused");
	if (c) {
		model_free(model_of(c), s->p);
		model_check_stats(model_of(c));
	}
	s->p = NULL;
}

/* krealloc: in place while it fits, else a new object and a free of the old. */
static void do_realloc(size_t idx)
{
	struct slot *s = &slots[idx];
	size_t nsize = random_kmalloc_size(), old = ksize(s->p), keep;
	struct kmem_cache *oc = virt_to_cache(s->p);
	struct kmem_cache *nc = nsize <= KMALLOC_MAX_CACHE_SIZE ? kmalloc_slab(nsize, GFP_KERNEL) : NULL;
	unsigned char *n;

	if (nc)
		model_of(nc);          /* follow the new class from before the call */
	n = krealloc(s->p, nsize, GFP_KERNEL);

	if (!n) {
		fail("krealloc failed");
		return;
	}
	keep = nsize < s->size ? nsize : s->size;
	if (!intact(idx, keep))
		fail("krealloc lost contents");
	if (n != s->p) {
		if (nsize <= old)
			fail("krealloc moved an object that fit");
		if (nc)
			model_alloc(model_of(nc), n, -1);
		if (oc)
			model_free(model_of(oc), s->p);
	}
	s->p = n;
	s->size = nsize;
	fill(idx);
}

/* Frees that must be refused: a cached object again, an interior pointer. */
static void do_bad_free(void)
{
	struct model_cache *m = &models[rng() % nr_models];
	unsigned c = (unsigned)(rng() % NR_CPUS_USED);
	struct kmem_cache_stats before, after;
	int err;

	kmem_cache_stats(m->s, &before);
	if (m->nr[c]) {
		void *p = m->mag[c][rng() % m->nr[c]];

		err = (m->s->flags & SLAB_KMALLOC) ? kfree_checked(p) : kmem_cache_free_checked(m->s, p);
		if (err != -MNEME_EBUSY)
			fail("checked double free of a cached object not refused");
		if (c == cpu) {         /* the newest one is caught unchecked too */
			p = m->mag[c][m->nr[c] - 1];
			if (m->s->flags & SLAB_KMALLOC)
				kfree(p);
			else
				kmem_cache_free(m->s, p);
		}
	} else {
		size_t idx = rng() % SLOTS;

		if (!slots[idx].p || slots[idx].size < 16 ||
		    (!slots[idx].cache && slots[idx].size > KMALLOC_MAX_CACHE_SIZE))
			return;
		m = model_of(virt_to_cache(slots[idx].p));
		kmem_cache_stats(m->s, &before);
		err = slots[idx].cache ? kmem_cache_free_checked(slots[idx].cache, slots[idx].p + 8)
				       : kfree_checked(slots[idx].p + 8);
		if (err != -MNEME_EINVAL)
			fail("interior free not refused");
	}
	kmem_cache_stats(m->s, &after);
	if (after.frees != before.frees || after.cpu_cached != before.cpu_cached ||
	    after.active_objs != before.active_objs)
		fail("refused free changed the cache");
	model_check_stats(m);
	rejected_ok++;
}

static void do_shrink(void)
{
	if (rng() % 4) {
		struct model_cache *m = &models[rng() % nr_models];

		kmem_cache_shrink(m->s);
		model_shrink(m);
	} else {
		kmem_cache_shrink_all();
		for (unsigned i = 0; i < nr_models; i++)
			model_shrink(&models[i]);
	}
}

static void check_all(void)
{
	char why[256];

	if (slab_check_invariants(why, sizeof(why)) || mm_check_invariants(why, sizeof(why)))
		fail(why);
	for (unsigned i = 0; i < nr_models; i++)
		model_check_stats(&models[i]);
}

static void ctor_zero(void *obj)
{
	memset(obj, 0, 32);
}

static void test_model(void)
{
	const char *ops_env = getenv("SLAB_MODEL_OPS"), *seed_env = getenv("SLAB_MODEL_SEED");
	unsigned long ops = ops_env ? strtoul(ops_env, NULL, 0) : 400000, free0;

	rng_state = seed_env ? strtoull(seed_env, NULL, 0) : 0xd1ff5eedull;
	printf("model: %lu ops, seed %#llx\n", ops, (unsigned long long)rng_state);
	memset(slots, 0, sizeof(slots));
	memset(live_set, 0, sizeof(live_set));
	nr_models = 0;
	cpu = 0;
	own[0] = kmem_cache_create("model-ctor", 32, 0, 0, ctor_zero);
	own[1] = kmem_cache_create("model-64", 64, 0, 0, NULL);
	own[2] = kmem_cache_create("model-1000", 1000, 0, SLAB_HWCACHE_ALIGN, NULL);
	own[3] = kmem_cache_create("model-dbg", 300, 0, SLAB_RED_ZONE | SLAB_POISON, NULL);
	for (int i = 0; i < 4; i++)
		model_of(own[i]);
	free0 = slab_test_free_pages();
	for (op = 0; op < ops; op++) {
		size_t idx = rng() % SLOTS;
		uint64_t r = rng() % 1000;

		if (r < 60) {
			cpu = (unsigned)(rng() % NR_CPUS_USED);
			mm_host_set_cpu(cpu);
		} else if (r < 62) {
			do_shrink();
		} else if (r < 90) {
			do_bad_free();
		} else if (!slots[idx].p) {
			do_alloc(idx);
		} else if (!slots[idx].cache && slots[idx].size <= KMALLOC_MAX_CACHE_SIZE &&
			   rng() % 8 == 0) {
			do_realloc(idx);
		} else {
			do_free(idx);
		}
		if (op % CHECK_EVERY == 0)
			check_all();
	}
	check_all();
	for (size_t i = 0; i < SLOTS; i++)
		if (slots[i].p)
			do_free(i);
	check_all();
	printf("model: %lu allocations predicted exactly, %lu bad frees refused\n", predicted,
	       rejected_ok);
	CHECK(predicted > ops / 10);
	kmem_cache_shrink_all();
	cpu = 0;
	mm_host_set_cpu(0);
	CHECK_INVARIANTS();
	CHECK_EQ(slab_test_free_pages(), free0);
	for (int i = 0; i < 4; i++) {
		struct kmem_cache_stats st;

		kmem_cache_stats(own[i], &st);
		CHECK_EQ(st.active_objs, 0);
		CHECK_EQ(st.withheld, 0);
		CHECK_EQ(kmem_cache_destroy(own[i]), 0);
	}
}

int main(void)
{
	static const struct slab_test_case cases[] = {
		{ "model", test_model },
	};

	return slab_test_run(cases, ARRAY_SIZE(cases));
}
