/*
 * Syscall plumbing shared by the files that implement syscalls.
 */
#ifndef CORE_SYSCALL_H
#define CORE_SYSCALL_H

#include <core/object.h>
#include <core/sched.h>

/* Set @cur's status result (ret0). */
void sys_ret(struct thread *cur, int status);

/* Syscalls handled since boot (the fuzzer's progress, benchmarks). */
#define syscall_count (sched_cpu.nr_syscalls)

#endif
