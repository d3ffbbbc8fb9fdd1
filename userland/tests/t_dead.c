/*
 * Dead and missing endpoints: calls on a missing handle fail with
 * -MNEME_EBADH; a caller whose server dies before replying, and any later
 * call on the dead server's endpoint, get -MNEME_EDEAD; a client blocked
 * on an endpoint whose owner dies is woken with -MNEME_EDEAD.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct ktap k;
	struct ulib_msg in, m = { .info = t_info(5) }, r;
	uint64_t srv = 0, caller = 0, reason = 0;

	(void)argc, (void)argv;
	ktap_begin(&k, "dead", 4);
	KTAP_EXPECT_EQ(&k, ipc_call(MNEME_HANDLES_PER_TASK - 1, &m, &r), -MNEME_EBADH);
	KTAP_EXPECT_EQ(&k, ipc_call(0, &m, &r), -MNEME_EBADH);
	KTAP_EXPECT_EQ(&k, ipc_send(0x7fffffff, &m), -MNEME_EBADH);
	KTAP_EXPECT_EQ(&k, ipc_recv(12345, &in), -MNEME_EBADH);
	ktap_result(&k, "missing_handle");

	uint64_t e = t_endpoint();
	uint64_t e_send = t_mint(e, 0x1, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	KTAP_EXPECT_EQ(&k, mm_spawn("p_dead", "mode=server", 0, e_send, 0, &srv), 0);
	mneme_handle_close(e_send);
	KTAP_EXPECT_EQ(&k, ipc_recv(e, &in), 0);
	KTAP_EXPECT(&k, mneme_msginfo_flags(in.info) & MNEME_MSG_HANDLE);
	uint64_t g = mneme_msginfo_slot(in.info);
	KTAP_EXPECT_EQ(&k, ipc_call(g, &m, &r), -MNEME_EDEAD);   /* the server exits without replying */
	KTAP_EXPECT_EQ(&k, t_wait(srv, &reason), 0);
	ktap_result(&k, "server_dies_before_reply");

	KTAP_EXPECT_EQ(&k, ipc_call(g, &m, &r), -MNEME_EDEAD);
	KTAP_EXPECT_EQ(&k, ipc_send(g, &m), -MNEME_EDEAD);
	ktap_result(&k, "call_dead_endpoint");

	/* A third task's call on a child's endpoint: the child takes it and dies. */
	e_send = t_mint(e, 0x2, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	KTAP_EXPECT_EQ(&k, mm_spawn("p_dead", "mode=server", 0, e_send, 0, &srv), 0);
	mneme_handle_close(e_send);
	KTAP_EXPECT_EQ(&k, ipc_recv(e, &in), 0);
	uint64_t g2 = mneme_msginfo_slot(in.info);
	uint64_t g2_pass = t_mint(g2, 0x9, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	KTAP_EXPECT_EQ(&k, mm_spawn("p_dead", "mode=caller", 0, g2_pass, 0, &caller), 0);
	mneme_handle_close(g2_pass);
	/* The caller's call reaches the server, which exits: the caller gets EDEAD. */
	KTAP_EXPECT_EQ(&k, t_wait(caller, NULL), MNEME_EDEAD);
	KTAP_EXPECT_EQ(&k, t_wait(srv, NULL), 0);
	ktap_result(&k, "blocked_caller_woken");
	return ktap_end(&k);
}
