/*
 * Commit accounting (issue 11): the three overcommit modes, one per boot
 * (args: mode=heuristic|always|never; the boot line's overcommit= must
 * match).  heuristic: a mapping larger than RAM plus the compressed store
 * is refused up front, a large one that could fit is accepted; always:
 * nothing is refused up front; never: a mapping past CommitLimit is
 * refused up front, and one that was accepted is backed when touched,
 * with incompressible data, after a hog took everything it could: no
 * fault fails and nobody is OOM-killed.  meminfo shows CommitLimit and
 * Committed_AS.
 */
#include <libmm/libmm.h>
#include "common.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define BIG (1ULL << 40)

static char text[8192];

/* The value of "name value" (or "name: value") in a /proc-style text @what, or ~0. */
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

static uint64_t start(struct ktap *k, const char *args, uint64_t share)
{
	uint64_t child = 0;

	KTAP_EXPECT_EQ(k, mm_spawn_quota("p_pressure", args, share ? MNEME_MM_SPAWN_SHARE : 0, 0, share,
					 BIG, &child), 0);
	return child;
}

/* Wait for @child: its exit status, or -1 (and a failure) if it did not exit normally. */
static int64_t join(struct ktap *k, uint64_t child)
{
	uint64_t st = 0, why = ~0ULL;
	int64_t err;

	for (unsigned tries = 0; (err = mm_wait(child, 3000, &st, &why)) == -MNEME_EBUSY && tries < 100000; tries++)
		;
	KTAP_EXPECT_EQ(k, err, 0);
	KTAP_EXPECT_EQ(k, why, MNEME_EXIT_NORMAL);
	return why == MNEME_EXIT_NORMAL ? (int64_t)st : -1;
}

/* p_pressure mode=reserve: 0 accepted, 1 refused (-ENOMEM). */
static int64_t reserve(struct ktap *k, uint64_t mib)
{
	char args[48];

	snprintf(args, sizeof(args), "mode=reserve mib=%llu", (unsigned long long)mib);
	return join(k, start(k, args, 0));
}

static void wait_word(struct ktap *k, volatile uint64_t *w, uint64_t child)
{
	uint64_t state = 0, status, reason;

	while (!*w) {
		KTAP_EXPECT_EQ(k, mm_status(child, &state, &status, &reason), 0);
		if (state != MNEME_MM_STATE_RUNNING) {
			ktap_fail(k, __FILE__, __LINE__, "child ended early (%llu)", (unsigned long long)status);
			return;
		}
		mneme_yield();
	}
}

/* never: past the limit refused; accepted memory backed after a hog took the rest. */
static void never(struct ktap *k, volatile uint64_t *flag, uint64_t ram_mib)
{
	char args[80];
	uint64_t limit = stat_value(MNEME_MM_STAT_MEMINFO, "CommitLimit") / 1024;   /* MiB */
	uint64_t used = stat_value(MNEME_MM_STAT_MEMINFO, "Committed_AS") / 1024;
	uint64_t kills = stat_value(MNEME_MM_STAT_VMSTAT, "oom_kill");

	KTAP_EXPECT(k, limit > used && limit <= ram_mib / 2 + 1);
	KTAP_EXPECT_EQ(k, reserve(k, limit - used + 8), 1);        /* past the limit */
	KTAP_EXPECT_EQ(k, reserve(k, 64ULL << 10), 1);
	ktap_result(k, "never_refuses_past_commit_limit");

	uint64_t mib = (limit - used) / 4;
	flag[0] = flag[1] = 0;
	snprintf(args, sizeof(args), "mode=fill kind=random seed=4 mib=%llu flag=%#llx", (unsigned long long)mib,
		 (unsigned long long)ULIB_SHARED_VA);
	uint64_t w = start(k, args, (uintptr_t)flag);
	wait_word(k, &flag[1], w);                               /* its mapping is accepted */
	snprintf(args, sizeof(args), "mode=take kind=random seed=6 flag=%#llx", (unsigned long long)ULIB_SHARED_VA);
	uint64_t hog = start(k, args, (uintptr_t)flag);          /* takes the rest, then lets it go */
	KTAP_EXPECT_EQ(k, join(k, w), 0);                        /* every byte right, no fault failed */
	KTAP_EXPECT_EQ(k, stat_value(MNEME_MM_STAT_VMSTAT, "oom_kill"), kills);
	KTAP_EXPECT_EQ(k, mm_kill(hog), 0);
	uint64_t st, why;
	KTAP_EXPECT_EQ(k, mm_wait(hog, 200000, &st, &why), 0);
	KTAP_EXPECT_EQ(k, why, MNEME_EXIT_DESTROYED);
	ktap_result(k, "never_accepted_memory_is_backed");
}

int main(int argc, char **argv)
{
	struct ktap k;
	const char *mode = ulib_arg(argc, argv, "mode");
	void *page = NULL;

	if (!mode)
		mode = "heuristic";
	bool is_never = !strcmp(mode, "never");
	ktap_begin(&k, "commit", is_never ? 3 : 2);
	uint64_t ram = stat_value(MNEME_MM_STAT_MEMINFO, "MemTotal") / 1024;        /* MiB */
	uint64_t limit = stat_value(MNEME_MM_STAT_MEMINFO, "CommitLimit");
	uint64_t used = stat_value(MNEME_MM_STAT_MEMINFO, "Committed_AS");
	KTAP_EXPECT(&k, ram && ram != ~0ULL / 1024 && limit != ~0ULL && used != ~0ULL && used > 0);
	KTAP_EXPECT_EQ(&k, mm_map_anon(NULL, 4096, RW | MNEME_MM_POPULATE, &page), 0);
	KTAP_EXPECT(&k, stat_value(MNEME_MM_STAT_MEMINFO, "Committed_AS") >= used + 4);
	ktap_result(&k, "meminfo_commit_lines");

	if (!strcmp(mode, "heuristic")) {
		KTAP_EXPECT_EQ(&k, reserve(&k, 64ULL << 10), 1);    /* 64 GiB: more than RAM + store */
		KTAP_EXPECT_EQ(&k, reserve(&k, ram + ram / 8), 0);  /* more than RAM, within RAM + store */
		ktap_result(&k, "heuristic_refuses_only_the_impossible");
	} else if (!strcmp(mode, "always")) {
		KTAP_EXPECT_EQ(&k, reserve(&k, 64ULL << 10), 0);    /* 64 GiB accepted */
		ktap_result(&k, "always_refuses_nothing_up_front");
	} else if (is_never) {
		never(&k, page, ram);
	} else {
		ktap_fail(&k, __FILE__, __LINE__, "mode=%s", mode);
	}
	KTAP_EXPECT_EQ(&k, mm_unmap(page, 4096), 0);
	return ktap_end(&k);
}
