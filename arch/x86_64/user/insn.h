/*
 * x86_64 instructions user tests use to provoke exceptions, and an
 * address inside the core's image (the top 2 GiB) that user mode must not
 * reach.
 */
#ifndef USER_INSN_H
#define USER_INSN_H

#define ARCH_USER_CORE_VA 0xffffffff80200000ULL

static inline void arch_user_illegal(void)
{
	__asm__ volatile("ud2");
}

/* Privileged in ring 3: #GP. */
static inline void arch_user_privileged(void)
{
	__asm__ volatile("hlt");
}

static inline void arch_user_breakpoint(void)
{
	__asm__ volatile("int3");
}

/* A second privileged instruction (interrupts off). */
static inline void arch_user_privileged2(void)
{
	__asm__ volatile("cli");
}

/* A third: reading a control register (#GP outside ring 0). */
static inline void arch_user_privileged3(void)
{
	unsigned long cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
}

/* Calibration loop: exactly 2 instructions per iteration. */
static inline void arch_user_spin(unsigned long n)
{
	__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
}

#endif
