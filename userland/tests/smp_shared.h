/*
 * The page t_smp shares with its p_smp children (at ULIB_SHARED_VA there).
 */
#ifndef TESTS_SMP_SHARED_H
#define TESTS_SMP_SHARED_H

#include <stdint.h>

#define SMP_MAX_CPUS 16

struct smp_shared {
	volatile uint64_t iter;                /* loop iterations done (after the access) */
	volatile uint64_t last;                /* last value read or written */
	volatile uint64_t poison;              /* the value a reader must never see */
	volatile uint64_t violations;          /* reads that saw it */
	volatile uint64_t stop;                /* set by the parent: end the loop */
	volatile uint64_t cpu;                 /* the CPU the child runs on */
	volatile uint64_t count[SMP_MAX_CPUS];    /* spin: per-CPU thread progress */
	volatile uint64_t cpu_seen[SMP_MAX_CPUS]; /* spin: CPUs each thread found itself on */
};

_Static_assert(sizeof(struct smp_shared) <= 4096, "one page");

#endif
