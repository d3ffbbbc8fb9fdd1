/*
 * Building tasks: address space from an ELF image of the archive (mapped
 * from the page cache, so every task running a program shares its text),
 * or a copy-on-write clone of the parent's; the start block, handles, the
 * first thread.  Every frame given to a task (root, page tables, image,
 * stack, heap) belongs to its vm space (mmserver/vm), so its death
 * returns them all with one vm_space_destroy().
 */
#include <mneme/error.h>
#include <mneme/ipc.h>
#include <mneme/layout.h>
#include <ulib/ulib.h>
#include <mm/gfp.h>
#include <mm/page.h>
#include "vm_internal.h"
#include "loader.h"
#include "task.h"

struct mm_task mm_tasks[MM_MAX_TASKS + 1];
unsigned mm_tasks_running;
struct mm_server mm_server;


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

/*
 * A fixed anonymous region made by the server (image, stack, IPC buffer,
 * start block, heap).  The IPC buffer is locked: the core reads and
 * writes it in the task's name (messages' extra words) and cannot fault
 * it in, so reclaim must never take it.
 */
static int map_region(unsigned slot, uint64_t va, uint64_t len, unsigned prot, bool populate)
{
	struct vm_map_req r = { .addr = va, .len = len, .prot = prot, .fixed = true,
				.populate = populate, .copy = true, .zero = true, .kind = VM_ANON,
				.rflags = VM_R_SERVER | (va == MNEME_LAYOUT_TASK_IPC_BUFFER ? VM_R_LOCKED : 0) };
	uint64_t got;

	return vm_map(mm_tasks[slot].space, &r, &got, NULL);
}

/* A zeroed frame for a task page the server fills before vm_insert_frame(); NULL if none. */
static struct page *task_page(void)
{
	return alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_NOWARN, 0);
}

/* Put @p (filled) at @va of the task's region there; @p is freed on failure. */
static int insert_page(unsigned slot, uint64_t va, struct page *p)
{
	return vm_insert_frame(mm_tasks[slot].space, va, page_to_pfn(p));
}

/*
 * Checked first (no region, a page there already, rights beyond the
 * region's), then the page goes in with its new rights, then the region's
 * rights change to them; if that fails the page goes again, so a refused
 * request leaves the child as it was.
 */
int mm_task_map_new(unsigned slot, uint64_t va, unsigned prot, unsigned fill)
{
	struct vm_space *s = mm_tasks[slot].space;
	int err = vm_insert_check(s, va, prot);

	if (err)
		return err;
	struct page *p = task_page();
	if (!p)
		return -MNEME_ENOMEM;
	memset(page_address(p), (int)fill, MM_FRAME_SIZE);
	if ((err = vm_insert_frame_as(s, va, page_to_pfn(p), prot)))
		return err;                     /* the frame went with it */
	if ((err = vm_protect(s, va, MM_FRAME_SIZE, prot)))
		vm_drop_range(s, va, va + MM_FRAME_SIZE, true);
	return err;
}

/*
 * One ELF segment, from the page cache.  The pages that hold only the
 * file's bytes map the cached pages of the file (text and read-only data:
 * shared read-only; writable data: shared copy-on-write, so a task's
 * writes make private copies); a page holding both the last file bytes
 * and the start of the zeroed part (bss) gets a private frame filled here;
 * the rest of the bss is anonymous memory.  @eager: the task's faults do
 * not come to the server, so everything is backed now and writable data
 * copied at once.
 */
static int load_segment(unsigned slot, struct vm_object *file, const struct elf_segment *seg,
			bool eager)
{
	struct vm_space *s = mm_tasks[slot].space;
	uint64_t data_end = seg->file_skip + seg->filesz, got;
	/* Pages [0, shared) come from the file as they are. */
	uint64_t shared = seg->bss ? data_end & ~(MM_FRAME_SIZE - 1)
				   : (data_end + MM_FRAME_SIZE - 1) & ~(MM_FRAME_SIZE - 1);
	uint64_t rest = shared;
	int err = 0;

	if (!seg->filesz)
		shared = rest = 0;
	if (shared) {
		struct vm_map_req r = { .addr = seg->vaddr, .len = shared, .prot = seg->prot,
					.fixed = true, .populate = true, .copy = eager,
					.kind = VM_ANON, .rflags = VM_R_SERVER, .obj = file,
					.pgoff = (seg->file_off - seg->file_skip) / MM_FRAME_SIZE };
		err = vm_map(s, &r, &got, NULL);
	}
	if (!err && seg->filesz && rest < seg->memsz && (data_end & (MM_FRAME_SIZE - 1))) {
		/* The page where the file's bytes end and the zeroes begin. */
		struct page *p = task_page();
		err = p ? map_region(slot, seg->vaddr + rest, MM_FRAME_SIZE, seg->prot, false) : -MNEME_ENOMEM;
		if (err && p)
			__free_pages(p, 0);
		if (!err) {
			uint64_t lo = rest > seg->file_skip ? rest : seg->file_skip;
			memcpy((char *)page_address(p) + (lo - rest),
			       file->data + seg->file_off + (lo - seg->file_skip), data_end - lo);
			err = insert_page(slot, seg->vaddr + rest, p);
		}
		rest += MM_FRAME_SIZE;
	}
	if (!err && rest < seg->memsz)
		err = map_region(slot, seg->vaddr + rest, seg->memsz - rest, seg->prot, eager);
	/* The first pages of the bss: every program writes its globals at once. */
	for (uint64_t at = rest; !err && !eager && (seg->prot & MNEME_PROT_WRITE) && at < seg->memsz &&
	     at < rest + MM_PREFAULT_BSS * MM_FRAME_SIZE; at += MM_FRAME_SIZE)
		err = vm_prefault(s, seg->vaddr + at, seg->prot);
	return err;
}

static int load_image(unsigned slot, const char *prog, bool eager, uint64_t *entry)
{
	struct vm_object *file;
	struct elf_image img;
	int err = vm_file_get(prog, &file);

	if (err)
		return err;
	err = elf_check(file->data, vm_file_size(file), mm_server.elf_machine, MNEME_LAYOUT_IMAGE_BASE,
			ULIB_HEAP_BASE, &img);
	for (unsigned i = 0; !err && i < img.nr_segments; i++)
		err = load_segment(slot, file, &img.seg[i], eager);
	vm_object_put(file);                /* the image's regions hold their own references */
	if (!err)
		*entry = img.entry;
	return err;
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
	int err = map_region(slot, ULIB_START_VA, MM_FRAME_SIZE, MNEME_PROT_READ, false);
	struct page *p = err ? NULL : task_page();

	if (err || !p)
		return err ? err : -MNEME_ENOMEM;
	struct ulib_start_info *si = page_address(p);
	si->magic = ULIB_START_MAGIC;
	si->ktap_depth = req->ktap_depth;
	si->task_id = mm_task_id(slot);
	uint64_t svc = mint_server_handle(MM_BADGE_SERVICE | mm_task_id(slot));
	si->server_ep = give_handle(slot, svc);
	if (svc)
		mneme_handle_close(svc);
	si->handles[0] = pass_slot;
	start_args(si, req->prog, req->args);
	if (!si->server_ep) {
		__free_pages(p, 0);
		return -MNEME_ENOMEM;
	}
	return insert_page(slot, ULIB_START_VA, p);
}

/* The parent's page at share_va, shared into the child at ULIB_SHARED_VA (read-write). */
static int share_page(unsigned slot, const struct mm_spawn_req *req)
{
	if (req->parent == MM_SERVER_SLOT)
		return -MNEME_EPERM;
	return vm_share_at(mm_tasks[req->parent].space, req->share_va, MM_FRAME_SIZE,
			   mm_tasks[slot].space, MNEME_PROT_READ | MNEME_PROT_WRITE, ULIB_SHARED_VA);
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

/*
 * The quota pool a new task draws on: a root (spawned by the server) gets
 * one of its own, admitted by vm_quota_admit(); a child with a quota of
 * its own gets a pool carved out of its parent's (-MNEME_EQUOTA if the
 * parent's cannot spare it); a child without one draws on its parent's.
 * The caller holds a reference on success.
 */
static int spawn_quota(const struct mm_spawn_req *req, struct vm_quota **q)
{
	if (req->parent == MM_SERVER_SLOT) {
		*q = vm_quota_root(req->quota ? req->quota : MNEME_MM_QUOTA_DEFAULT);
		return *q ? 0 : -MNEME_ENOMEM;
	}
	struct vm_quota *parent = mm_tasks[req->parent].space->quota;
	if (req->quota)
		return vm_quota_carve(parent, req->quota, q);
	vm_quota_get(parent);
	*q = parent;
	return 0;
}

/*
 * Create the task object: its space (drawing on the pool spawn_quota()
 * gives), root frame (recorded as a donated page-table frame, freed with
 * the space) and pager.
 */
static int create_task(unsigned slot, const struct mm_spawn_req *req)
{
	struct mneme_sysret r;
	struct vm_quota *quota;
	struct page *root;
	uint64_t pager = 0, minted = 0;
	int err = spawn_quota(req, &quota);

	if (err)
		return err;
	struct vm_space *space = vm_space_create_in(mm_task_id(slot), NULL, quota);
	vm_quota_put(quota);                    /* the space holds its own reference */
	if (!space)
		return -MNEME_ENOMEM;
	space->oom_score_adj = req->oom_score_adj;
	mm_tasks[slot].space = space;
	root = alloc_pages(VM_GFP_META | __GFP_ZERO, 0);
	if (!root)
		return -MNEME_ENOMEM;
	vm_space_pt_donated(space, page_to_pfn(root));
	if (req->flags & MNEME_MM_SPAWN_PAGER)
		pager = req->handle;
	else if (!(req->flags & MNEME_MM_SPAWN_NOPAGER))
		pager = minted = mint_server_handle(MM_BADGE_FAULT | mm_task_id(slot));
	if (!(req->flags & MNEME_MM_SPAWN_NOPAGER) && !pager)
		return -MNEME_ENOMEM;
	int64_t st;
	/* -MNEME_ENOMEM: no task slot, or the core needs the server's pool to make the root read-only */
	for (int tries = 0;; tries++) {
		st = mneme_task_create_r(&r, page_to_phys(root), pager, MM_BADGE_EXIT | mm_task_id(slot));
		if (st != -MNEME_ENOMEM || tries == 4 || vm_backend_server_pool_stock())
			break;
	}
	if (minted)
		mneme_handle_close(minted);
	if (st)
		return (int)st;
	mm_tasks[slot].handle = r.r[1];
	space->cookie = (void *)(uintptr_t)r.r[1];
	/* The page tables every task needs (image, stack and IPC buffer spans), given up front. */
	for (unsigned i = 0; i < MM_PT_PREDONATE; i++)
		if (vm_backend_fault_donate(space))
			return -MNEME_ENOMEM;
	mm_tasks[slot].foreign_pager = (req->flags & MNEME_MM_SPAWN_PAGER) != 0;
	return 0;
}

/*
 * The fixed regions besides the image: IPC buffer (populated), stack
 * (lazy; populated for a task whose faults do not come to the server), and
 * for a task with a foreign pager the range that pager serves (MAP_CHILD
 * fills it page by page).  Everything else a task maps itself (libmm).
 */
static int map_fixed(unsigned slot, const struct mm_spawn_req *req)
{
	unsigned rw = MNEME_PROT_READ | MNEME_PROT_WRITE;
	bool eager = req->flags & (MNEME_MM_SPAWN_PAGER | MNEME_MM_SPAWN_NOPAGER);
	uint64_t top = MNEME_LAYOUT_TASK_STACK_TOP, size = MNEME_LAYOUT_TASK_STACK_SIZE;
	int err = map_region(slot, MNEME_LAYOUT_TASK_IPC_BUFFER, MM_FRAME_SIZE, rw, true);

	if (!err)
		err = map_region(slot, top - size, size, rw, eager);
	if (!err && !eager)   /* its top page: the first thing the program touches */
		err = vm_prefault(mm_tasks[slot].space, top - MM_FRAME_SIZE, rw);
	if (!err && (req->flags & MNEME_MM_SPAWN_PAGER))
		err = map_region(slot, ULIB_NOWHERE_VA, ULIB_HEAP_SIZE, rw, false);
	return err;
}

/*
 * A whole-space clone: everything of the parent but its start block, IPC
 * buffer and foreign-pager range (the child gets its own, or none).
 */
static int clone_all(unsigned slot, unsigned parent)
{
	static const uint64_t cut[][2] = {
		{ 0, ULIB_NOWHERE_VA },
		{ ULIB_NOWHERE_VA + ULIB_HEAP_SIZE, ULIB_START_VA },
		{ ULIB_START_VA + MM_FRAME_SIZE, MNEME_LAYOUT_TASK_IPC_BUFFER },
		{ MNEME_LAYOUT_TASK_IPC_BUFFER + MM_FRAME_SIZE, 1ULL << 39 },
	};
	int err = 0;

	for (unsigned i = 0; !err && i < sizeof(cut) / sizeof(cut[0]); i++)
		err = vm_clone(mm_tasks[parent].space, mm_tasks[slot].space, cut[i][0], cut[i][1]);
	return err;
}

/* The image, stack and the rest of a child built as a clone of its parent. */
static int build_clone(unsigned slot, const struct mm_spawn_req *req, uint64_t *entry)
{
	unsigned rw = MNEME_PROT_READ | MNEME_PROT_WRITE;
	int err;

	if (!req->clone_len) {
		*entry = mm_tasks[req->parent].entry;
		err = clone_all(slot, req->parent);
		return err ? err : map_region(slot, MNEME_LAYOUT_TASK_IPC_BUFFER, MM_FRAME_SIZE, rw, true);
	}
	err = load_image(slot, req->prog, false, entry);
	if (!err)
		err = map_fixed(slot, req);
	if (!err)
		err = vm_clone(mm_tasks[req->parent].space, mm_tasks[slot].space, req->clone_start,
			       req->clone_start + req->clone_len);
	return err;
}

static int build_task(unsigned slot, const struct mm_spawn_req *req)
{
	uint64_t entry = 0, pass = 0;
	bool eager = req->flags & (MNEME_MM_SPAWN_PAGER | MNEME_MM_SPAWN_NOPAGER);
	int err = create_task(slot, req);

	if (!err && (req->flags & MNEME_MM_SPAWN_CLONE))
		err = build_clone(slot, req, &entry);
	else if (!err && !(err = load_image(slot, req->prog, eager, &entry)))
		err = map_fixed(slot, req);
	mm_tasks[slot].entry = entry;
	if (!err && (req->flags & MNEME_MM_SPAWN_SHARE))
		err = share_page(slot, req);
	if (!err && req->handle && !(req->flags & MNEME_MM_SPAWN_PAGER) && !(pass = give_handle(slot, req->handle)))
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
	if (req->flags & ~(unsigned)MNEME_MM_SPAWN_FLAGS ||
	    (req->flags & MNEME_MM_SPAWN_PAGER && !req->handle) ||
	    (req->flags & MNEME_MM_SPAWN_PAGER && req->flags & MNEME_MM_SPAWN_NOPAGER) ||
	    (req->flags & MNEME_MM_SPAWN_CLONE &&
	     (req->flags != MNEME_MM_SPAWN_CLONE || req->parent == MM_SERVER_SLOT)))
		return -MNEME_EINVAL;
	struct mm_task *t = &mm_tasks[slot];
	uint32_t gen = t->generation + 1;
	mm_tasks_running++;
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
		if (t->space)
			vm_space_destroy(t->space);
		t->space = NULL;
		t->state = MM_TASK_FREE;
		mm_tasks_running--;
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
	mm_tasks_running--;
	t->exit_status = status;
	t->exit_reason = t->oom_victim ? MNEME_EXIT_OOM : reason;
	t->exit_kind = kind;
	mneme_handle_close(t->handle);
	t->handle = 0;
	if (t->space)
		vm_space_destroy(t->space);   /* the core no longer uses its page tables */
	t->space = NULL;
}

/* The share policy of the vm backend: a task with its parent (either direction). */
bool mm_task_may_share(uint64_t from_id, uint64_t to_id)
{
	unsigned f = mm_task_lookup(from_id, 1u << MM_TASK_RUNNING);
	unsigned t = mm_task_lookup(to_id, 1u << MM_TASK_RUNNING);

	return f && t && (mm_tasks[f].parent == t || mm_tasks[t].parent == f);
}
