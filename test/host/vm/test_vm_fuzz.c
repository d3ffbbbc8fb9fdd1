/*
 * Hostile clients: VM_FUZZ_COUNT (default 100,000) random and malformed
 * requests from several tasks, interleaved with touches whose contents
 * are checked (a page never shows another page's data), tasks dying and
 * being replaced, and the consistency checkers every few thousand
 * requests.  At the end every task is reclaimed and the free page count
 * must return exactly.
 *
 * VM_FUZZ_COUNT and VM_FUZZ_SEED in the environment change the run.
 */
#include "vm_env.h"

#define TASKS 4
#define MODEL 4096
#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t xbuf[MNEME_IPC_BUFFER_WORDS];

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Pages a task wrote, with the value it wrote (its own anonymous memory only). */
struct written {
	uint64_t va;
	uint8_t val;
};

struct slot {
	struct fake_task *t;
	struct written w[MODEL];
	unsigned nr;
	uint64_t recent[16];      /* addresses the server handed out, for plausible requests */
};

static struct slot slots[TASKS];
static uint64_t stats_ok[8], errors[MNEME_ERROR_MAX], label_ok[32];

static void forget(struct slot *s, uint64_t start, uint64_t len)
{
	for (unsigned i = 0; i < s->nr;) {
		if (s->w[i].va >= start && s->w[i].va - start < len)
			s->w[i] = s->w[--s->nr];
		else
			i++;
	}
}

static uint64_t pick_addr(struct slot *s)
{
	switch (rnd() % 6) {
	case 0: return rnd();
	case 1: return MNEME_MM_MAP_BASE + (rnd() % 64) * VM_PAGE_SIZE;
	case 2: return rnd() & ~0xfffULL;
	default: return s->recent[rnd() % 16] + (rnd() % 4) * VM_PAGE_SIZE;
	}
}

static uint64_t pick_len(void)
{
	switch (rnd() % 5) {
	case 0: return rnd();
	case 1: return (rnd() % 2048) * 1024;
	case 2: return (1 + rnd() % 1024) * VM_PAGE_SIZE;
	default: return (1 + rnd() % 8) * VM_PAGE_SIZE;
	}
}

static uint64_t pick_pf(void)
{
	uint64_t pf = rnd() % 8;

	if (rnd() % 8 == 0)
		return rnd();
	for (int i = 0; i < 3; i++)
		if (rnd() % 3 == 0)
			pf |= 0x100ULL << (rnd() % 6);
	return pf;
}

static uint64_t last_grant;          /* the latest SHARE's grant number */

static void request(struct slot *s)
{
	static const uint32_t labels[] = {
		MNEME_MM_ALLOC_PAGES, MNEME_MM_MAP_ANON, MNEME_MM_MAP_ANON, MNEME_MM_MAP_CONTIG,
		MNEME_MM_UNMAP, MNEME_MM_UNMAP, MNEME_MM_PROTECT, MNEME_MM_SHARE, MNEME_MM_STATS,
		MNEME_MM_USAGE, 0, MNEME_MM_CHECK + 1, MNEME_MM_SHARE_ACCEPT,
	};
	struct vm_msg m = { .label = labels[rnd() % (sizeof(labels) / sizeof(labels[0]))] };
	struct vm_reply r = { .x = xbuf };
	uint64_t *w = m.w;

	switch (m.label) {
	case MNEME_MM_ALLOC_PAGES: w[0] = rnd() % 13; w[1] = pick_pf(); break;
	case MNEME_MM_MAP_ANON: w[0] = rnd() % 2 ? 0 : pick_addr(s); w[1] = pick_len(); w[2] = pick_pf(); break;
	case MNEME_MM_MAP_CONTIG: w[0] = pick_len() % (8 << 20); w[1] = rnd() % 2 ? 0 : (rnd() % 300) << 20;
		w[2] = rnd() % 2 ? 0 : 1ULL << (rnd() % 32); w[3] = pick_pf(); break;
	case MNEME_MM_UNMAP: w[0] = pick_addr(s); w[1] = pick_len(); break;
	case MNEME_MM_PROTECT: w[0] = pick_addr(s); w[1] = pick_len(); w[2] = rnd() % 9; break;
	case MNEME_MM_SHARE: w[0] = pick_addr(s); w[1] = pick_len();
		w[2] = rnd() % 8 ? slots[rnd() % TASKS].t->id : rnd(); w[3] = MNEME_PROT_READ; break;
	case MNEME_MM_STATS: w[0] = rnd() % 8; w[1] = rnd() % 3 ? 0 : rnd() % 8192; break;
	case MNEME_MM_SHARE_ACCEPT: w[0] = rnd() % 4 ? last_grant : rnd(); break;
	}
	if (rnd() % 16 == 0)
		w[rnd() % 4] = rnd();          /* garbage in any word */
	if (rnd() % 64 == 0)
		m.extra = 1 + rnd() % 4;
	vm_request(s->t->space, &m, &r);
	if (r.status > 0 || r.status < -MNEME_ERROR_MAX + 1) {
		CHECK(!"status outside the error enum");
		return;
	}
	errors[-r.status]++;
	if (r.status)
		return;
	label_ok[m.label & 31]++;
	if (m.label == MNEME_MM_STATS)
		stats_ok[w[0] & 7]++;
	if (m.label == MNEME_MM_ALLOC_PAGES || m.label == MNEME_MM_MAP_ANON ||
	    m.label == MNEME_MM_MAP_CONTIG)
		s->recent[rnd() % 16] = r.w[0];
	if (m.label == MNEME_MM_UNMAP)
		forget(s, w[0], w[1]);
	if (m.label == MNEME_MM_SHARE)
		last_grant = r.w[0];
	if (m.label == MNEME_MM_SHARE_ACCEPT)
		s->recent[rnd() % 16] = r.w[0];
}

/* Touch a random page near a recent mapping: write (and remember) or read (and compare). */
static void touch(struct slot *s)
{
	uint64_t va = s->recent[rnd() % 16] + (rnd() % 8) * VM_PAGE_SIZE;
	struct vm_region *r = vm_region_find(s->t->space, va);

	if (!r || r->kind == VM_SHARED || !(r->prot & MNEME_PROT_READ)) {
		struct vm_fault_result res;
		if (!r || !r->prot)
			CHECK_EQ(vm_fault(s->t->space, va, MNEME_PROT_READ, &res), -MNEME_EFAULT);
		return;
	}
	for (unsigned i = 0; i < s->nr; i++) {
		if (s->w[i].va == va) {
			uint8_t v = 0;
			CHECK_EQ(fake_touch(s->t, va, MNEME_PROT_READ, &v), 0);
			CHECK_EQ(v, s->w[i].val);
			return;
		}
	}
	uint8_t v = 0xff;
	int err = fake_touch(s->t, va, MNEME_PROT_READ, &v);
	if (err == -MNEME_ENOMEM)
		return;                      /* the server would kill the task */
	CHECK_EQ(err, 0);
	CHECK_EQ(v, 0);                      /* never written: zero, never another task's data */
	if ((r->prot & MNEME_PROT_WRITE) && s->nr < MODEL) {
		v = (uint8_t)(1 + rnd() % 255);
		CHECK_EQ(fake_touch(s->t, va, MNEME_PROT_WRITE, &v), 0);
		s->w[s->nr++] = (struct written){ va, v };
	}
}

static void respawn(struct slot *s)
{
	if (s->t)
		fake_task_free(s->t);
	s->t = fake_task_new((1 + rnd() % 64) << 20);
	s->nr = 0;
	for (int i = 0; i < 16; i++)
		s->recent[i] = MNEME_MM_MAP_BASE;
}

static void check_all(void)
{
	struct fake_task *t[TASKS];
	char why[256];

	for (int i = 0; i < TASKS; i++) {
		CHECK_OK(slots[i].t);
		t[i] = slots[i].t;
	}
	if (vm_env_check_refs(t, TASKS, why, sizeof(why))) {
		fprintf(stderr, "references: %s\n", why);
		vm_test_failures++;
	}
}

int main(void)
{
	const char *c = getenv("VM_FUZZ_COUNT"), *seed = getenv("VM_FUZZ_SEED");
	unsigned long count = c ? strtoul(c, NULL, 0) : 100000;

	if (seed)
		rng = strtoull(seed, NULL, 0) | 1;
	if (vm_env_init()) {
		printf("not ok: environment\n");
		return 1;
	}
	printf("TAP version 13\n1..1\n");
	unsigned long before = vm_env_free_pages();
	for (int i = 0; i < TASKS; i++)
		respawn(&slots[i]);
	for (unsigned long n = 0; n < count && vm_test_failures < 10; n++) {
		struct slot *s = &slots[rnd() % TASKS];
		request(s);
		touch(s);
		if (rnd() % 5000 == 0)
			respawn(s);
		if (n % 5000 == 4999)
			check_all();
	}
	check_all();
	for (int i = 0; i < TASKS; i++)
		fake_task_free(slots[i].t);
	CHECK_EQ(vm_env_free_pages(), before);
	CHECK_OK(NULL);
	printf("# replies:");
	for (int e = 0; e < MNEME_ERROR_MAX; e++)
		if (errors[e])
			printf(" %s%d=%llu", e ? "-" : "", e, (unsigned long long)errors[e]);
	printf("\n# successes by label:");
	for (unsigned l = MNEME_MM_ALLOC_PAGES & 31; l <= (MNEME_MM_USAGE & 31); l++)
		printf(" %#x=%llu", 0x6d6d0000u | l, (unsigned long long)label_ok[l]);
	printf("\n");
	printf("%s 1 %lu hostile requests answered, state consistent, nothing leaked\n",
	       vm_test_failures ? "not ok" : "ok", count);
	return vm_test_failures != 0;
}
