/*
 * User-mode entry and exit: the syscall instruction's entry point, the
 * return to user mode (sysretq or iretq), the first entry to user mode,
 * and the user-copy routine with its fault exit.
 *
 * The syscall path is the IPC fast path's, so it is lean: the user
 * registers go straight into the current thread's frame (struct arch_regs
 * in its TCB, %gs:PCPU_REGS), rcx and r11 are not saved as registers
 * (the syscall ABI clobbers them: they hold the return rip and rflags,
 * saved as such), cr2, the vector and the error code are not touched (the
 * vector is already X86_VEC_SYSCALL: see x86_return_to_user).  SFMASK clears
 * IF, TF, DF, AC and NT on entry, so no cli, cld or clac is needed.
 */
#include <arch/frame.h>
#include <arch/layout.h>

	.cfi_sections .debug_frame
#define DW_RIP 16

	.text
	.p2align 4
	.globl x86_syscall_entry
x86_syscall_entry:
	.cfi_startproc simple
	.cfi_undefined DW_RIP      /* a user frame ends the core's backtrace */
	swapgs
	movq %rsp, %gs:PCPU_USER_RSP
	movq %gs:PCPU_REGS, %rsp
	movq %rcx, REGS_RIP(%rsp)
	movq %r11, REGS_RFLAGS(%rsp)
	movq %gs:PCPU_USER_RSP, %rcx
	movq %rcx, REGS_RSP(%rsp)
	movq %rax, REGS_RAX(%rsp)
	movq %rbx, REGS_RBX(%rsp)
	movq %rdx, REGS_RDX(%rsp)
	movq %rsi, REGS_RSI(%rsp)
	movq %rdi, REGS_RDI(%rsp)
	movq %rbp, REGS_RBP(%rsp)
	movq %r8, REGS_R8(%rsp)
	movq %r9, REGS_R9(%rsp)
	movq %r10, REGS_R10(%rsp)
	movq %r12, REGS_R12(%rsp)
	movq %r13, REGS_R13(%rsp)
	movq %r14, REGS_R14(%rsp)
	movq %r15, REGS_R15(%rsp)
	movq %rsp, %rdi
	movq %gs:PCPU_KSTACK, %rsp
	call core_syscall
	/* fall through */

/*
 * x86_return_to_user: on the kernel stack, interrupts off, GS = the
 * core's.  Returns to user mode with the frame of the thread current now
 * (%gs:PCPU_REGS): sysretq if its last entry was a syscall (vector =
 * X86_VEC_SYSCALL), else iretq with every register.  The iretq path sets
 * the vector back to X86_VEC_SYSCALL, so a frame says "syscall" from
 * then on until the next trap writes a vector: the syscall entry need not.  A frame's rip should always be canonical: the CPU
 * saved it, or arch_regs_init_user() checked it, and no user page ends at
 * the canonical boundary (ARCH_USER_TOP).  It is checked here all the same,
 * whatever wrote the frame: a return address at or above X86_USER_TOP
 * becomes X86_USER_TOP (canonical, never mapped), so the thread takes a
 * user page fault there instead of sysretq or iretq faulting in ring 0 on
 * CPUs that check the address before the privilege change.
 */
	.globl x86_return_to_user
x86_return_to_user:
	movq %gs:PCPU_REGS, %rsp
	movabsq $X86_USER_TOP, %rcx
	cmpq %rcx, REGS_RIP(%rsp)
	jb 2f
	movq %rcx, REGS_RIP(%rsp)
2:
	cmpq $X86_VEC_SYSCALL, REGS_VECTOR(%rsp)
	jne 1f
	movq REGS_RIP(%rsp), %rcx
	movq REGS_RFLAGS(%rsp), %r11
	movq REGS_RAX(%rsp), %rax
	movq REGS_RBX(%rsp), %rbx
	movq REGS_RDX(%rsp), %rdx
	movq REGS_RSI(%rsp), %rsi
	movq REGS_RDI(%rsp), %rdi
	movq REGS_RBP(%rsp), %rbp
	movq REGS_R8(%rsp), %r8
	movq REGS_R9(%rsp), %r9
	movq REGS_R10(%rsp), %r10
	movq REGS_R12(%rsp), %r12
	movq REGS_R13(%rsp), %r13
	movq REGS_R14(%rsp), %r14
	movq REGS_R15(%rsp), %r15
	movq REGS_RSP(%rsp), %rsp
	swapgs
	sysretq
1:	movq $X86_VEC_SYSCALL, REGS_VECTOR(%rsp)
	addq $REGS_R15, %rsp       /* pad, cr2 */
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
	addq $16, %rsp             /* vector, error code */
	swapgs
	iretq
	.cfi_endproc

/*
 * arch_enter_user: the first return to user mode on this CPU (end of
 * boot).  The boot stack becomes the CPU's kernel stack.
 */
	.globl arch_enter_user
arch_enter_user:
	cli
	movq %gs:PCPU_KSTACK, %rsp
	jmp x86_return_to_user

/*
 * x86_user_copy(dst, src, n): copy n bytes with user access open (stac
 * when SMAP is on); 0, or -1 if an access faulted.  A #PF or #GP with rip
 * inside [x86_user_copy, x86_user_copy_end) resumes at
 * x86_user_copy_fault (trap.c), which closes user access again.
 */
	.globl x86_user_copy, x86_user_copy_end, x86_user_copy_fault
	.p2align 4
x86_user_copy:
	.cfi_startproc
	testb $1, x86_smap_on(%rip)
	jz 1f
	stac
1:	movq %rdx, %rcx
	rep movsb
x86_user_copy_end:
	xorl %eax, %eax
	jmp 2f
x86_user_copy_fault:
	movl $-1, %eax
2:	testb $1, x86_smap_on(%rip)
	jz 3f
	clac
3:	ret
	.cfi_endproc
	.section .note.GNU-stack, "", @progbits
