/*
 * The scheduler (see <core/sched.h> for the model, docs/architecture.md
 * "Scheduling" and "Locking" for the design).
 *
 * Each CPU owns its run queue: one FIFO per priority and a 32-bit bitmap
 * of the non-empty ones, so picking is a count-leading-zeros and a list
 * pop.  Wake-ups queue the woken thread on a CPU it may run on and
 * interrupt that CPU if it idles or runs something of lower priority;
 * whether a queued thread outranks the current one is decided once, in
 * sched_return(), at the end of the core entry.  IPC hands the CPU
 * directly from sender to receiver (sched_resume() and the fast path's
 * sched_switch_fast()), as L4 kernels do, so a call/reply round trip on
 * one CPU never touches a run queue.
 *
 * Placement: a thread keeps the CPU it last ran on (t->cpu) unless that
 * CPU is busy and another CPU it may run on idles; an idle CPU takes
 * (steals) a queued thread from a busy one.  A thread's CPU changes only
 * when it is queued on or switched to another CPU, and then its task is
 * noted as possibly having TLB entries there (sched_note_tlb_cpu()).
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/printk.h>
#include <core/sched.h>

uint32_t sched_started;

static void rq_init(struct run_queue *rq)
{
	spin_init(&rq->lock);
	rq->prio_bitmap = 0;
	rq->nr_queued = 0;
	for (unsigned i = 0; i <= MNEME_PRIO_MAX; i++)
		list_init(&rq->queue[i]);
}

void sched_init(void)
{
	for (unsigned i = 0; i < CORE_MAX_CPUS; i++) {
		struct cpu *c = &cpu_table[i];
		rq_init(&c->rq);
		c->cur = NULL;
		c->last_task = NULL;
		WRITE_ONCE(c->outrank_bitmap, 0);
		WRITE_ONCE(c->idle, 0);
		c->endpoints = endpoint_table;
	}
}

void sched_start(void)
{
	store_release(&sched_started, 1);
}

static struct cpu *rq_cpu(struct run_queue *rq)
{
	return (struct cpu *)((char *)rq - __builtin_offsetof(struct cpu, rq));
}

/* Link runnable @t on @c's queue (its lock held). */
static void rq_link(struct cpu *c, struct thread *t)
{
	struct run_queue *rq = &c->rq;
	unsigned prio = READ_ONCE(t->prio);

	list_add_tail(&rq->queue[prio], &t->link);
	t->rq_prio = (uint8_t)prio;
	WRITE_ONCE(t->rq, rq);
	rq->prio_bitmap |= 1u << prio;
	rq->nr_queued++;
	WRITE_ONCE(c->outrank_bitmap, rq->prio_bitmap >> 1);
}

/* Unlink @t from @c's queue (its lock held, t->rq == &c->rq). */
static void rq_unlink(struct cpu *c, struct thread *t)
{
	struct run_queue *rq = &c->rq;

	list_del(&t->link);
	WRITE_ONCE(t->rq, NULL);
	if (list_empty(&rq->queue[t->rq_prio]))
		rq->prio_bitmap &= ~(1u << t->rq_prio);
	rq->nr_queued--;
	WRITE_ONCE(c->outrank_bitmap, rq->prio_bitmap >> 1);
}

/* The first queued thread of the highest priority @c may take (lock held), or NULL. */
static struct thread *rq_first(struct cpu *owner, struct cpu *c)
{
	uint32_t bits = owner->rq.prio_bitmap;
	cpumask_t me = cpumask_of(c->index);

	while (bits) {
		int prio = 31 - __builtin_clz(bits);
		struct list_node *n;
		for (n = owner->rq.queue[prio].next; n != &owner->rq.queue[prio]; n = n->next) {
			struct thread *t = list_entry(n, struct thread, link);
			if (READ_ONCE(t->cpus_allowed) & me)
				return t;
		}
		bits &= ~(1u << prio);
	}
	return NULL;
}

static int rq_top_prio(const struct cpu *c)
{
	uint32_t bits = READ_ONCE(c->rq.prio_bitmap);

	return bits ? 31 - __builtin_clz(bits) : -1;
}

void sched_note_tlb_cpu(struct cpu *c, struct task *task)
{
	cpumask_t bit = cpumask_of(c->index);

	if (!(READ_ONCE(task->tlb_cpus) & bit))
		__atomic_fetch_or(&task->tlb_cpus, bit, __ATOMIC_SEQ_CST);
}

/* Make @c @t's CPU. */
static void sched_set_cpu(struct thread *t, struct cpu *c)
{
	if (t->cpu != c) {
		sched_note_tlb_cpu(c, t->task);
		WRITE_ONCE(t->cpu, c);
	}
}

/*
 * Where runnable @t should wait: its last CPU if it may run there and
 * that CPU idles or no allowed CPU idles; else an allowed idle CPU.
 */
static struct cpu *sched_select_cpu(struct thread *t)
{
	cpumask_t allowed = READ_ONCE(t->cpus_allowed) & READ_ONCE(cpus_online_mask);
	struct cpu *last = t->cpu;

	if (!allowed)
		allowed = cpumask_of(0);
	bool last_ok = allowed & cpumask_of(last->index);
	if (last_ok && (READ_ONCE(last->idle) || !(allowed & ~cpumask_of(last->index))))
		return last;
	for (unsigned i = 0; i < nr_cpus_online; i++) {
		struct cpu *c = &cpu_table[i];
		if ((allowed & cpumask_of(i)) && READ_ONCE(c->idle))
			return c;
	}
	return last_ok ? last : &cpu_table[__builtin_ctzll(allowed)];
}

/* @c got @t queued: interrupt it if it idles or runs something @t outranks. */
static void sched_kick(struct cpu *c, const struct thread *t)
{
	if (c == this_cpu())
		return;
	smp_mb();   /* the queued thread before c->idle: c rechecks its queue after setting idle */
	struct thread *running = READ_ONCE(c->cur);
	if (READ_ONCE(c->idle) || !running || READ_ONCE(running->prio) < t->prio)
		cpu_request(c, CPU_REQ_RESCHED);
}

void sched_enqueue(struct thread *t)
{
	struct cpu *c = sched_select_cpu(t);

	ASSERT(t->state == THREAD_RUNNABLE && !t->rq);
	sched_set_cpu(t, c);
	spin_lock(&c->rq.lock);
	rq_link(c, t);
	spin_unlock(&c->rq.lock);
	sched_kick(c, t);
}

void sched_wake(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	t->blocked_on = NULL;
	sched_enqueue(t);
}

void sched_resume(struct thread *t)
{
	struct cpu *c = this_cpu();
	struct cpu *home = t->cpu;

	t->state = THREAD_RUNNABLE;
	t->blocked_on = NULL;
	/*
	 * The CPU passes to @t (L4's direct switch) if it may run here and
	 * its own CPU is not sitting idle: a thread whose CPU idles goes back
	 * there, so threads do not all gather on a server's CPU.
	 */
	if (!c->cur && (READ_ONCE(t->cpus_allowed) & cpumask_of(c->index)) &&
	    (home == c || !READ_ONCE(home->idle))) {
		sched_set_cpu(t, c);
		c->cur = t;
	} else {
		sched_enqueue(t);
	}
}

void sched_block_current(void)
{
	this_cpu()->cur = NULL;
}

/* Queue this CPU's current thread on this CPU (or where it may run) and leave it. */
static void sched_requeue_current(struct cpu *c)
{
	struct thread *t = c->cur;

	c->cur = NULL;
	if (READ_ONCE(t->cpus_allowed) & cpumask_of(c->index)) {
		spin_lock(&c->rq.lock);
		rq_link(c, t);
		spin_unlock(&c->rq.lock);
	} else {
		sched_enqueue(t);
	}
}

void sched_yield(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->cur;

	if (!t || rq_top_prio(c) < (int)t->prio)
		return;
	sched_refill(t);
	sched_requeue_current(c);
}

/*
 * Whom a tick of @t's time is charged to: @t itself, or, while @t serves
 * a call (t->reply_to names a caller that still waits for @t's reply),
 * that caller, and so on up a chain of nested calls (a server calling
 * another server on its client's behalf), at most SCHED_CHARGE_HOPS
 * deep.  Racy reads: a reply or a kill may end the call meanwhile, and
 * then one tick goes to the caller that was just served (see
 * sched_charge_caller()).
 */
static struct thread *sched_payer(struct thread *t)
{
	for (unsigned hop = 0; hop < SCHED_CHARGE_HOPS; hop++) {
		struct thread *caller = READ_ONCE(t->reply_to);
		if (!caller || READ_ONCE(caller->gen) != READ_ONCE(t->reply_gen) ||
		    READ_ONCE(caller->state) != THREAD_REPLY || READ_ONCE(caller->replier) != t)
			break;
		t = caller;
	}
	return t;
}

/*
 * Charge one tick to @caller, which waits for the reply of a call it
 * made (it runs nowhere).  When its slice is used up it is marked spent
 * (timeslice 0) and its prio_bit is lowered one place, so the IPC fast
 * path treats it as outranked by any queued thread of its own priority
 * and the reply goes through the general path, where sched_return()
 * sends it behind those threads with a new slice.  Both writes race only
 * with the caller's own CPU if a kill or a reply has just woken it: the
 * worst outcome is one tick too many or too few, and a spent mark that
 * sched_tick() or sched_return() clears at its next look.
 */
static void sched_charge_caller(struct thread *caller)
{
	uint32_t left = READ_ONCE(caller->timeslice);

	if (left > 1) {
		WRITE_ONCE(caller->timeslice, left - 1);
		return;
	}
	WRITE_ONCE(caller->timeslice, 0);
	WRITE_ONCE(caller->prio_bit, (1u << READ_ONCE(caller->prio)) >> 1);
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->cur;

	if (!t)
		return;
	struct thread *payer = sched_payer(t);
	if (payer != t) {
		sched_charge_caller(payer);
		return;
	}
	uint32_t left = READ_ONCE(t->timeslice);
	if (left > 1) {
		WRITE_ONCE(t->timeslice, left - 1);
		return;
	}
	sched_refill(t);
	if (rq_top_prio(c) >= (int)t->prio)
		sched_requeue_current(c);
}

/*
 * @t, current on @c, used its slice up while it waited for a reply
 * (sched_charge_caller()): it gets a new slice, and true is returned if a
 * queued thread of its priority or higher should run before it.
 */
static bool sched_spent(struct cpu *c, struct thread *t)
{
	if (READ_ONCE(t->timeslice))
		return false;
	sched_refill(t);
	return rq_top_prio(c) >= (int)t->prio;
}

bool sched_unlink(struct thread *t)
{
	for (;;) {
		struct run_queue *rq = READ_ONCE(t->rq);
		if (!rq)
			return false;
		struct cpu *c = rq_cpu(rq);
		spin_lock(&rq->lock);
		if (t->rq == rq) {
			rq_unlink(c, t);
			spin_unlock(&rq->lock);
			return true;
		}
		spin_unlock(&rq->lock);
	}
}

struct cpu *sched_running_on(const struct thread *t)
{
	for (unsigned i = 0; i < nr_cpus_online; i++)
		if (READ_ONCE(cpu_table[i].cur) == t)
			return &cpu_table[i];
	return NULL;
}

void sched_set_prio(struct thread *t, unsigned prio)
{
	for (;;) {
		struct run_queue *rq = READ_ONCE(t->rq);
		if (!rq) {
			sched_prio_store(t, prio);
			if (!READ_ONCE(t->rq))
				return;
			continue;       /* queued meanwhile: requeue under its lock */
		}
		struct cpu *c = rq_cpu(rq);
		spin_lock(&rq->lock);
		if (t->rq == rq) {
			rq_unlink(c, t);
			sched_prio_store(t, prio);
			rq_link(c, t);
			spin_unlock(&rq->lock);
			sched_kick(c, t);
			return;
		}
		spin_unlock(&rq->lock);
	}
}

void sched_set_affinity(struct thread *t, cpumask_t mask)
{
	WRITE_ONCE(t->cpus_allowed, mask);
	smp_mb();
	if (sched_unlink(t)) {
		sched_enqueue(t);          /* re-placed among the CPUs it may use now */
		return;
	}
	struct cpu *c = sched_running_on(t);
	if (c && !(mask & cpumask_of(c->index)))
		cpu_request(c, CPU_REQ_RESCHED);   /* it moves at that CPU's next sched_return() */
	else if (!c && !(mask & cpumask_of(t->cpu->index)))
		sched_set_cpu(t, &cpu_table[__builtin_ctzll(mask)]);  /* blocked: wakes where allowed */
}

/* A queued thread of another CPU that @c may run, or NULL: what an idle CPU takes. */
static struct thread *sched_steal(struct cpu *c)
{
	for (unsigned k = 1; k < nr_cpus_online; k++) {
		struct cpu *o = &cpu_table[(c->index + k) % nr_cpus_online];
		if (!READ_ONCE(o->rq.prio_bitmap) || !spin_trylock(&o->rq.lock))
			continue;
		struct thread *t = rq_first(o, c);
		if (t)
			rq_unlink(o, t);
		spin_unlock(&o->rq.lock);
		if (t)
			return t;
	}
	return NULL;
}

/* Take the next thread to run on @c from its queue, or steal one; NULL if none. */
static struct thread *sched_pick(struct cpu *c)
{
	struct thread *t = NULL;

	if (READ_ONCE(c->rq.prio_bitmap)) {
		spin_lock(&c->rq.lock);
		t = rq_first(c, c);
		if (t)
			rq_unlink(c, t);
		spin_unlock(&c->rq.lock);
	}
	if (!t && nr_cpus_online > 1)
		t = sched_steal(c);
	return t;
}

/*
 * A thread this CPU has taken off a queue or is about to run: if its task
 * is dying, it stops here for good (its killer frees it) and false is
 * returned.
 */
static bool sched_may_run(struct thread *t)
{
	if (READ_ONCE(t->task->state) == TASK_ALIVE)
		return true;
	store_release(&t->state, THREAD_DEAD);   /* our last touch: the killer may free it now */
	return false;
}

/* Nothing can run: wait with interrupts on until a thread is queued here or can be stolen. */
static struct thread *sched_idle(struct cpu *c)
{
	for (;;) {
		struct thread *t = sched_pick(c);
		if (t) {
			if (!sched_may_run(t))
				continue;
			return t;
		}
		/* a dying task's address space must not stay active here (its killer waits for that) */
		if (c->last_task && READ_ONCE(c->last_task->state) != TASK_ALIVE)
			sched_forget_task(c->last_task);
		WRITE_ONCE(c->idle, 1);
		smp_mb();       /* idle before the queue check: a waker that queued sees it */
		if (!READ_ONCE(c->rq.prio_bitmap) && !READ_ONCE(c->pending))
			arch_wait_for_interrupt();
		arch_irq_enable();      /* take what is pending */
		arch_irq_disable();
		WRITE_ONCE(c->idle, 0);
		__atomic_and_fetch(&c->pending, ~CPU_REQ_RESCHED, __ATOMIC_ACQ_REL);
	}
}

void sched_return(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->cur;

	if (t) {
		if (!sched_may_run(t))
			c->cur = NULL;
		else if (!(READ_ONCE(t->cpus_allowed) & cpumask_of(c->index)) ||
			 rq_top_prio(c) > (int)t->prio || sched_spent(c, t))
			sched_requeue_current(c);
	}
	while (!c->cur) {
		t = sched_pick(c);
		if (!t)
			t = sched_idle(c);
		if (sched_may_run(t)) {
			sched_set_cpu(t, c);
			if (!READ_ONCE(t->timeslice))
				sched_refill(t);        /* spent while it waited, then queued */
			c->cur = t;
		}
	}
	t = c->cur;
	arch_set_current_regs(&t->regs);
	if (t->task != c->last_task) {
		c->last_task = t->task;
		arch_aspace_activate(&t->task->aspace);
	}
}

int sched_top_prio(void)
{
	return rq_top_prio(this_cpu());
}

struct thread *sched_take_next(void)
{
	struct cpu *c = this_cpu();
	struct thread *t;

	spin_lock(&c->rq.lock);
	t = rq_first(c, c);
	if (t)
		rq_unlink(c, t);
	spin_unlock(&c->rq.lock);
	return t;
}

void sched_serve_requests(void)
{
	struct cpu *c = this_cpu();

	__atomic_and_fetch(&c->pending, ~CPU_REQ_RESCHED, __ATOMIC_ACQ_REL);
}

void sched_forget_task(struct task *task)
{
	struct cpu *c = this_cpu();

	if (c->last_task == task) {
		c->last_task = server_task;
		if (server_task) {
			sched_note_tlb_cpu(c, server_task);
			arch_aspace_activate(&server_task->aspace);
		}
	}
}

struct task *sched_active_task(void)
{
	return this_cpu()->last_task;
}

void sched_activate_task(struct task *task)
{
	struct cpu *c = this_cpu();

	if (task != c->last_task) {
		sched_note_tlb_cpu(c, task);
		c->last_task = task;
		arch_aspace_activate(&task->aspace);
	}
}

#endif /* ARCH_HAS_USPACE */
