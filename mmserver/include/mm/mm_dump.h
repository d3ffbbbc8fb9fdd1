/*
 * Text views of the page allocator in Linux 6.1's /proc formats (byte for
 * byte; a line appears only where its concept exists here, see mm_dump.c),
 * written into a caller buffer so the memory server can return them over
 * IPC.  Each writes at most @len - 1 bytes plus a NUL (nothing if @len is
 * 0), cuts the text safely when the buffer is short, and returns the bytes
 * written (excluding the NUL).  /proc/slabinfo is slabinfo_dump() in
 * <mm/slab.h>.
 */
#ifndef MM_MM_DUMP_H
#define MM_MM_DUMP_H

#include <stddef.h>
#include "mm/mmzone.h"

/* Node @nid's NUMA counter @item, summed over its zones and every CPU. */
unsigned long mm_node_numa_event(int nid, enum numa_stat_item item);

size_t buddyinfo_dump(char *buf, size_t len);
size_t pagetypeinfo_dump(char *buf, size_t len);
size_t zoneinfo_dump(char *buf, size_t len);
size_t meminfo_dump(char *buf, size_t len);
size_t vmstat_dump(char *buf, size_t len);
/*
 * A node's sysfs files (/sys/devices/system/node/nodeN/...) in Linux 6.1's
 * formats: meminfo (the lines that exist here), numastat, distance, cpulist.  An
 * offline node renders as empty text.
 */
size_t node_meminfo_dump(int nid, char *buf, size_t len);
size_t node_numastat_dump(int nid, char *buf, size_t len);
size_t node_distance_dump(int nid, char *buf, size_t len);
/* nodeN/cpulist: the CPUs of the node as ranges ("0-1,4"), from the CPU-to-node map. */
size_t node_cpulist_dump(int nid, char *buf, size_t len);

/*
 * What the mm core cannot count itself: the memory its user hands to
 * tasks, and events it sees.  The provider set with mm_dump_set_usage()
 * (the memory server's) fills it each time a view is rendered; without
 * one, these values are 0.
 */
struct mm_dump_usage {
	unsigned long anon_pages;       /* frames mapped into tasks, each counted once (AnonPages) */
	unsigned long anon_huge;        /* 2 MiB mappings among them, in huge pages (AnonHugePages) */
	unsigned long pagetable_pages;  /* page-table frames of tasks (PageTables) */
	unsigned long committed_pages;  /* address space tasks have mapped, lazy included (Committed_AS) */
	unsigned long commit_limit;     /* pages the commit policy allows (CommitLimit) */
	unsigned long pgfault;          /* page faults of tasks (pgfault) */
	unsigned long oom_kill;         /* tasks killed for want of memory (oom_kill) */
	/* reclaim's events, in vmstat's names (Linux's vm_event_item) */
	unsigned long pgactivate, pgdeactivate, pgrefill;
	unsigned long pgsteal_kswapd, pgsteal_direct, pgscan_kswapd, pgscan_direct;
	unsigned long pgscan_anon, pgscan_file, pgsteal_anon, pgsteal_file;
	unsigned long pageoutrun;       /* background reclaim passes */
	unsigned long zswpin, zswpout;  /* pages into and out of the compressed store */
};
void mm_dump_set_usage(void (*fn)(struct mm_dump_usage *u));
/* CPUs whose per-CPU lists zoneinfo shows (Linux: the online ones); MM_NR_CPUS until set. */
void mm_dump_set_online_cpus(unsigned n);

/* Linux's MemAvailable: free pages less the reserves (no page cache, no reclaimable slab here). */
unsigned long mm_available_pages(void);

/*
 * Walk free lists, per-CPU lists, the memmap and the counters, checking
 * every invariant of the allocator (see mm_check.c).  Returns 0, or
 * -MNEME_ECORRUPT with a description of the first violation in @why.
 */
int mm_check_invariants(char *why, size_t len);

#endif
