/*
 * Multiprocessing, single-CPU placeholder: the boot CPU is the only one
 * used until application-processor start-up is written for this
 * architecture.  Implements the contract in <arch/arch.h> so the generic
 * core (core/smp.c) is the same on every architecture.
 */
#include <arch/arch.h>
#include <core/cpu.h>
#include <core/printk.h>
#include <mneme/error.h>

struct cpu *arch_boot_cpu;

void arch_cpu_init_boot(struct cpu *c)
{
	arch_boot_cpu = c;
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
