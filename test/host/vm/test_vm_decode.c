/*
 * Every error path of the memory requests, through vm_request() exactly
 * as the server calls it (message in, reply out), and the success of each
 * request with its reply words.
 */
#include "vm_env.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define B MNEME_MM_MAP_BASE
#define P VM_PAGE_SIZE

static uint64_t xbuf[MNEME_IPC_BUFFER_WORDS];
static struct fake_task *t, *other;
static int nr;

static struct vm_reply req(uint32_t label, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
	struct vm_msg m = { .label = label, .w = { w0, w1, w2, w3 } };
	struct vm_reply r = { .x = xbuf };

	vm_request(t->space, &m, &r);
	return r;
}

#define EXPECT(err, label, w0, w1, w2, w3) do { \
	struct vm_reply r_ = req(label, w0, w1, w2, w3); \
	CHECK_EQ(r_.status, err); \
	if ((err) && (r_.w[0] | r_.w[1] | r_.extra)) { CHECK(!"reply words on error"); } \
	nr++; \
} while (0)

static void common(void)
{
	struct vm_msg m = { .label = MNEME_MM_USAGE };
	struct vm_reply r = { .x = xbuf };

	EXPECT(-MNEME_ENOSYS, 0, 0, 0, 0, 0);
	EXPECT(-MNEME_ENOSYS, MNEME_MM_CHECK + 1, 0, 0, 0, 0);
	EXPECT(-MNEME_ENOSYS, MNEME_MM_OBJ_CREATE - 1, 0, 0, 0, 0);
	EXPECT(-MNEME_ENOSYS, MNEME_MM_SHARE_ACCEPT + 1, 0, 0, 0, 0);
	EXPECT(-MNEME_ENOSYS, MNEME_MM_ALLOC_PAGES - 1, 0, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_USAGE, 1, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_USAGE, 0, 0, 0, 1);
	m.extra = 1;
	vm_request(t->space, &m, &r);
	CHECK_EQ(r.status, -MNEME_EINVAL);
	m.extra = 0;
	m.handle = true;
	vm_request(t->space, &m, &r);
	CHECK_EQ(r.status, -MNEME_EINVAL);
	m.handle = false;
	vm_request(t->space, &m, &r);
	CHECK_EQ(r.status, 0);
	CHECK_EQ(r.extra, MNEME_MM_USAGE_WORDS);
	CHECK_EQ(r.w[1], MNEME_MM_QUOTA_DEFAULT);
	CHECK_EQ(xbuf[1], MNEME_MM_QUOTA_DEFAULT);
	nr += 3;
}

static void alloc(void)
{
	EXPECT(-MNEME_ERANGE, MNEME_MM_ALLOC_PAGES, 11, RW, 0, 0);
	EXPECT(-MNEME_ERANGE, MNEME_MM_ALLOC_PAGES, ~0ULL, RW, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_ALLOC_PAGES, 0, 0, 0, 0);                         /* no rights */
	EXPECT(-MNEME_EINVAL, MNEME_MM_ALLOC_PAGES, 0, RW | MNEME_MM_POPULATE, 0, 0);    /* not its flag */
	EXPECT(-MNEME_EINVAL, MNEME_MM_ALLOC_PAGES, 0, RW | MNEME_MM_FIXED, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_ALLOC_PAGES, 0, RW | 0x8, 0, 0);                  /* unknown right */
	EXPECT(-MNEME_EINVAL, MNEME_MM_ALLOC_PAGES, 0, RW | (1ULL << 40), 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_ALLOC_PAGES, 0, RW | MNEME_MM_ZONE_DMA | MNEME_MM_ZONE_DMA32, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_ALLOC_PAGES, 0, RW, 1, 0);
	struct vm_reply r = req(MNEME_MM_ALLOC_PAGES, 3, RW | MNEME_MM_ZONE_DMA32 | MNEME_MM_ZERO, 0, 0);
	CHECK_EQ(r.status, 0);
	CHECK_EQ(r.w[0] % (8 * P), 0);
	CHECK(r.w[1] && r.w[1] + 8 * P <= (1ULL << 32));
	CHECK_EQ(req(MNEME_MM_UNMAP, r.w[0], 8 * P, 0, 0).status, 0);
	nr += 2;
}

static void anon(void)
{
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_ANON, 1, P, RW, 0);                   /* misaligned hint */
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_ANON, 0, 0, RW, 0);                   /* zero length */
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_ANON, 0, P + 1, RW, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_ANON, 0, P, RW | MNEME_MM_ZERO, 0);  /* not its flag */
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_ANON, 0, P, 0x10, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_ANON, 0, P, RW, 5);                   /* w3 */
	EXPECT(-MNEME_ERANGE, MNEME_MM_MAP_ANON, 0, MNEME_MM_MAP_MAX + P, RW, 0);
	EXPECT(-MNEME_ERANGE, MNEME_MM_MAP_ANON, 0x1000, P, RW | MNEME_MM_FIXED, 0);
	EXPECT(-MNEME_ERANGE, MNEME_MM_MAP_ANON, MNEME_MM_MAP_END, P, RW | MNEME_MM_FIXED, 0);
	EXPECT(-MNEME_ERANGE, MNEME_MM_MAP_ANON, MNEME_MM_MAP_END - P, 2 * P, RW | MNEME_MM_FIXED, 0);
	EXPECT(-MNEME_ERANGE, MNEME_MM_MAP_ANON, ~0xfffULL, 2 * P, RW | MNEME_MM_FIXED, 0);  /* wraps */
	EXPECT(-MNEME_EQUOTA, MNEME_MM_MAP_ANON, 0, 1ULL << 30, RW, 0);
	EXPECT(0, MNEME_MM_MAP_ANON, B, 4 * P, RW | MNEME_MM_FIXED, 0);
	EXPECT(-MNEME_EBUSY, MNEME_MM_MAP_ANON, B + P, P, RW | MNEME_MM_FIXED, 0);
	struct vm_reply r = req(MNEME_MM_MAP_ANON, 0x1000, P, RW, 0);            /* hint below: ignored */
	CHECK_EQ(r.status, 0);
	CHECK_EQ(r.w[0], B + 4 * P);
	r = req(MNEME_MM_MAP_ANON, 0, 4ULL << 20, RW | MNEME_MM_HUGE | MNEME_MM_POPULATE, 0);
	CHECK_EQ(r.status, 0);
	CHECK_EQ(r.w[0] % (2ULL << 20), 0);
	CHECK_EQ(req(MNEME_MM_UNMAP, r.w[0], 4ULL << 20, 0, 0).status, 0);
	nr += 3;
}

static void contig(void)
{
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_CONTIG, 0, 0, 0, RW);
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_CONTIG, P + 8, 0, 0, RW);
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_CONTIG, P, 123, 0, RW);               /* limit misaligned */
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_CONTIG, P, 0, 3 * P, RW);             /* not a power of two */
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_CONTIG, P, 0, 512, RW);               /* below a page */
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_CONTIG, P, 0, 0, 0);                  /* no rights */
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_CONTIG, P, 0, 0, RW | MNEME_MM_FIXED);
	EXPECT(-MNEME_ERANGE, MNEME_MM_MAP_CONTIG, (1ULL << 30) + P, 0, 0, RW);
	EXPECT(-MNEME_ERANGE, MNEME_MM_MAP_CONTIG, P, 0, 1ULL << 31, RW);
	EXPECT(-MNEME_ERANGE, MNEME_MM_MAP_CONTIG, 2 * P, P, 0, RW);             /* limit below length */
	EXPECT(-MNEME_ENOMEM, MNEME_MM_MAP_CONTIG, 2 * P, 1ULL << 20, 0, RW);    /* nothing below 1 MiB */
	struct vm_reply r = req(MNEME_MM_MAP_CONTIG, 16 * P, 16ULL << 20, 64 * 1024, RW);
	CHECK_EQ(r.status, 0);
	CHECK_EQ(r.w[1] % (64 * 1024), 0);
	CHECK(r.w[1] + 16 * P <= (16ULL << 20));
	CHECK_EQ(req(MNEME_MM_UNMAP, r.w[0], 16 * P, 0, 0).status, 0);
	nr += 2;
}

static void ranges(void)
{
	for (uint32_t label = MNEME_MM_UNMAP; label <= MNEME_MM_PROTECT; label++) {
		EXPECT(-MNEME_EINVAL, label, B + 1, P, 0, 0);
		EXPECT(-MNEME_EINVAL, label, B, 0, 0, 0);
		EXPECT(-MNEME_EINVAL, label, B, P - 1, 0, 0);
		EXPECT(-MNEME_ERANGE, label, 0x400000, P, 0, 0);
		EXPECT(-MNEME_ERANGE, label, MNEME_MM_MAP_END - P, 2 * P, 0, 0);
		EXPECT(-MNEME_ERANGE, label, B, ~0xfffULL, 0, 0);
		EXPECT(-MNEME_ENOENT, label, B + 100 * P, P, 0, 0);
		EXPECT(-MNEME_ENOENT, label, B, 6 * P, 0, 0);       /* runs past the mapping */
		EXPECT(-MNEME_EINVAL, label, B, P, 0, 1);
	}
	EXPECT(-MNEME_EINVAL, MNEME_MM_UNMAP, B, P, 1, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_PROTECT, B, P, 8, 0);
	EXPECT(0, MNEME_MM_PROTECT, B, P, MNEME_PROT_READ, 0);
	EXPECT(0, MNEME_MM_PROTECT, B + P, 2 * P, 0, 0);
	EXPECT(0, MNEME_MM_UNMAP, B + 2 * P, P, 0, 0);
	/* SHARE */
	EXPECT(-MNEME_EINVAL, MNEME_MM_SHARE, B, P, other->id, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_SHARE, B, P, other->id, 8);
	EXPECT(-MNEME_ERANGE, MNEME_MM_SHARE, 0x10000, P, other->id, 1);
	EXPECT(-MNEME_ENOENT, MNEME_MM_SHARE, B, 3 * P, other->id, 1);
	EXPECT(-MNEME_EPERM, MNEME_MM_SHARE, B, P, other->id, RW);     /* B is read-only now */
	EXPECT(-MNEME_EPERM, MNEME_MM_SHARE, B + P, P, other->id, 1);  /* no rights at all */
	EXPECT(-MNEME_EDEAD, MNEME_MM_SHARE, B, P, 9999, 1);
	EXPECT(-MNEME_ENOENT, MNEME_MM_SHARE, B, 3 * P, 9999, 1);    /* the range before the receiver */
	unsigned before = other->space->nr_regions;
	struct vm_reply r = req(MNEME_MM_SHARE, B, P, other->id, MNEME_PROT_READ);
	CHECK_EQ(r.status, 0);
	CHECK(r.w[0] != 0);
	CHECK_EQ(other->space->nr_regions, before);           /* offered, not mapped */
	/* SHARE_ACCEPT: only the receiver, only once */
	EXPECT(-MNEME_EINVAL, MNEME_MM_SHARE_ACCEPT, 0, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_SHARE_ACCEPT, r.w[0], 1, 0, 0);
	EXPECT(-MNEME_ENOENT, MNEME_MM_SHARE_ACCEPT, r.w[0], 0, 0, 0);   /* t is not the receiver */
	uint64_t grant = r.w[0];
	struct vm_msg m = { .label = MNEME_MM_SHARE_ACCEPT, .w = { grant } };
	struct vm_reply a = { .x = xbuf };
	vm_request(other->space, &m, &a);
	CHECK_EQ(a.status, 0);
	CHECK(vm_region_find(other->space, a.w[0]) != NULL);
	CHECK_EQ(a.w[1], P);
	CHECK_EQ(a.w[2], MNEME_PROT_READ);
	vm_request(other->space, &m, &a);
	CHECK_EQ(a.status, -MNEME_ENOENT);                 /* used up */
	nr += 3;
}

/* SET_MEMPOLICY, MBIND, GET_MEMPOLICY and the node views (the host environment has node 0 only). */
static void policies(void)
{
	struct vm_reply r;

	EXPECT(-MNEME_EINVAL, MNEME_MM_SET_MEMPOLICY, 5, 1, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_SET_MEMPOLICY, MNEME_MM_MPOL_DEFAULT, 1, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_SET_MEMPOLICY, MNEME_MM_MPOL_LOCAL, 1, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_SET_MEMPOLICY, MNEME_MM_MPOL_BIND, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_SET_MEMPOLICY, MNEME_MM_MPOL_BIND, 3, 0, 0);   /* node 1: offline */
	EXPECT(-MNEME_EINVAL, MNEME_MM_SET_MEMPOLICY, MNEME_MM_MPOL_BIND, 1, 1, 0);   /* an unused word */
	CHECK_EQ(t->space->policy.mode, MPOL_DEFAULT);
	EXPECT(0, MNEME_MM_SET_MEMPOLICY, MNEME_MM_MPOL_BIND, 1, 0, 0);
	r = req(MNEME_MM_GET_MEMPOLICY, 0, 0, 0, 0);
	CHECK_EQ(r.status, 0);
	CHECK_EQ(r.w[0], MNEME_MM_MPOL_BIND);
	CHECK_EQ(r.w[1], 1);
	EXPECT(-MNEME_EINVAL, MNEME_MM_GET_MEMPOLICY, MNEME_MM_MPOL_F_NODE, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_GET_MEMPOLICY, 8, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_GET_MEMPOLICY, 0, MNEME_MM_MAP_BASE, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_GET_MEMPOLICY, MNEME_MM_MPOL_F_ADDR, MNEME_MM_MAP_BASE + 1, 0, 0);
	EXPECT(-MNEME_ERANGE, MNEME_MM_GET_MEMPOLICY, MNEME_MM_MPOL_F_ADDR, VM_VA_LIMIT, 0, 0);
	EXPECT(-MNEME_ENOENT, MNEME_MM_GET_MEMPOLICY, MNEME_MM_MPOL_F_ADDR, MNEME_MM_MAP_END - P, 0, 0);

	r = req(MNEME_MM_MAP_ANON, 0, 4 * P, RW, 0);
	CHECK_EQ(r.status, 0);
	uint64_t va = r.w[0], regions = t->space->nr_regions;
	nr++;
	EXPECT(-MNEME_ENOENT, MNEME_MM_MBIND, MNEME_MM_MAP_END - P, P, MNEME_MM_MPOL_BIND, 1);
	EXPECT(-MNEME_EINVAL, MNEME_MM_MBIND, va + 1, P, MNEME_MM_MPOL_BIND, 1);
	EXPECT(-MNEME_ERANGE, MNEME_MM_MBIND, P, P, MNEME_MM_MPOL_BIND, 1);
	EXPECT(-MNEME_EINVAL, MNEME_MM_MBIND, va, P, MNEME_MM_MPOL_BIND, 2);
	EXPECT(-MNEME_EINVAL, MNEME_MM_MBIND, va, P, 9, 1);
	CHECK_EQ(t->space->nr_regions, regions);
	EXPECT(0, MNEME_MM_MBIND, va + P, P, MNEME_MM_MPOL_INTERLEAVE, 1);
	CHECK_EQ(t->space->nr_regions, regions + 2);
	r = req(MNEME_MM_GET_MEMPOLICY, MNEME_MM_MPOL_F_ADDR, va + P, 0, 0);
	CHECK(r.status == 0 && r.w[0] == MNEME_MM_MPOL_INTERLEAVE && r.w[1] == 1);
	r = req(MNEME_MM_GET_MEMPOLICY, MNEME_MM_MPOL_F_ADDR, va, 0, 0);
	CHECK(r.status == 0 && r.w[0] == MNEME_MM_MPOL_DEFAULT && r.w[1] == 0);
	EXPECT(-MNEME_ENOENT, MNEME_MM_GET_MEMPOLICY, MNEME_MM_MPOL_F_ADDR | MNEME_MM_MPOL_F_NODE, va, 0, 0);
	EXPECT(0, MNEME_MM_MBIND, va + P, P, MNEME_MM_MPOL_DEFAULT, 0);   /* merged again */
	CHECK_EQ(t->space->nr_regions, regions);
	EXPECT(0, MNEME_MM_UNMAP, va, 4 * P, 0, 0);
	EXPECT(0, MNEME_MM_SET_MEMPOLICY, MNEME_MM_MPOL_DEFAULT, 0, 0, 0);

	/* node masks with ALLOC_PAGES and MAP_ANON: only with NODES, not empty, online nodes */
	regions = t->space->nr_regions;
	EXPECT(-MNEME_EINVAL, MNEME_MM_ALLOC_PAGES, 0, RW | MNEME_MM_NODES, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_ALLOC_PAGES, 0, RW, 1, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_ALLOC_PAGES, 0, RW | MNEME_MM_NODES, 2, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_ANON, 0, P, RW, 1);
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_ANON, 0, P, RW | MNEME_MM_NODES, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_MAP_ANON, 0, P, RW | MNEME_MM_NODES, 1ULL << 9);
	CHECK_EQ(t->space->nr_regions, regions);       /* nothing added */
	r = req(MNEME_MM_MAP_ANON, 0, P, RW | MNEME_MM_NODES, 1);
	CHECK_EQ(r.status, 0);
	CHECK(vm_region_find(t->space, r.w[0]) && vm_region_find(t->space, r.w[0])->policy.mode == MPOL_BIND);
	EXPECT(0, MNEME_MM_UNMAP, r.w[0], P, 0, 0);
	r = req(MNEME_MM_ALLOC_PAGES, 1, RW | MNEME_MM_NODES, 1, 0);
	CHECK_EQ(r.status, 0);
	EXPECT(0, MNEME_MM_UNMAP, r.w[0], 2 * P, 0, 0);
	nr += 2;

	EXPECT(-MNEME_EINVAL, MNEME_MM_STATS, MNEME_MM_STAT_ON_NODE(MNEME_MM_STAT_MEMINFO, 1), 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_STATS, MNEME_MM_STAT_ON_NODE(MNEME_MM_STAT_NODE_MEMINFO, 64), 0, 0, 0);
	EXPECT(-MNEME_ENOENT, MNEME_MM_STATS, MNEME_MM_STAT_ON_NODE(MNEME_MM_STAT_NODE_NUMASTAT, 5), 0, 0, 0);
	r = req(MNEME_MM_STATS, MNEME_MM_STAT_ON_NODE(MNEME_MM_STAT_NODE_NUMASTAT, 0), 0, 0, 0);
	CHECK(r.status == 0 && !memcmp(r.x, "numa_hit ", 9));
	nr++;
}

static void stats(void)
{
	EXPECT(-MNEME_EINVAL, MNEME_MM_STATS, 0, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_STATS, MNEME_MM_STAT_MAX + 1, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_STATS, 1, 0, 1, 0);
	for (unsigned what = 1; what <= MNEME_MM_STAT_MAX; what++) {
		struct vm_reply r = req(MNEME_MM_STATS, what, 0, 0, 0);
		CHECK_EQ(r.status, 0);
		CHECK(r.w[0] > 0 && r.w[0] <= MNEME_MM_STATS_CHUNK && r.w[1] >= r.w[0]);
		CHECK_EQ(r.extra, (r.w[0] + 7) / 8);
		uint64_t total = r.w[1], got = 0;
		while (got < total) {
			r = req(MNEME_MM_STATS, what, got, 0, 0);
			CHECK_EQ(r.status, 0);
			if (r.status || !r.w[0])
				break;
			got += r.w[0];
		}
		CHECK_EQ(got, total);
		EXPECT(0, MNEME_MM_STATS, what, total, 0, 0);
		EXPECT(-MNEME_ERANGE, MNEME_MM_STATS, what, total + 1, 0, 0);
		EXPECT(-MNEME_ERANGE, MNEME_MM_STATS, what, ~0ULL, 0, 0);
	}
	CHECK_EQ(req(MNEME_MM_STATS, MNEME_MM_STAT_BUDDYINFO, 0, 0, 0).status, 0);
	CHECK(!memcmp(xbuf, "Node 0, zone", 12));
}

static int spawn(const char *name, unsigned extra, uint64_t x0, uint64_t x1, const char *args,
		 bool handle, struct vm_spawn_req *out)
{
	uint64_t x[MNEME_IPC_BUFFER_WORDS] = { x0, x1 };
	struct vm_msg m = { .label = MNEME_MM_SPAWN, .extra = extra, .handle = handle, .x = x };

	memcpy(m.w, name, strlen(name) < 32 ? strlen(name) : 32);
	if (args)
		memcpy(&x[2], args, strlen(args));
	return vm_spawn_decode(&m, out);
}

static void lifecycle(void)
{
	struct vm_spawn_req r;
	uint64_t child;

	CHECK_EQ(spawn("hello", 2, 0, 0, NULL, false, &r), 0);
	CHECK(!strcmp(r.prog, "hello") && r.quota == 0 && !r.args[0]);
	CHECK_EQ(spawn("hello", 4, MNEME_MM_SPAWN_SHARE | 300ULL << 32, 0x20000000, "a=1 b", true, &r), 0);
	CHECK(!strcmp(r.args, "a=1 b") && r.quota == 300 * 4096 && r.share_va == 0x20000000 && r.handle);
	CHECK_EQ(spawn("0123456789abcdef0123456789abcdef", 2, 0, 0, NULL, false, &r), 0);
	CHECK_EQ(strlen(r.prog), 32);
	CHECK_EQ(spawn("", 2, 0, 0, NULL, false, &r), -MNEME_EINVAL);                 /* no name */
	CHECK_EQ(spawn("hello", 1, 0, 0, NULL, false, &r), -MNEME_EINVAL);            /* too few extras */
	CHECK_EQ(spawn("hello", 2 + 17, 0, 0, NULL, false, &r), -MNEME_EINVAL);       /* too many */
	CHECK_EQ(spawn("hello", 2, 0x10, 0, NULL, false, &r), -MNEME_EINVAL);         /* unknown flag */
	CHECK_EQ(spawn("hello", 2, 3, 0, NULL, true, &r), -MNEME_EINVAL);             /* PAGER|NOPAGER */
	CHECK_EQ(spawn("hello", 2, 1, 0, NULL, false, &r), -MNEME_EINVAL);            /* PAGER, no handle */
	CHECK_EQ(spawn("hello", 2, 4, 0x123, NULL, false, &r), -MNEME_EINVAL);        /* share misaligned */
	CHECK_EQ(spawn("hello", 2, 0, 0x1000, NULL, false, &r), -MNEME_EINVAL);       /* share word, no flag */
	CHECK_EQ(spawn("hello", 3, 0, 0, "12345678", false, &r), -MNEME_EINVAL);      /* args unterminated */
	/* oom_score_adj in bits 16..31: -1000..1000, anything else refused */
	CHECK_EQ(spawn("hello", 2, MNEME_MM_SPAWN_OOM_ADJ(-1000), 0, NULL, false, &r), 0);
	CHECK_EQ(r.oom_score_adj, -1000);
	CHECK_EQ(spawn("hello", 2, MNEME_MM_SPAWN_OOM_ADJ(1000) | 5ULL << 32, 0, NULL, false, &r), 0);
	CHECK(r.oom_score_adj == 1000 && r.quota == 5 * 4096 && r.flags == 0);
	CHECK_EQ(spawn("hello", 2, MNEME_MM_SPAWN_OOM_ADJ(1001), 0, NULL, false, &r), -MNEME_EINVAL);
	CHECK_EQ(spawn("hello", 2, MNEME_MM_SPAWN_OOM_ADJ(-1001), 0, NULL, false, &r), -MNEME_EINVAL);
	CHECK_EQ(spawn("hello", 2, 0, 0, NULL, false, &r), 0);
	CHECK_EQ(r.oom_score_adj, 0);
	/* SPAWN_CLONE: w0, w1 a range of the window (or 0, 0), w2 = w3 = 0, no pager or share. */
	uint64_t cx[4] = { MNEME_MM_SPAWN_CLONE };
	struct vm_msg c = { .label = MNEME_MM_SPAWN, .extra = 2, .x = cx };
	CHECK_EQ(vm_spawn_decode(&c, &r), 0);
	CHECK(r.clone_start == 0 && r.clone_len == 0 && !r.prog[0]);
	c.w[0] = B, c.w[1] = 4 * P;
	CHECK_EQ(vm_spawn_decode(&c, &r), 0);
	CHECK(r.clone_start == B && r.clone_len == 4 * P);
	c.w[1] = 0;
	CHECK_EQ(vm_spawn_decode(&c, &r), -MNEME_EINVAL);
	c.w[0] = B + 1, c.w[1] = P;
	CHECK_EQ(vm_spawn_decode(&c, &r), -MNEME_EINVAL);
	c.w[0] = 0x1000;
	CHECK_EQ(vm_spawn_decode(&c, &r), -MNEME_ERANGE);
	c.w[0] = B, c.w[2] = 1;
	CHECK_EQ(vm_spawn_decode(&c, &r), -MNEME_EINVAL);
	c.w[2] = 0;
	cx[0] = MNEME_MM_SPAWN_CLONE | MNEME_MM_SPAWN_NOPAGER;
	CHECK_EQ(vm_spawn_decode(&c, &r), -MNEME_EINVAL);
	cx[0] = MNEME_MM_SPAWN_CLONE | MNEME_MM_SPAWN_SHARE, cx[1] = 0x20000000;
	CHECK_EQ(vm_spawn_decode(&c, &r), -MNEME_EINVAL);
	uint64_t x[4] = { 0 };
	struct vm_msg m = { .label = MNEME_MM_SPAWN, .extra = 2, .x = x };
	memcpy(m.w, "ab\0c", 4);
	CHECK_EQ(vm_spawn_decode(&m, &r), -MNEME_EINVAL);                             /* bytes after NUL */
	struct vm_msg s = { .label = MNEME_MM_STATUS, .w = { 77 } };
	CHECK_EQ(vm_lifecycle_decode(&s, &child), 0);
	CHECK_EQ(child, 77);
	s.w[1] = 1;
	CHECK_EQ(vm_lifecycle_decode(&s, &child), -MNEME_EINVAL);
	s = (struct vm_msg){ .label = MNEME_MM_KILL, .w = { 5 }, .extra = 1 };
	CHECK_EQ(vm_lifecycle_decode(&s, &child), -MNEME_EINVAL);
	s = (struct vm_msg){ .label = MNEME_MM_PING, .handle = true };
	CHECK_EQ(vm_lifecycle_decode(&s, &child), -MNEME_EINVAL);
	s = (struct vm_msg){ .label = MNEME_MM_MAP_CHILD, .w = { 5, 0x30000000, 3, 0xab } };
	CHECK_EQ(vm_lifecycle_decode(&s, &child), 0);
	s.w[3] = 256;
	CHECK_EQ(vm_lifecycle_decode(&s, &child), -MNEME_EINVAL);
	s.w[3] = 1;
	s.w[2] = 0;
	CHECK_EQ(vm_lifecycle_decode(&s, &child), -MNEME_EINVAL);
	s.w[2] = 1;
	s.w[1] = 0x30000010;
	CHECK_EQ(vm_lifecycle_decode(&s, &child), -MNEME_EINVAL);
	s.label = MNEME_MM_USAGE;
	CHECK_EQ(vm_lifecycle_decode(&s, &child), -MNEME_ENOSYS);
	nr += 35;
}

/* A request with extra words @x (MAP_FILE's name, OBJ_MAP's offset). */
static struct vm_reply reqx(uint32_t label, const uint64_t w[4], unsigned extra, const uint64_t *x)
{
	struct vm_msg m = { .label = label, .extra = extra, .x = x };
	struct vm_reply r = { .x = xbuf };

	memcpy(m.w, w, sizeof(m.w));
	vm_request(t->space, &m, &r);
	return r;
}

static const char file_bytes[3 * 4096 + 10] = { 'x' };

static void objects(void)
{
	uint64_t name[4] = { 0 }, w[4];

	fake_file_add("decode_file", file_bytes, sizeof(file_bytes));
	memcpy(name, "decode_file", 11);
	/* MAP_FILE: 4 extra words (the name), rights, offset, shared means read-only. */
	w[0] = 0, w[1] = P, w[2] = MNEME_PROT_READ, w[3] = 0;
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 4, name).status, 0);
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 4, name).w[1], sizeof(file_bytes));
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 3, name).status, -MNEME_EINVAL);
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 5, name).status, -MNEME_EINVAL);
	w[2] = RW;
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 4, name).status, -MNEME_EPERM);
	w[2] = RW | MNEME_MM_PRIVATE;
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 4, name).status, 0);
	w[2] = MNEME_PROT_READ | MNEME_MM_HUGE;
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 4, name).status, -MNEME_EINVAL);
	w[2] = 0;
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 4, name).status, -MNEME_EINVAL);
	w[2] = MNEME_PROT_READ, w[3] = 100;
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 4, name).status, -MNEME_EINVAL);
	w[3] = 3 * P, w[1] = 2 * P;
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 4, name).status, -MNEME_ERANGE);
	w[3] = 0, w[1] = P;
	uint64_t bad[4] = { 0 };
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 4, bad).status, -MNEME_EINVAL);          /* empty name */
	memcpy(bad, "no_file", 7);
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 4, bad).status, -MNEME_ENOENT);
	bad[3] = 1;
	CHECK_EQ(reqx(MNEME_MM_MAP_FILE, w, 4, bad).status, -MNEME_EINVAL);          /* bytes after the NUL */
	/* QUERY. */
	EXPECT(-MNEME_EINVAL, MNEME_MM_QUERY, B + 1, 0, 0, 0);
	EXPECT(-MNEME_ERANGE, MNEME_MM_QUERY, VM_VA_LIMIT, 0, 0, 0);
	EXPECT(-MNEME_ENOENT, MNEME_MM_QUERY, 0x7000, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_QUERY, B, 1, 0, 0);
	/* CHECK. */
	EXPECT(0, MNEME_MM_CHECK, 0, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_CHECK, 1, 0, 0, 0);
	/* Objects. */
	EXPECT(-MNEME_EINVAL, MNEME_MM_OBJ_CREATE, 0, RW, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_OBJ_CREATE, P + 1, RW, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_OBJ_CREATE, P, MNEME_PROT_WRITE, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_OBJ_CREATE, P, 8, 0, 0);
	EXPECT(-MNEME_ERANGE, MNEME_MM_OBJ_CREATE, MNEME_MM_OBJ_MAX_SIZE + P, RW, 0, 0);
	EXPECT(-MNEME_EQUOTA, MNEME_MM_OBJ_CREATE, MNEME_MM_OBJ_MAX_SIZE, RW, 0, 0);
	struct vm_reply r = req(MNEME_MM_OBJ_CREATE, 4 * P, RW | MNEME_PROT_EXEC, 0, 0);
	CHECK_EQ(r.status, 0);
	uint64_t h = r.w[0], off = 2 * P;
	w[0] = 0, w[1] = 2 * P, w[2] = RW, w[3] = h;
	CHECK_EQ(reqx(MNEME_MM_OBJ_MAP, w, 1, &off).status, 0);
	CHECK_EQ(reqx(MNEME_MM_OBJ_MAP, w, 2, &off).status, -MNEME_EINVAL);
	w[1] = 3 * P;
	CHECK_EQ(reqx(MNEME_MM_OBJ_MAP, w, 1, &off).status, -MNEME_ERANGE);
	w[1] = P, w[2] = RW | MNEME_PROT_EXEC;
	CHECK_EQ(reqx(MNEME_MM_OBJ_MAP, w, 0, NULL).status, -MNEME_EINVAL);        /* W and X at once */
	w[2] = MNEME_PROT_READ | MNEME_PROT_EXEC;
	CHECK_EQ(reqx(MNEME_MM_OBJ_MAP, w, 0, NULL).status, 0);
	w[2] = RW | MNEME_MM_HUGE;
	CHECK_EQ(reqx(MNEME_MM_OBJ_MAP, w, 0, NULL).status, -MNEME_EINVAL);
	w[2] = RW, w[3] = h + 1;
	CHECK_EQ(reqx(MNEME_MM_OBJ_MAP, w, 0, NULL).status, -MNEME_EBADH);
	w[3] = 0;
	CHECK_EQ(reqx(MNEME_MM_OBJ_MAP, w, 0, NULL).status, -MNEME_EINVAL);
	off = 5;
	w[3] = h;
	CHECK_EQ(reqx(MNEME_MM_OBJ_MAP, w, 1, &off).status, -MNEME_EINVAL);
	EXPECT(-MNEME_EINVAL, MNEME_MM_OBJ_GRANT, h, 0, other->id, 0);
	EXPECT(-MNEME_EDEAD, MNEME_MM_OBJ_GRANT, h, MNEME_PROT_READ, 0xdead, 0);
	EXPECT(-MNEME_EBADH, MNEME_MM_OBJ_GRANT, h + 9, MNEME_PROT_READ, other->id, 0);
	r = req(MNEME_MM_OBJ_GRANT, h, MNEME_PROT_READ, other->id, 0);
	CHECK_EQ(r.status, 0);
	EXPECT(-MNEME_ENOENT, MNEME_MM_OBJ_ACCEPT, r.w[0], 0, 0, 0);                 /* not ours to accept */
	EXPECT(-MNEME_EINVAL, MNEME_MM_OBJ_ACCEPT, 0, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_OBJ_CLOSE, 0, 0, 0, 0);
	EXPECT(-MNEME_EINVAL, MNEME_MM_OBJ_CLOSE, h, 1, 0, 0);
	EXPECT(0, MNEME_MM_OBJ_CLOSE, h, 0, 0, 0);
	EXPECT(-MNEME_EBADH, MNEME_MM_OBJ_CLOSE, h, 0, 0, 0);
	nr += 16;
}

int main(void)
{
	if (vm_env_init()) {
		printf("not ok: environment\n");
		return 1;
	}
	t = fake_task_new(0);
	other = fake_task_new(0);
	printf("TAP version 13\n1..1\n");
	common();
	alloc();
	anon();
	contig();
	ranges();
	stats();
	policies();
	lifecycle();
	objects();
	CHECK_OK(t);
	CHECK_OK(other);
	fake_task_free(t);
	fake_task_free(other);
	printf("%s 1 %d requests: every error path and each success\n",
	       vm_test_failures ? "not ok" : "ok", nr);
	if (vm_test_failures)
		printf("# %d failures\n", vm_test_failures);
	return vm_test_failures != 0;
}
