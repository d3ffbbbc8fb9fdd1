/*
 * The scheduler: fixed priorities 0..MNEME_PRIO_MAX (higher runs first),
 * FIFO within a priority, round robin by timeslice (SCHED_TIMESLICE timer
 * ticks), a bitmap of non-empty priorities for an O(1) pick.
 *
 * @current is the thread whose registers the next return to user mode
 * restores.  It is never on a run queue; runnable threads waiting for the
 * CPU are.  Core entry points change @current through these functions
 * and finish with sched_return(), which picks a thread if @current
 * blocked (idling until one is runnable) and tells the architecture.
 */
#ifndef CORE_SCHED_H
#define CORE_SCHED_H

#include <core/object.h>

#define SCHED_TIMESLICE 5   /* timer ticks */

/*
 * The scheduler's per-CPU state, together in one cache line: the IPC fast
 * path reads and writes all of it, and one base address serves every
 * field (instead of one address computation per global).
 */
struct sched_cpu {
	struct thread *cur;             /* the running thread (@current) */
	struct task *last_task;         /* whose address space is active */
	uint64_t nr_syscalls;           /* general-path syscalls since boot (statistics) */
	uint32_t prio_bitmap;           /* bit p: run_queue[p] is not empty */
	uint32_t outrank_bitmap;        /* prio_bitmap >> 1: bit p: a queued thread outranks p */
} __attribute__((aligned(64)));

extern struct sched_cpu sched_cpu;

#define current           (sched_cpu.cur)
#define sched_prio_bitmap (sched_cpu.prio_bitmap)
#define sched_last_task   (sched_cpu.last_task)

void sched_init(void);
/* Put runnable @t at the tail of its priority's queue. */
void sched_enqueue(struct thread *t);
/* Take @t off its run queue (it must be on one). */
void sched_dequeue(struct thread *t);
/* Dequeue and return the highest-priority runnable thread, or NULL. */
struct thread *sched_pick(void);
/* Highest priority with a queued thread, or -1. */
int sched_top_prio(void);
/* Make a blocked or suspended @t runnable (queued; preempts later if it outranks current). */
void sched_wake(struct thread *t);
/* Make @t (not queued) current now; the old current, if still runnable, is queued. */
void sched_switch_to(struct thread *t);
/* @current stopped being runnable (blocked or died): the next sched_return() picks. */
void sched_block_current(void);
/* Give up the CPU to threads of the same or higher priority. */
void sched_yield(void);
/* One timer tick from user mode: charge the timeslice, rotate when it runs out. */
void sched_tick(void);
/* Forget @t everywhere in the scheduler (it is being freed). */
void sched_remove(struct thread *t);
/*
 * End of every core entry: make sure @current is runnable (picking or
 * idling if not) and hand its registers and address space to the arch.
 */
void sched_return(void);
/* Change @t's priority, requeueing it if queued. */
void sched_set_prio(struct thread *t, unsigned prio);
/* The task whose address space is active (the one arch_copy_*_user() reaches). */
struct task *sched_active_task(void);
/* Activate @task's address space (copies between address spaces). */
void sched_activate_task(struct task *task);
/* @task is dying: stop using its address space (the server's becomes active). */
void sched_forget_task(struct task *task);

/* True if a queued thread has a higher priority than @prio. */
static inline bool sched_outranked(unsigned prio)
{
	return (sched_cpu.outrank_bitmap >> prio) != 0;
}

/*
 * The IPC fast path's switch: @t (runnable, not queued, not outranked)
 * becomes current and the arch gets its address space and, if
 * @set_regs, its registers (else the caller hands them over):
 * sched_return() without the checks the fast path has already made.
 */
static inline __attribute__((always_inline)) void sched_switch_fast(struct thread *t, bool set_regs)
{
	struct sched_cpu *cpu = &sched_cpu;
	struct task *task = t->task;

	cpu->cur = t;
	if (task != cpu->last_task) {
		cpu->last_task = task;
		arch_aspace_activate(&task->aspace);
	}
	if (set_regs)
		arch_set_current_regs(&t->regs);
}

#endif
