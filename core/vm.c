/*
 * Validated address-space operations (see <core/vm.h>).
 *
 * Concurrency: a task's page tables change only under its task->lock
 * (so two memory-server threads working on one task serialise), and a
 * change that removes or narrows a translation is followed by a TLB
 * shootdown on every CPU the task may have entries on (task->tlb_cpus)
 * before the call returns: from then on no CPU can use the old
 * translation, so the server may reuse the frame.  The shootdown happens
 * after the lock is dropped (a CPU never waits for others while holding a
 * spinlock).  Frames that become roots or enter page-table pools are
 * checked and recorded under frame_lock, so no frame gets both jobs.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/core.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/vm.h>
#include <mneme/error.h>
#include <mneme/syscall.h>

#define PAGE_SHIFT 12
#define HUGE_SHIFT 21
#define PAGE_SIZE (1ULL << PAGE_SHIFT)

static spinlock_t frame_lock = SPINLOCK_INIT;

int vm_frame_check(uint64_t pa, uint64_t size)
{
	if (pa & (size - 1))
		return -MNEME_EINVAL;
	if (pa + size < pa)
		return -MNEME_ERANGE;
	for (uint32_t i = 0; i < boot_info.nr_ranges; i++) {
		const struct mneme_mem_range *r = &boot_info.ranges[i];
		if (r->type == MNEME_MEM_USABLE && pa >= r->base && pa + size <= r->base + r->size)
			return 0;
	}
	return -MNEME_ERANGE;
}

int vm_user_check(uint64_t va, uint64_t size)
{
	if (va & (size - 1))
		return -MNEME_EINVAL;
	if (va >= ARCH_USER_TOP || size > ARCH_USER_TOP - va)
		return -MNEME_ERANGE;
	return 0;
}

bool vm_prot_valid(uint64_t prot)
{
	return (prot & MNEME_PROT_READ) && !(prot & ~(uint64_t)(MNEME_PROT_READ | MNEME_PROT_WRITE |
							       MNEME_PROT_EXEC));
}

uint64_t vm_pt_alloc(void *ctx)
{
	struct task *task = ctx;

	if (!task->pt_pool_nr)
		return 0;
	uint64_t pa = task->pt_pool[task->pt_pool_nr - 1];
	WRITE_ONCE(task->pt_pool_nr, task->pt_pool_nr - 1);
	uint64_t *p = phys_to_virt(pa);
	for (unsigned i = 0; i < (1u << PAGE_SHIFT) / sizeof(uint64_t); i++)
		p[i] = 0;
	return pa;
}

/* Lock @task's page tables; -MNEME_EDEAD (nothing locked) if it is dying. */
static int vm_lock(struct task *task)
{
	spin_lock(&task->lock);
	if (task->state != TASK_ALIVE) {
		spin_unlock(&task->lock);
		return -MNEME_EDEAD;
	}
	return 0;
}

cpumask_t vm_tlb_holders(struct task *task)
{
	if (!arch_aspace_switch_flushes(&task->aspace))
		return READ_ONCE(task->tlb_cpus);
	/*
	 * A CPU that switched away holds nothing of @task: only those where it
	 * is active can.  A CPU switching to it now writes last_task before it
	 * activates the space and walks the tables (the activation orders the
	 * two), and we read last_task after the change (smp_mb() in the
	 * caller): either we see it, or it walks the new tables.
	 */
	cpumask_t m = 0;
	for (unsigned i = 0; i < nr_cpus_online; i++)
		if (READ_ONCE(cpu_table[i].last_task) == task)
			m |= cpumask_of(i);
	return m;
}

void vm_shootdown(struct task *task, uint64_t va, uint64_t size)
{
	struct cpu *me = this_cpu();

	smp_mb();       /* the page-table change before the look at who holds translations */
	cpumask_t others = vm_tlb_holders(task) & ~cpumask_of(me->index);
	arch_tlb_flush(&task->aspace, va, size);
	if (others)
		arch_tlb_flush_cpus(others, &task->aspace, va, size);
}

int vm_map(struct task *task, uint64_t va, uint64_t pa, uint64_t page_shift, uint64_t prot)
{
	if (page_shift != PAGE_SHIFT && page_shift != HUGE_SHIFT)
		return -MNEME_EINVAL;
	if (!vm_prot_valid(prot))
		return -MNEME_EINVAL;
	uint64_t size = 1ULL << page_shift;
	int err = vm_user_check(va, size);
	if (!err)
		err = vm_frame_check(pa, size);
	if (!err)
		err = vm_lock(task);
	if (err)
		return err;
	err = arch_aspace_map(&task->aspace, va, pa, (unsigned)page_shift, (unsigned)prot,
			      vm_pt_alloc, task);
	spin_unlock(&task->lock);
	if (!err)
		arch_tlb_flush(&task->aspace, va, size);
	return err;
}

int vm_unmap(struct task *task, uint64_t va, uint64_t *pa, unsigned *page_shift)
{
	int err = vm_user_check(va, PAGE_SIZE);

	if (!err)
		err = vm_lock(task);
	if (err)
		return err;
	err = arch_aspace_unmap(&task->aspace, va, pa, page_shift);
	spin_unlock(&task->lock);
	if (!err)
		vm_shootdown(task, va & ~((1ULL << *page_shift) - 1), 1ULL << *page_shift);
	return err;
}

int vm_protect(struct task *task, uint64_t va, uint64_t prot)
{
	uint64_t pa;
	unsigned old, shift = PAGE_SHIFT;
	int err = vm_user_check(va, PAGE_SIZE);

	if (!err && !vm_prot_valid(prot))
		err = -MNEME_EINVAL;
	if (!err)
		err = vm_lock(task);
	if (err)
		return err;
	err = arch_aspace_query(&task->aspace, va, &pa, &old, &shift);
	if (!err)
		err = arch_aspace_protect(&task->aspace, va, (unsigned)prot);
	spin_unlock(&task->lock);
	if (!err)
		vm_shootdown(task, va & ~((1ULL << shift) - 1), 1ULL << shift);
	return err;
}

/* The leaves of a range call: counted and checked first, then changed. */
struct vm_range {
	struct task *task;
	uint64_t va, end;
	uint64_t pages;           /* base pages mapped in the range */
	bool cut;                 /* a huge leaf crosses an end */
	uint64_t prot;            /* protect: the new rights */
	int err;
};

static void vm_range_count(void *arg, uint64_t va, unsigned shift)
{
	struct vm_range *r = arg;

	if (va < r->va || va + (1ULL << shift) > r->end)
		r->cut = true;
	r->pages += 1ULL << (shift - PAGE_SHIFT);
}

static void vm_range_unmap(void *arg, uint64_t va, unsigned shift)
{
	struct vm_range *r = arg;
	uint64_t pa;
	unsigned s;

	(void)shift;
	arch_aspace_unmap(&r->task->aspace, va, &pa, &s);
}

static void vm_range_protect(void *arg, uint64_t va, unsigned shift)
{
	struct vm_range *r = arg;

	(void)shift;
	if (!r->err)
		r->err = arch_aspace_protect(&r->task->aspace, va, (unsigned)r->prot);
}

/*
 * Decode a range call on [va, va + size) of @task: page-aligned, non-empty,
 * in the user half, and (with @task locked on success) no huge mapping cut
 * by an end.  0 with the task locked and r->pages counted, or an error.
 */
static int vm_range_begin(struct task *task, uint64_t va, uint64_t size, struct vm_range *r)
{
	if (!size || ((va | size) & (PAGE_SIZE - 1)))
		return -MNEME_EINVAL;
	if (va >= ARCH_USER_TOP || size > ARCH_USER_TOP - va)
		return -MNEME_ERANGE;
	*r = (struct vm_range){ .task = task, .va = va, .end = va + size };
	int err = vm_lock(task);
	if (err)
		return err;
	arch_aspace_for_each(&task->aspace, va, r->end, vm_range_count, r);
	if (r->cut) {
		spin_unlock(&task->lock);
		return -MNEME_EINVAL;
	}
	return 0;
}

int vm_unmap_range(struct task *task, uint64_t va, uint64_t size, uint64_t *pages)
{
	struct vm_range r;
	int err = vm_range_begin(task, va, size, &r);

	if (err)
		return err;
	if (r.pages)
		arch_aspace_for_each(&task->aspace, va, r.end, vm_range_unmap, &r);
	spin_unlock(&task->lock);
	if (r.pages)
		vm_shootdown(task, va, size);
	*pages = r.pages;
	return 0;
}

int vm_protect_range(struct task *task, uint64_t va, uint64_t size, uint64_t prot,
		     uint64_t *pages)
{
	struct vm_range r;
	int err = vm_prot_valid(prot) ? vm_range_begin(task, va, size, &r) : -MNEME_EINVAL;

	if (err)
		return err;
	r.prot = prot;
	if (r.pages)
		arch_aspace_for_each(&task->aspace, va, r.end, vm_range_protect, &r);
	spin_unlock(&task->lock);
	if (r.pages)
		vm_shootdown(task, va, size);
	*pages = r.pages;
	return r.err;
}

int vm_query(struct task *task, uint64_t va, uint64_t *pa, unsigned *prot, unsigned *page_shift)
{
	if (va >= ARCH_USER_TOP)
		return -MNEME_ERANGE;
	int err = vm_lock(task);
	if (err)
		return err;
	err = arch_aspace_query(&task->aspace, va, pa, prot, page_shift);
	spin_unlock(&task->lock);
	return err;
}

/* True if @pa is a root or pooled page-table frame of a task that is not free (frame_lock held). */
static bool vm_frame_in_use_locked(uint64_t pa)
{
	for (unsigned i = 0; i < MNEME_MAX_TASKS; i++) {
		const struct task *t = &task_table[i];
		if (READ_ONCE(t->state) == TASK_FREE)
			continue;
		if (READ_ONCE(t->root_pa) == pa)
			return true;
		uint32_t nr = READ_ONCE(t->pt_pool_nr);
		for (uint32_t k = 0; k < nr && k < MNEME_PT_POOL_FRAMES; k++)
			if (READ_ONCE(t->pt_pool[k]) == pa)
				return true;
	}
	return false;
}

bool vm_frame_in_use(uint64_t pa)
{
	spin_lock(&frame_lock);
	bool used = vm_frame_in_use_locked(pa);
	spin_unlock(&frame_lock);
	return used;
}

int vm_task_root_claim(struct task *task, uint64_t pa)
{
	int err = 0;

	spin_lock(&frame_lock);
	if (vm_frame_in_use_locked(pa))
		err = -MNEME_EBUSY;
	else
		WRITE_ONCE(task->root_pa, pa);
	spin_unlock(&frame_lock);
	return err;
}

void vm_task_root_release(struct task *task)
{
	spin_lock(&frame_lock);
	WRITE_ONCE(task->root_pa, 0);
	spin_unlock(&frame_lock);
}

int vm_pt_donate(struct task *task, uint64_t pa)
{
	int err = vm_frame_check(pa, 1ULL << PAGE_SHIFT);

	if (err)
		return err;
	spin_lock(&frame_lock);
	err = vm_lock(task);
	if (!err) {
		if (task->pt_pool_nr >= MNEME_PT_POOL_FRAMES) {
			err = -MNEME_ENOMEM;
		} else if (vm_frame_in_use_locked(pa)) {
			err = -MNEME_EBUSY;
		} else {
			WRITE_ONCE(task->pt_pool[task->pt_pool_nr], pa);
			WRITE_ONCE(task->pt_pool_nr, task->pt_pool_nr + 1);
		}
		spin_unlock(&task->lock);
	}
	spin_unlock(&frame_lock);
	return err;
}

int vm_tlb_flush(struct task *task, uint64_t va, uint64_t size)
{
	if (size && (va >= ARCH_USER_TOP || size > ARCH_USER_TOP - va))
		return -MNEME_ERANGE;
	vm_shootdown(task, va, size);
	return 0;
}

_Static_assert(ARCH_PROT_READ == MNEME_PROT_READ && ARCH_PROT_WRITE == MNEME_PROT_WRITE &&
	       ARCH_PROT_EXEC == MNEME_PROT_EXEC, "prot bits shared with the arch");

#endif /* ARCH_HAS_USPACE */
