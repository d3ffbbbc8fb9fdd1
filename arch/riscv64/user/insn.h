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

/* Where the core's page tables are (satp) cannot be read from U-mode: illegal instruction. */
static inline void arch_user_read_core_tables(void)
{
	unsigned long satp;

	__asm__ volatile("csrr %0, satp" : "=r"(satp));
}

static inline int arch_user_tables_hidden(void)
{
	return 1;
}

/*
 * An access the hart refuses as misaligned: QEMU emulates misaligned
 * loads and stores, but not atomics, so an AMO on an odd address takes
 * the "store/AMO address misaligned" exception.
 */
#define ARCH_USER_HAS_MISALIGNED 1
static inline void arch_user_misaligned(volatile void *p)
{
	__asm__ volatile("amoadd.w zero, zero, (%0)" : : "r"((volatile char *)p + 1) : "memory");
}

/* Calibration loop: exactly 2 instructions per iteration. */
static inline void arch_user_spin(unsigned long n)
{
	__asm__ volatile("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r"(n));
}

/*
 * A fault at a page mapped with the rights the access needs (x86_64:
 * QEMU 7.2's iretq under SMAP): riscv64 under QEMU has none a U-mode
 * program can cause, so 0 (the test of the core's retry limit skips).
 */
static inline int arch_user_unfixable_fault(void)
{
	return 0;
}

#endif
