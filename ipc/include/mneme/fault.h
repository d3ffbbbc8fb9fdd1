/*
 * The protocol between the core and pagers / the memory server.
 *
 * Faults.  When a thread takes a page fault or another exception, the
 * core blocks it and delivers, as if the thread had done call() on its
 * task's pager endpoint (with the badge of the pager handle given at
 * task_create()):
 *   label MNEME_LABEL_FAULT, words: 0 = fault address, 1 = access
 *   (MNEME_PROT_* attempted; 0 if not a memory access), 2 = instruction
 *   pointer, 3 = kind (MNEME_FAULT_*).
 * The pager answers with reply() / reply_recv() using one of the labels:
 *   MNEME_LABEL_RESUME      retry the faulting instruction
 *   MNEME_LABEL_MAP_RESUME  words: 0 = pa, 1 = prot, 2 = page_shift (12 or
 *                           21): map [pa, pa + 2^page_shift) at the fault
 *                           address rounded down, then resume (memory
 *                           server only; validated like map())
 *   MNEME_LABEL_KILL        kill the faulting task (word 0 = status)
 * A reply the core cannot decode fails with an error for the replier and
 * leaves the faulting thread waiting.  A task without a pager (or whose
 * pager endpoint is dead) is killed when it faults.
 *
 * Exits.  When a task dies (last thread exited, killed after a fault,
 * destroyed) the core sends to the memory server's endpoint, with the
 * task's badge (from task_create()) as the IPC badge:
 *   label MNEME_LABEL_EXIT, words: 0 = task badge, 1 = status,
 *   2 = reason (MNEME_EXIT_*), 3 = fault kind for MNEME_EXIT_FAULT.
 * These messages are queued in the core (no sender thread); they need no
 * reply.  The task's table slot is reused only after delivery.  By then
 * the core no longer uses any frame the server donated to the task.
 */
#ifndef MNEME_FAULT_H
#define MNEME_FAULT_H

#define MNEME_LABEL_FAULT      0xfa000001u
#define MNEME_LABEL_EXIT       0xfa000002u
#define MNEME_LABEL_IRQ        0xfa000003u   /* a device interrupt (irq_bind): words 0 = device, 1 = line */
#define MNEME_LABEL_RESUME     0xfa000010u
#define MNEME_LABEL_MAP_RESUME 0xfa000011u
#define MNEME_LABEL_KILL       0xfa000012u

/* Fault kinds (word 3 of a FAULT message); same values as the core's enum core_exception. */
#define MNEME_FAULT_PAGE       1
#define MNEME_FAULT_ILLEGAL    2
#define MNEME_FAULT_DIVIDE     3
#define MNEME_FAULT_MISALIGNED 4
#define MNEME_FAULT_BREAKPOINT 5
#define MNEME_FAULT_PROTECTION 6
#define MNEME_FAULT_OTHER      7

/* Exit reasons (word 2 of an EXIT message). */
#define MNEME_EXIT_NORMAL    1   /* its last thread called thread_exit(status) */
#define MNEME_EXIT_FAULT     2   /* faulted with no pager able to handle it */
#define MNEME_EXIT_KILLED    3   /* its pager replied KILL */
#define MNEME_EXIT_DESTROYED 4   /* task_destroy() */
#define MNEME_EXIT_OOM       5   /* killed by the memory server's OOM killer (STATUS only; the core says DESTROYED) */

#endif
