/*
 * Slab and kmalloc unit tests: cache life cycle, size classes, alignment,
 * uniqueness of live objects, list behaviour, return of empty slabs to the
 * page allocator, statistics, slabinfo, pointer validation.
 */
#include "slab_test.h"
#include "mneme/error.h"

#include <stdint.h>

static struct kmem_cache_stats stats_of(struct kmem_cache *s)
{
	struct kmem_cache_stats st;

	kmem_cache_stats(s, &st);
	return st;
}

/* pfn of the head page of the slab of @s holding @obj. */
static uint64_t slab_pfn(const struct kmem_cache *s, const void *obj)
{
	return PHYS_PFN(mm_virt_to_phys(obj)) & ~((1ull << s->order) - 1);
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort @p[0..n) and check [p, p + size) intervals are disjoint and distinct. */
static void check_disjoint(void **p, size_t n, size_t size)
{
	qsort(p, n, sizeof(*p), cmp_ptr);
	for (size_t i = 1; i < n; i++)
		if ((uintptr_t)p[i] < (uintptr_t)p[i - 1] + size) {
			CHECK(!"objects overlap or repeat");
			return;
		}
}

static void test_create_alloc_free_destroy(void)
{
	unsigned long free0 = slab_test_free_pages(), slab0 = slab_nr_pages();
	struct kmem_cache *s = kmem_cache_create("test-48", 48, 0, 0, NULL);
	enum { N = 2000 };
	static void *objs[N];

	CHECK(s != NULL);
	CHECK_EQ(s->object_size, 48);
	for (int i = 0; i < N; i++) {
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
		CHECK(objs[i] != NULL);
		CHECK_EQ((uintptr_t)objs[i] % 8, 0);
		CHECK(virt_to_cache(objs[i]) == s);
		memset(objs[i], i & 0xff, 48);
	}
	CHECK_EQ(stats_of(s).active_objs, N);
	CHECK_EQ(free0 - slab_test_free_pages(), slab_nr_pages() - slab0);
	CHECK(slab_nr_pages() - slab0 >= (N * 48) / PAGE_SIZE);
	CHECK_INVARIANTS();
	for (int i = 0; i < N; i++) {
		unsigned char *p = objs[i];
		bool same = true;

		for (int j = 0; j < 48; j++)
			same &= p[j] == (unsigned char)(i & 0xff);
		CHECK(same);
	}
	check_disjoint(objs, N, 48);
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, objs[i]);
	CHECK_EQ(stats_of(s).active_objs, 0);
	CHECK_INVARIANTS();
	CHECK_EQ(kmem_cache_destroy(s), 0);
	CHECK_INVARIANTS();
	CHECK_EQ(slab_test_free_pages(), free0);
}

static void test_destroy_refuses_live(void)
{
	struct kmem_cache *s = kmem_cache_create("live", 100, 0, 0, NULL);
	void *p = kmem_cache_alloc(s, GFP_KERNEL);
	char buf[4096];

	CHECK_EQ(kmem_cache_destroy(s), -MNEME_EBUSY);
	CHECK(log_has("slab live: kmem_cache_destroy: 1 objects still in use"));
	CHECK(strstr((slabinfo_dump(buf, sizeof(buf)), buf), "live ") != NULL);
	CHECK_INVARIANTS();
	kmem_cache_free(s, p);
	CHECK_EQ(kmem_cache_destroy(s), 0);
	slabinfo_dump(buf, sizeof(buf));
	CHECK(strstr(buf, "live ") == NULL);
	CHECK_EQ(kmem_cache_destroy(kmalloc_slab(64, GFP_KERNEL)), -MNEME_EPERM);
}

static void test_kmalloc_classes(void)
{
	static const struct { size_t size, klass; } cases[] = {
		{ 1, 8 }, { 7, 8 }, { 8, 8 }, { 9, 16 }, { 16, 16 }, { 17, 32 }, { 32, 32 },
		{ 33, 64 }, { 64, 64 }, { 65, 96 }, { 96, 96 }, { 97, 128 }, { 128, 128 },
		{ 129, 192 }, { 192, 192 }, { 193, 256 }, { 256, 256 }, { 257, 512 },
		{ 512, 512 }, { 513, 1024 }, { 1024, 1024 }, { 1025, 2048 }, { 2048, 2048 },
		{ 2049, 4096 }, { 4096, 4096 }, { 4097, 8192 }, { 8192, 8192 },
		{ 8193, 16384 }, { 12288, 16384 }, { 16385, 32768 }, { 1 << 20, 1 << 20 },
		{ (1 << 20) + 1, 2 << 20 },
	};
	unsigned long free0 = slab_test_free_pages();

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t size = cases[i].size, klass = cases[i].klass;
		unsigned char *p = kmalloc(size, GFP_KERNEL);
		size_t align = klass & -klass;

		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK_EQ(ksize(p), klass);
		if (align > PAGE_SIZE)
			align = PAGE_SIZE;
		CHECK_EQ((uintptr_t)p % align, 0);
		if (klass <= KMALLOC_MAX_CACHE_SIZE) {
			char name[32];

			if (klass >= 1024)
				snprintf(name, sizeof(name), "kmalloc-%zuk", klass / 1024);
			else
				snprintf(name, sizeof(name), "kmalloc-%zu", klass);
			CHECK(virt_to_cache(p) && strcmp(virt_to_cache(p)->name, name) == 0);
			CHECK(kmalloc_slab(size, GFP_KERNEL) == virt_to_cache(p));
		} else {
			CHECK(virt_to_cache(p) == NULL);
			CHECK(kmalloc_slab(size, GFP_KERNEL) == NULL);
		}
		memset(p, 0xa1, klass);
		kfree(p);
	}
	CHECK_INVARIANTS();
	kmem_cache_shrink_all();
	CHECK_EQ(slab_test_free_pages(), free0);
	CHECK(kmalloc((size_t)1 << 40, GFP_KERNEL | __GFP_NOWARN) == NULL);
}

static void test_kmalloc_zero_and_null(void)
{
	unsigned char *p;
	bool zero = true;

	CHECK(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	kfree(NULL);
	kfree(ZERO_SIZE_PTR);
	CHECK_EQ(kfree_checked(NULL), 0);
	CHECK_EQ(ksize(NULL), 0);
	p = kmalloc(200, GFP_KERNEL);
	memset(p, 0xff, 256);
	kfree(p);
	p = kzalloc(200, GFP_KERNEL);
	for (int i = 0; i < 256; i++)
		zero &= p[i] == 0;
	CHECK(zero);
	kfree(p);
	p = kzalloc(20000, GFP_KERNEL);
	zero = true;
	for (int i = 0; i < 20000; i++)
		zero &= p[i] == 0;
	CHECK(zero);
	kfree(p);
	CHECK(strlen(slab_test_log) == 0);
}

static void test_krealloc(void)
{
	unsigned char *p = krealloc(NULL, 10, GFP_KERNEL), *q;

	CHECK(p && ksize(p) == 16);
	for (int i = 0; i < 10; i++)
		p[i] = (unsigned char)i;
	CHECK(krealloc(p, 16, GFP_KERNEL) == p);
	q = krealloc(p, 5000, GFP_KERNEL);
	CHECK(q && q != p && ksize(q) == 8192);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(q[i], i);
	p = krealloc(q, 100000, GFP_KERNEL);
	CHECK(p && ksize(p) == 131072);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(p[i], i);
	CHECK(krealloc(p, 50, GFP_KERNEL) == p);
	CHECK(krealloc(p, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK_INVARIANTS();
}

/* Many live objects of mixed sizes never overlap and are never handed out twice. */
static void test_no_overlap(void)
{
	enum { N = 6000 };
	static void *objs[N];
	static size_t sizes[N];
	uint32_t x = 12345;

	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		sizes[i] = 1 + (x >> 8) % 3000;
		objs[i] = kmalloc(sizes[i], GFP_KERNEL);
		CHECK(objs[i] != NULL);
	}
	/* Interval check over all sizes: sort by address, compare to usable size. */
	static void *sorted[N];
	memcpy(sorted, objs, sizeof(objs));
	qsort(sorted, N, sizeof(void *), cmp_ptr);
	for (int i = 1; i < N; i++)
		CHECK((uintptr_t)sorted[i] >= (uintptr_t)sorted[i - 1] + ksize(sorted[i - 1]));
	CHECK_INVARIANTS();
	for (int i = 0; i < N; i++)
		kfree(objs[i]);
	CHECK_INVARIANTS();
}

/*
 * Frees go to the CPU's object cache and come back newest first; a full
 * object cache gives its oldest half back to the slabs, where full slabs
 * become CPU partial slabs, which the CPU slab is refilled from before
 * the node lists.
 */
static void test_cpu_cache_and_partial(void)
{
	struct kmem_cache *s = kmem_cache_create("partial", 256, 0, 0, NULL);
	unsigned per = s->objects, n = 3 * per, limit = s->cpu_cache_limit;
	void **objs = calloc(n, sizeof(void *));
	struct kmem_cache_stats st;
	void *p;

	CHECK_EQ(limit, SLAB_CPU_CACHE_MAX);
	CHECK_EQ(s->cpu_cache_batch, limit / 2);
	CHECK_EQ(2 * per, limit);      /* 256-byte objects: 32 per order-1 slab */
	for (unsigned i = 0; i < n; i++)
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
	st = stats_of(s);
	CHECK_EQ(st.slabs, 3);
	CHECK_EQ(st.full_slabs, 2);
	CHECK_EQ(st.cpu_slabs, 1);
	CHECK_EQ(st.partial_slabs + st.cpu_partial_slabs + st.cpu_cached, 0);
	/* A free lands in the object cache, the slab stays full; the next allocation takes it back. */
	kmem_cache_free(s, objs[1]);
	st = stats_of(s);
	CHECK_EQ(st.cpu_cached, 1);
	CHECK_EQ(st.full_slabs, 2);
	CHECK_EQ(st.active_objs, n - 1);
	CHECK(kmem_cache_alloc(s, GFP_KERNEL) == objs[1]);
	CHECK_EQ(stats_of(s).cpu_cached, 0);
	CHECK_INVARIANTS();
	/* Slabs 0 and 1 freed: exactly a full object cache, nothing reaches the slabs. */
	for (unsigned i = 0; i < 2 * per; i++)
		kmem_cache_free(s, objs[i]);
	st = stats_of(s);
	CHECK_EQ(st.cpu_cached, limit);
	CHECK_EQ(st.full_slabs, 2);
	CHECK_INVARIANTS();
	/* One more: the oldest half (all of slab 0) goes back; slab 0 becomes a CPU partial slab. */
	kmem_cache_free(s, objs[2 * per]);
	st = stats_of(s);
	CHECK_EQ(st.cpu_cached, limit - limit / 2 + 1);
	CHECK_EQ(st.cpu_partial_slabs, 1);
	CHECK_EQ(st.full_slabs, 1);
	CHECK_EQ(st.partial_slabs, 0);
	CHECK_EQ(st.slab_frees, 0);
	CHECK_EQ(page_to_pfn(s->cpu[0].partial[0]), slab_pfn(s, objs[0]));
	CHECK_EQ(s->cpu[0].partial[0]->inuse, 0);
	CHECK_INVARIANTS();
	/* Allocation drains the object cache newest first ... */
	CHECK(kmem_cache_alloc(s, GFP_KERNEL) == objs[2 * per]);
	for (unsigned i = 2 * per; i-- > per;)
		CHECK(kmem_cache_alloc(s, GFP_KERNEL) == objs[i]);
	CHECK_EQ(stats_of(s).cpu_cached, 0);
	/* ... then the CPU slab (full: it goes to the full list) is replaced by the CPU partial slab. */
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(slab_pfn(s, p), slab_pfn(s, objs[0]));
	st = stats_of(s);
	CHECK_EQ(st.cpu_partial_slabs, 0);
	CHECK_EQ(st.full_slabs, 2);
	CHECK_EQ(st.slabs, 3);
	CHECK_INVARIANTS();
	kmem_cache_free(s, p);
	for (unsigned i = per; i < n; i++)
		kmem_cache_free(s, objs[i]);
	CHECK_INVARIANTS();
	CHECK_EQ(kmem_cache_shrink(s), 3);
	st = stats_of(s);
	CHECK_EQ(st.slabs + st.cpu_cached + st.cpu_partial_slabs + st.cpu_slabs, 0);
	CHECK_INVARIANTS();
	free(objs);
	CHECK_EQ(kmem_cache_destroy(s), 0);
}

/* The node lists without object caches: a debug cache frees straight to its slabs. */
static void test_partial_list(void)
{
	struct kmem_cache *s = kmem_cache_create("partial-dbg", 256, 0, SLAB_CONSISTENCY_CHECKS,
						 NULL);
	unsigned per = s->objects, n = 3 * per;
	void **objs = calloc(n, sizeof(void *));
	struct kmem_cache_stats st;
	void *again;

	CHECK_EQ(s->cpu_cache_limit, 0);
	for (unsigned i = 0; i < n; i++)
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
	st = stats_of(s);
	CHECK_EQ(st.slabs, 3);
	CHECK_EQ(st.full_slabs, 2);
	CHECK_EQ(st.cpu_slabs, 1);
	CHECK_EQ(st.partial_slabs, 0);
	/* A free into a full slab that is not the CPU slab makes it partial. */
	kmem_cache_free(s, objs[1]);
	st = stats_of(s);
	CHECK_EQ(st.full_slabs, 1);
	CHECK_EQ(st.partial_slabs, 1);
	CHECK_EQ(st.cpu_cached + st.cpu_partial_slabs, 0);
	CHECK_INVARIANTS();
	/* The CPU slab is exhausted: the next object comes from the partial slab. */
	again = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(again == objs[1]);
	st = stats_of(s);
	CHECK_EQ(st.full_slabs, 2);
	CHECK_EQ(st.partial_slabs, 0);
	CHECK_EQ(st.slabs, 3);
	CHECK_INVARIANTS();
	/*
	 * Slab 0 is now the CPU slab, slab 2 is full.  Emptying slabs 0 and 1:
	 * slab 1 stays as an empty partial slab (min_partial), none is freed.
	 */
	for (unsigned i = 0; i < 2 * per; i++)
		kmem_cache_free(s, objs[i]);
	st = stats_of(s);
	CHECK_EQ(st.partial_slabs, 1);
	CHECK_EQ(st.cpu_slabs, 1);
	CHECK_EQ(st.full_slabs, 1);
	CHECK_EQ(st.slabs, 3);
	CHECK_EQ(st.slab_frees, 0);
	CHECK_INVARIANTS();
	for (unsigned i = 2 * per; i < n; i++)
		kmem_cache_free(s, objs[i]);
	CHECK_EQ(kmem_cache_shrink(s), 3);
	CHECK_EQ(stats_of(s).slabs, 0);
	free(objs);
	CHECK_EQ(kmem_cache_destroy(s), 0);
}

/*
 * Empty slabs go back to the page allocator beyond min_partial as the
 * object cache gives objects back; all of them on shrink.
 */
static void test_empty_slabs_return(void)
{
	unsigned long free0 = slab_test_free_pages();
	struct kmem_cache *s = kmem_cache_create("empty", 512, 0, 0, NULL);
	unsigned n = 40 * s->objects;
	void **objs = calloc(n, sizeof(void *));
	struct kmem_cache_stats st;

	for (unsigned i = 0; i < n; i++)
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(stats_of(s).slabs, 40);
	CHECK(slab_test_free_pages() <= free0 - (40ul << s->order));
	for (unsigned i = 0; i < n; i++)
		kmem_cache_free(s, objs[i]);
	/*
	 * What remains: min_partial empty node partial slabs, the CPU partial
	 * slabs, the CPU slab and the slab(s) of the objects still cached.
	 */
	st = stats_of(s);
	CHECK(st.cpu_cached <= s->cpu_cache_limit);
	CHECK(st.partial_slabs <= s->min_partial);
	CHECK(st.slabs <= s->min_partial + SLAB_CPU_PARTIAL + 1 +
			  (st.cpu_cached + s->objects - 1) / s->objects + 1);
	CHECK(st.slab_frees > 0);
	CHECK_EQ(st.slab_frees + st.slabs, 40);
	CHECK_INVARIANTS();
	kmem_cache_shrink(s);
	CHECK_EQ(stats_of(s).slabs, 0);
	CHECK_EQ(kmem_cache_destroy(s), 0);
	CHECK_EQ(slab_test_free_pages(), free0);
	free(objs);
}

static void test_statistics(void)
{
	struct kmem_cache *s = kmem_cache_create("stats", 1000, 0, 0, NULL);
	void *p[10];
	struct kmem_cache_stats st;

	unsigned slabs = (10 + s->objects - 1) / s->objects;

	CHECK(s->objects >= 4 && s->size >= 1000);
	for (int i = 0; i < 10; i++)
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
	for (int i = 0; i < 3; i++)
		kmem_cache_free(s, p[i]);
	st = stats_of(s);
	CHECK_EQ(st.allocs, 10);
	CHECK_EQ(st.frees, 3);
	CHECK_EQ(st.active_objs, 7);
	CHECK_EQ(st.slabs, slabs);
	CHECK_EQ(st.total_objs, slabs * s->objects);
	CHECK_EQ(st.slab_allocs, slabs);
	CHECK_EQ(st.cpu_slabs + st.partial_slabs + st.full_slabs, slabs);
	for (int i = 3; i < 10; i++)
		kmem_cache_free(s, p[i]);
	CHECK_EQ(kmem_cache_destroy(s), 0);
}

static void test_slabinfo_format(void)
{
	struct kmem_cache *s = kmem_cache_create("info-test", 200, 0, 0, NULL);
	void *p[5];
	char buf[8192], name[64];
	unsigned long act, num, objsize, per, pages, l, b, sf, as, ns, sa;
	const char *line;
	size_t n;

	for (int i = 0; i < 5; i++)
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
	static const char header[] = "slabinfo - version: 2.1\n"
		"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
		" : tunables <limit> <batchcount> <sharedfactor>"
		" : slabdata <active_slabs> <num_slabs> <sharedavail>\n";

	n = slabinfo_dump(buf, sizeof(buf));
	CHECK_EQ(n, strlen(buf));
	CHECK(strncmp(buf, header, strlen(header)) == 0);
	line = strstr(buf, "\ninfo-test ");
	CHECK(line != NULL);
	if (line) {
		int got = sscanf(line + 1, "%63s %lu %lu %lu %lu %lu : tunables %lu %lu %lu : "
				 "slabdata %lu %lu %lu", name, &act, &num, &objsize, &per, &pages,
				 &l, &b, &sf, &as, &ns, &sa);
		CHECK_EQ(got, 12);
		CHECK_EQ(act, 5);
		CHECK_EQ(num, s->objects);
		CHECK_EQ(objsize, s->size);
		CHECK_EQ(per, s->objects);
		CHECK_EQ(pages, 1u << s->order);
		CHECK_EQ(ns, 1);
	}
	CHECK(strstr(buf, "\nkmalloc-8k ") && strstr(buf, "\nkmalloc-1k ") &&
	      strstr(buf, "\nkmalloc-96 ") && strstr(buf, "\nkmem_cache "));
	/* A short buffer gets whole lines only, always terminated. */
	memset(buf, 'x', 64);
	CHECK_EQ(slabinfo_dump(buf, 10), 0);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(slabinfo_dump(buf, 30), 24);
	CHECK(strcmp(buf, "slabinfo - version: 2.1\n") == 0);
	CHECK_EQ(slabinfo_dump(buf, n + 1), n);
	CHECK(slabinfo_dump(buf, n) < n);               /* the last line no longer fits */
	CHECK(buf[strlen(buf) - 1] == '\n');
	CHECK_EQ(slabinfo_dump(buf, 0), 0);
	for (int i = 0; i < 5; i++)
		kmem_cache_free(s, p[i]);
}

static void test_invalid_frees(void)
{
	struct kmem_cache *a = kmem_cache_create("cache-a", 64, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create("cache-b", 64, 0, 0, NULL);
	char *p = kmem_cache_alloc(a, GFP_KERNEL), *q = kmem_cache_alloc(a, GFP_KERNEL);
	char *k = kmalloc(100, GFP_KERNEL);
	int on_stack;
	struct kmem_cache_stats before = stats_of(a), after;
	struct page *pg = alloc_pages(GFP_KERNEL, 0);

	CHECK_EQ(kmem_cache_free_checked(b, p), -MNEME_EINVAL);
	CHECK(log_has("slab cache-b: free of") && log_has("belongs to cache cache-a"));
	CHECK_EQ(kmem_cache_free_checked(a, p + 1), -MNEME_EINVAL);
	CHECK(log_has("not at an object boundary"));
	CHECK_EQ(kmem_cache_free_checked(a, &on_stack), -MNEME_EINVAL);
	CHECK(log_has("not a slab object"));
	CHECK_EQ(kfree_checked(k + 8), -MNEME_EINVAL);
	CHECK_EQ(kfree_checked(page_address(pg)), -MNEME_EINVAL);
	CHECK(log_has("is not a kmalloc object"));
	CHECK_EQ(kfree_checked((char *)page_address(pg) + 64), -MNEME_EINVAL);
	kmem_cache_free(a, p + 8);          /* unchecked: reported and ignored */
	after = stats_of(a);
	CHECK_EQ(after.frees, before.frees);
	CHECK_INVARIANTS();
	CHECK_EQ(kmem_cache_free_checked(a, p), 0);
	CHECK_EQ(kmem_cache_free_checked(a, q), 0);
	/* Double frees: p is no longer at the freelist head; the walk still finds it. */
	log_capture();
	CHECK_EQ(kmem_cache_free_checked(a, p), -MNEME_EBUSY);
	CHECK(log_has("slab cache-a: double free of object"));
	/* Unchecked double free of the head is caught cheaply. */
	log_capture();
	kmem_cache_free(a, q);
	CHECK(log_has("double free"));
	CHECK_EQ(stats_of(a).frees, before.frees + 2);
	CHECK_INVARIANTS();
	CHECK_EQ(kfree_checked(k), 0);
	CHECK_EQ(kfree_checked(k), -MNEME_EBUSY);
	CHECK_INVARIANTS();
	CHECK(kmem_cache_alloc(a, GFP_KERNEL) == q);
	CHECK(kmem_cache_alloc(a, GFP_KERNEL) == p);
	CHECK(kmem_cache_alloc(a, GFP_KERNEL) != p);
	CHECK_EQ(__free_pages(pg, 0), 0);
}

/*
 * Double frees of objects in an object cache: the newest one is caught on
 * the fast path; the checked frees find any, on any CPU, and change nothing.
 */
static void test_cached_double_free(void)
{
	struct kmem_cache *s = kmem_cache_create("dfree", 64, 0, 0, NULL);
	void *p = kmem_cache_alloc(s, GFP_KERNEL), *q = kmem_cache_alloc(s, GFP_KERNEL);
	char *k = kmalloc(40, GFP_KERNEL);
	struct kmem_cache_stats before, after;

	kmem_cache_free(s, p);
	before = stats_of(s);
	kmem_cache_free(s, p);
	CHECK(log_has("slab dfree: double free of object"));
	after = stats_of(s);
	CHECK_EQ(after.frees, before.frees);
	CHECK_EQ(after.cpu_cached, 1);
	kmem_cache_free(s, q);
	log_capture();
	CHECK_EQ(kmem_cache_free_checked(s, p), -MNEME_EBUSY);   /* not the newest any more */
	CHECK(log_has("double free"));
	mm_host_set_cpu(2);
	CHECK_EQ(kmem_cache_free_checked(s, q), -MNEME_EBUSY);   /* in CPU 0's object cache */
	CHECK_EQ(kmem_cache_free_checked(s, p), -MNEME_EBUSY);
	CHECK_EQ(kfree_checked(k), 0);
	mm_host_set_cpu(0);
	CHECK_EQ(kfree_checked(k), -MNEME_EBUSY);                /* in CPU 2's object cache */
	after = stats_of(s);
	CHECK_EQ(after.frees, before.frees + 1);
	CHECK_EQ(after.cpu_cached, 2);
	CHECK_INVARIANTS();
	CHECK(kmem_cache_alloc(s, GFP_KERNEL) == q);
	CHECK(kmem_cache_alloc(s, GFP_KERNEL) == p);
	kmem_cache_free(s, p);
	kmem_cache_free(s, q);
	CHECK_EQ(kmem_cache_destroy(s), 0);
	CHECK_INVARIANTS();
}

static int ctor_calls;
static void ctor_fill(void *obj)
{
	ctor_calls++;
	memset(obj, 0x3c, 40);
}

static void test_ctor(void)
{
	struct kmem_cache *s = kmem_cache_create("ctor", 40, 0, 0, ctor_fill);
	unsigned char *p = kmem_cache_alloc(s, GFP_KERNEL);
	bool ok = true;

	CHECK_EQ(ctor_calls, s->objects);
	for (int i = 0; i < 40; i++)
		ok &= p[i] == 0x3c;
	CHECK(ok);
	kmem_cache_free(s, p);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ok = true;
	for (int i = 0; i < 40; i++)
		ok &= p[i] == 0x3c;   /* the free pointer lives outside the object */
	CHECK(ok);
	kmem_cache_free(s, p);
	CHECK_EQ(kmem_cache_destroy(s), 0);
}

/* Objects freed on another CPU go to the slab's freelist and come back. */
static void test_cross_cpu(void)
{
	unsigned long free0 = slab_test_free_pages();
	struct kmem_cache *s = kmem_cache_create("xcpu", 128, 0, 0, NULL);
	enum { N = 3000 };
	static void *objs[N];

	for (int i = 0; i < N; i++) {
		mm_host_set_cpu((unsigned)i % 4);
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
	}
	CHECK_INVARIANTS();
	for (int i = 0; i < N; i++) {
		mm_host_set_cpu((unsigned)(i * 7 + 1) % 4);
		kmem_cache_free(s, objs[i]);
		if (i % 500 == 0)
			CHECK_INVARIANTS();
	}
	mm_host_set_cpu(0);
	CHECK_EQ(stats_of(s).active_objs, 0);
	CHECK_INVARIANTS();
	CHECK_EQ(kmem_cache_destroy(s), 0);
	CHECK_EQ(slab_test_free_pages(), free0);
}

static void test_alignment(void)
{
	static const unsigned aligns[] = { 8, 16, 64, 128, 256, 4096 };

	for (size_t i = 0; i < ARRAY_SIZE(aligns); i++) {
		struct kmem_cache *s = kmem_cache_create("aligned", 40, aligns[i], 0, NULL);
		void *p[20];

		for (int j = 0; j < 20; j++) {
			p[j] = kmem_cache_alloc(s, GFP_KERNEL);
			CHECK_EQ((uintptr_t)p[j] % aligns[i], 0);
		}
		for (int j = 0; j < 20; j++)
			kmem_cache_free(s, p[j]);
		CHECK_EQ(kmem_cache_destroy(s), 0);
	}
	struct kmem_cache *h = kmem_cache_create("hw", 100, 0, SLAB_HWCACHE_ALIGN, NULL);
	CHECK_EQ(h->size % 64, 0);
	CHECK_EQ(kmem_cache_destroy(h), 0);
	CHECK(kmem_cache_create("bad", 0, 0, 0, NULL) == NULL);
	CHECK(kmem_cache_create("bad", 64, 24, 0, NULL) == NULL);
	CHECK(kmem_cache_create("bad", 64, 8192, 0, NULL) == NULL);
	CHECK(kmem_cache_create("bad", 40000, 0, 0, NULL) == NULL);
	CHECK_INVARIANTS();
}

static void test_gfp(void)
{
	struct kmem_cache *s = kmem_cache_create("zero", 300, 0, 0, NULL);
	unsigned char *p = kmem_cache_alloc(s, GFP_KERNEL);
	bool zero = true;

	memset(p, 0x77, 300);
	kmem_cache_free(s, p);
	p = kmem_cache_alloc(s, GFP_KERNEL | __GFP_ZERO);
	for (int i = 0; i < 300; i++)
		zero &= p[i] == 0;
	CHECK(zero);
	kmem_cache_free(s, p);
	CHECK_EQ(kmem_cache_destroy(s), 0);
	p = kmalloc(64, GFP_DMA);
	CHECK(p && strcmp(virt_to_cache(p)->name, "dma-kmalloc-64") == 0);
	CHECK(mm_virt_to_phys(p) < (16u << 20));        /* x86_64 ZONE_DMA */
	kfree(p);
	/* A zone modifier on a normal cache does not leak into its slabs. */
	s = kmem_cache_create("normal", 64, 0, 0, NULL);
	p = kmem_cache_alloc(s, GFP_KERNEL | __GFP_DMA);
	CHECK(p && mm_virt_to_phys(p) >= (16u << 20));
	kmem_cache_free(s, p);
	CHECK_EQ(kmem_cache_destroy(s), 0);
	s = kmem_cache_create("dma-cache", 64, 0, SLAB_CACHE_DMA, NULL);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(p && mm_virt_to_phys(p) < (16u << 20));
	kmem_cache_free(s, p);
	CHECK_EQ(kmem_cache_destroy(s), 0);
	p = kmalloc(64, GFP_DMA32);
	CHECK(p && strcmp(virt_to_cache(p)->name, "dma32-kmalloc-64") == 0);
	kfree(p);
	CHECK_INVARIANTS();
}

/* The checker notices broken counts and ownership (it can fail). */
static void test_invariants_detect(void)
{
	struct kmem_cache *s = kmem_cache_create("victim", 64, 0, 0, NULL);
	void *objs[200];
	struct page *page;
	char why[256];

	for (int i = 0; i < 200; i++)
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, objs[0]);     /* slab 0 is full: now partial */
	page = virt_to_page(objs[0]);
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), 0);
	page->inuse++;
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), -MNEME_ECORRUPT);
	CHECK(strstr(why, "victim") != NULL);
	page->inuse--;
	page->flags &= ~PG_slab;
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), -MNEME_ECORRUPT);
	CHECK(strstr(why, "not PG_slab") != NULL);
	page->flags |= PG_slab;
	s->nr_slabs++;
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), -MNEME_ECORRUPT);
	s->nr_slabs--;
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), 0);
	for (int i = 1; i < 200; i++)
		kmem_cache_free(s, objs[i]);
	CHECK_EQ(kmem_cache_destroy(s), 0);

	/* Tail marks: every page of a slab after its head names the cache (one-step lookup). */
	s = kmem_cache_create("tails", 1000, 0, 0, NULL);
	CHECK(s->order > 0);
	void *t = kmem_cache_alloc(s, GFP_KERNEL);
	struct page *head = virt_to_page(t), *tail = head + 1;
	CHECK((tail->flags & PG_slab_tail) && tail->slab_cache == s);
	CHECK(virt_to_cache((char *)t + PAGE_SIZE) == s);
	tail->flags &= ~PG_slab_tail;
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), -MNEME_ECORRUPT);
	CHECK(strstr(why, "tails: page 1 of slab") != NULL);
	tail->flags |= PG_slab_tail;
	kmem_cache_free(s, t);
	CHECK_EQ(kmem_cache_destroy(s), 0);
	CHECK(!(tail->flags & PG_slab_tail) && tail->slab_cache == NULL);   /* cleared with the slab */
	CHECK_INVARIANTS();

	/* Object caches: duplicates, misaligned entries, foreign objects, counts; a held lock. */
	s = kmem_cache_create("mag", 64, 0, 0, NULL);
	struct kmem_cache *other = kmem_cache_create("other", 64, 0, 0, NULL);
	struct kmem_cache_cpu *c = &s->cpu[0];
	void *p = kmem_cache_alloc(s, GFP_KERNEL), *foreign = kmem_cache_alloc(other, GFP_KERNEL);

	kmem_cache_free(s, p);
	CHECK_EQ(c->nr_objs, 1);
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), 0);
	c->objs[c->nr_objs++] = p;
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), -MNEME_ECORRUPT);
	CHECK(strstr(why, "mag: object") && strstr(why, "twice on the freelists"));
	c->objs[c->nr_objs - 1] = (char *)p + 8;
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), -MNEME_ECORRUPT);
	CHECK(strstr(why, "misaligned") != NULL);
	c->objs[c->nr_objs - 1] = foreign;
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), -MNEME_ECORRUPT);
	CHECK(strstr(why, "in no slab of the cache") != NULL);
	c->nr_objs = s->cpu_cache_limit + 1;
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), -MNEME_ECORRUPT);
	CHECK(strstr(why, "mag: cpu 0 holds") != NULL);
	c->nr_objs = 1;
	spin_lock(&s->node[0].list_lock);
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), -MNEME_ECORRUPT);
	CHECK(strstr(why, "lock left held") != NULL);
	spin_unlock(&s->node[0].list_lock);
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), 0);
	kmem_cache_free(other, foreign);
	CHECK_EQ(kmem_cache_destroy(s), 0);
	CHECK_EQ(kmem_cache_destroy(other), 0);

	/*
	 * An unchecked double free of an object that is no longer at the
	 * freelist head slips through the fast path (as in Linux without
	 * debugging); the checker finds the object twice on the freelist.
	 * The cache is left broken on purpose (the next test starts afresh).
	 */
	s = kmem_cache_create("dup", 64, 0, 0, NULL);
	void *a = kmem_cache_alloc(s, GFP_KERNEL), *b = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, a);
	kmem_cache_free(s, b);
	kmem_cache_free(s, a);
	CHECK_EQ(slab_check_invariants(why, sizeof(why)), -MNEME_ECORRUPT);
	CHECK(strstr(why, "dup: object") && strstr(why, "twice on the freelists"));
}

/* Node-aware allocation: slabs on the node asked for, per-node partial lists. */
static void test_nodes(void)
{
	struct kmem_cache *s = kmem_cache_create("numa", 512, 0, 0, NULL);
	unsigned n = 3 * s->objects;
	void **on1 = calloc(n, sizeof(void *));
	void *p0, *big, *q;

	p0 = kmem_cache_alloc_node(s, GFP_KERNEL, 0);
	CHECK(p0 && page_to_nid(virt_to_page(p0)) == 0);
	for (unsigned i = 0; i < n; i++) {
		on1[i] = kmem_cache_alloc_node(s, GFP_KERNEL, 1);
		CHECK(on1[i] && page_to_nid(virt_to_page(on1[i])) == 1);
	}
	CHECK_EQ(s->node[0].partial.count, 1);           /* p0's slab, left by the CPU */
	CHECK_INVARIANTS();
	/* A cached object serves a node request for its node, not for another. */
	kmem_cache_free(s, on1[0]);
	CHECK_EQ(stats_of(s).cpu_cached, 1);
	q = kmem_cache_alloc_node(s, GFP_KERNEL, 0);
	CHECK(q && q != on1[0] && page_to_nid(virt_to_page(q)) == 0);
	CHECK_EQ(s->node[0].partial.count, 0);           /* p0's slab is the CPU slab again */
	CHECK(kmem_cache_alloc_node(s, GFP_KERNEL, 1) == on1[0]);
	kmem_cache_free(s, on1[1]);
	CHECK(kmem_cache_alloc(s, GFP_KERNEL) == on1[1]);  /* no preference: the newest object */
	CHECK(page_to_nid(virt_to_page(kmem_cache_alloc_node(s, GFP_KERNEL, 1))) == 1);
	CHECK_INVARIANTS();
	big = kmalloc_node(100000, GFP_KERNEL, 1);
	CHECK(big && page_to_nid(virt_to_page(big)) == 1);
	kfree(big);
	CHECK(kmem_cache_alloc_node(s, GFP_KERNEL, 7) != NULL);   /* offline node: anywhere */
	CHECK_EQ(kmem_cache_destroy(s), -MNEME_EBUSY);
	free(on1);
}

int main(void)
{
	static const struct slab_test_case cases[] = {
		{ "create_alloc_free_destroy", test_create_alloc_free_destroy },
		{ "destroy_refuses_live", test_destroy_refuses_live },
		{ "kmalloc_classes", test_kmalloc_classes },
		{ "kmalloc_zero_and_null", test_kmalloc_zero_and_null },
		{ "krealloc", test_krealloc },
		{ "no_overlap", test_no_overlap },
		{ "cpu_cache_and_partial", test_cpu_cache_and_partial },
		{ "partial_list", test_partial_list },
		{ "empty_slabs_return", test_empty_slabs_return },
		{ "statistics", test_statistics },
		{ "slabinfo_format", test_slabinfo_format },
		{ "invalid_frees", test_invalid_frees },
		{ "cached_double_free", test_cached_double_free },
		{ "ctor", test_ctor },
		{ "cross_cpu", test_cross_cpu },
		{ "alignment", test_alignment },
		{ "gfp", test_gfp },
		{ "invariants_detect", test_invariants_detect },
		{ "nodes", test_nodes },
	};

	return slab_test_run(cases, ARRAY_SIZE(cases));
}
