/*
 * Compaction (issue 11): the machine's free memory cut into single pages
 * between pages we hold, a 2 MiB block request succeeds by the server
 * moving held pages out of a pageblock; every moved page keeps its bytes
 * for every task that maps it: our private pages, pages a clone shares
 * with us copy-on-write (the clone checks its own view), and page-cache
 * pages of a file.  Judged by outcomes: contents, physical addresses
 * (some held pages now live elsewhere), the vmstat counters.  Boot with
 * zstore=off (reclaim must not take the pages instead).
 */
#include <libmm/libmm.h>
#include "common.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define PG 4096u
#define MAX_PAGES (48u << 8)        /* 48 MiB per region at most */

static char text[8192];

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

static uint64_t word(uint64_t page, unsigned i)
{
	return (page + 1) * 0x9e3779b97f4a7c15ull ^ i;
}

static bool page_right(const volatile uint64_t *p, uint64_t page)
{
	for (unsigned i = 0; i < PG / 8; i++)
		if (p[i] != word(page, i))
			return false;
	return true;
}

static uint64_t pa_of(const void *va)
{
	struct mm_page_info info;

	return mm_query(va, &info) ? 0 : info.pa;
}

static uint8_t *priv, *cow;          /* our region, the clone's copy-on-write window */
static uint64_t pages;
static uint64_t pa_priv[MAX_PAGES], pa_cow[MAX_PAGES];

/* The clone: wait until compaction succeeded past @since, then check the window. */
static int clone_main(uint64_t since)
{
	while (stat_value(MNEME_MM_STAT_VMSTAT, "compact_success") <= since)
		mneme_yield();
	unsigned bad = 0;
	for (uint64_t i = 0; i < pages; i++)
		bad += !page_right((const volatile uint64_t *)(cow + i * PG), 2 * i + 1);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *role = ulib_arg(argc, argv, "role");
	struct ktap k;

	if (role && !strcmp(role, "cow")) {
		pages = ulib_strtou(ulib_arg(argc, argv, "pages"));
		priv = (uint8_t *)(uintptr_t)ulib_strtou(ulib_arg(argc, argv, "priv"));
		cow = (uint8_t *)(uintptr_t)ulib_strtou(ulib_arg(argc, argv, "cow"));
		return clone_main(ulib_strtou(ulib_arg(argc, argv, "since")));
	}
	ktap_begin(&k, "compact", 1);
	uint64_t free_kb = stat_value(MNEME_MM_STAT_MEMINFO, "MemFree");
	pages = free_kb / 4 * 3 / 4 / 2;            /* both regions: three quarters of the free memory */
	if (pages > MAX_PAGES)
		pages = MAX_PAGES;
	KTAP_EXPECT_EQ(&k, mm_map_anon(NULL, pages * PG, RW, (void **)&priv), 0);
	KTAP_EXPECT_EQ(&k, mm_map_anon(NULL, pages * PG, RW, (void **)&cow), 0);
	/* Touched two pages at a time each, so neighbouring frames alternate between them. */
	for (uint64_t i = 0; i < pages; i += 2)
		for (unsigned r = 0; r < 2; r++)
			for (uint64_t j = i; j < i + 2 && j < pages; j++) {
				volatile uint64_t *p = (volatile uint64_t *)((r ? cow : priv) + j * PG);
				for (unsigned w = 0; w < PG / 8; w++)
					p[w] = word(2 * j + r, w);
			}
	/* A file in the page cache, read through. */
	const volatile uint8_t *file;
	uint64_t fsize;
	static uint8_t fcopy[4 * PG];
	KTAP_EXPECT_EQ(&k, mm_map_file("t_compact", 0, sizeof(fcopy), MNEME_PROT_READ, NULL,
				       (void **)&file, &fsize), 0);
	for (unsigned i = 0; i < sizeof(fcopy); i++)
		fcopy[i] = file[i];
	uint64_t file_pa = pa_of((const void *)file);

	/* The clone shares the window copy-on-write and checks it after compaction. */
	char args[160];
	uint64_t since = stat_value(MNEME_MM_STAT_VMSTAT, "compact_success"), child = 0;
	snprintf(args, sizeof(args), "role=cow pages=%llu priv=%llu cow=%llu since=%llu",
		 (unsigned long long)pages, (unsigned long long)(uintptr_t)priv,
		 (unsigned long long)(uintptr_t)cow, (unsigned long long)since);
	KTAP_EXPECT_EQ(&k, mm_clone((uint64_t)(uintptr_t)cow, pages * PG, args, 0, 0, &child), 0);

	/* Pages on even frames go: the free memory becomes single pages between held ones. */
	uint64_t held = 0;
	for (uint64_t i = 0; i < pages; i++) {
		pa_priv[i] = pa_of(priv + i * PG);
		pa_cow[i] = pa_of(cow + i * PG);
		if (!((pa_priv[i] / PG) & 1)) {
			KTAP_EXPECT_EQ(&k, mm_unmap(priv + i * PG, PG), 0);
			pa_priv[i] = 0;
		} else {
			held++;
		}
		if (!((pa_cow[i] / PG) & 1)) {
			KTAP_EXPECT_EQ(&k, mm_unmap(cow + i * PG, PG), 0);   /* the clone still has it */
			pa_cow[i] = 0;
		}
	}
	KTAP_EXPECT(&k, held > pages / 4);

	/*
	 * 2 MiB blocks until one needs compaction: the first ones may come from
	 * what was free in long blocks; the one that compacts must succeed.
	 */
	uint64_t stall0 = stat_value(MNEME_MM_STAT_VMSTAT, "compact_stall");
	uint64_t migrated0 = stat_value(MNEME_MM_STAT_VMSTAT, "pgmigrate_success");
	uint64_t fail0 = stat_value(MNEME_MM_STAT_VMSTAT, "compact_fail");
	uint64_t blocks = 0;
	bool compacted = false;
	for (unsigned n = 0; n < 256 && !compacted; n++) {
		void *va;
		uint64_t pa, stall = stat_value(MNEME_MM_STAT_VMSTAT, "compact_stall");
		int64_t err = mm_alloc_pages(9, RW, &va, &pa);
		compacted = stat_value(MNEME_MM_STAT_VMSTAT, "compact_stall") != stall;
		if (err) {
			ktap_fail(&k, __FILE__, __LINE__, "2 MiB block %u refused (%lld)", n, (long long)err);
			break;
		}
		KTAP_EXPECT_EQ(&k, pa & ((2u << 20) - 1), 0);
		blocks++;
	}
	KTAP_EXPECT(&k, compacted);
	KTAP_EXPECT_EQ(&k, stat_value(MNEME_MM_STAT_VMSTAT, "compact_stall"), stall0 + 1);
	KTAP_EXPECT_EQ(&k, stat_value(MNEME_MM_STAT_VMSTAT, "compact_success"), since + 1);
	KTAP_EXPECT_EQ(&k, stat_value(MNEME_MM_STAT_VMSTAT, "compact_fail"), fail0);
	uint64_t migrated = stat_value(MNEME_MM_STAT_VMSTAT, "pgmigrate_success") - migrated0;
	KTAP_EXPECT(&k, migrated >= 1 && migrated <= 512);
	KTAP_EXPECT(&k, stat_value(MNEME_MM_STAT_VMSTAT, "compact_isolated") >= 2 * migrated);

	/* Every held page right; the moved ones on other frames. */
	uint64_t moved = 0, bad = 0;
	for (uint64_t i = 0; i < pages; i++) {
		if (pa_priv[i]) {
			bad += !page_right((const volatile uint64_t *)(priv + i * PG), 2 * i);
			moved += pa_of(priv + i * PG) != pa_priv[i];
		}
		if (pa_cow[i]) {
			bad += !page_right((const volatile uint64_t *)(cow + i * PG), 2 * i + 1);
			moved += pa_of(cow + i * PG) != pa_cow[i];
		}
	}
	for (unsigned i = 0; i < sizeof(fcopy); i++)
		bad += file[i] != fcopy[i];
	KTAP_EXPECT_EQ(&k, bad, 0);
	KTAP_EXPECT(&k, moved >= 1 && moved <= migrated);
	int64_t status = -1;
	uint64_t reason = ~0ULL;
	KTAP_EXPECT_EQ(&k, t_join(child, &status, &reason), 0);
	KTAP_EXPECT_EQ(&k, reason, MNEME_EXIT_NORMAL);
	KTAP_EXPECT_EQ(&k, status, 0);              /* the clone's view of every page is right */
	KTAP_EXPECT_EQ(&k, mm_check(), 0);
	ktap_diag(&k, "%llu pages held, %llu 2 MiB blocks, %llu pages moved (file page %s)",
		  (unsigned long long)held, (unsigned long long)blocks, (unsigned long long)migrated,
		  pa_of((const void *)file) != file_pa ? "moved" : "stayed");
	ktap_result(&k, "fragmented_memory_2mib_block_through_compaction_contents_intact");
	return ktap_end(&k);
}
