/*
 * What the memory server says about its tasks' ends, in words: the line
 * it prints when it kills a task after a fault, and how a task ended
 * (for the run of a program; the shell's "ps" and "run" can use it too).
 */
#ifndef MMSERVER_REPORT_H
#define MMSERVER_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct mm_task;

/*
 * Print "mmserver: killing NAME (task ID): <fault kind>[: <access> at ADDR,
 * <why>], ip IP" for a fault the server will not resolve; @err is what
 * resolving it returned (-MNEME_E*), @kind a MNEME_FAULT_*.
 */
void report_kill(const char *name, uint64_t id, uint64_t kind, uint64_t addr, uint64_t access,
		 uint64_t ip, int err);
/*
 * How task @t (ended) ended: "exited with status 3", "was killed by its
 * pager (status -4: EFAULT, bad address)", "was killed by a fault with no
 * pager: illegal instruction", "was destroyed".  Returns the length, as
 * snprintf.
 */
int report_end(const struct mm_task *t, char *buf, size_t len);

#endif
