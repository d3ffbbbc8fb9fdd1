/*
 * The core's objects: tasks, threads and endpoints, in static tables.
 *
 * The core has no heap.  Every object lives in a fixed table (limits in
 * <mneme/ipc.h>: MNEME_MAX_TASKS, MNEME_MAX_THREADS, MNEME_MAX_ENDPOINTS);
 * a table slot carries a generation that changes whenever the object is
 * freed, so a handle or a saved reference ("reply to thread T of
 * generation G") to a dead object is detected, never followed.
 *
 * Thread states, and the lock that protects a thread in each (a thread's
 * state changes only under the lock of the state it leaves; see
 * docs/architecture.md, "Locking"):
 *   FREE        slot unused                                  object_lock
 *   SUSPENDED   created, not yet resumed                     task->lock
 *   RUNNABLE    current on t->cpu (owned by that CPU), or     -
 *               on a run queue (t->rq)                       rq->lock
 *               or in transit between the two (owned by the CPU moving it)
 *   SEND        queued on blocked_on->send_q                 blocked_on->lock
 *   RECV        queued on blocked_on->recv_q                 blocked_on->lock
 *   REPLY       delivered a call (or fault), waits for the   reply_ep->lock
 *               reply of @replier
 *   DEAD        stopped because its task is dying: on no     (its killer)
 *               queue, never run again, freed by the killer
 * A thread is on at most one queue at a time, through its @link.
 */
#ifndef CORE_OBJECT_H
#define CORE_OBJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/uspace.h>
#include <core/cpu.h>
#include <core/list.h>
#include <core/spinlock.h>
#include <mneme/ipc.h>

enum thread_state {
	THREAD_FREE = 0,
	THREAD_SUSPENDED,
	THREAD_RUNNABLE,
	THREAD_SEND,
	THREAD_RECV,
	THREAD_REPLY,
	THREAD_DEAD,
};

enum task_state {
	TASK_FREE = 0,
	TASK_NEW,      /* slot taken by task_alloc(), not set up yet */
	TASK_ALIVE,
	TASK_DYING,    /* being killed: its threads are being stopped */
	TASK_ZOMBIE,   /* dead; its EXIT message is not delivered yet */
};

/*
 * One slot of a task's handle table.  The first eight bytes (type, rights,
 * index, gen) are read and written as one word, so a lock-free reader sees
 * a whole handle's identity; the badge is read under the endpoint's lock
 * (docs/architecture.md, "Handles").
 */
struct handle {
	union {
		struct {
			uint8_t type;        /* enum mneme_object_type; MNEME_OBJ_NONE = empty slot */
			uint8_t rights;      /* MNEME_RIGHT_* */
			uint16_t index;      /* object table index */
			uint32_t gen;        /* object generation when the handle was made */
		};
		uint64_t word;               /* the four above as one word */
	};
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
	uint8_t rq_prio;              /* the queue it is linked on (t->rq != NULL) */
	uint8_t pad[3];
	struct cpu *cpu;              /* the CPU it runs on, or last ran or is queued on */
	uint32_t prio_bit;            /* 1 << prio: outranked by a CPU's queue iff outrank_bitmap >= it */
	uint32_t pad2;
	struct task *task;
	cpumask_t cpus_allowed;       /* where it may run */
	struct run_queue *rq;         /* the run queue it is linked on, or NULL (rq->lock) */
	struct endpoint *reply_ep;    /* REPLY: the endpoint of the call (its lock guards us) */
	struct list_node link;        /* run queue or endpoint queue */
	struct list_node task_link;   /* task->threads */
	struct endpoint *blocked_on;  /* SEND / RECV */
	struct thread *reply_to;      /* caller owed a reply (after receiving a call) */
	uint32_t reply_gen;
	uint64_t send_badge;          /* SEND: badge of the handle used */
	struct handle xfer;           /* SEND: handle transferred with the message (type NONE: none) */
	uint64_t ipc_buffer;          /* user VA of the IPC buffer, 0 if none */
	struct thread *replier;       /* REPLY: the thread holding our reply (reply_to == us); stale otherwise */
	uint64_t fault_addr, fault_ip; /* its last page fault (a repeat may be spurious: core/fault.c) */
	uint32_t fault_repeat;        /* spurious page faults in a row there */
	uint32_t pad3;
	uint64_t msg_info;            /* SEND: the message (saved when queued) */
	uint64_t msg[MNEME_MSG_REGS]; /* SEND: words; fault: addr, access, ip, kind */
};

_Static_assert(__builtin_offsetof(struct thread, regs) == 0, "core_syscall relies on it");
_Static_assert(__builtin_offsetof(struct thread, fault) == __builtin_offsetof(struct thread, state) + 1,
	       "the IPC fast path tests state and fault with one halfword load");

/*
 * An endpoint.  @lock protects its queues, @alive, @refs and the state of
 * every thread blocked on it or waiting for a reply to a call made
 * through it.  @gen changes (under @lock) when it is destroyed.
 */
struct endpoint {
	spinlock_t lock;
	uint32_t gen;
	uint16_t refs;                /* handles naming it, pager links, queued transfers */
	bool alive;
	uint8_t owner;                /* task_index(owner) + 1, 0: none */
	uint32_t waiting;             /* entries on send_q and exit_q: "is anything to receive" in one load */
	struct list_node send_q;      /* threads in SEND, FIFO */
	struct list_node recv_q;      /* threads in RECV, FIFO */
	struct list_node exit_q;      /* dead tasks whose EXIT message waits here */
};
_Static_assert(sizeof(struct endpoint) == 64, "an endpoint is one cache line: index * 64");
_Static_assert(MNEME_MAX_ENDPOINTS >= MNEME_MAX_TASKS * MNEME_MAX_ENDPOINTS_PER_TASK &&
	       MNEME_MAX_THREADS >= MNEME_MAX_TASKS * MNEME_MAX_THREADS_PER_TASK,
	       "the tables hold every task's share (no task can starve another)");
_Static_assert(MNEME_MAX_TASKS < 255 && MNEME_MAX_TASKS * MNEME_HANDLES_PER_TASK + MNEME_MAX_TASKS <
	       65536, "endpoint owner and refs fields");

static inline uint8_t endpoint_owner_id(const struct task *t);

/* Page-table frames the core holds outside a tree, chained through their first word (core/vm.c). */
struct vm_frames {
	uint64_t head;                /* physical address of the first, 0: none */
	uint64_t nr;
};

/*
 * A task.  @lock protects @state, the thread list, the page tables of
 * @aspace and the page-table pool; @handle_lock serialises writers of
 * the handle table (readers are lock-free, see struct handle).
 */
struct task {
	spinlock_t lock;
	spinlock_t handle_lock;
	uint32_t gen;
	uint8_t state;                /* enum task_state */
	bool privileged;              /* the memory server */
	uint32_t nr_threads;
	struct list_node threads;
	cpumask_t tlb_cpus;           /* CPUs that may hold TLB entries of @aspace (sticky) */
	struct arch_aspace aspace;
	uint64_t root_pa;             /* the root claimed as a page table (vm_task_root_claim), or 0 */
	uint64_t badge;               /* names the task in EXIT messages */
	struct endpoint *pager;       /* NULL: no pager */
	uint32_t pager_gen;
	uint64_t pager_badge;
	struct vm_frames pt_pool;     /* page-table frames donated or freed, not in the tree */
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

/* Taking and giving back slots of the object tables. */
extern spinlock_t object_lock;

static inline uint32_t task_index(const struct task *t) { return (uint32_t)(t - task_table); }
static inline uint32_t thread_index(const struct thread *t) { return (uint32_t)(t - thread_table); }
static inline uint32_t endpoint_index(const struct endpoint *e) { return (uint32_t)(e - endpoint_table); }
static inline uint8_t endpoint_owner_id(const struct task *t) { return (uint8_t)(task_index(t) + 1); }

/* Reset every table (boot, host tests). */
void object_init(void);

/* ---- handles (handle.c) ---- */

/*
 * Handle tables (docs/architecture.md, "Handles").  Writers of a task's
 * table hold its handle_lock; a slot naming an endpoint is written (filled
 * or emptied) only with that endpoint's lock held as well, and every
 * endpoint handle in a table holds one of the endpoint's @refs.  Readers
 * take no lock: they read a slot's word at once, and for an endpoint
 * confirm it under the endpoint's lock, which also makes its badge stable.
 */

/* The word of slot @slot (0 for an empty or out-of-range slot), read at once. */
static inline uint64_t handle_word(const struct task *task, uint64_t slot)
{
	if (slot >= MNEME_HANDLES_PER_TASK)
		return 0;
	return __atomic_load_n(&task->handles[slot].word, __ATOMIC_RELAXED);
}

struct handle handle_make(unsigned type, uint32_t index, uint32_t gen, uint64_t badge,
			  unsigned rights);
/* An empty slot of @task by a lock-free look (it may be taken the next moment), or -MNEME_ENOMEM. */
int handle_free_slot(const struct task *task);
/*
 * Look at @slot of @task expecting @type (MNEME_OBJ_NONE: any) and all of
 * @rights: 0 and the handle's word in @out (no badge), or -MNEME_EBADH
 * (empty, out of range, wrong type), -MNEME_EPERM (missing right),
 * -MNEME_EDEAD (object gone).  Lock-free.
 */
int handle_lookup(struct task *task, uint64_t slot, unsigned type, unsigned rights,
		  struct handle *out);
/*
 * The live endpoint behind @slot with @rights, returned LOCKED (the
 * caller unlocks), and the handle's badge: 0, or an error as for
 * handle_lookup().
 */
int handle_endpoint_lock(struct task *task, uint64_t slot, unsigned rights, struct endpoint **ep,
			 uint64_t *badge);
/* Resolved lookups of tasks and threads: the live object, or an error as above. */
int handle_task(struct task *task, uint64_t slot, struct task **out);
int handle_thread(struct task *task, uint64_t slot, struct thread **out);
/*
 * A whole copy of @slot (badge included) that holds its own reference to
 * an endpoint: for handing it to another table with handle_install(), or
 * back with handle_put().  Errors as for handle_lookup().
 */
int handle_copy(struct task *task, uint64_t slot, unsigned rights, struct handle *out);
/* Drop the reference a copy holds (the object may die with it). */
void handle_put(const struct handle *h);
/*
 * Install @h, a copy holding a reference (or a new handle to an object
 * that counts none), in the first free slot of @task: the slot number,
 * or -MNEME_ENOMEM (table full) / -MNEME_EDEAD (endpoint gone).  On
 * failure the reference stays with the caller.
 */
int handle_install(struct task *task, const struct handle *h);
/* Close @slot: 0 or -MNEME_EBADH; the last handle to an endpoint destroys it. */
int handle_remove(struct task *task, uint64_t slot);
/* Empty every slot of dying @task, dropping the references they held. */
void handle_clear_all(struct task *task);
/* True if @h still names a live object. */
bool handle_live(const struct handle *h);

/* ---- endpoints (ipc.c) ---- */

/* A free endpoint owned by @owner with @refs references, or NULL (table full). */
struct endpoint *endpoint_alloc(struct task *owner, uint32_t refs);
/* An endpoint for @owner's endpoint_create, with one reference: 0, -MNEME_EQUOTA or -MNEME_ENOMEM. */
int endpoint_create(struct task *owner, struct endpoint **out);
/*
 * Destroy @ep (locked by the caller): handles to it fail from now on and
 * its waiters are moved, in transit, onto @dead, to be woken with
 * -MNEME_EDEAD by endpoint_wake_dead() once the caller unlocked @ep.
 */
void endpoint_destroy(struct endpoint *ep, struct list_node *dead);
/* Drop one reference of live @ep (locked); the last one destroys it (waiters onto @dead). */
void endpoint_put_locked(struct endpoint *ep, struct list_node *dead);
/* Drop one reference of @ep if it is still the incarnation of generation @gen. */
void endpoint_put(struct endpoint *ep, uint32_t gen);
/* Wake every thread of @dead (from endpoint_destroy()) with -MNEME_EDEAD. */
void endpoint_wake_dead(struct list_node *dead);

#endif
