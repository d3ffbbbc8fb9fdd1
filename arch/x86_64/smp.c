/*
 * Multiprocessing, single-CPU placeholder: the boot CPU is the only one
 * used until application-processor start-up is written for this
 * architecture.  Implements the contract in <arch/arch.h> so the generic
 * core (core/smp.c) is the same on every architecture.
 */
#include <stddef.h>
#include <arch/frame.h>
#include <arch/x86.h>
#include <core/cpu.h>
#include <core/printk.h>
#include <mneme/error.h>

_Static_assert(offsetof(struct cpu, arch) == 0, "struct arch_cpu is at the GS base");
_Static_assert(offsetof(struct arch_cpu, regs) == PCPU_REGS, "percpu layout");
_Static_assert(offsetof(struct arch_cpu, kstack_top) == PCPU_KSTACK, "percpu layout");
_Static_assert(offsetof(struct arch_cpu, user_rsp) == PCPU_USER_RSP, "percpu layout");
_Static_assert(offsetof(struct arch_cpu, self) == PCPU_SELF, "percpu layout");
_Static_assert(offsetof(struct arch_cpu, tss) == PCPU_TSS, "percpu layout");
_Static_assert(offsetof(struct arch_cpu, tss.rsp[0]) == PCPU_TSS_RSP0, "percpu layout");
_Static_assert(PCPU_TSS_RSP0 % 8 == 0, "TSS.rsp0 aligned");
_Static_assert(offsetof(struct arch_cpu, gdt) == PCPU_GDT, "percpu layout");
_Static_assert(sizeof(struct arch_cpu) == PCPU_SIZE, "percpu layout");

/* x86_start() already loaded @c's GDT and TSS and pointed the GS base at it. */
void arch_cpu_init_boot(struct cpu *c)
{
	ASSERT(c == &cpu_table[0]);
	c->arch.kstack_top = (uint64_t)(uintptr_t)boot_stack_top;
	c->arch.self = c;
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
