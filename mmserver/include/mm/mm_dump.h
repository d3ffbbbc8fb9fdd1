/*
 * Text views of the page allocator, in Linux's /proc formats, written into
 * a caller buffer so the memory server can return them over IPC.  Each
 * writes at most @len - 1 bytes plus a NUL (nothing if @len is 0), cuts
 * the text safely when the buffer is short, and returns the bytes written
 * (excluding the NUL).
 */
#ifndef MM_MM_DUMP_H
#define MM_MM_DUMP_H

#include <stddef.h>

size_t buddyinfo_dump(char *buf, size_t len);
size_t pagetypeinfo_dump(char *buf, size_t len);
size_t zoneinfo_dump(char *buf, size_t len);
size_t meminfo_dump(char *buf, size_t len);

/*
 * Walk free lists, per-CPU lists, the memmap and the counters, checking
 * every invariant of the allocator (see mm_check.c).  Returns 0, or
 * -MNEME_ECORRUPT with a description of the first violation in @why.
 */
int mm_check_invariants(char *why, size_t len);

#endif
