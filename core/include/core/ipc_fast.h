/*
 * The IPC fast path: call and reply_recv when the whole message is in
 * registers (no extra words, no handle, no flags), the partner already
 * waits, and nothing else needs deciding.  The CPU passes straight from
 * one thread to the other: no run-queue traffic, no staging.  Anything
 * unusual returns NULL and the general path in ipc.c handles the call
 * from the start (the fast path changes nothing before it commits).
 * Every check of the general path is made (handle range, type, right,
 * endpoint generation, the caller's generation, state and replier, no
 * fault, no extra words or flags, priorities), some merged into one load,
 * under the endpoint's lock, which is the only lock the fast path takes.
 * The partner must have last run on this CPU: the fast path never moves
 * a thread between CPUs (docs/architecture.md, "The IPC fast path on
 * many CPUs").
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
 *
 * A reply_recv is the exception: it puts @cur on the endpoint's receive
 * queue, and once the lock is dropped a sender on another CPU may
 * deliver into @cur's frame, where the entry may still be about to read
 * the reply from.  So the reply goes to the caller's frame first, under
 * the lock (fast_deliver()): read from @cur's frame @msg, or (@msg NULL)
 * the values the arch passed in registers; only the switch is left.
 */

/* @to's results: status 0, @badge, msginfo @info, words 0..3. */
static inline __attribute__((always_inline)) void
fast_deliver(struct thread *to, uint64_t badge, uint64_t info, uint64_t w0, uint64_t w1,
	     uint64_t w2, uint64_t w3)
{
	struct arch_regs *r = &to->regs;

	arch_regs_set_ret(r, 0, 0);
	arch_regs_set_ret(r, 1, badge);
	arch_regs_set_ret(r, 2, info);
	arch_regs_set_ret(r, 3, w0);
	arch_regs_set_ret(r, 4, w1);
	arch_regs_set_ret(r, 5, w2);
	arch_regs_set_ret(r, 6, w3);
}

/*
 * The endpoint behind @slot if the handle has @right, else NULL, with the
 * handle's word in *@word.  Type and right are tested together: the low
 * halfword of the word is type | rights << 8 (little-endian, checked
 * below).  Lock-free: the caller confirms the word under the endpoint's
 * lock (fast_endpoint_confirm()).
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&
	       __builtin_offsetof(struct handle, type) == 0 &&
	       __builtin_offsetof(struct handle, rights) == 1 &&
	       __builtin_offsetof(struct handle, index) == 2 &&
	       __builtin_offsetof(struct handle, gen) == 4, "handle word layout");
static inline __attribute__((always_inline)) struct endpoint *
fast_endpoint(const struct cpu *c, const struct handle *h, unsigned right, uint64_t *word)
{
	uint64_t w = __atomic_load_n(&h->word, __ATOMIC_RELAXED);

	if ((w & (0xffu | right << 8)) != (MNEME_OBJ_ENDPOINT | right << 8))
		return NULL;
	*word = w;
#ifdef ARCH_TABLE_BASE_LOAD
	/* the arch forms a static address in more instructions than one load through this CPU */
	return &c->endpoints[(w >> 16) & 0xffff];
#else
	(void)c;
	return &endpoint_table[(w >> 16) & 0xffff];
#endif
}

/*
 * With @ep locked: true if handle @h still holds @word and @ep is that
 * handle's live endpoint (destroying an endpoint bumps its generation).
 * From here until the unlock the slot cannot change (a slot naming an
 * endpoint is written only under the endpoint's lock), so its badge is
 * the handle's.
 */
static inline __attribute__((always_inline)) bool
fast_endpoint_confirm(const struct handle *h, struct endpoint *ep, uint64_t word)
{
	return h->word == word && ep->gen == (uint32_t)(word >> 32);
}

/* @t's state if it is not a faulting thread's, else something no state equals (one load). */
static inline __attribute__((always_inline)) unsigned fast_state_fault(const struct thread *t)
{
	uint16_t v;

	__builtin_memcpy(&v, &t->state, sizeof(v));     /* state, then fault (object.h) */
	return v;
}

/*
 * call: the receiver waiting on @slot's endpoint takes @cur's call and
 * this CPU @c; @badge for it.  The receiver must have last run here (so
 * it may run here and its task's TLB set has this CPU) and not outrank
 * what waits here.
 */
static inline __attribute__((always_inline)) struct thread *
ipc_fast_call(struct cpu *c, struct thread *cur, uint64_t slot, uint64_t *badge)
{
	uint64_t word;

	if (slot >= MNEME_HANDLES_PER_TASK)
		return NULL;
	const struct handle *h = &cur->task->handles[slot];
	struct endpoint *ep = fast_endpoint(c, h, MNEME_RIGHT_SEND, &word);
	if (!ep)
		return NULL;
	spin_lock(&ep->lock);
	if (!fast_endpoint_confirm(h, ep, word) || list_empty(&ep->recv_q))
		goto no;
	struct thread *r = list_entry(ep->recv_q.next, struct thread, link);
	if (r->reply_to || r->cpu != c || sched_outranked(c, r))
		goto no;
	list_del_first(&ep->recv_q, &r->link);
	r->reply_to = cur;
	r->reply_gen = cur->gen;
	r->state = THREAD_RUNNABLE;     /* blocked_on is left: it means something in SEND/RECV only */
	cur->state = THREAD_REPLY;
	cur->replier = r;
	cur->reply_ep = ep;
	*badge = h->badge;
	spin_unlock(&ep->lock);
	return r;
no:
	spin_unlock(&ep->lock);
	return NULL;
}

/* reply_recv: @cur's caller takes the reply and this CPU @c, @cur waits on @slot's endpoint. */
static inline __attribute__((always_inline)) struct thread *
ipc_fast_reply_recv(struct cpu *c, struct thread *cur, uint64_t slot, const struct arch_regs *msg,
		    uint64_t info, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
	struct thread *caller;
	uint64_t word;

	if (slot >= MNEME_HANDLES_PER_TASK)
		return NULL;
	const struct handle *h = &cur->task->handles[slot];
	struct endpoint *ep = fast_endpoint(c, h, MNEME_RIGHT_RECV, &word);
	if (!ep || !(caller = cur->reply_to) || caller->cpu != c || sched_outranked(c, caller))
		return NULL;
	spin_lock(&ep->lock);
	/*
	 * The generation alone, not the slot: a receive needs no badge, and
	 * if another thread of the task emptied the slot meanwhile, the
	 * receive is simply ordered before that (the endpoint is still alive).
	 */
	if (ep->gen != (uint32_t)(word >> 32) || caller->reply_ep != ep ||
	    caller->gen != cur->reply_gen || fast_state_fault(caller) != THREAD_REPLY ||
	    caller->replier != cur || ep->waiting)
		goto no;
	if (msg)        /* a constant at each call: the frame, or the values the arch passed */
		fast_deliver(caller, 0, arch_regs_arg(msg, 1), arch_regs_arg(msg, 2),
			     arch_regs_arg(msg, 3), arch_regs_arg(msg, 4), arch_regs_arg(msg, 5));
	else
		fast_deliver(caller, 0, info, w0, w1, w2, w3);   /* before @cur can be delivered to */
	caller->state = THREAD_RUNNABLE;        /* replier is left: it means something in REPLY only */
	cur->reply_to = NULL;
	cur->state = THREAD_RECV;
	cur->blocked_on = ep;
	list_add_tail(&ep->recv_q, &cur->link);
	spin_unlock(&ep->lock);
	return caller;
no:
	spin_unlock(&ep->lock);
	return NULL;
}

/*
 * @to's results (status, badge, msginfo, words 0..3), then @to runs
 * (@set_regs false: the caller hands @to's frame to the arch itself).
 */
static inline __attribute__((always_inline)) void
ipc_fast_finish(struct cpu *c, struct thread *to, uint64_t badge, uint64_t info,
		uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, bool set_regs)
{
	fast_deliver(to, badge, info, w0, w1, w2, w3);
	sched_switch_fast(c, to, set_regs);
}

#endif
