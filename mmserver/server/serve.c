/*
 * The message loop of the memory server (see serve.h).  Each message is
 * decoded by the kind of badge it arrived with (task.h), which only the
 * server can mint, so a task cannot pass its requests off as faults or
 * exit notices.
 */
#include <mneme/error.h>
#include <mneme/fault.h>
#include <ulib/ulib.h>
#include "frame.h"
#include "serve.h"
#include "task.h"

struct mm_stats mm_stats;

static void set_reply(struct ulib_msg *out, int64_t status, uint64_t w0, uint64_t w1, uint64_t w2,
		      uint64_t w3)
{
	*out = (struct ulib_msg){ .info = mneme_msginfo((uint32_t)status, 0, 0),
				  .w = { w0, w1, w2, w3 } };
}

/* A handle that came with a message nobody uses: close it, or the server's table fills up. */
static void drop_handle(const struct ulib_msg *in)
{
	if (mneme_msginfo_flags(in->info) & MNEME_MSG_HANDLE)
		mneme_handle_close(mneme_msginfo_slot(in->info));
}

static const char *fault_name(uint64_t kind)
{
	static const char *const names[] = { "?", "page fault", "illegal instruction", "divide error",
					     "misaligned access", "breakpoint", "protection fault",
					     "exception" };
	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "exception";
}

/* A fault of one of our tasks: demand-zero pages are mapped, anything else kills. */
static void handle_fault(const struct ulib_msg *in, struct ulib_msg *out)
{
	unsigned slot = mm_task_lookup(MM_BADGE_ID(in->badge), 1u << MM_TASK_RUNNING);
	uint64_t addr = in->w[0], access = in->w[1], ip = in->w[2], kind = in->w[3];

	if (slot && kind == MNEME_FAULT_PAGE && !(access & MNEME_PROT_EXEC) &&
	    mm_task_demand_zero(slot, addr)) {
		uint64_t pa = frame_alloc(slot);
		if (pa) {
			*out = (struct ulib_msg){ .info = mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0),
						  .w = { pa, MNEME_PROT_READ | MNEME_PROT_WRITE, 12 } };
			mm_stats.faults_resolved++;
			return;
		}
	}
	printf("mmserver: killing %s (task %llu): %s at 0x%llx, ip 0x%llx, access %llu\n",
	       slot ? mm_tasks[slot].name : "?", (unsigned long long)MM_BADGE_ID(in->badge),
	       fault_name(kind), (unsigned long long)addr, (unsigned long long)ip,
	       (unsigned long long)access);
	mm_stats.tasks_killed++;
	*out = (struct ulib_msg){ .info = mneme_msginfo(MNEME_LABEL_KILL, 0, 0),
				  .w = { (uint64_t)-MNEME_EFAULT } };
}

static void handle_exit(const struct ulib_msg *in)
{
	unsigned slot = mm_task_lookup(MM_BADGE_ID(in->badge), 1u << MM_TASK_RUNNING);

	mm_stats.exits++;
	if (slot)
		mm_task_exited(slot, (int64_t)in->w[1], in->w[2], in->w[3]);
}

/* Decode a spawn request from the message and the server's IPC buffer. */
static int64_t spawn_decode(unsigned caller, const struct ulib_msg *in, struct mm_spawn_req *req,
			    char *prog, char *args)
{
	const uint64_t *x = mm_server.ipc->words;
	unsigned extra = mneme_msginfo_extra(in->info);

	memcpy(prog, in->w, 32);
	prog[32] = '\0';
	if (extra < MM_SPAWN_ARGS_WORD || x[0] >> 32)
		return -MNEME_EINVAL;
	unsigned alen = (extra - MM_SPAWN_ARGS_WORD) * 8;
	if (alen > MM_SPAWN_ARGS_MAX)
		alen = MM_SPAWN_ARGS_MAX;
	memcpy(args, &x[MM_SPAWN_ARGS_WORD], alen);
	args[alen] = '\0';
	*req = (struct mm_spawn_req){ .prog = prog, .args = args, .parent = caller,
				      .flags = (unsigned)x[0], .share_va = x[1],
				      .ktap_depth = mm_tasks[caller].ktap_depth };
	if (mneme_msginfo_flags(in->info) & MNEME_MSG_HANDLE)
		req->handle = mneme_msginfo_slot(in->info);
	return 0;
}

/* A spawn request; the handle that came with it is closed whatever happens. */
static int64_t request_spawn(unsigned caller, const struct ulib_msg *in, uint64_t *child)
{
	char prog[33], args[MM_SPAWN_ARGS_MAX + 1];
	struct mm_spawn_req req;
	int64_t st = spawn_decode(caller, in, &req, prog, args);

	if (!st)
		st = mm_task_spawn(&req, child);
	drop_handle(in);
	return st;
}

/* The child of @caller named by @id (running or exited), or 0. */
static unsigned child_of(unsigned caller, uint64_t id)
{
	unsigned s = mm_task_lookup(id, 1u << MM_TASK_RUNNING | 1u << MM_TASK_EXITED);

	return s && mm_tasks[s].parent == caller ? s : 0;
}

static int64_t request_map(unsigned caller, const struct ulib_msg *in)
{
	unsigned s = child_of(caller, in->w[0]);
	uint64_t va = in->w[1], pa;

	if (!s || mm_tasks[s].state != MM_TASK_RUNNING || !mm_tasks[s].foreign_pager)
		return -MNEME_EPERM;
	if (va % FRAME_SIZE || va < ULIB_NOWHERE_VA || va >= ULIB_NOWHERE_VA + ULIB_HEAP_SIZE ||
	    !in->w[2] || in->w[2] & ~(uint64_t)(MNEME_PROT_READ | MNEME_PROT_WRITE) || in->w[3] > 255)
		return -MNEME_EINVAL;
	int err = mm_task_map_new(s, va, (unsigned)in->w[2], &pa);
	if (!err)
		memset(frame_va(pa), (int)in->w[3], FRAME_SIZE);
	return err;
}

static void handle_request(const struct ulib_msg *in, struct ulib_msg *out)
{
	unsigned caller = mm_task_lookup(MM_BADGE_ID(in->badge), 1u << MM_TASK_RUNNING);
	unsigned s;
	uint64_t child = 0;

	mm_stats.requests++;
	if (!caller) {
		if (mneme_msginfo_label(in->info) == MM_REQ_SPAWN)
			drop_handle(in);
		set_reply(out, -MNEME_EPERM, 0, 0, 0, 0);
		return;
	}
	switch (mneme_msginfo_label(in->info)) {
	case MM_REQ_SPAWN: {
		int64_t st = request_spawn(caller, in, &child);
		set_reply(out, st, child, 0, 0, 0);
		break;
	}
	case MM_REQ_STATUS:
		if (!(s = child_of(caller, in->w[0])))
			set_reply(out, -MNEME_ENOENT, 0, 0, 0, 0);
		else if (mm_tasks[s].state == MM_TASK_RUNNING)
			set_reply(out, 0, MM_STATE_RUNNING, 0, 0, 0);
		else
			set_reply(out, 0, MM_STATE_EXITED, (uint64_t)mm_tasks[s].exit_status,
				  mm_tasks[s].exit_reason, mm_tasks[s].exit_kind);
		break;
	case MM_REQ_KILL:
		s = child_of(caller, in->w[0]);
		set_reply(out, s ? mm_task_kill(s) : -MNEME_ENOENT, 0, 0, 0, 0);
		break;
	case MM_REQ_MAP:
		set_reply(out, request_map(caller, in), 0, 0, 0, 0);
		break;
	case MM_REQ_PING:
		set_reply(out, 0, 0, 0, 0, 0);
		break;
	default:
		set_reply(out, -MNEME_ENOSYS, 0, 0, 0, 0);
		break;
	}
}

/* Decode one message; returns true if a reply is due (in *out). */
static bool dispatch(const struct ulib_msg *in, struct ulib_msg *out)
{
	uint32_t label = mneme_msginfo_label(in->info);

	if (label != MM_REQ_SPAWN || MM_BADGE_KIND(in->badge) != MM_BADGE_SERVICE)
		drop_handle(in);   /* only a spawn request takes a handle along */

	switch (MM_BADGE_KIND(in->badge)) {
	case MM_BADGE_FAULT:
		if (label != MNEME_LABEL_FAULT)
			break;
		handle_fault(in, out);
		return true;
	case MM_BADGE_EXIT:
		if (label == MNEME_LABEL_EXIT)
			handle_exit(in);
		return false;
	case MM_BADGE_SERVICE:
		handle_request(in, out);
		return true;
	}
	set_reply(out, -MNEME_EPERM, 0, 0, 0, 0);
	return true;
}

/*
 * A reply the core refused (reply_recv then receives nothing).  For a
 * MAP_RESUME that found the task's page-table pool empty, donate a frame
 * and answer again; otherwise a faulting thread would wait forever, so
 * its task is destroyed.
 */
static void reply_refused(const struct ulib_msg *in, const struct ulib_msg *out, int64_t err)
{
	unsigned slot = mm_task_lookup(MM_BADGE_ID(in->badge), 1u << MM_TASK_RUNNING);
	bool fault = MM_BADGE_KIND(in->badge) == MM_BADGE_FAULT;

	for (int tries = 0; slot && fault && err == -MNEME_ENOMEM && tries < 4; tries++) {
		uint64_t pt = frame_alloc(slot);
		if (!pt || mneme_pt_donate(mm_tasks[slot].handle, pt)) {
			if (pt)
				frame_free(pt);
			break;
		}
		mm_tasks[slot].nr_pt_frames++;
		err = ipc_reply(out);
		if (!err)
			return;
	}
	printf("mmserver: reply to task %llu refused (%lld)\n",
	       (unsigned long long)MM_BADGE_ID(in->badge), (long long)err);
	if (slot && fault)
		mm_task_kill(slot);
}

void mm_serve_until(bool (*done)(void *ctx), void *ctx)
{
	struct ulib_msg in = { 0 }, out, prev;
	bool reply = false;
	unsigned errors = 0;

	while (!done(ctx)) {
		prev = in;   /* the message being answered; the call overwrites @in */
		int64_t st = reply ? ipc_reply_recv(mm_server.ep, &out, &in)
				   : ipc_recv(mm_server.ep, &in);
		if (st && reply) {
			reply_refused(&prev, &out, st);
			reply = false;
			continue;
		}
		reply = false;
		if (st) {
			printf("mmserver: receive failed (%lld)\n", (long long)st);
			if (++errors > 100)
				mneme_shutdown(MNEME_SHUTDOWN_PANIC);
			continue;
		}
		errors = 0;
		reply = dispatch(&in, &out);
	}
	int64_t st;
	if (reply && (st = ipc_reply(&out)))
		reply_refused(&in, &out, st);
}
