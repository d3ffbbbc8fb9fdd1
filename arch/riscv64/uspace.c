/*
 * riscv64 user tasks (arch/include/arch/uspace.h): address spaces,
 * register frames, entering user mode, safe user-memory access.
 *
 * Address spaces.  A root table is a frame from the memory server.  Its
 * lower half (slots 0-255: the user half, of which ARCH_USER_TOP uses
 * slots 0-255 under Sv39 and slot 0 under Sv48) is cleared; its upper
 * half is a copy of the core's root entries 256-511.  The core's root
 * entries never change after arch_mmu_init(): every table the core half
 * needs exists by then (the direct map, the image and the MMIO window
 * are complete), and nothing maps into the core half later, so the copy
 * never goes stale.  User leaves have U, A and D set (A/D preset: no
 * hardware or software A/D update is needed), never G, and never W
 * together with X.
 *
 * ASIDs: probed at boot (riscv_asid_probe(): write all ones, read back).
 * A task whose number fits the ASID bits keeps its ASID in satp, so
 * switching address spaces needs no flush; otherwise it runs with ASID 0,
 * and activating it flushes ASID 0's non-global entries.
 *
 * User copies: riscv_user_copy() (entry.S) runs with sstatus.SUM set
 * only during the copy, after the range was checked against
 * ARCH_USER_TOP (SUM would also let the copy reach the core's pages);
 * a fault inside it returns failure through the trap handler's fixup.
 */
#include <arch/arch.h>
#include <arch/riscv.h>
#include <arch/uspace.h>
#include <core/core.h>
#include <core/pgtable.h>
#include <core/printk.h>
#include <mneme/error.h>

#define USER_ROOT_SLOTS  256          /* root slots 0-255 are the user half in Sv39 and Sv48 */
#define SATP_ASID_SHIFT  44
#define SATP_ASID_MASK   0xffffull

int riscv_user_copy(void *dst, const void *src, size_t n);

unsigned riscv_asid_bits;             /* ASID bits the hart implements */
static uint64_t core_half[PT_ENTRIES - USER_ROOT_SLOTS];   /* the core's root entries at boot */

/* The calling hart's ASID width, with the core's root active; satp keeps ASID 0 afterwards. */
unsigned riscv_asid_probe(void)
{
	uint64_t satp = csr_read(satp) & ~(SATP_ASID_MASK << SATP_ASID_SHIFT);
	uint64_t got;

	csr_write(satp, satp | SATP_ASID_MASK << SATP_ASID_SHIFT);
	got = (csr_read(satp) >> SATP_ASID_SHIFT) & SATP_ASID_MASK;
	csr_write(satp, satp);
	sfence_vma_all();
	return (unsigned)__builtin_popcountll(got);
}

/*
 * This hart's user-mode state: the sstatus every return to user mode
 * starts from (U-mode, interrupts on there, no SUM, no MXR, no FP or
 * vector state), and rdtime allowed in U-mode (the benchmarks' counter;
 * no cycle or instret).  Called on every hart before it runs user code.
 */
void riscv_uspace_cpu_init(struct arch_cpu *a)
{
	uint64_t fs_vs = (3ull << 13) | (3ull << 9);
	uint64_t mxr = 1ull << 19;

	a->sstatus_user = (csr_read(sstatus) & ~(SSTATUS_SIE | SSTATUS_SPP | SSTATUS_SUM | mxr |
						  fs_vs)) |
			  SSTATUS_SPIE;
	csr_write(scounteren, 2);
}

/* Once, on the boot hart, with the core's final tables active: ASIDs and the core half. */
void riscv_uspace_init(void)
{
	riscv_asid_bits = riscv_asid_probe();
	for (unsigned i = USER_ROOT_SLOTS; i < PT_ENTRIES; i++)
		core_half[i - USER_ROOT_SLOTS] = ((uint64_t *)phys_to_virt(riscv_kernel_pt.root))[i];
	if (cmdline_has("noasid"))   /* test the path of harts without ASIDs */
		riscv_asid_bits = 0;
}

/* The user half of @as as a tree for the generic walker, tables from @alloc. */
static struct pgtable user_pt(const struct arch_aspace *as, arch_pt_alloc_fn alloc, void *ctx)
{
	return (struct pgtable){ .root = as->root, .levels = riscv_kernel_pt.levels, .alloc = alloc,
				 .ctx = ctx };
}

/* Leaf PTE bits for user rights @prot; 0 if @prot is not a valid combination. */
static uint64_t user_pte_flags(unsigned prot)
{
	uint64_t f = PTE_V | PTE_U | PTE_A | PTE_D;

	if (prot & ~(ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_EXEC))
		return 0;
	if ((prot & ARCH_PROT_WRITE) && (prot & ARCH_PROT_EXEC))
		return 0;                                   /* W^X for user pages too */
	if ((prot & ARCH_PROT_WRITE) && !(prot & ARCH_PROT_READ))
		return 0;                                   /* W without R is reserved */
	if (!(prot & (ARCH_PROT_READ | ARCH_PROT_EXEC)))
		return 0;
	if (prot & ARCH_PROT_READ)
		f |= PTE_R;
	if (prot & ARCH_PROT_WRITE)
		f |= PTE_W;
	if (prot & ARCH_PROT_EXEC)
		f |= PTE_X;
	return f;
}

static unsigned pte_prot(uint64_t pte)
{
	return (pte & PTE_R ? ARCH_PROT_READ : 0) | (pte & PTE_W ? ARCH_PROT_WRITE : 0) |
	       (pte & PTE_X ? ARCH_PROT_EXEC : 0);
}

/* The user leaf that maps @va in @as and its level, or NULL. */
static uint64_t *user_leaf(const struct arch_aspace *as, uint64_t va, unsigned *level)
{
	struct pgtable pt = user_pt(as, 0, 0);

	if (va >= ARCH_USER_TOP)
		return NULL;
	return pgtable_find_leaf(&pt, va, level);
}

int arch_aspace_init(struct arch_aspace *as, uint64_t root_pa, uint32_t asid)
{
	uint64_t *root, *core;

	if (!root_pa || (root_pa & (PAGE_SIZE - 1)) || root_pa >= RISCV_DIRECT_MAP_LIMIT)
		return -MNEME_EINVAL;
	root = phys_to_virt(root_pa);
	core = phys_to_virt(riscv_kernel_pt.root);
	for (unsigned i = 0; i < USER_ROOT_SLOTS; i++)
		root[i] = 0;
	for (unsigned i = USER_ROOT_SLOTS; i < PT_ENTRIES; i++) {
		if (core[i] != core_half[i - USER_ROOT_SLOTS])
			panic("riscv64: the core's root entry %u changed after boot: address spaces "
			      "made earlier do not have it", i);
		root[i] = core[i];
	}
	as->root = root_pa;
	as->asid = asid < (1u << riscv_asid_bits) ? (uint16_t)asid : 0;
	as->satp = riscv_satp_mode << SATP_MODE_SHIFT | (uint64_t)as->asid << SATP_ASID_SHIFT |
		   root_pa >> PAGE_SHIFT;
	return 0;
}

/*
 * Decode here (rights, alignment, the user half, the frame's address),
 * then pgtable_map_leaf(), which finds a conflict (-MNEME_EBUSY) before
 * it allocates anything.  Intermediate tables are created from @alloc on
 * the way down and stay linked in (empty) if a later one cannot be had:
 * no mapping appears or changes, and the frames stay accounted for by
 * arch_aspace_release_tables() (the core asks arch_aspace_map_need()
 * first, so it never gets there).  A table where the leaf would go is
 * -MNEME_EBUSY, even empty: the core prunes emptied tables
 * (arch_aspace_prune()).
 */
int arch_aspace_map(struct arch_aspace *as, uint64_t va, uint64_t pa, unsigned page_shift,
		    unsigned prot, arch_pt_alloc_fn alloc, void *ctx)
{
	unsigned target = page_shift == 12 ? 0 : page_shift == 21 ? 1 : ~0u;
	uint64_t size = 1ull << (page_shift & 63);
	uint64_t flags = user_pte_flags(prot);
	struct pgtable pt = user_pt(as, alloc, ctx);

	if (target == ~0u || !flags || ((va | pa) & (size - 1)) || va >= ARCH_USER_TOP ||
	    size > ARCH_USER_TOP - va || pa >= (1ull << 56))
		return -MNEME_EINVAL;
	return pgtable_map_leaf(&pt, va, pa, target, flags);
}

int arch_aspace_map_need(const struct arch_aspace *as, uint64_t va, unsigned page_shift,
			 unsigned *tables)
{
	unsigned target = page_shift == 12 ? 0 : page_shift == 21 ? 1 : ~0u;
	uint64_t size = 1ull << (page_shift & 63);
	struct pgtable pt = user_pt(as, 0, 0);

	if (target == ~0u || (va & (size - 1)) || va >= ARCH_USER_TOP || size > ARCH_USER_TOP - va)
		return -MNEME_EINVAL;
	return pgtable_map_need(&pt, va, target, tables);
}

void arch_aspace_prune(struct arch_aspace *as, uint64_t va, uint64_t end,
		       void (*fn)(uint64_t pa, void *ctx), void *ctx)
{
	struct pgtable pt = user_pt(as, 0, 0);

	if (end > ARCH_USER_TOP)
		end = ARCH_USER_TOP;
	pgtable_prune(&pt, va, end, fn, ctx);
}

int arch_aspace_split(struct arch_aspace *as, uint64_t va, arch_pt_alloc_fn alloc, void *ctx)
{
	struct pgtable pt = user_pt(as, alloc, ctx);

	if (va >= ARCH_USER_TOP)
		return -MNEME_ENOENT;
	return pgtable_split(&pt, va, 1);
}

int arch_aspace_unmap(struct arch_aspace *as, uint64_t va, uint64_t *pa, unsigned *page_shift)
{
	unsigned level;
	uint64_t *e = user_leaf(as, va, &level);

	if (!e)
		return -MNEME_ENOENT;
	*pa = pgtable_leaf_pa(*e, level);
	*page_shift = PT_LEVEL_SHIFT(level);
	*e = 0;
	return 0;
}

int arch_aspace_protect(struct arch_aspace *as, uint64_t va, unsigned prot)
{
	unsigned level;
	uint64_t *e = user_leaf(as, va, &level);
	uint64_t flags = user_pte_flags(prot);

	if (!e)
		return -MNEME_ENOENT;
	if (!flags)
		return -MNEME_EINVAL;
	*e = arch_pte_mkleaf(arch_pte_pa(*e), flags, level);
	return 0;
}

int arch_aspace_query(const struct arch_aspace *as, uint64_t va, uint64_t *pa, unsigned *prot,
		      unsigned *page_shift)
{
	unsigned level;
	uint64_t *e = user_leaf(as, va, &level);

	if (!e)
		return -MNEME_ENOENT;
	*pa = pgtable_leaf_pa(*e, level);
	*prot = pte_prot(*e);
	*page_shift = PT_LEVEL_SHIFT(level);
	return 0;
}

struct for_each_ctx {
	void (*fn)(void *arg, uint64_t va, unsigned page_shift);
	void *arg;
};

static void for_each_leaf(void *arg, uint64_t va, uint64_t pte, unsigned level)
{
	struct for_each_ctx *c = arg;

	(void)pte;
	c->fn(c->arg, va, PT_LEVEL_SHIFT(level));
}

void arch_aspace_for_each(const struct arch_aspace *as, uint64_t va, uint64_t end,
			  void (*fn)(void *arg, uint64_t va, unsigned page_shift), void *arg)
{
	struct pgtable pt = user_pt(as, 0, 0);
	struct for_each_ctx c = { fn, arg };

	if (end > ARCH_USER_TOP)
		end = ARCH_USER_TOP;
	pgtable_for_each_leaf_in(&pt, va, end, for_each_leaf, &c);
}

void arch_aspace_release_tables(struct arch_aspace *as, void (*fn)(uint64_t pa, void *ctx),
				void *ctx)
{
	struct pgtable pt = user_pt(as, 0, 0);

	pgtable_release(&pt, 0, USER_ROOT_SLOTS - 1, fn, ctx);
}

static inline void sfence_asid(uint64_t va, uint64_t asid)
{
	__asm__ volatile("sfence.vma %0, %1" : : "r"(va), "r"(asid) : "memory");
}

/* Every non-global entry of @asid (a register operand, so ASID 0 works too). */
static inline void sfence_asid_all(uint64_t asid)
{
	__asm__ volatile("sfence.vma zero, %0" : : "r"(asid) : "memory");
}

/*
 * arch_aspace_activate() and arch_set_current_regs() are on every IPC
 * fast-path switch: they are inline in <arch/arch_impl.h>.
 */

void arch_tlb_flush(const struct arch_aspace *as, uint64_t va, uint64_t size)
{
	uint64_t start = va & ~(PAGE_SIZE - 1);

	if (!size || size > RISCV_FLUSH_PAGES_MAX * PAGE_SIZE) {
		sfence_asid_all(as->asid);
		return;
	}
	for (uint64_t p = start; p < va + size; p += PAGE_SIZE)
		sfence_asid(p, as->asid);
}

void arch_regs_init_user(struct arch_regs *regs, uint64_t entry, uint64_t sp, uint64_t arg0,
			 uint64_t arg1)
{
	*regs = (struct arch_regs){ 0 };
	regs->sepc = entry;
	regs->sp = sp;
	regs->a0 = arg0;
	regs->a1 = arg1;
}

static bool user_range(uint64_t va, size_t n)
{
	return va < ARCH_USER_TOP && n <= ARCH_USER_TOP - va;
}

int arch_copy_from_user(void *dst, uint64_t user_src, size_t n)
{
	if (!user_range(user_src, n))
		return -MNEME_EFAULT;
	if (n && riscv_user_copy(dst, (const void *)(uintptr_t)user_src, n))
		return -MNEME_EFAULT;
	return 0;
}

int arch_copy_to_user(uint64_t user_dst, const void *src, size_t n)
{
	if (!user_range(user_dst, n))
		return -MNEME_EFAULT;
	if (n && riscv_user_copy((void *)(uintptr_t)user_dst, src, n))
		return -MNEME_EFAULT;
	return 0;
}
