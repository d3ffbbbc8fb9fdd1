/*
 * IPC helpers over the raw syscall stubs: messages as a small struct.
 */
#ifndef ULIB_IPC_H
#define ULIB_IPC_H

#include <stdint.h>
#include <mneme/ipc.h>
#include <ulib/sys.h>

struct ulib_msg {
	uint64_t badge;   /* on receive: the badge of the sender's handle */
	uint64_t info;    /* msginfo: label, extra words, flags, handle slot */
	uint64_t w[MNEME_MSG_REGS];
	uint64_t handle;  /* to send: handle to transfer (needs MNEME_MSG_HANDLE in info) */
};

static inline void ulib_msg_from_ret(struct ulib_msg *m, const struct mneme_sysret *r)
{
	m->badge = r->r[1];
	m->info = r->r[2];
	for (int i = 0; i < MNEME_MSG_REGS; i++)
		m->w[i] = r->r[3 + i];
	m->handle = 0;
}

/* call(): send @m on @ep and wait for the reply, stored in *@reply.  Returns the status. */
static inline int64_t ipc_call(uint64_t ep, const struct ulib_msg *m, struct ulib_msg *reply)
{
	struct mneme_sysret r;
	int64_t st = mneme_call_r(&r, ep, m->info, m->w[0], m->w[1], m->w[2], m->w[3], m->handle);

	if (reply)
		ulib_msg_from_ret(reply, &r);
	return st;
}

static inline int64_t ipc_send(uint64_t ep, const struct ulib_msg *m)
{
	return mneme_send(ep, m->info, m->w[0], m->w[1], m->w[2], m->w[3], m->handle);
}

static inline int64_t ipc_recv(uint64_t ep, struct ulib_msg *out)
{
	struct mneme_sysret r;
	int64_t st = mneme_recv_r(&r, ep);

	ulib_msg_from_ret(out, &r);
	return st;
}

static inline int64_t ipc_reply(const struct ulib_msg *m)
{
	return mneme_reply(0, m->info, m->w[0], m->w[1], m->w[2], m->w[3], m->handle);
}

/* reply_recv(): reply @m to the last caller, then wait on @ep for the next message. */
static inline int64_t ipc_reply_recv(uint64_t ep, const struct ulib_msg *m, struct ulib_msg *out)
{
	struct mneme_sysret r;
	int64_t st = mneme_reply_recv_r(&r, ep, m->info, m->w[0], m->w[1], m->w[2], m->w[3],
					m->handle);

	ulib_msg_from_ret(out, &r);
	return st;
}

#endif
