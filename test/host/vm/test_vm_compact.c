/*
 * Compaction on the host, over the real mm core: with the free memory
 * in single pages between pages of a task (every other frame held), a
 * 2 MiB block request succeeds by moving the task's pages out of a
 * pageblock; the moved pages keep their bytes in every task that maps
 * them (the owner, a clone sharing them copy-on-write, a task they were
 * SHAREd with), the page tables name the new frames, the counters say
 * what happened, and every invariant checker agrees.
 */
#include "vm_env.h"
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
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

static uint64_t pa_of(struct fake_task *t, uint64_t va)
{
	uint8_t v;

	CHECK_EQ(fake_touch(t, va, R, &v), 0);
	return fake_lookup(t, va, NULL, NULL) & ~(PG - 1);
}

static uint64_t word(uint64_t page, unsigned i)
{
	return (page + 1) * 0x9e3779b97f4a7c15ull ^ i;
}

static bool page_right(struct fake_task *t, uint64_t va, uint64_t page)
{
	const uint64_t *p = mm_phys_to_virt(pa_of(t, va));

	for (unsigned i = 0; i < PG / 8; i++)
		if (p[i] != word(page, i))
			return false;
	return true;
}

/* Any free block of @order or more in any zone? */
static bool free_order(unsigned order)
{
	int nid;

	for_each_online_node(nid)
		for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++)
			for (unsigned o = order; o < MAX_ORDER; o++)
				if (NODE_DATA(nid)->node_zones[zi].free_area[o].nr_free)
					return true;
	return false;
}

/* Page @i of the faulting order: two of region a, two of region b, and so on. */
static bool in_b(unsigned i)
{
	return (i / 2) & 1;
}

static uint64_t page_va(unsigned i, uint64_t ra, uint64_t rb)
{
	return (in_b(i) ? rb : ra) + ((i / 4) * 2 + i % 2) * PG;
}

#define MAX_GRABS 4096
static struct page *grabs[MAX_GRABS];
static unsigned nr_grabs;

static void fragmented_block_compacts(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *hog = fake_task_new(1ULL << 40), *a = fake_task_new(1ULL << 40);
	struct fake_task *c = fake_task_new(1ULL << 40), *d = fake_task_new(1ULL << 40);
	struct fake_task *b = fake_task_new(1ULL << 40);
	struct vm_map_req blk = { .kind = VM_BLOCK, .order = 10, .prot = RW };
	uint64_t hva;

	/* Most of the machine in blocks, so the task's pages fill what is left. */
	while (vm_env_free_pages() > 6144 + 1024 && !vm_map(hog->space, &blk, &hva, NULL))
		;
	/*
	 * Two regions faulted two pages at a time, so the frames kept (odd
	 * ones) alternate between them: one
	 * region's pages SHAREd with task d, the other's shared
	 * copy-on-write with a clone c.
	 */
	unsigned n = (unsigned)(vm_env_free_pages() - 3072) / 2;
	uint64_t ra, rb;
	struct vm_map_req anon = { .kind = VM_ANON, .len = n * PG, .prot = RW };
	CHECK_EQ(vm_map(a->space, &anon, &ra, NULL), 0);
	CHECK_EQ(vm_map(a->space, &anon, &rb, NULL), 0);
	for (unsigned i = 0; i < 2 * n; i++) {
		struct vm_fault_result res;
		uint64_t at = page_va(i, ra, rb);
		CHECK_EQ(vm_fault(a->space, at, RW, &res), 0);
		vm_backend_map(a->space, res.va, res.pa, res.shift, res.prot);
		uint64_t *p = mm_phys_to_virt(res.pa);
		for (unsigned w = 0; w < PG / 8; w++)
			p[w] = word(i, w);
	}
	uint64_t grant, dva, dlen;
	unsigned dprot;
	CHECK_EQ(vm_share(a->space, ra, n * PG, d->space->id, R, &grant), 0);
	CHECK_EQ(vm_share_accept(d->space, grant, &dva, &dlen, &dprot), 0);
	CHECK_EQ(vm_clone(a->space, c->space, rb, rb + n * PG), 0);
	/* Every page on an even frame goes: the free memory is single pages between held ones. */
	static uint64_t pa[1 << 16];
	unsigned held = 0;
	CHECK(2 * n <= sizeof(pa) / sizeof(pa[0]));
	for (unsigned i = 0; i < 2 * n; i++) {
		uint64_t at = page_va(i, ra, rb);
		pa[i] = pa_of(a, at);
		if (!((pa[i] / PG) & 1)) {
			CHECK_EQ(vm_unmap(a->space, at, PG), 0);
			if (in_b(i))
				CHECK_EQ(vm_unmap(c->space, at, PG), 0);
			else
				CHECK_EQ(vm_unmap(d->space, dva + (page_va(i, ra, rb) - ra), PG), 0);
			pa[i] = 0;
		} else {
			held++;
		}
	}
	drain_all_pages();
	/* What is still free in long blocks goes to the server itself (unmovable). */
	struct page *pg;
	while (free_order(pageblock_order) && nr_grabs < MAX_GRABS &&
	       (pg = alloc_pages(GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, pageblock_order)))
		grabs[nr_grabs++] = pg;
	CHECK(!free_order(pageblock_order));
	CHECK(held > 1024);
	CHECK(vm_env_free_pages() > 2 * 512);
	check_all((struct fake_task *[]){ hog, a, c, d }, 4);

	/* A 2 MiB block: compaction moves held pages out of a pageblock. */
	struct vm_vmstat v0 = vm_vmstat;
	struct vm_map_req huge = { .kind = VM_BLOCK, .order = 9, .prot = RW };
	uint64_t bva;
	CHECK_EQ(vm_map(b->space, &huge, &bva, NULL), 0);
	CHECK_EQ(vm_vmstat.compact_stall - v0.compact_stall, 1);
	CHECK_EQ(vm_vmstat.compact_success - v0.compact_success, 1);
	CHECK_EQ(vm_vmstat.compact_fail, v0.compact_fail);
	uint64_t moved = vm_vmstat.pgmigrate_success - v0.pgmigrate_success;
	CHECK(moved >= 1 && moved <= 512);
	CHECK(vm_vmstat.compact_migrate_scanned - v0.compact_migrate_scanned >= 512);
	CHECK(vm_vmstat.compact_free_scanned - v0.compact_free_scanned >= moved);
	CHECK_EQ(vm_vmstat.compact_isolated - v0.compact_isolated, 2 * moved);
	check_all((struct fake_task *[]){ hog, a, c, d, b }, 5);

	/* Every held page right in every task mapping it; the moved ones on new frames everywhere. */
	unsigned changed[2] = { 0, 0 };
	uint64_t cow_moved = 0;
	for (unsigned i = 0; i < 2 * n; i++) {
		if (!pa[i])
			continue;
		uint64_t at = page_va(i, ra, rb), now = pa_of(a, at);
		CHECK(page_right(a, at, i));
		if (in_b(i)) {
			CHECK(page_right(c, at, i));
			CHECK_EQ(pa_of(c, at), now);
		} else {
			CHECK(page_right(d, dva + (page_va(i, ra, rb) - ra), i));
			CHECK_EQ(pa_of(d, dva + (page_va(i, ra, rb) - ra)), now);
		}
		if (now != pa[i]) {
			changed[in_b(i)]++;
			if (in_b(i))
				cow_moved = at;
		}
	}
	CHECK_EQ(changed[0] + changed[1], moved);
	fprintf(stderr, "# moved %llu: shared %u cow %u held %u\n", (unsigned long long)moved, changed[0], changed[1], held);
	CHECK(changed[0] > 0 && changed[1] > 0);        /* SHAREd and copy-on-write pages both moved */
	/* Copy-on-write still works on a moved page: the clone's write is its own. */
	if (cow_moved) {
		unsigned k = (unsigned)((cow_moved - rb) / PG), i = k / 2 * 4 + 2 + k % 2;
		uint8_t v = 0x5a;
		CHECK_EQ(fake_touch(c, cow_moved, RW, &v), 0);
		CHECK(page_right(a, cow_moved, i));
		CHECK(!page_right(c, cow_moved, i));
	}
	check_all((struct fake_task *[]){ hog, a, c, d, b }, 5);
	ok("fragmented memory: a 2 MiB block through compaction, moved pages intact (shared, COW)");

	fake_task_free(a);
	fake_task_free(c);
	fake_task_free(d);
	for (unsigned i = 0; i < nr_grabs; i++)
		__free_pages(grabs[i], pageblock_order);
	nr_grabs = 0;
	fake_task_free(b);
	fake_task_free(hog);
	drain_all_pages();
	CHECK_EQ(vm_env_free_pages(), before);
	ok("every frame back");
}

int main(void)
{
	if (vm_env_init())
		return 1;
	printf("TAP version 13\n1..2\n");
	fragmented_block_compacts();
	return vm_test_failures ? 1 : 0;
}
