/*
 * The region structure against a reference model: random fixed maps,
 * unmaps, protects and first-fit placements over a 64 MiB stretch of the
 * window, page by page (rights, contents written through demand faults),
 * then thousands of regions for placement and lookup.
 */
#include "vm_env.h"

#define PAGES 16384                      /* 64 MiB of the window */
#define BASE  MNEME_MM_MAP_BASE
#define VA(i) (BASE + (uint64_t)(i) * VM_PAGE_SIZE)

static int model_prot[PAGES];            /* -1: unmapped */
static uint8_t model_val[PAGES];
static uint64_t rng = 0x1234567;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool model_free(unsigned a, unsigned n)
{
	for (unsigned i = a; i < a + n; i++)
		if (model_prot[i] >= 0)
			return false;
	return true;
}

static bool model_mapped(unsigned a, unsigned n)
{
	for (unsigned i = a; i < a + n; i++)
		if (model_prot[i] < 0)
			return false;
	return true;
}

static void op_map(struct fake_task *t, unsigned a, unsigned n, unsigned prot)
{
	struct vm_map_req req = { .kind = VM_ANON, .addr = VA(a), .len = n * VM_PAGE_SIZE,
				  .prot = prot, .fixed = true, .huge = rnd() % 4 == 0,
				  .populate = rnd() % 8 == 0 };
	uint64_t va;
	int err = vm_map(t->space, &req, &va, NULL);

	if (model_free(a, n)) {
		CHECK_EQ(err, 0);
		CHECK_EQ(va, VA(a));
		for (unsigned i = a; i < a + n; i++) {
			model_prot[i] = (int)prot;
			model_val[i] = 0;
		}
	} else {
		CHECK_EQ(err, -MNEME_EBUSY);
	}
}

static void op_unmap(struct fake_task *t, unsigned a, unsigned n)
{
	int err = vm_unmap(t->space, VA(a), n * VM_PAGE_SIZE);

	if (model_mapped(a, n)) {
		CHECK_EQ(err, 0);
		for (unsigned i = a; i < a + n; i++)
			model_prot[i] = -1;
	} else {
		CHECK_EQ(err, -MNEME_ENOENT);
	}
}

static void op_protect(struct fake_task *t, unsigned a, unsigned n, unsigned prot)
{
	int err = vm_protect(t->space, VA(a), n * VM_PAGE_SIZE, prot);

	if (model_mapped(a, n)) {
		CHECK_EQ(err, 0);
		for (unsigned i = a; i < a + n; i++)
			model_prot[i] = (int)prot;
	} else {
		CHECK_EQ(err, -MNEME_ENOENT);
	}
}

/* Touch a page: write a new value when writable, else read; compare with the model. */
static void op_touch(struct fake_task *t, unsigned i)
{
	uint8_t v = (uint8_t)(rnd() | 1);
	bool w = model_prot[i] >= 0 && (model_prot[i] & MNEME_PROT_WRITE);
	int err = fake_touch(t, VA(i) + rnd() % 64 * 64, w ? MNEME_PROT_WRITE : MNEME_PROT_READ, &v);

	if (model_prot[i] < 0 || !(model_prot[i] & (w ? MNEME_PROT_WRITE : MNEME_PROT_READ))) {
		CHECK_EQ(err, -MNEME_EFAULT);
		return;
	}
	CHECK_EQ(err, 0);
	if (w)
		model_val[i] = v;
	else if (v != model_val[i] && v != 0)
		CHECK_EQ(v, model_val[i]);
}

/* Every page: the region's rights match the model. */
static void compare(struct fake_task *t)
{
	for (unsigned i = 0; i < PAGES; i++) {
		struct vm_region *r = vm_region_find(t->space, VA(i));
		if (model_prot[i] < 0)
			CHECK(!r);
		else if (!r || r->prot != (unsigned)model_prot[i]) {
			CHECK_EQ(r ? (int)r->prot : -1, model_prot[i]);
			return;
		}
	}
}

static void random_ops(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *t = fake_task_new(1ULL << 30);

	for (unsigned i = 0; i < PAGES; i++)
		model_prot[i] = -1;
	for (int op = 0; op < 20000 && !vm_test_failures; op++) {
		unsigned n = 1 + (unsigned)(rnd() % (rnd() % 8 == 0 ? 1024 : 16));
		unsigned a = (unsigned)(rnd() % (PAGES - n));
		unsigned prot = (unsigned)(rnd() % 4);
		switch (rnd() % 6) {
		case 0: case 1: op_map(t, a, n, prot ? prot : MNEME_PROT_READ | MNEME_PROT_WRITE); break;
		case 2: op_unmap(t, a, n); break;
		case 3: op_protect(t, a, n, prot); break;
		default:
			for (int k = 0; k < 4; k++)
				op_touch(t, (unsigned)(rnd() % PAGES));
		}
		if (op % 1000 == 0) {
			compare(t);
			CHECK_OK(t);
		}
	}
	compare(t);
	CHECK_OK(t);
	fake_task_free(t);
	CHECK_EQ(vm_env_free_pages(), before + 0);
	printf("ok 1 random map/unmap/protect/touch against the model\n");
}

/* Thousands of regions: placement is first fit and lookups find each one. */
static void many_regions(void)
{
	unsigned long before = vm_env_free_pages();
	struct fake_task *t = fake_task_new(1ULL << 34);
	enum { N = 5000 };
	static uint64_t va[N];

	for (unsigned i = 0; i < N; i++) {
		/* Alternating rights: neighbours cannot merge. */
		struct vm_map_req req = { .kind = VM_ANON, .len = VM_PAGE_SIZE,
					  .prot = i % 2 ? MNEME_PROT_READ : MNEME_PROT_READ | MNEME_PROT_WRITE };
		CHECK_EQ(vm_map(t->space, &req, &va[i], NULL), 0);
		CHECK_EQ(va[i], BASE + i * VM_PAGE_SIZE);
	}
	CHECK_EQ(t->space->nr_regions, N);
	/* Punch every other page: the holes are found first-fit, lowest first. */
	for (unsigned i = 0; i < N; i += 2)
		CHECK_EQ(vm_unmap(t->space, va[i], VM_PAGE_SIZE), 0);
	CHECK_OK(t);
	for (unsigned i = 0; i < N; i += 2) {
		uint64_t got;
		struct vm_map_req req = { .kind = VM_ANON, .len = VM_PAGE_SIZE,
					  .prot = MNEME_PROT_READ | MNEME_PROT_WRITE };
		CHECK_EQ(vm_map(t->space, &req, &got, NULL), 0);
		CHECK_EQ(got, va[i]);
	}
	/* A two-page request skips all one-page holes. */
	for (unsigned i = 1; i < N; i += 2)
		CHECK_EQ(vm_unmap(t->space, va[i], VM_PAGE_SIZE), 0);
	uint64_t got;
	struct vm_map_req req = { .kind = VM_ANON, .len = 2 * VM_PAGE_SIZE, .prot = MNEME_PROT_READ };
	CHECK_EQ(vm_map(t->space, &req, &got, NULL), 0);
	CHECK_EQ(got, BASE + (N - 1) * VM_PAGE_SIZE);   /* the last odd page and beyond */
	/* Hints: at or above the hint. */
	req.addr = BASE + (1ULL << 32);
	CHECK_EQ(vm_map(t->space, &req, &got, NULL), 0);
	CHECK_EQ(got, BASE + (1ULL << 32));
	CHECK_OK(t);
	for (unsigned i = 0; i < N; i += 2)
		CHECK(vm_region_find(t->space, va[i]) && vm_region_find(t->space, va[i])->start == va[i]);
	fake_task_free(t);
	CHECK_EQ(vm_env_free_pages(), before);
	printf("ok 2 %d regions: first fit, hints, lookups\n", N);
}

/* Protect back and forth merges neighbours again. */
static void merges(void)
{
	struct fake_task *t = fake_task_new(0);
	struct vm_map_req req = { .kind = VM_ANON, .len = 64 * VM_PAGE_SIZE,
				  .prot = MNEME_PROT_READ | MNEME_PROT_WRITE };
	uint64_t va;

	CHECK_EQ(vm_map(t->space, &req, &va, NULL), 0);
	for (unsigned i = 0; i < 64; i += 2)
		CHECK_EQ(vm_protect(t->space, va + i * VM_PAGE_SIZE, VM_PAGE_SIZE, MNEME_PROT_READ), 0);
	CHECK_EQ(t->space->nr_regions, 64);
	CHECK_OK(t);
	CHECK_EQ(vm_protect(t->space, va, 64 * VM_PAGE_SIZE, MNEME_PROT_READ | MNEME_PROT_WRITE), 0);
	CHECK_EQ(t->space->nr_regions, 1);
	CHECK_OK(t);
	/* Adjacent anonymous mappings with the same rights become one region. */
	uint64_t v2;
	req.addr = va + 64 * VM_PAGE_SIZE;
	CHECK_EQ(vm_map(t->space, &req, &v2, NULL), 0);
	CHECK_EQ(v2, va + 64 * VM_PAGE_SIZE);
	CHECK_EQ(t->space->nr_regions, 1);
	CHECK_EQ(vm_unmap(t->space, va + 32 * VM_PAGE_SIZE, 64 * VM_PAGE_SIZE), 0);
	CHECK_EQ(t->space->nr_regions, 2);
	CHECK_OK(t);
	fake_task_free(t);
	printf("ok 3 protect and map merge neighbours, unmap splits\n");
}

int main(void)
{
	if (vm_env_init()) {
		printf("not ok: environment\n");
		return 1;
	}
	printf("TAP version 13\n1..3\n");
	random_ops();
	many_regions();
	merges();
	if (vm_test_failures)
		printf("# %d failures\n", vm_test_failures);
	return vm_test_failures != 0;
}
