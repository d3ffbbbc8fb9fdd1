/*
 * The operations one by one: blocks and zones, contiguous ranges with
 * limits and alignment, huge pages (fault, populate, partial unmap),
 * sharing (rights, reference counts outliving the sharer), quota,
 * exhaustion, and reclaim returning every frame.
 */
#include "vm_env.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define MiB (1ULL << 20)

static int test_nr;

static void ok(const char *what)
{
	printf("%s %d %s\n", vm_test_failures ? "not ok" : "ok", ++test_nr, what);
}

static int map_anon(struct fake_task *t, uint64_t len, unsigned prot, bool huge, bool populate,
		    uint64_t *va)
{
	struct vm_map_req req = { .kind = VM_ANON, .len = len, .prot = prot, .huge = huge,
				  .populate = populate };
	return vm_map(t->space, &req, va, NULL);
}

static void blocks(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *t = fake_task_new(256 * MiB);

	for (unsigned order = 0; order <= MNEME_MM_MAX_ORDER; order++) {
		struct vm_map_req req = { .kind = VM_BLOCK, .order = order, .prot = RW, .huge = true };
		uint64_t va, pa;
		CHECK_EQ(vm_map(t->space, &req, &va, &pa), 0);
		uint64_t size = VM_PAGE_SIZE << order;
		CHECK_EQ(va % size, 0);
		CHECK_EQ(pa % size, 0);
		unsigned shift;
		CHECK_EQ(fake_lookup(t, va + size - 1, &shift, NULL), pa + size - 1);
		CHECK_EQ(shift, order >= 9 ? 21 : 12);
		uint8_t v = 0xa5;
		CHECK_EQ(fake_touch(t, va + size / 2, MNEME_PROT_WRITE, &v), 0);
	}
	/* Zones: DMA below 16 MiB, DMA32 below 4 GiB. */
	struct vm_map_req dma = { .kind = VM_BLOCK, .order = 2, .prot = RW, .zone = MNEME_MM_ZONE_DMA };
	uint64_t va, pa;
	CHECK_EQ(vm_map(t->space, &dma, &va, &pa), 0);
	CHECK(pa + 4 * VM_PAGE_SIZE <= 16 * MiB);
	CHECK_OK(t);
	/* Partial unmap of a block: the rest stays mapped, the block goes with its last page. */
	CHECK_EQ(vm_unmap(t->space, va + VM_PAGE_SIZE, VM_PAGE_SIZE), 0);
	CHECK_EQ(fake_lookup(t, va, NULL, NULL), pa);
	CHECK_EQ(fake_lookup(t, va + VM_PAGE_SIZE, NULL, NULL), 0);
	CHECK_OK(t);
	CHECK_EQ(vm_unmap(t->space, va, VM_PAGE_SIZE), 0);
	CHECK_EQ(vm_unmap(t->space, va + 2 * VM_PAGE_SIZE, 2 * VM_PAGE_SIZE), 0);
	CHECK_OK(t);
	fake_task_free(t);
	CHECK_EQ(vm_env_free_pages(), before);
	ok("ALLOC_PAGES: every order, alignment, zones, partial unmap, reclaim");
}

static void contig(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *t = fake_task_new(256 * MiB);
	struct vm_map_req req = { .kind = VM_BLOCK, .contig = true, .len = 3 * MiB,
				  .phys_limit = 64 * MiB, .phys_align = 2 * MiB, .prot = RW, .huge = true };
	uint64_t va, pa;

	CHECK_EQ(vm_map(t->space, &req, &va, &pa), 0);
	CHECK_EQ(pa % (2 * MiB), 0);
	CHECK(pa + 3 * MiB <= 64 * MiB);
	unsigned shift;
	CHECK_EQ(fake_lookup(t, va, &shift, NULL), pa);
	CHECK_EQ(shift, 21);
	CHECK_EQ(fake_lookup(t, va + 2 * MiB, &shift, NULL), pa + 2 * MiB);
	CHECK_EQ(shift, 12);
	/* Impossible: below 1 MiB nothing is free. */
	req.phys_limit = 1 * MiB;
	req.len = 64 * 1024;
	uint64_t charged = t->space->acct.charged;
	CHECK_EQ(vm_map(t->space, &req, &va, &pa), -MNEME_ENOMEM);
	CHECK_EQ(t->space->acct.charged, charged);
	CHECK_OK(t);
	fake_task_free(t);
	CHECK_EQ(vm_env_free_pages(), before);
	ok("MAP_CONTIG: limit, alignment, huge where aligned, clean failure");
}

static void huge(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *t = fake_task_new(256 * MiB);
	uint64_t va;

	CHECK_EQ(map_anon(t, 8 * MiB, RW, true, false, &va), 0);
	CHECK_EQ(va % (2 * MiB), 0);
	uint8_t v = 7;
	CHECK_EQ(fake_touch(t, va + 3 * MiB + 5, MNEME_PROT_WRITE, &v), 0);
	unsigned shift;
	CHECK(fake_lookup(t, va + 2 * MiB, &shift, NULL));
	CHECK_EQ(shift, 21);
	CHECK_EQ(t->space->acct.resident, 512);
	CHECK_EQ(t->space->acct.huge, 1);
	/* Unmap one page in the middle of the chunk: it is split, the rest keeps its contents. */
	CHECK_EQ(vm_unmap(t->space, va + 2 * MiB + 64 * 1024, VM_PAGE_SIZE), 0);
	CHECK_EQ(fake_lookup(t, va + 2 * MiB + 64 * 1024, NULL, NULL), 0);
	v = 0;
	CHECK_EQ(fake_touch(t, va + 3 * MiB + 5, MNEME_PROT_READ, &v), 0);
	CHECK_EQ(v, 7);
	CHECK_EQ(t->space->acct.resident, 511);
	CHECK_OK(t);
	/* Populated huge mapping: four 2 MiB pages at once. */
	uint64_t va2;
	CHECK_EQ(map_anon(t, 8 * MiB, RW, true, true, &va2), 0);
	CHECK_EQ(t->space->acct.huge, 4);
	CHECK_OK(t);
	CHECK_EQ(vm_unmap(t->space, va2, 8 * MiB), 0);
	CHECK_EQ(vm_unmap(t->space, va, 8 * MiB), -MNEME_ENOENT);   /* a hole in it now */
	CHECK_EQ(vm_unmap(t->space, va, 2 * MiB + 64 * 1024), 0);
	CHECK_OK(t);
	fake_task_free(t);
	CHECK_EQ(vm_env_free_pages(), before);
	ok("huge pages: 2 MiB on fault and populate, split by a partial unmap");
}

static void demand_paging(void)
{
	struct fake_task *t = fake_task_new(0);
	uint64_t va;

	CHECK_EQ(map_anon(t, 64 * VM_PAGE_SIZE, RW, false, false, &va), 0);
	CHECK_EQ(t->space->acct.resident, 0);
	for (unsigned i = 0; i < 64; i++) {
		uint8_t v = (uint8_t)i;
		CHECK_EQ(fake_touch(t, va + i * VM_PAGE_SIZE, MNEME_PROT_READ, &v), 0);
		CHECK_EQ(v, 0);                                   /* zero-filled: the zero page */
		CHECK_EQ(ft_pfn(ft_lookup(t->space, va + i * VM_PAGE_SIZE)), vm_zero_pfn);
		CHECK_EQ(t->space->acct.resident, i);             /* which is nobody's frame */
		v = (uint8_t)(i + 1);
		CHECK_EQ(fake_touch(t, va + i * VM_PAGE_SIZE + 100, MNEME_PROT_WRITE, &v), 0);
		CHECK_EQ(t->space->acct.resident, i + 1);         /* one frame per first write */
		CHECK_EQ(t->space->acct.faults, 2 * (i + 1));
	}
	for (unsigned i = 0; i < 64; i++) {
		uint8_t v;
		CHECK_EQ(fake_touch(t, va + i * VM_PAGE_SIZE + 100, MNEME_PROT_READ, &v), 0);
		CHECK_EQ(v, i + 1);
	}
	/* Rights: write to read-only, exec, outside any region: refused. */
	CHECK_EQ(vm_protect(t->space, va, 64 * VM_PAGE_SIZE, MNEME_PROT_READ), 0);
	struct vm_fault_result res;
	CHECK_EQ(vm_fault(t->space, va, MNEME_PROT_WRITE, &res), -MNEME_EFAULT);
	CHECK_EQ(vm_fault(t->space, va, MNEME_PROT_EXEC, &res), -MNEME_EFAULT);
	CHECK_EQ(vm_fault(t->space, va - VM_PAGE_SIZE, MNEME_PROT_READ, &res), -MNEME_EFAULT);
	CHECK_EQ(vm_protect(t->space, va, 64 * VM_PAGE_SIZE, 0), 0);
	CHECK_EQ(fake_lookup(t, va, NULL, NULL), 0);
	CHECK_EQ(vm_fault(t->space, va, MNEME_PROT_READ, &res), -MNEME_EFAULT);
	CHECK_EQ(vm_protect(t->space, va, 64 * VM_PAGE_SIZE, RW), 0);
	uint8_t v;
	CHECK_EQ(fake_touch(t, va + 100, MNEME_PROT_READ, &v), 0);   /* the frame kept its contents */
	CHECK_EQ(v, 1);
	CHECK_OK(t);
	fake_task_free(t);
	ok("demand paging page by page, rights enforced, contents kept across protect");
}

static void share(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *a = fake_task_new(0), *b = fake_task_new(0);
	uint64_t va, vb;

	CHECK_EQ(map_anon(a, 16 * VM_PAGE_SIZE, RW, false, false, &va), 0);
	uint8_t v = 42;
	CHECK_EQ(fake_touch(a, va + 5 * VM_PAGE_SIZE, MNEME_PROT_WRITE, &v), 0);
	/* Rights beyond the sharer's: refused. */
	uint64_t grant;
	CHECK_EQ(vm_share(a->space, va, 16 * VM_PAGE_SIZE, b->space->id, RW | MNEME_PROT_EXEC, &grant),
		 -MNEME_EPERM);
	CHECK_EQ(vm_share(a->space, va, 17 * VM_PAGE_SIZE, b->space->id, RW, &grant), -MNEME_ENOENT);
	/* the range is checked before the receiver: ENOENT, not EDEAD, for both wrong */
	CHECK_EQ(vm_share(a->space, va, 17 * VM_PAGE_SIZE, 9999, RW, &grant), -MNEME_ENOENT);
	CHECK_EQ(vm_share(a->space, va, 16 * VM_PAGE_SIZE, 9999, RW, &grant), -MNEME_EDEAD);
	b->refuse_shares = true;      /* not related: the server's policy refuses */
	CHECK_EQ(vm_share(a->space, va, 16 * VM_PAGE_SIZE, b->space->id, MNEME_PROT_READ, &grant),
		 -MNEME_EPERM);
	CHECK_EQ(a->space->acct.resident, 1);
	b->refuse_shares = false;
	/* offered: nothing mapped into or charged to the receiver until it accepts */
	uint64_t b_charged = b->space->acct.charged;
	CHECK_EQ(vm_share(a->space, va, 16 * VM_PAGE_SIZE, b->space->id, MNEME_PROT_READ, &grant), 0);
	CHECK_EQ(a->space->acct.resident, 16);                /* lazy pages backed */
	CHECK_EQ(b->space->acct.resident, 0);
	CHECK_EQ(b->space->acct.charged, b_charged);
	uint64_t len;
	unsigned prot;
	CHECK_EQ(vm_share_accept(a->space, grant, &vb, &len, &prot), -MNEME_ENOENT);   /* not a's */
	CHECK_EQ(vm_share_accept(b->space, grant + 1, &vb, &len, &prot), -MNEME_ENOENT);
	CHECK_EQ(vm_share_accept(b->space, grant, &vb, &len, &prot), 0);
	CHECK_EQ(len, 16 * VM_PAGE_SIZE);
	CHECK_EQ(prot, MNEME_PROT_READ);
	CHECK(b->space->acct.charged >= b_charged + 16 * VM_PAGE_SIZE);
	CHECK_EQ(vm_share_accept(b->space, grant, &vb, &len, &prot), -MNEME_ENOENT);  /* used up */
	CHECK_EQ(b->space->acct.resident, 16);
	v = 0;
	CHECK_EQ(fake_touch(b, vb + 5 * VM_PAGE_SIZE, MNEME_PROT_READ, &v), 0);
	CHECK_EQ(v, 42);
	v = 1;
	CHECK_EQ(fake_touch(b, vb, MNEME_PROT_WRITE, &v), -MNEME_EFAULT);   /* read-only share */
	/* The receiver cannot widen its rights. */
	CHECK_EQ(vm_protect(b->space, vb, VM_PAGE_SIZE, RW), -MNEME_EPERM);
	v = 43;
	CHECK_EQ(fake_touch(a, va + 5 * VM_PAGE_SIZE, MNEME_PROT_WRITE, &v), 0);
	CHECK_EQ(fake_touch(b, vb + 5 * VM_PAGE_SIZE, MNEME_PROT_READ, &v), 0);
	CHECK_EQ(v, 43);
	CHECK_OK(a);
	CHECK_OK(b);
	/* The sharer dies: the receiver's pages stay. */
	fake_task_free(a);
	CHECK_EQ(fake_touch(b, vb + 5 * VM_PAGE_SIZE, MNEME_PROT_READ, &v), 0);
	CHECK_EQ(v, 43);
	CHECK_OK(b);
	fake_task_free(b);
	CHECK_EQ(vm_env_free_pages(), before);
	ok("SHARE: rights subset, same frames, outlives the sharer, reclaim");
}

static void share_block(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *a = fake_task_new(64 * MiB), *b = fake_task_new(64 * MiB);
	struct vm_map_req req = { .kind = VM_BLOCK, .order = 9, .prot = RW, .huge = true };
	uint64_t va, pa, vb;

	CHECK_EQ(vm_map(a->space, &req, &va, &pa), 0);
	CHECK_EQ(fake_share(a->space, va, 2 * MiB, b->space, RW, &vb), 0);
	unsigned shift;
	CHECK_EQ(fake_lookup(b, vb, &shift, NULL), pa);
	CHECK_EQ(shift, 21);
	CHECK_EQ(vm_unmap(a->space, va, 2 * MiB), 0);
	CHECK_OK(a);
	CHECK_OK(b);
	CHECK_EQ(vm_unmap(b->space, vb + VM_PAGE_SIZE, VM_PAGE_SIZE), 0);   /* demotes b's mapping */
	CHECK_OK(b);
	fake_task_free(a);
	fake_task_free(b);
	CHECK_EQ(vm_env_free_pages(), before);
	ok("SHARE of a 2 MiB block: huge in both, survives the sharer's unmap");
}

static void quota(void)
{
	struct fake_task *t = fake_task_new(1 * MiB);
	uint64_t va;

	CHECK_EQ(map_anon(t, 2 * MiB, RW, false, false, &va), -MNEME_EQUOTA);
	CHECK_EQ(t->space->nr_regions, 0);
	uint64_t n = 0;
	while (map_anon(t, 16 * VM_PAGE_SIZE, RW, false, false, &va) == 0)
		n++;
	CHECK(n > 4 && n < 16);
	CHECK(t->space->acct.charged <= 1 * MiB);
	CHECK_EQ(t->space->acct.failed, 2);
	struct vm_map_req req = { .kind = VM_BLOCK, .order = 8, .prot = RW };
	uint64_t pa;
	CHECK_EQ(vm_map(t->space, &req, &va, &pa), -MNEME_EQUOTA);
	CHECK_OK(t);
	/* Touching everything mapped never fails for the quota. */
	for (struct vm_region *r = vm_region_first_from(t->space, 0); r; r = vm_region_next(t->space, r))
		for (uint64_t a = r->start; a < r->end; a += VM_PAGE_SIZE) {
			uint8_t v = 1;
			CHECK_EQ(fake_touch(t, a, MNEME_PROT_WRITE, &v), 0);
		}
	CHECK(t->space->acct.charged <= 1 * MiB);
	CHECK_OK(t);
	fake_task_free(t);
	ok("quota: requests past it fail cleanly, faults within it never do");
}

static void exhaustion(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *t = fake_task_new(1ULL << 40);
	uint64_t va, n = 0;
	int err;

	/* Populate until the machine is out of frames. */
	while ((err = map_anon(t, 4 * MiB, RW, false, true, &va)) == 0)
		n++;
	CHECK_EQ(err, -MNEME_ENOMEM);
	CHECK(n > 10);
	CHECK_OK(t);
	/*
	 * Lazy mappings still work.  Requests stopped at their floor, 1/64 of
	 * memory above the low watermark, which is kept for faults: those
	 * succeed until it is gone too, then fail with ENOMEM (the server's
	 * OOM killer takes over; there is no compressed store here).
	 */
	CHECK_EQ(map_anon(t, 64 * MiB, RW, false, false, &va), 0);
	struct vm_fault_result res;
	uint64_t faults_ok = 0;
	for (uint64_t a = va; a < va + 64 * MiB; a += VM_PAGE_SIZE) {
		err = vm_fault(t->space, a, MNEME_PROT_WRITE, &res);
		if (err)
			break;
		faults_ok++;
	}
	CHECK_EQ(err, -MNEME_ENOMEM);
	CHECK(faults_ok >= totalram_pages() / 64);
	CHECK(faults_ok < 64 * MiB / VM_PAGE_SIZE);
	CHECK_OK(t);
	/* Reclaim works with no free memory at all. */
	fake_task_free(t);
	CHECK_EQ(vm_env_free_pages(), before);
	char why[256];
	CHECK_EQ(mm_check_invariants(why, sizeof(why)), 0);
	ok("exhaustion: populate fails cleanly, reclaim returns every frame");
}

static void map_errors(void)
{
	struct fake_task *t = fake_task_new(0);
	uint64_t va, vb;
	struct vm_map_req req = { .kind = VM_ANON, .addr = MNEME_MM_MAP_BASE, .len = 4 * VM_PAGE_SIZE,
				  .prot = RW, .fixed = true };

	CHECK_EQ(vm_map(t->space, &req, &va, NULL), 0);
	CHECK_EQ(vm_map(t->space, &req, &va, NULL), -MNEME_EBUSY);
	req.addr += 3 * VM_PAGE_SIZE;
	CHECK_EQ(vm_map(t->space, &req, &va, NULL), -MNEME_EBUSY);
	req.addr = MNEME_MM_MAP_END - VM_PAGE_SIZE;
	CHECK_EQ(vm_map(t->space, &req, &va, NULL), -MNEME_ERANGE);
	CHECK_EQ(vm_unmap(t->space, MNEME_MM_MAP_BASE + 4 * VM_PAGE_SIZE, VM_PAGE_SIZE), -MNEME_ENOENT);
	CHECK_EQ(vm_protect(t->space, MNEME_MM_MAP_BASE, 5 * VM_PAGE_SIZE, 1), -MNEME_ENOENT);
	CHECK_EQ(fake_share(t->space, MNEME_MM_MAP_BASE, VM_PAGE_SIZE, t->space, RW, &vb), 0);  /* self */
	CHECK_OK(t);
	fake_task_free(t);
	ok("map/unmap/protect errors: overlap, range, holes");
}

int main(void)
{
	if (vm_env_init()) {
		printf("not ok: environment\n");
		return 1;
	}
	printf("TAP version 13\n1..9\n");
	blocks();
	contig();
	huge();
	demand_paging();
	share();
	share_block();
	quota();
	map_errors();
	exhaustion();
	if (vm_test_failures)
		printf("# %d failures\n", vm_test_failures);
	return vm_test_failures != 0;
}
