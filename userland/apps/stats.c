/*
 * stats: print the memory server's statistics in Linux's /proc formats.
 *
 *   ./mneme run --prog stats                      meminfo
 *   ./mneme run --prog stats zoneinfo slabinfo    each text after a line
 *                                                 "==> /proc/NAME <==" (as head(1)
 *                                                 frames several files)
 *   ./mneme run --prog stats all                  every text
 *   hold=KIB                                      first map and touch KIB KiB of
 *                                                 anonymous memory (and one 2 MiB
 *                                                 huge page when KIB >= 4096), so the
 *                                                 tasks' lines are not zero
 *
 * Names: meminfo zoneinfo buddyinfo pagetypeinfo slabinfo vmstat memmap maps.
 * Exits 0, or 2 for an unknown name, 1 if a text could not be read.
 */
#include <libmm/libmm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulib/stats.h>
#include <ulib/ulib.h>

static int hold(unsigned long kib)
{
	void *va;
	size_t len = (size_t)kib << 10;

	if (!len)
		return 0;
	if (mm_map_anon(NULL, len, MNEME_PROT_READ | MNEME_PROT_WRITE, &va))
		return 1;
	for (size_t off = 0; off < len; off += 4096)
		((volatile char *)va)[off] = 1;
	if (kib >= 4096) {
		if (mm_map_anon(NULL, 2 << 20, MNEME_PROT_READ | MNEME_PROT_WRITE | MNEME_MM_HUGE, &va))
			return 1;
		*(volatile char *)va = 1;
	}
	return 0;
}

static int show(unsigned what, int framed)
{
	int64_t st;

	if (framed)
		printf("==> /proc/%s <==\n", ulib_stat_name(what));
	st = ulib_stat_print(what);
	if (st) {
		fprintf(stderr, "stats: %s: %s\n", ulib_stat_name(what), mneme_strerror(st));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned whats[MNEME_MM_STAT_MAX + 1];
	int n = 0, bad = 0;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "hold=", 5)) {
			if (hold(strtoul(argv[i] + 5, NULL, 10))) {
				fprintf(stderr, "stats: cannot hold %s KiB\n", argv[i] + 5);
				return 1;
			}
		} else if (!strcmp(argv[i], "all")) {
			for (unsigned w = 1; w <= MNEME_MM_STAT_MAX && n <= MNEME_MM_STAT_MAX; w++)
				whats[n++] = w;
		} else if (ulib_stat_lookup(argv[i]) && n <= MNEME_MM_STAT_MAX) {
			whats[n++] = ulib_stat_lookup(argv[i]);
		} else {
			fprintf(stderr, "stats: no text named '%s' (meminfo zoneinfo buddyinfo "
				"pagetypeinfo slabinfo vmstat memmap maps)\n", argv[i]);
			return 2;
		}
	}
	if (!n)
		whats[n++] = MNEME_MM_STAT_MEMINFO;
	for (int i = 0; i < n; i++)
		bad |= show(whats[i], n > 1);
	return bad;
}
