/*
 * Building tasks: address space from an ELF image of the archive, the
 * start block, handles, the first thread.  Every frame given to a task
 * (root, page tables, image, stack, heap) is charged to its slot, so its
 * death returns them all with one frame_reclaim().
 */
#include <mneme/error.h>
#include <mneme/ipc.h>
#include <mneme/layout.h>
#include <ulib/ulib.h>
#include "frame.h"
#include "loader.h"
#include "task.h"

struct mm_task mm_tasks[MM_MAX_TASKS + 1];
struct mm_server mm_server;

uint64_t mm_task_id(unsigned slot)
{
	return (uint64_t)mm_tasks[slot].generation << 8 | slot;
}

unsigned mm_task_lookup(uint64_t id, unsigned states)
{
	unsigned slot = id & 0xff;

	if (slot == 0 || slot > MM_MAX_TASKS || mm_task_id(slot) != id)
		return 0;
	return states & (1u << mm_tasks[slot].state) ? slot : 0;
}

static unsigned slot_alloc(void)
{
	unsigned reuse = 0;

	for (unsigned s = 1; s <= MM_MAX_TASKS; s++) {
		if (mm_tasks[s].state == MM_TASK_FREE)
			return s;
		if (mm_tasks[s].state == MM_TASK_EXITED && !reuse)
			reuse = s;
	}
	return reuse;   /* 0 if every slot runs */
}

/* Map @pa into the task in @slot, donating page-table frames while the core asks for them. */
static int map_frame(unsigned slot, uint64_t va, uint64_t pa, unsigned prot)
{
	for (int tries = 0; tries < 8; tries++) {
		int64_t st = mneme_map(mm_tasks[slot].handle, va, pa, 12, prot);
		if (st != -MNEME_ENOMEM)
			return (int)st;
		uint64_t pt = frame_alloc(slot);
		if (!pt)
			return -MNEME_ENOMEM;
		st = mneme_pt_donate(mm_tasks[slot].handle, pt);
		if (st) {
			frame_free(pt);
			return (int)st;
		}
		mm_tasks[slot].nr_pt_frames++;
	}
	return -MNEME_ENOMEM;
}

int mm_task_map_new(unsigned slot, uint64_t va, unsigned prot, uint64_t *pa_out)
{
	uint64_t pa = frame_alloc(slot);

	if (!pa)
		return -MNEME_ENOMEM;
	int err = map_frame(slot, va, pa, prot);
	if (err) {
		frame_free(pa);
		return err;
	}
	if (pa_out)
		*pa_out = pa;
	return 0;
}

static int load_segment(unsigned slot, const char *file, const struct elf_segment *s)
{
	for (uint64_t off = 0; off < s->memsz; off += FRAME_SIZE) {
		uint64_t pa = frame_alloc(slot);
		if (!pa)
			return -MNEME_ENOMEM;
		char *dst = frame_va(pa);
		/* File bytes [file_off, file_off + filesz) land at mapping offset file_skip. */
		uint64_t lo = off > s->file_skip ? off : s->file_skip;
		uint64_t hi = off + FRAME_SIZE;
		if (hi > s->file_skip + s->filesz)
			hi = s->file_skip + s->filesz;
		if (lo < hi)
			memcpy(dst + (lo - off), file + s->file_off + (lo - s->file_skip), hi - lo);
		int err = map_frame(slot, s->vaddr + off, pa, s->prot);
		if (err)
			return err;
	}
	return 0;
}

static int load_image(unsigned slot, const char *prog, uint64_t *entry)
{
	const void *file;
	uint64_t size;
	struct elf_image img;
	int err = archive_find(mm_server.archive, prog, &file, &size);

	if (err)
		return err;
	err = elf_check(file, size, mm_server.elf_machine, MNEME_LAYOUT_IMAGE_BASE,
			ULIB_HEAP_BASE, &img);
	if (err)
		return err;
	for (unsigned i = 0; i < img.nr_segments; i++) {
		err = load_segment(slot, file, &img.seg[i]);
		if (err)
			return err;
	}
	*entry = img.entry;
	return 0;
}

/* Copy a handle of the server into the task: its slot there, or 0. */
static uint64_t give_handle(unsigned slot, uint64_t handle)
{
	struct mneme_sysret r;

	if (!handle || mneme_handle_grant_r(&r, mm_tasks[slot].handle, handle))
		return 0;
	return r.r[1];
}

/* Mint a badged send handle to the server's endpoint (0 on failure). */
static uint64_t mint_server_handle(uint64_t badge)
{
	struct mneme_sysret r;

	if (mneme_handle_mint_r(&r, mm_server.ep, badge, MNEME_RIGHT_SEND))
		return 0;
	return r.r[1];
}

/* Append one word of @n bytes to argv[] (dropped if the block is full). */
static void add_word(struct ulib_start_info *si, size_t *used, const char *w, size_t n)
{
	if (si->argc + 1 >= ULIB_START_ARGS || n + 1 > sizeof(si->strings) - *used)
		return;
	si->argv[si->argc++] = ULIB_START_VA + __builtin_offsetof(struct ulib_start_info, strings) + *used;
	memcpy(si->strings + *used, w, n);
	si->strings[*used + n] = '\0';
	*used += n + 1;
}

/* argv[0] = the program's name, then the space-separated words of @args. */
static void start_args(struct ulib_start_info *si, const char *prog, const char *args)
{
	size_t used = 0;

	add_word(si, &used, prog, strlen(prog));
	while (args && *args) {
		while (*args == ' ')
			args++;
		size_t n = 0;
		while (args[n] && args[n] != ' ')
			n++;
		if (n)
			add_word(si, &used, args, n);
		args += n;
	}
}

static int write_start_block(unsigned slot, const struct mm_spawn_req *req, uint64_t pass_slot)
{
	uint64_t pa;
	int err = mm_task_map_new(slot, ULIB_START_VA, MNEME_PROT_READ, &pa);

	if (err)
		return err;
	struct ulib_start_info *si = frame_va(pa);
	si->magic = ULIB_START_MAGIC;
	si->ktap_depth = req->ktap_depth;
	si->task_id = mm_task_id(slot);
	uint64_t svc = mint_server_handle(MM_BADGE_SERVICE | mm_task_id(slot));
	si->server_ep = give_handle(slot, svc);
	if (svc)
		mneme_handle_close(svc);
	si->handles[0] = pass_slot;
	start_args(si, req->prog, req->args);
	return si->server_ep ? 0 : -MNEME_ENOMEM;
}

static int share_page(unsigned slot, const struct mm_spawn_req *req)
{
	struct mneme_sysret r;
	uint64_t parent_task = req->parent == MM_SERVER_SLOT ? mm_server.self
							     : mm_tasks[req->parent].handle;

	if (req->share_va % FRAME_SIZE)
		return -MNEME_EINVAL;
	int64_t st = mneme_query_r(&r, parent_task, req->share_va);
	if (st)
		return (int)st;
	if (r.r[3] != 12 || frame_owner(r.r[1]) != (int)req->parent)
		return -MNEME_EPERM;
	return map_frame(slot, ULIB_SHARED_VA, r.r[1], MNEME_PROT_READ | MNEME_PROT_WRITE);
}

static int start_thread(unsigned slot, uint64_t entry)
{
	struct mneme_sysret r;
	int64_t st = mneme_thread_create_r(&r, mm_tasks[slot].handle, entry,
					   MNEME_LAYOUT_TASK_STACK_TOP, ULIB_START_VA,
					   MNEME_LAYOUT_TASK_IPC_BUFFER, MNEME_PRIO_DEFAULT);
	if (st)
		return (int)st;
	uint64_t thread = r.r[1];
	st = mneme_thread_resume(thread);
	mneme_handle_close(thread);
	return (int)st;
}

/* Create the task object: root frame and pager. */
static int create_task(unsigned slot, const struct mm_spawn_req *req)
{
	struct mneme_sysret r;
	uint64_t root = frame_alloc(slot), pager = 0, minted = 0;

	if (!root)
		return -MNEME_ENOMEM;
	if (req->flags & MM_SPAWN_PAGER)
		pager = req->handle;
	else if (!(req->flags & MM_SPAWN_NOPAGER))
		pager = minted = mint_server_handle(MM_BADGE_FAULT | mm_task_id(slot));
	if (!(req->flags & MM_SPAWN_NOPAGER) && !pager)
		return -MNEME_ENOMEM;
	int64_t st = mneme_task_create_r(&r, root, pager, MM_BADGE_EXIT | mm_task_id(slot));
	if (minted)
		mneme_handle_close(minted);
	if (st)
		return (int)st;
	mm_tasks[slot].handle = r.r[1];
	mm_tasks[slot].foreign_pager = (req->flags & MM_SPAWN_PAGER) != 0;
	return 0;
}

/*
 * A task whose pager is another task, or that has no pager at all, gets its
 * whole stack up front: only the pages it means to fault on fault.
 */
static int map_stack(unsigned slot)
{
	uint64_t top = MNEME_LAYOUT_TASK_STACK_TOP;

	for (uint64_t va = top - MNEME_LAYOUT_TASK_STACK_SIZE; va < top; va += FRAME_SIZE) {
		int err = mm_task_map_new(slot, va, MNEME_PROT_READ | MNEME_PROT_WRITE, NULL);
		if (err)
			return err;
	}
	return 0;
}

static int build_task(unsigned slot, const struct mm_spawn_req *req)
{
	uint64_t entry, pass = 0;
	int err = create_task(slot, req);

	if (!err)
		err = load_image(slot, req->prog, &entry);
	if (!err)
		err = mm_task_map_new(slot, MNEME_LAYOUT_TASK_IPC_BUFFER,
				      MNEME_PROT_READ | MNEME_PROT_WRITE, NULL);
	if (!err && (req->flags & (MM_SPAWN_PAGER | MM_SPAWN_NOPAGER)))
		err = map_stack(slot);
	if (!err && (req->flags & MM_SPAWN_SHARE))
		err = share_page(slot, req);
	if (!err && req->handle && !(req->flags & MM_SPAWN_PAGER) && !(pass = give_handle(slot, req->handle)))
		err = -MNEME_ENOMEM;
	if (!err)
		err = write_start_block(slot, req, pass);
	if (!err)
		err = start_thread(slot, entry);
	return err;
}

int mm_task_spawn(const struct mm_spawn_req *req, uint64_t *id)
{
	const void *file;
	uint64_t size;
	unsigned slot = slot_alloc();

	if (!slot)
		return -MNEME_ENOMEM;
	if (archive_find(mm_server.archive, req->prog, &file, &size))
		return -MNEME_ENOENT;
	if (req->flags & ~(unsigned)(MM_SPAWN_PAGER | MM_SPAWN_NOPAGER | MM_SPAWN_SHARE) ||
	    (req->flags & MM_SPAWN_PAGER && !req->handle) ||
	    (req->flags & MM_SPAWN_PAGER && req->flags & MM_SPAWN_NOPAGER))
		return -MNEME_EINVAL;
	struct mm_task *t = &mm_tasks[slot];
	frame_reclaim(slot);   /* nothing, unless a previous life leaked */
	uint32_t gen = t->generation + 1;
	*t = (struct mm_task){ .state = MM_TASK_RUNNING, .generation = gen, .parent = req->parent,
			       .ktap_depth = req->ktap_depth + 1 };
	for (unsigned i = 0; i < sizeof(t->name) - 1 && req->prog[i]; i++)
		t->name[i] = req->prog[i];
	int err = build_task(slot, req);
	if (err && t->handle) {
		/* The core may use the task's frames until its EXIT arrives: reclaim then. */
		t->parent = MM_SERVER_SLOT;
		mm_task_kill(slot);
		return err;
	}
	if (err) {
		frame_reclaim(slot);
		t->state = MM_TASK_FREE;
		return err;
	}
	*id = mm_task_id(slot);
	return 0;
}

int mm_task_kill(unsigned slot)
{
	if (mm_tasks[slot].state != MM_TASK_RUNNING)
		return -MNEME_ENOENT;
	return (int)mneme_task_destroy(mm_tasks[slot].handle);
}

void mm_task_exited(unsigned slot, int64_t status, uint64_t reason, uint64_t kind)
{
	struct mm_task *t = &mm_tasks[slot];

	if (t->state != MM_TASK_RUNNING)
		return;
	for (unsigned s = 1; s <= MM_MAX_TASKS; s++)
		if (mm_tasks[s].state == MM_TASK_RUNNING && mm_tasks[s].parent == slot)
			mm_task_kill(s);
	t->state = MM_TASK_EXITED;
	t->exit_status = status;
	t->exit_reason = reason;
	t->exit_kind = kind;
	mneme_handle_close(t->handle);
	t->handle = 0;
	frame_reclaim(slot);
}

bool mm_task_demand_zero(unsigned slot, uint64_t va)
{
	(void)slot;
	return (va >= MNEME_LAYOUT_TASK_STACK_TOP - MNEME_LAYOUT_TASK_STACK_SIZE &&
		va < MNEME_LAYOUT_TASK_STACK_TOP) ||
	       (va >= ULIB_HEAP_BASE && va < ULIB_HEAP_BASE + ULIB_HEAP_SIZE);
}
