/*
 * Multiprocessing on riscv64: per-hart state.  (The other harts are not
 * started yet: the boot hart is the only one used.)
 *
 * Per-hart state lives in the hart's struct cpu (<core/cpu.h>), whose
 * first member is struct arch_cpu; in S-mode tp holds it, so
 * arch_this_cpu() costs nothing and per-CPU fields are one tp-relative
 * access.
 */
#include <arch/arch.h>
#include <arch/riscv.h>
#include <core/cpu.h>
#include <core/printk.h>
#include <mneme/error.h>

_Static_assert(__builtin_offsetof(struct cpu, arch) == 0, "tp addresses struct arch_cpu too");

void arch_cpu_init_boot(struct cpu *c)
{
	c->hwid = riscv_boot_hart;
	c->arch.kstack_top = (uint64_t)(uintptr_t)boot_stack_top;
	riscv_uspace_cpu_init(&c->arch);
	__asm__ volatile("mv tp, %0" : : "r"(c) : "memory");
}

unsigned arch_smp_discover(void)
{
	return 1;
}

int arch_cpu_start(struct cpu *c)
{
	(void)c;
	return -MNEME_ENOSYS;
}

void arch_ipi_send(struct cpu *c)
{
	(void)c;
}

void arch_tlb_flush_cpus(uint64_t mask, const struct arch_aspace *as, uint64_t va, uint64_t size)
{
	(void)as, (void)va, (void)size;
	if (mask)
		panic("arch_tlb_flush_cpus: no other CPU runs on this architecture yet");
}
