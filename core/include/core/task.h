/*
 * Tasks and threads: creation, start, exit and death.
 *
 * A task is an address space (a root table the memory server gave), a
 * handle table, a pager and a pool of page-table frames.  When a task
 * dies, the core frees its threads and endpoints (waking everyone who
 * waits on them with -MNEME_EDEAD), stops using its address space, and
 * tells the memory server with an EXIT message so it can reclaim every
 * frame it handed out for the task.
 */
#ifndef CORE_TASK_H
#define CORE_TASK_H

#include <core/object.h>

/* Take a free task slot (TASK_NEW), or NULL; give it back with task_free() if unused. */
struct task *task_alloc(void);
/*
 * Set up @task (from task_alloc()) with root table @root_pa (validated by
 * the caller): 0 (the task is ALIVE), or the arch's error.
 */
int task_init(struct task *task, uint64_t root_pa, bool privileged, uint64_t badge);
/* Return a task's slot to the table (after its EXIT message went out, or unused). */
void task_free(struct task *task);
/* Undo a task just made that no one knows yet (no threads, no handle): no EXIT message. */
void task_unmake(struct task *task);
/*
 * Kill @task: see task.c.  Returns once it is a zombie whose EXIT message
 * is delivered or queued (or at once if it is dying already, or if the
 * calling thread's own task began dying while it waited to kill).  The
 * server's own death ends the run (panic).
 */
void task_kill(struct task *task, uint32_t reason, uint64_t status, uint64_t kind);

/* Take a free thread slot, or NULL; give it back with thread_release() if unused. */
struct thread *thread_alloc(void);
void thread_release(struct thread *t);
/*
 * Make @t a suspended thread of @task starting at @entry with @sp and two
 * arguments: 0, or -MNEME_EDEAD if @task is dying (then release @t).
 */
int thread_init(struct thread *t, struct task *task, uint64_t entry, uint64_t sp,
		uint64_t arg0, uint64_t arg1, unsigned prio);
/* Undo suspended thread @t just made that no one knows yet. */
void thread_unmake(struct thread *t);
/* Start suspended @t: 0, or -MNEME_EBUSY (not suspended, or its task is dying). */
int thread_resume(struct thread *t);
/* The current thread ends; the last thread of a task ends the task with @status. */
void thread_exit_current(uint64_t status);

#endif
