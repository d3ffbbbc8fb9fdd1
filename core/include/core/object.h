/*
 * The core's objects: tasks, threads and endpoints, in static tables.
 *
 * The core has no heap.  Every object lives in a fixed table (limits in
 * <mneme/ipc.h>: MNEME_MAX_TASKS, MNEME_MAX_THREADS, MNEME_MAX_ENDPOINTS);
 * a table slot carries a generation that changes whenever the object is
 * freed, so a handle or a saved reference ("reply to thread T of
 * generation G") to a dead object is detected, never followed.
 *
 * Thread states:
 *   FREE        slot unused
 *   SUSPENDED   created, not yet resumed
 *   RUNNABLE    current, or on a run queue
 *   SEND        queued on ep->send_q (send/call, or a fault message)
 *   RECV        queued on ep->recv_q
 *   REPLY       delivered a call (or fault) and waits for the reply
 * A thread is on at most one queue at a time, through its @link.
 */
#ifndef CORE_OBJECT_H
#define CORE_OBJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/uspace.h>
#include <core/list.h>
#include <mneme/ipc.h>

enum thread_state {
	THREAD_FREE = 0,
	THREAD_SUSPENDED,
	THREAD_RUNNABLE,
	THREAD_SEND,
	THREAD_RECV,
	THREAD_REPLY,
};

enum task_state {
	TASK_FREE = 0,
	TASK_ALIVE,
	TASK_ZOMBIE,   /* dead; its EXIT message is not delivered yet */
};

/* One slot of a task's handle table. */
struct handle {
	uint8_t type;        /* enum mneme_object_type; MNEME_OBJ_NONE = empty slot */
	uint8_t rights;      /* MNEME_RIGHT_* */
	uint16_t index;      /* object table index */
	uint32_t gen;        /* object generation when the handle was made */
	uint64_t badge;
};

struct thread {
	struct arch_regs regs;        /* user registers; first so the arch can find them fast */
	uint32_t gen;
	uint8_t state;                /* enum thread_state */
	uint8_t fault;                /* SEND/REPLY: this is a fault message, not a syscall */
	uint8_t prio;                 /* 0 .. MNEME_PRIO_MAX */
	uint8_t is_call;              /* SEND: a call (expects a reply) */
	uint32_t timeslice;           /* ticks left */
	struct task *task;
	struct list_node link;        /* run queue or endpoint queue */
	struct list_node task_link;   /* task->threads */
	struct endpoint *blocked_on;  /* SEND / RECV */
	struct thread *reply_to;      /* caller owed a reply (after receiving a call) */
	uint32_t reply_gen;
	uint64_t send_badge;          /* SEND: badge of the handle used */
	struct handle xfer;           /* SEND: handle transferred with the message (type NONE: none) */
	uint64_t ipc_buffer;          /* user VA of the IPC buffer, 0 if none */
	struct thread *replier;       /* REPLY: the thread holding our reply (reply_to == us) */
	uint64_t msg_info;            /* SEND: the message (saved when queued) */
	uint64_t msg[MNEME_MSG_REGS]; /* SEND: words; fault: addr, access, ip, kind */
};

_Static_assert(__builtin_offsetof(struct thread, regs) == 0, "core_syscall relies on it");
_Static_assert(__builtin_offsetof(struct thread, fault) == __builtin_offsetof(struct thread, state) + 1,
	       "the IPC fast path tests state and fault with one halfword load");

struct endpoint {
	uint32_t gen;
	bool alive;
	struct task *owner;
	struct list_node send_q;      /* threads in SEND, FIFO */
	struct list_node recv_q;      /* threads in RECV, FIFO */
	struct list_node exit_q;      /* dead tasks whose EXIT message waits here */
};

struct task {
	uint32_t gen;
	uint8_t state;                /* enum task_state */
	bool privileged;              /* the memory server */
	uint32_t nr_threads;
	struct list_node threads;
	struct arch_aspace aspace;
	uint64_t root_pa;
	uint64_t badge;               /* names the task in EXIT messages */
	struct endpoint *pager;       /* NULL: no pager */
	uint32_t pager_gen;
	uint64_t pager_badge;
	uint64_t pt_pool[MNEME_PT_POOL_FRAMES];
	uint32_t pt_pool_nr;
	uint64_t exit_words[MNEME_MSG_REGS]; /* ZOMBIE: the EXIT message */
	struct list_node exit_link;   /* ZOMBIE: on the server endpoint's exit_q */
	struct handle handles[MNEME_HANDLES_PER_TASK];
};

extern struct task task_table[MNEME_MAX_TASKS];
extern struct thread thread_table[MNEME_MAX_THREADS];
extern struct endpoint endpoint_table[MNEME_MAX_ENDPOINTS];

/* The memory server and its endpoint (set once at boot). */
extern struct task *server_task;
extern struct endpoint *server_ep;

static inline uint32_t task_index(const struct task *t) { return (uint32_t)(t - task_table); }
static inline uint32_t thread_index(const struct thread *t) { return (uint32_t)(t - thread_table); }
static inline uint32_t endpoint_index(const struct endpoint *e) { return (uint32_t)(e - endpoint_table); }

/* Reset every table (boot, host tests). */
void object_init(void);

/* ---- handles (handle.c) ---- */

/* The first free slot of @task's table, or -MNEME_ENOMEM. */
int handle_free_slot(const struct task *task);
/* Install @h in the first free slot of @task: the slot number, or -MNEME_ENOMEM. */
int handle_install(struct task *task, const struct handle *h);
/*
 * Look up slot @slot of @task expecting @type and all of @rights.
 * Returns 0 and the entry, or -MNEME_EBADH (empty / out of range / wrong
 * type), -MNEME_EPERM (missing right), -MNEME_EDEAD (object gone).
 */
int handle_lookup(struct task *task, uint64_t slot, unsigned type, unsigned rights,
		  struct handle *out);
/* Resolved lookups: the live object, or an error as for handle_lookup(). */
int handle_endpoint(struct task *task, uint64_t slot, unsigned rights, struct endpoint **ep,
		    uint64_t *badge);
int handle_task(struct task *task, uint64_t slot, struct task **out);
int handle_thread(struct task *task, uint64_t slot, struct thread **out);
/* Empty slot @slot: 0 or -MNEME_EBADH. */
int handle_remove(struct task *task, uint64_t slot);
/* True if @h still names a live object. */
bool handle_live(const struct handle *h);
struct handle handle_make(unsigned type, uint32_t index, uint32_t gen, uint64_t badge,
			  unsigned rights);

/* ---- endpoints (endpoint.c) ---- */

/* A free endpoint owned by @owner, or NULL (table full). */
struct endpoint *endpoint_alloc(struct task *owner);
int endpoint_create(struct task *owner, struct endpoint **out);
/* Destroy @ep: every waiter wakes with -MNEME_EDEAD; handles to it fail from now on. */
void endpoint_destroy(struct endpoint *ep);

#endif
