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

/* A free task slot, or NULL. */
struct task *task_alloc(void);
/*
 * Set up @task (from task_alloc()) with root table @root_pa (validated by
 * the caller): 0, or the arch's error (the slot stays free).
 */
int task_init(struct task *task, uint64_t root_pa, bool privileged, uint64_t badge);
/* Return a dead task's slot to the table (after its EXIT message went out). */
void task_free(struct task *task);
/* Kill @task: see above.  The server's own death ends the run (panic). */
void task_kill(struct task *task, uint32_t reason, uint64_t status, uint64_t kind);

/* A free thread slot, or NULL. */
struct thread *thread_alloc(void);
/* Make @t a suspended thread of @task starting at @entry with @sp and two arguments. */
void thread_init(struct thread *t, struct task *task, uint64_t entry, uint64_t sp,
		 uint64_t arg0, uint64_t arg1, unsigned prio);
/* The current thread ends; the last thread of a task ends the task with @status. */
void thread_exit_current(uint64_t status);

#endif
