/*
 * The host port's this-CPU hook for the mm core (mm/port.h), inline
 * because the allocators' fast paths ask for it on every call: the CPU a
 * host thread plays, chosen with mm_host_set_cpu() (mmserver/port/host.c).
 * Builds without this directory on the include path call host.c's
 * function instead, which reads the same variable.
 */
#ifndef MM_PORT_CPU_H
#define MM_PORT_CPU_H

#define MM_PORT_CPU_INLINE 1

extern _Thread_local unsigned mm_host_cpu;

static inline unsigned mm_this_cpu(void)
{
	return mm_host_cpu;
}

#endif
