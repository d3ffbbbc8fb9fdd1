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
 * spinlock).
 *
 * Page-table frames.  Every frame the core uses as a page table is
 * recorded in <core/frametype.h> (claimed when it becomes a root or
 * enters a pool, released when it goes back to the server), and while it
 * is one, the server's physmap maps it read-only: the server cannot write
 * a page table, not even by mistake.  Tables an unmap leaves empty are
 * unlinked, and after the shootdown (paging-structure caches included)
 * go back to the task's pool; the server takes pooled frames back with
 * pt_reclaim.  Lock order: task->lock, then server_task->lock (the
 * physmap); a task's own calls on the server take the server's lock
 * alone.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/core.h>
#include <core/frametype.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/vm.h>
#include <mneme/error.h>
#include <mneme/layout.h>
#include <mneme/syscall.h>

#define PAGE_SHIFT 12
#define HUGE_SHIFT 21
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define HUGE_SIZE (1ULL << HUGE_SHIFT)
#define GIG_SHIFT 30
#define GIG_SIZE (1ULL << GIG_SHIFT)

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

/* ---- Chains of page-table frames ------------------------------------------ */

/*
 * Frames the core holds as page tables but not in a tree (a pool, tables
 * just unlinked) are chained through their first word: the core owns
 * them, and a frame address has its low bits clear, so the word reads as
 * an absent entry to a stale walk.
 */
static void chain_push(struct vm_frames *c, uint64_t pa)
{
	*(uint64_t *)phys_to_virt(pa) = c->head;
	c->head = pa;
	c->nr++;
}

static uint64_t chain_pop(struct vm_frames *c)
{
	uint64_t pa = c->head;

	if (pa) {
		c->head = *(uint64_t *)phys_to_virt(pa);
		c->nr--;
	}
	return pa;
}

static void chain_note(uint64_t pa, void *ctx)
{
	chain_push(ctx, pa);
}

uint64_t vm_pt_alloc(void *ctx)
{
	struct task *task = ctx;
	uint64_t pa = chain_pop(&task->pt_pool);

	if (pa) {
		uint64_t *p = phys_to_virt(pa);
		for (unsigned i = 0; i < PAGE_SIZE / sizeof(uint64_t); i++)
			p[i] = 0;
	}
	return pa;
}

/* ---- The server's physmap -------------------------------------------------- */

uint64_t vm_server_physmap_limit;
uint64_t vm_physmap_gig_tables;

/*
 * The table that splits the server's 1 GiB physmap page of @pa: one
 * frame per GiB of the window, taken from bootmem when the physmap was
 * built (boot_server.c), so the split never waits for the server's pool.
 */
static uint64_t physmap_gig_table(uint64_t pa)
{
	return vm_physmap_gig_tables + (pa >> GIG_SHIFT) * PAGE_SIZE;
}

/* The server's physmap address of @pa, or 0 if it has none there. */
static uint64_t physmap_va(uint64_t pa)
{
	if (!server_task || pa >= vm_server_physmap_limit)
		return 0;
	return MNEME_LAYOUT_PHYSMAP + pa;
}

/* Frame source of a split: the one frame in *ctx, once. */
static uint64_t take_one(void *ctx)
{
	uint64_t *pa = ctx, got = *pa;

	*pa = 0;
	if (got) {
		uint64_t *p = phys_to_virt(got);
		for (unsigned i = 0; i < PAGE_SIZE / sizeof(uint64_t); i++)
			p[i] = 0;
	}
	return got;
}

/*
 * Make the server's physmap page of @pa read-only, or writable again
 * (@write), with server_task->lock held.  A 1 GiB physmap page is split
 * into 2 MiB pages first, with its own table from the reserve the core
 * set aside at boot (physmap_gig_table).  A 2 MiB physmap page is split
 * next, with a table from the server's pool, or, if @own_table, with
 * @pa itself (a frame given to the server's own pool, which becomes that
 * table instead).  Returns 0 and in *@flush the bytes to shoot down at
 * physmap_va(@pa) rounded down to them (0: nothing), 1 if @pa became the
 * split table, or -MNEME_ENOMEM (a 2 MiB split is needed and the server's
 * pool is empty: nothing changed but perhaps the 1 GiB split, which maps
 * the same frames with the same rights).
 */
static int physmap_set(uint64_t pa, bool write, bool own_table, uint64_t *flush)
{
	uint64_t va = physmap_va(pa), old_pa;
	unsigned prot = MNEME_PROT_READ | (write ? MNEME_PROT_WRITE : 0), old, shift;
	int used = 0;

	*flush = 0;
	if (!va || arch_aspace_query(&server_task->aspace, va, &old_pa, &old, &shift))
		return 0;                       /* the server does not map it */
	if (old == prot)
		return 0;
	if (shift == GIG_SHIFT) {
		if (write)
			return 0;
		uint64_t table = physmap_gig_table(pa);
		int err = arch_aspace_split(&server_task->aspace, va, take_one, &table);
		if (err)
			return err;
		/* Now split the 2 MiB page below.  Its shootdown is enough for both: only
		 * @pa's translation changes, and any TLB entry covering it, 1 GiB ones
		 * included, goes with it (a 1 GiB range would be flushed page by page). */
		shift = HUGE_SHIFT;
	}
	if (shift == HUGE_SHIFT) {
		if (write)
			return 0;               /* never split to give back: it was never made read-only */
		uint64_t own = pa;
		int err = own_table ? arch_aspace_split(&server_task->aspace, va, take_one, &own)
				    : arch_aspace_split(&server_task->aspace, va, vm_pt_alloc, server_task);
		if (err)
			return err;
		used = own_table;
		*flush = HUGE_SIZE;
	} else if (!write) {
		*flush = PAGE_SIZE;
	}
	/* A page given back writable needs no shootdown: a stale read-only entry faults, and the
	 * core takes such a fault as spurious (core_user_exception). */
	arch_aspace_protect(&server_task->aspace, va, prot);
	return used;
}

/* Shoot down the server's physmap translation of @pa (@size from physmap_set()). */
static void physmap_flush(uint64_t pa, uint64_t size)
{
	if (size)
		vm_shootdown(server_task, physmap_va(pa) & ~(size - 1), size);
}

/* @pa is no page table any more: its record goes and the server may write it again. */
static void frame_give_back(uint64_t pa)
{
	uint64_t flush;

	if (server_task) {
		spin_lock(&server_task->lock);
		physmap_set(pa, true, false, &flush);
		spin_unlock(&server_task->lock);
	}
	frametype_release(pa);
}

void vm_frames_give_back(struct vm_frames *c)
{
	uint64_t pa;

	while ((pa = chain_pop(c)))
		frame_give_back(pa);
}

/*
 * Claim @pa as a page table and make it read-only for the server (no
 * task lock held).  The physmap shootdown is the caller's (*@flush).  0,
 * 1 (@own_table: @pa became a table of the server's physmap),
 * -MNEME_EBUSY (a page table already), -MNEME_ENOMEM (the server's pool
 * is empty).
 */
static int frame_claim(uint64_t pa, bool own_table, uint64_t *flush)
{
	int err = frametype_claim(pa);

	*flush = 0;
	if (err || !server_task)
		return err;
	spin_lock(&server_task->lock);
	int used = physmap_set(pa, false, own_table, flush);
	spin_unlock(&server_task->lock);
	if (used < 0)
		frametype_release(pa);
	return used;
}

/* ---- Mapping ----------------------------------------------------------------- */

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
	unsigned need = 0;
	int err = vm_user_check(va, size);
	if (!err)
		err = vm_frame_check(pa, size);
	if (!err && frametype_any(pa, size))
		err = -MNEME_EPERM;             /* a page table is never a task's page */
	if (!err)
		err = vm_lock(task);
	if (err)
		return err;
	err = arch_aspace_map_need(&task->aspace, va, (unsigned)page_shift, &need);
	if (!err && need > task->pt_pool.nr)
		err = -MNEME_ENOMEM;            /* nothing taken: the server donates and retries */
	if (!err)
		err = arch_aspace_map(&task->aspace, va, pa, (unsigned)page_shift, (unsigned)prot,
				      vm_pt_alloc, task);
	spin_unlock(&task->lock);
	if (!err)
		arch_tlb_flush(&task->aspace, va, size);
	return err;
}

/*
 * After unmapping: shoot down [va, va + size) of @task, everything if
 * tables were unlinked (an address-bounded flush need not reach the
 * paging-structure caches on every architecture), then put the unlinked
 * tables @freed into the task's pool (or give them back, if the task died
 * meanwhile).  Returns how many there were.
 */
static uint64_t vm_unmap_finish(struct task *task, uint64_t va, uint64_t size,
				struct vm_frames *freed)
{
	uint64_t nr = freed->nr;
	uint64_t pa;

	vm_shootdown(task, nr ? 0 : va, nr ? 0 : size);
	if (!nr)
		return 0;
	spin_lock(&task->lock);
	if (task->state == TASK_ALIVE) {
		while ((pa = chain_pop(freed)))
			chain_push(&task->pt_pool, pa);
	}
	spin_unlock(&task->lock);
	vm_frames_give_back(freed);             /* a dying task's: its killer did not see them */
	return nr;
}

int vm_unmap(struct task *task, uint64_t va, uint64_t *pa, unsigned *page_shift, uint64_t *tables)
{
	struct vm_frames freed = { 0, 0 };
	int err = vm_user_check(va, PAGE_SIZE);

	if (!err)
		err = vm_lock(task);
	if (err)
		return err;
	err = arch_aspace_unmap(&task->aspace, va, pa, page_shift);
	uint64_t size = 1ULL << *page_shift, start = va & ~(size - 1);
	if (!err)
		arch_aspace_prune(&task->aspace, start, start + size, chain_note, &freed);
	spin_unlock(&task->lock);
	if (!err)
		*tables = vm_unmap_finish(task, start, size, &freed);
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

int vm_unmap_range(struct task *task, uint64_t va, uint64_t size, uint64_t *pages, uint64_t *tables)
{
	struct vm_frames freed = { 0, 0 };
	struct vm_range r;
	int err = vm_range_begin(task, va, size, &r);

	if (err)
		return err;
	if (r.pages) {
		arch_aspace_for_each(&task->aspace, va, r.end, vm_range_unmap, &r);
		arch_aspace_prune(&task->aspace, va, r.end, chain_note, &freed);
	}
	spin_unlock(&task->lock);
	*tables = r.pages ? vm_unmap_finish(task, va, size, &freed) : 0;
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

struct vm_age {
	struct task *task;
	uint64_t va, end;
	uint64_t *bits;            /* one bit per base page of [va, end) */
	uint64_t young;
};

static void vm_range_age(void *arg, uint64_t va, unsigned shift)
{
	struct vm_age *a = arg;

	if (arch_aspace_clear_young(&a->task->aspace, va) <= 0)
		return;
	uint64_t lo = va > a->va ? va : a->va, hi = va + (1ULL << shift);
	if (hi > a->end)
		hi = a->end;
	for (uint64_t p = lo; p < hi; p += PAGE_SIZE) {
		uint64_t i = (p - a->va) >> PAGE_SHIFT;
		a->bits[i / 64] |= 1ULL << (i % 64);
		a->young++;
	}
}

int vm_age_range(struct task *task, uint64_t va, uint64_t size, uint64_t *bits, uint64_t *young)
{
	if (!size || ((va | size) & (PAGE_SIZE - 1)) || size > MNEME_AGE_MAX_PAGES * PAGE_SIZE)
		return -MNEME_EINVAL;
	if (va >= ARCH_USER_TOP || size > ARCH_USER_TOP - va)
		return -MNEME_ERANGE;
	struct vm_age a = { .task = task, .va = va, .end = va + size, .bits = bits };
	int err = vm_lock(task);
	if (err)
		return err;
	arch_aspace_for_each(&task->aspace, va, a.end, vm_range_age, &a);
	spin_unlock(&task->lock);
	if (a.young)
		vm_shootdown(task, va, size);   /* or a CPU's cached translation never marks it again */
	*young = a.young;
	return 0;
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

/* ---- Frames coming and going ------------------------------------------------- */

int vm_task_root_claim(struct task *task, uint64_t pa)
{
	uint64_t flush;
	int err = frame_claim(pa, false, &flush);

	if (err)
		return err;
	physmap_flush(pa, flush);
	task->root_pa = pa;
	return 0;
}

void vm_task_root_release(struct task *task)
{
	uint64_t pa = task->root_pa;

	task->root_pa = 0;
	if (pa)
		frame_give_back(pa);
}

int vm_pt_donate(struct task *task, uint64_t pa, uint64_t *pool)
{
	bool self = task == server_task;
	uint64_t flush;
	int err = vm_frame_check(pa, PAGE_SIZE);

	if (!err && READ_ONCE(task->state) != TASK_ALIVE)
		err = -MNEME_EDEAD;
	if (!err && READ_ONCE(task->pt_pool.nr) >= MNEME_PT_POOL_FRAMES)
		err = -MNEME_EQUOTA;
	if (!err)
		err = frame_claim(pa, self, &flush);
	if (err < 0)
		return err;
	bool used = err == 1;                   /* became a table of the server's own physmap */
	physmap_flush(pa, flush);               /* no CPU can write it through the physmap now */
	if (used) {
		*pool = READ_ONCE(task->pt_pool.nr);
		return 0;
	}
	err = vm_lock(task);
	if (!err && task->pt_pool.nr >= MNEME_PT_POOL_FRAMES) {
		spin_unlock(&task->lock);
		err = -MNEME_EQUOTA;            /* another donation filled it meanwhile */
	}
	if (!err) {
		chain_push(&task->pt_pool, pa);
		*pool = task->pt_pool.nr;
		spin_unlock(&task->lock);
	} else {
		frame_give_back(pa);
	}
	return err;
}

int vm_pt_reclaim(struct task *task, uint64_t *pa, uint64_t *left)
{
	int err = vm_lock(task);

	if (err)
		return err;
	*pa = chain_pop(&task->pt_pool);
	*left = task->pt_pool.nr;
	spin_unlock(&task->lock);
	if (*pa)
		frame_give_back(*pa);
	return 0;
}

void vm_task_tables_release(struct task *task, struct vm_frames *out)
{
	uint64_t pa;

	arch_aspace_release_tables(&task->aspace, chain_note, out);
	while ((pa = chain_pop(&task->pt_pool)))
		chain_push(out, pa);
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
