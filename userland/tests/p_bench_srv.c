/*
 * Helper of bench and bench_smp: answers every call on handles[0] with
 * an empty reply, through reply_recv (the fast path's server side),
 * forever; cpu=N pins it to CPU N first.
 */
#include "common.h"

int main(int argc, char **argv)
{
	uint64_t ep = ulib_start->handles[0];
	struct mneme_sysret r;
	const char *cpu = ulib_arg(argc, argv, "cpu");

	if (cpu && mneme_thread_set_affinity(0, 1ULL << ulib_strtou(cpu)))
		return 1;
	mneme_recv_r(&r, ep);
	for (;;)
		mneme_reply_recv_r(&r, ep, 0, 0, 0, 0, 0, 0);
}
