/*
 * IPC ping-pong between two address spaces: every message word both ways,
 * the label, the badge the receiver learns, a long message through the IPC
 * buffers, and the client's clean exit.
 */
#include "common.h"

#define ROUNDS 100
#define BADGE 0x5eed1234abcdULL

static uint64_t word(unsigned i, unsigned k)
{
	return (0x0123456789abcdefULL * (i + 1)) ^ ((uint64_t)k << 56) ^ k;
}

int main(int argc, char **argv)
{
	struct ktap k;
	struct ulib_msg in, out;
	uint64_t child = 0, reason = 0;

	(void)argc, (void)argv;
	ktap_begin(&k, "ipc", 4);
	uint64_t ep = t_endpoint();
	uint64_t badged = t_mint(ep, BADGE, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	KTAP_EXPECT(&k, ep && badged);
	KTAP_EXPECT_EQ(&k, mm_spawn("p_echo", NULL, 0, badged, 0, &child), 0);
	mneme_handle_close(badged);
	if (ktap_result(&k, "spawn_client"))
		return ktap_end(&k) + 3;

	int64_t st = ipc_recv(ep, &in);
	unsigned bad_words = 0, bad_badge = 0, bad_label = 0;
	for (unsigned i = 0; i < ROUNDS; i++) {
		KTAP_EXPECT_EQ(&k, st, 0);
		bad_badge += in.badge != BADGE;
		bad_label += mneme_msginfo_label(in.info) != 0x100 + i;
		out.info = t_info(0x200 + i);
		for (unsigned j = 0; j < MNEME_MSG_REGS; j++) {
			bad_words += in.w[j] != word(i, j);
			out.w[j] = in.w[j] + 1;
		}
		out.handle = 0;
		st = ipc_reply_recv(ep, &out, &in);
	}
	KTAP_EXPECT_EQ(&k, bad_badge, 0);
	KTAP_EXPECT_EQ(&k, bad_label, 0);
	KTAP_EXPECT_EQ(&k, bad_words, 0);
	ktap_result(&k, "pingpong_words_badge");

	KTAP_EXPECT_EQ(&k, st, 0);
	KTAP_EXPECT_EQ(&k, mneme_msginfo_label(in.info), 0x300);
	KTAP_EXPECT_EQ(&k, mneme_msginfo_extra(in.info), MNEME_IPC_BUFFER_WORDS);
	unsigned bad_long = 0;
	for (unsigned j = 0; j < MNEME_IPC_BUFFER_WORDS; j++) {
		bad_long += ulib_ipc_buffer->words[j] != 0x1000 + j;
		ulib_ipc_buffer->words[j] = 0x1000 + j + 7;
	}
	KTAP_EXPECT_EQ(&k, bad_long, 0);
	out = (struct ulib_msg){ .info = mneme_msginfo(0x301, MNEME_IPC_BUFFER_WORDS, 0) };
	st = ipc_reply_recv(ep, &out, &in);
	KTAP_EXPECT_EQ(&k, st, 0);
	KTAP_EXPECT_EQ(&k, mneme_msginfo_label(in.info), 0x3ff);
	out = (struct ulib_msg){ .info = t_info(0) };
	KTAP_EXPECT_EQ(&k, ipc_reply(&out), 0);
	ktap_result(&k, "long_message");

	KTAP_EXPECT_EQ(&k, t_wait(child, &reason), 0);
	KTAP_EXPECT_EQ(&k, reason, MNEME_EXIT_NORMAL);
	ktap_result(&k, "client_exit_clean");
	return ktap_end(&k);
}
