/*
 * x86_64 side of the architecture contract (see arch/include/arch/arch.h):
 * constants, the trap frame and the inline fast operations.
 */
#ifndef ARCH_ARCH_IMPL_H
#define ARCH_ARCH_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arch/frame.h>
#include <arch/layout.h>

#define ARCH_NAME             "x86_64"
#define ARCH_DIRECT_MAP_BASE  X86_DIRECT_MAP_BASE
#define ARCH_KERNEL_VIRT_BASE (X86_KERNEL_VMA + X86_KERNEL_LOAD)
/*
 * User tasks (arch/include/arch/uspace.h).  The user half is the lower
 * canonical half (47 bits) minus its last page, as in Linux: no user page
 * can end at the canonical boundary, so a syscall instruction at the very
 * end of user memory cannot leave a non-canonical return address for
 * sysretq.
 */
#define ARCH_HAS_USPACE       1
#define ARCH_USER_TOP         0x00007ffffffff000ull
_Static_assert(ARCH_USER_TOP == X86_USER_TOP, "entry.S checks return addresses against X86_USER_TOP");

/*
 * The register frame of a trap, lowest address first (offsets in
 * <arch/frame.h>).  The CPU pushes ss..rip (and an error code for some
 * exceptions); trap.S pushes a zero error code where the CPU does not,
 * the vector, every GPR, CR2 and a pad word.  From user mode the frame is
 * the thread's own (struct thread.regs): TSS.rsp0 points just past it, so
 * the CPU and trap.S push straight into the thread control block.  The
 * syscall entry (entry.S) stores into the same frame.
 */
struct arch_regs {
	uint64_t pad;                  /* keeps the frame a 16-byte multiple */
	uint64_t cr2;                  /* faulting address, meaningful for #PF */
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;               /* X86_VEC_SYSCALL after a syscall */
	uint64_t error_code;           /* 0 where the CPU pushes none */
	uint64_t rip, cs, rflags, rsp, ss;
} __attribute__((aligned(16)));

struct cpu;

/* An address space: what arch_aspace_activate() writes to CR3, and its root and PCID. */
struct arch_aspace {
	uint64_t cr3;        /* root | PCID | no-flush bit (PCID in use) */
	uint64_t root;       /* physical address of the PML4 */
	uint16_t pcid;       /* 0: no PCID of its own (every activation flushes) */
};

/*
 * The syscall register ABI (the `syscall` instruction from ring 3):
 *   rax                          syscall number
 *   rdi, rsi, rdx, r10, r8, r9, r12   arguments arg0 .. arg6
 *   rax, rdi, rsi, rdx, r10, r8, r9   results ret0 .. ret6 (ret0 = status:
 *                                0 or -MNEME_E*)
 *   rcx, r11                     clobbered (the CPU puts the return rip and
 *                                rflags there; they come back as such)
 *   everything else              preserved (rbx, rbp, rsp, r12 .. r15)
 * Results overwrite arguments, so a handler reads all its arguments
 * before it writes a result.  arch/x86_64/user/syscall.h is the user side
 * of the same contract.
 */
#define X86_REGS_ARG_OFFSETS   { REGS_RDI, REGS_RSI, REGS_RDX, REGS_R10, REGS_R8, REGS_R9, REGS_R12 }
#define X86_REGS_RET_OFFSETS   { REGS_RAX, REGS_RDI, REGS_RSI, REGS_RDX, REGS_R10, REGS_R8, REGS_R9 }

static inline uint64_t arch_regs_syscall_nr(const struct arch_regs *r)
{
	return r->rax;
}

static inline uint64_t arch_regs_arg(const struct arch_regs *r, unsigned i)
{
	static const uint8_t off[7] = X86_REGS_ARG_OFFSETS;

	return *(const uint64_t *)((const char *)r + off[i]);
}

static inline void arch_regs_set_ret(struct arch_regs *r, unsigned i, uint64_t v)
{
	static const uint8_t off[7] = X86_REGS_RET_OFFSETS;

	*(uint64_t *)((char *)r + off[i]) = v;
}

static inline uint64_t arch_regs_ip(const struct arch_regs *r)
{
	return r->rip;
}

static inline uint64_t arch_regs_sp(const struct arch_regs *r)
{
	return r->rsp;
}

/* The task state segment: rsp[0] is the frame end of the current thread, ist[] the IST stacks. */
struct x86_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];               /* ist[0] is IST slot 1 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

#define X86_GDT_ENTRIES 8

/*
 * The per-CPU block of the architecture: the first member of each CPU's
 * struct cpu (<core/cpu.h>), so the GS base the core runs with points at
 * both (offsets in <arch/frame.h>, checked in smp.c).  User mode runs
 * with the user's GS base; swapgs exchanges the two on every entry and
 * exit.  The entry code reaches the fields as %gs:PCPU_*; the TSS is
 * here too, so arch_set_current_regs() is two %gs stores, as cheap as
 * stores to globals.
 */
struct arch_cpu {
	struct arch_regs *regs;        /* frame of the current thread */
	uint64_t kstack_top;           /* the stack the core runs on after an entry from user mode */
	uint64_t user_rsp;             /* scratch of the syscall entry */
	struct cpu *self;              /* this struct cpu: arch_this_cpu() is one %gs load */
	uint32_t tss_pad;              /* puts tss.rsp[0] on an 8-byte boundary */
	struct x86_tss tss;            /* this CPU's TSS (rsp0, IST stacks) */
	uint32_t gdt_pad;
	uint64_t gdt[X86_GDT_ENTRIES]; /* this CPU's GDT: flat segments and its TSS */
};

/*
 * arch_aspace_activate() and arch_set_current_regs() (uspace.h) are on
 * every IPC switch, so they are inline here; a later declaration without
 * "static" in <arch/uspace.h> keeps their internal linkage (C11 6.2.2).
 */
/* Without a PCID of its own, every CR3 write of another space flushes @as's entries. */
static inline bool arch_aspace_switch_flushes(const struct arch_aspace *as)
{
	return as->pcid == 0;
}

static inline void arch_aspace_activate(const struct arch_aspace *as)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(as->cr3) : "memory");
}

/*
 * Memory at the GS base: the per-CPU block.  clang's address space 256 is
 * "relative to GS", so these are ordinary loads and stores the compiler
 * can order and combine like any other (no asm, no memory clobber).
 */
#define X86_GS_SPACE __attribute__((address_space(256)))

/*
 * The next entry saves into @regs (syscall: %gs:PCPU_REGS; traps: this
 * CPU's TSS.rsp0 at its end).  Two %gs-relative stores.
 */
static inline void arch_set_current_regs(struct arch_regs *regs)
{
	*(struct arch_regs *X86_GS_SPACE *)PCPU_REGS = regs;
	*(uint64_t X86_GS_SPACE *)PCPU_TSS_RSP0 = (uint64_t)(uintptr_t)(regs + 1);
}

#define X86_RFLAGS_IF (1ull << 9)

static inline void arch_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/*
 * Let pending interrupts in for a moment.  The nop takes sti's
 * one-instruction shadow; under QEMU a pause there would leave the
 * shadow pending across its exit to the main loop, and the cli after it
 * would close the window before any interrupt was taken.
 */
static inline void arch_irq_window(void)
{
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

/* Disable interrupts; returns the previous state for arch_irq_restore(). */
static inline unsigned long arch_irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags & X86_RFLAGS_IF)
		arch_irq_enable();
}

/*
 * Halt until the next interrupt.  "sti; hlt" keeps the one-instruction
 * interrupt shadow of sti, so an interrupt pending at the sti wakes the
 * hlt instead of being taken before it (no lost wake-up).  Returns with
 * interrupts enabled.
 */
static inline void arch_wait_for_interrupt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

static inline uint64_t arch_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* Spinlock steps (<core/spinlock.h>): lock bts leaves the old bit in CF, one branch decides. */
#define ARCH_HAS_SPINLOCK 1
static inline bool arch_spin_trylock(uint32_t *word)
{
	bool was;

	__asm__ volatile("lock btsl $0, %0" : "+m"(*word), "=@ccc"(was) : : "memory");
	return !was;
}

static inline void arch_spin_unlock(uint32_t *word)
{
	__atomic_store_n(word, 0, __ATOMIC_RELEASE);   /* a plain store on x86 (TSO) */
}

/*
 * The calling CPU's struct cpu: one load through the GS base.  NULL on
 * the boot CPU until arch_cpu_init_boot().
 */
static inline struct cpu *arch_this_cpu(void)
{
	return *(struct cpu *X86_GS_SPACE *)PCPU_SELF;
}

#endif
