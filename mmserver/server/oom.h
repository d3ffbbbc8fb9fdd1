/*
 * The OOM killer (see oom.c).
 */
#ifndef MMSERVER_OOM_H
#define MMSERVER_OOM_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The page fault of the task in @slot at @addr (@access) found no memory
 * even after reclaim.  Choose a victim by badness, print Linux's report,
 * destroy it.  Returns true if the faulting task should wait (its thread
 * is answered RESUME and faults again once the victim's memory is back),
 * false if the faulting task itself is the one to die.
 */
bool mm_oom_kill(unsigned slot, uint64_t addr, uint64_t access);
/* A victim's EXIT arrived and its memory is back: say so (Linux's oom_reaper line). */
void mm_oom_reaped(unsigned slot);

#endif
