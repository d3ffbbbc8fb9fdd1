/*
 * A fault that recurs at a page mapped with the rights it needs (issue
 * 12): the memory server, the child's pager, finds the page mapped and
 * answers MAP_RESUME with the mapping that exists; the fault comes back.
 * The core flushes the page's TLB entry and retries a bounded number of
 * times (core/fault.c, FAULT_RETRIES), then kills the task with a message
 * saying so, instead of looping between the task and the server forever.
 * Checked: the child ends killed by a fault, the server still answers and
 * spawns, and the child's memory comes back exactly (our pool's charge,
 * the server's invariant checker; the test runner checks every frame).
 * Where the architecture has no such fault (riscv64 under QEMU) or the
 * CPU does not raise it (x86_64 without SMAP), the test says so and skips.
 */
#include "common.h"
#include <libmm/libmm.h>

int main(int argc, char **argv)
{
	struct ktap k;
	struct mneme_mm_usage before, after;
	uint64_t child = 0, reason = 0;
	int64_t status = -1;

	(void)argc, (void)argv;
	ktap_begin(&k, "refault", 1);
	KTAP_EXPECT_EQ(&k, mm_usage(&before), 0);
	KTAP_EXPECT_EQ(&k, mm_spawn("p_refault", NULL, 0, 0, 0, &child), 0);
	KTAP_EXPECT_EQ(&k, t_join(child, &status, &reason), 0);
	if (reason == MNEME_EXIT_NORMAL && (status == 1 || status == 2)) {
		ktap_skip(&k, "recurring_fault_killed", status == 1 ? "this CPU does not raise the fault"
							       : "no such fault on this architecture");
		return ktap_end(&k);
	}
	KTAP_EXPECT_EQ(&k, reason, MNEME_EXIT_FAULT);
	KTAP_EXPECT_EQ(&k, mm_ping(), 0);
	uint64_t other = 0;
	KTAP_EXPECT_EQ(&k, mm_spawn("p_refault", NULL, 0, 0, 0, &other), 0);
	KTAP_EXPECT_EQ(&k, t_join(other, &status, &reason), 0);
	KTAP_EXPECT_EQ(&k, reason, MNEME_EXIT_FAULT);
	KTAP_EXPECT_EQ(&k, mm_usage(&after), 0);
	KTAP_EXPECT_EQ(&k, after.pool_charged, before.pool_charged);
	KTAP_EXPECT_EQ(&k, mm_check(), 0);
	ktap_result(&k, "recurring_fault_killed");
	return ktap_end(&k);
}
