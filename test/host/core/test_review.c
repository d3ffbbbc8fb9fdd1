/*
 * Host tests from the adversarial review of the core: malformed calls of
 * the memory server that must fail with an error code instead of
 * corrupting the core.
 */
#include <arch/uspace.h>
#include <core/task.h>
#include <core/vm.h>
#include "harness.h"

#define SYS(t, nr, ...) h_sys(t, MNEME_SYS_##nr, __VA_ARGS__)

/*
 * A root table holds the core's half of the address space.  Donating a
 * live task's root (or a frame already in some task's pool) to another
 * task, or creating a task on it, would have the core zero or rewrite it:
 * the core half of the first task is lost and the core crashes the next
 * time that task runs.  Both calls must refuse such a frame with EBUSY.
 */
static void test_root_and_pool_frames_in_use(void)
{
	h_init();
	struct task *srv = h_task(true);
	struct thread *s = h_thread(srv, 10);
	h_run(s);
	uint64_t root_a = h_frame(), root_b = h_frame();

	CHECK_EQ(SYS(s, task_create, root_a, 0, 1, 0, 0, 0, 0), 0);
	uint64_t ha = h_ret(s, 1);
	CHECK_EQ(SYS(s, task_create, root_b, 0, 2, 0, 0, 0, 0), 0);
	uint64_t hb = h_ret(s, 1);
	struct task *a, *b;
	CHECK_EQ(handle_task(srv, ha, &a), 0);
	CHECK_EQ(handle_task(srv, hb, &b), 0);

	/* another task's root, the server's own root, and a root reused as a root */
	CHECK_EQ(SYS(s, pt_donate, hb, root_a, 0, 0, 0, 0, 0), -MNEME_EBUSY);
	CHECK_EQ(SYS(s, pt_donate, hb, srv->root_pa, 0, 0, 0, 0, 0), -MNEME_EBUSY);
	CHECK_EQ(b->pt_pool_nr, 0);
	unsigned free_tasks = 0;
	for (unsigned i = 0; i < MNEME_MAX_TASKS; i++)
		free_tasks += task_table[i].state == TASK_FREE;
	CHECK_EQ(SYS(s, task_create, root_a, 0, 3, 0, 0, 0, 0), -MNEME_EBUSY);
	CHECK_EQ(SYS(s, task_create, srv->root_pa, 0, 3, 0, 0, 0, 0), -MNEME_EBUSY);
	unsigned free_after = 0;
	for (unsigned i = 0; i < MNEME_MAX_TASKS; i++)
		free_after += task_table[i].state == TASK_FREE;
	CHECK_EQ(free_after, free_tasks);
	CHECK_EQ(a->root_pa, root_a);

	/* a frame pooled for one task is not given to another, nor made a root */
	uint64_t pt = h_frame();
	CHECK_EQ(SYS(s, pt_donate, ha, pt, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, pt_donate, hb, pt, 0, 0, 0, 0, 0), -MNEME_EBUSY);
	CHECK_EQ(SYS(s, task_create, pt, 0, 3, 0, 0, 0, 0), -MNEME_EBUSY);
	CHECK_EQ(b->pt_pool_nr, 0);
	CHECK_EQ(a->pt_pool_nr, 1);

	/* once the task is gone (its EXIT taken) its frames are the server's again */
	CHECK_EQ(SYS(s, task_destroy, ha, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, recv, MNEME_HANDLE_SERVER_EP, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(a->state, TASK_FREE);
	CHECK_EQ(SYS(s, pt_donate, hb, root_a, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, task_create, pt, 0, 3, 0, 0, 0, 0), 0);
}

/*
 * A task whose pager endpoint it can receive on: one of its threads takes
 * the fault of another and answers KILL, ending its own task (and itself)
 * inside its reply_recv / reply.  The core must finish the call on a freed
 * thread without touching it again, queue the EXIT message, and leave the
 * endpoint (owned by another task) alive and empty.
 */
static void kill_self_through_own_pager(bool with_recv)
{
	h_init();
	struct task *srv = h_task(true);
	struct thread *s = h_thread(srv, 5);
	struct task *owner = h_task(false), *t = h_task(false);
	struct thread *o = h_thread(owner, 5);
	struct endpoint *ep = endpoint_alloc(owner, 1);
	struct thread *a = h_thread(t, 10), *b = h_thread(t, 10);
	int slot = h_ep_handle(t, ep, 0, MNEME_RIGHTS_ALL);

	(void)o;
	(void)s;
	h_set_pager(t, ep);
	h_run(a);
	SYS(a, recv, slot, 0, 0, 0, 0, 0, 0);     /* blocks */
	CHECK_EQ(a->state, THREAD_RECV);
	h_run(b);
	core_user_exception(&b->regs, CORE_EXC_PAGE_FAULT, 0x5000, MNEME_PROT_READ);
	CHECK(current == a);
	CHECK_EQ(b->state, THREAD_REPLY);
	CHECK_EQ(mneme_msginfo_label(h_ret(a, 2)), MNEME_LABEL_FAULT);
	uint64_t kill = mneme_msginfo(MNEME_LABEL_KILL, 0, 0);
	if (with_recv)
		SYS(a, reply_recv, slot, kill, 77, 0, 0, 0, 0);
	else
		SYS(a, reply, 0, kill, 77, 0, 0, 0, 0);
	CHECK_EQ(t->state, TASK_ZOMBIE);          /* EXIT waits on the server endpoint */
	CHECK_EQ(a->state, THREAD_FREE);
	CHECK_EQ(b->state, THREAD_FREE);
	CHECK(current != a && current != b && current != NULL);
	CHECK(ep->alive && list_empty(&ep->recv_q) && list_empty(&ep->send_q));
	CHECK_EQ(t->exit_words[1], 77);
	CHECK_EQ(t->exit_words[2], MNEME_EXIT_KILLED);
	CHECK_EQ(t->exit_words[3], MNEME_FAULT_PAGE);
	h_run(s);
	CHECK_EQ(SYS(s, recv, MNEME_HANDLE_SERVER_EP, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(mneme_msginfo_label(h_ret(s, 2)), MNEME_LABEL_EXIT);
	CHECK_EQ(t->state, TASK_FREE);
}

static void test_kill_self_through_own_pager(void)
{
	kill_self_through_own_pager(true);
	kill_self_through_own_pager(false);
}

int main(void)
{
	test_root_and_pool_frames_in_use();
	test_kill_self_through_own_pager();
	return h_report("core_review");
}
