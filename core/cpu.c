/*
 * The per-CPU table and what CPUs ask of each other (see <core/cpu.h>):
 * apart from the bring-up (smp.c), so the core's host tests, which run
 * on one fake CPU, link it too.
 */
#include <core/cpu.h>

struct cpu cpu_table[CORE_MAX_CPUS];
unsigned nr_cpus_online = 1;
unsigned nr_cpus_possible = 1;
cpumask_t cpus_online_mask = 1;

struct cpu *cpu_by_hwid(uint64_t hwid)
{
	for (unsigned i = 0; i < nr_cpus_possible; i++)
		if (cpu_table[i].hwid == hwid)
			return &cpu_table[i];
	return NULL;
}

void cpu_request(struct cpu *c, uint32_t req)
{
	__atomic_fetch_or(&c->pending, req, __ATOMIC_SEQ_CST);
	if (c != this_cpu())
		arch_ipi_send(c);
}

void cpu_wait_until(bool (*done)(void *arg), void *arg)
{
	while (!done(arg)) {
		arch_irq_window();
		arch_wait_relax();
	}
}
