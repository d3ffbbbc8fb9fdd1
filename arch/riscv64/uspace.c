/*
 * riscv64 user tasks (arch/include/arch/uspace.h): address spaces,
 * register frames, entering user mode, safe user-memory access.
 *
 * Address spaces.  A root table is a frame from the memory server.  Its
 * lower half (slots 0-255: the user half, all of it up to ARCH_USER_TOP
 * in Sv39 and Sv48 alike) is cleared; its upper
 * half is a copy of the core's root entries 256-511.  The core's root
 * entries never change after arch_mmu_init(): every table the core half
 * needs exists by then (the direct map, the image and the MMIO window
 * are complete), and nothing maps into the core half later, so the copy
 * never goes stale.  What a user leaf holds is <arch/uspace_pt.h>'s;
 * mapping, unmapping, protecting and walking are the generic
 * core/aspace.c.
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
#include <arch/uspace_pt.h>
#include <core/core.h>
#include <core/pgtable.h>
#include <core/printk.h>
#include <mneme/error.h>

#define SATP_ASID_SHIFT  44
#define SATP_ASID_MASK   0xffffull

int riscv_user_copy(void *dst, const void *src, size_t n);

unsigned riscv_asid_bits;             /* ASID bits the hart implements */
static uint64_t core_half[PT_ENTRIES - ARCH_USER_ROOT_SLOTS];   /* the core's root entries at boot */

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
	for (unsigned i = ARCH_USER_ROOT_SLOTS; i < PT_ENTRIES; i++)
		core_half[i - ARCH_USER_ROOT_SLOTS] = ((uint64_t *)phys_to_virt(riscv_kernel_pt.root))[i];
	if (cmdline_has("noasid"))   /* test the path of harts without ASIDs */
		riscv_asid_bits = 0;
}

int arch_aspace_init(struct arch_aspace *as, uint64_t root_pa, uint32_t asid)
{
	uint64_t *root, *core;

	if (!root_pa || (root_pa & (PAGE_SIZE - 1)) || root_pa >= riscv_direct_map_limit)
		return -MNEME_EINVAL;
	root = phys_to_virt(root_pa);
	core = phys_to_virt(riscv_kernel_pt.root);
	for (unsigned i = 0; i < ARCH_USER_ROOT_SLOTS; i++)
		root[i] = 0;
	for (unsigned i = ARCH_USER_ROOT_SLOTS; i < PT_ENTRIES; i++) {
		if (core[i] != core_half[i - ARCH_USER_ROOT_SLOTS])
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

/*
 * The privileged spec lets a hart either set A (and D on a store) itself
 * or raise a page fault when they are clear (Svade).  QEMU 7.2 sets them;
 * for harts that fault, the core sets the bits here, before the fault
 * would reach the pager, so aging (which clears A) works on both kinds:
 * true if the leaf for @va in the table at @root_pa allows @access
 * (ARCH_PROT_*) to a user page and only lacked A or D, now set (a
 * compare-and-swap: if the server changed the entry meanwhile the access
 * simply faults again).  Tables are not freed while a thread of their
 * task runs, so the walk needs no lock.
 */
bool riscv_fix_accessed(uint64_t root_pa, uint64_t va, unsigned access)
{
	struct pgtable pt = { .root = root_pa, .levels = riscv_kernel_pt.levels };
	unsigned level;
	uint64_t *e = va < ARCH_USER_TOP ? pgtable_find_leaf(&pt, va, &level) : NULL;
	uint64_t need = PTE_U | (access & ARCH_PROT_WRITE ? PTE_W : 0) |
			(access & ARCH_PROT_EXEC ? PTE_X : 0) | (access & ARCH_PROT_READ ? PTE_R : 0);
	uint64_t bits = PTE_A | (access & ARCH_PROT_WRITE ? PTE_D : 0);

	if (!e)
		return false;
	uint64_t old = __atomic_load_n(e, __ATOMIC_RELAXED);
	if ((old & need) != need || (old & bits) == bits)
		return false;                   /* a real fault: the pager's */
	if (!__atomic_compare_exchange_n(e, &old, old | bits, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return true;                    /* changed meanwhile: retry the access */
	__asm__ volatile("sfence.vma %0" : : "r"(va) : "memory");
	return true;
}
