/*
 * Synchronous IPC, the general path: every blocking order, long messages
 * through the IPC buffers, handle transfer, fault and exit messages, and
 * endpoints' lifetime.
 *
 * Design.  A message goes from a sender to a receiver in one step when
 * both are there: whoever arrives second finds the other on the
 * endpoint's queue and the core copies the message (registers, then the
 * extra words staged through this CPU's buffer, then the handle).  A call
 * leaves the caller in THREAD_REPLY and gives the receiver a reply
 * reference (reply_to + generation); reply() consumes it.  The caller of
 * a blocking operation is taken off the CPU and the partner it released
 * runs next on this CPU when it may (sched_resume()).
 *
 * Locking (docs/architecture.md, "Locking").  An endpoint's lock guards
 * its queues and the state of the threads blocked on it or waiting for
 * the reply to a call made through it.  A thread taken off a queue is
 * "in transit": runnable, on no queue, current nowhere, owned by the CPU
 * that took it, which finishes the delivery without the lock (copying into
 * its IPC buffer, installing a transferred handle) and then resumes it.
 * Reads from a queued sender's IPC buffer happen under the lock, while
 * the sender cannot die.  No CPU holds two endpoint locks at once.
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
#include <core/device.h>
#include <core/ipc.h>
#include <core/fault.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/task.h>
#include <mneme/error.h>
#include <mneme/fault.h>

#define MSGINFO_SLOT_MASK 0x0000ffffffffffffULL

_Static_assert(MNEME_HANDLES_PER_TASK <= 0x100, "a received handle's slot fits msginfo's 8 bits");
_Static_assert(CORE_MAX_CPUS + 1 < MNEME_MSG_CPU_NONE, "1 + a CPU's index fits msginfo's CPU field");

/* msginfo's sender-CPU field for a message sent from this CPU (<mneme/syscall.h>). */
static inline uint64_t msginfo_this_cpu(void)
{
	return (uint64_t)(this_cpu_index() + 1) << MNEME_MSG_CPU_SHIFT;
}

static inline void set_status(struct thread *t, int err)
{
	arch_regs_set_ret(&t->regs, 0, (uint64_t)(int64_t)err);
}

/*
 * Decode the message of @cur's IPC syscall (msginfo in arg1, words in
 * arg2..5, handle in arg6).  A transferred handle is copied with its own
 * reference (handle_copy()): whoever ends up not installing it puts it.
 */
static int ipc_decode(struct thread *cur, struct ipc_msg *m)
{
	struct arch_regs *r = &cur->regs;
	uint64_t info = arch_regs_arg(r, 1);
	unsigned extra = mneme_msginfo_extra(info);
	unsigned flags = mneme_msginfo_flags(info);

	m->xfer = (struct handle){ .badge = 0 };
	if (extra > MNEME_IPC_BUFFER_WORDS || (flags & ~MNEME_MSG_HANDLE))
		return -MNEME_EINVAL;
	if (extra && !cur->ipc_buffer)
		return -MNEME_EINVAL;
	m->badge = 0;
	m->info = (info & MSGINFO_SLOT_MASK) | msginfo_this_cpu();
	for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
		m->w[i] = arch_regs_arg(r, 2 + i);
	m->extra = extra;
	if (flags & MNEME_MSG_HANDLE)
		return handle_copy(cur->task, arch_regs_arg(r, 6), MNEME_RIGHT_GRANT, &m->xfer);
	return 0;
}

/* Stage @n extra words from @t's IPC buffer (read in @t's address space) on this CPU. */
static int ipc_load_extra(struct thread *t, unsigned n)
{
	if (!n)
		return 0;
	if (!t->ipc_buffer)
		return -MNEME_EFAULT;
	sched_activate_task(t->task);
	return arch_copy_from_user(this_cpu()->ipc_extra, t->ipc_buffer,
				   (size_t)n * sizeof(uint64_t));
}

/*
 * Give message @m (extra words staged on this CPU) to @r, which is
 * current or in transit (owned by this CPU).  The transferred handle's
 * reference goes into @r's table, or is put if it cannot.
 */
static void ipc_deliver(struct thread *r, struct ipc_msg *m)
{
	struct arch_regs *regs = &r->regs;
	uint64_t info = m->info;
	int status = 0;

	if (m->extra) {
		sched_activate_task(r->task);
		if (!r->ipc_buffer ||
		    arch_copy_to_user(r->ipc_buffer, this_cpu()->ipc_extra,
				      (size_t)m->extra * sizeof(uint64_t))) {
			status = -MNEME_EFAULT;
			info &= ~(0xffULL << 32);
		}
	}
	if (m->xfer.type != MNEME_OBJ_NONE) {
		int slot = handle_install(r->task, &m->xfer);
		if (slot < 0) {
			handle_put(&m->xfer);
			status = slot;
			info &= ~((uint64_t)MNEME_MSG_HANDLE << 40);
		} else {
			info = mneme_msginfo_with_slot(info, (unsigned)slot);
		}
		m->xfer.type = MNEME_OBJ_NONE;
	}
	arch_regs_set_ret(regs, 0, (uint64_t)(int64_t)status);
	arch_regs_set_ret(regs, 1, m->badge);
	arch_regs_set_ret(regs, 2, info);
	for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
		arch_regs_set_ret(regs, 3 + i, m->w[i]);
}

/* Take @t, blocked on a queue of its endpoint (lock held), off it: in transit now. */
static void ipc_dequeue(struct thread *t)
{
	list_del(&t->link);
	t->state = THREAD_RUNNABLE;
	t->blocked_on = NULL;
}

/*
 * Caller @c (of generation @gen) if it still waits for the reply of
 * @replier, with its reply endpoint LOCKED; else NULL (nothing locked).
 */
static struct thread *reply_lock(struct thread *c, uint32_t gen, struct thread *replier)
{
	if (!c)
		return NULL;
	struct endpoint *ep = READ_ONCE(c->reply_ep);
	if (!ep)
		return NULL;
	spin_lock(&ep->lock);
	if (c->gen == gen && c->state == THREAD_REPLY && c->replier == replier && c->reply_ep == ep)
		return c;
	spin_unlock(&ep->lock);
	return NULL;
}

/*
 * Make in-transit @t runnable again with status @err (a faulting thread
 * just retries its instruction).
 */
static void ipc_wake_error(struct thread *t, int err)
{
	if (t->fault)
		t->fault = 0;
	else
		set_status(t, err);
	t->replier = NULL;
	sched_wake(t);
}

/* Caller @c (generation @gen) loses its partner @replier: it wakes with -MNEME_EDEAD. */
static void ipc_release_caller(struct thread *c, uint32_t gen, struct thread *replier)
{
	c = reply_lock(c, gen, replier);
	if (!c)
		return;
	struct endpoint *ep = c->reply_ep;
	c->state = THREAD_RUNNABLE;             /* in transit: ours */
	spin_unlock(&ep->lock);
	ipc_wake_error(c, -MNEME_EDEAD);
}

/* Forget the reply @r owes; its caller learns the partner is gone. */
static void ipc_drop_reply(struct thread *r)
{
	struct thread *c = r->reply_to;

	r->reply_to = NULL;
	ipc_release_caller(c, r->reply_gen, r);
}

/* A reply obligation @r gave up for a new call: released once no lock is held. */
struct old_reply {
	struct thread *c;
	uint32_t gen;
};

/*
 * @r received a call from @caller through @ep (locked): @caller now waits
 * for @r's reply.  A caller @r still owed a reply to is returned in @old
 * (release it with ipc_release_caller() once @ep is unlocked).
 */
static void ipc_take_reply(struct thread *r, struct thread *caller, struct endpoint *ep,
			   struct old_reply *old)
{
	old->c = r->reply_to;
	old->gen = r->reply_gen;
	r->reply_to = caller;
	r->reply_gen = caller->gen;
	caller->state = THREAD_REPLY;
	caller->replier = r;
	caller->reply_ep = ep;
	caller->blocked_on = NULL;
}

/* Queue @s (current) on @ep (locked) with message @m: SEND.  Unlocks @ep. */
static void ipc_block_send(struct thread *s, struct endpoint *ep, const struct ipc_msg *m,
			   bool is_call)
{
	s->send_badge = m->badge;
	s->msg_info = m->info;
	for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
		s->msg[i] = m->w[i];
	s->xfer = m->xfer;               /* the reference travels with the queued message */
	s->is_call = is_call;
	s->state = THREAD_SEND;
	s->blocked_on = ep;
	list_add_tail(&ep->send_q, &s->link);
	ep->waiting++;
	sched_block_current();
	spin_unlock(&ep->lock);
}

/* Queue @r (current) on @ep (locked): RECV.  Unlocks @ep. */
static void ipc_block_recv(struct thread *r, struct endpoint *ep)
{
	r->state = THREAD_RECV;
	r->blocked_on = ep;
	list_add_tail(&ep->recv_q, &r->link);
	sched_block_current();
	spin_unlock(&ep->lock);
}

/* Perform: send decoded @m from @s (current) on @ep (locked; unlocked on return). */
static void ipc_transfer(struct thread *s, struct endpoint *ep, struct ipc_msg *m, bool is_call)
{
	struct list_node *n = list_first(&ep->recv_q);
	struct old_reply old = { NULL, 0 };

	if (!n) {
		ipc_block_send(s, ep, m, is_call);
		return;
	}
	struct thread *r = list_entry(n, struct thread, link);
	ipc_dequeue(r);
	if (is_call) {
		ipc_take_reply(r, s, ep, &old);
		sched_block_current();
	} else {
		set_status(s, 0);
	}
	spin_unlock(&ep->lock);         /* s may be replied to or killed from here on: not touched again */
	ipc_deliver(r, m);
	ipc_release_caller(old.c, old.gen, r);
	sched_resume(r);
}

static void ipc_send_common(struct thread *cur, bool is_call)
{
	struct endpoint *ep;
	struct ipc_msg m;
	uint64_t badge;
	int err = ipc_decode(cur, &m);

	if (!err)
		err = ipc_load_extra(cur, m.extra);
	if (!err)
		err = handle_endpoint_lock(cur->task, arch_regs_arg(&cur->regs, 0), MNEME_RIGHT_SEND,
					   &ep, &badge);
	if (err) {
		handle_put(&m.xfer);
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

int ipc_send_fault(struct thread *t, struct endpoint *ep, uint32_t gen, uint64_t badge)
{
	struct ipc_msg m = {
		.badge = badge,
		.info = mneme_msginfo(MNEME_LABEL_FAULT, 0, 0) | msginfo_this_cpu(),
	};

	for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
		m.w[i] = t->msg[i];
	spin_lock(&ep->lock);
	if (!ep->alive || ep->gen != gen) {
		spin_unlock(&ep->lock);
		return -MNEME_EDEAD;
	}
	t->fault = 1;
	ipc_transfer(t, ep, &m, true);
	return 0;
}

static void ipc_exit_msg(struct task *z, struct ipc_msg *m)
{
	*m = (struct ipc_msg){ .badge = z->badge,
			       .info = mneme_msginfo(MNEME_LABEL_EXIT, 0, 0) |
				       (uint64_t)MNEME_MSG_CPU_NONE << MNEME_MSG_CPU_SHIFT };
	for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
		m->w[i] = z->exit_words[i];
}

void ipc_post_exit(struct task *z)
{
	struct endpoint *ep = server_ep;
	struct ipc_msg m;

	if (!ep) {
		task_free(z);
		return;
	}
	spin_lock(&ep->lock);
	if (!ep->alive) {
		spin_unlock(&ep->lock);
		task_free(z);
		return;
	}
	struct list_node *n = list_first(&ep->recv_q);
	if (!n) {
		list_add_tail(&ep->exit_q, &z->exit_link);
		ep->waiting++;
		spin_unlock(&ep->lock);
		return;
	}
	struct thread *r = list_entry(n, struct thread, link);
	ipc_dequeue(r);
	spin_unlock(&ep->lock);
	ipc_exit_msg(z, &m);
	ipc_deliver(r, &m);
	task_free(z);
	sched_resume(r);
}

/* The message of a device notification (queued or delivered at once). */
static void ipc_irq_msg(uint64_t badge, const uint64_t w[MNEME_MSG_REGS], struct ipc_msg *m)
{
	*m = (struct ipc_msg){ .badge = badge, .info = mneme_msginfo(MNEME_LABEL_IRQ, 0, 0) };
	for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
		m->w[i] = w[i];
}

struct thread *ipc_notify_locked(struct endpoint *ep, struct list_node *node, uint64_t badge,
				 const uint64_t w[MNEME_MSG_REGS])
{
	struct list_node *n = list_first(&ep->recv_q);
	struct ipc_msg m;

	if (!n) {
		if (!list_linked(node)) {
			list_add_tail(&ep->exit_q, node);
			ep->waiting++;
		}
		return NULL;
	}
	struct thread *r = list_entry(n, struct thread, link);
	ipc_dequeue(r);
	ipc_irq_msg(badge, w, &m);
	ipc_deliver(r, &m);             /* registers only: nothing here can fault */
	return r;
}

/*
 * Perform: @r (current) receives on @ep (locked; unlocked on return), or
 * waits there.  Returns a thread this CPU took in transit and must resume
 * (a sender that does not wait for a reply), or NULL.
 */
static struct thread *ipc_receive(struct thread *r, struct endpoint *ep)
{
	struct ipc_msg m;
	struct list_node *n;

	if ((n = list_first(&ep->exit_q))) {
		struct device *dev = device_of_node(n);
		list_del(n);
		ep->waiting--;
		if (dev) {
			uint64_t w[MNEME_MSG_REGS];
			device_note_words(dev, w);
			ipc_irq_msg(dev->note_badge, w, &m);
			spin_unlock(&ep->lock);
			ipc_deliver(r, &m);
			return NULL;
		}
		struct task *z = list_entry(n, struct task, exit_link);
		spin_unlock(&ep->lock);
		ipc_exit_msg(z, &m);
		ipc_deliver(r, &m);
		task_free(z);
		return NULL;
	}
	while ((n = list_first(&ep->send_q))) {
		struct thread *s = list_entry(n, struct thread, link);
		m = (struct ipc_msg){ .badge = s->send_badge, .info = s->msg_info, .xfer = s->xfer,
				      .extra = mneme_msginfo_extra(s->msg_info) };
		for (unsigned i = 0; i < MNEME_MSG_REGS; i++)
			m.w[i] = s->msg[i];
		/* read while s is queued here: its task cannot die under us */
		int err = ipc_load_extra(s, m.extra);
		ipc_dequeue(s);
		ep->waiting--;
		s->xfer.type = MNEME_OBJ_NONE;
		if (err) {
			spin_unlock(&ep->lock);
			handle_put(&m.xfer);
			ipc_wake_error(s, -MNEME_EFAULT);
			spin_lock(&ep->lock);
			continue;
		}
		struct old_reply old = { NULL, 0 };
		struct thread *resume = NULL;
		if (s->is_call)
			ipc_take_reply(r, s, ep, &old);
		else
			resume = s;
		spin_unlock(&ep->lock);
		if (resume)
			set_status(resume, 0);
		ipc_deliver(r, &m);
		ipc_release_caller(old.c, old.gen, r);
		return resume;
	}
	ipc_block_recv(r, ep);
	return NULL;
}

void sys_recv(struct thread *cur)
{
	struct endpoint *ep;
	int err = handle_endpoint_lock(cur->task, arch_regs_arg(&cur->regs, 0), MNEME_RIGHT_RECV,
				       &ep, NULL);

	if (err) {
		set_status(cur, err);
		return;
	}
	struct thread *s = ipc_receive(cur, ep);
	if (s)
		sched_wake(s);
}

/* Decode a reply of @cur: the message, the staged extra words, a handle copy.  No lock held. */
static int ipc_reply_decode(struct thread *cur, struct ipc_msg *m)
{
	int err = ipc_decode(cur, m);

	if (!err)
		err = ipc_load_extra(cur, m->extra);
	if (err)
		handle_put(&m->xfer);
	return err;
}

/*
 * Give decoded reply @m to the caller @cur owes one.  For a fault, the
 * pager's verdict is checked, and a MAP_RESUME mapping made, under the
 * caller's reply lock, so the caller cannot die and its slot be reused
 * meanwhile; that mapping is the one step that can fail, and then nothing
 * changed.  Returns 0 and in *@resume the thread to resume (in transit,
 * ours; NULL if the fault's task was killed), -MNEME_ENOENT if no caller
 * waits, or the mapping's error.
 */
static int ipc_reply_commit(struct thread *cur, struct ipc_msg *m, struct thread **resume)
{
	struct thread *c = reply_lock(cur->reply_to, cur->reply_gen, cur);

	*resume = NULL;
	if (!c) {
		cur->reply_to = NULL;
		handle_put(&m->xfer);
		return -MNEME_ENOENT;
	}
	struct endpoint *ep = c->reply_ep;
	if (c->fault) {
		int err = fault_reply_check(cur, c, m);
		if (err) {
			spin_unlock(&ep->lock);
			handle_put(&m->xfer);
			return err;
		}
	}
	cur->reply_to = NULL;
	c->replier = NULL;
	c->state = THREAD_RUNNABLE;             /* in transit: ours */
	spin_unlock(&ep->lock);
	if (c->fault) {
		handle_put(&m->xfer);
		*resume = fault_reply_perform(c, m);
		return 0;
	}
	m->badge = 0;
	ipc_deliver(c, m);
	*resume = c;
	return 0;
}

/* True if @cur's caller visibly still waits (a racy look: the commit decides under the lock). */
static bool reply_pending(struct thread *cur)
{
	struct thread *c = cur->reply_to;

	if (c && READ_ONCE(c->gen) == cur->reply_gen && READ_ONCE(c->state) == THREAD_REPLY)
		return true;
	cur->reply_to = NULL;
	return false;
}

void sys_reply(struct thread *cur)
{
	struct ipc_msg m;
	struct thread *t;
	int err = reply_pending(cur) ? ipc_reply_decode(cur, &m) : -MNEME_ENOENT;

	if (!err)
		err = ipc_reply_commit(cur, &m, &t);
	set_status(cur, err);
	if (!err && t)
		sched_wake(t);
}

void sys_reply_recv(struct thread *cur)
{
	struct endpoint *ep;
	struct ipc_msg m;
	struct handle h;
	struct thread *t = NULL, *s = NULL;
	int err = handle_lookup(cur->task, arch_regs_arg(&cur->regs, 0), MNEME_OBJ_ENDPOINT,
				MNEME_RIGHT_RECV, &h);

	if (!err && reply_pending(cur)) {
		err = ipc_reply_decode(cur, &m);
		if (!err)
			err = ipc_reply_commit(cur, &m, &t);
		if (err == -MNEME_ENOENT)
			err = 0;                /* the caller is gone: just receive */
	}
	if (err) {
		set_status(cur, err);
		return;
	}
	if (READ_ONCE(cur->task->state) != TASK_ALIVE) {   /* a KILL reply ended our own task */
		if (t)
			sched_resume(t);
		return;
	}
	err = handle_endpoint_lock(cur->task, arch_regs_arg(&cur->regs, 0), MNEME_RIGHT_RECV, &ep,
				   NULL);
	if (err)
		set_status(cur, err);
	else
		s = ipc_receive(cur, ep);
	if (t)
		sched_resume(t);
	if (s)
		sched_wake(s);
}

void ipc_stop(struct thread *t)
{
	ipc_drop_reply(t);
	t->replier = NULL;
	handle_put(&t->xfer);
	t->xfer.type = MNEME_OBJ_NONE;
}

/* A free slot of the endpoint table taken for @owner with @refs, or NULL (object_lock held). */
static struct endpoint *endpoint_take(struct task *owner, uint32_t refs)
{
	for (unsigned i = 0; i < MNEME_MAX_ENDPOINTS; i++) {
		struct endpoint *ep = &endpoint_table[i];
		if (!READ_ONCE(ep->alive)) {
			/* a stale handle's put fails on the generation, so no lock is needed */
			ep->owner = endpoint_owner_id(owner);
			ep->refs = refs;
			store_release(&ep->alive, true);
			return ep;
		}
	}
	return NULL;
}

struct endpoint *endpoint_alloc(struct task *owner, uint32_t refs)
{
	spin_lock(&object_lock);
	struct endpoint *found = endpoint_take(owner, refs);
	spin_unlock(&object_lock);
	return found;
}

/*
 * An endpoint for a user's endpoint_create: -MNEME_EQUOTA when an
 * unprivileged @owner already owns MNEME_MAX_ENDPOINTS_PER_TASK,
 * -MNEME_ENOMEM when the table is full (which every task's share fitting
 * in it leaves to the memory server alone).  Counted and taken under
 * object_lock, so racing threads of one task cannot pass its share.
 */
int endpoint_create(struct task *owner, struct endpoint **out)
{
	unsigned owned = 0;

	spin_lock(&object_lock);
	for (unsigned i = 0; i < MNEME_MAX_ENDPOINTS; i++)
		owned += READ_ONCE(endpoint_table[i].alive) &&
			 READ_ONCE(endpoint_table[i].owner) == endpoint_owner_id(owner);
	*out = owner->privileged || owned < MNEME_MAX_ENDPOINTS_PER_TASK ? endpoint_take(owner, 1) : NULL;
	spin_unlock(&object_lock);
	if (*out)
		return 0;
	return owner->privileged || owned < MNEME_MAX_ENDPOINTS_PER_TASK ? -MNEME_ENOMEM : -MNEME_EQUOTA;
}

/* Move every thread of @q (of a dying endpoint, locked) in transit onto @dead. */
static void endpoint_drain(struct list_node *q, struct list_node *dead)
{
	struct list_node *n;

	while ((n = list_first(q))) {
		struct thread *t = list_entry(n, struct thread, link);
		ipc_dequeue(t);
		list_add_tail(dead, &t->link);
	}
}

void endpoint_destroy(struct endpoint *ep, struct list_node *dead)
{
	struct list_node *n;

	ep->owner = 0;
	ep->refs = 0;
	WRITE_ONCE(ep->gen, ep->gen + 1);
	endpoint_drain(&ep->send_q, dead);
	ep->waiting = 0;
	endpoint_drain(&ep->recv_q, dead);
	while ((n = list_first(&ep->exit_q))) {
		list_del(n);
		if (!device_of_node(n))          /* a device's notification just goes */
			task_free(list_entry(n, struct task, exit_link));
	}
	store_release(&ep->alive, false);   /* last: the slot may be taken again at once */
}

void endpoint_put_locked(struct endpoint *ep, struct list_node *dead)
{
	ASSERT(ep->refs > 0);
	if (--ep->refs == 0)
		endpoint_destroy(ep, dead);
}

void endpoint_put(struct endpoint *ep, uint32_t gen)
{
	struct list_node dead;

	list_init(&dead);
	spin_lock(&ep->lock);
	if (ep->alive && ep->gen == gen)
		endpoint_put_locked(ep, &dead);
	spin_unlock(&ep->lock);
	endpoint_wake_dead(&dead);
}

void endpoint_wake_dead(struct list_node *dead)
{
	struct list_node *n;

	while ((n = list_first(dead))) {
		struct thread *t = list_entry(n, struct thread, link);
		list_del(n);
		struct handle xfer = t->xfer;
		t->xfer.type = MNEME_OBJ_NONE;
		handle_put(&xfer);
		ipc_wake_error(t, -MNEME_EDEAD);
	}
}

#endif /* ARCH_HAS_USPACE */
