/*
 * The message loop of the memory server (see serve.h).  Each message is
 * decoded by the kind of badge it arrived with (task.h), which only the
 * server can mint, so a task cannot pass its requests off as faults or
 * exit notices.
 */
#include <mneme/error.h>
#include <mneme/fault.h>
#include <ulib/thread.h>
#include <ulib/ulib.h>
#include "vm.h"
#include "vm_backend.h"
#include "report.h"
#include <mm/page_alloc.h>
#include "serve.h"
#include "kswapd.h"
#include "oom.h"
#include "vm_internal.h"
#include "task.h"

struct mm_server_stats mm_server_stats;

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

/*
 * A fault of one of our tasks: the vm module resolves it (demand-zero,
 * zero-page, file, object and copy-on-write pages) into a MAP_RESUME, or
 * a RESUME when it made the page writable in place; an access outside
 * any region or against its rights kills the task (only it).
 */
static void handle_fault(const struct ulib_msg *in, struct ulib_msg *out)
{
	unsigned slot = mm_task_lookup(MM_BADGE_ID(in->badge), 1u << MM_TASK_RUNNING);
	uint64_t addr = in->w[0], access = in->w[1], ip = in->w[2], kind = in->w[3];
	struct vm_fault_result res;
	int err = -MNEME_EFAULT;

	mm_server_stats.page_faults += kind == MNEME_FAULT_PAGE;
	if (slot && kind == MNEME_FAULT_PAGE &&
	    !(err = vm_fault(mm_tasks[slot].space, addr, (unsigned)access, &res))) {
		if (res.resume)
			*out = (struct ulib_msg){ .info = mneme_msginfo(MNEME_LABEL_RESUME, 0, 0) };
		else
			*out = (struct ulib_msg){ .info = mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0),
						  .w = { res.pa, res.prot, res.shift } };
		mm_server_stats.faults_resolved++;
		return;
	}
	/* Out of memory: the OOM killer frees some; this task waits (retries) unless it is the victim. */
	if (slot && err == -MNEME_ENOMEM && mm_oom_kill(slot, addr, access)) {
		*out = (struct ulib_msg){ .info = mneme_msginfo(MNEME_LABEL_RESUME, 0, 0) };
		return;
	}
	report_kill(slot ? mm_tasks[slot].name : "?", MM_BADGE_ID(in->badge), kind, addr, access, ip,
		    err);
	mm_server_stats.tasks_killed++;
	*out = (struct ulib_msg){ .info = mneme_msginfo(MNEME_LABEL_KILL, 0, 0),
				  .w = { (uint64_t)(int64_t)err } };
}

static void handle_exit(const struct ulib_msg *in)
{
	unsigned slot = mm_task_lookup(MM_BADGE_ID(in->badge), 1u << MM_TASK_RUNNING);

	mm_server_stats.exits++;
	if (slot) {
		bool oom = mm_tasks[slot].oom_victim;
		mm_task_exited(slot, (int64_t)in->w[1], in->w[2], in->w[3]);
		if (oom)
			mm_oom_reaped(slot);
	}
}

/* The message as the vm module's decoders see it (extra words in the server's IPC buffer). */
static struct vm_msg vm_msg_of(const struct ulib_msg *in)
{
	struct vm_msg m = { .label = mneme_msginfo_label(in->info),
			    .extra = mneme_msginfo_extra(in->info),
			    .handle = (mneme_msginfo_flags(in->info) & MNEME_MSG_HANDLE) != 0,
			    .x = mm_server.ipc->words };

	memcpy(m.w, in->w, sizeof(m.w));
	return m;
}

/* A spawn request (decoded by vm_spawn_decode); the handle that came with it is closed whatever happens. */
static int64_t request_spawn(unsigned caller, const struct ulib_msg *in, uint64_t *child)
{
	struct vm_msg m = vm_msg_of(in);
	struct vm_spawn_req sr;
	int64_t st = vm_spawn_decode(&m, &sr);

	if (!st) {
		struct mm_spawn_req req = { .prog = sr.prog, .args = sr.args, .parent = caller,
					    .flags = sr.flags, .share_va = sr.share_va,
					    .clone_start = sr.clone_start, .clone_len = sr.clone_len,
					    .quota = sr.quota, .oom_score_adj = sr.oom_score_adj,
					    .ktap_depth = mm_tasks[caller].ktap_depth };
		if (sr.flags & MNEME_MM_SPAWN_CLONE)
			req.prog = mm_tasks[caller].name;   /* a clone runs its parent's program */
		if (sr.handle)
			req.handle = mneme_msginfo_slot(in->info);
		st = mm_task_spawn(&req, child);
	}
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
	uint64_t va = in->w[1];

	if (!s || mm_tasks[s].state != MM_TASK_RUNNING || !mm_tasks[s].foreign_pager)
		return -MNEME_EPERM;
	if (va < ULIB_NOWHERE_VA || va >= ULIB_NOWHERE_VA + ULIB_HEAP_SIZE)
		return -MNEME_EINVAL;
	return mm_task_map_new(s, va, (unsigned)in->w[2], (unsigned)in->w[3]);
}

/*
 * A pager's new rights for a page of its child (0: the page is unmapped
 * and its frame freed); the core's shootdown has run when this returns.
 */
static int64_t request_protect_child(unsigned caller, const struct ulib_msg *in)
{
	unsigned s = child_of(caller, in->w[0]);
	uint64_t va = in->w[1];
	unsigned prot = (unsigned)in->w[2];

	if (!s || mm_tasks[s].state != MM_TASK_RUNNING || !mm_tasks[s].foreign_pager)
		return -MNEME_EPERM;
	if (va < ULIB_NOWHERE_VA || va >= ULIB_NOWHERE_VA + ULIB_HEAP_SIZE)
		return -MNEME_EINVAL;
	/* The rights first: if they cannot change, the page stays. */
	int err = vm_protect(mm_tasks[s].space, va, MM_FRAME_SIZE, prot);
	if (!err && !prot)
		vm_drop_range(mm_tasks[s].space, va, va + MM_FRAME_SIZE, true);
	return err;
}

/* A memory request: the vm module decodes and performs it for the caller's space. */
static void request_memory(unsigned caller, const struct ulib_msg *in, struct ulib_msg *out)
{
	struct vm_msg m = vm_msg_of(in);
	struct vm_reply r = { .x = mm_server.ipc->words };

	vm_request(mm_tasks[caller].space, &m, &r);
	*out = (struct ulib_msg){ .info = mneme_msginfo((uint32_t)r.status, r.extra, 0) };
	memcpy(out->w, r.w, sizeof(out->w));
}

/* A lifecycle request other than SPAWN, decoded by vm_lifecycle_decode(). */
static void request_lifecycle(unsigned caller, const struct ulib_msg *in, struct ulib_msg *out)
{
	struct vm_msg m = vm_msg_of(in);
	uint64_t id;
	unsigned s;
	int64_t st = vm_lifecycle_decode(&m, &id);

	if (st) {
		set_reply(out, st, 0, 0, 0, 0);
		return;
	}
	switch (m.label) {
	case MNEME_MM_STATUS:
		if (!(s = child_of(caller, id)))
			set_reply(out, -MNEME_ENOENT, 0, 0, 0, 0);
		else if (mm_tasks[s].state == MM_TASK_RUNNING)
			set_reply(out, 0, MNEME_MM_STATE_RUNNING, 0, 0, 0);
		else
			set_reply(out, 0, MNEME_MM_STATE_EXITED, (uint64_t)mm_tasks[s].exit_status,
				  mm_tasks[s].exit_reason, mm_tasks[s].exit_kind);
		break;
	case MNEME_MM_KILL:
		s = child_of(caller, id);
		set_reply(out, s ? mm_task_kill(s) : -MNEME_ENOENT, 0, 0, 0, 0);
		break;
	case MNEME_MM_MAP_CHILD:
		set_reply(out, request_map(caller, in), 0, 0, 0, 0);
		break;
	case MNEME_MM_PROTECT_CHILD:
		set_reply(out, request_protect_child(caller, in), 0, 0, 0, 0);
		break;
	default:   /* PING */
		set_reply(out, 0, 0, 0, 0, 0);
		break;
	}
}

static void handle_request(const struct ulib_msg *in, struct ulib_msg *out)
{
	unsigned caller = mm_task_lookup(MM_BADGE_ID(in->badge), 1u << MM_TASK_RUNNING);
	uint32_t label = mneme_msginfo_label(in->info);
	uint64_t child = 0;

	mm_server_stats.requests++;
	if (!caller) {
		if (label == MNEME_MM_SPAWN)
			drop_handle(in);
		set_reply(out, -MNEME_EPERM, 0, 0, 0, 0);
	} else if (label == MNEME_MM_SPAWN) {
		int64_t st = request_spawn(caller, in, &child);
		set_reply(out, st, child, 0, 0, 0);
	} else if (vm_lifecycle_label(label)) {
		request_lifecycle(caller, in, out);
	} else if (vm_request_label(label)) {
		request_memory(caller, in, out);
	} else {
		set_reply(out, -MNEME_ENOSYS, 0, 0, 0, 0);
	}
}

/*
 * Decode one message; returns true if a reply is due (in *out).  The
 * server thread runs on CPU @here; allocations for the message come from
 * the node of the CPU its sender ran on (a fault: the CPU it faulted on).
 */
static bool dispatch(const struct ulib_msg *in, struct ulib_msg *out, unsigned here)
{
	uint32_t label = mneme_msginfo_label(in->info);

	numa_set_request_cpu(mneme_msginfo_cpu(in->info, here));

	if (label != MNEME_MM_SPAWN || MM_BADGE_KIND(in->badge) != MM_BADGE_SERVICE)
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
	case MM_BADGE_KSWAPD:
		if (label != MM_LABEL_KSWAPD)
			break;
		mm_kswapd_handle(in, out);
		return true;
	}
	set_reply(out, -MNEME_EPERM, 0, 0, 0, 0);
	return true;
}

/*
 * A reply the core refused (reply_recv then receives nothing).  For a
 * MAP_RESUME that found the task's page-table pool empty, donate a frame
 * and answer again; one that found the page mapped already (another
 * thread's fault) becomes a plain RESUME; otherwise a faulting thread would wait forever, so
 * its task is destroyed.
 */
static void reply_refused(const struct ulib_msg *in, const struct ulib_msg *out, int64_t err)
{
	unsigned slot = mm_task_lookup(MM_BADGE_ID(in->badge), 1u << MM_TASK_RUNNING);
	bool fault = MM_BADGE_KIND(in->badge) == MM_BADGE_FAULT;

	for (int tries = 0; slot && fault && tries < 4; tries++) {
		if (err == -MNEME_EBUSY) {   /* another thread's fault mapped it: just resume */
			struct ulib_msg resume = { .info = mneme_msginfo(MNEME_LABEL_RESUME, 0, 0) };
			err = ipc_reply(&resume);
		} else if (err == -MNEME_ENOMEM && !vm_backend_fault_donate(mm_tasks[slot].space)) {
			err = ipc_reply(out);
		} else {
			break;
		}
		if (!err)
			return;
	}
	printf("mmserver: reply to task %llu refused (%lld; label %#x, reply %#llx)\n",
	       (unsigned long long)MM_BADGE_ID(in->badge), (long long)err,
	       mneme_msginfo_label(in->info), (unsigned long long)out->info);
	if (slot && fault) {
		mm_task_kill(slot);
	} else if (!fault && err != -MNEME_EDEAD) {
		/* a request: never leave the caller waiting; answer with the error alone */
		struct ulib_msg e = { .info = mneme_msginfo((uint32_t)-MNEME_EINVAL, 0, 0) };
		ipc_reply(&e);
	}
}

void mm_serve_until(bool (*done)(void *ctx), void *ctx)
{
	/* Two message buffers, swapped: the one being answered stays intact (no copies). */
	struct ulib_msg buf[2] = { { 0 } }, out;
	struct ulib_msg *in = &buf[0], *prev = &buf[1];
	bool reply = false;
	unsigned errors = 0, here = ulib_cpu();   /* the server's thread is pinned to its CPU */

	while (!done(ctx)) {
		struct ulib_msg *t = prev;
		prev = in;   /* the message being answered; the call fills the other buffer */
		in = t;
		int64_t st = reply ? ipc_reply_recv(mm_server.ep, &out, in)
				   : ipc_recv(mm_server.ep, in);
		if (__builtin_expect(st != 0, 0)) {
			if (reply) {
				reply_refused(prev, &out, st);
				reply = false;
				continue;
			}
			printf("mmserver: receive failed (%lld)\n", (long long)st);
			if (++errors > 100)
				mneme_shutdown(MNEME_SHUTDOWN_PANIC);
			continue;
		}
		errors = 0;
		reply = dispatch(in, &out, here);
		if (__builtin_expect(vm_kswapd_kick != 0, 0)) {
			/* A node went low: answer first (a kswapd may be the caller), then wake. */
			int64_t rst;
			if (reply && (rst = ipc_reply(&out)))
				reply_refused(in, &out, rst);
			reply = false;
			mm_kswapd_wake();
		}
		if (__builtin_expect(mm_deferred_init_pending(), 0))
			mm_deferred_init_step();   /* 128 MiB more memmap between two requests */
	}
	int64_t st;
	if (reply && (st = ipc_reply(&out)))
		reply_refused(in, &out, st);
}
