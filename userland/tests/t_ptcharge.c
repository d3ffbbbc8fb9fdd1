/*
 * Page tables are charged to the task that causes them (issue 12): two
 * tasks at once map, touch and unmap fresh 2 MiB chunks far apart, which
 * without that charge pinned about 120 MiB of page tables and frame-table
 * metadata taken from the server's reserve until nothing else could
 * spawn.  Each checks (p_chunks) that the tables of a mapped chunk are
 * counted in its own usage and charge, and that the unmap frees them and
 * the charge returns exactly; afterwards another task still spawns, and
 * the server's invariant checker passes (the test runner then checks that
 * every frame came back).
 */
#include "common.h"
#include <libmm/libmm.h>

#define ROUNDS "rounds=240"

int main(int argc, char **argv)
{
	struct ktap k;
	uint64_t child[2] = { 0, 0 }, reason = 0;
	int64_t status = -1;
	struct mneme_mm_usage before, after;

	(void)argc, (void)argv;
	ktap_begin(&k, "ptcharge", 2);
	KTAP_EXPECT_EQ(&k, mm_usage(&before), 0);
	for (unsigned i = 0; i < 2; i++)
		KTAP_EXPECT_EQ(&k, mm_spawn("p_chunks", ROUNDS, 0, 0, 0, &child[i]), 0);
	for (unsigned i = 0; i < 2; i++) {
		if (!child[i])
			continue;
		KTAP_EXPECT_EQ(&k, t_join(child[i], &status, &reason), 0);
		KTAP_EXPECT_EQ(&k, reason, MNEME_EXIT_NORMAL);
		KTAP_EXPECT_EQ(&k, status, 0);
	}
	ktap_result(&k, "tables_charged_to_their_task_and_freed_on_unmap");

	uint64_t other = 0;
	KTAP_EXPECT_EQ(&k, mm_spawn("p_chunks", "rounds=4", 0, 0, 0, &other), 0);
	if (other) {
		KTAP_EXPECT_EQ(&k, t_join(other, &status, &reason), 0);
		KTAP_EXPECT_EQ(&k, status, 0);
	}
	KTAP_EXPECT_EQ(&k, mm_usage(&after), 0);
	KTAP_EXPECT_EQ(&k, after.pool_charged, before.pool_charged);
	KTAP_EXPECT_EQ(&k, mm_check(), 0);
	ktap_result(&k, "others_still_spawn");
	return ktap_end(&k);
}
