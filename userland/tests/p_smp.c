/*
 * Helper of t_smp: a child that runs on a chosen CPU and reports through
 * the page its parent shares with it (ULIB_SHARED_VA, struct smp_shared).
 * mode=
 *   reader  pinned to cpu=N: read the word at ULIB_NOWHERE_VA in a loop
 *           (its parent is its pager and maps that page), counting every
 *           read of the poison value (which only a stale TLB entry could
 *           show it)
 *   writer  pinned to cpu=N: increment the word at ULIB_NOWHERE_VA in a
 *           loop, logging each value written
 *   spin    one thread pinned to each CPU, each counting in its slot,
 *           until the parent kills the task
 *   exit    end at once with status 7
 * Every loop iteration publishes its count after the memory access, so
 * the parent can bound what happened after a shootdown returned.
 */
#include "common.h"
#include "smp_shared.h"
#include <ulib/thread.h>

static struct smp_shared *sh = (struct smp_shared *)(uintptr_t)ULIB_SHARED_VA;

static int reader(void)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)ULIB_NOWHERE_VA;

	while (!sh->stop) {
		uint64_t v = *p;
		if (v == sh->poison)
			__atomic_fetch_add(&sh->violations, 1, __ATOMIC_RELAXED);
		sh->last = v;
		__atomic_store_n(&sh->iter, sh->iter + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static int writer(void)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)ULIB_NOWHERE_VA;

	while (!sh->stop) {
		uint64_t v = *p + 1;
		*p = v;
		sh->last = v;
		__atomic_store_n(&sh->iter, sh->iter + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static int spinner(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;

	if (ulib_thread_pin(0, (int)cpu))
		return 1;
	for (;;) {
		sh->cpu_seen[cpu] |= 1ULL << (ulib_cpu() & 63);
		__atomic_fetch_add(&sh->count[cpu], 1, __ATOMIC_RELAXED);
	}
}

int main(int argc, char **argv)
{
	const char *mode = ulib_arg(argc, argv, "mode");
	const char *cpu_arg = ulib_arg(argc, argv, "cpu");
	unsigned cpu = cpu_arg ? (unsigned)ulib_strtou(cpu_arg) : 0;

	if (!mode)
		return 100;
	if (!strcmp(mode, "exit"))
		return 7;
	if (!strcmp(mode, "spin")) {
		static struct ulib_thread t[SMP_MAX_CPUS];
		unsigned n = ulib_cpus();
		for (unsigned i = 1; i < n && i < SMP_MAX_CPUS; i++)
			if (ulib_thread_create(&t[i], spinner, (void *)(uintptr_t)i, MNEME_PRIO_DEFAULT))
				return 101;
		return spinner((void *)0);
	}
	if (ulib_thread_pin(0, (int)cpu))
		return 102;
	sh->cpu = ulib_cpu();
	if (!strcmp(mode, "reader"))
		return reader();
	if (!strcmp(mode, "writer"))
		return writer();
	return 100;
}
