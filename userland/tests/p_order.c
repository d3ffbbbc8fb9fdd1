/*
 * Helper of t_order: one side of a rendezvous, early or late.  mode=
 *   call_early / call_late    call handles[0] (w0 = 7), expect reply w0 = 8
 *   send_early / send_late    send handles[0] (w0 = 9)
 *   serve_early / serve_late  recv on handles[0], reply w0 + 1
 * "late" yields a while first.  Progress goes to the shared page:
 * shared[0] = 1 just before the operation, 2 after it.
 */
#include "common.h"

int main(int argc, char **argv)
{
	const char *mode = ulib_arg(argc, argv, "mode");
	volatile uint64_t *shared = (volatile uint64_t *)(uintptr_t)ULIB_SHARED_VA;
	uint64_t ep = ulib_start->handles[0];
	struct ulib_msg m = { .info = t_info(1) }, r;
	int fails = 0;

	if (!mode)
		return 100;
	if (!strcmp(mode + strlen(mode) - 4, "late"))
		for (int i = 0; i < 50; i++)
			mneme_yield();
	shared[0] = 1;
	if (!strncmp(mode, "call", 4)) {
		m.w[0] = 7;
		fails += ipc_call(ep, &m, &r) != 0 || r.w[0] != 8;
	} else if (!strncmp(mode, "send", 4)) {
		m.w[0] = 9;
		fails += ipc_send(ep, &m) != 0;
	} else {
		fails += ipc_recv(ep, &r) != 0;
		m.w[0] = r.w[0] + 1;
		fails += ipc_reply(&m) != 0;
	}
	shared[0] = 2;
	return fails;
}
