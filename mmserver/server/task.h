/*
 * The memory server's view of the tasks it started: a static table, one
 * slot per task, each with its address space (struct vm_space, mmserver/vm:
 * regions, frames, accounting and quota).
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

struct vm_space;

#define MM_MAX_TASKS 48              /* slots 1..MM_MAX_TASKS; slot 0 is the server */
#define MM_SERVER_SLOT 0
#define MM_FRAME_SIZE 4096ULL
#define MM_PT_PREDONATE 4            /* page-table frames given with a new task (the rest on demand) */
#define MM_PREFAULT_BSS 2            /* bss pages backed at spawn */

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
	struct vm_space *space;   /* its address space (NULL only while free) */
	uint32_t ktap_depth;      /* KTAP nesting its children get */
	uint64_t entry;           /* its program's entry point (a clone starts there too) */
	bool oom_victim;          /* the OOM killer destroyed it: its EXIT is still to come */
};

/* What a spawn asks for (the request decoded). */
struct mm_spawn_req {
	const char *prog;
	const char *args;         /* space-separated words, may be NULL */
	unsigned parent;          /* slot */
	unsigned flags;           /* MM_SPAWN_* */
	uint64_t handle;          /* a handle in the server's table to pass on (0 = none) */
	uint64_t share_va;        /* page of the parent to share (MNEME_MM_SPAWN_SHARE) */
	uint64_t clone_start;     /* MNEME_MM_SPAWN_CLONE: the range of the parent to clone, */
	uint64_t clone_len;       /* or 0, 0 for all of it (prog is then the parent's) */
	uint64_t quota;           /* bytes (0 = MNEME_MM_QUOTA_DEFAULT) */
	uint32_t ktap_depth;
	int oom_score_adj;        /* -1000 .. 1000 (the OOM killer's bias) */
};

extern struct mm_task mm_tasks[MM_MAX_TASKS + 1];
extern unsigned mm_tasks_running;   /* slots in MM_TASK_RUNNING */

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

static inline uint64_t mm_task_id(unsigned slot)
{
	return (uint64_t)mm_tasks[slot].generation << 8 | slot;
}

/* Slot named by @id if it is in one of @states' (bitmask of 1 << state), else 0 (on every message: inline). */
static inline unsigned mm_task_lookup(uint64_t id, unsigned states)
{
	unsigned slot = id & 0xff;

	if (slot == 0 || slot > MM_MAX_TASKS || mm_task_id(slot) != id)
		return 0;
	return states & (1u << mm_tasks[slot].state) ? slot : 0;
}
/* Start a program; returns 0 and the child's id, or -MNEME_E* with nothing left behind. */
int mm_task_spawn(const struct mm_spawn_req *req, uint64_t *id);
/*
 * MAP_CHILD: a fresh page filled with @fill at @va of the task in @slot
 * (inside a region the server made), with rights @prot.  0 or -MNEME_E*.
 */
int mm_task_map_new(unsigned slot, uint64_t va, unsigned prot, unsigned fill);
/* Destroy a running task (its EXIT arrives later through the core). */
int mm_task_kill(unsigned slot);
/* The core reported the task's death: reclaim everything, kill its children. */
void mm_task_exited(unsigned slot, int64_t status, uint64_t reason, uint64_t kind);
/* The share policy (vm_backend_may_share): parent and child. */
bool mm_task_may_share(uint64_t from_id, uint64_t to_id);

#endif
