/*
 * The IPC fast path: call and reply_recv when the whole message is in
 * registers (no extra words, no handle, no flags), the partner already
 * waits, and nothing else needs deciding.  The CPU passes straight from
 * one thread to the other: no run-queue traffic, no staging.  Anything
 * unusual returns NULL and the general path in ipc.c handles the call
 * from the start (the fast path changes nothing before it commits).
 * Every check of the general path is made (handle range, type, right,
 * endpoint generation, the caller's generation, state and replier, no
 * fault, no extra words or flags, priorities), some merged into one load.
 *
 * Inline: included only by syscall_fast.c, the syscall entry, so a fast
 * call costs no function calls of its own.
 */
#ifndef CORE_IPC_FAST_H
#define CORE_IPC_FAST_H

#include <arch/uspace.h>
#include <core/ipc.h>
#include <core/sched.h>

/*
 * Decode and perform, in two steps so the message words are read only
 * where they are stored: ipc_fast() checks everything, changes the
 * threads' states and returns the partner (NULL: take the general path,
 * nothing changed); ipc_fast_finish() gives the partner the message and
 * the CPU.  The entry supplies the arguments as values (from the frame or
 * straight from the registers the arch passed them in).
 */

/*
 * The live endpoint behind @slot if the handle has @right, else NULL.
 * Type and right are tested together: one halfword load, type in its low
 * byte and rights in its high byte (little-endian, checked below).
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&
	       __builtin_offsetof(struct handle, type) == 0 &&
	       __builtin_offsetof(struct handle, rights) == 1, "handle type/rights halfword");
static inline __attribute__((always_inline)) struct endpoint *
fast_endpoint(struct thread *cur, uint64_t slot, unsigned right, const struct handle **hp)
{
	if (slot >= MNEME_HANDLES_PER_TASK)
		return NULL;
	const struct handle *h = &cur->task->handles[slot];
	uint16_t type_rights;
	__builtin_memcpy(&type_rights, h, sizeof(type_rights));
	if ((type_rights & (0xffu | right << 8)) != (MNEME_OBJ_ENDPOINT | right << 8))
		return NULL;
	struct endpoint *ep = &endpoint_table[h->index];
	if (ep->gen != h->gen)        /* destroying an endpoint bumps its generation */
		return NULL;
	*hp = h;
	return ep;
}

/* @t's state if it is not a faulting thread's, else something no state equals (one load). */
static inline __attribute__((always_inline)) unsigned fast_state_fault(const struct thread *t)
{
	uint16_t v;

	__builtin_memcpy(&v, &t->state, sizeof(v));     /* state, then fault (object.h) */
	return v;
}

/* call: the receiver waiting on @slot's endpoint takes @cur's call; @badge for it. */
static inline __attribute__((always_inline)) struct thread *
ipc_fast_call(struct thread *cur, uint64_t slot, uint64_t *badge)
{
	const struct handle *h;

	struct endpoint *ep = fast_endpoint(cur, slot, MNEME_RIGHT_SEND, &h);
	if (!ep || list_empty(&ep->recv_q))
		return NULL;
	struct thread *r = list_entry(ep->recv_q.next, struct thread, link);
	if (r->reply_to || sched_outranked(r->prio))
		return NULL;
	list_del_first(&ep->recv_q, &r->link);
	r->reply_to = cur;
	r->reply_gen = cur->gen;
	r->state = THREAD_RUNNABLE;     /* blocked_on is left: it means something in SEND/RECV only */
	cur->state = THREAD_REPLY;
	cur->replier = r;
	*badge = h->badge;
	return r;
}

/* reply_recv: @cur's caller takes the reply, @cur waits on @slot's endpoint. */
static inline __attribute__((always_inline)) struct thread *
ipc_fast_reply_recv(struct thread *cur, uint64_t slot)
{
	struct thread *c = cur->reply_to;
	const struct handle *h;

	if (!c || c->gen != cur->reply_gen || fast_state_fault(c) != THREAD_REPLY ||
	    c->replier != cur || sched_outranked(c->prio))
		return NULL;
	struct endpoint *ep = fast_endpoint(cur, slot, MNEME_RIGHT_RECV, &h);
	if (!ep || !list_empty(&ep->send_q) || !list_empty(&ep->exit_q))
		return NULL;
	c->replier = NULL;
	c->state = THREAD_RUNNABLE;
	cur->reply_to = NULL;
	cur->state = THREAD_RECV;
	cur->blocked_on = ep;
	list_add_tail(&ep->recv_q, &cur->link);
	return c;
}

/*
 * The fast path's decision for syscall @nr (arg0 @slot, arg1 @info): the
 * partner that gets the message and the CPU, with the badge it sees, or
 * NULL (nothing changed: take the general path).
 */
static inline __attribute__((always_inline)) struct thread *
ipc_fast(struct thread *cur, uint64_t nr, uint64_t slot, uint64_t info, uint64_t *badge)
{
	*badge = 0;
	if (info >> 32)         /* extra words, flags or slot bits: not for the fast path */
		return NULL;
	if (nr == MNEME_SYS_call)
		return ipc_fast_call(cur, slot, badge);
	if (nr == MNEME_SYS_reply_recv)
		return ipc_fast_reply_recv(cur, slot);
	return NULL;
}

/*
 * @to's results (status, badge, msginfo, words 0..3), then @to runs
 * (@set_regs false: the caller hands @to's frame to the arch itself).
 */
static inline __attribute__((always_inline)) void
ipc_fast_finish(struct thread *to, uint64_t badge, uint64_t info,
		uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, bool set_regs)
{
	struct arch_regs *r = &to->regs;

	arch_regs_set_ret(r, 0, 0);
	arch_regs_set_ret(r, 1, badge);
	arch_regs_set_ret(r, 2, info);
	arch_regs_set_ret(r, 3, w0);
	arch_regs_set_ret(r, 4, w1);
	arch_regs_set_ret(r, 5, w2);
	arch_regs_set_ret(r, 6, w3);
	sched_switch_fast(to, set_regs);
}

#endif
