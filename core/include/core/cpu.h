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
#include <core/list.h>
#include <core/spinlock.h>
#include <mneme/ipc.h>
#include <mneme/syscall.h>

#define CORE_MAX_CPUS 16

/* A set of CPUs by index (bit i: cpu_table[i]). */
typedef uint64_t cpumask_t;
_Static_assert(CORE_MAX_CPUS <= 64, "cpumask_t is one word");

struct thread;
struct task;
struct endpoint;

/*
 * A CPU's run queue: one FIFO per priority and a bitmap of the non-empty
 * ones.  Protected by @lock; any CPU may queue a thread here (a wake-up),
 * only the owner picks from it, except that an idle CPU may take a thread
 * it is allowed to run (work stealing) and a task's killer may unlink a
 * thread of that task.
 */
struct run_queue {
	spinlock_t lock;
	uint32_t prio_bitmap;         /* bit p: queue[p] is not empty */
	uint32_t nr_queued;
	uint32_t pad;
	struct list_node queue[MNEME_PRIO_MAX + 1];
};

struct cpu {
	struct arch_cpu arch;         /* first: the arch's entry code finds it at the base */
	/*
	 * Scheduler state the IPC fast path reads and writes: owned by this
	 * CPU (only it writes @cur and @last_task), together in one line.
	 */
	struct thread *cur;           /* the running thread, NULL while idle */
	struct task *last_task;       /* whose address space is active */
	uint32_t outrank_bitmap;      /* rq.prio_bitmap >> 1: bit p: a queued thread outranks p */
	uint32_t index;               /* position in cpu_table */
	uint64_t nr_syscalls;         /* general-path syscalls on this CPU (statistics) */

	uint32_t node;                /* NUMA node (0 until the firmware says otherwise) */
	uint32_t online;              /* set by the CPU itself once it runs core code */
	uint64_t hwid;                /* x86_64: local APIC id; riscv64: hart id */
	uint32_t idle;                /* in the idle loop, about to halt or halted */
	uint32_t pending;             /* CPU_REQ_* bits other CPUs ask of this one (atomic) */
	uint64_t nr_ipis;             /* IPIs this CPU has taken (statistics and tests) */
	struct endpoint *endpoints;   /* endpoint_table: the fast path's base where a load beats forming it */
	struct run_queue rq;
	/* Extra message words in transit (the core never blocks inside a call). */
	uint64_t ipc_extra[MNEME_IPC_BUFFER_WORDS];
} __attribute__((aligned(64)));

/* Requests in struct cpu.pending, set by another CPU before it sends an IPI. */
#define CPU_REQ_RESCHED 1u   /* look at the run queue and the current thread again */

extern struct cpu cpu_table[CORE_MAX_CPUS];
/* CPUs that came up (indices 0 .. nr_cpus_online - 1 are online, in order). */
extern unsigned nr_cpus_online;
/* The online CPUs as a mask. */
extern cpumask_t cpus_online_mask;
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

/* Ask CPU @c for @req (CPU_REQ_*) and interrupt it; @c may be the caller (then no IPI). */
void cpu_request(struct cpu *c, uint32_t req);

/*
 * Spin until @done(@arg) is true with interrupts enabled, so this CPU
 * keeps answering IPIs (other CPUs' flush requests) while it waits: two
 * CPUs waiting for each other cannot deadlock.  Never called with a
 * spinlock held; interrupt handlers taken meanwhile only note requests.
 */
void cpu_wait_until(bool (*done)(void *arg), void *arg);

#endif
