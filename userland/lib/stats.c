/*
 * Statistics texts by name (see ulib/stats.h).
 */
#include <libmm/libmm.h>
#include <stdio.h>
#include <string.h>
#include <ulib/stats.h>

static const char *const names[] = {
	[MNEME_MM_STAT_BUDDYINFO] = "buddyinfo",
	[MNEME_MM_STAT_ZONEINFO] = "zoneinfo",
	[MNEME_MM_STAT_SLABINFO] = "slabinfo",
	[MNEME_MM_STAT_MEMINFO] = "meminfo",
	[MNEME_MM_STAT_MEMMAP] = "memmap",
	[MNEME_MM_STAT_MAPS] = "maps",
	[MNEME_MM_STAT_PAGETYPEINFO] = "pagetypeinfo",
	[MNEME_MM_STAT_VMSTAT] = "vmstat",
	[MNEME_MM_STAT_PAGECACHE] = "pagecache",
	[MNEME_MM_STAT_TASKS] = "tasks",
	[MNEME_MM_STAT_NODE_MEMINFO] = "node0/meminfo",   /* node 0's; others with MNEME_MM_STAT_ON_NODE */
	[MNEME_MM_STAT_NODE_NUMASTAT] = "node0/numastat",
	[MNEME_MM_STAT_NODE_DISTANCE] = "node0/distance",
	[MNEME_MM_STAT_NODE_CPULIST] = "node0/cpulist",
};
_Static_assert(sizeof(names) / sizeof(names[0]) == MNEME_MM_STAT_MAX + 1, "a name for every text");

unsigned ulib_stat_lookup(const char *name)
{
	for (unsigned w = 1; w <= MNEME_MM_STAT_MAX; w++)
		if (names[w] && !strcmp(names[w], name))
			return w;
	return 0;
}

const char *ulib_stat_name(unsigned what)
{
	return what && what <= MNEME_MM_STAT_MAX && names[what] ? names[what] : "?";
}

int64_t ulib_stat_print(unsigned what)
{
	char chunk[MNEME_MM_STATS_CHUNK + 1];
	uint64_t total = 0, off = 0;

	do {
		size_t got;
		int64_t st = mm_stats(what, off, chunk, MNEME_MM_STATS_CHUNK, &got, &total);
		if (st)
			return st;
		fwrite(chunk, 1, got, stdout);   /* printf would cut a chunk at BUFSIZ */
		off += got;
		if (!got)
			break;
	} while (off < total);
	fflush(stdout);
	return 0;
}
