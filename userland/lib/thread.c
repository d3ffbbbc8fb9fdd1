/*
 * Threads of one task (see <ulib/thread.h>).
 *
 * A thread starts at _ulib_thread_start (crt0.S) with its descriptor in
 * arg0, shares the task's IPC buffer, runs its function, marks itself
 * done and ends with thread_exit.  Joining waits for the mark, then for
 * the core to have freed the thread (its handle turns dead: the thread no
 * longer runs on its stack), and only then unmaps the stack.
 */
#include <libmm/libmm.h>
#include <ulib/thread.h>
#include <ulib/ulib.h>

void _ulib_thread_start(void);
__attribute__((noreturn)) void ulib_thread_main(uint64_t arg0, uint64_t arg1);

void ulib_thread_main(uint64_t arg0, uint64_t arg1)
{
	struct ulib_thread *t = (struct ulib_thread *)(uintptr_t)arg0;

	(void)arg1;
	if (ulib_ipc_buffer)
		mneme_ipc_buffer_set((uintptr_t)ulib_ipc_buffer);
	t->result = t->fn(t->arg);
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	for (;;)
		mneme_thread_exit(0);
}

int64_t ulib_thread_create(struct ulib_thread *t, int (*fn)(void *), void *arg, unsigned prio)
{
	struct mneme_sysret r;
	void *stack;
	int64_t st = mm_map_anon(NULL, ULIB_THREAD_STACK, MNEME_PROT_READ | MNEME_PROT_WRITE, &stack);

	if (st)
		return st;
	*t = (struct ulib_thread){ .stack = stack, .fn = fn, .arg = arg };
	uint64_t top = (uint64_t)(uintptr_t)stack + ULIB_THREAD_STACK;
	st = mneme_thread_spawn_r(&r, (uint64_t)(uintptr_t)_ulib_thread_start, top,
				  (uint64_t)(uintptr_t)t, 0, prio);
	if (st) {
		mm_unmap(stack, ULIB_THREAD_STACK);
		return st;
	}
	t->handle = r.r[1];
	return 0;
}

int64_t ulib_thread_join(struct ulib_thread *t, int *result)
{
	while (!__atomic_load_n(&t->done, __ATOMIC_ACQUIRE))
		mneme_yield();
	/* the handle dies when the core has freed the thread: it no longer uses its stack */
	while (mneme_thread_set_affinity(t->handle, MNEME_CPUS_ANY) == 0)
		mneme_yield();
	mneme_handle_close(t->handle);
	if (result)
		*result = t->result;
	return mm_unmap(t->stack, ULIB_THREAD_STACK);
}

int64_t ulib_thread_pin(uint64_t handle, int cpu)
{
	return mneme_thread_set_affinity(handle, cpu < 0 ? MNEME_CPUS_ANY : 1ULL << cpu);
}

unsigned ulib_cpu(void)
{
	struct mneme_sysret r;

	mneme_cpu_current_r(&r);
	return (unsigned)r.r[1];
}

unsigned ulib_cpus(void)
{
	struct mneme_sysret r;

	mneme_cpu_current_r(&r);
	return (unsigned)r.r[2];
}
