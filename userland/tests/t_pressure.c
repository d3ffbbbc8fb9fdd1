/*
 * Memory pressure (issue 11): a task touching twice the machine's RAM in
 * compressible data finishes with every byte right (its pages go to the
 * compressed store and come back); with incompressible data the hog is
 * OOM-killed while the workers beside it finish; workers that start
 * faulting only after a hog took all memory finish (the hog is killed);
 * oom_score_adj steers the choice (+1000 goes first, -1000 never).
 * Judged by outcomes: exit reasons, statuses, contents, vmstat counters.
 * Boot with zstore=300% so the store can hold twice RAM.
 */
#include <libmm/libmm.h>
#include "common.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define BIG (1ULL << 40)          /* a quota far above the machine */

static char text[8192];
static uint64_t wmib;             /* a worker's MiB: RAM / 16 */

/* The value of "name value" in a /proc-style text @what, or ~0. */
static uint64_t stat_value(unsigned what, const char *name)
{
	size_t n = strlen(name);

	if (mm_stats_read(what, text, sizeof(text)) <= 0)
		return ~0ULL;
	for (const char *p = text; *p; ) {
		if (!strncmp(p, name, n) && (p[n] == ' ' || p[n] == ':')) {
			p += n + 1;
			while (*p == ' ')
				p++;
			return ulib_strtou(p);
		}
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return ~0ULL;
}

static uint64_t start(struct ktap *k, const char *args, int adj, uint64_t share)
{
	uint64_t child = 0;
	unsigned flags = MNEME_MM_SPAWN_OOM_ADJ(adj) | (share ? MNEME_MM_SPAWN_SHARE : 0);

	KTAP_EXPECT_EQ(k, mm_spawn_quota("p_pressure", args, flags, 0, share, BIG, &child), 0);
	return child;
}

/* Wait for @child; it must end with @reason (and status 0 if it ended normally). */
static void join_as(struct ktap *k, uint64_t child, uint64_t reason, const char *what)
{
	int64_t st = -1;
	uint64_t why = ~0ULL;

	int64_t err;
	uint64_t ust = 0;
	for (unsigned tries = 0; (err = mm_wait(child, 3000, &ust, &why)) == -MNEME_EBUSY && tries < 100000; tries++)
		;   /* reclaim and OOM kills take a while under emulation: the test's timeout judges */
	st = (int64_t)ust;
	KTAP_EXPECT_EQ(k, err, 0);
	if (why != reason || (reason == MNEME_EXIT_NORMAL && st != 0))
		ktap_fail(k, __FILE__, __LINE__, "%s: reason %llu (%s) status %lld, wanted %s", what,
			  (unsigned long long)why, mneme_exit_reason_name(why), (long long)st,
			  mneme_exit_reason_name(reason));
}

/* Wait until the shared word @flag is set (the child holds its memory). */
static void wait_flag(struct ktap *k, volatile uint64_t *flag, uint64_t child)
{
	uint64_t state = 0, status, reason;

	while (!*flag) {
		KTAP_EXPECT_EQ(k, mm_status(child, &state, &status, &reason), 0);
		if (state != MNEME_MM_STATE_RUNNING) {
			ktap_fail(k, __FILE__, __LINE__, "child ended early (%s, %llu)",
				  mneme_exit_reason_name(reason), (unsigned long long)status);
			return;
		}
		mneme_yield();
	}
}

static void compressible(struct ktap *k, uint64_t total_kib)
{
	char args[64];
	uint64_t out0 = stat_value(MNEME_MM_STAT_VMSTAT, "zswpout");
	uint64_t mib = 2 * total_kib / 1024;

	snprintf(args, sizeof(args), "mode=fill kind=text seed=3 mib=%llu", (unsigned long long)mib);
	join_as(k, start(k, args, 0, 0), MNEME_EXIT_NORMAL, "twice RAM, compressible");
	uint64_t out = stat_value(MNEME_MM_STAT_VMSTAT, "zswpout") - out0;
	printf("%s# %llu MiB written and read back; zswpout +%llu, zswpin %llu\n", ktap_indent(ktap_depth + 1),
	       (unsigned long long)mib, (unsigned long long)out,
	       (unsigned long long)stat_value(MNEME_MM_STAT_VMSTAT, "zswpin"));
	/* more than RAM was written: at least the excess went through the store */
	KTAP_EXPECT(k, out >= (mib << 8) - (total_kib >> 2));
}

static void incompressible(struct ktap *k)
{
	uint64_t w[4], kills = stat_value(MNEME_MM_STAT_VMSTAT, "oom_kill");
	char args[64];

	for (unsigned i = 0; i < 2; i++) {
		snprintf(args, sizeof(args), "mode=fill kind=random seed=%u mib=%llu", 20 + i,
			 (unsigned long long)wmib);
		w[i] = start(k, args, 0, 0);
	}
	for (unsigned i = 2; i < 4; i++) {
		uint64_t c = 0;
		snprintf(args, sizeof(args), "mode=worker seed=%u", 30 + i);
		KTAP_EXPECT_EQ(k, mm_spawn_quota("p_mm", args, 0, 0, 0, 0, &c), 0);
		w[i] = c;
	}
	snprintf(args, sizeof(args), "mode=fill kind=random seed=9 mib=%llu", (unsigned long long)wmib * 48);
	uint64_t hog = start(k, args, 0, 0);      /* 3 x RAM: within what heuristic overcommit accepts */
	join_as(k, hog, MNEME_EXIT_OOM, "incompressible hog");
	for (unsigned i = 0; i < 4; i++)
		join_as(k, w[i], MNEME_EXIT_NORMAL, "worker beside the hog");
	KTAP_EXPECT(k, stat_value(MNEME_MM_STAT_VMSTAT, "oom_kill") > kills);
	KTAP_EXPECT_EQ(k, mm_ping(), 0);
}

static void after_hog(struct ktap *k, volatile uint64_t *flag)
{
	uint64_t w[4];
	char args[64];

	/*
	 * The workers map RAM/16 each and wait; the hog takes all memory (its
	 * requests are refused at the floor), then lets them go: they need a
	 * quarter of RAM between them, incompressible, and memory is gone.
	 */
	*flag = 0;
	for (unsigned i = 0; i < 4; i++) {
		snprintf(args, sizeof(args), "mode=fill kind=random seed=%u mib=%llu flag=%#llx", 40 + i,
			 (unsigned long long)wmib, (unsigned long long)ULIB_SHARED_VA);
		w[i] = start(k, args, 0, (uintptr_t)flag);
	}
	snprintf(args, sizeof(args), "mode=take kind=random seed=5 flag=%#llx",
		 (unsigned long long)ULIB_SHARED_VA);
	uint64_t hog = start(k, args, 0, (uintptr_t)flag);
	for (unsigned i = 0; i < 4; i++)
		join_as(k, w[i], MNEME_EXIT_NORMAL, "worker after the hog");
	join_as(k, hog, MNEME_EXIT_OOM, "hog that took everything");
}

static void score_adj(struct ktap *k, volatile uint64_t *flag)
{
	char args[64];

	*flag = 0;
	snprintf(args, sizeof(args), "mode=hold kind=random mib=%llu flag=%#llx", (unsigned long long)wmib * 2,
		 (unsigned long long)ULIB_SHARED_VA);
	uint64_t first = start(k, args, 1000, (uintptr_t)flag);
	wait_flag(k, flag, first);
	*flag = 0;
	snprintf(args, sizeof(args), "mode=hold kind=random mib=%llu flag=%#llx", (unsigned long long)wmib * 5,
		 (unsigned long long)ULIB_SHARED_VA);
	uint64_t kept = start(k, args, -1000, (uintptr_t)flag);
	wait_flag(k, flag, kept);
	snprintf(args, sizeof(args), "mode=fill kind=random seed=11 mib=%llu", (unsigned long long)wmib * 48);
	uint64_t hog = start(k, args, 0, 0);
	/* the +1000 holder (RAM/8) goes first though smaller; then the hog; never the -1000 one (RAM * 5/16) */
	join_as(k, first, MNEME_EXIT_OOM, "oom_score_adj 1000");
	join_as(k, hog, MNEME_EXIT_OOM, "hog");
	uint64_t state = 0, status, reason;
	KTAP_EXPECT_EQ(k, mm_status(kept, &state, &status, &reason), 0);
	KTAP_EXPECT_EQ(k, state, MNEME_MM_STATE_RUNNING);
	KTAP_EXPECT_EQ(k, mm_kill(kept), 0);
	join_as(k, kept, MNEME_EXIT_DESTROYED, "oom_score_adj -1000");
}

int main(int argc, char **argv)
{
	struct ktap k;
	void *page = NULL;

	(void)argc, (void)argv;
	ktap_begin(&k, "pressure", 4);
	uint64_t total = stat_value(MNEME_MM_STAT_MEMINFO, "MemTotal");
	KTAP_EXPECT(&k, total != ~0ULL && total >= 16 << 10);
	wmib = total / 1024 / 16;
	KTAP_EXPECT_EQ(&k, mm_map_anon(NULL, 4096, RW | MNEME_MM_POPULATE, &page), 0);
	volatile uint64_t *flag = page;

	compressible(&k, total);
	ktap_result(&k, "compressible_twice_ram_every_byte_right");
	incompressible(&k);
	ktap_result(&k, "incompressible_hog_oom_killed_workers_finish");
	after_hog(&k, flag);
	ktap_result(&k, "workers_after_hog_took_everything_finish");
	score_adj(&k, flag);
	ktap_result(&k, "oom_score_adj_chooses_and_protects");
	KTAP_EXPECT_EQ(&k, mm_unmap(page, 4096), 0);
	return ktap_end(&k);
}
