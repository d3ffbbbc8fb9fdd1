/*
 * Validated changes to user address spaces on behalf of the memory server.
 *
 * The core writes every page-table entry itself; the server only names
 * frames.  A frame is accepted only if it is aligned to its size and lies
 * wholly inside one MNEME_MEM_USABLE range of the core's boot map, so no
 * task can ever get the core's memory (image, page tables, boot data, the
 * server's own image) or device memory mapped.  Intermediate page-table
 * frames come from the task's pool of frames the server donated
 * (pt_donate); an empty pool makes a map fail with -MNEME_ENOMEM.
 */
#ifndef CORE_VM_H
#define CORE_VM_H

#include <core/object.h>

/* 0 if [pa, pa + size) is aligned to @size and inside one USABLE range; else -MNEME_ERANGE / -MNEME_EINVAL. */
int vm_frame_check(uint64_t pa, uint64_t size);
/* 0 if [va, va + size) is aligned to @size and inside the user half. */
int vm_user_check(uint64_t va, uint64_t size);
/* Rights valid for a user mapping (non-empty subset of R|W|X, readable). */
bool vm_prot_valid(uint64_t prot);

/*
 * The calls of the memory server.  Each returns 0 or an error, with
 * nothing changed on error; -MNEME_EDEAD if @task is dying.  unmap and
 * protect (one leaf, or every leaf of a page-aligned range, which must not
 * cut a huge mapping: -MNEME_EINVAL) return only after the TLB shootdown:
 * no CPU can use the old translations any more.  The range calls report
 * the base pages they changed in *@pages.
 */
int vm_map(struct task *task, uint64_t va, uint64_t pa, uint64_t page_shift, uint64_t prot);
int vm_unmap(struct task *task, uint64_t va, uint64_t *pa, unsigned *page_shift);
int vm_protect(struct task *task, uint64_t va, uint64_t prot);
int vm_unmap_range(struct task *task, uint64_t va, uint64_t size, uint64_t *pages);
int vm_protect_range(struct task *task, uint64_t va, uint64_t size, uint64_t prot,
		     uint64_t *pages);
int vm_query(struct task *task, uint64_t va, uint64_t *pa, unsigned *prot, unsigned *page_shift);
/*
 * Invalidate @task's translations of [va, va + size) (all if size is 0)
 * here and on every CPU of task->tlb_cpus; returns when that is done.
 * Called with no spinlock held.
 */
void vm_shootdown(struct task *task, uint64_t va, uint64_t size);
/*
 * The CPUs that may hold translations of @task: where it is active if
 * activating another space flushes it (no PCID/ASID), else its sticky
 * tlb_cpus.
 */
cpumask_t vm_tlb_holders(struct task *task);
/*
 * True if @pa is the root table of a task that is not free, or waits in
 * such a task's page-table pool: the core would write it (zero it, or copy
 * its half into it), so it can be neither donated nor made a root.  Tables
 * already taken from a pool are not tracked (the server must not reuse
 * them until the task's EXIT message).
 */
bool vm_frame_in_use(uint64_t pa);
/* Add the 4 KiB frame @pa to @task's page-table pool (-MNEME_EBUSY: vm_frame_in_use()). */
int vm_pt_donate(struct task *task, uint64_t pa);
/* Record @pa as @task's root if no task uses it (-MNEME_EBUSY), atomically with the check. */
int vm_task_root_claim(struct task *task, uint64_t pa);
void vm_task_root_release(struct task *task);
int vm_tlb_flush(struct task *task, uint64_t va, uint64_t size);
/* Page-table frame source for arch_aspace_map(): pops @ctx's (a struct task) pool, zeroing the frame. */
uint64_t vm_pt_alloc(void *ctx);

#endif
