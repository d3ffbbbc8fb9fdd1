/*
 * riscv64 side of the architecture contract (see arch/include/arch/arch.h):
 * constants, the trap frame and the inline fast operations.
 *
 * Virtual layout of the core half (valid in Sv39 and Sv48 alike, because
 * it lies in the top 256 GiB, which is one top-level slot of Sv48 and the
 * upper half of Sv39):
 *
 *   0xffffffc000000000  direct map of physical [0, 192 GiB)
 *   0xfffffff000000000  MMIO window: device page at physical pa sits at
 *                       RISCV_MMIO_BASE + pa, for pa < 1 GiB
 *   0xffffffff80000000  the core image (linked at 0xffffffff80200000,
 *                       loaded at physical 0x80200000)
 *
 * The one base for both modes limits the direct map to physical addresses
 * below 192 GiB (RISCV_DIRECT_MAP_LIMIT); RAM above it is left unmapped
 * with a warning.
 */
#ifndef ARCH_ARCH_IMPL_H
#define ARCH_ARCH_IMPL_H

#include <arch/regs.h>

#define ARCH_NAME              "riscv64"
#define ARCH_DIRECT_MAP_BASE   0xffffffc000000000ull
#define ARCH_KERNEL_VIRT_BASE  0xffffffff80200000ull   /* KERNEL_VIRT in core.ld */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

#define RISCV_DIRECT_MAP_LIMIT (192ull << 30)
#define RISCV_MMIO_BASE        0xfffffff000000000ull
#define RISCV_MMIO_LIMIT       (1ull << 30)

#define SSTATUS_SIE_BIT        (1ul << 1)

static inline void arch_irq_disable(void)
{
	__asm__ volatile("csrc sstatus, %0" : : "r"(SSTATUS_SIE_BIT) : "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("csrs sstatus, %0" : : "r"(SSTATUS_SIE_BIT) : "memory");
}

/* Disable interrupts; returns whether they were enabled. */
static inline unsigned long arch_irq_save(void)
{
	unsigned long old;

	__asm__ volatile("csrrc %0, sstatus, %1" : "=r"(old) : "r"(SSTATUS_SIE_BIT) : "memory");
	return old & SSTATUS_SIE_BIT;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags)
		arch_irq_enable();
}

/* wfi wakes on a pending enabled interrupt even with sstatus.SIE clear. */
static inline void arch_wait_for_interrupt(void)
{
	__asm__ volatile("wfi" : : : "memory");
}

/* The time CSR: ticks at /cpus/timebase-frequency (boot_info.timer_hz). */
static inline uint64_t arch_cycles(void)
{
	uint64_t t;

	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}
#endif

#endif
