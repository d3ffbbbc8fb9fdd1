/*
 * Host tests from the adversarial review of the core: malformed calls of
 * the memory server that must fail with an error code instead of
 * corrupting the core.
 */
#include <arch/pte.h>
#include <arch/uspace.h>
#include <core/frametype.h>
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
	CHECK_EQ(b->pt_pool.nr, 0);
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
	CHECK_EQ(b->pt_pool.nr, 0);
	CHECK_EQ(a->pt_pool.nr, 1);

	/* once the task is gone (its EXIT taken) its frames are the server's again */
	CHECK_EQ(SYS(s, task_destroy, ha, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, recv, MNEME_HANDLE_SERVER_EP, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(a->state, TASK_FREE);
	CHECK_EQ(SYS(s, pt_donate, hb, root_a, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, task_create, pt, 0, 3, 0, 0, 0, 0), 0);
}

/* The frame of the table at @level (3 = the PDPT .. 1 = the PT) on the walk to @va in @t. */
static uint64_t table_on_path(struct task *t, uint64_t va, unsigned level)
{
	uint64_t table = t->aspace.root;

	for (unsigned l = 3; l >= level; l--) {
		uint64_t e = ((uint64_t *)(uintptr_t)table)[(va >> (12 + 9 * l)) & 511];
		table = e & FAKE_PTE_ADDR;
	}
	return table;
}

/*
 * The page-table record (core/frametype.c) in every call that takes a
 * frame: map (and MAP_RESUME, which goes the same way) refuses a root, a
 * pooled frame, a table in use (alone or inside a 2 MiB frame) with
 * EPERM; pt_donate and task_create refuse them with EBUSY; refused calls
 * change nothing; tables an unmap empties go back to the pool and, once
 * reclaimed, are ordinary frames again, as is everything of a dead task.
 */
static void test_page_table_frames_refused(void)
{
	h_init();
	struct task *srv = h_task(true);
	struct thread *s = h_thread(srv, 10);
	h_run(s);
	uint64_t root_a = h_frame(), root_b = h_frame();

	CHECK_EQ(SYS(s, task_create, root_a, MNEME_HANDLE_SERVER_EP, 1, 0, 0, 0, 0), 0);
	uint64_t ha = h_ret(s, 1);
	CHECK_EQ(SYS(s, task_create, root_b, 0, 2, 0, 0, 0, 0), 0);
	uint64_t hb = h_ret(s, 1);
	struct task *a, *b;
	CHECK_EQ(handle_task(srv, ha, &a), 0);
	CHECK_EQ(handle_task(srv, hb, &b), 0);
	uint64_t claimed = frametype_count();

	/* a live task's root, into another task and into itself */
	CHECK_EQ(SYS(s, map, ha, 0x400000, root_b, 12, 3, 0, 0), -MNEME_EPERM);
	CHECK_EQ(SYS(s, map, hb, 0x400000, root_b, 12, 1, 0, 0), -MNEME_EPERM);
	/* a pooled frame */
	uint64_t pooled[3];
	for (unsigned i = 0; i < 3; i++) {
		pooled[i] = h_frame();
		CHECK_EQ(SYS(s, pt_donate, ha, pooled[i], 0, 0, 0, 0, 0), 0);
	}
	CHECK_EQ(SYS(s, map, hb, 0x400000, pooled[1], 12, 3, 0, 0), -MNEME_EPERM);
	CHECK_EQ(b->pt_pool.nr, 0);
	CHECK_EQ(SYS(s, query, hb, 0x400000, 0, 0, 0, 0, 0), -MNEME_ENOENT);
	/* tables in use: a's three, after its first mapping */
	uint64_t page = h_frame();
	CHECK_EQ(SYS(s, map, ha, 0x400000, page, 12, 3, 0, 0), 0);
	CHECK_EQ(a->pt_pool.nr, 0);
	for (unsigned level = 1; level <= 3; level++) {
		uint64_t tbl = table_on_path(a, 0x400000, level);
		CHECK(tbl == pooled[0] || tbl == pooled[1] || tbl == pooled[2]);
		CHECK_EQ(SYS(s, map, hb, 0x400000, tbl, 12, 1, 0, 0), -MNEME_EPERM);
		CHECK_EQ(SYS(s, map, ha, 0x401000, tbl, 12, 1, 0, 0), -MNEME_EPERM);
		CHECK_EQ(SYS(s, pt_donate, hb, tbl, 0, 0, 0, 0, 0), -MNEME_EBUSY);
		CHECK_EQ(SYS(s, task_create, tbl, 0, 3, 0, 0, 0, 0), -MNEME_EBUSY);
	}
	CHECK_EQ(b->pt_pool.nr, 0);
	CHECK_EQ(frametype_count(), claimed + 3);
	/* a 2 MiB frame with a table inside */
	uint64_t big = h_frame_2m();
	uint64_t inside = big + 17 * 4096;
	CHECK_EQ(SYS(s, pt_donate, ha, inside, 0, 0, 0, 0, 0), 0);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(SYS(s, pt_donate, hb, h_frame(), 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, map, hb, 0x40000000, big, 21, 1, 0, 0), -MNEME_EPERM);
	CHECK_EQ(SYS(s, query, hb, 0x40000000, 0, 0, 0, 0, 0), -MNEME_ENOENT);
	CHECK_EQ(b->pt_pool.nr, 3);

	/* MAP_RESUME of a table frame: refused, the faulting thread still waits */
	struct thread *at = h_thread(a, 10);
	h_run(at);
	at->regs.ip = 0x400100;
	core_user_exception(&at->regs, CORE_EXC_PAGE_FAULT, 0x402000, ARCH_PROT_READ);
	CHECK(current == s);
	CHECK_EQ(SYS(s, recv, MNEME_HANDLE_SERVER_EP, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(mneme_msginfo_label(h_ret(s, 2)), MNEME_LABEL_FAULT);
	CHECK_EQ(SYS(s, reply, 0, mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0), root_b, 1, 12, 0, 0),
		 -MNEME_EPERM);
	CHECK_EQ(SYS(s, reply, 0, mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0), inside, 1, 12, 0, 0),
		 -MNEME_EPERM);
	CHECK_EQ(at->state, THREAD_REPLY);
	CHECK_EQ(SYS(s, query, ha, 0x402000, 0, 0, 0, 0, 0), -MNEME_ENOENT);
	CHECK_EQ(SYS(s, reply, 0, mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0), h_frame(), 1, 12, 0, 0),
		 0);

	/* unmapping the last pages under a's tables frees them into its pool, after the flush */
	CHECK_EQ(SYS(s, unmap, ha, 0x400000, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(h_ret(s, 3), 0);               /* 0x402000 still uses them */
	CHECK_EQ(SYS(s, unmap_range, ha, 0x400000, 0x200000, 0, 0, 0, 0), 0);
	CHECK_EQ(h_ret(s, 1), 1);
	CHECK_EQ(h_ret(s, 2), 3);
	CHECK_EQ(a->pt_pool.nr, 4);            /* the three tables and the 2 MiB frame's page */
	/* still page tables while pooled; reclaimed, they are ordinary frames */
	CHECK_EQ(SYS(s, map, hb, 0x400000, pooled[2], 12, 1, 0, 0), -MNEME_EPERM);
	unsigned got = 0;
	for (;;) {
		CHECK_EQ(SYS(s, pt_reclaim, ha, 0, 0, 0, 0, 0, 0), 0);
		if (!h_ret(s, 1))
			break;
		got++;
	}
	CHECK_EQ(got, 4);
	CHECK_EQ(a->pt_pool.nr, 0);
	CHECK_EQ(SYS(s, map, hb, 0x400000, pooled[2], 12, 1, 0, 0), 0);
	CHECK_EQ(SYS(s, map, hb, 0x40000000, big, 21, 1, 0, 0), -MNEME_ENOMEM);   /* a new PD */
	CHECK_EQ(SYS(s, pt_donate, hb, h_frame(), 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, map, hb, 0x40000000, big, 21, 1, 0, 0), 0);

	/* a dead task's root and tables are ordinary frames once it is gone */
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(SYS(s, pt_donate, ha, h_frame(), 0, 0, 0, 0, 0), 0);
	uint64_t pd_b = table_on_path(b, 0x400000, 2);
	CHECK_EQ(SYS(s, task_destroy, hb, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, recv, MNEME_HANDLE_SERVER_EP, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(mneme_msginfo_label(h_ret(s, 2)), MNEME_LABEL_EXIT);
	CHECK_EQ(b->state, TASK_FREE);
	CHECK_EQ(SYS(s, map, ha, 0x600000, root_b, 12, 1, 0, 0), 0);
	CHECK_EQ(SYS(s, map, ha, 0x601000, pd_b, 12, 1, 0, 0), 0);
	CHECK_EQ(frametype_count(), claimed - 1 + 3);   /* a's root and a's new tables */
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
	test_page_table_frames_refused();
	test_kill_self_through_own_pager();
	return h_report("core_review");
}
