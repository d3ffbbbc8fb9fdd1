/*
 * The vm module's backend inside the memory server on mneme: the core's
 * map / unmap / protect calls on the task handle kept in the space's
 * cookie, donating page-table frames (from the buddy allocator's reserve)
 * while the core's per-task pool runs dry, the core's query for the
 * checker, the boot archive's files for the page cache, and the boot
 * memory map as text.  Built only into the server (not part of the host
 * library).
 */
#include <mneme/bootinfo.h>
#include <mneme/error.h>
#include <ulib/ulib.h>
#include "vm_internal.h"
#include "loader.h"
#include "task.h"

#define VM_PT_TRIES 8

static uint64_t task_handle(const struct vm_space *s)
{
	return (uint64_t)(uintptr_t)s->cookie;
}

/* Give the core one zeroed frame for @s's page tables.  0 or -MNEME_ENOMEM. */
static int donate(struct vm_space *s)
{
	struct page *p = alloc_pages(VM_GFP_META | __GFP_ZERO, 0);

	if (!p)
		return -MNEME_ENOMEM;
	uint64_t pfn = page_to_pfn(p);
	if (mneme_pt_donate(task_handle(s), pfn << 12)) {
		__free_pages(p, 0);
		return -MNEME_ENOMEM;
	}
	return vm_space_pt_donated(s, pfn);
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
	(void)shift;
	return (int)mneme_unmap(task_handle(s), va);
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
