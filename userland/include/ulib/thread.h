/*
 * Threads of one task (the core's thread_spawn), for programs that run
 * on several CPUs at once.
 *
 * A thread gets a lazily mapped stack from the memory server (charged to
 * the task's quota) and shares the task's IPC buffer with its other
 * threads: requests that carry extra words through the IPC buffer
 * (statistics, spawn, usage) belong to one thread at a time; every
 * register-only request (map, unmap, protect, ping, faults) may be made
 * by any thread at any time.  exit() ends the whole task; a thread ends
 * by returning from its function.
 */
#ifndef ULIB_THREAD_H
#define ULIB_THREAD_H

#include <stddef.h>
#include <stdint.h>

#define ULIB_THREAD_STACK (64u << 10)

struct ulib_thread {
	uint64_t handle;              /* the core's thread handle */
	void *stack;                  /* ULIB_THREAD_STACK bytes from mm_map_anon() */
	int (*fn)(void *arg);
	void *arg;
	volatile uint32_t done;       /* set (release) once fn returned */
	int result;
};

/*
 * Start @fn(@arg) in a new thread of this task at priority @prio (at most
 * the caller's): 0, or -MNEME_E* (quota, thread limit, no memory).
 */
int64_t ulib_thread_create(struct ulib_thread *t, int (*fn)(void *), void *arg, unsigned prio);
/* Wait (yielding) until @t has ended, then free its stack and handle: @t's result in *@result. */
int64_t ulib_thread_join(struct ulib_thread *t, int *result);
/*
 * Let thread @handle (0: the calling thread) run only on CPU @cpu, or
 * anywhere with cpu < 0: 0 or -MNEME_EINVAL (no such CPU online).
 */
int64_t ulib_thread_pin(uint64_t handle, int cpu);
/* The CPU the calling thread runs on now, and how many CPUs are online. */
unsigned ulib_cpu(void);
unsigned ulib_cpus(void);

#endif
