/*
 * Tasks and threads (see <core/task.h>), and how a task dies while its
 * threads run on other CPUs.
 *
 * Killing a task (task_kill()), under the kill lock, one kill at a time:
 *   1. its state becomes DYING (under task->lock): no thread is created
 *      or resumed in it any more, no CPU starts running one of its
 *      threads (sched_return() and the idle loop stop them instead);
 *   2. every thread is stopped (THREAD_DEAD): taken off the endpoint or
 *      run queue it waits on under that queue's lock, or, if it runs on
 *      another CPU, that CPU is interrupted and stops it itself;
 *   3. every CPU leaves its address space (interrupted if needed);
 *   4. only then are its threads freed, its endpoints destroyed, its
 *      handles dropped, its page tables released and its ASID flushed
 *      everywhere it was used; the server gets the EXIT message.
 * Waiting in steps 2 and 3 happens with interrupts enabled, so the CPUs
 * waited for can still ask this one for TLB flushes.  A CPU that wants
 * the kill lock while its own task is being killed gives up (its thread
 * will never run again, so its request dies with it); that is what keeps
 * two kills from waiting for each other.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/device.h>
#include <core/ipc.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/task.h>
#include <core/vm.h>
#include <mneme/error.h>
#include <mneme/fault.h>

static spinlock_t kill_lock = SPINLOCK_INIT;

struct task *task_alloc(void)
{
	struct task *found = NULL;

	spin_lock(&object_lock);
	for (unsigned i = 0; i < MNEME_MAX_TASKS && !found; i++)
		if (task_table[i].state == TASK_FREE) {
			found = &task_table[i];
			found->state = TASK_NEW;
		}
	spin_unlock(&object_lock);
	return found;
}

int task_init(struct task *task, uint64_t root_pa, bool privileged, uint64_t badge)
{
	uint32_t asid = task_index(task) + 1;
	int err = arch_aspace_init(&task->aspace, root_pa, asid);

	if (err)
		return err;
	spin_init(&task->lock);
	spin_init(&task->handle_lock);
	task->privileged = privileged;
	task->badge = badge;
	task->pager = NULL;
	task->pt_pool = (struct vm_frames){ 0, 0 };
	task->nr_threads = 0;
	task->tlb_cpus = 0;
	list_init(&task->threads);
	list_init(&task->exit_link);
	for (unsigned i = 0; i < MNEME_HANDLES_PER_TASK; i++)
		task->handles[i] = (struct handle){ .badge = 0 };
	store_release(&task->state, TASK_ALIVE);
	return 0;
}

void task_unmake(struct task *task)
{
	if (task->pager)
		endpoint_put(task->pager, task->pager_gen);
	task->pager = NULL;
	vm_task_root_release(task);
	task_free(task);
}

void task_free(struct task *task)
{
	list_init(&task->exit_link);
	WRITE_ONCE(task->gen, task->gen + 1);
	store_release(&task->state, TASK_FREE);
}

struct thread *thread_alloc(void)
{
	struct thread *found = NULL;

	spin_lock(&object_lock);
	for (unsigned i = 0; i < MNEME_MAX_THREADS && !found; i++)
		if (thread_table[i].state == THREAD_FREE) {
			found = &thread_table[i];
			found->state = THREAD_DEAD;     /* taken, not yet a thread */
		}
	spin_unlock(&object_lock);
	return found;
}

void thread_release(struct thread *t)
{
	WRITE_ONCE(t->gen, t->gen + 1);
	store_release(&t->state, THREAD_FREE);
}

int thread_init(struct thread *t, struct task *task, uint64_t entry, uint64_t sp,
		uint64_t arg0, uint64_t arg1, unsigned prio)
{
	uint32_t gen = t->gen;
	struct cpu *c = this_cpu();

	*t = (struct thread){ .gen = gen, .state = THREAD_DEAD, .prio = (uint8_t)prio,
			      .prio_bit = 1u << prio,
			      .timeslice = SCHED_TIMESLICE, .task = task, .cpu = c,
			      .cpus_allowed = ~(cpumask_t)0 };
	list_init(&t->link);
	arch_regs_init_user(&t->regs, entry, sp, arg0, arg1);
	sched_note_tlb_cpu(c, task);
	spin_lock(&task->lock);
	if (task->state != TASK_ALIVE) {
		spin_unlock(&task->lock);
		return -MNEME_EDEAD;
	}
	/* checked again under the lock: racing spawns of one task cannot pass its share */
	if (!task->privileged && task->nr_threads >= MNEME_MAX_THREADS_PER_TASK) {
		spin_unlock(&task->lock);
		return -MNEME_EQUOTA;
	}
	list_add_tail(&task->threads, &t->task_link);
	task->nr_threads++;
	store_release(&t->state, THREAD_SUSPENDED);
	spin_unlock(&task->lock);
	return 0;
}

void thread_unmake(struct thread *t)
{
	struct task *task = t->task;

	spin_lock(&task->lock);
	if (t->state == THREAD_SUSPENDED) {
		list_del(&t->task_link);
		task->nr_threads--;
		t->state = THREAD_DEAD;
	}
	spin_unlock(&task->lock);
	if (t->state == THREAD_DEAD && !list_linked(&t->task_link))
		thread_release(t);
}

int thread_resume(struct thread *t)
{
	struct task *task = t->task;

	spin_lock(&task->lock);
	if (task->state != TASK_ALIVE || t->state != THREAD_SUSPENDED) {
		spin_unlock(&task->lock);
		return -MNEME_EBUSY;
	}
	t->state = THREAD_RUNNABLE;     /* in transit: ours */
	spin_unlock(&task->lock);
	sched_enqueue(t);
	return 0;
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

/* One pause of a wait for another CPU: interrupts on, so it can ask things of us meanwhile. */
static void kill_wait_relax(void)
{
	arch_irq_window();
	arch_wait_relax();
}

/* The kill lock, or false if the calling thread's own task began dying meanwhile. */
static bool kill_lock_acquire(void)
{
	while (!spin_trylock(&kill_lock)) {
		struct thread *me = current;
		if (me && READ_ONCE(me->task->state) != TASK_ALIVE)
			return false;
		kill_wait_relax();
	}
	return true;
}

/* Stop @t of a dying task: THREAD_DEAD, on no queue, running nowhere. */
static void thread_stop(struct thread *t)
{
	struct cpu *me = this_cpu();

	for (;;) {
		struct endpoint *ep;
		struct cpu *c;

		switch (load_acquire(&t->state)) {
		case THREAD_DEAD:
			return;
		case THREAD_SUSPENDED:
			spin_lock(&t->task->lock);
			if (t->state == THREAD_SUSPENDED) {
				t->state = THREAD_DEAD;
				spin_unlock(&t->task->lock);
				return;
			}
			spin_unlock(&t->task->lock);
			break;
		case THREAD_SEND:
		case THREAD_RECV:
			ep = READ_ONCE(t->blocked_on);
			if (!ep)
				break;
			spin_lock(&ep->lock);
			if (t->blocked_on == ep && (t->state == THREAD_SEND || t->state == THREAD_RECV)) {
				list_del(&t->link);
				if (t->state == THREAD_SEND)
					ep->waiting--;
				t->blocked_on = NULL;
				t->state = THREAD_DEAD;
				spin_unlock(&ep->lock);
				return;
			}
			spin_unlock(&ep->lock);
			break;
		case THREAD_REPLY:
			ep = READ_ONCE(t->reply_ep);
			if (!ep)
				break;
			spin_lock(&ep->lock);
			if (t->state == THREAD_REPLY && t->reply_ep == ep) {
				t->state = THREAD_DEAD;
				spin_unlock(&ep->lock);
				return;
			}
			spin_unlock(&ep->lock);
			break;
		case THREAD_RUNNABLE:
			if (sched_unlink(t)) {
				store_release(&t->state, THREAD_DEAD);
				return;
			}
			c = sched_running_on(t);
			if (c == me) {                  /* our own thread, killing its task */
				me->cur = NULL;
				t->state = THREAD_DEAD;
				return;
			}
			if (c)
				cpu_request(c, CPU_REQ_RESCHED);   /* it stops in its sched_return() */
			break;                          /* else in transit on another CPU: look again */
		}
		kill_wait_relax();
	}
}

/* Wait until no CPU but this one has @task's address space active; leave it here too. */
static void task_leave_everywhere(struct task *task)
{
	struct cpu *me = this_cpu();

	for (unsigned i = 0; i < nr_cpus_online; i++) {
		struct cpu *c = &cpu_table[i];
		if (c == me)
			continue;
		while (READ_ONCE(c->last_task) == task) {
			cpu_request(c, CPU_REQ_RESCHED);
			kill_wait_relax();
		}
	}
	sched_forget_task(task);
}

static void task_destroy_endpoints(struct task *task)
{
	for (unsigned i = 0; i < MNEME_MAX_ENDPOINTS; i++) {
		struct endpoint *ep = &endpoint_table[i];
		struct list_node dead;
		if (!READ_ONCE(ep->alive) || READ_ONCE(ep->owner) != endpoint_owner_id(task))
			continue;
		list_init(&dead);
		spin_lock(&ep->lock);
		if (ep->alive && ep->owner == endpoint_owner_id(task))
			endpoint_destroy(ep, &dead);
		spin_unlock(&ep->lock);
		endpoint_wake_dead(&dead);
	}
}

/* Steps 4 of the kill: everything the stopped task held goes. */
static void task_reclaim(struct task *task)
{
	struct list_node *n;
	struct cpu *me = this_cpu();
	struct vm_frames tables = { 0, 0 };

	while ((n = list_first(&task->threads))) {
		struct thread *t = list_entry(n, struct thread, task_link);
		ipc_stop(t);
		list_del(&t->task_link);
		task->nr_threads--;
		thread_release(t);
	}
	device_release_task(task);
	task_destroy_endpoints(task);
	handle_clear_all(task);
	if (task->pager) {
		endpoint_put(task->pager, task->pager_gen);
		task->pager = NULL;
	}
	spin_lock(&task->lock);
	vm_task_tables_release(task, &tables);
	spin_unlock(&task->lock);
	cpumask_t others = vm_tlb_holders(task) & ~cpumask_of(me->index);
	arch_tlb_flush(&task->aspace, 0, 0);
	if (others)
		arch_tlb_flush_cpus(others, &task->aspace, 0, 0);
	WRITE_ONCE(task->tlb_cpus, 0);
	/* no CPU can walk them any more: the tables and the root are the server's again */
	vm_frames_give_back(&tables);
	vm_task_root_release(task);
}

void task_kill(struct task *task, uint32_t reason, uint64_t status, uint64_t kind)
{
	if (task == server_task) {
		printk("mneme: memory server died (%s, status %llu)\n", exit_reason_name(reason),
		       (unsigned long long)status);
		arch_exit(CORE_EXIT_PANIC);
	}
	if (!kill_lock_acquire())
		return;
	spin_lock(&task->lock);
	if (task->state != TASK_ALIVE) {
		spin_unlock(&task->lock);
		spin_unlock(&kill_lock);
		return;
	}
	WRITE_ONCE(task->state, TASK_DYING);
	spin_unlock(&task->lock);
	smp_mb();       /* DYING before looking where its threads are */
	struct list_node *n;
	for (n = task->threads.next; n != &task->threads; n = n->next)
		thread_stop(list_entry(n, struct thread, task_link));
	task_leave_everywhere(task);
	task_reclaim(task);
	task->exit_words[0] = task->badge;
	task->exit_words[1] = status;
	task->exit_words[2] = reason;
	task->exit_words[3] = kind;
	store_release(&task->state, TASK_ZOMBIE);
	spin_unlock(&kill_lock);
	ipc_post_exit(task);
}

void thread_exit_current(uint64_t status)
{
	struct thread *t = current;
	struct task *task = t->task;

	spin_lock(&task->lock);
	if (task->state == TASK_ALIVE && task->nr_threads > 1) {
		list_del(&t->task_link);
		task->nr_threads--;
		spin_unlock(&task->lock);
		sched_block_current();
		ipc_stop(t);
		thread_release(t);
		return;
	}
	bool alive = task->state == TASK_ALIVE;
	spin_unlock(&task->lock);
	if (alive) {
		task_kill(task, MNEME_EXIT_NORMAL, status, 0);
		return;
	}
	sched_block_current();                  /* dying: its killer frees it */
	store_release(&t->state, THREAD_DEAD);
}

#endif /* ARCH_HAS_USPACE */
