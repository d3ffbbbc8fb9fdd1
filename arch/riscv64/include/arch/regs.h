/*
 * The riscv64 trap frame, shared by the assembly trap entry and C.
 *
 * Slot n-1 holds register xn (x1..x31), then the trap CSRs.  The frame
 * size keeps sp 16-byte aligned as the psABI requires.  The offsets are
 * written out once here for the assembler and checked against the C
 * structure below, so the two cannot drift apart.
 */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#define REGS_NR_GPR     31
#define REGS_GPR(n)     (((n) - 1) * 8)   /* offset of xn, 1 <= n <= 31 */
#define REGS_SEPC       248
#define REGS_SSTATUS    256
#define REGS_SCAUSE     264
#define REGS_STVAL      272
#define REGS_CPU        280   /* struct cpu * of the hart that last returned to user mode with it */
#define REGS_FRAME_SIZE 288

/*
 * Kernel stacks are KSTACK_SIZE bytes, aligned to KSTACK_SIZE, and the
 * lowest page of each is an unmapped guard page.  The trap entry relies on
 * this to recognise a stack overflow from sp alone.
 */
#define KSTACK_SHIFT    15
#define KSTACK_SIZE     (1 << KSTACK_SHIFT)

/*
 * Per-hart state.  In S-mode tp always holds the running hart's struct
 * cpu (<core/cpu.h>), whose first member is struct arch_cpu
 * (<arch/arch_impl.h>); these are the offsets the assembly uses.  In
 * user mode tp is the user's and sscratch holds the running thread's
 * frame; a trap from user mode swaps sp with sscratch, saves the user
 * registers into the frame, then takes tp from the frame's REGS_CPU slot
 * (written by every return to user mode) and sp from CPU_KSTACK(tp).
 */
#define CPU_REGS        0    /* struct arch_regs * of the current thread */
#define CPU_KSTACK      8    /* top of this hart's kernel stack */
#define CPU_SSTATUS     16   /* sstatus for the return to user mode */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct arch_regs {
	union {
		uint64_t gpr[REGS_NR_GPR];   /* gpr[n - 1] is xn */
		struct {
			uint64_t ra, sp, gp, tp, t0, t1, t2, s0, s1;
			uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
			uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
			uint64_t t3, t4, t5, t6;
		};
	};
	uint64_t sepc;      /* pc of the trapping instruction (or the interrupted one) */
	uint64_t sstatus;
	uint64_t scause;
	uint64_t stval;
	/*
	 * The hart running this thread in user mode: .Lrestore (entry.S)
	 * stores tp here on every return to user mode and the trap entry
	 * loads tp from here, so the core never writes it (a thread runs
	 * in user mode on one hart at a time).  Also keeps the frame a
	 * multiple of 16 bytes.
	 */
	uint64_t cpu;
};

_Static_assert(__builtin_offsetof(struct arch_regs, t6) == REGS_GPR(31), "regs layout");
_Static_assert(__builtin_offsetof(struct arch_regs, sp) == REGS_GPR(2), "regs layout");
_Static_assert(__builtin_offsetof(struct arch_regs, sepc) == REGS_SEPC, "regs layout");
_Static_assert(__builtin_offsetof(struct arch_regs, sstatus) == REGS_SSTATUS, "regs layout");
_Static_assert(__builtin_offsetof(struct arch_regs, scause) == REGS_SCAUSE, "regs layout");
_Static_assert(__builtin_offsetof(struct arch_regs, stval) == REGS_STVAL, "regs layout");
_Static_assert(__builtin_offsetof(struct arch_regs, cpu) == REGS_CPU, "regs layout");
_Static_assert(sizeof(struct arch_regs) == REGS_FRAME_SIZE, "regs layout");
#endif

#endif
