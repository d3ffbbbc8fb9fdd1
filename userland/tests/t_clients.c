/*
 * Many clients against one server: each client's calls arrive in order
 * with its own badge, every call gets its own reply, all clients finish.
 */
#include "common.h"

#define CLIENTS 6
#define CALLS 40

int main(int argc, char **argv)
{
	struct ktap k;
	uint64_t child[CLIENTS], next[CLIENTS] = { 0 };
	char args[48];

	(void)argc, (void)argv;
	ktap_begin(&k, "clients", 3);
	uint64_t ep = t_endpoint();
	KTAP_EXPECT(&k, ep != 0);
	for (unsigned i = 0; i < CLIENTS; i++) {
		uint64_t h = t_mint(ep, 0xc0de00 + i, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
		snprintf(args, sizeof(args), "calls=%u id=%u", CALLS, i);
		KTAP_EXPECT(&k, h != 0);
		KTAP_EXPECT_EQ(&k, mm_spawn("p_client", args, 0, h, 0, &child[i]), 0);
		mneme_handle_close(h);
	}
	ktap_result(&k, "spawn_clients");

	unsigned bad = 0;
	struct ulib_msg in, out;
	int64_t st = ipc_recv(ep, &in);
	for (unsigned n = 0; n < CLIENTS * CALLS; n++) {
		unsigned c = (unsigned)(in.badge - 0xc0de00);
		if (st || c >= CLIENTS || in.w[0] != c || in.w[1] != next[c] ||
		    mneme_msginfo_label(in.info) != next[c]) {
			bad++;
			c = c < CLIENTS ? c : 0;
		}
		next[c]++;
		out = (struct ulib_msg){ .info = t_info(0), .w = { 2 * in.w[1] + 1, in.w[0] } };
		if (n + 1 < CLIENTS * CALLS)
			st = ipc_reply_recv(ep, &out, &in);
		else
			st = ipc_reply(&out);
	}
	KTAP_EXPECT_EQ(&k, st, 0);
	KTAP_EXPECT_EQ(&k, bad, 0);
	for (unsigned i = 0; i < CLIENTS; i++)
		KTAP_EXPECT_EQ(&k, next[i], CALLS);
	ktap_result(&k, "calls_in_order_per_badge");

	for (unsigned i = 0; i < CLIENTS; i++)
		KTAP_EXPECT_EQ(&k, t_wait(child[i], NULL), 0);
	ktap_result(&k, "clients_exit_clean");
	return ktap_end(&k);
}
