/*
 * The x86_64 syscall primitive of user programs: `syscall` with the number
 * in rax, arguments arg0..arg6 in rdi, rsi, rdx, r10, r8, r9, r12, and
 * results ret0..ret6 in rax, rdi, rsi, rdx, r10, r8, r9 (ret0 = status).
 * The instruction clobbers rcx (return rip) and r11 (rflags); the core
 * preserves every other register.
 */
#ifndef USER_SYSCALL_H
#define USER_SYSCALL_H

#include <stdint.h>

static inline void arch_user_syscall(uint64_t nr, const uint64_t a[7], uint64_t r[7])
{
	register uint64_t rax __asm__("rax") = nr;
	register uint64_t rdi __asm__("rdi") = a[0];
	register uint64_t rsi __asm__("rsi") = a[1];
	register uint64_t rdx __asm__("rdx") = a[2];
	register uint64_t r10 __asm__("r10") = a[3];
	register uint64_t r8 __asm__("r8") = a[4];
	register uint64_t r9 __asm__("r9") = a[5];
	register uint64_t r12 __asm__("r12") = a[6];

	__asm__ volatile("syscall"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8),
			   "+r"(r9), "+r"(r12)
			 :
			 : "rcx", "r11", "memory");
	r[0] = rax;
	r[1] = rdi;
	r[2] = rsi;
	r[3] = rdx;
	r[4] = r10;
	r[5] = r8;
	r[6] = r9;
}

/* A counter for benchmarks: the TSC (one tick per instruction under -icount). */
static inline uint64_t arch_user_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

#endif
