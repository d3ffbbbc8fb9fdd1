/*
 * The IPC fast path: call and reply_recv when the whole message is in
 * registers (no extra words, no handle, no flags), the partner already
 * waits, and nothing else needs deciding.  The CPU passes straight from
 * one thread to the other: no run-queue traffic, no staging.  Anything
 * unusual returns false and the general path in ipc.c handles the call
 * from the start (the fast path changes nothing before it commits).
 *
 * Inline: included only by syscall.c, in front of the dispatcher, so a
 * fast call costs no function calls of its own.
 */
#ifndef CORE_IPC_FAST_H
#define CORE_IPC_FAST_H

#include <arch/uspace.h>
#include <core/ipc.h>
#include <core/sched.h>

/* Receiver results: status, badge, msginfo, words 0..3 from the sender's arguments. */
static inline __attribute__((always_inline)) void
fast_transfer(struct arch_regs *to, const struct arch_regs *from, uint64_t badge, uint64_t info)
{
	arch_regs_set_ret(to, 0, 0);
	arch_regs_set_ret(to, 1, badge);
	arch_regs_set_ret(to, 2, info);
	arch_regs_set_ret(to, 3, arch_regs_arg(from, 2));
	arch_regs_set_ret(to, 4, arch_regs_arg(from, 3));
	arch_regs_set_ret(to, 5, arch_regs_arg(from, 4));
	arch_regs_set_ret(to, 6, arch_regs_arg(from, 5));
}

/* The live endpoint behind @slot if the handle has @right, else NULL. */
static inline __attribute__((always_inline)) struct endpoint *
fast_endpoint(struct thread *cur, uint64_t slot, unsigned right, const struct handle **hp)
{
	if (slot >= MNEME_HANDLES_PER_TASK)
		return NULL;
	const struct handle *h = &cur->task->handles[slot];
	if (h->type != MNEME_OBJ_ENDPOINT || !(h->rights & right))
		return NULL;
	struct endpoint *ep = &endpoint_table[h->index];
	if (ep->gen != h->gen)        /* destroying an endpoint bumps its generation */
		return NULL;
	*hp = h;
	return ep;
}

static inline bool ipc_fast_call(struct thread *cur)
{
	const struct arch_regs *regs = &cur->regs;
	uint64_t info = arch_regs_arg(regs, 1);
	const struct handle *h;

	if (info >> 32)
		return false;
	struct endpoint *ep = fast_endpoint(cur, arch_regs_arg(regs, 0), MNEME_RIGHT_SEND, &h);
	if (!ep || list_empty(&ep->recv_q))
		return false;
	struct thread *r = list_entry(ep->recv_q.next, struct thread, link);
	if (r->reply_to || sched_outranked(r->prio))
		return false;
	list_del(&r->link);
	fast_transfer(&r->regs, regs, h->badge, info);
	r->reply_to = cur;
	r->reply_gen = cur->gen;
	r->state = THREAD_RUNNABLE;
	r->blocked_on = NULL;
	cur->state = THREAD_REPLY;
	cur->replier = r;
	sched_switch_fast(r);
	return true;
}

static inline bool ipc_fast_reply_recv(struct thread *cur)
{
	const struct arch_regs *regs = &cur->regs;
	uint64_t info = arch_regs_arg(regs, 1);
	struct thread *c = cur->reply_to;
	const struct handle *h;

	if ((info >> 32) || !c || c->gen != cur->reply_gen || c->state != THREAD_REPLY ||
	    c->replier != cur || c->fault || sched_outranked(c->prio))
		return false;
	struct endpoint *ep = fast_endpoint(cur, arch_regs_arg(regs, 0), MNEME_RIGHT_RECV, &h);
	if (!ep || !list_empty(&ep->send_q) || !list_empty(&ep->exit_q))
		return false;
	fast_transfer(&c->regs, regs, 0, info);
	c->replier = NULL;
	c->state = THREAD_RUNNABLE;
	cur->reply_to = NULL;
	cur->state = THREAD_RECV;
	cur->blocked_on = ep;
	list_add_tail(&ep->recv_q, &cur->link);
	sched_switch_fast(c);
	return true;
}

#endif
