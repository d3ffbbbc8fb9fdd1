/*
 * Synchronous IPC, the general path: every blocking order, long messages
 * through the IPC buffers, handle transfer, fault and exit messages.
 *
 * Design.  A message goes from a sender to a receiver in one step when
 * both are there: whoever arrives second finds the other on the
 * endpoint's queue and the core copies the message (registers, then the
 * extra words staged through a core buffer, then the handle).  A call
 * leaves the caller in THREAD_REPLY and gives the receiver a reply
 * reference (reply_to + generation); reply() consumes it.  The caller of
 * a blocking operation is taken off the CPU and the partner it released
 * runs next without touching the run queues (ipc_resume()).
 *
 * Every syscall here decodes all its arguments (handles, msginfo, the
 * sender's extra words) before changing any state.  Errors that can only
 * show up during the transfer (the receiver's IPC buffer unmapped, its
 * handle table full) are reported to the receiver in ret0 while the rest
 * of the message still arrives, so a call can always be answered.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/ipc.h>
#include <core/fault.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/task.h>
#include <mneme/error.h>
#include <mneme/fault.h>

#define MSGINFO_SLOT_MASK 0x0000ffffffffffffULL

/* Staging buffer for extra words (one CPU, the core never blocks inside a call). */
static uint64_t ipc_extra[MNEME_IPC_BUFFER_WORDS];

static inline void set_status(struct thread *t, int err)
{
	arch_regs_set_ret(&t->regs, 0, (uint64_t)(int64_t)err);
}

/* Decode the message of @cur's IPC syscall (msginfo in arg1, words in arg2..5, handle in arg6). */
static int ipc_decode(struct thread *cur, struct ipc_msg *m)
{
	struct arch_regs *r = &cur->regs;
	uint64_t info = arch_regs_arg(r, 1);
	unsigned extra = mneme_msginfo_extra(info);
	unsigned flags = mneme_msginfo_flags(info);

	if (extra > MNEME_IPC_BUFFER_WORDS || (flags & ~MNEME_MSG_HANDLE))
		return -MNEME_EINVAL;
	if (extra && !cur->ipc_buffer)
		return -MNEME_EINVAL;
	m->badge = 0;
	m->info = info & MSGINFO_SLOT_MASK;
	for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
		m->w[i] = arch_regs_arg(r, 2 + i);
	m->extra = extra;
	m->xfer = (struct handle){ 0 };
	if (flags & MNEME_MSG_HANDLE)
		return handle_lookup(cur->task, arch_regs_arg(r, 6), MNEME_OBJ_NONE,
				     MNEME_RIGHT_GRANT, &m->xfer);
	return 0;
}

/* Stage @n extra words from @t's IPC buffer (read in @t's address space). */
static int ipc_load_extra(struct thread *t, unsigned n)
{
	if (!n)
		return 0;
	if (!t->ipc_buffer)
		return -MNEME_EFAULT;
	sched_activate_task(t->task);
	return arch_copy_from_user(ipc_extra, t->ipc_buffer, (size_t)n * sizeof(uint64_t));
}

/* Give message @m (extra words staged) to @r, which waits in recv or for a reply. */
static void ipc_deliver(struct thread *r, const struct ipc_msg *m)
{
	struct arch_regs *regs = &r->regs;
	uint64_t info = m->info;
	int status = 0;

	if (m->extra) {
		sched_activate_task(r->task);
		if (!r->ipc_buffer ||
		    arch_copy_to_user(r->ipc_buffer, ipc_extra, (size_t)m->extra * sizeof(uint64_t))) {
			status = -MNEME_EFAULT;
			info &= ~(0xffULL << 32);
		}
	}
	if (m->xfer.type != MNEME_OBJ_NONE) {
		int slot = handle_live(&m->xfer) ? handle_install(r->task, &m->xfer) : -MNEME_EDEAD;
		if (slot < 0) {
			status = slot;
			info &= ~((uint64_t)MNEME_MSG_HANDLE << 40);
		} else {
			info = mneme_msginfo_with_slot(info, (unsigned)slot);
		}
	}
	arch_regs_set_ret(regs, 0, (uint64_t)(int64_t)status);
	arch_regs_set_ret(regs, 1, m->badge);
	arch_regs_set_ret(regs, 2, info);
	for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
		arch_regs_set_ret(regs, 3 + i, m->w[i]);
}

/* The caller @t owes a reply to, if that caller still waits for it. */
static struct thread *reply_target(struct thread *t)
{
	struct thread *c = t->reply_to;

	if (c && c->gen == t->reply_gen && c->state == THREAD_REPLY && c->replier == t)
		return c;
	return NULL;
}

/* @t can run again: it gets the CPU if the current thread blocked, else it is queued. */
static void ipc_resume(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	t->blocked_on = NULL;
	if (!current)
		sched_switch_to(t);
	else
		sched_enqueue(t);
}

void ipc_wake_error(struct thread *t, int err)
{
	if (list_linked(&t->link))
		list_del(&t->link);
	if (t->fault)
		t->fault = 0;          /* a faulting thread retries its instruction */
	else
		set_status(t, err);
	t->replier = NULL;
	sched_wake(t);
}

/* Forget the reply @r owes; its caller learns the partner is gone. */
static void ipc_drop_reply(struct thread *r)
{
	struct thread *c = reply_target(r);

	r->reply_to = NULL;
	if (c)
		ipc_wake_error(c, -MNEME_EDEAD);
}

/* @r received a call from @caller: @caller now waits for @r's reply. */
static void ipc_take_reply(struct thread *r, struct thread *caller)
{
	if (r->reply_to)
		ipc_drop_reply(r);
	r->reply_to = caller;
	r->reply_gen = caller->gen;
	caller->state = THREAD_REPLY;
	caller->replier = r;
	caller->blocked_on = NULL;
}

static void ipc_block_send(struct thread *s, struct endpoint *ep, const struct ipc_msg *m,
			   bool is_call)
{
	s->send_badge = m->badge;
	s->msg_info = m->info;
	for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
		s->msg[i] = m->w[i];
	s->xfer = m->xfer;
	s->is_call = is_call;
	s->state = THREAD_SEND;
	s->blocked_on = ep;
	list_add_tail(&ep->send_q, &s->link);
	if (s == current)
		sched_block_current();
}

static void ipc_block_recv(struct thread *r, struct endpoint *ep)
{
	r->state = THREAD_RECV;
	r->blocked_on = ep;
	list_add_tail(&ep->recv_q, &r->link);
	if (r == current)
		sched_block_current();
}

/* Perform: send decoded @m from @s (current) on @ep. */
static void ipc_transfer(struct thread *s, struct endpoint *ep, const struct ipc_msg *m,
			 bool is_call)
{
	struct list_node *n = list_first(&ep->recv_q);

	if (!n) {
		ipc_block_send(s, ep, m, is_call);
		return;
	}
	struct thread *r = list_entry(n, struct thread, link);
	list_del(&r->link);
	ipc_deliver(r, m);
	if (is_call) {
		ipc_take_reply(r, s);
		if (s == current)
			sched_block_current();
	} else {
		set_status(s, 0);
	}
	ipc_resume(r);
}

static void ipc_send_common(struct thread *cur, bool is_call)
{
	struct endpoint *ep;
	struct ipc_msg m;
	uint64_t badge;
	int err = handle_endpoint(cur->task, arch_regs_arg(&cur->regs, 0), MNEME_RIGHT_SEND,
				  &ep, &badge);

	if (!err)
		err = ipc_decode(cur, &m);
	if (!err)
		err = ipc_load_extra(cur, m.extra);
	if (err) {
		set_status(cur, err);
		return;
	}
	m.badge = badge;
	ipc_transfer(cur, ep, &m, is_call);
}

void sys_call(struct thread *cur)
{
	ipc_send_common(cur, true);
}

void sys_send(struct thread *cur)
{
	ipc_send_common(cur, false);
}

void ipc_send_fault(struct thread *t, struct endpoint *ep, uint64_t badge)
{
	struct ipc_msg m = {
		.badge = badge,
		.info = mneme_msginfo(MNEME_LABEL_FAULT, 0, 0),
	};

	for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
		m.w[i] = t->msg[i];
	t->fault = 1;
	ipc_transfer(t, ep, &m, true);
}

static void ipc_exit_msg(struct task *z, struct ipc_msg *m)
{
	*m = (struct ipc_msg){ .badge = z->badge, .info = mneme_msginfo(MNEME_LABEL_EXIT, 0, 0) };
	for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
		m->w[i] = z->exit_words[i];
}

void ipc_post_exit(struct task *z)
{
	struct endpoint *ep = server_ep;
	struct list_node *n = ep && ep->alive ? list_first(&ep->recv_q) : NULL;
	struct ipc_msg m;

	if (!ep || !ep->alive) {
		task_free(z);
		return;
	}
	if (!n) {
		list_add_tail(&ep->exit_q, &z->exit_link);
		return;
	}
	struct thread *r = list_entry(n, struct thread, link);
	list_del(&r->link);
	ipc_exit_msg(z, &m);
	ipc_deliver(r, &m);
	task_free(z);
	ipc_resume(r);
}

/* Perform: @r (current) receives on @ep, or waits there. */
static void ipc_receive(struct thread *r, struct endpoint *ep)
{
	struct ipc_msg m;
	struct list_node *n;

	if ((n = list_first(&ep->exit_q))) {
		struct task *z = list_entry(n, struct task, exit_link);
		list_del(n);
		ipc_exit_msg(z, &m);
		ipc_deliver(r, &m);
		task_free(z);
		return;
	}
	while ((n = list_first(&ep->send_q))) {
		struct thread *s = list_entry(n, struct thread, link);
		list_del(n);
		m = (struct ipc_msg){ .badge = s->send_badge, .info = s->msg_info, .xfer = s->xfer,
				      .extra = mneme_msginfo_extra(s->msg_info) };
		for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
			m.w[i] = s->msg[i];
		if (ipc_load_extra(s, m.extra)) {
			ipc_wake_error(s, -MNEME_EFAULT);
			continue;
		}
		ipc_deliver(r, &m);
		if (s->is_call) {
			ipc_take_reply(r, s);
		} else {
			set_status(s, 0);
			sched_wake(s);
		}
		return;
	}
	ipc_block_recv(r, ep);
}

void sys_recv(struct thread *cur)
{
	struct endpoint *ep;
	int err = handle_endpoint(cur->task, arch_regs_arg(&cur->regs, 0), MNEME_RIGHT_RECV,
				  &ep, NULL);

	if (err) {
		set_status(cur, err);
		return;
	}
	ipc_receive(cur, ep);
}

/*
 * Decode a reply from @cur to @c: the message, the staged extra words,
 * and for a fault the pager's verdict (a requested mapping is made here,
 * and undone by nothing: it is the one step that can fail).
 */
static int ipc_reply_decode(struct thread *cur, struct thread *c, struct ipc_msg *m)
{
	int err = ipc_decode(cur, m);

	if (!err)
		err = ipc_load_extra(cur, m->extra);
	if (!err && c->fault)
		err = fault_reply_check(cur, c, m);
	return err;
}

/* Perform the reply decoded into @m: returns the thread to resume, or NULL. */
static struct thread *ipc_reply_perform(struct thread *cur, struct thread *c, struct ipc_msg *m)
{
	cur->reply_to = NULL;
	c->replier = NULL;
	if (c->fault)
		return fault_reply_perform(c, m);
	m->badge = 0;
	ipc_deliver(c, m);
	return c;
}

void sys_reply(struct thread *cur)
{
	struct thread *c = reply_target(cur);
	struct ipc_msg m;
	int err = c ? ipc_reply_decode(cur, c, &m) : -MNEME_ENOENT;

	if (err) {
		set_status(cur, err);
		return;
	}
	set_status(cur, 0);
	struct thread *t = ipc_reply_perform(cur, c, &m);
	if (t)
		sched_wake(t);
}

void sys_reply_recv(struct thread *cur)
{
	struct thread *c = reply_target(cur);
	struct endpoint *ep;
	struct ipc_msg m;
	int err = handle_endpoint(cur->task, arch_regs_arg(&cur->regs, 0), MNEME_RIGHT_RECV,
				  &ep, NULL);

	if (!err && c)
		err = ipc_reply_decode(cur, c, &m);
	if (err) {
		set_status(cur, err);
		return;
	}
	struct thread *t = c ? ipc_reply_perform(cur, c, &m) : NULL;
	if (cur->state == THREAD_FREE) {        /* a KILL reply ended our own task */
		if (t)
			ipc_resume(t);
		return;
	}
	if (!ep->alive)
		set_status(cur, -MNEME_EDEAD);
	else
		ipc_receive(cur, ep);
	if (t)
		ipc_resume(t);
}

void ipc_cancel(struct thread *t)
{
	if ((t->state == THREAD_SEND || t->state == THREAD_RECV) && list_linked(&t->link))
		list_del(&t->link);
	ipc_drop_reply(t);
	t->replier = NULL;
	t->blocked_on = NULL;
}

struct endpoint *endpoint_alloc(struct task *owner)
{
	for (unsigned i = 0; i < MNEME_MAX_ENDPOINTS; i++) {
		struct endpoint *ep = &endpoint_table[i];
		if (!ep->alive) {
			ep->alive = true;
			ep->owner = owner;
			return ep;
		}
	}
	return NULL;
}

/*
 * An endpoint for a user's endpoint_create: -MNEME_EQUOTA when an
 * unprivileged @owner already owns MNEME_MAX_ENDPOINTS_PER_TASK (so one
 * task cannot take the whole table), -MNEME_ENOMEM when the table is full.
 */
int endpoint_create(struct task *owner, struct endpoint **out)
{
	unsigned owned = 0;

	for (unsigned i = 0; i < MNEME_MAX_ENDPOINTS; i++)
		owned += endpoint_table[i].alive && endpoint_table[i].owner == owner;
	if (!owner->privileged && owned >= MNEME_MAX_ENDPOINTS_PER_TASK)
		return -MNEME_EQUOTA;
	*out = endpoint_alloc(owner);
	return *out ? 0 : -MNEME_ENOMEM;
}

void endpoint_destroy(struct endpoint *ep)
{
	struct list_node *n;

	ep->alive = false;
	ep->gen++;
	ep->owner = NULL;
	while ((n = list_first(&ep->send_q)))
		ipc_wake_error(list_entry(n, struct thread, link), -MNEME_EDEAD);
	while ((n = list_first(&ep->recv_q)))
		ipc_wake_error(list_entry(n, struct thread, link), -MNEME_EDEAD);
	while ((n = list_first(&ep->exit_q))) {
		list_del(n);
		task_free(list_entry(n, struct task, exit_link));
	}
}

#endif /* ARCH_HAS_USPACE */
