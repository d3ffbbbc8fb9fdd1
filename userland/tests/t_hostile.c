/*
 * A hostile client of the memory server: many random and malformed
 * requests (random labels, words, extra-word counts, flags, handles
 * passed along, spawn requests with bad names, flags and sizes, status /
 * kill / map of ids that are not its children).  The server must answer
 * every call with a valid status, keep serving, and - checked by the
 * server itself after the program ends - get every frame back.
 */
#include "common.h"

#define REQUESTS 20000

static const uint32_t labels[] = { MNEME_MM_SPAWN, MNEME_MM_STATUS, MNEME_MM_KILL, MNEME_MM_MAP_CHILD,
				   MNEME_MM_PING, 0, 0x6d6d0006, 0xffffffffu };

static uint64_t rng = 0x40571e;

static uint64_t pick(void)
{
	uint64_t v = ulib_rand(&rng);

	switch (v % 6) {
	case 0: return 0;
	case 1: return (v >> 8) % 300;
	case 2: return ULIB_NOWHERE_VA + ((v >> 8) & 0xfff000);
	case 3: return (uint64_t)-1;
	default: return ulib_rand(&rng);
	}
}

/* Fill the IPC buffer's first words as a spawn request might (or not). */
static void random_buffer(void)
{
	uint64_t v = ulib_rand(&rng);

	ulib_ipc_buffer->words[0] = v % 3 ? v % 8 : v;            /* flags */
	ulib_ipc_buffer->words[1] = pick();                        /* share VA */
	for (int i = 2; i < 20; i++)
		ulib_ipc_buffer->words[i] = v % 2 ? 0 : ulib_rand(&rng);   /* args, maybe unterminated */
}

int main(int argc, char **argv)
{
	struct ktap k;
	unsigned bad_status = 0, failed_calls = 0, spawned = 0;
	uint64_t ep = t_endpoint(), h = t_mint(ep, 0x77, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);

	(void)argc, (void)argv;
	ktap_begin(&k, "hostile", 3);
	KTAP_EXPECT(&k, ep && h);
	for (unsigned i = 0; i < REQUESTS; i++) {
		uint64_t v = ulib_rand(&rng);
		uint32_t label = labels[v % 8];
		unsigned extra = (v >> 8) % 4 == 0 ? (unsigned)((v >> 16) % 121) : (unsigned)((v >> 16) % 20);
		unsigned flags = (v >> 24) % 5 == 0 ? MNEME_MSG_HANDLE : 0;
		struct ulib_msg m = { .info = mneme_msginfo(label, extra, flags), .handle = flags ? h : 0 }, r;
		for (int j = 0; j < 4; j++)
			m.w[j] = pick();
		if (label == MNEME_MM_SPAWN && (v >> 32) % 4 == 0)
			memcpy(m.w, (v >> 40) % 2 ? "hello\0\0\0" : "p_nope\0\0", 8);   /* names that exist or not */
		random_buffer();
		int64_t st = ipc_call(ulib_start->server_ep, &m, &r);
		failed_calls += st != 0;
		int32_t status = (int32_t)mneme_msginfo_label(r.info);
		bad_status += status > 0 || status <= -MNEME_ERROR_MAX;
		spawned += label == MNEME_MM_SPAWN && st == 0 && status == 0;
	}
	ktap_diag(&k, "%u requests, %u spawned a child", REQUESTS, spawned);
	KTAP_EXPECT_EQ(&k, failed_calls, 0);
	KTAP_EXPECT_EQ(&k, bad_status, 0);
	ktap_result(&k, "every_request_answered");

	KTAP_EXPECT_EQ(&k, mm_ping(), 0);
	uint64_t child = 0;
	int64_t status = -1;
	KTAP_EXPECT_EQ(&k, mm_spawn("hello", "after the storm", 0, 0, 0, &child), 0);
	KTAP_EXPECT_EQ(&k, t_join(child, &status, NULL), 0);
	KTAP_EXPECT_EQ(&k, status, 0);
	ktap_result(&k, "server_still_serves");

	/* The handle went along with a fifth of the requests: the server must have closed each. */
	for (int i = 0; i < 70; i++) {
		uint64_t c = 0;
		KTAP_EXPECT_EQ(&k, mm_spawn("hello", NULL, 0, h, 0, &c), 0);
		KTAP_EXPECT_EQ(&k, t_join(c, NULL, NULL), 0);
	}
	ktap_result(&k, "server_handle_table_not_leaking");
	return ktap_end(&k);
}
