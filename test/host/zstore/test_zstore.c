/*
 * The compressed page store (mmserver/mm/zstore.c) over the real page
 * allocator and slab: pages of every kind stored and loaded back exact,
 * same-filled pages kept as a word, incompressible ones refused, the
 * capacity and the pool limit, reference counts, the pool's invariants
 * after random stores and puts, and every page back at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm/gfp.h"
#include "mm/host.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "mm/zstore.h"
#include "mneme/bootinfo.h"
#include "mneme/error.h"

#define MiB (1ULL << 20)

static int failures;

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { fprintf(stderr, "%s:%d: %s = %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); failures++; } } while (0)
#define CHECK_POOL() do { char why_[200]; if (zstore_check(why_, sizeof(why_))) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, why_); failures++; } } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

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
	return err ? err : kmem_cache_init() ? -1 : zstore_init();
}

static unsigned long store_free_pages(void)
{
	kmem_cache_shrink_all();
	return nr_free_pages() + nr_pcp_pages();
}

/* Page @i of a test set: kind by i % 5 (zero, same word, text-like, counters, random). */
static void make_page(uint64_t *p, unsigned i, uint64_t seed)
{
	rng = seed * 0x2545f4914f6cdd1dull + i + 1;
	switch (i % 5) {
	case 0:
		memset(p, 0, 4096);
		break;
	case 1:
		for (unsigned w = 0; w < 512; w++)
			p[w] = 0x0101010101010101ull * (i & 0xff);
		break;
	case 2:
		for (unsigned w = 0; w < 512; w++)
			p[w] = 0x2065676170206120ull + (rnd() % 4) * 0x100;   /* " a page " with variations */
		break;
	case 3:
		for (unsigned w = 0; w < 512; w++)
			p[w] = rnd() % 300;
		break;
	default:
		for (unsigned w = 0; w < 512; w++)
			p[w] = rnd();
		break;
	}
}

#define N 2000

static void test_store_load(void)
{
	static uint64_t page[512], back[512];
	static zhandle_t h[N];
	static int st[N];
	unsigned long before = store_free_pages();
	struct zstore_stats s;

	zstore_set_limits(N, 4096);
	for (unsigned i = 0; i < N; i++) {
		make_page(page, i, 1);
		st[i] = zstore_store(page, &h[i]);
		CHECK_EQ(st[i], i % 5 == 4 ? -MNEME_ERANGE : 0);
		CHECK(st[i] || !(h[i] & 15));    /* 16-byte aligned handles */
	}
	zstore_get_stats(&s);
	CHECK_EQ(s.stored, N / 5 * 4);
	CHECK_EQ(s.same_filled, N / 5 * 2);
	CHECK_EQ(s.rejected, N / 5);
	CHECK(s.pool_pages > 0 && s.pool_pages < N / 5 * 2);   /* text and counters compress well */
	printf("# %u text/counter pages in %llu pool pages (%llu bytes compressed)\n", N / 5 * 2,
	       (unsigned long long)s.pool_pages, (unsigned long long)s.compressed);
	CHECK_POOL();
	for (unsigned i = 0; i < N; i++) {
		if (st[i])
			continue;
		make_page(page, i, 1);
		memset(back, 0xcc, sizeof(back));
		CHECK_EQ(zstore_load(h[i], back), 0);
		CHECK(!memcmp(page, back, 4096));
		CHECK_EQ(zstore_same_filled(h[i]), i % 5 < 2);
	}
	/* references: a second one keeps the entry through a put */
	zstore_get(h[2]);
	CHECK_EQ(zstore_refs(h[2]), 2);
	zstore_put(h[2]);
	make_page(page, 2, 1);
	CHECK_EQ(zstore_load(h[2], back), 0);
	CHECK(!memcmp(page, back, 4096));
	/* put back in a shuffled order, checking the pool as it empties */
	for (unsigned i = 0; i < N; i++) {
		unsigned j = (unsigned)(rnd() % N);
		int ts = st[i];
		zhandle_t th = h[i];
		st[i] = st[j], h[i] = h[j];
		st[j] = ts, h[j] = th;
	}
	for (unsigned i = 0; i < N; i++) {
		if (!st[i])
			zstore_put(h[i]);
		if (i % 97 == 0)
			CHECK_POOL();
	}
	zstore_get_stats(&s);
	CHECK_EQ(s.stored, 0);
	CHECK_EQ(s.pool_pages, 0);
	CHECK_EQ(s.compressed, 0);
	CHECK_EQ(s.refs, 0);
	CHECK_EQ(store_free_pages(), before);
}

static void test_limits(void)
{
	static uint64_t page[512];
	zhandle_t h[64];
	struct zstore_stats s;
	unsigned n = 0;

	/* capacity: 10 pages, then full */
	zstore_set_limits(10, 1000);
	memset(page, 0, sizeof(page));
	for (n = 0; n < 10; n++)
		CHECK_EQ(zstore_store(page, &h[n]), 0);
	CHECK_EQ(zstore_store(page, &h[n]), -MNEME_EQUOTA);
	while (n)
		zstore_put(h[--n]);
	/* pool limit: one zspage's worth (at most 4 pages), text pages until it is full */
	zstore_set_limits(1000, 4);
	for (;;) {
		make_page(page, 2, n + 7);
		int err = zstore_store(page, &h[n]);
		if (err) {
			CHECK_EQ(err, -MNEME_EQUOTA);
			break;
		}
		n++;
		if (n == 64)
			break;
	}
	zstore_get_stats(&s);
	CHECK(n >= 1 && n < 64);
	CHECK(s.pool_pages <= 4);
	CHECK(s.full >= 2);
	CHECK_POOL();
	while (n)
		zstore_put(h[--n]);
	/* off: nothing stored */
	zstore_set_limits(0, 0);
	CHECK_EQ(zstore_store(page, &h[0]), -MNEME_EQUOTA);
}

/* Random stores and puts of every size class; the pool's invariants throughout. */
static void test_random(void)
{
	static zhandle_t h[512];
	static uint8_t page[4096], back[4096];
	static uint64_t seed[512];
	unsigned long before = store_free_pages();

	zstore_set_limits(100000, 100000);
	for (unsigned it = 0; it < 20000; it++) {
		unsigned i = (unsigned)(rnd() % 512);
		if (h[i]) {
			uint64_t r = rng;
			rng = seed[i];
			unsigned keep = (unsigned)(rnd() % 4096);
			for (unsigned b = 0; b < 4096; b++)
				page[b] = b < keep ? (uint8_t)rnd() : (uint8_t)(b / 64);
			rng = r;
			CHECK_EQ(zstore_load(h[i], back), 0);
			CHECK(!memcmp(page, back, 4096));
			zstore_put(h[i]);
			h[i] = 0;
			continue;
		}
		seed[i] = rnd();
		uint64_t r = rng;
		rng = seed[i];
		unsigned keep = (unsigned)(rnd() % 4096);    /* this many random bytes, then a pattern */
		for (unsigned b = 0; b < 4096; b++)
			page[b] = b < keep ? (uint8_t)rnd() : (uint8_t)(b / 64);
		rng = r;
		if (zstore_store(page, &h[i]))
			h[i] = 0;
		if (it % 1000 == 0)
			CHECK_POOL();
	}
	for (unsigned i = 0; i < 512; i++)
		if (h[i])
			zstore_put(h[i]);
	CHECK_POOL();
	CHECK_EQ(store_free_pages(), before);
}

int main(void)
{
	if (env_init()) {
		printf("not ok zstore (environment)\n");
		return 1;
	}
	test_store_load();
	test_limits();
	test_random();
	printf("%s zstore (%d failures)\n", failures ? "not ok" : "ok", failures);
	return failures != 0;
}
