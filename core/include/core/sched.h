/*
 * The scheduler: one run queue per CPU, fixed priorities 0..MNEME_PRIO_MAX
 * (higher runs first), FIFO within a priority, round robin by timeslice
 * (SCHED_TIMESLICE timer ticks), a bitmap of non-empty priorities for an
 * O(1) pick.  Threads carry the set of CPUs they may run on.
 *
 * this_cpu()->cur is the thread whose registers the next return to user
 * mode restores.  It is never on a run queue; runnable threads waiting
 * for a CPU are.  Core entry points change the current thread through
 * these functions and finish with sched_return(), which picks a thread
 * if the current one blocked (idling until one is runnable) and tells the
 * architecture.  Locking: docs/architecture.md, "Locking".
 */
#ifndef CORE_SCHED_H
#define CORE_SCHED_H

#include <core/cpu.h>
#include <core/object.h>

#define SCHED_TIMESLICE 5   /* timer ticks */
#define SCHED_CHARGE_HOPS 4 /* nested calls a tick is charged back through */

#define current           (this_cpu()->cur)

/* Every CPU's run queue empty, no thread current (boot, host tests). */
void sched_init(void);
/* Let the application processors into the scheduler (the first user thread is about to run). */
void sched_start(void);
extern uint32_t sched_started;

/*
 * Make blocked, suspended or in-transit @t runnable: it is queued on a CPU
 * it may run on (its last one if that is idle or the only choice), and
 * that CPU is interrupted if it idles or runs something of lower
 * priority.  Takes that CPU's run-queue lock (callers may hold endpoint
 * locks).
 */
void sched_wake(struct thread *t);
/* Runnable @t (not queued, not current) goes on a run queue, as for sched_wake(). */
void sched_enqueue(struct thread *t);
/*
 * @t (runnable, not queued) runs on this CPU next if the current thread
 * blocked, @t may run here and its own CPU does not idle; else it is
 * queued as by sched_enqueue().
 */
void sched_resume(struct thread *t);
/* The current thread stopped being runnable (blocked or died): sched_return() picks. */
void sched_block_current(void);
/* Give up the CPU to threads of the same or higher priority. */
void sched_yield(void);
/*
 * One timer tick from user mode: charge the timeslice of whoever caused
 * the work (the current thread, or the caller it serves a call for), and
 * rotate when the current thread's own slice runs out.
 */
void sched_tick(void);
/*
 * End of every core entry: make sure this CPU's current thread is
 * runnable here (stopping it if its task is dying, moving it if it may no
 * longer run here, queueing it if a queued thread outranks it; picking,
 * stealing or idling when there is none) and hand its registers and
 * address space to the arch.
 */
void sched_return(void);
/* Change @t's priority, requeueing it if queued. */
void sched_set_prio(struct thread *t, unsigned prio);
/*
 * Let @t run only on the CPUs of @mask (non-empty, online CPUs only): it
 * moves at once if queued or blocked, at its CPU's next core entry if
 * running (that CPU is interrupted).
 */
void sched_set_affinity(struct thread *t, cpumask_t mask);
/*
 * If @t is linked on a run queue, unlink it and return true (its state
 * stays RUNNABLE; the caller now owns it).  For a task's killer.
 */
bool sched_unlink(struct thread *t);
/* The CPU @t is current on, or NULL (a snapshot: it may change at once). */
struct cpu *sched_running_on(const struct thread *t);
/* The task whose address space is active on this CPU (the one arch_copy_*_user() reaches). */
struct task *sched_active_task(void);
/* Activate @task's address space on this CPU (copies between address spaces). */
void sched_activate_task(struct task *task);
/* @task is dying: if this CPU uses its address space, switch to the server's. */
void sched_forget_task(struct task *task);
/* Highest priority queued on this CPU, or -1. */
int sched_top_prio(void);
/* Unlink and return the thread this CPU would run next from its own queue, or NULL (tests). */
struct thread *sched_take_next(void);
/* The idle loop's and IPI's check: anything to do for this CPU's requests (CPU_REQ_*). */
void sched_serve_requests(void);

/*
 * @task may now have TLB entries on CPU @c: note it in the task's
 * tlb_cpus, the shootdown's target set.  Invariant: a thread's task has
 * the thread's CPU (t->cpu) in its tlb_cpus, and every activation of an
 * address space on a CPU is by a thread of that CPU or noted here first.
 * The set only grows until the task dies; its killer then flushes the
 * ASID on all of it, so a task reusing the ASID starts clean.
 */
void sched_note_tlb_cpu(struct cpu *c, struct task *task);

/*
 * True if a thread queued on @c has a higher priority than @t: some bit
 * at or above t's priority is set in outrank_bitmap (prio_bitmap >> 1),
 * that is, the bitmap is at least 1 << prio.  A thread whose slice ran
 * out while it waited for a reply has prio_bit lowered one place
 * (1 << prio >> 1): then a queued thread of its own priority outranks it
 * too, and the fast path leaves the reply to the general path.
 */
static inline bool sched_outranked(const struct cpu *c, const struct thread *t)
{
	return c->outrank_bitmap >= t->prio_bit;
}

/* Set @t's priority fields (not queued, or under its queue's lock). */
static inline void sched_prio_store(struct thread *t, unsigned prio)
{
	WRITE_ONCE(t->prio, (uint8_t)prio);
	WRITE_ONCE(t->prio_bit, 1u << prio);
}

/*
 * A new timeslice for @t, and its prio_bit back to its priority's (a
 * caller whose slice ran out while it waited for a reply has it lowered:
 * sched_tick()).
 */
static inline void sched_refill(struct thread *t)
{
	WRITE_ONCE(t->timeslice, SCHED_TIMESLICE);
	WRITE_ONCE(t->prio_bit, 1u << READ_ONCE(t->prio));
}

/*
 * The IPC fast path's switch: @t (runnable, not queued, not outranked,
 * last run on this CPU @c) becomes current and the arch gets its address
 * space and, if @set_regs, its registers (else the caller hands them
 * over): sched_return() without the checks the fast path has already
 * made.  @t ran here before, so its task's tlb_cpus has this CPU already.
 */
static inline __attribute__((always_inline)) void sched_switch_fast(struct cpu *c, struct thread *t,
								    bool set_regs)
{
	struct task *task = t->task;

	c->cur = t;
	if (task != c->last_task) {
		c->last_task = task;
		arch_aspace_activate(&task->aspace);
	}
	if (set_regs)
		arch_set_current_regs(&t->regs);
}

#endif
