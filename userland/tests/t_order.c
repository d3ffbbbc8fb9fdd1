/*
 * Blocking and wake-up in every order: call, send and receive, with the
 * receiver waiting first and with the sender blocked first.
 */
#include "common.h"

static volatile uint64_t shared[512] __attribute__((aligned(4096)));

/* Start p_order in @mode with a handle to @ep of @rights. */
static uint64_t start(struct ktap *k, uint64_t ep, unsigned rights, const char *mode)
{
	char args[32];
	uint64_t child = 0, h = t_mint(ep, 0x0d, rights | MNEME_RIGHT_GRANT);

	shared[0] = 0;
	snprintf(args, sizeof(args), "mode=%s", mode);
	KTAP_EXPECT_EQ(k, mm_spawn("p_order", args, MNEME_MM_SPAWN_SHARE, h, (uintptr_t)shared, &child), 0);
	mneme_handle_close(h);
	return child;
}

/* Yield until the child reached @state in the shared page (then a little more). */
static bool wait_state(uint64_t state)
{
	for (int i = 0; i < 100000; i++) {
		if (shared[0] >= state) {
			for (int j = 0; j < 20; j++)
				mneme_yield();
			return true;
		}
		mneme_yield();
	}
	return false;
}

static void receive_side(struct ktap *k, uint64_t ep, const char *mode, bool early, uint64_t word)
{
	struct ulib_msg in, out = { .info = t_info(0) };
	uint64_t child = start(k, ep, MNEME_RIGHT_SEND, mode);

	if (early)
		KTAP_EXPECT(k, wait_state(1));   /* the child is blocked in its call/send now */
	KTAP_EXPECT_EQ(k, ipc_recv(ep, &in), 0);
	KTAP_EXPECT_EQ(k, in.badge, 0x0d);
	KTAP_EXPECT_EQ(k, in.w[0], word);
	if (word == 7) {
		out.w[0] = 8;
		KTAP_EXPECT_EQ(k, ipc_reply(&out), 0);
	}
	KTAP_EXPECT_EQ(k, t_wait(child, NULL), 0);
	KTAP_EXPECT_EQ(k, shared[0], 2);
}

static void call_side(struct ktap *k, uint64_t ep, const char *mode, bool early)
{
	struct ulib_msg m = { .info = t_info(3), .w = { 41 } }, r;
	uint64_t child = start(k, ep, MNEME_RIGHT_RECV | MNEME_RIGHT_SEND, mode);

	if (early)
		KTAP_EXPECT(k, wait_state(1));   /* the child waits in recv now */
	KTAP_EXPECT_EQ(k, ipc_call(ep, &m, &r), 0);
	KTAP_EXPECT_EQ(k, r.w[0], 42);
	KTAP_EXPECT_EQ(k, t_wait(child, NULL), 0);
}

int main(int argc, char **argv)
{
	struct ktap k;
	uint64_t ep = t_endpoint();

	(void)argc, (void)argv;
	ktap_begin(&k, "order", 6);
	receive_side(&k, ep, "call_late", false, 7);
	ktap_result(&k, "receiver_waits_then_call");
	receive_side(&k, ep, "call_early", true, 7);
	ktap_result(&k, "caller_waits_then_recv");
	receive_side(&k, ep, "send_late", false, 9);
	ktap_result(&k, "receiver_waits_then_send");
	receive_side(&k, ep, "send_early", true, 9);
	ktap_result(&k, "sender_waits_then_recv");
	call_side(&k, ep, "serve_early", true);
	ktap_result(&k, "server_waits_then_call");
	call_side(&k, ep, "serve_late", false);
	ktap_result(&k, "call_waits_then_server");
	return ktap_end(&k);
}
