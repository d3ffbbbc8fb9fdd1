/*
 * riscv64 instructions user tests use to provoke exceptions, and an
 * address inside the core's upper half that U-mode must not reach.
 */
#ifndef USER_INSN_H
#define USER_INSN_H

#define ARCH_USER_CORE_VA 0xffffffff80200000ULL

static inline void arch_user_illegal(void)
{
	__asm__ volatile("unimp");
}

/* Writing satp from U-mode: illegal instruction. */
static inline void arch_user_privileged(void)
{
	__asm__ volatile("csrw satp, zero");
}

static inline void arch_user_breakpoint(void)
{
	__asm__ volatile("ebreak");
}

/* sret from U-mode: illegal instruction. */
static inline void arch_user_privileged2(void)
{
	__asm__ volatile("sret");
}

/* wfi from U-mode: illegal instruction (QEMU never lets U-mode wait). */
static inline void arch_user_privileged3(void)
{
	__asm__ volatile("wfi");
}

/* Calibration loop: exactly 2 instructions per iteration. */
static inline void arch_user_spin(unsigned long n)
{
	__asm__ volatile("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r"(n));
}

#endif
