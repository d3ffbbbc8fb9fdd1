/*
 * Helper of t_fair: role=hammer calls the memory server back to back
 * (maps 64 KiB populated, so the server allocates and zeroes 16 pages,
 * and unmaps it again: the server works far longer than the hammer
 * itself), role=peer only computes.  Both pin themselves to CPU 0, the
 * memory server's CPU, so they and the server share one CPU; once both
 * are there each runs FAIR_WINDOW ticks of the core's clock, noting how
 * many ticks it saw go by and the longest it waited between two looks at
 * the clock (fair.h).  The results go to the shared page, then a message
 * on handles[0] wakes the test.
 */
#include "common.h"
#include <libmm/libmm.h>
#include <ulib/thread.h>
#include "fair.h"

#define HAMMER_BYTES (64u << 10)

static uint64_t core_ticks(void)
{
	struct mneme_sysret r;

	mneme_clock_read_r(&r);
	return r.r[3];
}

int main(int argc, char **argv)
{
	const char *role_arg = ulib_arg(argc, argv, "role");
	volatile uint64_t *shared = (volatile uint64_t *)(uintptr_t)ULIB_SHARED_VA;
	unsigned role = role_arg && !strcmp(role_arg, "peer") ? FAIR_PEER : FAIR_HAMMER;
	volatile uint64_t *me = &shared[FAIR_BASE(role)];
	uint64_t count = 0, seen = 0, max_gap = 0, errors = 0, sink = 0;

	if (ulib_thread_pin(0, 0))
		return 2;
	while (ulib_cpu() != 0)
		mneme_yield();
	me[FAIR_READY] = 1;
	while (!shared[FAIR_BASE(FAIR_HAMMER) + FAIR_READY] || !shared[FAIR_BASE(FAIR_PEER) + FAIR_READY])
		mneme_yield();

	uint64_t start = core_ticks(), last = start, now;
	while ((now = core_ticks()) - start < FAIR_WINDOW) {
		if (now != last) {
			seen++;
			if (now - last > max_gap)
				max_gap = now - last;
			last = now;
		}
		if (role == FAIR_HAMMER) {
			void *va = NULL;
			if (mm_map_anon(NULL, HAMMER_BYTES, MNEME_MM_POPULATE, &va) || mm_unmap(va, HAMMER_BYTES))
				errors++;
		} else {
			for (unsigned i = 0; i < 200; i++)
				sink = sink * 6364136223846793005ULL + i;
			__asm__ volatile("" : : "r"(sink));
		}
		count++;
	}
	me[FAIR_COUNT] = count;
	me[FAIR_SEEN] = seen;
	me[FAIR_MAX_GAP] = max_gap;
	me[FAIR_ERRORS] = errors;
	me[FAIR_DONE] = 1;
	struct ulib_msg m = { .info = t_info(role) };
	return ipc_send(ulib_start->handles[0], &m) ? 3 : 0;
}
