/*
 * Helper of t_ipc: the client side of the ping-pong.  handles[0] is a
 * badged send handle to the test's endpoint.  Exit status: failed checks.
 */
#include "common.h"

#define ROUNDS 100

static uint64_t word(unsigned i, unsigned k)
{
	return (0x0123456789abcdefULL * (i + 1)) ^ ((uint64_t)k << 56) ^ k;
}

int main(int argc, char **argv)
{
	uint64_t ep = ulib_start->handles[0];
	int fails = 0;

	(void)argc, (void)argv;
	for (unsigned i = 0; i < ROUNDS; i++) {
		struct ulib_msg m = { .info = t_info(0x100 + i) }, r;
		for (unsigned k = 0; k < MNEME_MSG_REGS; k++)
			m.w[k] = word(i, k);
		fails += ipc_call(ep, &m, &r) != 0;
		fails += mneme_msginfo_label(r.info) != 0x200 + i;
		for (unsigned k = 0; k < MNEME_MSG_REGS; k++)
			fails += r.w[k] != m.w[k] + 1;
	}
	/* A long message through the IPC buffers, and a long reply. */
	for (unsigned j = 0; j < MNEME_IPC_BUFFER_WORDS; j++)
		ulib_ipc_buffer->words[j] = 0x1000 + j;
	struct ulib_msg m = { .info = mneme_msginfo(0x300, MNEME_IPC_BUFFER_WORDS, 0) }, r;
	fails += ipc_call(ep, &m, &r) != 0;
	fails += mneme_msginfo_label(r.info) != 0x301;
	fails += mneme_msginfo_extra(r.info) != MNEME_IPC_BUFFER_WORDS;
	for (unsigned j = 0; j < MNEME_IPC_BUFFER_WORDS; j++)
		fails += ulib_ipc_buffer->words[j] != 0x1000 + j + 7;
	m.info = t_info(0x3ff);
	fails += ipc_call(ep, &m, &r) != 0;
	if (fails)
		printf("p_echo: %d failed checks\n", fails);
	return fails;
}
