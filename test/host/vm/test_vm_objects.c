/*
 * Memory objects of the vm module, one by one, then all at once: the
 * shared zero page, copy-on-write clones (4 KiB and 2 MiB pages, a clone
 * of a clone, a clone that ends first, shared and block regions), the
 * page cache (shared read-only and private copy-on-write mappings of a
 * file, shrinking), memory objects passed by grant, the reverse map
 * (every mapping of a frame, unmapping a frame from everyone), and a long
 * random mix of all of them checked against a model of every task's
 * bytes, with the whole-system checker after every batch.  Every test
 * ends with every frame back.
 */
#include "vm_env.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define R MNEME_PROT_READ
#define MiB (1ULL << 20)
#define PG VM_PAGE_SIZE

static int test_nr;

static void ok(const char *what)
{
	printf("%s %d %s\n", vm_test_failures ? "not ok" : "ok", ++test_nr, what);
}

static void check_all(void)
{
	char why[256];

	if (vm_check_all(why, sizeof(why))) {
		fprintf(stderr, "vm_check_all: %s\n", why);
		vm_test_failures++;
	}
}

static uint64_t map_anon(struct fake_task *t, uint64_t len, unsigned prot, bool huge)
{
	struct vm_map_req req = { .kind = VM_ANON, .len = len, .prot = prot, .huge = huge };
	uint64_t va = 0;

	CHECK_EQ(vm_map(t->space, &req, &va, NULL), 0);
	return va;
}

static uint8_t rd(struct fake_task *t, uint64_t va)
{
	uint8_t v = 0xee;

	CHECK_EQ(fake_touch(t, va, R, &v), 0);
	return v;
}

static void wr(struct fake_task *t, uint64_t va, uint8_t v)
{
	CHECK_EQ(fake_touch(t, va, MNEME_PROT_WRITE, &v), 0);
}

static struct vm_page_info info(struct fake_task *t, uint64_t va)
{
	struct vm_page_info i;

	CHECK_EQ(vm_query(t->space, va, &i), 0);
	return i;
}

/* A child task holding a clone of all of @t's window. */
static struct fake_task *clone_of(struct fake_task *t)
{
	struct fake_task *c = fake_task_new(512 * MiB);

	CHECK_EQ(vm_clone(t->space, c->space, MNEME_MM_MAP_BASE, MNEME_MM_MAP_END), 0);
	return c;
}

static void zero_page(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *a = fake_task_new(0), *b = fake_task_new(0);
	uint64_t va = map_anon(a, 16 * PG, RW, false), vb = map_anon(b, 16 * PG, RW, false);

	CHECK_EQ(rd(a, va + 5 * PG), 0);
	CHECK_EQ(rd(b, vb), 0);
	struct vm_page_info ia = info(a, va + 5 * PG), ib = info(b, vb);
	CHECK_EQ(ia.pa, vm_zero_pfn << 12);
	CHECK_EQ(ia.pa, ib.pa);                         /* one zero page for everyone */
	CHECK_EQ(ia.flags, MNEME_MM_Q_ZERO | MNEME_MM_Q_COW);
	CHECK_EQ(ia.prot, R);                           /* mapped without WRITE */
	CHECK_EQ(a->space->acct.resident, 0);
	uint64_t free_now = vm_env_free_pages();
	for (unsigned i = 0; i < 16; i++)
		CHECK_EQ(rd(a, va + i * PG), 0);
	CHECK_EQ(vm_env_free_pages(), free_now);        /* reads take no frames (leaves exist) */
	wr(a, va + 5 * PG + 7, 0x5a);                   /* the first write: a private zeroed frame */
	ia = info(a, va + 5 * PG);
	CHECK(ia.pa != vm_zero_pfn << 12);
	CHECK_EQ(ia.flags, 0);
	CHECK_EQ(ia.prot, RW);
	CHECK_EQ(rd(a, va + 5 * PG + 7), 0x5a);
	CHECK_EQ(rd(a, va + 5 * PG + 8), 0);
	CHECK_EQ(rd(b, vb + 7), 0);                     /* the zero page stayed zero */
	CHECK_EQ(a->space->acct.resident, 1);
	/* PROTECT keeps the zero page read-only; raising WRITE again does not make it writable. */
	CHECK_EQ(vm_protect(a->space, va, 16 * PG, R), 0);
	CHECK_EQ(vm_protect(a->space, va, 16 * PG, RW), 0);
	CHECK_EQ(info(a, va).prot, R);
	wr(a, va, 1);
	CHECK_EQ(rd(a, va), 1);
	CHECK_OK(a);
	CHECK_OK(b);
	check_all();
	fake_task_free(a);
	fake_task_free(b);
	CHECK_EQ(vm_env_free_pages(), before);
	check_all();
	ok("zero page: one frame for every read, a private frame on write, stays zero");
}

static void cow(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *p = fake_task_new(512 * MiB);
	uint64_t va = map_anon(p, 64 * PG, RW, false);
	uint64_t pa[64];

	for (unsigned i = 0; i < 64; i++) {
		wr(p, va + i * PG, (uint8_t)i);
		pa[i] = info(p, va + i * PG).pa;
	}
	CHECK_EQ(rd(p, va + 64 * PG - PG), 63);
	struct fake_task *c = clone_of(p);
	CHECK_OK(p);
	CHECK_OK(c);
	check_all();
	CHECK_EQ(c->space->acct.resident, 64);
	for (unsigned i = 0; i < 64; i++) {
		struct vm_page_info ic = info(c, va + i * PG), ip = info(p, va + i * PG);
		CHECK_EQ(ic.pa, pa[i]);                 /* the same frames, */
		CHECK_EQ(ip.flags & MNEME_MM_Q_COW, MNEME_MM_Q_COW);
		CHECK_EQ(ic.mapcount, 2);               /* mapped twice, */
		CHECK_EQ(ip.prot, R);                   /* write-protected in both */
	}
	/* Each writes half the pages; each sees its own writes only. */
	for (unsigned i = 0; i < 32; i++) {
		wr(c, va + i * PG, (uint8_t)(100 + i));
		wr(p, va + (32 + i) * PG, (uint8_t)(200 + i));
	}
	for (unsigned i = 0; i < 32; i++) {
		CHECK_EQ(rd(c, va + i * PG), 100 + i);
		CHECK_EQ(rd(p, va + i * PG), i);
		CHECK_EQ(rd(c, va + (32 + i) * PG), 32 + i);
		CHECK_EQ(rd(p, va + (32 + i) * PG), 200 + i);
		/* The writer got a copy; the other keeps the frame, now its own alone. */
		CHECK(info(c, va + i * PG).pa != pa[i]);
		CHECK_EQ(info(p, va + i * PG).pa, pa[i]);
		CHECK_EQ(info(p, va + i * PG).mapcount, 1);
	}
	/* A page whose only mapper writes it is taken, not copied. */
	wr(p, va, 9);
	CHECK_EQ(info(p, va).pa, pa[0]);
	CHECK_EQ(info(p, va).flags, 0);
	/* A clone of the clone: three share the pages none wrote. */
	struct fake_task *g = clone_of(c);
	CHECK_EQ(info(g, va + 40 * PG).mapcount, 3 - 1);   /* c and g (p copied page 40) */
	CHECK_EQ(info(g, va + 10 * PG).pa, info(c, va + 10 * PG).pa);
	CHECK_EQ(rd(g, va + 10 * PG), 110);
	wr(g, va + 10 * PG, 77);
	CHECK_EQ(rd(c, va + 10 * PG), 110);
	CHECK_OK(g);
	check_all();
	/* The parent ends with pages still shared: the others keep theirs intact. */
	fake_task_free(p);
	check_all();
	CHECK_EQ(rd(c, va + 63 * PG), 63);
	CHECK_EQ(rd(g, va + 63 * PG), 63);
	CHECK_EQ(rd(g, va + 10 * PG), 77);
	fake_task_free(g);
	wr(c, va + 63 * PG, 1);                          /* now the only mapper: taken in place */
	CHECK_EQ(info(c, va + 63 * PG).mapcount, 1);
	CHECK_OK(c);
	check_all();
	fake_task_free(c);
	CHECK_EQ(vm_env_free_pages(), before);
	ok("clone: copy-on-write both ways, sole mapper takes its page, clone of a clone, early exit");
}

static void cow_huge(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *p = fake_task_new(512 * MiB);
	uint64_t va = map_anon(p, 4 * MiB, RW, true);

	wr(p, va, 1);
	wr(p, va + 2 * MiB + 5 * PG, 2);
	CHECK_EQ(p->space->acct.huge, 2);
	struct fake_task *c = clone_of(p);
	CHECK_EQ(c->space->acct.huge, 2);
	CHECK_EQ(info(c, va + 3 * PG).flags & (MNEME_MM_Q_HUGE | MNEME_MM_Q_COW),
		 MNEME_MM_Q_HUGE | MNEME_MM_Q_COW);
	uint64_t pa3 = info(p, va + 3 * PG).pa;
	/* The child writes one page: its chunk splits, that page alone is copied. */
	wr(c, va + 3 * PG, 33);
	CHECK_EQ(c->space->acct.huge, 1);
	CHECK(info(c, va + 3 * PG).pa != pa3);
	CHECK_EQ(info(c, va + 4 * PG).pa, info(p, va + 4 * PG).pa);
	CHECK_EQ(p->space->acct.huge, 2);                /* the parent's chunk stays 2 MiB */
	CHECK_EQ(rd(p, va + 3 * PG), 0);
	CHECK_EQ(rd(c, va), 1);
	/* The parent writes the other chunk, still mapped 2 MiB by both: it splits and copies too. */
	wr(p, va + 2 * MiB, 3);
	CHECK_EQ(rd(c, va + 2 * MiB), 0);
	CHECK_EQ(rd(c, va + 2 * MiB + 5 * PG), 2);
	CHECK_OK(p);
	CHECK_OK(c);
	check_all();
	/* The child ends: the parent's first chunk is its own again and written in place, 2 MiB. */
	fake_task_free(c);
	uint64_t pa0 = info(p, va).pa;
	wr(p, va + 8 * PG, 4);
	CHECK_EQ(info(p, va).pa, pa0);
	CHECK_EQ(info(p, va).flags, MNEME_MM_Q_HUGE);
	CHECK_OK(p);
	check_all();
	fake_task_free(p);
	CHECK_EQ(vm_env_free_pages(), before);
	ok("clone of 2 MiB pages: split on write, 4 KiB copied, whole again for a sole mapper");
}

static void clone_kinds(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *p = fake_task_new(512 * MiB), *q = fake_task_new(0);
	uint64_t va = map_anon(p, 4 * PG, RW, false), theirs;

	wr(p, va, 1);
	/* Shared out with SHARE: the clone gets a copy, the sharing goes on for the parent. */
	CHECK_EQ(fake_share(p->space, va, 4 * PG, q->space, RW, &theirs), 0);
	struct vm_map_req blk = { .kind = VM_BLOCK, .order = 2, .prot = RW };
	uint64_t bva, bpa;
	CHECK_EQ(vm_map(p->space, &blk, &bva, &bpa), 0);
	wr(p, bva + PG, 7);
	struct fake_task *c = clone_of(p);
	CHECK(info(c, va).pa != info(p, va).pa);
	CHECK_EQ(rd(c, va), 1);
	wr(p, va, 2);
	CHECK_EQ(rd(q, theirs), 2);                      /* still shared with q */
	CHECK_EQ(rd(c, va), 1);
	CHECK_EQ(info(p, va).prot, RW);
	/* A block: the clone's pages are copies, the parent's block stays its own. */
	CHECK_EQ(rd(c, bva + PG), 7);
	CHECK(info(c, bva + PG).pa != bpa + PG);
	wr(p, bva + PG, 8);
	CHECK_EQ(info(p, bva + PG).pa, bpa + PG);
	CHECK_EQ(rd(c, bva + PG), 7);
	CHECK_OK(p);
	CHECK_OK(c);
	CHECK_OK(q);
	check_all();
	/* Cloning into a range that is taken, or past the child's quota, fails cleanly. */
	CHECK_EQ(vm_clone(p->space, c->space, MNEME_MM_MAP_BASE, MNEME_MM_MAP_END), -MNEME_EBUSY);
	struct fake_task *small = fake_task_new(64 * 1024);
	CHECK_EQ(vm_clone(p->space, small->space, MNEME_MM_MAP_BASE, MNEME_MM_MAP_END), -MNEME_EQUOTA);
	CHECK_EQ(small->space->nr_regions, 0);
	fake_task_free(small);
	fake_task_free(p);
	fake_task_free(q);
	fake_task_free(c);
	CHECK_EQ(vm_env_free_pages(), before);
	check_all();
	ok("clone of shared and block regions: copies where sharing must go on, refusals change nothing");
}

static uint8_t file_a[3 * 4096 + 100];

static void page_cache(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *a = fake_task_new(0), *b = fake_task_new(0);
	struct vm_map_req req = { .len = 4 * PG, .prot = R };
	uint64_t va, vb, vp, size;

	for (unsigned i = 0; i < sizeof(file_a); i++)
		file_a[i] = (uint8_t)(i * 7 + 3);
	fake_file_add("file_a", file_a, sizeof(file_a));
	CHECK_EQ(vm_map_file(a->space, "nope", 0, false, &req, &va, &size), -MNEME_ENOENT);
	CHECK_EQ(vm_map_file(a->space, "file_a", 0, false, &req, &va, &size), 0);
	CHECK_EQ(size, sizeof(file_a));
	CHECK_EQ(vm_map_file(b->space, "file_a", 0, false, &req, &vb, &size), 0);
	req.prot = RW;
	CHECK_EQ(vm_map_file(b->space, "file_a", PG, true, &req, &vp, &size), -MNEME_ERANGE);
	req.len = 3 * PG;
	CHECK_EQ(vm_map_file(b->space, "file_a", PG, true, &req, &vp, &size), 0);
	CHECK_EQ(rd(a, va + 2 * PG + 5), file_a[2 * PG + 5]);
	CHECK_EQ(rd(b, vb + 2 * PG + 5), file_a[2 * PG + 5]);
	CHECK_EQ(rd(a, va + 3 * PG + 99), file_a[3 * PG + 99]);
	CHECK_EQ(rd(a, va + 3 * PG + 100), 0);          /* past the end of the file: zero */
	struct vm_page_info ia = info(a, va + 2 * PG), ib = info(b, vb + 2 * PG);
	CHECK_EQ(ia.pa, ib.pa);                          /* one cached page for both */
	CHECK_EQ(ia.flags, MNEME_MM_Q_FILE | MNEME_MM_Q_SHARED);
	CHECK_EQ(vm_pagecache_pages(), 2);
	/* Shared mappings of a file are read-only for good. */
	CHECK_EQ(vm_protect(a->space, va, PG, RW), -MNEME_EPERM);
	struct vm_fault_result res;
	CHECK_EQ(vm_fault(a->space, va, MNEME_PROT_WRITE, &res), -MNEME_EFAULT);
	/* Private: the cached page until written, then a copy of its own. */
	CHECK_EQ(rd(b, vp + PG + 1), file_a[2 * PG + 1]);
	CHECK_EQ(info(b, vp + PG).pa, ia.pa);
	CHECK_EQ(info(b, vp + PG).flags, MNEME_MM_Q_FILE | MNEME_MM_Q_COW);
	wr(b, vp + PG + 1, 0xab);
	CHECK(info(b, vp + PG).pa != ia.pa);
	CHECK_EQ(rd(b, vp + PG + 1), 0xab);
	CHECK_EQ(rd(b, vp + PG + 2), file_a[2 * PG + 2]);
	CHECK_EQ(rd(a, va + 2 * PG + 1), file_a[2 * PG + 1]);   /* the cache is untouched */
	wr(b, vp + 2 * PG + 200, 1);                     /* written without a read first */
	CHECK_EQ(rd(b, vp + 2 * PG + 99), file_a[3 * PG + 99]);
	char text[2048];
	vm_pagecache_dump(text, sizeof(text));
	CHECK(strstr(text, "file_a") != NULL);
	CHECK_OK(a);
	CHECK_OK(b);
	check_all();
	/* Shrinking drops only what nobody maps. */
	CHECK_EQ(vm_unmap(a->space, va, 4 * PG), 0);
	uint64_t cached = vm_pagecache_pages();
	CHECK_EQ(vm_pagecache_shrink(), cached - 1);     /* b still maps page 2 */
	CHECK_EQ(rd(b, vb + 2 * PG + 5), file_a[2 * PG + 5]);
	check_all();
	fake_task_free(a);
	fake_task_free(b);
	vm_pagecache_shrink();
	CHECK_EQ(vm_pagecache_pages(), 0);
	CHECK_EQ(vm_env_free_pages(), before);
	check_all();
	ok("page cache: shared read-only, private copy-on-write, zero past the end, shrink");
}

static void objects(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *a = fake_task_new(0), *b = fake_task_new(0), *c = fake_task_new(0);
	uint64_t h, hb, g, size, va, vb;
	unsigned rights;
	struct vm_map_req req = { .len = 8 * PG, .prot = RW };

	uint64_t charged = a->space->acct.charged;
	CHECK_EQ(vm_object_create(a->space, 8 * PG, RW, &h), 0);
	CHECK(a->space->acct.charged >= charged + 8 * PG);        /* the creator pays */
	CHECK_EQ(vm_object_map(a->space, h, 0, &req, &va), 0);
	wr(a, va + 3 * PG, 42);
	/* Offered read-only to b: only b can accept it. */
	CHECK_EQ(vm_object_grant(a->space, h, RW | MNEME_PROT_EXEC, b->id, &g), -MNEME_EPERM);
	CHECK_EQ(vm_object_grant(a->space, h, R, b->id, &g), 0);
	CHECK_EQ(vm_object_accept(c->space, g, &hb, &size, &rights), -MNEME_ENOENT);
	uint64_t b_charged = b->space->acct.charged;
	CHECK_EQ(vm_object_accept(b->space, g, &hb, &size, &rights), 0);
	CHECK_EQ(vm_object_accept(b->space, g, &hb, &size, &rights), -MNEME_ENOENT);   /* once */
	CHECK_EQ(size, 8 * PG);
	CHECK_EQ(rights, R);
	CHECK(b->space->acct.charged < b_charged + PG);          /* b pays its handle, not the frames */
	CHECK_EQ(vm_object_map(b->space, hb, 0, &req, &vb), -MNEME_EPERM);   /* no WRITE in b's handle */
	req.prot = R;
	CHECK_EQ(vm_object_map(b->space, hb, 2 * PG, &req, &vb), -MNEME_ERANGE);
	req.len = 6 * PG;
	CHECK_EQ(vm_object_map(b->space, hb, 2 * PG, &req, &vb), 0);
	CHECK_EQ(rd(b, vb + PG), 42);                    /* b sees a's write */
	wr(a, va + 3 * PG + 1, 43);
	CHECK_EQ(rd(b, vb + PG + 1), 43);
	CHECK_EQ(info(b, vb + PG).pa, info(a, va + 3 * PG).pa);
	CHECK_EQ(info(b, vb + PG).flags, MNEME_MM_Q_OBJECT | MNEME_MM_Q_SHARED);
	CHECK_EQ(vm_protect(b->space, vb, PG, RW), -MNEME_EPERM);
	struct vm_fault_result res;
	CHECK_EQ(vm_fault(b->space, vb + PG, MNEME_PROT_WRITE, &res), -MNEME_EFAULT);
	CHECK_EQ(vm_object_close(b->space, 12345), -MNEME_EBADH);
	CHECK_OK(a);
	CHECK_OK(b);
	check_all();
	/* The creator ends; b's handle and mapping keep the object. */
	fake_task_free(a);
	CHECK_EQ(rd(b, vb + PG + 1), 43);
	CHECK_EQ(vm_object_close(b->space, hb), 0);
	CHECK_EQ(rd(b, vb + PG + 1), 43);                /* the mapping alone keeps it too */
	unsigned long held = vm_env_free_pages();
	CHECK_EQ(vm_unmap(b->space, vb, 6 * PG), 0);
	CHECK(vm_env_free_pages() > held);               /* last handle and mapping gone: frames back */
	CHECK_OK(b);
	check_all();
	/* A grant dies with its granter or receiver; a handle with its holder. */
	CHECK_EQ(vm_object_create(c->space, PG, RW, &h), 0);
	CHECK_EQ(vm_object_grant(c->space, h, R, b->id, &g), 0);
	fake_task_free(b);
	fake_task_free(c);
	CHECK_EQ(vm_env_free_pages(), before);
	check_all();
	ok("memory objects: granted with fewer rights, shared writes, creator pays, frames back with the last user");
}

struct seen {
	struct fake_task *t[4];
	uint64_t va[4];
	unsigned n;
};

static int record(struct vm_space *s, uint64_t va, bool huge, void *ctx)
{
	struct seen *c = ctx;

	(void)huge;
	c->t[c->n] = s->cookie;
	c->va[c->n++] = va;
	return c->n == 4;
}

static void rmap(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *a = fake_task_new(0), *b = fake_task_new(0);
	struct vm_map_req req = { .len = 2 * PG, .prot = R };
	uint64_t va, vb, theirs, size;

	fake_file_add("file_a", file_a, sizeof(file_a));
	CHECK_EQ(vm_map_file(a->space, "file_a", 0, false, &req, &va, &size), 0);
	CHECK_EQ(vm_map_file(b->space, "file_a", 0, true, &req, &vb, &size), 0);
	CHECK_EQ(rd(a, va + PG), file_a[PG]);
	CHECK_EQ(rd(b, vb + PG), file_a[PG]);
	CHECK_EQ(fake_share(a->space, va, 2 * PG, b->space, R, &theirs), 0);
	uint64_t pfn = info(a, va + PG).pa >> 12;
	struct seen s = { .n = 0 };
	CHECK_EQ(vm_rmap_walk(pfn, record, &s), 0);
	CHECK_EQ(s.n, 3);                                /* a's, b's private view, b's share */
	CHECK_EQ(vm_frame_mapcount(pfn), 3);
	/* Unmapped from everyone: each refaults the page, unchanged, from the cache. */
	CHECK_EQ(vm_rmap_unmap_all(pfn), 3);
	CHECK_EQ(fake_lookup(a, va + PG, NULL, NULL), 0);
	CHECK_EQ(fake_lookup(b, vb + PG, NULL, NULL), 0);
	CHECK_OK(a);
	CHECK_OK(b);
	check_all();
	CHECK_EQ(rd(a, va + PG + 9), file_a[PG + 9]);
	CHECK_EQ(rd(b, vb + PG + 9), file_a[PG + 9]);
	/* A 2 MiB mapping is split to unmap one of its frames. */
	uint64_t hva = map_anon(a, 2 * MiB, RW, true);
	wr(a, hva + 5 * PG, 5);
	uint64_t hp = info(a, hva + 5 * PG).pa >> 12;
	s.n = 0;
	CHECK_EQ(vm_rmap_walk(hp, record, &s), 0);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.va[0], hva);
	CHECK_EQ(vm_rmap_unmap_all(hp), 1);
	CHECK_EQ(a->space->acct.huge, 0);
	CHECK_EQ(rd(a, hva + 6 * PG), 0);
	CHECK_OK(a);
	check_all();
	fake_task_free(a);
	fake_task_free(b);
	vm_pagecache_shrink();
	CHECK_EQ(vm_env_free_pages(), before);
	ok("reverse map: every mapping of a frame, unmapped from everyone, refaulted");
}

/* ---- The random mix ---------------------------------------------------------- */

#define TASKS 6
#define PAGES 1024                    /* each task's private window of pages (4 MiB) */

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A task and a model of its private window: the byte at offset 0 of every page (-1: unmapped). */
struct model {
	struct fake_task *t;
	int16_t byte[PAGES];
	uint64_t obj_va;                  /* a mapping of the shared object, or 0 */
};

static struct model tasks[TASKS];
static uint8_t shared_model[16];      /* the shared object's bytes at page offsets */
static uint64_t obj_handle, obj_owner;
static unsigned long nr_clones, nr_huge;
static uint64_t base;

static void mix_spawn(struct model *m)
{
	m->t = fake_task_new(256 * MiB);
	for (unsigned i = 0; i < PAGES; i++)
		m->byte[i] = -1;
	m->obj_va = 0;
}

static void mix_free(struct model *m)
{
	if (m->t && m->t->space->id == obj_owner)
		obj_owner = 0;
	fake_task_free(m->t);
	m->t = NULL;
}

static void mix_op(void)
{
	struct model *m = &tasks[rnd() % TASKS];
	unsigned pg = (unsigned)(rnd() % PAGES), n = 1 + (unsigned)(rnd() % 16);

	if (rnd() % 8 == 0) {             /* a whole 2 MiB chunk now and then */
		pg &= ~(unsigned)(VM_HUGE_PAGES - 1);
		n = VM_HUGE_PAGES;
	}
	if (pg + n > PAGES)
		n = PAGES - pg;
	uint64_t va = base + (uint64_t)pg * PG;
	switch (rnd() % 12) {
	case 0: {                         /* map a range (FIXED), sometimes huge, sometimes populated */
		struct vm_map_req req = { .kind = VM_ANON, .addr = va, .len = (uint64_t)n * PG,
					  .prot = RW, .fixed = true, .huge = rnd() % 2 == 0,
					  .populate = rnd() % 4 == 0 };
		uint64_t got;
		if (vm_map(m->t->space, &req, &got, NULL) == 0)
			for (unsigned i = 0; i < n; i++)
				m->byte[pg + i] = 0;
		break;
	}
	case 1:                           /* unmap */
		if (vm_unmap(m->t->space, va, (uint64_t)n * PG) == 0)
			for (unsigned i = 0; i < n; i++)
				m->byte[pg + i] = -1;
		break;
	case 2: {                         /* protect down and back up */
		bool all = true;
		for (unsigned i = 0; i < n; i++)
			all &= m->byte[pg + i] >= 0;
		if (all) {
			CHECK_EQ(vm_protect(m->t->space, va, (uint64_t)n * PG, rnd() % 2 ? R : 0), 0);
			CHECK_EQ(vm_protect(m->t->space, va, (uint64_t)n * PG, RW), 0);
		}
		break;
	}
	case 3: case 4: case 5:           /* write */
		pg += (unsigned)(rnd() % n);
		va = base + (uint64_t)pg * PG;
		if (m->byte[pg] >= 0) {
			uint8_t v = (uint8_t)rnd();
			int err = fake_touch(m->t, va, MNEME_PROT_WRITE, &v);
			if (err != -MNEME_ENOMEM) {
				CHECK_EQ(err, 0);
				m->byte[pg] = v;
			}
		}
		break;
	case 6: case 7:                   /* read */
		pg += (unsigned)(rnd() % n);
		va = base + (uint64_t)pg * PG;
		if (m->byte[pg] >= 0) {
			uint8_t v = 0;
			int err = fake_touch(m->t, va, R, &v);
			if (err != -MNEME_ENOMEM) {
				CHECK_EQ(err, 0);
				CHECK_EQ(v, m->byte[pg]);
			}
		}
		break;
	case 8: {                         /* clone into another slot (replacing its task) */
		struct model *c = &tasks[rnd() % TASKS];
		if (c == m)
			break;
		mix_free(c);
		mix_spawn(c);
		if (vm_clone(m->t->space, c->t->space, base, base + PAGES * PG) == 0) {
			memcpy(c->byte, m->byte, sizeof(c->byte));
			nr_clones++;
			nr_huge += c->t->space->acct.huge;
		} else {
			mix_free(c);
			mix_spawn(c);
		}
		break;
	}
	case 9:                           /* a task ends, another starts */
		if (rnd() % 4 == 0) {
			mix_free(m);
			mix_spawn(m);
		}
		break;
	case 10: {                        /* the shared object: create, map, grant, write, read */
		if (!obj_owner) {
			/* Its owner ended: mappings of the old object go, a new one starts. */
			for (unsigned i = 0; i < TASKS; i++) {
				if (tasks[i].obj_va)
					CHECK_EQ(vm_unmap(tasks[i].t->space, tasks[i].obj_va, 16 * PG), 0);
				tasks[i].obj_va = 0;
			}
			if (vm_object_create(m->t->space, 16 * PG, RW, &obj_handle) == 0) {
				obj_owner = m->t->space->id;
				memset(shared_model, 0, sizeof(shared_model));
			}
			break;
		}
		struct vm_space *owner = vm_space_lookup(obj_owner);
		if (!m->obj_va) {
			uint64_t g, h, size;
			unsigned rights;
			struct vm_map_req req = { .len = 16 * PG, .prot = RW };
			if (vm_object_grant(owner, obj_handle, RW, m->t->space->id, &g) == 0 &&
			    vm_object_accept(m->t->space, g, &h, &size, &rights) == 0) {
				if (vm_object_map(m->t->space, h, 0, &req, &m->obj_va))
					m->obj_va = 0;
				vm_object_close(m->t->space, h);
			}
			break;
		}
		unsigned k = (unsigned)(rnd() % 16);
		uint8_t v = (uint8_t)rnd();
		if (fake_touch(m->t, m->obj_va + k * PG, MNEME_PROT_WRITE, &v) == 0)
			shared_model[k] = v;
		for (unsigned i = 0; i < TASKS; i++) {
			uint8_t got = 0;
			if (tasks[i].obj_va && fake_touch(tasks[i].t, tasks[i].obj_va + k * PG, R, &got) == 0)
				CHECK_EQ(got, shared_model[k]);
		}
		break;
	}
	default: {                        /* share a page with another task, read it there */
		struct model *o = &tasks[rnd() % TASKS];
		uint64_t theirs;
		if (m->byte[pg] >= 0 && fake_share(m->t->space, va, PG, o->t->space, R, &theirs) == 0) {
			uint8_t v = 0;
			CHECK_EQ(fake_touch(o->t, theirs, R, &v), 0);
			CHECK_EQ(v, m->byte[pg]);
			CHECK_EQ(vm_unmap(o->t->space, theirs, PG), 0);
		}
		break;
	}
	}
}

static void random_mix(void)
{
	unsigned long before = vm_env_free_pages();
	const char *c = getenv("VM_MIX_COUNT"), *seed = getenv("VM_MIX_SEED");
	unsigned long count = c ? strtoul(c, NULL, 0) : 40000;
	char why[256];

	if (seed)
		rng = strtoull(seed, NULL, 0) | 1;
	base = MNEME_MM_MAP_BASE + 64 * MiB;
	for (unsigned i = 0; i < TASKS; i++)
		mix_spawn(&tasks[i]);
	for (unsigned long n = 0; n < count && vm_test_failures < 10; n++) {
		mix_op();
		if (n % 1000 == 999) {
			struct fake_task *t[TASKS];
			for (unsigned i = 0; i < TASKS; i++) {
				CHECK_OK(tasks[i].t);
				t[i] = tasks[i].t;
			}
			if (vm_env_check_refs(t, TASKS, why, sizeof(why))) {
				fprintf(stderr, "after %lu operations: %s\n", n + 1, why);
				vm_test_failures++;
			}
		}
	}
	for (unsigned i = 0; i < TASKS; i++)
		mix_free(&tasks[i]);
	vm_pagecache_shrink();
	CHECK_EQ(vm_env_free_pages(), before);
	check_all();
	printf("# %lu operations, %lu clones (taking %lu 2 MiB pages along)\n", count, nr_clones, nr_huge);
	ok("random mix of clone, share, objects, map, unmap, protect, faults and exits: model and checker agree");
}

int main(void)
{
	if (vm_env_init()) {
		printf("not ok: environment\n");
		return 1;
	}
	printf("TAP version 13\n1..8\n");
	zero_page();
	cow();
	cow_huge();
	clone_kinds();
	page_cache();
	objects();
	rmap();
	random_mix();
	return vm_test_failures != 0;
}
