/*
 * User exceptions as messages to pagers (protocol in <mneme/fault.h>).
 */
#ifndef CORE_FAULT_H
#define CORE_FAULT_H

#include <core/ipc.h>

/* Decode the pager @pager's reply @m to faulting @c (a MAP_RESUME mapping is made here). */
int fault_reply_check(struct thread *pager, struct thread *c, const struct ipc_msg *m);
/* Perform the decoded reply: the thread to resume, or NULL if its task was killed. */
struct thread *fault_reply_perform(struct thread *c, const struct ipc_msg *m);

#endif
