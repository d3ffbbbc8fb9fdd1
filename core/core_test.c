/*
 * Built-in tests of the core's object logic, run before user space
 * starts: handle tables, run queues, the embedded boot archive.  They
 * use the real object tables and reset them afterwards (boot_server_start()
 * re-initialises everything anyway).
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <core/archive.h>
#include <core/boot_server.h>
#include <core/ktest.h>
#include <core/sched.h>
#include <core/task.h>
#include <mneme/error.h>

extern const char __mneme_archive_start[] __attribute__((weak));
extern const char __mneme_archive_end[] __attribute__((weak));

KTEST(objects, handles)
{
	object_init();
	struct task *a = task_alloc();
	KEXPECT(t, a != NULL);
	a->state = TASK_ALIVE;
	struct endpoint *ep = endpoint_alloc(a, 1);
	struct handle h = handle_make(MNEME_OBJ_ENDPOINT, endpoint_index(ep), ep->gen, 5,
				      MNEME_RIGHT_SEND);
	int slot = handle_install(a, &h);
	struct handle out;

	KEXPECT_EQ(t, slot, 1);
	KEXPECT_EQ(t, handle_lookup(a, slot, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_SEND, &out), 0);
	KEXPECT_EQ(t, handle_copy(a, slot, MNEME_RIGHT_SEND, &out), 0);
	KEXPECT_EQ(t, out.badge, 5);
	KEXPECT_EQ(t, ep->refs, 2);
	handle_put(&out);
	KEXPECT_EQ(t, ep->refs, 1);
	KEXPECT_EQ(t, handle_lookup(a, slot, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_RECV, &out),
		   (uint64_t)-MNEME_EPERM);
	KEXPECT_EQ(t, handle_lookup(a, slot, MNEME_OBJ_TASK, 0, &out), (uint64_t)-MNEME_EBADH);
	KEXPECT_EQ(t, handle_lookup(a, 0, MNEME_OBJ_NONE, 0, &out), (uint64_t)-MNEME_EBADH);
	KEXPECT_EQ(t, handle_remove(a, slot), 0);       /* the last reference: destroyed */
	KEXPECT(t, !ep->alive);
	KEXPECT_EQ(t, handle_lookup(a, slot, MNEME_OBJ_ENDPOINT, 0, &out), (uint64_t)-MNEME_EBADH);
	object_init();
}

KTEST(objects, run_queue)
{
	object_init();
	sched_init();
	struct task *task = task_alloc();
	task->state = TASK_ALIVE;
	struct thread *lo = thread_alloc(), *hi = thread_alloc(), *lo2 = thread_alloc();
	struct cpu *c = this_cpu();
	struct thread *th[3] = { lo, hi, lo2 };
	for (int i = 0; i < 3; i++) {
		KEXPECT_EQ(t, thread_init(th[i], task, 0x400000, 0x500000, 0, 0, i == 1 ? 30 : 3), 0);
		th[i]->cpus_allowed = cpumask_of(c->index);
		KEXPECT_EQ(t, thread_resume(th[i]), 0);
	}
	c->cur = NULL;
	c->last_task = task;
	KEXPECT_EQ(t, c->rq.nr_queued, 3);
	KEXPECT_EQ(t, c->rq.prio_bitmap, (1u << 30) | (1u << 3));
	KEXPECT(t, sched_outranked(c, lo) && !sched_outranked(c, hi));
	struct thread *order[3];
	for (int i = 0; i < 3; i++) {
		KEXPECT(t, sched_unlink(i == 0 ? hi : i == 1 ? lo : lo2));
		order[i] = i == 0 ? hi : i == 1 ? lo : lo2;
	}
	(void)order;
	KEXPECT_EQ(t, c->rq.nr_queued, 0);
	KEXPECT_EQ(t, c->rq.prio_bitmap, 0);
	KEXPECT(t, !sched_outranked(c, lo));
	c->last_task = NULL;
	object_init();
	sched_init();
}

KTEST(objects, boot_archive)
{
	const void *data;
	uint64_t size;

	if (!boot_archive_present()) {
		ktest_skip(t, "no boot archive in this image");
		return;
	}
	uint64_t len = (uint64_t)(__mneme_archive_end - __mneme_archive_start);
	KEXPECT_EQ(t, archive_check(__mneme_archive_start, len), 0);
	KEXPECT_EQ(t, archive_find(__mneme_archive_start, MNEME_ARCHIVE_SERVER_NAME, &data, &size), 0);
	KEXPECT(t, size > 64);
}

#endif /* ARCH_HAS_USPACE */
