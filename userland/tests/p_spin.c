/*
 * Helper of t_preempt: spins forever without a single syscall, counting
 * in shared[1 + slot] (slot= argument).  Only preemption lets anyone else
 * run; the test kills it.
 */
#include "common.h"

int main(int argc, char **argv)
{
	const char *s = ulib_arg(argc, argv, "slot");
	volatile uint64_t *shared = (volatile uint64_t *)(uintptr_t)ULIB_SHARED_VA;
	uint64_t slot = s ? ulib_strtou(s) : 0;

	for (;;)
		shared[1 + (slot & 7)]++;
}
