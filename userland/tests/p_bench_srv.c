/*
 * Helper of bench: answers every call on handles[0] with an empty reply,
 * through reply_recv (the fast path's server side), forever.
 */
#include "common.h"

int main(int argc, char **argv)
{
	uint64_t ep = ulib_start->handles[0];
	struct mneme_sysret r;

	(void)argc, (void)argv;
	mneme_recv_r(&r, ep);
	for (;;)
		mneme_reply_recv_r(&r, ep, 0, 0, 0, 0, 0, 0);
}
