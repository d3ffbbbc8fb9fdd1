/*
 * Harness for the core's host tests (see harness.h).
 */
#include <stdlib.h>
#include <string.h>
#include <core/core.h>
#include <core/frametype.h>
#include <core/ipc.h>
#include <core/task.h>
#include <core/vm.h>
#include "harness.h"

#define ARENA_SIZE (32u << 20)

int h_failures;
bool h_idled;
static uint8_t *arena;
static uint64_t arena_next, arena_end;

void h_init(void)
{
	if (!arena)
		arena = aligned_alloc(2u << 20, ARENA_SIZE);
	arena_next = (uint64_t)(uintptr_t)arena;
	arena_end = arena_next + ARENA_SIZE;
	fake_reset();
	object_init();
	sched_init();
	memset(&boot_info, 0, sizeof(boot_info));
	boot_info.nr_ranges = 1;
	boot_info.ranges[0] = (struct mneme_mem_range){ arena_next, ARENA_SIZE, MNEME_MEM_USABLE, 0 };
	static uint64_t frame_bits[ARENA_SIZE / 4096 / 64];
	memset(frame_bits, 0, sizeof(frame_bits));
	frametype_setup(frame_bits, arena_next, arena_end);
}

uint64_t h_frame(void)
{
	uint64_t pa = arena_next;

	if (pa + 4096 > arena_end) {
		printf("# arena exhausted\n");
		abort();
	}
	arena_next += 4096;
	memset((void *)(uintptr_t)pa, 0, 4096);
	return pa;
}

uint64_t h_frame_2m(void)
{
	arena_next = (arena_next + (2u << 20) - 1) & ~(uint64_t)((2u << 20) - 1);
	uint64_t pa = arena_next;
	arena_next += 2u << 20;
	if (arena_next > arena_end)
		abort();
	return pa;
}

struct task *h_task(bool privileged)
{
	struct task *t = task_alloc();
	uint64_t root = h_frame();

	if (!t || vm_task_root_claim(t, root) || task_init(t, root, privileged, 0x100 + task_index(t)))
		abort();
	if (privileged && !server_task) {
		server_task = t;
		server_ep = endpoint_alloc(t, 2);
		t->handles[MNEME_HANDLE_SERVER_SELF] =
			handle_make(MNEME_OBJ_TASK, task_index(t), t->gen, 0, MNEME_RIGHTS_ALL);
		t->handles[MNEME_HANDLE_SERVER_EP] =
			handle_make(MNEME_OBJ_ENDPOINT, endpoint_index(server_ep), server_ep->gen, 0,
				    MNEME_RIGHTS_ALL);
	}
	return t;
}

struct thread *h_thread(struct task *task, unsigned prio)
{
	struct thread *t = thread_alloc();

	if (!t)
		abort();
	if (thread_init(t, task, 0x400000, 0x40100000, 0, 0, prio) || thread_resume(t))
		abort();
	return t;
}

void *h_map(struct task *task, uint64_t va, unsigned pages)
{
	uint64_t first = 0;

	for (unsigned i = 0; i < pages; i++) {
		uint64_t pa = h_frame();
		if (!i)
			first = pa;
		int err;
		while ((err = vm_map(task, va + i * 4096ull, pa, 12, MNEME_PROT_READ | MNEME_PROT_WRITE)) ==
		       -MNEME_ENOMEM)
			if (vm_pt_donate(task, h_frame(), &(uint64_t){ 0 }))
				abort();
		if (err)
			abort();
		if (i && pa != first + i * 4096ull)
			abort();
	}
	return (void *)(uintptr_t)first;
}

/* A reference to live @ep, as a handle or a pager link holds one. */
static void h_ep_ref(struct endpoint *ep)
{
	spin_lock(&ep->lock);
	if (!ep->alive)
		abort();
	ep->refs++;
	spin_unlock(&ep->lock);
}

int h_ep_handle(struct task *task, struct endpoint *ep, uint64_t badge, unsigned rights)
{
	struct handle h = handle_make(MNEME_OBJ_ENDPOINT, endpoint_index(ep), ep->gen, badge, rights);

	h_ep_ref(ep);
	int slot = handle_install(task, &h);
	if (slot < 0)
		handle_put(&h);
	return slot;
}

void h_set_pager(struct task *task, struct endpoint *ep)
{
	if (task->pager)
		endpoint_put(task->pager, task->pager_gen);
	task->pager = NULL;
	if (ep) {
		h_ep_ref(ep);
		task->pager = ep;
		task->pager_gen = ep->gen;
	}
}

void h_run(struct thread *t)
{
	if (current == t)
		return;
	if (current && current->state == THREAD_RUNNABLE) {
		struct thread *old = current;
		current = NULL;
		sched_enqueue(old);
	}
	sched_unlink(t);
	current = t;
	sched_activate_task(t->task);
	arch_set_current_regs(&t->regs);
}

int64_t h_sys(struct thread *t, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
	      uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	jmp_buf idle;

	if (current != t) {
		h_failures++;
		printf("# FAIL: syscall from thread %u which is not current (%d)\n", thread_index(t),
		       current ? (int)thread_index(current) : -1);
		return -9999;
	}
	t->regs = (struct arch_regs){ .nr = nr, .a = { a0, a1, a2, a3, a4, a5, a6 },
				      .ip = t->regs.ip, .sp = t->regs.sp };
	h_idled = false;
	fake_idle_jmp = &idle;
	if (setjmp(idle))
		h_idled = true;
	else
		core_syscall(&t->regs);
	fake_idle_jmp = NULL;
	return (int64_t)h_ret(t, 0);
}

int h_report(const char *name)
{
	printf("%s %s (%d failures)\n", h_failures ? "not ok" : "ok", name, h_failures);
	return h_failures ? 1 : 0;
}
