/*
 * Reclaim on the host, over the real mm core and a fake page table with
 * accessed bits: anonymous pages go to the compressed store and come back
 * byte for byte on the next touch; recently touched pages are kept while
 * older ones go; pages that do not compress, shared and locked pages
 * stay; clones share a store entry and each gets its own copy back;
 * SHARE brings pages back first; unmap and task death free the store;
 * page-cache pages are dropped and read again; a task touching more than
 * the free memory finishes through direct reclaim.  Every step is
 * followed by the invariant checkers (frame tables, reverse map, LRU
 * lists, the store's references, the allocator).
 */
#include "vm_env.h"
#include "mm/sparse.h"

#define R MNEME_PROT_READ
#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define PG VM_PAGE_SIZE
#define MiB (1ULL << 20)

static int test_nr;

static void ok(const char *what)
{
	printf("%s %d %s\n", vm_test_failures ? "not ok" : "ok", ++test_nr, what);
}

static void check_all(struct fake_task **t, unsigned n)
{
	char why[256];

	for (unsigned i = 0; i < n; i++)
		CHECK_OK(t[i]);
	if (vm_env_check_refs(t, n, why, sizeof(why))) {
		fprintf(stderr, "check: %s\n", why);
		vm_test_failures++;
	}
}

static uint64_t map_anon(struct fake_task *t, uint64_t len, unsigned prot)
{
	struct vm_map_req req = { .kind = VM_ANON, .len = len, .prot = prot };
	uint64_t va = 0;

	CHECK_EQ(vm_map(t->space, &req, &va, NULL), 0);
	return va;
}

/* The host address of page @va of @t, faulted in for @access. */
static uint8_t *page_of(struct fake_task *t, uint64_t va, unsigned access)
{
	uint8_t v = 0;
	unsigned prot;

	if (access & MNEME_PROT_WRITE) {
		uint64_t pa = fake_lookup(t, va, NULL, &prot);
		if (pa && (prot & MNEME_PROT_WRITE))
			v = *(uint8_t *)mm_phys_to_virt(pa);
	}
	CHECK_EQ(fake_touch(t, va, access, &v), 0);
	uint64_t pa = fake_lookup(t, va, NULL, NULL);
	return pa ? mm_phys_to_virt(pa & ~(PG - 1)) : NULL;
}

enum kind { ZERO, TEXT, RANDOM };

/* Fill page @i with bytes of @kind derived from @seed. */
static void fill(uint8_t *p, enum kind k, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	static const char phrase[] = "the memory server takes pages back ";

	for (unsigned b = 0; b < PG; b++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		/* text: a phrase with a page-unique byte every 64 */
		p[b] = k == ZERO ? 0 : k == TEXT ? (b % 64 ? (uint8_t)phrase[b % (sizeof(phrase) - 1)]
							     : (uint8_t)(seed + b / 64))
					       : (uint8_t)x;
	}
}

static bool same(struct fake_task *t, uint64_t va, enum kind k, uint64_t seed)
{
	static uint8_t want[PG];
	uint8_t *p = page_of(t, va, R);

	fill(want, k, seed);
	return p && !memcmp(p, want, PG);
}

static void write_pages(struct fake_task *t, uint64_t va, unsigned n, enum kind k, uint64_t seed)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = page_of(t, va + i * PG, RW);
		if (p)
			fill(p, k, seed + i);
	}
}

static unsigned count_flag(struct fake_task *t, uint64_t va, unsigned n, unsigned flag)
{
	unsigned c = 0;

	for (unsigned i = 0; i < n; i++) {
		struct vm_page_info info;
		CHECK_EQ(vm_query(t->space, va + i * PG, &info), 0);
		c += (info.flags & flag) != 0;
	}
	return c;
}

/* Read (and clear) every accessed bit and forget what was seen: every page is old. */
/* SHARE [va, va + len) of @from to @to and have @to accept it; *at = where @to has it. */
static int share(struct vm_space *from, uint64_t va, uint64_t len, struct vm_space *to, unsigned prot,
		 uint64_t *at)
{
	uint64_t grant, got_len;
	unsigned got_prot;
	int err = vm_share(from, va, len, to->id, prot, &grant);

	return err ? err : vm_share_accept(to, grant, at, &got_len, &got_prot);
}

static void make_old(void)
{
	for (uint32_t i = 1; i < VM_MAX_SPACES; i++)
		if (vm_space_by_index(i))
			ft_age(vm_space_by_index(i));
	for (unsigned long pfn = min_low_pfn; pfn < max_pfn; pfn++)
		if (pfn_valid(pfn))
			pfn_to_page(pfn)->flags &= ~PG_referenced;
}

static void store_and_load(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *t = fake_task_new(64 * MiB);
	uint64_t va = map_anon(t, 300 * PG, RW);
	struct zstore_stats st;

	write_pages(t, va, 100, ZERO, 0);
	write_pages(t, va + 100 * PG, 100, TEXT, 100);
	write_pages(t, va + 200 * PG, 100, RANDOM, 200);
	check_all(&t, 1);
	make_old();
	uint64_t freed = vm_reclaim_now(300);
	zstore_get_stats(&st);
	CHECK(freed >= 200);                    /* zeroes and text (and what caches gave) */
	CHECK_EQ(st.stored, 200);
	CHECK_EQ(st.same_filled, 100);
	CHECK(st.rejected >= 100);
	CHECK_EQ(t->space->acct.swapped, 200);
	CHECK_EQ(count_flag(t, va, 300, MNEME_MM_Q_COMPRESSED), 200);
	CHECK_EQ(fake_lookup(t, va + 150 * PG, NULL, NULL), 0);   /* unmapped from the page table */
	CHECK(fake_lookup(t, va + 250 * PG, NULL, NULL) != 0);    /* refused: mapped again */
	CHECK(t->range_unmaps > 0 && t->range_unmaps <= 20);      /* runs, not pages */
	check_all(&t, 1);
	/* every byte back on the next touch */
	for (unsigned i = 0; i < 300; i++)
		CHECK(same(t, va + i * PG, i < 100 ? ZERO : i < 200 ? TEXT : RANDOM, i));
	zstore_get_stats(&st);
	CHECK_EQ(st.stored, 0);
	CHECK_EQ(t->space->acct.swapped, 0);
	CHECK_EQ(vm_vmstat.zswpin >= 200, 1);
	check_all(&t, 1);
	/* gone again, then unmapped while in the store: the store lets go */
	make_old();
	CHECK(vm_reclaim_now(300) >= 200);
	CHECK_EQ(vm_unmap(t->space, va, 150 * PG), 0);
	zstore_get_stats(&st);
	CHECK_EQ(st.stored, 50);
	check_all(&t, 1);
	fake_task_free(t);                      /* and a dying task's swap entries go with it */
	zstore_get_stats(&st);
	CHECK_EQ(st.stored, 0);
	CHECK_EQ(st.pool_pages, 0);
	CHECK_EQ(vm_env_free_pages(), before);
	ok("anonymous pages to the store and back: zero, text; random refused; unmap and death free it");
}

static void aging(void)
{
	struct fake_task *t = fake_task_new(64 * MiB);
	uint64_t va = map_anon(t, 400 * PG, RW);

	write_pages(t, va, 400, TEXT, 7);
	make_old();
	/* the second half is touched again: only the first half may go */
	for (unsigned i = 200; i < 400; i++)
		page_of(t, va + i * PG, R);
	uint64_t out = vm_vmstat.zswpout;
	vm_reclaim_now(150);
	CHECK(vm_vmstat.zswpout - out >= 100);  /* the rest of the 150 may come from caches */
	CHECK_EQ(count_flag(t, va + 200 * PG, 200, MNEME_MM_Q_COMPRESSED), 0);
	CHECK_EQ(count_flag(t, va, 200, MNEME_MM_Q_COMPRESSED), vm_vmstat.zswpout - out);
	CHECK(vm_vmstat.aging_passes > 0);
	check_all(&t, 1);
	for (unsigned i = 0; i < 400; i++)
		CHECK(same(t, va + i * PG, TEXT, 7 + i));
	fake_task_free(t);
	ok("aging: pages touched since the last look stay, older ones go");
}

static void shared_locked_clone(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *a = fake_task_new(64 * MiB), *b = fake_task_new(64 * MiB);
	uint64_t va = map_anon(a, 64 * PG, RW), shared_va;
	struct zstore_stats st;

	write_pages(a, va, 64, TEXT, 50);
	/* pages 0..15 shared with b: mapped twice, not taken */
	CHECK_EQ(share(a->space, va, 16 * PG, b->space, RW, &shared_va), 0);
	/* pages 16..31 locked (as the IPC buffer is) */
	struct vm_region *r;
	CHECK_EQ(vm_protect(a->space, va + 16 * PG, 16 * PG, R), 0);   /* splits the region */
	r = vm_region_find(a->space, va + 16 * PG);
	r->flags |= VM_R_LOCKED;
	make_old();
	vm_reclaim_now(64);
	CHECK_EQ(count_flag(a, va, 32, MNEME_MM_Q_COMPRESSED), 0);
	CHECK_EQ(count_flag(a, va + 32 * PG, 32, MNEME_MM_Q_COMPRESSED), 32);
	r->flags &= ~VM_R_LOCKED;
	check_all((struct fake_task *[]){ a, b }, 2);
	/* a clone names the same store entries; each side gets its own copy back */
	struct fake_task *c = fake_task_new(64 * MiB);
	CHECK_EQ(vm_clone(a->space, c->space, MNEME_MM_MAP_BASE, MNEME_MM_MAP_END), 0);
	CHECK_EQ(c->space->acct.swapped, 32);
	zstore_get_stats(&st);
	CHECK_EQ(st.stored, 32);
	CHECK_EQ(st.refs, 64);
	check_all((struct fake_task *[]){ a, b, c }, 3);
	uint8_t *pc = page_of(c, va + 40 * PG, RW), *pa = page_of(a, va + 40 * PG, R);
	CHECK(pc != pa);
	pc[0] ^= 0xff;                           /* the child's write is its own */
	CHECK(same(a, va + 40 * PG, TEXT, 50 + 40));
	CHECK(!same(c, va + 40 * PG, TEXT, 50 + 40));
	zstore_get_stats(&st);
	CHECK_EQ(st.refs, 62);
	CHECK_EQ(st.stored, 31);
	check_all((struct fake_task *[]){ a, b, c }, 3);
	/* SHARE of pages in the store: back first, then the same frames in both */
	uint64_t sv;
	fake_task_free(c);
	CHECK_EQ(share(a->space, va + 48 * PG, 4 * PG, b->space, R, &sv), 0);
	CHECK_EQ(count_flag(a, va + 48 * PG, 4, MNEME_MM_Q_COMPRESSED), 0);
	struct vm_page_info ia, ib;
	CHECK_EQ(vm_query(a->space, va + 49 * PG, &ia), 0);
	CHECK_EQ(vm_query(b->space, sv + PG, &ib), 0);
	CHECK_EQ(ia.pa, ib.pa);
	CHECK(same(b, sv + PG, TEXT, 50 + 49));
	check_all((struct fake_task *[]){ a, b }, 2);
	fake_task_free(b);
	fake_task_free(a);
	CHECK_EQ(vm_env_free_pages(), before);
	ok("shared and locked pages stay; clones share a store entry and part on touch; SHARE brings back first");
}

static uint8_t file_bytes[8 * 4096];

static void file_pages(void)
{
	struct fake_task *t = fake_task_new(0);
	struct vm_map_req req = { .len = 8 * PG, .prot = R };
	uint64_t va, size;

	for (unsigned i = 0; i < sizeof(file_bytes); i++)
		file_bytes[i] = (uint8_t)(i * 13 + 1);
	fake_file_add("reclaim_file", file_bytes, sizeof(file_bytes));
	CHECK_EQ(vm_map_file(t->space, "reclaim_file", 0, false, &req, &va, &size), 0);
	for (unsigned i = 0; i < 8; i++)
		page_of(t, va + i * PG, R);
	CHECK_EQ(vm_pagecache_pages(), 8);
	make_old();
	uint64_t steal = vm_vmstat.pgsteal_file;
	vm_reclaim_now(1000);
	CHECK_EQ(vm_pagecache_pages(), 0);      /* mapped ones too: unmapped, dropped */
	CHECK_EQ(vm_vmstat.pgsteal_file - steal, 8);
	CHECK_EQ(fake_lookup(t, va, NULL, NULL), 0);
	check_all(&t, 1);
	for (unsigned i = 0; i < 8; i++) {
		uint8_t *p = page_of(t, va + i * PG, R);
		CHECK(p && !memcmp(p, file_bytes + i * PG, PG));
	}
	check_all(&t, 1);
	fake_task_free(t);
	vm_pagecache_shrink();
	ok("page-cache pages: unmapped everywhere, dropped, read again on the next touch");
}

/*
 * More than the free memory, touched page by page: the faults' direct
 * reclaim compresses the older pages.  Blocks hold most of the machine
 * (blocks are never reclaimed), leaving about 16 MiB.
 */
static void direct_reclaim(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *hog = fake_task_new(1ULL << 40), *t = fake_task_new(1ULL << 40);
	uint64_t blocks = 0, va;
	struct vm_map_req blk = { .kind = VM_BLOCK, .order = 10, .prot = RW };

	while (vm_env_free_pages() > 4096 + 1024 && !vm_map(hog->space, &blk, &va, NULL))
		blocks++;
	CHECK(blocks > 10);
	unsigned n = 48 * MiB / PG;             /* three times what is left */
	va = map_anon(t, n * PG, RW);
	uint64_t stall = vm_vmstat.allocstall;
	for (unsigned i = 0; i < n; i++) {
		struct vm_fault_result res;
		vm_in_fault = false;
		CHECK_EQ(vm_fault(t->space, va + i * PG, RW, &res), 0);
		if (!res.resume)
			vm_backend_map(t->space, res.va, res.pa, res.shift, res.prot);
		fill(mm_phys_to_virt(res.pa), TEXT, 1000 + i);
	}
	CHECK(vm_vmstat.allocstall > stall);
	CHECK(t->space->acct.swapped > n / 2);
	check_all((struct fake_task *[]){ hog, t }, 2);
	for (unsigned i = 0; i < n; i++)
		CHECK(same(t, va + i * PG, TEXT, 1000 + i));
	check_all((struct fake_task *[]){ hog, t }, 2);
	fake_task_free(t);
	fake_task_free(hog);
	CHECK_EQ(vm_env_free_pages(), before);
	ok("three times the free memory touched: direct reclaim keeps every byte");
}

int main(void)
{
	if (vm_env_init()) {
		printf("not ok: environment\n");
		return 1;
	}
	vm_reclaim_configure(1 << 20, 1 << 20);
	printf("TAP version 13\n1..5\n");
	store_and_load();
	aging();
	shared_locked_clone();
	file_pages();
	direct_reclaim();
	return vm_test_failures != 0;
}
