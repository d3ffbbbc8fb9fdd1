/*
 * riscv64 side of the architecture contract (see arch/include/arch/arch.h):
 * constants, the trap frame and the inline fast operations.
 *
 * Virtual layout of the core half.  The top 256 GiB are the same in Sv39
 * and Sv48 (one top-level slot of Sv48, the upper half of Sv39):
 *
 *   0xffffffc000000000  the boot window: direct map of physical
 *                       [0, 192 GiB) (RISCV_DIRECT_MAP_LIMIT); under
 *                       Sv39 the direct map itself
 *   0xfffffff000000000  MMIO window: device page at physical pa sits at
 *                       RISCV_MMIO_BASE + pa, for pa < 1 GiB
 *   0xffffffff80000000  the core image (linked at 0xffffffff80200000,
 *                       loaded at physical 0x80200000)
 *   0xffffffffa0000000  the stack window: the kernel stacks of the harts
 *                       but the boot hart's (which is in the image), one
 *                       KSTACK_SIZE slot per CPU index, guard pages unmapped
 *
 * Under Sv48 the direct map proper lies below them, at 0xffff800000000000
 * (root slots 256-383), and covers physical [0, 64 TiB); the boot window
 * stays mapped as an alias, so pointers the core made before the switch
 * to its final tables (the device tree) stay valid.  ARCH_DIRECT_MAP_BASE
 * is a variable: the boot window until arch_mmu_init() switches, then
 * the Sv48 direct map.  Under Sv39 RAM at or above 192 GiB is outside the
 * direct map, which the core reports; bootmem never hands it out.
 */
#ifndef ARCH_ARCH_IMPL_H
#define ARCH_ARCH_IMPL_H

#include <arch/regs.h>

#define ARCH_NAME              "riscv64"
#define ARCH_KERNEL_VIRT_BASE  0xffffffff80200000ull   /* KERNEL_VIRT in core.ld */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

extern uint64_t riscv_direct_map_base;    /* the direct map's virtual base, see above */
extern uint64_t riscv_direct_map_limit;   /* the direct map covers physical [0, this) */
extern uint64_t riscv_user_top;           /* the user half's end: 2^38 (Sv39) or 2^47 (Sv48) */

#define ARCH_DIRECT_MAP_BASE   riscv_direct_map_base
#define RISCV_BOOT_WINDOW      0xffffffc000000000ull
#define RISCV_DIRECT_MAP_LIMIT (192ull << 30)           /* the boot window's end */
#define RISCV_DIRECT_MAP_SV48  0xffff800000000000ull
#define RISCV_DIRECT_MAP_SV48_LIMIT (64ull << 40)
#define RISCV_MMIO_BASE        0xfffffff000000000ull
#define RISCV_MMIO_LIMIT       (1ull << 30)
#define RISCV_KSTACK_BASE      0xffffffffa0000000ull
#define RISCV_KSTACK_WINDOW    (256ull << 20)

#define SSTATUS_SIE_BIT        (1ul << 1)

/*
 * User tasks (arch/include/arch/uspace.h).  The user half is the whole
 * lower half of the paging mode: 256 GiB under Sv39, 128 TiB under Sv48
 * (root slots 0-255 in both), chosen at boot (riscv_user_top).
 */
#define ARCH_HAS_USPACE        1
#define ARCH_USER_TOP          riscv_user_top

struct arch_aspace {
	uint64_t satp;      /* mode | ASID | root PPN: what activation writes */
	uint64_t root;      /* physical address of the root table */
	uint16_t asid;      /* 0 when the hart has too few ASID bits (full flushes) */
};

/*
 * The syscall register ABI (ecall from U-mode):
 *   a7                 syscall number
 *   a0 .. a6           arguments arg0 .. arg6
 *   a0 .. a6           results ret0 .. ret6 (ret0 = status: 0 or -MNEME_E*)
 *   t0 .. t6           clobbered (hold stale values of the same thread)
 *   everything else    preserved (ra, sp, gp, tp, s0 .. s11, a7)
 * Results overwrite arguments, so a handler reads all its arguments
 * before it writes a result.  arch/riscv64/user/syscall.h is the user
 * side of the same contract.
 */
static inline uint64_t arch_regs_syscall_nr(const struct arch_regs *r)
{
	return r->a7;
}

static inline uint64_t arch_regs_arg(const struct arch_regs *r, unsigned i)
{
	return r->gpr[10 - 1 + i];   /* a0 is x10 */
}

static inline void arch_regs_set_ret(struct arch_regs *r, unsigned i, uint64_t v)
{
	r->gpr[10 - 1 + i] = v;
}

/*
 * The ecall entry passes arg0..arg6 to the core in registers (a0..a6, and
 * the number in a7: the C calling convention) and saves only the
 * registers a syscall preserves (a7, the number, among them) into the
 * frame.  The core stores arg0..arg6 in the frame itself when it
 * takes the general path (arch_regs_set_syscall_args), and returns the
 * frame to return to user mode with: the entry makes it current (the
 * fast path skips arch_set_current_regs()).
 */
#define ARCH_SYSCALL_ARGS_IN_REGS 1

struct arch_regs *core_syscall_args(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
				    uint64_t a4, uint64_t a5, uint64_t a6, uint64_t nr);

static inline void arch_regs_set_syscall_args(struct arch_regs *r, uint64_t a0, uint64_t a1,
					      uint64_t a2, uint64_t a3, uint64_t a4,
					      uint64_t a5, uint64_t a6)
{
	r->a0 = a0;
	r->a1 = a1;
	r->a2 = a2;
	r->a3 = a3;
	r->a4 = a4;
	r->a5 = a5;
	r->a6 = a6;
}

/*
 * The per-CPU block of the architecture: the first member of struct cpu
 * (<core/cpu.h>), so tp, which holds the running hart's struct cpu in
 * S-mode, addresses both.  The first three fields are read by the trap
 * entry (CPU_* in <arch/regs.h>).  Each field is used by its own hart
 * only, except where noted.
 */
struct arch_cpu {
	struct arch_regs *regs;     /* the current thread's frame (arch_set_current_regs) */
	uint64_t kstack_top;        /* top of this hart's kernel stack (KSTACK_SIZE-aligned end) */
	uint64_t sstatus_user;      /* sstatus of every return to user mode */
	uint64_t timer_next;        /* the deadline programmed into the SBI timer */
	/* A cross-call posted by another hart (riscv_cpu_call: tests); call_fn NULL when none. */
	void (*call_fn)(void *);
	void *call_arg;
	uint64_t call_posted, call_done;   /* tickets: the last posted, the last finished */
};

_Static_assert(__builtin_offsetof(struct arch_cpu, regs) == CPU_REGS, "arch_cpu layout");
_Static_assert(__builtin_offsetof(struct arch_cpu, kstack_top) == CPU_KSTACK, "arch_cpu layout");
_Static_assert(__builtin_offsetof(struct arch_cpu, sstatus_user) == CPU_SSTATUS, "arch_cpu layout");

struct cpu;

/* The running hart's struct cpu: tp, set once per hart and never changed in S-mode. */
static inline struct cpu *arch_this_cpu(void)
{
	return (struct cpu *)__builtin_thread_pointer();
}

/* This hart's struct arch_cpu (the first member of its struct cpu). */
static inline struct arch_cpu *riscv_this_cpu(void)
{
	return (struct arch_cpu *)__builtin_thread_pointer();
}

/*
 * The two arch operations of every IPC fast-path switch, inline so the
 * core's switch needs no calls (uspace.h's later prototypes of the same
 * names keep the internal linkage given here, C11 6.2.2).
 */
static inline void arch_set_current_regs(struct arch_regs *regs)
{
	riscv_this_cpu()->regs = regs;
}

/* Without an ASID of its own, activation of any space flushes ASID 0's entries (see below). */
static inline bool arch_aspace_switch_flushes(const struct arch_aspace *as)
{
	return as->asid == 0;
}

static inline void arch_aspace_activate(const struct arch_aspace *as)
{
	__asm__ volatile("csrw satp, %0" : : "r"(as->satp) : "memory");
	if (!as->asid)
		__asm__ volatile("sfence.vma zero, %0" : : "r"(0ul) : "memory");
}

static inline uint64_t arch_regs_ip(const struct arch_regs *r)
{
	return r->sepc;
}

static inline uint64_t arch_regs_sp(const struct arch_regs *r)
{
	return r->sp;
}

static inline void arch_irq_disable(void)
{
	__asm__ volatile("csrc sstatus, %0" : : "r"(SSTATUS_SIE_BIT) : "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("csrs sstatus, %0" : : "r"(SSTATUS_SIE_BIT) : "memory");
}

/* Let pending interrupts in for a moment (sstatus.SIE on, then off). */
static inline void arch_irq_window(void)
{
	__asm__ volatile("csrs sstatus, %0; csrc sstatus, %0" : : "r"(SSTATUS_SIE_BIT) : "memory");
}

/* Disable interrupts; returns whether they were enabled. */
static inline unsigned long arch_irq_save(void)
{
	unsigned long old;

	__asm__ volatile("csrrc %0, sstatus, %1" : "=r"(old) : "r"(SSTATUS_SIE_BIT) : "memory");
	return old & SSTATUS_SIE_BIT;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags)
		arch_irq_enable();
}

/* wfi wakes on a pending enabled interrupt even with sstatus.SIE clear. */
static inline void arch_wait_for_interrupt(void)
{
	__asm__ volatile("wfi" : : : "memory");
}

/* The time CSR: ticks at /cpus/timebase-frequency (boot_info.timer_hz). */
static inline uint64_t arch_cycles(void)
{
	uint64_t t;

	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

/*
 * The body of a spin-wait: Zihintpause's pause, encoded by hand (the
 * assembler's -march has no Zihintpause).  pause is FENCE with pred = W,
 * succ = 0, fm = 0, rs1 = rd = x0, which is in the HINT space of the base
 * ISA: a hart without Zihintpause executes it as a no-op (QEMU without
 * the extension decodes it as that FENCE, also harmless).  QEMU 7.2
 * implements it for rv64 (zihintpause is in its riscv,isa): it ends the
 * translation block and returns to the vCPU's execution loop, but that
 * does not end a vCPU's turn under single-threaded TCG (-icount): a
 * spinning vCPU keeps its budget (see core/smp_test.c for why waits
 * idle in wfi instead).
 */
static inline void arch_cpu_relax(void)
{
	__asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010" ::: "memory");   /* pause */
}

/* A static address takes two instructions (auipc, addi): the IPC fast path loads tables' bases through tp. */
#define ARCH_TABLE_BASE_LOAD 1

/* Spinlock steps (<core/spinlock.h>): an AMO each way; the release is one instruction. */
#define ARCH_HAS_SPINLOCK 1
static inline bool arch_spin_trylock(uint32_t *word)
{
	long old;       /* amoswap.w sign-extends into the whole register: no sext.w to test it */

	/*
	 * The value stored is the low half of tp, this CPU's struct cpu in
	 * the core (an address in the image, whose low 32 bits are never 0):
	 * no register to load with 1, and a held lock names its holder.
	 */
	__asm__ volatile("amoswap.w.aq %0, tp, %1" : "=r"(old), "+A"(*word) : : "memory");
	return old == 0;
}

static inline void arch_spin_unlock(uint32_t *word)
{
	__asm__ volatile("amoswap.w.rl zero, zero, %0" : "+A"(*word) : : "memory");
}

#endif

#endif
