/*
 * Built-in tests of multiprocessing: every CPU that came up answers an
 * IPI.  The verdict is the answer; the wait for it is bounded only so a
 * lost IPI fails the test instead of hanging the boot.
 */
#include <arch/arch.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/ktest.h>
#include <core/spinlock.h>

KTEST(smp, ipi_reaches_every_cpu)
{
	if (nr_cpus_online < 2) {
		ktest_skip(t, "one CPU");
		return;
	}
	for (unsigned i = 1; i < nr_cpus_online; i++) {
		struct cpu *c = &cpu_table[i];
		uint64_t before = READ_ONCE(c->nr_ipis);
		uint64_t deadline = arch_cycles() + 10 * boot_info.timer_hz;   /* 10 s */
		arch_ipi_send(c);
		while (READ_ONCE(c->nr_ipis) == before && arch_cycles() < deadline)
			arch_cpu_relax();
		KEXPECT(t, READ_ONCE(c->nr_ipis) != before);
	}
}
