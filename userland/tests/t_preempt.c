/*
 * Preemption: two tasks that spin forever without syscalls both make
 * progress (the timer takes the processor from each in turn), the test
 * itself still runs, and it can kill them.
 */
#include "common.h"

#define GOAL 200000

static volatile uint64_t shared[512] __attribute__((aligned(4096)));

int main(int argc, char **argv)
{
	struct ktap k;
	uint64_t child[2], reason = 0;
	struct mneme_sysret t0, t1;

	(void)argc, (void)argv;
	ktap_begin(&k, "preempt", 3);
	KTAP_EXPECT_EQ(&k, mm_spawn("p_spin", "slot=0", MNEME_MM_SPAWN_SHARE, 0, (uintptr_t)shared, &child[0]), 0);
	KTAP_EXPECT_EQ(&k, mm_spawn("p_spin", "slot=1", MNEME_MM_SPAWN_SHARE, 0, (uintptr_t)shared, &child[1]), 0);
	ktap_result(&k, "spawn_spinners");

	mneme_clock_read_r(&t0);
	uint64_t yields = 0;
	while ((shared[1] < GOAL || shared[2] < GOAL) && yields < 100000) {
		mneme_yield();
		yields++;
	}
	mneme_clock_read_r(&t1);
	ktap_diag(&k, "spinners counted %llu and %llu in %llu ticks, %llu yields",
		  (unsigned long long)shared[1], (unsigned long long)shared[2],
		  (unsigned long long)(t1.r[3] - t0.r[3]), (unsigned long long)yields);
	KTAP_EXPECT(&k, shared[1] >= GOAL);
	KTAP_EXPECT(&k, shared[2] >= GOAL);
	ktap_result(&k, "both_spinners_progress");

	uint64_t before = shared[1];
	for (int i = 0; i < 2; i++) {
		KTAP_EXPECT_EQ(&k, mm_kill(child[i]), 0);
		KTAP_EXPECT_EQ(&k, t_join(child[i], NULL, &reason), 0);
		KTAP_EXPECT_EQ(&k, reason, MNEME_EXIT_DESTROYED);
	}
	for (int i = 0; i < 50; i++)
		mneme_yield();
	uint64_t after = shared[1];
	for (int i = 0; i < 50; i++)
		mneme_yield();
	KTAP_EXPECT(&k, before > 0);
	KTAP_EXPECT_EQ(&k, shared[1], after);   /* dead spinners count no more */
	ktap_result(&k, "kill_spinners");
	return ktap_end(&k);
}
