/*
 * Trap entry: one 16-byte stub per vector pushes a zero error code where
 * the CPU pushes none and the vector number, then trap_common saves every
 * GPR and CR2 so the stack holds a struct arch_regs (arch_impl.h), calls
 * x86_trap(regs) on a 16-byte aligned stack, restores and irets.
 *
 * Entries from user mode (CS.RPL = 3) swap GS so the core's per-CPU GS
 * base is active; none happen yet, but the path is here.
 */
#include <arch/layout.h>

#define FRAME_CS (8 * 3)      /* offset of cs from the vector slot */

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

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
	jmp trap_common
	.set vec, vec + 1
	.endr

trap_common:
	testb $3, FRAME_CS(%rsp)
	jz 1f
	swapgs
1:	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %cr2, %rax
	pushq %rax
	cld
	movq %rsp, %rdi
	movq %rsp, %rbx            /* callee-saved: the frame, across the call */
	andq $-16, %rsp
	call x86_trap
	movq %rbx, %rsp
	addq $8, %rsp              /* cr2 */
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	testb $3, FRAME_CS(%rsp)
	jz 2f
	swapgs
2:	addq $16, %rsp             /* vector, error code */
	iretq
