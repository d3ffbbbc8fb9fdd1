/*
 * Handles: passing them in messages both ways (the receiver learns the
 * slot and the badge minted into it), rights (no grant right: no
 * transfer; a send-only handle cannot receive), closing.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct ktap k;
	struct ulib_msg in, out;
	uint64_t child = 0;

	(void)argc, (void)argv;
	ktap_begin(&k, "handles", 4);
	uint64_t e = t_endpoint(), f = t_endpoint();
	uint64_t e_send = t_mint(e, 0xe1, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	uint64_t f_grant = t_mint(f, 0xf2, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	uint64_t f_nogrant = t_mint(f, 0xf3, MNEME_RIGHT_SEND);
	KTAP_EXPECT(&k, e && f && e_send && f_grant && f_nogrant);
	KTAP_EXPECT(&k, ipc_recv(f_nogrant, &in) != 0);        /* send-only: cannot receive */
	/* No grant right: it cannot travel in a message (refused before anything blocks). */
	struct ulib_msg bad = { .info = mneme_msginfo(1, 0, MNEME_MSG_HANDLE), .handle = f_nogrant };
	KTAP_EXPECT(&k, ipc_send(f, &bad) != 0);
	KTAP_EXPECT_EQ(&k, mm_spawn("p_handles", NULL, 0, e_send, 0, &child), 0);
	ktap_result(&k, "mint_rights");

	KTAP_EXPECT_EQ(&k, ipc_recv(e, &in), 0);
	KTAP_EXPECT_EQ(&k, mneme_msginfo_label(in.info), 1);
	KTAP_EXPECT_EQ(&k, in.badge, 0xe1);
	out = (struct ulib_msg){ .info = mneme_msginfo(0, 0, MNEME_MSG_HANDLE), .handle = f_grant };
	KTAP_EXPECT_EQ(&k, ipc_reply(&out), 0);
	KTAP_EXPECT_EQ(&k, ipc_recv(f, &in), 0);               /* the child calls through the passed handle */
	KTAP_EXPECT_EQ(&k, mneme_msginfo_label(in.info), 2);
	KTAP_EXPECT_EQ(&k, in.badge, 0xf2);
	KTAP_EXPECT(&k, in.w[0] != 0);
	out = (struct ulib_msg){ .info = t_info(0), .w = { 0xf00d } };
	KTAP_EXPECT_EQ(&k, ipc_reply(&out), 0);
	ktap_result(&k, "pass_handle_to_child");

	KTAP_EXPECT_EQ(&k, ipc_recv(e, &in), 0);
	KTAP_EXPECT_EQ(&k, mneme_msginfo_label(in.info), 3);
	KTAP_EXPECT(&k, mneme_msginfo_flags(in.info) & MNEME_MSG_HANDLE);
	uint64_t g = mneme_msginfo_slot(in.info);
	out = (struct ulib_msg){ .info = t_info(0) };
	KTAP_EXPECT_EQ(&k, ipc_reply(&out), 0);
	struct ulib_msg m = { .info = t_info(9), .w = { 5 } }, r;
	KTAP_EXPECT_EQ(&k, ipc_call(g, &m, &r), 0);
	KTAP_EXPECT_EQ(&k, r.w[0], 105);
	KTAP_EXPECT_EQ(&k, t_wait(child, NULL), 0);
	ktap_result(&k, "pass_handle_from_child");

	KTAP_EXPECT_EQ(&k, mneme_handle_close(f_nogrant), 0);
	KTAP_EXPECT_EQ(&k, mneme_handle_close(f_nogrant), -MNEME_EBADH);
	m = (struct ulib_msg){ .info = t_info(1) };
	KTAP_EXPECT_EQ(&k, ipc_send(f_nogrant, &m), -MNEME_EBADH);
	KTAP_EXPECT_EQ(&k, ipc_call(MNEME_HANDLES_PER_TASK + 5, &m, &r), -MNEME_EBADH);
	KTAP_EXPECT_EQ(&k, mneme_handle_close(0), -MNEME_EBADH);
	ktap_result(&k, "closed_and_bogus_handles");
	return ktap_end(&k);
}
