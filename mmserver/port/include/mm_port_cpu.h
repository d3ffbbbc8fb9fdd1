/*
 * The memory server's this-CPU hook for the mm core (mm/port.h), inline
 * because the allocators' fast paths ask for it on every call.  The
 * server runs one thread today, on CPU 0; when it runs one thread per CPU
 * (issue 9), this returns the running thread's CPU.
 */
#ifndef MM_PORT_CPU_H
#define MM_PORT_CPU_H

#define MM_PORT_CPU_INLINE 1

static inline unsigned mm_this_cpu(void)
{
	return 0;
}

#endif
