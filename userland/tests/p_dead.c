/*
 * Helper of t_dead.  mode=server: create an endpoint, pass it to the test
 * through handles[0] (send, label 1), wait for one call on it and exit
 * without replying.  mode=caller: call handles[0] and exit with the status
 * the call returned, negated (the test expects MNEME_EDEAD).
 */
#include "common.h"

int main(int argc, char **argv)
{
	const char *mode = ulib_arg(argc, argv, "mode");
	struct ulib_msg m = { .info = t_info(1) }, r;

	if (mode && !strcmp(mode, "caller"))
		return (int)-ipc_call(ulib_start->handles[0], &m, &r);
	uint64_t g = t_endpoint();
	uint64_t g_send = t_mint(g, 0x9, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	m = (struct ulib_msg){ .info = mneme_msginfo(1, 0, MNEME_MSG_HANDLE), .handle = g_send };
	if (!g || !g_send || ipc_send(ulib_start->handles[0], &m))
		return 1;
	if (ipc_recv(g, &r))
		return 2;
	return 0;   /* exit with the caller still waiting for its reply */
}
