/*
 * libFuzzer target for the slab layer: each input is a program of kmalloc,
 * kfree_checked, krealloc and kmem_cache operations, including frees of
 * interior pointers and double frees, which must be rejected with an error
 * and no change.  After every program the invariants must hold, contents
 * must be intact, and freeing everything must return every page, so the
 * same allocator state serves the next input.
 *
 *   ninja slab-fuzz && ./slab-fuzz -max_total_time=60
 */
#include "../host/slab/slab_test.h"
#include "mneme/error.h"

#include <stdint.h>

#define SLOTS 64
#define REQUIRE(c) do { if (!(c)) { fprintf(stderr, "slab-fuzz: %s failed at line %d\n", #c, __LINE__); __builtin_trap(); } } while (0)

struct fslot {
	unsigned char *p;
	size_t size;
	unsigned char fill;
	bool cached;
};

static struct fslot slots[SLOTS];
static struct kmem_cache *dbg_cache;

static void quiet(const char *text)
{
	(void)text;
}

static void check_fill(const struct fslot *s)
{
	for (size_t i = 0; i < s->size; i++)
		REQUIRE(s->p[i] == s->fill);
}

static void release(struct fslot *s)
{
	check_fill(s);
	if (s->cached)
		REQUIRE(kmem_cache_free_checked(dbg_cache, s->p) == 0);
	else
		REQUIRE(kfree_checked(s->p) == 0);
	s->p = NULL;
}

static void run_op(const uint8_t *d)
{
	struct fslot *s = &slots[d[1] % SLOTS];
	size_t size = ((size_t)d[2] << 8 | d[3]) % 20000 + 1;

	switch (d[0] % 8) {
	case 0: case 1: case 2:
		if (s->p)
			return;
		s->p = kmalloc(size, GFP_KERNEL);
		REQUIRE(s->p && ksize(s->p) >= size);
		s->size = size;
		s->cached = false;
		break;
	case 3:
		if (s->p)
			release(s);
		return;
	case 4:
		if (s->p)
			return;
		s->p = kmem_cache_alloc(dbg_cache, GFP_KERNEL);
		REQUIRE(s->p);
		s->size = dbg_cache->object_size;
		s->cached = true;
		break;
	case 5: { /* pointer inside a live object: rejected, nothing changes */
		size_t usable = s->p ? (s->cached ? dbg_cache->object_size : ksize(s->p)) : 0;
		size_t off = usable > 1 ? 1 + d[3] % (usable - 1) : 0;

		if (off)
			REQUIRE((s->cached ? kmem_cache_free_checked(dbg_cache, s->p + off)
					   : kfree_checked(s->p + off)) == -MNEME_EINVAL);
		return;
	}
	case 6:   /* double free: rejected */
		if (s->p) {
			void *p = s->p;
			bool cached = s->cached;

			release(s);
			REQUIRE((cached ? kmem_cache_free_checked(dbg_cache, p) : kfree_checked(p)) < 0);
		}
		return;
	default:
		if (!s->p || s->cached)
			return;
		check_fill(s);
		s->p = krealloc(s->p, size, GFP_KERNEL);
		REQUIRE(s->p);
		for (size_t i = 0; i < (size < s->size ? size : s->size); i++)
			REQUIRE(s->p[i] == s->fill);
		s->size = size;
		break;
	}
	s->fill = d[1] ^ d[2];
	memset(s->p, s->fill, s->size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	unsigned long free0;
	char why[256];

	static bool ready;

	/* One machine for all inputs (mm_init is the expensive part); each
	 * input must leave it as it found it. */
	if (!ready) {
		REQUIRE(slab_test_env_init() == 0);
		ready = true;
	}
	mm_host_set_print_sink(quiet);
	dbg_cache = kmem_cache_create("fuzz-dbg", 40, 0, SLAB_RED_ZONE | SLAB_POISON, NULL);
	REQUIRE(dbg_cache);
	kmem_cache_shrink_all();
	free0 = slab_test_free_pages();
	memset(slots, 0, sizeof(slots));
	for (size_t i = 0; i + 4 <= len; i += 4) {
		mm_host_set_cpu(data[i] >> 5);
		run_op(data + i);
	}
	if (slab_check_invariants(why, sizeof(why))) {
		fprintf(stderr, "slab-fuzz: %s\n", why);
		__builtin_trap();
	}
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].p)
			release(&slots[i]);
	mm_host_set_cpu(0);
	kmem_cache_shrink_all();
	REQUIRE(slab_check_invariants(why, sizeof(why)) == 0);
	REQUIRE(slab_test_free_pages() == free0);
	REQUIRE(kmem_cache_destroy(dbg_cache) == 0);
	mm_host_set_print_sink(NULL);
	return 0;
}
