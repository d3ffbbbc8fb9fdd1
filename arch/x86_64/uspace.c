/*
 * x86_64 user tasks (arch/include/arch/uspace.h): address spaces, PCIDs
 * and TLB invalidation, register frames, the syscall MSRs, safe
 * user-memory access.
 *
 * Address spaces.  A root (PML4) is a frame from the memory server.  Its
 * lower half (entries 0-255, the user half) is cleared; its upper half is
 * a copy of the core's PML4 entries 256-511.  Those never change after
 * arch_mmu_init(): every table the core half needs exists by then (direct
 * map, image, fixmap), and mmu.c makes any later attempt to grow the
 * core's tables panic, so the copies never go stale.  What a user leaf
 * holds is <arch/uspace_pt.h>'s; mapping, unmapping, protecting and
 * walking are the generic core/aspace.c.
 *
 * PCIDs (CR4.PCIDE when CPUID has them): a space whose number fits 12
 * bits gets its own PCID and is activated with CR3's no-flush bit, so a
 * switch keeps both spaces' TLB entries.  Without PCIDs, or for a number
 * too large, the space runs on PCID 0 and every activation flushes its
 * non-global entries (the core half is global and survives).  Activation
 * is a single CR3 write (inline in arch_impl.h).  A flush of the current
 * space is invlpg; of another space with a PCID, INVPCID when present,
 * else a CR3 write of that space without the no-flush bit and back (the
 * core half is the same in both, interrupts are off in the core).
 *
 * User copies: x86_user_copy() (entry.S) runs with user access open (stac)
 * only during the copy, after the range was checked against
 * ARCH_USER_TOP; a fault inside it returns failure through the page-fault
 * handler's fixup (trap.c).
 */
#include <arch/frame.h>
#include <arch/pgtable.h>
#include <arch/uspace.h>
#include <arch/uspace_pt.h>
#include <arch/x86.h>
#include <mneme/error.h>

_Static_assert(__builtin_offsetof(struct arch_regs, cr2) == REGS_CR2, "frame layout");
_Static_assert(__builtin_offsetof(struct arch_regs, r15) == REGS_R15, "frame layout");
_Static_assert(__builtin_offsetof(struct arch_regs, r12) == REGS_R12, "frame layout");
_Static_assert(__builtin_offsetof(struct arch_regs, r8) == REGS_R8, "frame layout");
_Static_assert(__builtin_offsetof(struct arch_regs, rdi) == REGS_RDI, "frame layout");
_Static_assert(__builtin_offsetof(struct arch_regs, rax) == REGS_RAX, "frame layout");
_Static_assert(__builtin_offsetof(struct arch_regs, vector) == REGS_VECTOR, "frame layout");
_Static_assert(__builtin_offsetof(struct arch_regs, rip) == REGS_RIP, "frame layout");
_Static_assert(__builtin_offsetof(struct arch_regs, rflags) == REGS_RFLAGS, "frame layout");
_Static_assert(__builtin_offsetof(struct arch_regs, rsp) == REGS_RSP, "frame layout");
_Static_assert(__builtin_offsetof(struct arch_regs, ss) == REGS_SS, "frame layout");
_Static_assert(sizeof(struct arch_regs) == REGS_SIZE, "frame layout");

#define PCID_BITS       12
#define PCID_MAX        (1u << PCID_BITS)
#define FLUSH_PAGES_MAX 32              /* larger ranges flush the whole PCID */
#define SYSCALL_MASK    (X86_RFLAGS_IF | X86_RFLAGS_TF | X86_RFLAGS_DF | X86_RFLAGS_AC | X86_RFLAGS_NT)

uint8_t x86_smap_on;
static bool pcid_on;

void x86_syscall_entry(void);
int x86_user_copy(void *dst, const void *src, size_t n);

void x86_uspace_cpu_init(void)
{
	uint64_t kcs = X86_SEL_KCODE, ubase = X86_SEL_UCODE32 | 3;

	wrmsr(X86_MSR_KERNEL_GS_BASE, 0);
	/* syscall: CS = kcs, SS = kcs + 8; sysret: CS = ubase + 16, SS = ubase + 8 (all | 3). */
	wrmsr(X86_MSR_STAR, ubase << 48 | kcs << 32);
	wrmsr(X86_MSR_LSTAR, (uint64_t)(uintptr_t)x86_syscall_entry);
	wrmsr(X86_MSR_SFMASK, SYSCALL_MASK);
	wrmsr(X86_MSR_EFER, rdmsr(X86_MSR_EFER) | X86_EFER_SCE);
	/* No FP state is switched: x87 is #NM and SSE #UD for user code; #AC works if it sets AC. */
	write_cr0(read_cr0() | X86_CR0_EM | X86_CR0_MP | X86_CR0_AM);
	if (pcid_on)
		write_cr4(read_cr4() | X86_CR4_PCIDE);   /* CR3's PCID is 0 now, as PCIDE needs */
}

void x86_uspace_init(void)
{
	x86_smap_on = x86_cpu.smap;
	pcid_on = x86_cpu.pcid;
	x86_uspace_cpu_init();
}

int arch_aspace_init(struct arch_aspace *as, uint64_t root_pa, uint32_t asid)
{
	uint64_t *root, *core;

	if (!root_pa || (root_pa & (PAGE_SIZE_4K - 1)) || root_pa >> x86_cpu.phys_bits)
		return -MNEME_EINVAL;
	root = phys_to_virt(root_pa);
	core = phys_to_virt(x86_kernel_pt.root);
	for (unsigned i = 0; i < ARCH_USER_ROOT_SLOTS; i++)
		root[i] = 0;
	for (unsigned i = ARCH_USER_ROOT_SLOTS; i < PT_ENTRIES; i++)
		root[i] = core[i];
	as->root = root_pa;
	as->pcid = pcid_on && asid < PCID_MAX ? (uint16_t)asid : 0;
	as->cr3 = root_pa | as->pcid | (as->pcid ? X86_CR3_NOFLUSH : 0);
	return 0;
}

struct invpcid_desc {
	uint64_t pcid;
	uint64_t addr;
};

#define INVPCID_ADDR    0
#define INVPCID_CONTEXT 1

static inline void invpcid(uint64_t type, uint64_t pcid, uint64_t addr)
{
	struct invpcid_desc d = { pcid, addr };

	__asm__ volatile("invpcid %0, %1" : : "m"(d), "r"(type) : "memory");
}

void arch_tlb_flush(const struct arch_aspace *as, uint64_t va, uint64_t size)
{
	uint64_t start = va & ~(PAGE_SIZE_4K - 1);
	bool all = !size || size > FLUSH_PAGES_MAX * PAGE_SIZE_4K;
	uint64_t cr3 = read_cr3();

	if ((cr3 & PTE_ADDR) == as->root) {
		if (all) {
			write_cr3(as->cr3 & ~X86_CR3_NOFLUSH);
			return;
		}
		for (uint64_t p = start; p < va + size; p += PAGE_SIZE_4K)
			x86_invlpg(p);
		return;
	}
	if (!as->pcid)
		return;                 /* PCID 0 is flushed by every activation */
	if (!x86_cpu.invpcid) {
		unsigned long irq = arch_irq_save();
		write_cr3(as->cr3 & ~X86_CR3_NOFLUSH);
		write_cr3(cr3 | X86_CR3_NOFLUSH);
		arch_irq_restore(irq);
		return;
	}
	if (all) {
		invpcid(INVPCID_CONTEXT, as->pcid, 0);
		return;
	}
	for (uint64_t p = start; p < va + size; p += PAGE_SIZE_4K)
		invpcid(INVPCID_ADDR, as->pcid, p);
}

/* The core's own tables (ktests that activated a test space go back with this). */
void x86_activate_core(void)
{
	write_cr3(x86_kernel_pt.root);
}

/*
 * A new thread starts through sysretq (vector = X86_VEC_SYSCALL) with
 * interrupts on.  An entry outside the user half is replaced by
 * ARCH_USER_TOP, which is canonical and never mapped: the thread then
 * takes a user page fault instead of a sysretq to a non-canonical
 * address faulting in ring 0.
 */
void arch_regs_init_user(struct arch_regs *regs, uint64_t entry, uint64_t sp, uint64_t arg0,
			 uint64_t arg1)
{
	*regs = (struct arch_regs){ 0 };
	regs->rip = entry < ARCH_USER_TOP ? entry : ARCH_USER_TOP;
	regs->rsp = sp;
	regs->rdi = arg0;
	regs->rsi = arg1;
	regs->rflags = X86_RFLAGS_IF | X86_RFLAGS_FIXED;
	regs->cs = X86_SEL_UCODE | 3;
	regs->ss = X86_SEL_UDATA | 3;
	regs->vector = X86_VEC_SYSCALL;
}

static bool user_range(uint64_t va, size_t n)
{
	return va < ARCH_USER_TOP && n <= ARCH_USER_TOP - va;
}

int arch_copy_from_user(void *dst, uint64_t user_src, size_t n)
{
	if (!user_range(user_src, n))
		return -MNEME_EFAULT;
	if (n && x86_user_copy(dst, (const void *)(uintptr_t)user_src, n))
		return -MNEME_EFAULT;
	return 0;
}

int arch_copy_to_user(uint64_t user_dst, const void *src, size_t n)
{
	if (!user_range(user_dst, n))
		return -MNEME_EFAULT;
	if (n && x86_user_copy((void *)(uintptr_t)user_dst, src, n))
		return -MNEME_EFAULT;
	return 0;
}
