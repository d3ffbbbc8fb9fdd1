/*
 * Synchronous IPC: message limits, the IPC buffer, handles and rights.
 *
 * A message is a label plus MNEME_MSG_REGS words carried in registers and
 * up to MNEME_IPC_BUFFER_WORDS further words carried in the sender's and
 * receiver's IPC buffers (a per-thread area registered with
 * ipc_buffer_set()).  The core copies the extra words from the sender's
 * buffer into the receiver's; the receiver learns the badge of the handle
 * the sender used, which only the holder of an unbadged handle could mint.
 */
#ifndef MNEME_IPC_H
#define MNEME_IPC_H

#include <stdint.h>
#include <mneme/syscall.h>

#define MNEME_MSG_REGS          4     /* message words in registers */
#define MNEME_IPC_BUFFER_WORDS  120   /* extra message words in the IPC buffer */

/*
 * The IPC buffer: MNEME_IPC_BUFFER_ALIGN-aligned, inside the thread's own
 * mapped user memory.  Extra word i of a message is words[i].
 */
struct mneme_ipc_buffer {
	uint64_t words[MNEME_IPC_BUFFER_WORDS];
	uint64_t user[8];              /* owned by the user runtime (the core never touches it) */
};

#define MNEME_IPC_BUFFER_SIZE  1024
#define MNEME_IPC_BUFFER_ALIGN 1024
_Static_assert(sizeof(struct mneme_ipc_buffer) == MNEME_IPC_BUFFER_SIZE, "ipc buffer layout");
_Static_assert(__builtin_offsetof(struct mneme_ipc_buffer, user) == 960, "ipc buffer layout");

/*
 * Handles are small integers naming slots of the calling task's handle
 * table (0 .. MNEME_HANDLES_PER_TASK - 1).  Slot 0 is never valid, so 0
 * means "no handle".  A slot refers to an object (endpoint, task, thread)
 * by index and generation: once the object dies, its handles fail with
 * -MNEME_EDEAD (or -MNEME_EBADH after the slot is closed).
 */
#define MNEME_HANDLE_NONE       0
#define MNEME_HANDLES_PER_TASK  64

/* Handles the core gives the memory server at boot. */
#define MNEME_HANDLE_SERVER_SELF 1   /* task handle of the memory server itself */
#define MNEME_HANDLE_SERVER_EP   2   /* the server's endpoint: faults and exits of its tasks arrive here */

/* Rights of a handle (handle_mint() can only take rights away). */
#define MNEME_RIGHT_SEND  0x1u   /* send / call on the endpoint */
#define MNEME_RIGHT_RECV  0x2u   /* recv / reply_recv on the endpoint */
#define MNEME_RIGHT_GRANT 0x4u   /* may be transferred in a message */
#define MNEME_RIGHTS_ALL  0x7u

/* Kinds of object a handle names (for the documentation and query tools). */
enum mneme_object_type {
	MNEME_OBJ_NONE = 0,
	MNEME_OBJ_ENDPOINT = 1,
	MNEME_OBJ_TASK = 2,
	MNEME_OBJ_THREAD = 3,
	MNEME_OBJ_DEVICE = 4,     /* a device the core lends to user mode: registers and interrupt */
};

/*
 * Devices (device_open, docs/syscalls.md "Devices"): what the core found
 * at boot and lends to a user-mode driver.  Registers are bytes, numbered
 * from 0; an interrupt arrives on the bound endpoint as a message with
 * label MNEME_LABEL_IRQ (<mneme/fault.h>), the binding's badge, word 0 =
 * the device's index, word 1 = its interrupt line, and the line stays
 * masked until irq_ack.
 */
#define MNEME_MAX_DEVICES      4
#define MNEME_DEVICE_UART_16550 1  /* 8250/16550 UART: the console (x86_64 COM1, riscv64 virt's ns16550a) */

/*
 * Static limits of the core (it has no heap).  Hitting one is an error
 * (-MNEME_ENOMEM), never a crash.  The endpoint and thread tables hold
 * every task's whole share at once (MNEME_MAX_ENDPOINTS_PER_TASK,
 * MNEME_MAX_THREADS_PER_TASK in <mneme/syscall.h>), so no task or tree of
 * tasks can take the slots another task's share needs: a per-task limit
 * whose sum passed the table would be no limit.
 */
#define MNEME_MAX_TASKS      64
/* Endpoints one task may own at once (-MNEME_EQUOTA beyond). */
#define MNEME_MAX_ENDPOINTS_PER_TASK 16
#define MNEME_MAX_ENDPOINTS  (MNEME_MAX_TASKS * MNEME_MAX_ENDPOINTS_PER_TASK)
#define MNEME_MAX_THREADS    1024
#define MNEME_PT_POOL_FRAMES 16   /* pt_donate fills a task's pool up to this (tables unmaps free may add more) */

#endif
