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

/* RAM below this is in the server's physmap (set when the server is built; boot_server.c). */
extern uint64_t vm_server_physmap_limit;
/* Frames that split the server's 1 GiB physmap pages: one per GiB below the limit (boot_server.c). */
extern uint64_t vm_physmap_gig_tables;

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
 * the base pages they changed in *@pages.  map refuses a frame that is a
 * page table (-MNEME_EPERM: <core/frametype.h>) and takes tables from the
 * task's pool only if there are enough for the whole walk (else
 * -MNEME_ENOMEM, nothing taken).  The unmaps unlink the tables they leave
 * empty and put them back in the task's pool after the shootdown; *@tables
 * tells how many.
 */
int vm_map(struct task *task, uint64_t va, uint64_t pa, uint64_t page_shift, uint64_t prot);
int vm_unmap(struct task *task, uint64_t va, uint64_t *pa, unsigned *page_shift, uint64_t *tables);
int vm_protect(struct task *task, uint64_t va, uint64_t prot);
int vm_unmap_range(struct task *task, uint64_t va, uint64_t size, uint64_t *pages, uint64_t *tables);
int vm_protect_range(struct task *task, uint64_t va, uint64_t size, uint64_t prot,
		     uint64_t *pages);
int vm_query(struct task *task, uint64_t va, uint64_t *pa, unsigned *prot, unsigned *page_shift);
/*
 * Harvest the accessed bits of [va, va + size) (page-aligned, at most
 * MNEME_AGE_MAX_PAGES base pages): every mapped leaf the hardware marked
 * accessed is cleared and its base pages in the range get their bit set
 * in @bits (zeroed by the caller, one bit per base page); *@young counts
 * them.  If any was cleared, the range is shot down before the call
 * returns, so the next access through any CPU marks the entry again.
 */
int vm_age_range(struct task *task, uint64_t va, uint64_t size, uint64_t *bits, uint64_t *young);
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
 * Add the 4 KiB frame @pa to @task's page-table pool; *@pool receives the
 * frames in the pool.  The frame becomes a page table (-MNEME_EBUSY if it
 * is one already) and read-only in the server's physmap; splitting a
 * 2 MiB physmap page for that takes a frame from the server's own pool
 * (-MNEME_ENOMEM if it is empty).  A frame given to the server's own pool
 * may become that split table itself.  -MNEME_EQUOTA if the pool holds
 * MNEME_PT_POOL_FRAMES already.
 */
int vm_pt_donate(struct task *task, uint64_t pa, uint64_t *pool);
/*
 * Take one frame back from @task's pool (tables unmaps freed, or
 * donations not used yet): *@pa (0 if the pool is empty), writable for
 * the server again, and *@left the frames still pooled.
 */
int vm_pt_reclaim(struct task *task, uint64_t *pa, uint64_t *left);
/* Claim @pa as @task's root (-MNEME_EBUSY: a page table already; -MNEME_ENOMEM as pt_donate). */
int vm_task_root_claim(struct task *task, uint64_t pa);
/* Give @task's root back to the server (nothing uses it any more). */
void vm_task_root_release(struct task *task);
/* Dying @task (locked): unlink every table and empty its pool onto @out. */
void vm_task_tables_release(struct task *task, struct vm_frames *out);
/* Give every frame of @c back to the server (after the shootdown that retired them). */
void vm_frames_give_back(struct vm_frames *c);
int vm_tlb_flush(struct task *task, uint64_t va, uint64_t size);
/* Page-table frame source for arch_aspace_map(): pops @ctx's (a struct task) pool, zeroing the frame. */
uint64_t vm_pt_alloc(void *ctx);

#endif
