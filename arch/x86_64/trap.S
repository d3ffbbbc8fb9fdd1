/*
 * Trap entry: one 16-byte stub per vector pushes a zero error code where
 * the CPU pushes none and the vector number, then trap_common saves every
 * GPR, CR2 and a pad word so the stack holds a struct arch_regs
 * (arch_impl.h, offsets in frame.h).
 *
 * From the core (CS.RPL = 0): the frame is on the current stack; x86_trap
 * runs on it and the trap returns to the interrupted code with iretq.
 *
 * From user mode (CS.RPL = 3): TSS.rsp0 is the end of the current
 * thread's frame, so the CPU and trap_common have pushed the frame into
 * the thread control block.  trap_common swaps GS (the core's per-CPU
 * block), moves to this CPU's kernel stack, calls x86_user_trap and leaves
 * through x86_return_to_user (entry.S), which returns to whichever thread
 * is current by then.  NMI, #DF and #MC run on IST stacks: their frame is
 * not the thread's, and x86_user_trap treats them as fatal.
 *
 * User access (RFLAGS.AC) is closed on every entry when SMAP is on: user
 * mode may set AC, and a core entered with AC set would have no SMAP.
 *
 * The swapgs decision reads CS of the frame, except for the IST vectors
 * (NMI, #DF, #MC): one of those can hit the syscall entry before its
 * swapgs (CS = core, GS = the user's), so their stubs go through
 * trap_paranoid, which decides by the GS base itself (the core's is a
 * higher-half address, Linux's paranoid entry).  They are fatal dumps
 * that never return, so the GS state they leave does not matter; the
 * dump needs the core's GS to name the CPU and to print.
 */
#include <arch/frame.h>
#include <arch/layout.h>

#define FRAME_CS (8 * 3)      /* offset of cs from the vector slot */
#define X86_MSR_GS_BASE_NR 0xc0000101

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)
/* Vectors on IST stacks (desc.c): NMI, #DF, #MC. */
#define ON_IST(v) ((v) == 2 || (v) == 8 || (v) == 18)

	.text
	.p2align 4
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	.p2align 4
	.if !HAS_ERROR(vec)
	pushq $0
	.endif
	pushq $vec
	.if ON_IST(vec)
	jmp trap_paranoid
	.else
	jmp trap_common
	.endif
	.set vec, vec + 1
	.endr

/* IST vectors: the core's GS base if not already there, then trap_common past its swapgs. */
trap_paranoid:
	pushq %rax
	pushq %rcx
	pushq %rdx
	movl $X86_MSR_GS_BASE_NR, %ecx
	rdmsr
	testl %edx, %edx
	js 1f                      /* negative: the core's (a higher-half address) */
	swapgs
1:	popq %rdx
	popq %rcx
	popq %rax
	jmp trap_after_swapgs

/*
 * Call-frame information so gdb unwinds from x86_trap() into the
 * interrupted code: the CFA is the end of the CPU's frame (vector slot +
 * 56), the interrupted rip and rsp are read from that frame, and every
 * pushed GPR is recorded where it lies.
 */
	.cfi_sections .debug_frame
#define DW_RSP 7
#define DW_RIP 16
.macro PUSH_REG reg
	pushq \reg
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset \reg, 0
.endm
.macro POP_REG reg
	popq \reg
	.cfi_adjust_cfa_offset -8
	.cfi_restore \reg
.endm

trap_common:
	.cfi_startproc simple
	.cfi_signal_frame
	.cfi_def_cfa %rsp, 56
	.cfi_offset DW_RIP, -40
	.cfi_offset DW_RSP, -16
	testb $3, FRAME_CS(%rsp)
	jz trap_after_swapgs
	swapgs
trap_after_swapgs:
	PUSH_REG %rax
	PUSH_REG %rbx
	PUSH_REG %rcx
	PUSH_REG %rdx
	PUSH_REG %rsi
	PUSH_REG %rdi
	PUSH_REG %rbp
	PUSH_REG %r8
	PUSH_REG %r9
	PUSH_REG %r10
	PUSH_REG %r11
	PUSH_REG %r12
	PUSH_REG %r13
	PUSH_REG %r14
	PUSH_REG %r15
	movq %cr2, %rax
	pushq %rax
	.cfi_adjust_cfa_offset 8
	subq $8, %rsp              /* pad */
	.cfi_adjust_cfa_offset 8
	cld
	testb $1, x86_smap_on(%rip)
	jz 2f
	clac
2:	testb $3, REGS_CS(%rsp)
	jnz user_trap
	movq %rsp, %rdi
	movq %rsp, %rbx            /* callee-saved: the frame, across the call */
	.cfi_def_cfa_register %rbx
	andq $-16, %rsp
	call x86_trap
	movq %rbx, %rsp
	.cfi_def_cfa_register %rsp
	addq $16, %rsp             /* pad, cr2 */
	.cfi_adjust_cfa_offset -16
	POP_REG %r15
	POP_REG %r14
	POP_REG %r13
	POP_REG %r12
	POP_REG %r11
	POP_REG %r10
	POP_REG %r9
	POP_REG %r8
	POP_REG %rbp
	POP_REG %rdi
	POP_REG %rsi
	POP_REG %rdx
	POP_REG %rcx
	POP_REG %rbx
	POP_REG %rax
	addq $16, %rsp             /* vector, error code */
	.cfi_adjust_cfa_offset -16
	iretq

/* From user mode: rsp = the frame (the thread's, except for IST vectors). */
user_trap:
	.cfi_undefined DW_RIP      /* a user frame ends the core's backtrace */
	movq %rsp, %rdi
	movq %gs:PCPU_KSTACK, %rsp
	call x86_user_trap
	jmp x86_return_to_user
	.cfi_endproc
