/*
 * The core's record of which frames it uses as page tables: one bit per
 * 4 KiB frame of usable RAM, from bootmem (32 KiB per GiB).
 *
 * A bit is set while the frame is a task's root, waits in a task's pool
 * of page-table frames, is a table linked into a task's tree (the memory
 * server's own included) or is a table the core unlinked and has not yet
 * given back.  The memory server names frames in its calls; every call
 * that takes a frame checks it here: map refuses to map a page-table
 * frame into any task, pt_donate and task_create refuse to take one
 * twice.  So a confused server gets an error instead of giving a task
 * write access to a page table.
 *
 * Concurrency: bits change with atomic read-modify-write operations, so a
 * claim (test and set) is exact without a lock; a bit is cleared only by
 * the party that holds the frame (its task's killer, or the call giving
 * it back), after no CPU can use it as a table any more.  The record does
 * not know which frames are mapped as user pages: a server that donates a
 * frame it still maps into a task is not caught here (the server's frame
 * table rules that out; the core would need a mapping count per frame).
 */
#ifndef CORE_FRAMETYPE_H
#define CORE_FRAMETYPE_H

#include <stdbool.h>
#include <stdint.h>
#include <mneme/bootinfo.h>

/* Cover every usable range of @bi with a zeroed bitmap from bootmem (boot CPU, once). */
void frametype_init(struct mneme_boot_info *bi);
/* Use @bits (zeroed, (@end - @base) / 32768 bytes) for frames [@base, @end) (host tests). */
void frametype_setup(uint64_t *bits, uint64_t base, uint64_t end);
/* Claim 4 KiB frame @pa as a page table: 0, or -MNEME_EBUSY if it is one already (-MNEME_ERANGE: not covered). */
int frametype_claim(uint64_t pa);
/* @pa (claimed) is no page table any more. */
void frametype_release(uint64_t pa);
/* True if any frame of [@pa, @pa + @size) is a page table. */
bool frametype_any(uint64_t pa, uint64_t size);
/* Frames claimed now (statistics and tests). */
uint64_t frametype_count(void);

#endif
