/*
 * The vm module's backend inside the memory server on mneme: the core's
 * map / unmap / protect calls on the task handle kept in the space's
 * cookie, donating page-table frames (charged to the task, never from
 * the allocator's reserve) while the core's per-task pool runs dry and
 * taking back the tables unmaps free, the core's query for the checker,
 * the boot archive's files for the page cache, and the boot memory map
 * as text.  Built only into the server (not part of the host library).
 */
#include <mneme/bootinfo.h>
#include <mneme/error.h>
#include <ulib/ulib.h>
#include "vm_internal.h"
#include "loader.h"
#include "task.h"

#define VM_PT_TRIES 8
#define VM_PT_KEEP  4        /* page-table frames left in a task's pool after an unmap freed some */

static uint64_t task_handle(const struct vm_space *s)
{
	return (uint64_t)(uintptr_t)s->cookie;
}

/* Frames the server gave its own pool (splitting its physmap, its vmemmap tables): never back. */
uint64_t vm_server_pt_frames;

/*
 * Give the server's own pool a frame: the core splits a 2 MiB page of the
 * server's physmap (to make a donated frame read-only there) with frames
 * from it.  0 or -MNEME_ENOMEM.
 */
int vm_backend_server_pool_stock(void)
{
	struct page *p = alloc_pages(VM_GFP_META, 0);

	if (!p)
		return -MNEME_ENOMEM;
	int64_t st = mneme_pt_donate(mm_server.self, page_to_phys(p));
	if (st == -MNEME_EQUOTA) {          /* full: nothing to do */
		__free_pages(p, 0);
		return 0;
	}
	if (st) {
		__free_pages(p, 0);
		return -MNEME_ENOMEM;
	}
	vm_server_pt_frames++;
	return 0;
}

/*
 * Give the core frame @pa for page tables of the task named by @handle,
 * stocking the server's own pool when the core needs it first.  0,
 * -MNEME_EQUOTA (the task's pool is full), or an error.
 */
int vm_backend_pt_give(uint64_t handle, uint64_t pa)
{
	for (int tries = 0; tries < VM_PT_TRIES; tries++) {
		int64_t st = mneme_pt_donate(handle, pa);
		if (st != -MNEME_ENOMEM)
			return (int)st;
		if (vm_backend_server_pool_stock())
			break;
	}
	return -MNEME_ENOMEM;
}

/* Give the core one frame for @s's page tables (charged to @s).  0 or -MNEME_ENOMEM. */
static int donate(struct vm_space *s)
{
	struct page *p = alloc_pages(VM_GFP_META, 0);

	if (!p)
		return -MNEME_ENOMEM;
	int err = vm_backend_pt_give(task_handle(s), page_to_phys(p));
	if (err) {
		__free_pages(p, 0);
		return err == -MNEME_EQUOTA ? 0 : -MNEME_ENOMEM;   /* a full pool has what a map needs */
	}
	return vm_space_pt_donated(s, page_to_pfn(p));
}

/* Take back page-table frames unmaps freed, down to VM_PT_KEEP left in @s's pool. */
static void pt_trim(struct vm_space *s)
{
	struct mneme_sysret r;

	while (!mneme_pt_reclaim_r(&r, task_handle(s)) && r.r[1]) {
		vm_space_pt_returned(s, r.r[1] >> 12);
		if (r.r[2] <= VM_PT_KEEP)
			break;
	}
}

int vm_backend_map(struct vm_space *s, uint64_t va, uint64_t pa, unsigned shift, unsigned prot)
{
	for (int tries = 0; tries < VM_PT_TRIES; tries++) {
		int64_t st = mneme_map(task_handle(s), va, pa, shift, prot);
		if (st != -MNEME_ENOMEM)
			return (int)st;
		if (donate(s))
			return -MNEME_ENOMEM;
	}
	return -MNEME_ENOMEM;
}

int vm_backend_unmap(struct vm_space *s, uint64_t va, unsigned shift)
{
	struct mneme_sysret r;
	int64_t st = mneme_unmap_r(&r, task_handle(s), va);

	(void)shift;
	if (!st && r.r[3])
		pt_trim(s);
	return (int)st;
}

int vm_backend_protect(struct vm_space *s, uint64_t va, unsigned shift, unsigned prot)
{
	(void)shift;
	return (int)mneme_protect(task_handle(s), va, prot);
}

int vm_backend_unmap_range(struct vm_space *s, uint64_t va, uint64_t len)
{
	return (int)mneme_unmap_range(task_handle(s), va, len);
}

void vm_backend_protect_range(struct vm_space *s, uint64_t va, uint64_t len, unsigned shift,
			      unsigned prot)
{
	(void)shift;
	mneme_protect_range(task_handle(s), va, len, prot);
}

int64_t vm_backend_age(struct vm_space *s, uint64_t va, uint64_t len, uint64_t *bits)
{
	struct mneme_sysret r;
	int64_t st = mneme_age_range_r(&r, task_handle(s), va, len, (uint64_t)(uintptr_t)bits);

	return st ? st : (int64_t)r.r[1];
}

int vm_backend_query(struct vm_space *s, uint64_t va, uint64_t *pa, unsigned *prot, unsigned *shift)
{
	struct mneme_sysret r;
	int64_t st = mneme_query_r(&r, task_handle(s), va);

	if (st)
		return (int)st;
	*pa = r.r[1];
	*prot = (unsigned)r.r[2];
	*shift = (unsigned)r.r[3];
	return 0;
}

int vm_backend_file(const char *name, const void **data, uint64_t *size)
{
	return archive_find(mm_server.archive, name, data, size);
}

bool vm_backend_may_share(const struct vm_space *from, const struct vm_space *to)
{
	return from == to || mm_task_may_share(from->id, to->id);
}

/* Donate for a fault reply the core refused with -MNEME_ENOMEM; the server then replies again. */
int vm_backend_fault_donate(struct vm_space *s)
{
	return donate(s);
}

size_t vm_backend_memmap_dump(char *buf, size_t len)
{
	static const char *const types[] = { "?", "usable", "ACPI data", "ACPI NVS", "reserved",
					     "reserved (no-map)", "core", "unusable",
					     "reserved" };
	const struct mneme_boot_info *bi = ulib_boot_info;
	size_t n = 0;

	for (uint32_t i = 0; bi && i < bi->nr_ranges && i < MNEME_BOOTINFO_MAX_RANGES; i++) {
		const struct mneme_mem_range *r = &bi->ranges[i];
		int w = snprintf(buf + n, n < len ? len - n : 0, "[mem 0x%016llx-0x%016llx] node %u %s\n",
				 (unsigned long long)r->base, (unsigned long long)(r->base + r->size - 1),
				 r->nid, r->type < MNEME_MEM_TYPE_MAX ? types[r->type] : "?");
		if (w > 0)
			n += (size_t)w;
	}
	return n;
}

/*
 * STATS TASKS: the server itself, then every task it started (running,
 * or exited and not yet reaped), with the memory its space holds.
 */
size_t vm_backend_tasks_dump(char *buf, size_t len)
{
	size_t n = 0;
	int w = snprintf(buf, len, "%8s %8s %-8s %9s %12s %10s  %s\n", "ID", "PARENT", "STATE",
			 "RSS_KiB", "CHARGED_KiB", "QUOTA_KiB", "NAME");

	if (w > 0)
		n += (size_t)w;
	for (unsigned slot = 1; slot <= MM_MAX_TASKS; slot++) {
		const struct mm_task *t = &mm_tasks[slot];
		struct mneme_mm_usage u = { 0 };
		if (t->state == MM_TASK_FREE || !t->space)
			continue;
		vm_space_usage(t->space, &u);
		w = snprintf(buf + n, n < len ? len - n : 0, "%#8llx %#8llx %-8s %9llu %12llu %10llu  %s\n",
			     (unsigned long long)mm_task_id(slot),
			     (unsigned long long)(t->parent ? mm_task_id(t->parent) : 0),
			     t->state == MM_TASK_RUNNING ? "running" : "exited",
			     (unsigned long long)(u.resident * 4), (unsigned long long)(u.charged >> 10),
			     (unsigned long long)(u.quota >> 10), t->name);
		if (w > 0)
			n += (size_t)w;
	}
	return n;
}
