/*
 * A test task as the pager of its child: the child's page faults arrive
 * here as FAULT messages (address, access, instruction pointer, kind, the
 * pager handle's badge); the test has the memory server map a page filled
 * with a pattern and replies RESUME; the child sees the pattern and ends
 * cleanly.
 */
#include "common.h"

#define PAGER_BADGE 0xfa17ULL

/* Take one fault of the child and resolve it; returns the access type reported. */
static uint64_t resolve(struct ktap *k, uint64_t ep, uint64_t child, uint64_t expect_va)
{
	struct ulib_msg in, out = { .info = t_info(MNEME_LABEL_RESUME) };

	KTAP_EXPECT_EQ(k, ipc_recv(ep, &in), 0);
	KTAP_EXPECT_EQ(k, mneme_msginfo_label(in.info), MNEME_LABEL_FAULT);
	KTAP_EXPECT_EQ(k, in.badge, PAGER_BADGE);
	KTAP_EXPECT_EQ(k, in.w[0] & ~0xfffULL, expect_va);
	KTAP_EXPECT_EQ(k, in.w[3], MNEME_FAULT_PAGE);
	KTAP_EXPECT(k, in.w[2] >= MNEME_LAYOUT_IMAGE_BASE && in.w[2] < ULIB_HEAP_BASE);
	KTAP_EXPECT_EQ(k, mm_map(child, in.w[0] & ~0xfffULL, MNEME_PROT_READ | MNEME_PROT_WRITE, 0x5a), 0);
	KTAP_EXPECT_EQ(k, ipc_reply(&out), 0);
	return in.w[1];
}

int main(int argc, char **argv)
{
	struct ktap k;
	uint64_t child = 0, reason = 0;
	int64_t status = -1;

	(void)argc, (void)argv;
	ktap_begin(&k, "pager", 4);
	uint64_t ep = t_endpoint();
	uint64_t pager = t_mint(ep, PAGER_BADGE, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	KTAP_EXPECT(&k, ep && pager);
	KTAP_EXPECT_EQ(&k, mm_spawn("p_touch", "mode=pager", MNEME_MM_SPAWN_PAGER, pager, 0, &child), 0);
	mneme_handle_close(pager);
	KTAP_EXPECT_EQ(&k, mm_map(child, ULIB_HEAP_BASE, MNEME_PROT_READ, 0), -MNEME_EINVAL);
	ktap_result(&k, "spawn_with_own_pager");

	KTAP_EXPECT(&k, resolve(&k, ep, child, ULIB_NOWHERE_VA) & MNEME_PROT_READ);
	ktap_result(&k, "read_fault_resolved");
	KTAP_EXPECT(&k, resolve(&k, ep, child, ULIB_NOWHERE_VA + 4096) & MNEME_PROT_WRITE);
	ktap_result(&k, "write_fault_resolved");

	KTAP_EXPECT_EQ(&k, t_join(child, &status, &reason), 0);
	KTAP_EXPECT_EQ(&k, status, 0);
	KTAP_EXPECT_EQ(&k, reason, MNEME_EXIT_NORMAL);
	ktap_result(&k, "child_continues_and_exits");
	return ktap_end(&k);
}
