/*
 * Synchronous IPC inside the core: the slow path (ipc.c), the register-
 * only fast path (<core/ipc_fast.h>) and the helpers faults and task death use.
 *
 * All functions act on @current (the calling thread) and leave the
 * scheduling decision to sched_return() at the end of the core entry.
 */
#ifndef CORE_IPC_H
#define CORE_IPC_H

#include <core/object.h>

/* A message in transit (the extra words are staged in the core's buffer). */
struct ipc_msg {
	uint64_t badge;
	uint64_t info;                /* msginfo: no slot bits, the sender's CPU in bits 56..63 */
	uint64_t w[MNEME_MSG_REGS];
	struct handle xfer;           /* type MNEME_OBJ_NONE: no handle */
	unsigned extra;               /* extra words staged */
};

/* The syscalls (arguments in cur->regs, results written there or on wake-up). */
void sys_call(struct thread *cur);
void sys_send(struct thread *cur);
void sys_recv(struct thread *cur);
void sys_reply(struct thread *cur);
void sys_reply_recv(struct thread *cur);


/*
 * Queue or deliver the fault message already stored in @t (msg[]) on @ep
 * (of generation @gen) with @badge, blocking @t (current) as a caller:
 * 0, or -MNEME_EDEAD if the endpoint is gone (nothing changed).
 */
int ipc_send_fault(struct thread *t, struct endpoint *ep, uint32_t gen, uint64_t badge);

/*
 * An asynchronous notification (a device interrupt) on @ep, locked by the
 * caller, who unlocks it: a thread waiting to receive gets the message
 * (label MNEME_LABEL_IRQ, @badge, words @w) and is returned in transit,
 * for the caller to sched_wake() once unlocked; if none waits, @node goes
 * on ep->exit_q (unless queued already: notifications coalesce), where
 * the next receive finds it (device_of_node()), and NULL is returned.
 */
struct thread *ipc_notify_locked(struct endpoint *ep, struct list_node *node, uint64_t badge,
				 const uint64_t w[MNEME_MSG_REGS]);

/* Deliver the EXIT message of zombie @task to the server endpoint now or later. */
void ipc_post_exit(struct task *task);

/*
 * @t (stopped: its task is dying) is about to be freed: release whoever
 * waits for its reply and drop the handle it was transferring.
 */
void ipc_stop(struct thread *t);

#endif
