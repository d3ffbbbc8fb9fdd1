/*
 * Slab debug mode: red zones, poisoning and caller tracking catch a
 * one-byte overflow, an underflow, a write after free and double frees;
 * each is reported with a clear message, the damaged object is withheld
 * and the allocator's state stays consistent.
 */
#include "slab_test.h"
#include "mneme/error.h"

#define DEBUG_ALL (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)

/* Start over with debug flags on for every cache, kmalloc's included. */
static void reinit_debug(unsigned flags)
{
	slab_debug_set_global(flags);
	if (slab_test_env_init()) {
		fprintf(stderr, "reinit failed\n");
		exit(1);
	}
	log_capture();
}

static struct kmem_cache_stats stats_of(struct kmem_cache *s)
{
	struct kmem_cache_stats st;

	kmem_cache_stats(s, &st);
	return st;
}

/* No object handed out in the next @n allocations equals @bad. */
static void check_never_reused(size_t size, const void *bad, int n)
{
	void **p = calloc((size_t)n, sizeof(void *));

	for (int i = 0; i < n; i++) {
		p[i] = kmalloc(size, GFP_KERNEL);
		CHECK(p[i] != bad);
	}
	for (int i = 0; i < n; i++)
		kfree(p[i]);
	free(p);
}

static void test_debug_clean_run(void)
{
	reinit_debug(DEBUG_ALL);
	struct kmem_cache *s = kmalloc_slab(64, GFP_KERNEL);
	void *p[300];

	CHECK(s->flags & SLAB_RED_ZONE);
	for (int i = 0; i < 300; i++) {
		p[i] = kmalloc(64, GFP_KERNEL);
		CHECK_EQ((uintptr_t)p[i] % 64, 0);
		memset(p[i], 0x11, 64);                 /* the whole object is usable */
	}
	for (int i = 0; i < 300; i++)
		kfree(p[i]);
	CHECK_EQ(kmem_cache_validate(s), 0);
	CHECK_EQ(slab_test_log_len, 0);
	CHECK_EQ(stats_of(s).errors, 0);
	CHECK_INVARIANTS();
}

static void test_overflow_by_one(void)
{
	reinit_debug(DEBUG_ALL);
	struct kmem_cache *s = kmalloc_slab(64, GFP_KERNEL);
	unsigned char *p = kmalloc(64, GFP_KERNEL);
	char expect[128];
	struct kmem_cache_stats st;

	p[64] = 'x';                                    /* one byte past the end */
	kfree(p);
	snprintf(expect, sizeof(expect), "slab kmalloc-64: redzone overwritten at %p by 1 bytes",
		 (void *)(p + 64));
	CHECK(log_has(expect));
	CHECK(log_has("last allocated by 0x"));
	st = stats_of(s);
	CHECK_EQ(st.active_objs, 0);
	CHECK_EQ(st.withheld, 1);
	CHECK_EQ(st.errors, 2);                         /* the report and "withheld" */
	CHECK_INVARIANTS();
	check_never_reused(64, p, 500);
	/* Freeing it again is a double free, rejected without changes. */
	log_capture();
	CHECK_EQ(kfree_checked(p), -MNEME_EBUSY);
	CHECK(log_has("slab kmalloc-64: free of object") && log_has("withheld after damage"));
	CHECK_EQ(stats_of(s).frees, st.frees + 500);
	CHECK_INVARIANTS();
	/* The slab holding the withheld object is never given back. */
	kmem_cache_shrink(s);
	CHECK_EQ(stats_of(s).slabs, 1);
}

/* The slack between the size asked for and the size class is red zone too. */
static void test_overflow_into_slack(void)
{
	reinit_debug(SLAB_RED_ZONE);
	struct kmem_cache *s = kmalloc_slab(64, GFP_KERNEL);
	unsigned char *p = kmalloc(60, GFP_KERNEL), *q;
	char expect[128];

	CHECK_EQ(ksize(p), 60);
	memset(p, 1, 60);
	p[60] = 'x';
	kfree(p);
	snprintf(expect, sizeof(expect), "slab kmalloc-64: redzone overwritten at %p by 1 bytes",
		 (void *)(p + 60));
	CHECK(log_has(expect));
	CHECK_EQ(stats_of(s).withheld, 1);
	CHECK_INVARIANTS();
	/* krealloc moves the guard: growing inside the slot, then shrinking. */
	log_capture();
	q = kmalloc(40, GFP_KERNEL);
	CHECK(krealloc(q, 64, GFP_KERNEL) == q);
	CHECK_EQ(ksize(q), 64);
	memset(q, 2, 64);
	CHECK(krealloc(q, 10, GFP_KERNEL) == q);
	CHECK_EQ(ksize(q), 10);
	CHECK_EQ(kfree_checked(q), 0);
	CHECK_EQ(slab_test_log_len, 0);
	q = kmalloc(40, GFP_KERNEL);
	CHECK(krealloc(q, 12, GFP_KERNEL) == q);
	q[12] = 0;
	kfree(q);
	snprintf(expect, sizeof(expect), "slab kmalloc-64: redzone overwritten at %p by 1 bytes",
		 (void *)(q + 12));
	CHECK(log_has(expect));
	CHECK_INVARIANTS();
}

static void test_underflow(void)
{
	reinit_debug(SLAB_RED_ZONE);
	unsigned char *p = kmalloc(100, GFP_KERNEL);     /* kmalloc-128 */
	char expect[128];

	p[-1] = 0;
	p[-3] = 0;
	kfree(p);
	snprintf(expect, sizeof(expect), "slab kmalloc-128: redzone overwritten at %p by 2 bytes",
		 (void *)(p - 3));
	CHECK(log_has(expect));
	CHECK(log_has("before allocated object"));
	CHECK_INVARIANTS();
	check_never_reused(100, p, 200);
}

static void test_write_after_free(void)
{
	reinit_debug(DEBUG_ALL);
	struct kmem_cache *s = kmalloc_slab(64, GFP_KERNEL);
	unsigned char *p = kmalloc(64, GFP_KERNEL), *q;
	char expect[160];

	kfree(p);
	CHECK_EQ(slab_test_log_len, 0);
	p[10] = 1;                                      /* use after free */
	q = kmalloc(64, GFP_KERNEL);                    /* p is next on the freelist */
	CHECK(q != NULL && q != p);
	snprintf(expect, sizeof(expect),
		 "slab kmalloc-64: use after free: poison overwritten at %p by 1 bytes", (void *)(p + 10));
	CHECK(log_has(expect));
	CHECK(log_has("last freed by 0x"));
	CHECK_EQ(stats_of(s).withheld, 1);
	CHECK_EQ(stats_of(s).active_objs, 1);
	CHECK_INVARIANTS();
	kfree(q);
	check_never_reused(64, p, 500);
	CHECK_INVARIANTS();
}

/* Poison only (no red zone): an object withheld on allocation cannot be freed. */
static void test_free_of_withheld(void)
{
	struct kmem_cache *s = kmem_cache_create("poison-only", 48, 0, SLAB_POISON, NULL);
	unsigned char *p = kmem_cache_alloc(s, GFP_KERNEL), *q;
	struct kmem_cache_stats st;

	kmem_cache_free(s, p);
	p[0] = 0;                                       /* use after free */
	q = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(q != p && log_has("use after free"));
	st = stats_of(s);
	log_capture();
	CHECK_EQ(kmem_cache_free_checked(s, p), -MNEME_EBUSY);
	CHECK(log_has("withheld after damage"));
	CHECK_EQ(stats_of(s).frees, st.frees);
	kmem_cache_free(s, q);
	CHECK_EQ(kmem_cache_free_checked(s, q), -MNEME_EBUSY);
	CHECK(log_has("slab poison-only: double free of object"));
	CHECK_INVARIANTS();
	CHECK_EQ(kmem_cache_destroy(s), 0);
}

/* The invariant checker sees a damaged state word of a free object. */
static void test_state_word_checked(void)
{
	struct kmem_cache *s = kmem_cache_create("state", 64, 0, SLAB_CONSISTENCY_CHECKS, NULL);
	unsigned char *p = kmem_cache_alloc(s, GFP_KERNEL);
	char why[256];

	kmem_cache_free(s, p);
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), 0);
	p[s->offset + 8] ^= 1;                          /* the state word after the free pointer */
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), -MNEME_ECORRUPT);
	CHECK(strstr(why, "on a freelist has state") != NULL);
	p[s->offset + 8] ^= 1;
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), 0);
	CHECK_EQ(kmem_cache_destroy(s), 0);
}

static void test_validate_finds_write_after_free(void)
{
	reinit_debug(SLAB_POISON);
	struct kmem_cache *s = kmalloc_slab(256, GFP_KERNEL);
	unsigned char *p = kmalloc(256, GFP_KERNEL);
	char expect[160];

	kfree(p);
	CHECK_EQ(kmem_cache_validate(s), 0);
	p[255] = 0;                                     /* the end marker */
	CHECK_EQ(kmem_cache_validate(s), 1);
	snprintf(expect, sizeof(expect), "poison overwritten at %p by 1 bytes", (void *)(p + 255));
	CHECK(log_has(expect));
}

static void test_double_free(void)
{
	reinit_debug(DEBUG_ALL);
	struct kmem_cache *s = kmalloc_slab(32, GFP_KERNEL);
	void *p = kmalloc(32, GFP_KERNEL), *q = kmalloc(32, GFP_KERNEL), *a, *b;
	struct kmem_cache_stats st;

	kfree(p);
	kfree(q);
	st = stats_of(s);
	kfree(p);                                       /* not at the freelist head */
	CHECK(log_has("slab kmalloc-32: double free of object"));
	CHECK_EQ(kfree_checked(q), -MNEME_EBUSY);
	CHECK_EQ(stats_of(s).frees, st.frees);
	CHECK_EQ(stats_of(s).active_objs, 0);
	CHECK_INVARIANTS();
	a = kmalloc(32, GFP_KERNEL);
	b = kmalloc(32, GFP_KERNEL);
	CHECK(a != b);
	CHECK((a == p || a == q) && (b == p || b == q));
	kfree(a);
	kfree(b);
	CHECK_INVARIANTS();
}

/* Per-cache flags without the global switch; a red zone write between two objects. */
static void test_per_cache_flags(void)
{
	struct kmem_cache *s = kmem_cache_create("dbg-100", 100, 0, SLAB_RED_ZONE | SLAB_POISON, NULL);
	struct kmem_cache *plain = kmalloc_slab(128, GFP_KERNEL);
	unsigned char *a = kmem_cache_alloc(s, GFP_KERNEL), *b = kmem_cache_alloc(s, GFP_KERNEL);

	CHECK(!(plain->flags & SLAB_RED_ZONE));
	CHECK(s->size > 100);
	a[100] = 0xee;
	a[101] = 0xee;
	a[103] = 0xee;
	kmem_cache_free(s, b);
	CHECK_EQ(slab_test_log_len, 0);
	kmem_cache_free(s, a);
	CHECK(log_has("slab dbg-100: redzone overwritten at"));
	CHECK(log_has("by 3 bytes"));
	CHECK_EQ(stats_of(s).withheld, 1);
	CHECK_INVARIANTS();
	CHECK_EQ(kmem_cache_destroy(s), 0);          /* only a withheld object left */
	CHECK_INVARIANTS();
}

static void test_debug_setup(void)
{
	CHECK_EQ(slab_debug_setup("ZP"), 0);
	CHECK_EQ(slab_debug_global_flags(), SLAB_RED_ZONE | SLAB_POISON);
	CHECK_EQ(slab_debug_setup("FU"), 0);
	CHECK_EQ(slab_debug_global_flags(), SLAB_CONSISTENCY_CHECKS | SLAB_STORE_USER);
	CHECK_EQ(slab_debug_setup("ZX"), -MNEME_EINVAL);
	CHECK(log_has("unknown option 'X'"));
	CHECK_EQ(slab_debug_global_flags(), SLAB_CONSISTENCY_CHECKS | SLAB_STORE_USER);
	CHECK_EQ(slab_debug_setup(""), 0);
	CHECK_EQ(slab_debug_global_flags(), SLAB_DEBUG_FLAGS);
	CHECK_EQ(slab_debug_setup("-"), 0);
	CHECK_EQ(slab_debug_global_flags(), 0);
	/* Caches made after the switch debug, earlier ones do not. */
	slab_debug_setup("Z");
	struct kmem_cache *s = kmem_cache_create("after", 32, 0, 0, NULL);
	CHECK(s->flags & SLAB_RED_ZONE);
	CHECK(!(kmalloc_slab(32, GFP_KERNEL)->flags & SLAB_RED_ZONE));
	CHECK_EQ(kmem_cache_destroy(s), 0);
	slab_debug_setup("-");
}

int main(void)
{
	static const struct slab_test_case cases[] = {
		{ "debug_clean_run", test_debug_clean_run },
		{ "overflow_by_one", test_overflow_by_one },
		{ "overflow_into_slack", test_overflow_into_slack },
		{ "underflow", test_underflow },
		{ "write_after_free", test_write_after_free },
		{ "validate_finds_write_after_free", test_validate_finds_write_after_free },
		{ "double_free", test_double_free },
		{ "free_of_withheld", test_free_of_withheld },
		{ "state_word_checked", test_state_word_checked },
		{ "per_cache_flags", test_per_cache_flags },
		{ "debug_setup", test_debug_setup },
	};

	return slab_test_run(cases, ARRAY_SIZE(cases));
}
