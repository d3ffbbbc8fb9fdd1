/*
 * CPUs: the generic per-CPU state and the bring-up of the other CPUs.
 *
 * Every CPU the core runs on has one struct cpu in cpu_table[], index 0
 * being the CPU that booted.  The architecture's own per-CPU block
 * (struct arch_cpu, <arch/arch_impl.h>) is the first member, so the
 * architecture's entry code reaches both through one base address
 * (x86_64: the GS base; riscv64: tp) and this_cpu() costs at most a load.
 *
 * Limit: CORE_MAX_CPUS CPUs are used; the firmware may describe more, and
 * those are reported at boot and left parked (never started).
 */
#ifndef CORE_CPU_H
#define CORE_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/arch.h>

#define CORE_MAX_CPUS 16

/* A set of CPUs by index (bit i: cpu_table[i]). */
typedef uint64_t cpumask_t;
_Static_assert(CORE_MAX_CPUS <= 64, "cpumask_t is one word");

struct cpu {
	struct arch_cpu arch;         /* first: the arch's entry code finds it at the base */
	uint32_t index;               /* position in cpu_table */
	uint32_t node;                /* NUMA node (0 until the firmware says otherwise) */
	uint64_t hwid;                /* x86_64: local APIC id; riscv64: hart id */
	uint32_t online;              /* set by the CPU itself once it runs core code */
	uint32_t pad;
	uint64_t nr_ipis;             /* IPIs this CPU has taken (statistics and tests) */
} __attribute__((aligned(64)));

extern struct cpu cpu_table[CORE_MAX_CPUS];
/* CPUs that came up (indices 0 .. nr_cpus_online - 1 are online, in order). */
extern unsigned nr_cpus_online;
/* CPUs the firmware described and the core means to use (set by arch_smp_discover()). */
extern unsigned nr_cpus_possible;

static inline struct cpu *this_cpu(void)
{
	return arch_this_cpu();
}

static inline unsigned this_cpu_index(void)
{
	return this_cpu()->index;
}

static inline cpumask_t cpumask_of(unsigned index)
{
	return (cpumask_t)1 << index;
}

/*
 * Boot CPU only, after the final page tables: find the other CPUs and
 * start them (each runs core_cpu_main()), print the "smp:" lines.
 */
void smp_boot(void);

/* Find the CPU whose firmware id is @hwid, or NULL. */
struct cpu *cpu_by_hwid(uint64_t hwid);

#endif
