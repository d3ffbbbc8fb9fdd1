/*
 * The riscv64 syscall primitive of user programs: `ecall` with the number
 * in a7, arguments arg0..arg6 in a0..a6 and results ret0..ret6 in a0..a6
 * (ret0 = status).  t0..t6 are clobbered (the core's fast syscall path
 * does not save them); the core preserves every other register.  The
 * core's side: arch/riscv64/include/arch/arch_impl.h.
 */
#ifndef USER_SYSCALL_H
#define USER_SYSCALL_H

#include <stdint.h>

static inline void arch_user_syscall(uint64_t nr, const uint64_t a[7], uint64_t r[7])
{
	register uint64_t a7 __asm__("a7") = nr;
	register uint64_t a0 __asm__("a0") = a[0];
	register uint64_t a1 __asm__("a1") = a[1];
	register uint64_t a2 __asm__("a2") = a[2];
	register uint64_t a3 __asm__("a3") = a[3];
	register uint64_t a4 __asm__("a4") = a[4];
	register uint64_t a5 __asm__("a5") = a[5];
	register uint64_t a6 __asm__("a6") = a[6];

	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6)
			 : "r"(a7)
			 : "t0", "t1", "t2", "t3", "t4", "t5", "t6", "memory");
	r[0] = a0;
	r[1] = a1;
	r[2] = a2;
	r[3] = a3;
	r[4] = a4;
	r[5] = a5;
	r[6] = a6;
}

/*
 * A counter for benchmarks.  rdcycle may trap in U-mode (scounteren), so
 * use rdtime; under -icount it advances with guest instructions, and the
 * benchmark calibrates it against a loop of known length.
 */
static inline uint64_t arch_user_cycles(void)
{
	uint64_t t;

	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

#endif
