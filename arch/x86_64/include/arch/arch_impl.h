/*
 * x86_64 side of the architecture contract (see arch/include/arch/arch.h):
 * constants, the trap frame and the inline fast operations.
 */
#ifndef ARCH_ARCH_IMPL_H
#define ARCH_ARCH_IMPL_H

#include <stdint.h>
#include <arch/layout.h>

#define ARCH_NAME             "x86_64"
#define ARCH_DIRECT_MAP_BASE  X86_DIRECT_MAP_BASE
#define ARCH_KERNEL_VIRT_BASE (X86_KERNEL_VMA + X86_KERNEL_LOAD)
/* First address above the user half (4-level paging: 47 bits). */
#define ARCH_USER_TOP         0x0000800000000000

/*
 * The register frame of a trap, lowest address first.  The CPU pushes
 * ss..rip (and an error code for some exceptions); trap.S pushes a zero
 * error code where the CPU does not, the vector, every GPR and CR2.
 * trap.S depends on this order; trap.c checks it with _Static_assert.
 */
struct arch_regs {
	uint64_t cr2;                  /* faulting address, meaningful for #PF */
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;           /* 0 where the CPU pushes none */
	uint64_t rip, cs, rflags, rsp, ss;
};

#define X86_RFLAGS_IF (1ull << 9)

static inline void arch_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/* Disable interrupts; returns the previous state for arch_irq_restore(). */
static inline unsigned long arch_irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags & X86_RFLAGS_IF)
		arch_irq_enable();
}

/*
 * Halt until the next interrupt.  "sti; hlt" keeps the one-instruction
 * interrupt shadow of sti, so an interrupt pending at the sti wakes the
 * hlt instead of being taken before it (no lost wake-up).  Returns with
 * interrupts enabled.
 */
static inline void arch_wait_for_interrupt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

static inline uint64_t arch_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

#endif
