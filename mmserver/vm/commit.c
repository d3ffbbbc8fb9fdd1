/*
 * Commit accounting: the policy that says whether the tasks may promise
 * themselves more memory (Linux's vm.overcommit_memory, mm/util.c's
 * __vm_enough_memory).  The mechanism is the charge every space already
 * keeps (vm_charge: each region's address space, each block, metadata):
 * vm_committed is their sum over all spaces, meminfo's Committed_AS.
 *
 * The three modes, chosen on the server's boot line (overcommit=):
 *   heuristic  (Linux's 0, the default) refuse only an obvious
 *              overcommit: one charge larger than RAM plus the
 *              compressed store can ever hold.
 *   always     (1) refuse nothing up front; the OOM killer settles it.
 *   never      (2) refuse any charge that takes the total past
 *              CommitLimit = RAM * overcommit_ratio / 100 (50 unless
 *              overcommit_ratio= says).
 * Linux adds the swap space to CommitLimit.  Here the compressed store is
 * left out: it cannot promise to take a page (random data does not
 * compress), and in "never" a mapping that was accepted must be backed
 * when touched, with no fault ever failing for want of memory.  The rest
 * of RAM (1 - ratio) is for the server, page tables and the page cache.
 */
#include <mneme/error.h>
#include "mm/page_alloc.h"
#include "mm/zstore.h"
#include "vm_internal.h"

uint64_t vm_committed;
static enum vm_overcommit mode = VM_OVERCOMMIT_GUESS;
static unsigned ratio = 50;

int vm_commit_configure(enum vm_overcommit m, unsigned r)
{
	if (m > VM_OVERCOMMIT_NEVER || r > 100)
		return -MNEME_EINVAL;
	mode = m;
	ratio = r;
	return 0;
}

enum vm_overcommit vm_commit_mode(void)
{
	return mode;
}

uint64_t vm_commit_limit(void)
{
	return totalram_pages() * ratio / 100;
}

bool vm_commit_allows(uint64_t bytes)
{
	uint64_t pages = (bytes + VM_PAGE_SIZE - 1) / VM_PAGE_SIZE;
	struct zstore_stats st;

	switch (mode) {
	case VM_OVERCOMMIT_ALWAYS:
		return true;
	case VM_OVERCOMMIT_NEVER:
		return vm_committed / VM_PAGE_SIZE + pages <= vm_commit_limit();
	case VM_OVERCOMMIT_GUESS:
	default:
		zstore_get_stats(&st);
		return pages <= totalram_pages() + st.capacity;
	}
}
