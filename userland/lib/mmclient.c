/*
 * Client side of the memory server's request protocol (mneme/mm_proto.h).
 */
#include <ulib/ulib.h>

static uint64_t server_ep(void)
{
	return ulib_start ? ulib_start->server_ep : 0;
}

/* One request: call with @label and words; the reply's label is the status. */
static int64_t mm_request(uint32_t label, unsigned extra, const uint64_t w[4], uint64_t handle,
			  struct ulib_msg *reply)
{
	struct ulib_msg m = { .info = mneme_msginfo(label, extra, handle ? MNEME_MSG_HANDLE : 0),
			      .handle = handle };
	struct ulib_msg r;

	for (int i = 0; i < 4; i++)
		m.w[i] = w ? w[i] : 0;
	int64_t st = ipc_call(server_ep(), &m, &r);
	if (st)
		return st;
	if (reply)
		*reply = r;
	return (int32_t)mneme_msginfo_label(r.info);
}

int64_t mm_spawn(const char *prog, const char *args, unsigned flags, uint64_t handle,
		 uint64_t share_va, uint64_t *child)
{
	uint64_t w[4] = { 0 };
	size_t n = strlen(prog), alen = args ? strlen(args) : 0;
	struct ulib_msg r;

	if (!ulib_ipc_buffer || n >= sizeof(w) || alen >= MNEME_MM_SPAWN_ARGS_MAX)
		return -MNEME_EINVAL;
	memcpy(w, prog, n);
	uint64_t *x = ulib_ipc_buffer->words;
	x[0] = flags;
	x[1] = share_va;
	memset(&x[MNEME_MM_SPAWN_ARGS_WORD], 0, MNEME_MM_SPAWN_ARGS_MAX);
	if (alen)
		memcpy(&x[MNEME_MM_SPAWN_ARGS_WORD], args, alen);
	unsigned extra = MNEME_MM_SPAWN_ARGS_WORD + (unsigned)(alen + 8) / 8;
	int64_t st = mm_request(MNEME_MM_SPAWN, extra, w, handle, &r);
	if (st == 0 && child)
		*child = r.w[0];
	return st;
}

int64_t mm_status(uint64_t child, uint64_t *state, uint64_t *status, uint64_t *reason)
{
	uint64_t w[4] = { child };
	struct ulib_msg r;
	int64_t st = mm_request(MNEME_MM_STATUS, 0, w, 0, &r);

	if (st == 0) {
		if (state)
			*state = r.w[0];
		if (status)
			*status = r.w[1];
		if (reason)
			*reason = r.w[2];
	}
	return st;
}

int64_t mm_kill(uint64_t child)
{
	uint64_t w[4] = { child };

	return mm_request(MNEME_MM_KILL, 0, w, 0, NULL);
}

int64_t mm_map(uint64_t child, uint64_t va, unsigned prot, unsigned fill)
{
	uint64_t w[4] = { child, va, prot, fill };

	return mm_request(MNEME_MM_MAP_CHILD, 0, w, 0, NULL);
}

int64_t mm_protect_child(uint64_t child, uint64_t va, unsigned prot)
{
	uint64_t w[4] = { child, va, prot };

	return mm_request(MNEME_MM_PROTECT_CHILD, 0, w, 0, NULL);
}

int64_t mm_ping(void)
{
	return mm_request(MNEME_MM_PING, 0, NULL, 0, NULL);
}

int64_t mm_wait(uint64_t child, uint64_t max_yields, uint64_t *status, uint64_t *reason)
{
	for (uint64_t i = 0; i <= max_yields; i++) {
		uint64_t state;
		int64_t st = mm_status(child, &state, status, reason);
		if (st)
			return st;
		if (state == MNEME_MM_STATE_EXITED)
			return 0;
		mneme_yield();
	}
	return -MNEME_EBUSY;
}
