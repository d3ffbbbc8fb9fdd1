/*
 * Host test: random syscalls with random arguments from random threads,
 * plus random faults and timer ticks, against the core on the fake arch
 * (ASan + UBSan).  After every event the scheduler and IPC invariants are
 * checked.  When everything is blocked or dead the world is rebuilt.
 * Usage: core_fuzz_test [events] [seed]
 */
#include <stdlib.h>
#include <string.h>
#include <core/core.h>
#include <core/ipc.h>
#include <core/frametype.h>
#include <core/task.h>
#include <core/vm.h>
#include <core/syscall.h>
#include "harness.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static struct task *tasks[6];
static unsigned worlds;

static void world_build(void)
{
	h_init();
	worlds++;
	tasks[0] = h_task(true);
	h_thread(tasks[0], 10);
	for (unsigned i = 1; i < 6; i++)
		tasks[i] = h_task(false);
	for (unsigned i = 1; i < 6; i++) {
		h_map(tasks[i], 0x40010000, 1);
		for (unsigned k = 0; k < 2; k++) {
			struct thread *t = h_thread(tasks[i], (unsigned)(rnd() % 4) + 8);
			t->ipc_buffer = 0x40010000;
		}
		struct endpoint *ep = endpoint_alloc(tasks[i], 1);
		for (unsigned j = 0; j < 6; j++)
			h_ep_handle(tasks[j], ep, rnd() % 3, MNEME_RIGHTS_ALL);
		if (rnd() % 2) {
			h_set_pager(tasks[i], ep);
		} else if (rnd() % 2) {
			h_set_pager(tasks[i], server_ep);
		}
		struct handle th = handle_make(MNEME_OBJ_TASK, task_index(tasks[i]), tasks[i]->gen, 0, 7);
		handle_install(tasks[0], &th);
	}
	jmp_buf idle;
	fake_idle_jmp = &idle;
	if (!setjmp(idle))
		sched_return();
	fake_idle_jmp = NULL;
}

static uint64_t rnd_arg(void)
{
	switch (rnd() % 10) {
	case 0: return 0;
	case 1: case 2: case 3: return rnd() % 12;                 /* likely handle slots */
	case 4: return mneme_msginfo((uint32_t)rnd(), (unsigned)(rnd() % 4), (unsigned)(rnd() % 2));
	case 5: return 0x40010000 + (rnd() % 3) * 512;               /* near the IPC buffer */
	case 6: return boot_info.ranges[0].base + (rnd() % 64) * 4096; /* frames */
	case 7: return rnd() % 2 ? 12 : 21;
	case 8: return ARCH_USER_TOP - (rnd() % 3) * 4096;
	default: return rnd();
	}
}

/* Every queued thread is in the state of its queue and names it; exit queues hold zombies. */
static void check_queues(void)
{
	for (unsigned i = 0; i < MNEME_MAX_ENDPOINTS; i++) {
		struct endpoint *ep = &endpoint_table[i];
		struct list_node *n;
		if (!ep->alive) {
			CHECK(list_empty(&ep->send_q) && list_empty(&ep->recv_q) && list_empty(&ep->exit_q));
			continue;
		}
		CHECK(ep->owner && task_table[ep->owner - 1].state == TASK_ALIVE);
		for (n = ep->send_q.next; n != &ep->send_q; n = n->next) {
			struct thread *t = list_entry(n, struct thread, link);
			CHECK(t->state == THREAD_SEND && t->blocked_on == ep);
		}
		for (n = ep->recv_q.next; n != &ep->recv_q; n = n->next) {
			struct thread *t = list_entry(n, struct thread, link);
			CHECK(t->state == THREAD_RECV && t->blocked_on == ep);
		}
		unsigned waiting = 0;
		for (n = ep->send_q.next; n != &ep->send_q; n = n->next)
			waiting++;
		for (n = ep->exit_q.next; n != &ep->exit_q; n = n->next) {
			CHECK_EQ(list_entry(n, struct task, exit_link)->state, TASK_ZOMBIE);
			waiting++;
		}
		CHECK_EQ(ep->waiting, waiting);
		/* a receiver waits only while nothing is there to receive */
		if (!list_empty(&ep->recv_q))
			CHECK(list_empty(&ep->send_q) && list_empty(&ep->exit_q));
	}
}

/* Thread counts and lists match the thread table; only live tasks hold handles, pools, threads. */
static void check_tasks(void)
{
	for (unsigned i = 0; i < MNEME_MAX_TASKS; i++) {
		struct task *task = &task_table[i];
		unsigned n = 0;
		for (unsigned k = 0; k < MNEME_MAX_THREADS; k++)
			n += thread_table[k].state != THREAD_FREE && thread_table[k].task == task;
		if (task->state != TASK_ALIVE) {
			CHECK_EQ(n, 0);
			CHECK_EQ(task->pt_pool.nr, 0);
			CHECK_EQ(task->pt_pool.head, 0);
			for (unsigned h = 0; h < MNEME_HANDLES_PER_TASK; h++)
				CHECK_EQ(task->handles[h].type, MNEME_OBJ_NONE);
			continue;
		}
		CHECK_EQ(task->nr_threads, n);
		CHECK_EQ(task->handles[0].type, MNEME_OBJ_NONE);
		/* no frame is two tasks' root, nor a root and pooled; every one is a recorded page table */
		CHECK(!task->root_pa || frametype_any(task->root_pa, 4096));
		for (unsigned j = i + 1; j < MNEME_MAX_TASKS; j++)
			if (task_table[j].state != TASK_FREE && task->root_pa)
				CHECK(task_table[j].root_pa != task->root_pa);
		uint64_t pooled = 0;
		for (uint64_t p = task->pt_pool.head; p; p = *(uint64_t *)(uintptr_t)p, pooled++) {
			CHECK(frametype_any(p, 4096));
			for (unsigned j = 0; j < MNEME_MAX_TASKS; j++)
				if (task_table[j].state != TASK_FREE)
					CHECK(task_table[j].root_pa != p);
		}
		CHECK_EQ(pooled, task->pt_pool.nr);
	}
}

static void check_invariants(void)
{
	if (current) {
		CHECK_EQ(current->state, THREAD_RUNNABLE);
		CHECK(!list_linked(&current->link));
		CHECK(fake_current_regs == &current->regs);
		CHECK(fake_active() == &current->task->aspace);
	}
	for (unsigned i = 0; i < MNEME_MAX_THREADS; i++) {
		struct thread *t = &thread_table[i];
		switch (t->state) {
		case THREAD_RUNNABLE:
			CHECK(t == current || list_linked(&t->link));
			break;
		case THREAD_SEND:
		case THREAD_RECV:
			CHECK(t->blocked_on && t->blocked_on->alive && list_linked(&t->link));
			break;
		case THREAD_REPLY:
			CHECK(!list_linked(&t->link));
			if (t->replier)
				CHECK(t->replier->reply_to == t && t->replier->state != THREAD_FREE);
			break;
		case THREAD_FREE:
		case THREAD_SUSPENDED:
			CHECK(!list_linked(&t->link));
			break;
		}
		if (t->state != THREAD_FREE)
			CHECK_EQ(t->task->state, TASK_ALIVE);
	}
	check_queues();
	check_tasks();
}

static const unsigned server_only_exits[] = { MNEME_SYS_shutdown };

static void one_event(void)
{
	jmp_buf ex, idle;
	struct thread *t = current;

	if (!t) {
		world_build();
		return;
	}
	fake_exit_jmp = &ex;
	if (setjmp(ex)) {
		/* only the memory server's death or shutdown end the run */
		CHECK(fake_exit_code == CORE_EXIT_PANIC || t->task == server_task);
		fake_exit_jmp = NULL;
		world_build();
		return;
	}
	unsigned what = (unsigned)(rnd() % 100);
	fake_idle_jmp = &idle;
	if (setjmp(idle)) {
		fake_exit_jmp = NULL;
		fake_idle_jmp = NULL;
		current = NULL;
		return;
	}
	if (what < 3) {
		if (t->task != server_task)
			core_user_exception(&t->regs, (enum core_exception)(1 + rnd() % 7), rnd_arg(),
					    (unsigned)(rnd() % 8));
	} else if (what < 8) {
		core_preempt(&t->regs);
	} else {
		uint64_t nr = rnd() % 3 ? rnd() % 45 : rnd() % 70;
		if (nr == server_only_exits[0] ||
		    (t->task == server_task && (nr == MNEME_SYS_thread_exit || nr == MNEME_SYS_task_exit)))
			nr = MNEME_SYS_yield;
		t->regs = (struct arch_regs){ .nr = nr, .a = { rnd_arg(), rnd_arg(), rnd_arg(), rnd_arg(),
							       rnd_arg(), rnd_arg(), rnd_arg() } };
		core_syscall(&t->regs);
	}
	fake_exit_jmp = NULL;
	fake_idle_jmp = NULL;
	if (current)
		check_invariants();
}

int main(int argc, char **argv)
{
	unsigned long events = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x1234567;

	world_build();
	for (unsigned long i = 0; i < events && h_failures < 20; i++)
		one_event();
	printf("# %lu events, %u worlds, %llu syscalls\n", events, worlds,
	       (unsigned long long)syscall_count());
	return h_report("core_fuzz");
}
