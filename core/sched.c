/*
 * The scheduler (see <core/sched.h> for the model).
 *
 * Design: one FIFO per priority and a 32-bit bitmap with a bit per
 * non-empty FIFO, so picking is a count-leading-zeros and a list pop.
 * Wake-ups only queue the woken thread; whether it outranks @current is
 * checked once, in sched_return(), at the end of the core entry.  IPC hands the CPU
 * directly from sender to receiver with sched_switch_to() (no queueing),
 * as L4 kernels do, so a call/reply round trip never touches the run
 * queues.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/printk.h>
#include <core/sched.h>

struct sched_cpu sched_cpu;
static struct list_node run_queue[MNEME_PRIO_MAX + 1];
#define prio_bitmap sched_prio_bitmap
#define last_task sched_last_task

void sched_init(void)
{
	for (unsigned i = 0; i <= MNEME_PRIO_MAX; i++)
		list_init(&run_queue[i]);
	prio_bitmap = 0;
	sched_cpu.outrank_bitmap = 0;
	current = NULL;
	last_task = NULL;
}

void sched_enqueue(struct thread *t)
{
	ASSERT(t->state == THREAD_RUNNABLE && !list_linked(&t->link));
	list_add_tail(&run_queue[t->prio], &t->link);
	prio_bitmap |= 1u << t->prio;
	sched_cpu.outrank_bitmap = prio_bitmap >> 1;
}

void sched_dequeue(struct thread *t)
{
	list_del(&t->link);
	if (list_empty(&run_queue[t->prio])) {
		prio_bitmap &= ~(1u << t->prio);
		sched_cpu.outrank_bitmap = prio_bitmap >> 1;
	}
}

int sched_top_prio(void)
{
	return prio_bitmap ? 31 - __builtin_clz(prio_bitmap) : -1;
}

struct thread *sched_pick(void)
{
	int prio = sched_top_prio();

	if (prio < 0)
		return NULL;
	struct thread *t = list_entry(list_first(&run_queue[prio]), struct thread, link);
	sched_dequeue(t);
	return t;
}

void sched_wake(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	t->blocked_on = NULL;
	sched_enqueue(t);
}

void sched_switch_to(struct thread *t)
{
	struct thread *old = current;

	ASSERT(t->state == THREAD_RUNNABLE && !list_linked(&t->link));
	if (old && old != t && old->state == THREAD_RUNNABLE)
		sched_enqueue(old);
	current = t;
}

void sched_block_current(void)
{
	current = NULL;
}

void sched_yield(void)
{
	struct thread *t = current;

	if (!t || sched_top_prio() < (int)t->prio)
		return;
	t->timeslice = SCHED_TIMESLICE;
	sched_enqueue(t);
	current = NULL;
}

void sched_tick(void)
{
	struct thread *t = current;

	if (!t)
		return;
	if (t->timeslice > 1) {
		t->timeslice--;
		return;
	}
	t->timeslice = SCHED_TIMESLICE;
	if (sched_top_prio() >= (int)t->prio) {
		sched_enqueue(t);
		current = NULL;
	}
}

void sched_remove(struct thread *t)
{
	if (t->state == THREAD_RUNNABLE && list_linked(&t->link))
		sched_dequeue(t);
	if (current == t)
		current = NULL;
}

void sched_set_prio(struct thread *t, unsigned prio)
{
	bool queued = t->state == THREAD_RUNNABLE && list_linked(&t->link);

	if (queued)
		sched_dequeue(t);
	t->prio = (uint8_t)prio;
	if (queued)
		sched_enqueue(t);
}

/* Nothing can run: wait with interrupts on.  Only a core entry can wake a thread, so say so once. */
static struct thread *sched_idle(void)
{
	static bool reported;

	if (!reported) {
		printk("mneme: idle: no runnable thread\n");
		reported = true;
	}
	for (;;) {
		struct thread *t = sched_pick();
		if (t) {
			reported = false;
			return t;
		}
		arch_irq_enable();
		arch_wait_for_interrupt();
		arch_irq_disable();
	}
}

void sched_return(void)
{
	if (current && sched_top_prio() > (int)current->prio) {
		sched_enqueue(current);
		current = NULL;
	}
	if (!current)
		current = sched_pick();
	if (!current)
		current = sched_idle();
	arch_set_current_regs(&current->regs);  /* two stores at most: cheaper than a test */
	if (current->task != last_task) {
		last_task = current->task;
		arch_aspace_activate(&last_task->aspace);
	}
}

void sched_forget_task(struct task *task)
{
	if (last_task == task) {
		last_task = server_task;
		if (server_task)
			arch_aspace_activate(&server_task->aspace);
	}
}

/* The address space whose mappings arch_copy_*_user() reach right now. */
struct task *sched_active_task(void)
{
	return last_task;
}

/* Switch the active address space to @task's (for copies between address spaces). */
void sched_activate_task(struct task *task)
{
	if (task != last_task) {
		last_task = task;
		arch_aspace_activate(&task->aspace);
	}
}

#endif /* ARCH_HAS_USPACE */
