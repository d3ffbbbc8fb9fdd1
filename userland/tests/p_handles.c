/*
 * Helper of t_handles.  handles[0]: badged send handle to the test's
 * endpoint E.  1) call E (label 1): the reply carries a handle to F; call
 * F (label 2).  2) create endpoint G, pass it to the test in a call on E
 * (label 3), then serve one call on G (reply w0 + 100).
 */
#include "common.h"

int main(int argc, char **argv)
{
	uint64_t e = ulib_start->handles[0];
	struct ulib_msg m = { .info = t_info(1) }, r;
	int fails = 0;

	(void)argc, (void)argv;
	fails += ipc_call(e, &m, &r) != 0;
	if (!(mneme_msginfo_flags(r.info) & MNEME_MSG_HANDLE))
		return 50;
	uint64_t f = mneme_msginfo_slot(r.info);
	m = (struct ulib_msg){ .info = t_info(2), .w = { f } };
	fails += ipc_call(f, &m, &r) != 0 || r.w[0] != 0xf00d;

	uint64_t g = t_endpoint();
	uint64_t g_send = t_mint(g, 0x6, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	m = (struct ulib_msg){ .info = mneme_msginfo(3, 0, MNEME_MSG_HANDLE), .handle = g_send };
	fails += !g || !g_send || ipc_call(e, &m, &r) != 0;
	fails += ipc_recv(g, &r) != 0 || r.badge != 0x6;
	m = (struct ulib_msg){ .info = t_info(4), .w = { r.w[0] + 100 } };
	fails += ipc_reply(&m) != 0;
	return fails;
}
