/*
 * Syscall plumbing shared by the files that implement syscalls.
 */
#ifndef CORE_SYSCALL_H
#define CORE_SYSCALL_H

#include <core/object.h>
#include <core/sched.h>

/*
 * Run syscall @nr of @cur (current) the general way: number and caller
 * checks, the handler, then sched_return().  Returns the frame of the
 * thread that runs next (current's).
 */
struct arch_regs *syscall_general(struct thread *cur, uint64_t nr);

/* Set @cur's status result (ret0). */
void sys_ret(struct thread *cur, int status);

/* Syscalls handled by the general path since boot on every CPU (the fast path does not count). */
uint64_t syscall_count(void);

#endif
