/*
 * Validated address-space operations (see <core/vm.h>).
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/core.h>
#include <core/printk.h>
#include <core/vm.h>
#include <mneme/error.h>
#include <mneme/syscall.h>

#define PAGE_SHIFT 12
#define HUGE_SHIFT 21

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
	uint64_t pa = task->pt_pool[--task->pt_pool_nr];
	uint64_t *p = phys_to_virt(pa);
	for (unsigned i = 0; i < (1u << PAGE_SHIFT) / sizeof(uint64_t); i++)
		p[i] = 0;
	return pa;
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
	if (err)
		return err;
	err = arch_aspace_map(&task->aspace, va, pa, (unsigned)page_shift, (unsigned)prot,
			      vm_pt_alloc, task);
	if (!err)
		arch_tlb_flush(&task->aspace, va, size);
	return err;
}

int vm_unmap(struct task *task, uint64_t va, uint64_t *pa, unsigned *page_shift)
{
	int err = vm_user_check(va, 1ULL << PAGE_SHIFT);

	if (!err)
		err = arch_aspace_unmap(&task->aspace, va, pa, page_shift);
	if (!err)
		arch_tlb_flush(&task->aspace, va & ~((1ULL << *page_shift) - 1), 1ULL << *page_shift);
	return err;
}

int vm_protect(struct task *task, uint64_t va, uint64_t prot)
{
	uint64_t pa;
	unsigned old, shift;
	int err = vm_user_check(va, 1ULL << PAGE_SHIFT);

	if (!err && !vm_prot_valid(prot))
		err = -MNEME_EINVAL;
	if (!err)
		err = arch_aspace_query(&task->aspace, va, &pa, &old, &shift);
	if (!err)
		err = arch_aspace_protect(&task->aspace, va, (unsigned)prot);
	if (!err)
		arch_tlb_flush(&task->aspace, va & ~((1ULL << shift) - 1), 1ULL << shift);
	return err;
}

int vm_query(struct task *task, uint64_t va, uint64_t *pa, unsigned *prot, unsigned *page_shift)
{
	if (va >= ARCH_USER_TOP)
		return -MNEME_ERANGE;
	return arch_aspace_query(&task->aspace, va, pa, prot, page_shift);
}

bool vm_frame_in_use(uint64_t pa)
{
	for (unsigned i = 0; i < MNEME_MAX_TASKS; i++) {
		const struct task *t = &task_table[i];
		if (t->state == TASK_FREE)
			continue;
		if (t->root_pa == pa)
			return true;
		for (uint32_t k = 0; k < t->pt_pool_nr; k++)
			if (t->pt_pool[k] == pa)
				return true;
	}
	return false;
}

int vm_pt_donate(struct task *task, uint64_t pa)
{
	int err = vm_frame_check(pa, 1ULL << PAGE_SHIFT);

	if (err)
		return err;
	if (task->pt_pool_nr >= MNEME_PT_POOL_FRAMES)
		return -MNEME_ENOMEM;
	if (vm_frame_in_use(pa))
		return -MNEME_EBUSY;
	task->pt_pool[task->pt_pool_nr++] = pa;
	return 0;
}

int vm_tlb_flush(struct task *task, uint64_t va, uint64_t size)
{
	if (size && (va >= ARCH_USER_TOP || size > ARCH_USER_TOP - va))
		return -MNEME_ERANGE;
	arch_tlb_flush(&task->aspace, va, size);
	return 0;
}

_Static_assert(ARCH_PROT_READ == MNEME_PROT_READ && ARCH_PROT_WRITE == MNEME_PROT_WRITE &&
	       ARCH_PROT_EXEC == MNEME_PROT_EXEC, "prot bits shared with the arch");

#endif /* ARCH_HAS_USPACE */
