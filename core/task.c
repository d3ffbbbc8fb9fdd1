/*
 * Tasks and threads (see <core/task.h>).
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/ipc.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/task.h>
#include <mneme/error.h>
#include <mneme/fault.h>

struct task *task_alloc(void)
{
	for (unsigned i = 0; i < MNEME_MAX_TASKS; i++)
		if (task_table[i].state == TASK_FREE)
			return &task_table[i];
	return NULL;
}

int task_init(struct task *task, uint64_t root_pa, bool privileged, uint64_t badge)
{
	uint32_t asid = task_index(task) + 1;
	int err = arch_aspace_init(&task->aspace, root_pa, asid);

	if (err)
		return err;
	arch_tlb_flush(&task->aspace, 0, 0);     /* the ASID may have served a dead task */
	task->state = TASK_ALIVE;
	task->privileged = privileged;
	task->root_pa = root_pa;
	task->badge = badge;
	task->pager = NULL;
	task->pt_pool_nr = 0;
	task->nr_threads = 0;
	list_init(&task->threads);
	list_init(&task->exit_link);
	for (unsigned i = 0; i < MNEME_HANDLES_PER_TASK; i++)
		task->handles[i] = (struct handle){ 0 };
	return 0;
}

void task_free(struct task *task)
{
	task->state = TASK_FREE;
	task->gen++;
	list_init(&task->exit_link);
}

struct thread *thread_alloc(void)
{
	for (unsigned i = 0; i < MNEME_MAX_THREADS; i++)
		if (thread_table[i].state == THREAD_FREE)
			return &thread_table[i];
	return NULL;
}

void thread_init(struct thread *t, struct task *task, uint64_t entry, uint64_t sp,
		 uint64_t arg0, uint64_t arg1, unsigned prio)
{
	uint32_t gen = t->gen;

	*t = (struct thread){ .gen = gen, .state = THREAD_SUSPENDED, .prio = (uint8_t)prio,
			      .timeslice = SCHED_TIMESLICE, .task = task };
	list_init(&t->link);
	arch_regs_init_user(&t->regs, entry, sp, arg0, arg1);
	list_add_tail(&task->threads, &t->task_link);
	task->nr_threads++;
}

/* Free @t: off every queue, reply waiters released, slot reusable. */
static void thread_free(struct thread *t)
{
	ipc_cancel(t);
	sched_remove(t);
	list_del(&t->task_link);
	t->task->nr_threads--;
	t->state = THREAD_FREE;
	t->gen++;
}

static const char *exit_reason_name(uint32_t reason)
{
	switch (reason) {
	case MNEME_EXIT_NORMAL: return "exit";
	case MNEME_EXIT_FAULT: return "fault";
	case MNEME_EXIT_KILLED: return "killed by pager";
	case MNEME_EXIT_DESTROYED: return "destroyed";
	default: return "?";
	}
}

static void no_release(uint64_t pa, void *ctx)
{
	(void)pa;
	(void)ctx;
}

void task_kill(struct task *task, uint32_t reason, uint64_t status, uint64_t kind)
{
	struct list_node *n;

	ASSERT(task->state == TASK_ALIVE);
	if (task == server_task) {
		printk("mneme: memory server died (%s, status %llu)\n", exit_reason_name(reason),
		       (unsigned long long)status);
		arch_exit(CORE_EXIT_PANIC);
	}
	task->state = TASK_ZOMBIE;
	while ((n = list_first(&task->threads)))
		thread_free(list_entry(n, struct thread, task_link));
	for (unsigned i = 0; i < MNEME_MAX_ENDPOINTS; i++)
		if (endpoint_table[i].alive && endpoint_table[i].owner == task)
			endpoint_destroy(&endpoint_table[i]);
	for (unsigned i = 0; i < MNEME_HANDLES_PER_TASK; i++)
		task->handles[i] = (struct handle){ 0 };
	sched_forget_task(task);
	arch_aspace_release_tables(&task->aspace, no_release, NULL);
	task->pt_pool_nr = 0;
	task->pager = NULL;
	task->exit_words[0] = task->badge;
	task->exit_words[1] = status;
	task->exit_words[2] = reason;
	task->exit_words[3] = kind;
	ipc_post_exit(task);
}

void thread_exit_current(uint64_t status)
{
	struct thread *t = current;
	struct task *task = t->task;

	if (task->nr_threads == 1) {
		task_kill(task, MNEME_EXIT_NORMAL, status, 0);
		return;
	}
	thread_free(t);
}

#endif /* ARCH_HAS_USPACE */
