/*
 * Faults without a handler: a task with no pager that faults (page fault,
 * illegal instruction, breakpoint, executing data) is killed, the memory
 * server is told (the exit reason and fault kind reach the parent), its
 * memory comes back, and everything else keeps running.
 */
#include "common.h"

struct fault_case {
	const char *mode;
	uint64_t kind;
};

static const struct fault_case cases[] = {
	{ "null_read", MNEME_FAULT_PAGE },
	{ "null_write", MNEME_FAULT_PAGE },
	{ "illegal", MNEME_FAULT_ILLEGAL },
	{ "breakpoint", MNEME_FAULT_BREAKPOINT },
	{ "exec_data", MNEME_FAULT_PAGE },
#ifdef ARCH_USER_HAS_MISALIGNED   /* an access the hardware refuses as misaligned */
	{ "misaligned", MNEME_FAULT_MISALIGNED },
#endif
};
#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

/* Run p_touch in @mode with @flags; returns its exit reason (0 if it could not be run). */
static uint64_t crash(struct ktap *k, const char *mode, unsigned flags, uint64_t *kind)
{
	char args[32];
	uint64_t child = 0, state = 0, status = 0, reason = 0;

	snprintf(args, sizeof(args), "mode=%s", mode);
	KTAP_EXPECT_EQ(k, mm_spawn("p_touch", args, flags, 0, 0, &child), 0);
	KTAP_EXPECT_EQ(k, t_join(child, NULL, &reason), 0);
	if (kind) {
		struct ulib_msg m = { .info = t_info(MNEME_MM_STATUS), .w = { child } }, r;
		KTAP_EXPECT_EQ(k, ipc_call(ulib_start->server_ep, &m, &r), 0);
		state = r.w[0], status = r.w[1], *kind = r.w[3];
		KTAP_EXPECT_EQ(k, state, MNEME_MM_STATE_EXITED);
		(void)status;
	}
	return reason;
}

int main(int argc, char **argv)
{
	struct ktap k;
	uint64_t kind = 0, child = 0;
	int64_t status = -1;

	(void)argc, (void)argv;
	ktap_begin(&k, "nohandler", NR_CASES + 2);
	for (unsigned i = 0; i < NR_CASES; i++) {
		KTAP_EXPECT_EQ(&k, crash(&k, cases[i].mode, MNEME_MM_SPAWN_NOPAGER, &kind), MNEME_EXIT_FAULT);
		KTAP_EXPECT_EQ(&k, kind, cases[i].kind);
		ktap_result(&k, cases[i].mode);
	}
	/* With the memory server as pager: it refuses the fault and has the task killed. */
	KTAP_EXPECT_EQ(&k, crash(&k, "null_write", 0, NULL), MNEME_EXIT_KILLED);
	ktap_result(&k, "server_pager_kills");

	KTAP_EXPECT_EQ(&k, mm_ping(), 0);
	KTAP_EXPECT_EQ(&k, mm_spawn("hello", "still running", 0, 0, 0, &child), 0);
	KTAP_EXPECT_EQ(&k, t_join(child, &status, NULL), 0);
	KTAP_EXPECT_EQ(&k, status, 0);
	ktap_result(&k, "system_keeps_running");
	return ktap_end(&k);
}
