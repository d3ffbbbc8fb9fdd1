/*
 * Host tests from the adversarial review of the core: malformed calls of
 * the memory server that must fail with an error code instead of
 * corrupting the core.
 */
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

int main(void)
{
	test_root_and_pool_frames_in_use();
	return h_report("core_review");
}
