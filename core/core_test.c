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
	struct task *a = &task_table[0];
	a->state = TASK_ALIVE;
	struct endpoint *ep = endpoint_alloc(a);
	struct handle h = handle_make(MNEME_OBJ_ENDPOINT, endpoint_index(ep), ep->gen, 5,
				      MNEME_RIGHT_SEND);
	int slot = handle_install(a, &h);
	struct handle out;

	KEXPECT_EQ(t, slot, 1);
	KEXPECT_EQ(t, handle_lookup(a, slot, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_SEND, &out), 0);
	KEXPECT_EQ(t, out.badge, 5);
	KEXPECT_EQ(t, handle_lookup(a, slot, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_RECV, &out),
		   (uint64_t)-MNEME_EPERM);
	KEXPECT_EQ(t, handle_lookup(a, slot, MNEME_OBJ_TASK, 0, &out), (uint64_t)-MNEME_EBADH);
	KEXPECT_EQ(t, handle_lookup(a, 0, MNEME_OBJ_NONE, 0, &out), (uint64_t)-MNEME_EBADH);
	endpoint_destroy(ep);
	KEXPECT_EQ(t, handle_lookup(a, slot, MNEME_OBJ_ENDPOINT, 0, &out), (uint64_t)-MNEME_EDEAD);
	KEXPECT(t, endpoint_alloc(a) == ep);
	KEXPECT_EQ(t, handle_lookup(a, slot, MNEME_OBJ_ENDPOINT, 0, &out), (uint64_t)-MNEME_EDEAD);
	object_init();
}

KTEST(objects, run_queue)
{
	object_init();
	sched_init();
	struct thread *lo = &thread_table[0], *hi = &thread_table[1], *lo2 = &thread_table[2];
	lo->prio = lo2->prio = 3;
	hi->prio = 30;
	lo->state = hi->state = lo2->state = THREAD_RUNNABLE;
	sched_enqueue(lo);
	sched_enqueue(hi);
	sched_enqueue(lo2);
	KEXPECT_EQ(t, sched_top_prio(), 30);
	KEXPECT(t, sched_pick() == hi);
	KEXPECT(t, sched_pick() == lo);
	KEXPECT(t, sched_pick() == lo2);
	KEXPECT(t, sched_pick() == NULL);
	KEXPECT_EQ(t, (uint64_t)sched_top_prio(), (uint64_t)-1);
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
