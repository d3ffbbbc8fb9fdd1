/*
 * The memory service (mneme/mm_proto.h through libmm): each request's
 * success and its error paths, demand paging page by page, huge and
 * contiguous mappings, splitting unmap/protect, sharing with a child,
 * statistics, rights violations that kill only the offender, and
 * isolation between tasks.  The server checks after the program that
 * every frame came back and its invariants hold.
 */
#include <libmm/libmm.h>
#include <malloc.h>
#include "common.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define PG 4096UL

static uint64_t resident(void)
{
	struct mneme_mm_usage u = { 0 };

	return mm_usage(&u) ? ~0ULL : u.resident;
}

/* Start p_mm with @args and wait: its exit reason (MNEME_EXIT_*), status in *status. */
static uint64_t child_run(struct ktap *k, const char *args, int64_t *status)
{
	uint64_t child = 0, reason = ~0ULL;
	int64_t st = 0;

	KTAP_EXPECT_EQ(k, mm_spawn("p_mm", args, 0, 0, 0, &child), 0);
	KTAP_EXPECT_EQ(k, t_join(child, &st, &reason), 0);
	if (status)
		*status = st;
	return reason;
}

static void test_alloc_pages(struct ktap *k)
{
	static const unsigned pf[] = { RW, RW | MNEME_MM_ZONE_DMA32, RW | MNEME_MM_ZONE_DMA,
				       RW | MNEME_MM_ZERO };
	void *va;
	uint64_t pa;

	for (unsigned o = 0; o <= MNEME_MM_MAX_ORDER; o += 2) {
		for (unsigned f = 0; f < 4; f++) {
			if (mm_alloc_pages(o, pf[f], &va, &pa)) {
				ktap_fail(k, __FILE__, __LINE__, "order %u pf %#x refused", o, pf[f]);
				continue;
			}
			uint64_t *w = va;
			size_t n = (PG << o) / 8;
			KTAP_EXPECT(k, !((uintptr_t)va & ((PG << o) - 1)) && !(pa & ((PG << o) - 1)));
			KTAP_EXPECT(k, !(pf[f] & MNEME_MM_ZONE_DMA32) || pa + (PG << o) <= (1ULL << 32));
			KTAP_EXPECT(k, w[0] == 0 && w[n - 1] == 0);
			w[0] = w[n - 1] = 0x1234;
			KTAP_EXPECT_EQ(k, mm_free_pages(va, o), 0);
		}
	}
	KTAP_EXPECT_EQ(k, mm_alloc_pages(MNEME_MM_MAX_ORDER + 1, RW, &va, &pa), -MNEME_ERANGE);
	KTAP_EXPECT_EQ(k, mm_alloc_pages(0, 0, &va, &pa), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_alloc_pages(0, RW | MNEME_MM_POPULATE, &va, &pa), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_alloc_pages(0, RW | 0x80000, &va, &pa), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_alloc_pages(0, RW | MNEME_MM_ZONE_DMA | MNEME_MM_ZONE_DMA32, &va, &pa),
		       -MNEME_EINVAL);
	uint64_t w[4] = { 0, RW }, r[4];
	KTAP_EXPECT_EQ(k, mm_request_raw(MNEME_MM_ALLOC_PAGES, w, 0, r) , 0);
	KTAP_EXPECT_EQ(k, mm_unmap((void *)(uintptr_t)r[0], PG), 0);
	w[2] = 7;   /* an unused word must be 0 */
	KTAP_EXPECT_EQ(k, mm_request_raw(MNEME_MM_ALLOC_PAGES, w, 0, r), -MNEME_EINVAL);
	ktap_result(k, "alloc_pages_orders_zones_and_errors");
}

static void test_anon(struct ktap *k)
{
	void *va;
	uint64_t before = resident();

	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 16 * PG, RW, &va), 0);
	KTAP_EXPECT_EQ(k, resident(), before);
	for (unsigned i = 0; i < 16; i++) {
		volatile uint8_t *p = (uint8_t *)va + i * PG;
		KTAP_EXPECT_EQ(k, p[100], 0);
		p[100] = (uint8_t)i;
		KTAP_EXPECT_EQ(k, resident(), before + i + 1);
	}
	for (unsigned i = 0; i < 16; i++)
		KTAP_EXPECT_EQ(k, ((volatile uint8_t *)va)[i * PG + 100], i);
	KTAP_EXPECT_EQ(k, mm_unmap(va, 16 * PG), 0);
	KTAP_EXPECT_EQ(k, resident(), before);
	ktap_result(k, "demand_paging_page_by_page");

	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 8 * PG, RW | MNEME_MM_POPULATE, &va), 0);
	KTAP_EXPECT_EQ(k, resident(), before + 8);
	KTAP_EXPECT_EQ(k, mm_unmap(va, 8 * PG), 0);
	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 0, RW, &va), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 100, RW, &va), -MNEME_EINVAL);
	KTAP_EXPECT(k, mm_map_anon(NULL, 1ULL << 62, RW, &va) < 0);
	KTAP_EXPECT(k, mm_map_anon(NULL, MNEME_MM_MAP_MAX + PG, RW, &va) < 0);
	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, PG, RW | MNEME_MM_ZONE_DMA, &va), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_map_anon((void *)(MNEME_MM_MAP_BASE + 100), PG, RW | MNEME_MM_FIXED, &va),
		       -MNEME_EINVAL);
	void *fixed = (void *)(MNEME_MM_MAP_BASE + (100ULL << 30));
	KTAP_EXPECT_EQ(k, mm_map_anon(fixed, 4 * PG, RW | MNEME_MM_FIXED, &va), 0);
	KTAP_EXPECT(k, va == fixed);
	KTAP_EXPECT_EQ(k, mm_map_anon((char *)fixed + PG, PG, RW | MNEME_MM_FIXED, &va), -MNEME_EBUSY);
	KTAP_EXPECT(k, mm_map_anon((void *)0x1000, PG, RW | MNEME_MM_FIXED, &va) < 0);
	KTAP_EXPECT_EQ(k, mm_unmap(fixed, 4 * PG), 0);
	ktap_result(k, "map_anon_populate_fixed_and_errors");
}

static void test_contig_huge(struct ktap *k)
{
	void *va;
	uint64_t pa;
	struct mneme_mm_usage u;

	KTAP_EXPECT_EQ(k, mm_map_contig(64 * 1024, 1ULL << 32, 64 * 1024, RW | MNEME_MM_ZERO, &va, &pa), 0);
	KTAP_EXPECT(k, pa + 64 * 1024 <= (1ULL << 32) && !(pa & 0xffff));
	((volatile uint64_t *)va)[8191] = 1;
	KTAP_EXPECT_EQ(k, mm_unmap(va, 64 * 1024), 0);
	KTAP_EXPECT_EQ(k, mm_map_contig(PG, 1ULL << 32, 3 * PG, RW, &va, &pa), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_map_contig(0, 0, 0, RW, &va, &pa), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_map_contig(PG, 0, 0, 0, &va, &pa), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_map_contig(MNEME_MM_CONTIG_MAX_LEN + PG, 0, 0, RW, &va, &pa), -MNEME_ERANGE);
	KTAP_EXPECT_EQ(k, mm_map_contig(1 << 20, 0x2000, 0, RW, &va, &pa), -MNEME_ERANGE);
	/* a limit no free range lies below: the first 64 KiB hold firmware and the core */
	KTAP_EXPECT_EQ(k, mm_map_contig(PG, 0x10000, 0, RW, &va, &pa), -MNEME_ENOMEM);
	ktap_result(k, "map_contig_below_limit_and_errors");

	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 4 << 20, RW | MNEME_MM_HUGE, &va), 0);
	KTAP_EXPECT(k, !((uintptr_t)va & ((2 << 20) - 1)));
	((volatile uint8_t *)va)[5] = 1;
	((volatile uint8_t *)va)[(2 << 20) + 5] = 2;
	KTAP_EXPECT(k, !mm_usage(&u) && u.huge >= 2);
	KTAP_EXPECT_EQ(k, mm_unmap((char *)va + PG, PG), 0);   /* splits a 2 MiB page */
	KTAP_EXPECT_EQ(k, ((volatile uint8_t *)va)[5], 1);
	KTAP_EXPECT_EQ(k, mm_unmap(va, PG), 0);
	KTAP_EXPECT_EQ(k, mm_unmap((char *)va + 2 * PG, (4 << 20) - 2 * PG), 0);
	KTAP_EXPECT_EQ(k, mm_alloc_pages(9, RW | MNEME_MM_HUGE, &va, &pa), 0);
	KTAP_EXPECT(k, !(pa & ((2 << 20) - 1)));
	KTAP_EXPECT_EQ(k, mm_free_pages(va, 9), 0);
	ktap_result(k, "huge_mappings_and_split");
}

static void test_unmap_protect(struct ktap *k)
{
	void *va;
	struct mneme_mm_usage u0, u1;

	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 8 * PG, RW | MNEME_MM_POPULATE, &va), 0);
	KTAP_EXPECT_EQ(k, mm_usage(&u0), 0);
	char *p = va;
	KTAP_EXPECT_EQ(k, mm_protect(p + 2 * PG, 2 * PG, MNEME_PROT_READ), 0);
	KTAP_EXPECT_EQ(k, mm_unmap(p + 5 * PG, PG), 0);
	KTAP_EXPECT_EQ(k, mm_usage(&u1), 0);
	KTAP_EXPECT_EQ(k, u1.regions, u0.regions + 3);
	KTAP_EXPECT_EQ(k, mm_unmap(p + 5 * PG, PG), -MNEME_ENOENT);
	KTAP_EXPECT_EQ(k, mm_unmap(p, 8 * PG), -MNEME_ENOENT);
	KTAP_EXPECT_EQ(k, mm_unmap(p + 1, PG), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_unmap(p, 0), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_protect(p + 5 * PG, PG, MNEME_PROT_READ), -MNEME_ENOENT);
	KTAP_EXPECT_EQ(k, mm_protect(p, PG, 0x80), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_protect(p, PG, 0), 0);
	KTAP_EXPECT_EQ(k, mm_protect(p, PG, RW), 0);
	p[0] = 1;
	KTAP_EXPECT_EQ(k, mm_unmap(p, 5 * PG), 0);
	KTAP_EXPECT_EQ(k, mm_unmap(p + 6 * PG, 2 * PG), 0);
	KTAP_EXPECT_EQ(k, mm_usage(&u1), 0);
	KTAP_EXPECT_EQ(k, u1.regions, u0.regions - 1);
	KTAP_EXPECT_EQ(k, mm_unmap((void *)(uintptr_t)MNEME_LAYOUT_IMAGE_BASE, PG), -MNEME_ERANGE);
	KTAP_EXPECT_EQ(k, mm_unmap((void *)(uintptr_t)0xffffffffff000ULL, PG), -MNEME_ERANGE);
	ktap_result(k, "unmap_protect_split_and_errors");
}

static void test_share_stats(struct ktap *k)
{
	char buf[256], args[80];
	void *va;
	uint64_t their, grant = 0, child = 0, reason;
	void *theirs;
	size_t len;
	unsigned prot;
	int64_t st = -1;

	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, PG, RW, &va), 0);
	*(volatile uint64_t *)va = 0x5a5a;
	/* offered to ourselves: nothing is mapped before we accept, and only once */
	struct mneme_mm_usage u0, u1;
	KTAP_EXPECT_EQ(k, mm_usage(&u0), 0);
	KTAP_EXPECT_EQ(k, mm_share(va, PG, ulib_start->task_id, MNEME_PROT_READ, &grant), 0);
	KTAP_EXPECT_EQ(k, mm_usage(&u1), 0);
	KTAP_EXPECT_EQ(k, u1.regions, u0.regions);
	KTAP_EXPECT_EQ(k, mm_share_accept(grant + 1, &theirs, NULL, NULL), -MNEME_ENOENT);
	KTAP_EXPECT_EQ(k, mm_share_accept(grant, &theirs, &len, &prot), 0);
	KTAP_EXPECT_EQ(k, len, PG);
	KTAP_EXPECT_EQ(k, prot, MNEME_PROT_READ);
	KTAP_EXPECT_EQ(k, mm_share_accept(grant, &theirs, NULL, NULL), -MNEME_ENOENT);
	their = (uintptr_t)theirs;
	KTAP_EXPECT_EQ(k, *(volatile uint64_t *)(uintptr_t)their, 0x5a5a);
	KTAP_EXPECT_EQ(k, mm_protect((void *)(uintptr_t)their, PG, RW), -MNEME_EPERM);
	KTAP_EXPECT_EQ(k, mm_unmap((void *)(uintptr_t)their, PG), 0);
	KTAP_EXPECT_EQ(k, mm_share(va, PG, 12345, MNEME_PROT_READ, &their), -MNEME_EDEAD);
	KTAP_EXPECT_EQ(k, mm_share(va, PG, ulib_start->task_id, MNEME_PROT_READ | MNEME_PROT_EXEC, &their), -MNEME_EPERM);
	KTAP_EXPECT_EQ(k, mm_share(va, PG, ulib_start->task_id, MNEME_PROT_WRITE, &their), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_share((char *)va + PG, PG, ulib_start->task_id, MNEME_PROT_READ, &their),
		       -MNEME_ENOENT);
	/* docs/ipc.md's order: the range (ENOENT, then EPERM for rights) before the receiver (EDEAD) */
	KTAP_EXPECT_EQ(k, mm_share((char *)va + PG, PG, 12345, MNEME_PROT_READ, &their), -MNEME_ENOENT);
	KTAP_EXPECT_EQ(k, mm_share(va, PG, 12345, MNEME_PROT_READ | MNEME_PROT_EXEC, &their), -MNEME_EPERM);
	/* a child gets the page, reads and writes it */
	snprintf(args, sizeof(args), "mode=shared addr=%#llx", (unsigned long long)ULIB_SHARED_VA);
	KTAP_EXPECT_EQ(k, mm_spawn("p_mm", args, MNEME_MM_SPAWN_SHARE, 0, (uintptr_t)va, &child), 0);
	KTAP_EXPECT_EQ(k, t_join(child, &st, &reason), 0);
	KTAP_EXPECT_EQ(k, reason, MNEME_EXIT_NORMAL);
	KTAP_EXPECT_EQ(k, st, 0);
	KTAP_EXPECT_EQ(k, *(volatile uint64_t *)va, 0xa5a5);
	KTAP_EXPECT_EQ(k, mm_unmap(va, PG), 0);
	ktap_result(k, "share_and_errors");

	for (unsigned what = 1; what <= MNEME_MM_STAT_MAX; what++) {
		int64_t n = mm_stats_read(what, buf, sizeof(buf));
		KTAP_EXPECT(k, n > 0);
	}
	KTAP_EXPECT(k, mm_stats_read(0, buf, sizeof(buf)) < 0);
	KTAP_EXPECT(k, mm_stats_read(MNEME_MM_STAT_MAX + 1, buf, sizeof(buf)) < 0);
	size_t got;
	uint64_t total;
	KTAP_EXPECT_EQ(k, mm_stats(MNEME_MM_STAT_MEMINFO, 1 << 20, buf, sizeof(buf), &got, &total),
		       -MNEME_ERANGE);
	struct mneme_mm_usage u;
	KTAP_EXPECT(k, !mm_usage(&u) && u.quota && u.charged <= u.quota && u.regions > 0);
	ktap_result(k, "stats_and_usage");
}

static void test_rights_isolation(struct ktap *k)
{
	static const char *const killers[] = { "mode=ro_write", "mode=exec_anon", "mode=unmapped",
					       "mode=after_unmap" };
	char args[96];
	int64_t st;
	void *va;

	for (unsigned i = 0; i < 4; i++) {
		uint64_t reason = child_run(k, killers[i], &st);
		if (reason != MNEME_EXIT_KILLED)
			ktap_fail(k, __FILE__, __LINE__, "%s: reason %llu status %lld", killers[i],
				  (unsigned long long)reason, (long long)st);
	}
	KTAP_EXPECT_EQ(k, mm_ping(), 0);
	ktap_result(k, "rights_violations_kill_only_the_offender");

	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, PG, RW | MNEME_MM_POPULATE, &va), 0);
	*(volatile uint64_t *)va = 77;
	snprintf(args, sizeof(args), "mode=peek addr=%#llx", (unsigned long long)(uintptr_t)va);
	KTAP_EXPECT_EQ(k, child_run(k, args, &st), MNEME_EXIT_KILLED);
	snprintf(args, sizeof(args), "mode=meddle addr=%#llx parent=%llu",
		 (unsigned long long)(uintptr_t)va, (unsigned long long)ulib_start->task_id);
	KTAP_EXPECT_EQ(k, child_run(k, args, &st), MNEME_EXIT_NORMAL);
	KTAP_EXPECT_EQ(k, st, 0);
	KTAP_EXPECT_EQ(k, *(volatile uint64_t *)va, 77);
	KTAP_EXPECT_EQ(k, mm_unmap(va, PG), 0);
	ktap_result(k, "isolation_between_tasks");
}

static void test_malloc(struct ktap *k)
{
	char *p[64];

	for (unsigned i = 0; i < 64; i++) {
		p[i] = malloc(1 + i * 997);
		KTAP_EXPECT(k, p[i] != NULL);
		if (p[i])
			memset(p[i], (int)i, 1 + i * 997);
	}
	for (unsigned i = 0; i < 64; i++) {
		KTAP_EXPECT(k, !p[i] || (p[i][0] == (char)i && p[i][i * 997] == (char)i));
		free(p[i]);
	}
	int *c = calloc(1000, sizeof(int));
	KTAP_EXPECT(k, c && c[999] == 0);
	c = realloc(c, 100000);
	KTAP_EXPECT(k, c && c[999] == 0);
	free(c);
	KTAP_EXPECT(k, calloc((size_t)1 << 62, 16) == NULL);
	free(NULL);
	ktap_result(k, "malloc_calloc_realloc");
}

int main(int argc, char **argv)
{
	struct ktap k;

	(void)argc, (void)argv;
	ktap_begin(&k, "mm", 11);
	test_alloc_pages(&k);
	test_anon(&k);
	test_contig_huge(&k);
	test_unmap_protect(&k);
	test_share_stats(&k);
	test_rights_isolation(&k);
	test_malloc(&k);
	return ktap_end(&k);
}
