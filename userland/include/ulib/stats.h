/*
 * The memory server's statistics texts by name (Linux's /proc names:
 * "meminfo", "zoneinfo", "buddyinfo", "pagetypeinfo", "slabinfo",
 * "vmstat", and mneme's "memmap" and "maps"), for programs that show them:
 * the stats app, and the console shell's commands.
 */
#ifndef ULIB_STATS_H
#define ULIB_STATS_H

#include <stdint.h>

/* MNEME_MM_STAT_* of @name, or 0 if there is no such text. */
unsigned ulib_stat_lookup(const char *name);
/* The name of MNEME_MM_STAT_* @what ("?" if none). */
const char *ulib_stat_name(unsigned what);
/* Print the whole text of @what on stdout, as it is.  0 or -MNEME_E*. */
int64_t ulib_stat_print(unsigned what);

#endif
