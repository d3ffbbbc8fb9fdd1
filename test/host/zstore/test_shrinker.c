/*
 * Shrinkers (mmserver/mm/shrinker.c) on the host: the mm core's own two
 * give back empty slabs and the per-CPU lists under shrink_slab(), a
 * registered cache is asked in proportion to its count, and the count
 * estimates what a shrink frees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm/gfp.h"
#include "mm/host.h"
#include "mm/page_alloc.h"
#include "mm/shrinker.h"
#include "mm/slab.h"
#include "mneme/bootinfo.h"

#define MiB (1ULL << 20)

static int failures;

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { fprintf(stderr, "%s:%d: %s = %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); failures++; } } while (0)

static void quiet(const char *text)
{
	(void)text;
}

static int env_init(void)
{
	static struct mneme_boot_info bi;

	memset(&bi, 0, sizeof(bi));
	bi.magic = MNEME_BOOTINFO_MAGIC;
	bi.version = MNEME_BOOTINFO_VERSION;
	bi.size = sizeof(bi);
	bi.arch = MNEME_ARCH_X86_64;
	bi.page_shift = 12;
	bi.phys_addr_bits = 46;
	bi.nr_cpus = 1;
	bi.ranges[bi.nr_ranges++] = (struct mneme_mem_range){ 1 * MiB, 63 * MiB, MNEME_MEM_USABLE, 0 };
	if (mm_host_arena_init(64 * MiB))
		return -1;
	mm_init_verbose = false;
	mm_host_set_print_sink(quiet);
	int err = mm_init(&bi);
	mm_host_set_print_sink(NULL);
	return err ? err : kmem_cache_init();
}

/* A cache of @have pages that gives back what it is asked. */
struct test_cache {
	struct shrinker sh;
	unsigned long have, asked;
};

static unsigned long test_count(struct shrinker *s)
{
	return ((struct test_cache *)s)->have;
}

static unsigned long test_scan(struct shrinker *s, unsigned long nr)
{
	struct test_cache *c = (struct test_cache *)s;
	unsigned long got = nr < c->have ? nr : c->have;

	c->asked += nr;
	c->have -= got;
	return got;
}

static void test_slab_and_pcp(void)
{
	static void *obj[20000];
	struct page *pages[200];

	kmem_cache_shrink_all();
	drain_all_pages();
	unsigned long free0 = nr_free_pages();
	/* slabs: fill many, then free all but every 500th object */
	for (unsigned i = 0; i < 20000; i++)
		obj[i] = kmalloc(256, GFP_KERNEL);
	for (unsigned i = 0; i < 20000; i++)
		if (i % 500)
			kfree(obj[i]);
	/* per-CPU lists: order-0 pages allocated and freed */
	for (unsigned i = 0; i < 200; i++)
		pages[i] = alloc_pages(GFP_KERNEL, 0);
	for (unsigned i = 0; i < 200; i++)
		__free_pages(pages[i], 0);
	struct kmem_cache *c = kmalloc_slab(256, GFP_KERNEL);
	struct kmem_cache_stats st0, st1;
	kmem_cache_stats(c, &st0);
	unsigned long count = shrinkers_count(), pcp = nr_pcp_pages(), before = nr_free_pages();
	unsigned long slab = slab_nr_pages();
	CHECK(pcp > 0);
	CHECK(st0.slabs > 40);                    /* the kept objects' slabs and spare ones */
	CHECK(count >= pcp + (st0.slabs - 40));
	unsigned long freed = shrink_slab(count);
	kmem_cache_stats(c, &st1);
	/*
	 * Every empty slab went (the 40 objects keep 40 slabs), and reached
	 * the buddy lists through the drained per-CPU lists, which are
	 * asked last.  The count is an upper bound: it does not know the
	 * objects sit in 40 different slabs.
	 */
	CHECK_EQ(st1.slabs, 40);
	CHECK_EQ(nr_pcp_pages(), 0);
	CHECK(nr_free_pages() >= before + pcp + (slab - slab_nr_pages()));
	CHECK(freed >= slab - slab_nr_pages());
	CHECK(shrinkers_count() <= count - (st0.slabs - 40));
	CHECK(shrink_slab_scanned >= count);
	for (unsigned i = 0; i < 20000; i += 500)
		kfree(obj[i]);
	kmem_cache_shrink_all();
	drain_all_pages();
	CHECK_EQ(nr_free_pages(), free0);
}

static void test_registered(void)
{
	struct test_cache a = { { "a", test_count, test_scan, NULL, 0, 0 }, 300, 0 };
	struct test_cache b = { { "b", test_count, test_scan, NULL, 0, 0 }, 100, 0 };

	kmem_cache_shrink_all();
	drain_all_pages();
	register_shrinker(&a.sh);
	register_shrinker(&b.sh);
	register_shrinker(&a.sh);                /* again: no-op */
	CHECK_EQ(shrinkers_count(), 400);
	CHECK_EQ(shrink_slab(40), 40);           /* in proportion: 30 and 10 */
	CHECK_EQ(a.asked, 30);
	CHECK_EQ(b.asked, 10);
	CHECK_EQ(a.have, 270);
	CHECK_EQ(b.have, 90);
	CHECK_EQ(a.sh.nr_freed, 30);
	unregister_shrinker(&b.sh);
	CHECK_EQ(shrinkers_count(), 270);
	CHECK_EQ(shrink_slab(1000), 270);
	unregister_shrinker(&a.sh);
	CHECK_EQ(shrinkers_count(), 0);
	CHECK_EQ(shrink_slab(10), 0);
}

int main(void)
{
	if (env_init()) {
		printf("not ok shrinker (environment)\n");
		return 1;
	}
	test_slab_and_pcp();
	test_registered();
	printf("%s shrinker (%d failures)\n", failures ? "not ok" : "ok", failures);
	return failures != 0;
}
