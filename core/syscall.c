/*
 * Syscall entry: dispatch through the table generated from the one
 * syscall list (<mneme/syscall.h>), plus the small syscalls themselves.
 * The entry itself and the IPC fast path are in syscall_fast.c, the IPC
 * calls in ipc.c, the address-space calls in syscall_server.c.
 *
 * Every handler reads all its arguments before it writes a result
 * (argument and result registers may be the same registers), validates
 * everything, and only then changes state.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/core.h>
#include <core/ipc.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/syscall.h>
#include <core/task.h>
#include <mneme/error.h>

typedef void (*sys_fn)(struct thread *cur);

#define SYS_DECLARE_(nr, name, nargs, who) void sys_##name(struct thread *cur);
MNEME_SYSCALLS(SYS_DECLARE_)

static const sys_fn sys_table[MNEME_SYS_NR_MAX] = {
#define SYS_ENTRY_(nr, name, nargs, who) [nr] = sys_##name,
	MNEME_SYSCALLS(SYS_ENTRY_)
};

static const uint8_t sys_server_only[MNEME_SYS_NR_MAX] = {
#define SYS_WHO_(nr, name, nargs, who) [nr] = (who) == MNEME_SYS_SERVER,
	MNEME_SYSCALLS(SYS_WHO_)
};

void sys_ret(struct thread *cur, int status)
{
	arch_regs_set_ret(&cur->regs, 0, (uint64_t)(int64_t)status);
}

/* Everything but the IPC fast path: decode the number, check the caller, run the call. */
struct arch_regs *syscall_general(struct thread *cur, uint64_t nr)
{
	this_cpu()->nr_syscalls++;
	if (nr >= MNEME_SYS_NR_MAX || !sys_table[nr])
		sys_ret(cur, -MNEME_ENOSYS);
	else if (sys_server_only[nr] && !cur->task->privileged)
		sys_ret(cur, -MNEME_EPERM);
	else
		sys_table[nr](cur);
	sched_return();
	return &this_cpu()->cur->regs;
}

void core_preempt(struct arch_regs *regs)
{
	(void)regs;
	sched_tick();
	sched_return();
}

void sys_debug_write(struct thread *cur)
{
	uint64_t buf = arch_regs_arg(&cur->regs, 0);
	uint64_t len = arch_regs_arg(&cur->regs, 1);
	char text[MNEME_DEBUG_WRITE_MAX];

	if (len > MNEME_DEBUG_WRITE_MAX)
		len = MNEME_DEBUG_WRITE_MAX;
	if (arch_copy_from_user(text, buf, len)) {
		sys_ret(cur, -MNEME_EFAULT);
		return;
	}
	for (uint64_t i = 0; i < len; i++)
		arch_console_putc(text[i]);
	sys_ret(cur, 0);
	arch_regs_set_ret(&cur->regs, 1, len);
}

void sys_yield(struct thread *cur)
{
	sys_ret(cur, 0);
	sched_yield();
}

void sys_thread_exit(struct thread *cur)
{
	thread_exit_current(arch_regs_arg(&cur->regs, 0));
}

void sys_ipc_buffer_set(struct thread *cur)
{
	uint64_t va = arch_regs_arg(&cur->regs, 0);

	if (va & (MNEME_IPC_BUFFER_ALIGN - 1)) {
		sys_ret(cur, -MNEME_EINVAL);
	} else if (va >= ARCH_USER_TOP || ARCH_USER_TOP - va < MNEME_IPC_BUFFER_SIZE) {
		sys_ret(cur, -MNEME_EFAULT);
	} else {
		cur->ipc_buffer = va;
		sys_ret(cur, 0);
	}
}

void sys_endpoint_create(struct thread *cur)
{
	int slot = handle_free_slot(cur->task);
	struct endpoint *ep;
	int err = slot > 0 ? endpoint_create(cur->task, &ep) : slot;

	if (!err) {
		struct handle h = handle_make(MNEME_OBJ_ENDPOINT, endpoint_index(ep), ep->gen, 0,
					      MNEME_RIGHTS_ALL);
		slot = handle_install(cur->task, &h);   /* takes the endpoint's one reference */
		if (slot < 0) {
			endpoint_put(ep, h.gen);
			err = slot;
		}
	}
	if (err) {
		sys_ret(cur, err);
		return;
	}
	sys_ret(cur, 0);
	arch_regs_set_ret(&cur->regs, 1, (uint64_t)slot);
}

void sys_handle_close(struct thread *cur)
{
	sys_ret(cur, handle_remove(cur->task, arch_regs_arg(&cur->regs, 0)));
}

void sys_handle_mint(struct thread *cur)
{
	uint64_t slot = arch_regs_arg(&cur->regs, 0);
	uint64_t badge = arch_regs_arg(&cur->regs, 1);
	uint64_t rights = arch_regs_arg(&cur->regs, 2);
	struct handle h;
	int err = handle_lookup(cur->task, slot, MNEME_OBJ_NONE, 0, &h);

	if (!err && (rights & ~(uint64_t)MNEME_RIGHTS_ALL))
		err = -MNEME_EINVAL;
	if (!err)
		err = handle_copy(cur->task, slot, 0, &h);      /* a reference for the new slot */
	if (!err && h.badge && badge != h.badge) {
		handle_put(&h);
		err = -MNEME_EPERM;
	}
	if (!err) {
		h.badge = badge;
		h.rights &= (uint8_t)rights;
		err = handle_install(cur->task, &h);
		if (err < 0)
			handle_put(&h);
	}
	if (err < 0) {
		sys_ret(cur, err);
		return;
	}
	sys_ret(cur, 0);
	arch_regs_set_ret(&cur->regs, 1, (uint64_t)err);
}

uint64_t syscall_count(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < CORE_MAX_CPUS; i++)
		n += READ_ONCE(cpu_table[i].nr_syscalls);
	return n;
}

/*
 * A thread in the caller's own task, started at once; its priority is
 * at most the caller's (a task cannot outrank what it was given), and an
 * unprivileged task has at most MNEME_MAX_THREADS_PER_TASK threads.
 */
void sys_thread_spawn(struct thread *cur)
{
	uint64_t entry = arch_regs_arg(&cur->regs, 0), sp = arch_regs_arg(&cur->regs, 1);
	uint64_t a0 = arch_regs_arg(&cur->regs, 2), a1 = arch_regs_arg(&cur->regs, 3);
	uint64_t prio = arch_regs_arg(&cur->regs, 4);
	struct task *task = cur->task;
	struct thread *t = NULL;
	int err = 0;

	if (entry >= ARCH_USER_TOP || sp > ARCH_USER_TOP || prio > cur->prio)
		err = -MNEME_ERANGE;
	if (!err && !task->privileged && READ_ONCE(task->nr_threads) >= MNEME_MAX_THREADS_PER_TASK)
		err = -MNEME_EQUOTA;
	if (!err && handle_free_slot(task) < 0)
		err = -MNEME_ENOMEM;
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
	int slot = handle_install(task, &h);
	if (slot < 0) {
		thread_unmake(t);
		sys_ret(cur, slot);
		return;
	}
	thread_resume(t);
	sys_ret(cur, 0);
	arch_regs_set_ret(&cur->regs, 1, (uint64_t)slot);
}

void sys_thread_set_affinity(struct thread *cur)
{
	uint64_t slot = arch_regs_arg(&cur->regs, 0), mask = arch_regs_arg(&cur->regs, 1);
	struct thread *t = cur;
	int err = slot == MNEME_HANDLE_NONE ? 0 : handle_thread(cur->task, slot, &t);

	mask &= READ_ONCE(cpus_online_mask);
	if (!err && !mask)
		err = -MNEME_EINVAL;
	if (!err && t->task != cur->task && !cur->task->privileged)
		err = -MNEME_EPERM;
	sys_ret(cur, err);
	if (!err)
		sched_set_affinity(t, mask);
}

void sys_cpu_current(struct thread *cur)
{
	struct cpu *c = this_cpu();

	sys_ret(cur, 0);
	arch_regs_set_ret(&cur->regs, 1, c->index);
	arch_regs_set_ret(&cur->regs, 2, nr_cpus_online);
	arch_regs_set_ret(&cur->regs, 3, c->node);
}

void sys_clock_read(struct thread *cur)
{
	sys_ret(cur, 0);
	arch_regs_set_ret(&cur->regs, 1, arch_cycles());
	arch_regs_set_ret(&cur->regs, 2, boot_info.timer_hz);
	arch_regs_set_ret(&cur->regs, 3, core_ticks());
}

#endif /* ARCH_HAS_USPACE */
