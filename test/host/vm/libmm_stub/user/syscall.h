/*
 * Host stand-in for arch/<arch>/user/syscall.h: the libmm test compiles
 * the client library unchanged and answers its syscalls in-process.
 */
#ifndef USER_SYSCALL_H
#define USER_SYSCALL_H

#include <stdint.h>

void fake_user_syscall(uint64_t nr, const uint64_t a[7], uint64_t r[7]);

static inline void arch_user_syscall(uint64_t nr, const uint64_t a[7], uint64_t r[7])
{
	fake_user_syscall(nr, a, r);
}

static inline uint64_t arch_user_cycles(void)
{
	return 0;
}

#endif
