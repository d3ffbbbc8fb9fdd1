/*
 * The memory server's view of the tasks it started: a static table, one
 * slot per task, the slot index doubling as the frame owner (frame.h).
 *
 * Names.  A task id is (generation << 8) | slot, so a stale id of a reused
 * slot does not name the new task.  Badges tell the server's endpoint
 * which task a message comes from and through which handle:
 *   MM_BADGE_SERVICE | id  requests (the handle every task is given)
 *   MM_BADGE_FAULT   | id  faults (the task's pager handle)
 *   MM_BADGE_EXIT    | id  EXIT messages from the core (task_create badge)
 */
#ifndef MMSERVER_TASK_H
#define MMSERVER_TASK_H

#include <stdbool.h>
#include <stdint.h>
#include <mneme/ipc.h>

#define MM_MAX_TASKS 48              /* slots 1..MM_MAX_TASKS; slot 0 is the server */
#define MM_SERVER_SLOT 0

#define MM_BADGE_SERVICE (1ULL << 60)
#define MM_BADGE_FAULT   (2ULL << 60)
#define MM_BADGE_EXIT    (3ULL << 60)
#define MM_BADGE_KIND(b) ((b) & (0xfULL << 60))
#define MM_BADGE_ID(b)   ((b) & 0xffffffffULL)

enum mm_task_state { MM_TASK_FREE = 0, MM_TASK_RUNNING, MM_TASK_EXITED };

struct mm_task {
	enum mm_task_state state;
	uint32_t generation;
	unsigned parent;          /* slot of the parent (MM_SERVER_SLOT for the server) */
	uint64_t handle;          /* the server's task handle (0 once it exited) */
	char name[32];
	bool foreign_pager;       /* faults go to another task, not the server */
	int64_t exit_status;
	uint64_t exit_reason, exit_kind;
	uint64_t nr_pt_frames;    /* page-table frames donated */
	uint32_t ktap_depth;      /* KTAP nesting its children get */
};

/* What a spawn asks for (the request decoded). */
struct mm_spawn_req {
	const char *prog;
	const char *args;         /* space-separated words, may be NULL */
	unsigned parent;          /* slot */
	unsigned flags;           /* MM_SPAWN_* */
	uint64_t handle;          /* a handle in the server's table to pass on (0 = none) */
	uint64_t share_va;        /* page of the parent to share (MM_SPAWN_SHARE) */
	uint32_t ktap_depth;
};

extern struct mm_task mm_tasks[MM_MAX_TASKS + 1];

/* Server-wide facts the task code needs (set by main). */
struct mm_server {
	const void *archive;
	uint64_t archive_size;
	unsigned elf_machine;
	uint64_t ep;                 /* the server's endpoint handle */
	uint64_t self;               /* the server's own task handle */
	struct mneme_ipc_buffer *ipc; /* the server thread's IPC buffer */
};
extern struct mm_server mm_server;

uint64_t mm_task_id(unsigned slot);
/* Slot named by @id if it is in one of @states' (bitmask of 1 << state), else 0. */
unsigned mm_task_lookup(uint64_t id, unsigned states);
/* Start a program; returns 0 and the child's id, or -MNEME_E* with nothing left behind. */
int mm_task_spawn(const struct mm_spawn_req *req, uint64_t *id);
/* Map a fresh zeroed page charged to @slot at @va (donating page-table frames as needed). */
int mm_task_map_new(unsigned slot, uint64_t va, unsigned prot, uint64_t *pa);
/* Destroy a running task (its EXIT arrives later through the core). */
int mm_task_kill(unsigned slot);
/* The core reported the task's death: reclaim everything, kill its children. */
void mm_task_exited(unsigned slot, int64_t status, uint64_t reason, uint64_t kind);
/* True if @va is in one of the task's demand-zero regions (stack, heap). */
bool mm_task_demand_zero(unsigned slot, uint64_t va);

#endif
