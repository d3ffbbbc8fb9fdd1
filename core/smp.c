/*
 * Bringing up the other CPUs, and what CPUs ask of each other.
 *
 * The boot CPU runs core_main(); once the final page tables and its timer
 * are in place it calls smp_boot(), which asks the architecture for the
 * CPUs the firmware describes (arch_smp_discover()) and starts them one
 * by one (arch_cpu_start()).  Each application processor enters
 * core_cpu_main() on its own kernel stack with interrupts off, marks
 * itself online, starts its timer, and waits until the scheduler exists
 * (sched_init(), when the memory server starts); from then on it runs
 * threads like the boot CPU.  CPUs are numbered in the order they were
 * found, the boot CPU first.
 *
 * Requests between CPUs are bits in the target's struct cpu (pending),
 * set before an IPI; the IPI itself only makes the target look.
 */
#include <arch/arch.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/numa.h>
#include <core/printk.h>
#include <core/spinlock.h>
#ifdef ARCH_HAS_USPACE
#include <arch/uspace.h>
#include <core/sched.h>
#endif

void smp_boot(void)
{
	unsigned n = arch_smp_discover();

	if (n < 1 || n > CORE_MAX_CPUS)
		panic("arch_smp_discover() returned %u CPUs", n);
	nr_cpus_possible = n;
	for (unsigned i = 0; i < n; i++)
		cpu_table[i].index = i;
	unsigned nodes = numa_boot(&boot_info, n);
	cpu_table[0].online = 1;
	if (n > 1)
		printk("smp: Bringing up secondary CPUs ...\n");
	for (unsigned i = 1; i < n; i++) {
		struct cpu *c = &cpu_table[i];
		int err = arch_cpu_start(c);
		if (err || !load_acquire(&c->online)) {
			printk("smp: CPU %u (id %llu) did not come up (error %d)\n", i,
			       (unsigned long long)c->hwid, err);
			break;  /* indices stay dense: online CPUs are 0 .. nr_cpus_online - 1 */
		}
		nr_cpus_online++;
		cpus_online_mask |= cpumask_of(i);
	}
	printk("smp: Brought up %u node%s, %u CPU%s\n", nodes, nodes == 1 ? "" : "s", nr_cpus_online,
	       nr_cpus_online == 1 ? "" : "s");
	boot_info.nr_cpus = nr_cpus_online;
}

void core_cpu_main(struct cpu *c)
{
	arch_timer_init(CORE_TIMER_HZ);
	store_release(&c->online, 1);
#ifdef ARCH_HAS_USPACE
	while (!load_acquire(&sched_started)) {
		arch_irq_enable();
		arch_wait_for_interrupt();
		arch_irq_disable();
	}
	sched_return();         /* idles until a thread may run here */
	arch_enter_user();
#else
	for (;;) {
		arch_irq_enable();
		arch_wait_for_interrupt();
		arch_irq_disable();
	}
#endif
}

void core_ipi(struct arch_regs *user)
{
	struct cpu *c = this_cpu();

	WRITE_ONCE(c->nr_ipis, c->nr_ipis + 1);
#ifdef ARCH_HAS_USPACE
	if (user) {
		sched_serve_requests();
		sched_return();         /* the current thread may have to stop, move or yield */
	}
#else
	(void)user;
#endif
}
