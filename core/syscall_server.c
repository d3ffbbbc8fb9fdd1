/*
 * The memory server's syscalls: tasks, threads, address spaces, handle
 * grants and shutdown.  The dispatcher has already refused them to every
 * other task (-MNEME_EPERM).  Each decodes and validates all arguments
 * before it changes anything.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/syscall.h>
#include <core/task.h>
#include <core/vm.h>
#include <mneme/error.h>
#include <mneme/fault.h>

#define ARG(cur, i) arch_regs_arg(&(cur)->regs, (i))

static void sys_ret1(struct thread *cur, uint64_t v)
{
	sys_ret(cur, 0);
	arch_regs_set_ret(&cur->regs, 1, v);
}

void sys_task_create(struct thread *cur)
{
	uint64_t root_pa = ARG(cur, 0), pager_slot = ARG(cur, 1), badge = ARG(cur, 2);
	struct endpoint *pager = NULL;
	uint64_t pager_badge = 0;
	struct handle pager_ref = { .badge = 0 };
	int err = vm_frame_check(root_pa, 4096);
	struct task *task = NULL;

	if (!err && pager_slot != MNEME_HANDLE_NONE)
		err = handle_copy(cur->task, pager_slot, MNEME_RIGHT_SEND, &pager_ref);  /* a reference */
	if (!err && pager_ref.type != MNEME_OBJ_NONE && pager_ref.type != MNEME_OBJ_ENDPOINT)
		err = -MNEME_EBADH;
	if (!err && !(task = task_alloc()))
		err = -MNEME_ENOMEM;
	if (!err)
		err = vm_task_root_claim(task, root_pa);   /* not a page table already */
	if (!err) {
		err = task_init(task, root_pa, false, badge);
		if (err)
			vm_task_root_release(task);
	}
	if (err) {
		if (task)
			task_free(task);
		handle_put(&pager_ref);
		sys_ret(cur, err);
		return;
	}
	if (pager_ref.type == MNEME_OBJ_ENDPOINT) {
		pager = &endpoint_table[pager_ref.index];
		pager_badge = pager_ref.badge;
	}
	task->pager = pager;
	task->pager_gen = pager ? pager_ref.gen : 0;
	task->pager_badge = pager_badge;
	struct handle h = handle_make(MNEME_OBJ_TASK, task_index(task), task->gen, badge,
				      MNEME_RIGHTS_ALL);
	int slot = handle_install(cur->task, &h);
	if (slot < 0) {
		task_unmake(task);      /* nobody knew it: gone without an EXIT message */
		sys_ret(cur, slot);
		return;
	}
	sys_ret1(cur, (uint64_t)slot);
}

void sys_task_destroy(struct thread *cur)
{
	struct task *task;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err && task == cur->task)
		err = -MNEME_EPERM;
	sys_ret(cur, err);
	if (!err)
		task_kill(task, MNEME_EXIT_DESTROYED, 0, 0);
}

void sys_thread_create(struct thread *cur)
{
	uint64_t entry = ARG(cur, 1), sp = ARG(cur, 2), a0 = ARG(cur, 3), a1 = ARG(cur, 4);
	uint64_t prio = ARG(cur, 5);
	struct task *task;
	struct thread *t = NULL;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err && (entry >= ARCH_USER_TOP || sp > ARCH_USER_TOP || prio > MNEME_PRIO_MAX))
		err = -MNEME_ERANGE;
	if (!err && !(t = thread_alloc()))
		err = -MNEME_ENOMEM;
	if (!err)
		err = thread_init(t, task, entry, sp, a0, a1, (unsigned)prio);
	if (err) {
		if (t)
			thread_release(t);
		sys_ret(cur, err);
		return;
	}
	struct handle h = handle_make(MNEME_OBJ_THREAD, thread_index(t), t->gen, 0, MNEME_RIGHTS_ALL);
	int slot = handle_install(cur->task, &h);
	if (slot < 0) {
		thread_unmake(t);
		sys_ret(cur, slot);
		return;
	}
	sys_ret1(cur, (uint64_t)slot);
}

void sys_thread_resume(struct thread *cur)
{
	struct thread *t;
	int err = handle_thread(cur->task, ARG(cur, 0), &t);

	if (!err)
		err = thread_resume(t);
	sys_ret(cur, err);
}

void sys_thread_set_priority(struct thread *cur)
{
	uint64_t prio = ARG(cur, 1);
	struct thread *t;
	int err = handle_thread(cur->task, ARG(cur, 0), &t);

	if (!err && prio > MNEME_PRIO_MAX)
		err = -MNEME_ERANGE;
	sys_ret(cur, err);
	if (!err)
		sched_set_prio(t, (unsigned)prio);
}

void sys_map(struct thread *cur)
{
	uint64_t va = ARG(cur, 1), pa = ARG(cur, 2), shift = ARG(cur, 3), prot = ARG(cur, 4);
	struct task *task;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err)
		err = vm_map(task, va, pa, shift, prot);
	sys_ret(cur, err);
}

void sys_unmap(struct thread *cur)
{
	uint64_t va = ARG(cur, 1), pa = 0, tables = 0;
	unsigned shift = 0;
	struct task *task;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err)
		err = vm_unmap(task, va, &pa, &shift, &tables);
	sys_ret(cur, err);
	if (!err) {
		arch_regs_set_ret(&cur->regs, 1, pa);
		arch_regs_set_ret(&cur->regs, 2, shift);
		arch_regs_set_ret(&cur->regs, 3, tables);
	}
}

void sys_protect(struct thread *cur)
{
	uint64_t va = ARG(cur, 1), prot = ARG(cur, 2);
	struct task *task;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err)
		err = vm_protect(task, va, prot);
	sys_ret(cur, err);
}

void sys_unmap_range(struct thread *cur)
{
	uint64_t va = ARG(cur, 1), size = ARG(cur, 2), pages = 0, tables = 0;
	struct task *task;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err)
		err = vm_unmap_range(task, va, size, &pages, &tables);
	sys_ret(cur, err);
	if (!err) {
		arch_regs_set_ret(&cur->regs, 1, pages);
		arch_regs_set_ret(&cur->regs, 2, tables);
	}
}

void sys_protect_range(struct thread *cur)
{
	uint64_t va = ARG(cur, 1), size = ARG(cur, 2), prot = ARG(cur, 3), pages = 0;
	struct task *task;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err)
		err = vm_protect_range(task, va, size, prot, &pages);
	sys_ret(cur, err);
	if (!err)
		arch_regs_set_ret(&cur->regs, 1, pages);
}

/*
 * The memory server's aging: decode (task, range, and the bitmap's
 * address in the server, writable: zeroed first), then clear and report.
 */
void sys_age_range(struct thread *cur)
{
	uint64_t va = ARG(cur, 1), size = ARG(cur, 2), out = ARG(cur, 3), young = 0;
	uint64_t bits[MNEME_AGE_MAX_PAGES / 64] = { 0 };
	size_t len = (size_t)(((size >> 12) + 63) / 64 * sizeof(uint64_t));
	struct task *task;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err && size > (uint64_t)MNEME_AGE_MAX_PAGES << 12)
		err = -MNEME_EINVAL;
	if (!err && (out & 7))
		err = -MNEME_EINVAL;
	if (!err && out && arch_copy_to_user(out, bits, len))
		err = -MNEME_EFAULT;
	if (!err)
		err = vm_age_range(task, va, size, bits, &young);
	if (!err && out && arch_copy_to_user(out, bits, len))
		err = -MNEME_EFAULT;
	sys_ret(cur, err);
	if (!err)
		arch_regs_set_ret(&cur->regs, 1, young);
}

void sys_query(struct thread *cur)
{
	uint64_t va = ARG(cur, 1), pa = 0;
	unsigned prot = 0, shift = 0;
	struct task *task;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err)
		err = vm_query(task, va, &pa, &prot, &shift);
	sys_ret(cur, err);
	if (!err) {
		arch_regs_set_ret(&cur->regs, 1, pa);
		arch_regs_set_ret(&cur->regs, 2, prot);
		arch_regs_set_ret(&cur->regs, 3, shift);
	}
}

void sys_pt_donate(struct thread *cur)
{
	uint64_t pa = ARG(cur, 1), pool = 0;
	struct task *task;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err)
		err = vm_pt_donate(task, pa, &pool);
	sys_ret(cur, err);
	if (!err)
		arch_regs_set_ret(&cur->regs, 1, pool);
}

void sys_pt_reclaim(struct thread *cur)
{
	uint64_t pa = 0, left = 0;
	struct task *task;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err)
		err = vm_pt_reclaim(task, &pa, &left);
	sys_ret(cur, err);
	if (!err) {
		arch_regs_set_ret(&cur->regs, 1, pa);
		arch_regs_set_ret(&cur->regs, 2, left);
	}
}

void sys_tlb_flush(struct thread *cur)
{
	uint64_t va = ARG(cur, 1), size = ARG(cur, 2);
	struct task *task;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err)
		err = vm_tlb_flush(task, va, size);
	sys_ret(cur, err);
}

void sys_handle_grant(struct thread *cur)
{
	struct task *task;
	struct handle h;
	int err = handle_task(cur->task, ARG(cur, 0), &task);

	if (!err)
		err = handle_copy(cur->task, ARG(cur, 1), 0, &h);     /* a reference for the new slot */
	if (!err) {
		err = handle_install(task, &h);
		if (err < 0)
			handle_put(&h);
	}
	if (err < 0)
		sys_ret(cur, err);
	else
		sys_ret1(cur, (uint64_t)err);
}

void sys_shutdown(struct thread *cur)
{
	uint64_t code = ARG(cur, 0);

	if (code > MNEME_SHUTDOWN_PANIC) {
		sys_ret(cur, -MNEME_EINVAL);
		return;
	}
	printk("mneme: shutdown requested by the memory server (code %llu)\n",
	       (unsigned long long)code);
	arch_exit((int)code);
}

#endif /* ARCH_HAS_USPACE */
