/*
 * riscv64 entry of the core and its trap vector.
 *
 * OpenSBI enters _start in S-mode at the PHYSICAL load address with
 * a0 = hart id, a1 = physical address of the device tree, paging off.
 * Until the jump to the higher half only PC-relative addressing is used
 * (lla), and the image's absolute (virtual) addresses are read from
 * literals.  The entry code:
 *   1. points stvec at early_trap (OpenSBI leaves it at _start, so an
 *      early trap would silently restart the kernel);
 *   2. clears .bss;
 *   3. builds the boot page tables: the kernel's gigabyte identity-mapped
 *      and at its higher-half address, the same gigabyte and the device
 *      tree's two gigabytes in the direct map, and physical gigabyte 0 in
 *      the MMIO window (exit device, UART) - all 1 GiB leaves;
 *   4. probes Sv48 by writing satp with mode 9 and reading it back (the
 *      write is ignored if the mode is unsupported), else uses Sv39.
 *      boot_pt_l2 is the Sv39 root and, at the same time, the level-2
 *      table under Sv48 root slots 0 (identity) and 511 (core half);
 *   5. jumps to the higher half, takes the boot stack, installs the real
 *      trap vector and calls riscv_boot(hart, dtb) with tp = 0 (no struct
 *      cpu yet: arch_cpu_init_boot() sets tp, see <arch/regs.h>).
 */
#include <arch/regs.h>
#include <arch/riscv.h>

	.cfi_sections .debug_frame     /* .eh_frame is discarded by core.ld */

#define PTE_BOOT_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define PTE_BOOT_RW  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G)
#define DIRECT_SLOT  256        /* Sv39 root slot of ARCH_DIRECT_MAP_BASE */
#define DIRECT_GIBS  192        /* RISCV_DIRECT_MAP_LIMIT in GiB */
#define MMIO_SLOT    448        /* Sv39 root slot of RISCV_MMIO_BASE */
#define SBI_PUTCHAR_EID 1      /* legacy console putchar */
#define SBI_HSM_EID     0x48534D
#define SBI_HSM_HART_STOP_FID 1

/*
 * The image begins with Linux's RISC-V image header (Documentation/riscv/
 * boot-image-header.rst), so U-Boot's booti can load a flat copy of the
 * image (objcopy -O binary): it checks the magic, moves the image to the
 * start of RAM + text_offset (0x80200000, where it is linked) and enters
 * it with a0 = hart id, a1 = device tree, as OpenSBI does.  The first
 * word jumps over the header, so OpenSBI's -kernel path enters here too.
 */
	.section .text.boot, "ax", @progbits
	.global _start
_start:
	.option push
	.option norvc
	j	.Lstart_after_header    /* code0 */
	.option pop
	.word	0                       /* code1 */
	.dword	0x200000                /* text_offset from the start of RAM */
	.dword	__image_size            /* image_size: bss included */
	.dword	0                       /* flags: little endian */
	.word	2                       /* version 0.2 */
	.word	0                       /* res1 */
	.dword	0                       /* res2 */
	.ascii	"RISCV\0\0\0"           /* magic */
	.ascii	"RSC\x05"               /* magic2 */
	.word	0                       /* res3 (no PE/COFF header) */
.Lstart_after_header:
	lla	t0, early_trap
	csrw	stvec, t0
	csrw	sie, zero
	csrci	sstatus, 2
	lla	t0, riscv_boot_claimed
	li	t1, 1
	amoswap.w.aqrl t1, t1, (t0)
	beqz	t1, 1f
	j	.Llate_entry
1:	mv	s0, a0
	mv	s1, a1

	lla	t0, __bss_start
	lla	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	/* s2 = physical, s3 = virtual address of the image; same offset in their gigabyte. */
	lla	s2, __image_start
	ld	s3, .Lvirt_image_start
	xor	t0, s2, s3
	slli	t0, t0, 34
	bnez	t0, .Lbad_load
	lla	t0, riscv_kernel_pa
	sd	s2, 0(t0)

	lla	a2, boot_pt_l2
	srli	t2, s2, 30              /* t2 = the kernel's gigabyte number */
	li	t0, DIRECT_GIBS
	bgeu	t2, t0, .Lbad_load
	slli	t3, t2, 30
	srli	t3, t3, 2               /* leaf PPN field of that gigabyte */
	ori	t4, t3, PTE_BOOT_RWX
	slli	t5, t2, 3
	add	t5, a2, t5
	sd	t4, 0(t5)               /* identity */
	ori	t4, t4, PTE_G
	srli	t5, s3, 30
	andi	t5, t5, 511
	slli	t5, t5, 3
	add	t5, a2, t5
	sd	t4, 0(t5)               /* higher half */
	ori	t4, t3, PTE_BOOT_RW
	addi	t5, t2, DIRECT_SLOT
	slli	t5, t5, 3
	add	t5, a2, t5
	sd	t4, 0(t5)               /* direct map of the kernel's gigabyte */

	srli	t2, s1, 30              /* the device tree's gigabyte and the next one */
	li	t6, 2
3:	li	t0, DIRECT_GIBS
	bgeu	t2, t0, 4f
	slli	t3, t2, 30
	srli	t3, t3, 2
	ori	t4, t3, PTE_BOOT_RW
	addi	t5, t2, DIRECT_SLOT
	slli	t5, t5, 3
	add	t5, a2, t5
	sd	t4, 0(t5)
	addi	t2, t2, 1
	addi	t6, t6, -1
	bnez	t6, 3b
4:
	li	t4, PTE_BOOT_RW         /* MMIO window: physical gigabyte 0 */
	li	t5, MMIO_SLOT * 8
	add	t5, a2, t5
	sd	t4, 0(t5)

	lla	a3, boot_pt_l3
	srli	t4, a2, 2
	ori	t4, t4, PTE_V
	sd	t4, 0(a3)
	li	t5, 511 * 8
	add	t5, a3, t5
	sd	t4, 0(t5)

	/* Sv48 if the hart takes it, else Sv39; else give up. */
	li	t6, SATP_MODE_SV48
	srli	t4, a3, 12
	slli	t5, t6, SATP_MODE_SHIFT
	or	t4, t4, t5
	csrw	satp, t4
	csrr	t0, satp
	srli	t0, t0, SATP_MODE_SHIFT
	beq	t0, t6, 5f
	li	t6, SATP_MODE_SV39
	srli	t4, a2, 12
	slli	t5, t6, SATP_MODE_SHIFT
	or	t4, t4, t5
	csrw	satp, t4
	csrr	t0, satp
	srli	t0, t0, SATP_MODE_SHIFT
	bne	t0, t6, .Lno_paging
5:	sfence.vma zero, zero
	lla	t0, riscv_satp_mode
	sd	t6, 0(t0)
	lla	t0, riscv_boot_satp     /* what the other harts write first (smp.c) */
	sd	t4, 0(t0)

	ld	t0, .Lvirt_start_high
	jr	t0

.Lbad_load:
.Lno_paging:
	ebreak                          /* reported by early_trap */

	.balign 8
.Lvirt_image_start:
	.dword	__image_start
.Lvirt_start_high:
	.dword	start_high

/* Running at the higher-half address from here on. */
	.text
start_high:
	.cfi_startproc
	.cfi_undefined ra               /* the bottom of every backtrace */
	lla	sp, boot_stack_top
	li	tp, 0                   /* no struct cpu yet (printk copes) */
	lla	t0, trap_entry
	csrw	stvec, t0
	csrw	sscratch, zero
	mv	a0, s0
	mv	a1, s1
	li	s0, 0                   /* end of the frame-pointer chain */
	call	riscv_boot
6:	wfi
	j	6b
	.cfi_endproc

/*
 * riscv_secondary_entry: where SBI HSM hart_start sends every other hart
 * (smp.c), at the PHYSICAL address, in S-mode with paging off, a0 = its
 * hart id, a1 = opaque = the virtual address of its struct cpu.  Like
 * _start it points stvec at early_trap, then turns on the boot tables
 * (riscv_boot_satp: the kernel's gigabyte identity-mapped and in the
 * higher half).  A hart that does not take them (satp reads back
 * different: the mode is not implemented) stops itself through SBI HSM,
 * which smp.c sees and reports; the others jump to the higher half.
 */
/*
 * .Llate_entry: a hart that reaches _start after the boot hart claimed
 * it.  OpenSBI 1.1's hart_start marks the hart START_PENDING before it
 * stores the start address and opaque value; a hart that leaves its wfi
 * wait in between (any wake-up does) jumps to the previous next address,
 * the cold entry, with a1 = the device tree.  It must not run the boot
 * path (it would clear .bss under the running core): it takes the start
 * note smp.c wrote before the SBI call (hart id, opaque) and goes on as
 * riscv_secondary_entry.  A hart the note does not name was started by
 * nobody: it stops itself.
 */
.Llate_entry:
	lla	t0, riscv_late_start
	ld	t1, 0(t0)               /* hart id + 1 (0: no start under way) */
	fence	r, r
	ld	a1, 8(t0)               /* opaque: the struct cpu */
	addi	t1, t1, -1
	beq	t1, a0, riscv_secondary_entry
	li	a7, SBI_HSM_EID
	li	a6, SBI_HSM_HART_STOP_FID
	ecall
	ebreak

	.global riscv_secondary_entry
riscv_secondary_entry:
	lla	t0, early_trap
	csrw	stvec, t0
	csrw	sie, zero
	csrci	sstatus, 2
	mv	s1, a1
	lla	t0, riscv_boot_satp
	ld	t0, 0(t0)
	csrw	satp, t0
	csrr	t1, satp
	bne	t0, t1, 1f
	sfence.vma zero, zero
	ld	t0, .Lvirt_secondary_high
	jr	t0
1:	li	a7, SBI_HSM_EID
	li	a6, SBI_HSM_HART_STOP_FID
	ecall
	ebreak                          /* hart_stop returned: early_trap reports it */

	.balign 8
.Lvirt_secondary_high:
	.dword	secondary_high

/*
 * secondary_high: the higher half, still on the boot tables.  tp becomes
 * the hart's struct cpu, then the hart switches to the core's final
 * tables (no identity map: early_trap is out of reach from here until
 * stvec = trap_entry, so only loads from the image's data, which cannot
 * trap, run in between), takes its kernel stack and the real trap
 * vector, and calls riscv_secondary_main(cpu) with interrupts off.
 */
	.text
secondary_high:
	.cfi_startproc
	.cfi_undefined ra               /* the bottom of every backtrace */
	mv	tp, s1
	lla	t0, riscv_kernel_satp
	ld	t0, 0(t0)
	csrw	satp, t0
	sfence.vma zero, zero
	ld	sp, CPU_KSTACK(tp)
	lla	t0, trap_entry
	csrw	stvec, t0
	csrw	sscratch, zero
	li	s0, 0                   /* end of the frame-pointer chain */
	mv	a0, tp
	call	riscv_secondary_main
2:	wfi
	j	2b
	.cfi_endproc

/*
 * early_trap: a trap before the higher half is reached.  Runs at the
 * physical address with no stack: turns paging off, prints the trap CSRs
 * through the SBI legacy console and ends the run with CORE_EXIT_PANIC
 * through the sifive_test device at its physical address.
 */
.macro SBI_PUTC reg
	mv	a0, \reg
	li	a7, SBI_PUTCHAR_EID
	li	a6, 0
	ecall
.endm

.macro PUTS label
	lla	s4, \label
10:	lbu	s5, 0(s4)
	beqz	s5, 11f
	SBI_PUTC s5
	addi	s4, s4, 1
	j	10b
11:
.endm

.macro PUTHEX csr
	csrr	s4, \csr
	li	s6, 60
12:	srl	s5, s4, s6
	andi	s5, s5, 15
	addi	s5, s5, '0'
	li	s7, '9'
	ble	s5, s7, 13f
	addi	s5, s5, 'a' - '0' - 10
13:	SBI_PUTC s5
	addi	s6, s6, -4
	bgez	s6, 12b
.endm

	.section .text.boot, "ax", @progbits
	.balign 4
early_trap:
	csrw	satp, zero
	sfence.vma zero, zero
	PUTS	.Lmsg_early
	PUTHEX	scause
	PUTS	.Lmsg_sepc
	PUTHEX	sepc
	PUTS	.Lmsg_stval
	PUTHEX	stval
	PUTS	.Lmsg_end
	li	t0, 0x100000
	li	t1, 0x3333 | (2 << 16)
	sw	t1, 0(t0)
7:	wfi
	j	7b

.Lmsg_early:
	.asciz	"\nmneme: early trap before the higher half (bad load address or no Sv39/Sv48?): scause 0x"
.Lmsg_sepc:
	.asciz	" sepc 0x"
.Lmsg_stval:
	.asciz	" stval 0x"
.Lmsg_end:
	.asciz	"\nmneme: halting after unexpected trap\n"

/*
 * trap_entry: every trap once the core runs in the higher half (stvec,
 * direct mode).
 *
 * sscratch is 0 while the hart runs the core and holds the address of
 * the running thread's frame (struct arch_regs in its TCB) while it runs
 * user code; the swap at the top tells the two apart.
 *
 * From the core: the frame goes on the current stack and the trap
 * returns to the interrupted core code.  A trap whose frame would land
 * in a stack's guard page (the lowest page of a KSTACK_SIZE-aligned
 * stack) is a kernel stack overflow: it is moved to the emergency stack
 * and reported, never retried.
 *
 * From user mode: see user_entry below.
 */
.macro SAVE_GPRS_BUT_SP_T0
	sd	x1, REGS_GPR(1)(sp)
	sd	x3, REGS_GPR(3)(sp)
	sd	x4, REGS_GPR(4)(sp)
	.irp n, 6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, REGS_GPR(\n)(sp)
	.endr
	csrr	t0, sepc
	sd	t0, REGS_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, REGS_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, REGS_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, REGS_STVAL(sp)
.endm

/*
 * Unwind information for debuggers: once the frame is saved, the
 * interrupted context's sp, pc (sepc, as the return address) and frame
 * pointer are read from it, so gdb's backtrace continues across a trap.
 * DW_CFA_def_cfa_expression: CFA = *(sp + sp slot); DW_CFA_expression:
 * ra lives at sp + REGS_SEPC, s0 at sp + its slot (DW_OP_breg2 = sp).
 */
.macro TRAP_FRAME_CFI
	.cfi_escape 0x0f, 3, 0x72, REGS_GPR(2), 0x06
	.cfi_escape 0x10, 1, 3, 0x72, (REGS_SEPC & 0x7f) | 0x80, REGS_SEPC >> 7
	.cfi_escape 0x10, 8, 2, 0x72, REGS_GPR(8)
.endm

	.text
	.balign 4
	.global trap_entry
trap_entry:
	.cfi_startproc
	.cfi_signal_frame
	csrrw	sp, sscratch, sp
	bnez	sp, user_entry
	csrrw	sp, sscratch, zero      /* from the core: sp back, sscratch 0 */
	csrw	sscratch, t0            /* borrow sscratch to free t0 */
	addi	t0, sp, -REGS_FRAME_SIZE
	slli	t0, t0, 64 - KSTACK_SHIFT
	srli	t0, t0, 64 - KSTACK_SHIFT + PAGE_SHIFT
	beqz	t0, .Lstack_overflow
	slli	t0, sp, 64 - KSTACK_SHIFT
	srli	t0, t0, 64 - KSTACK_SHIFT + PAGE_SHIFT
	beqz	t0, .Lstack_overflow
	addi	sp, sp, -REGS_FRAME_SIZE
	csrrw	t0, sscratch, zero
	sd	t0, REGS_GPR(5)(sp)
	addi	t0, sp, REGS_FRAME_SIZE
	sd	t0, REGS_GPR(2)(sp)
.Lsave:
	SAVE_GPRS_BUT_SP_T0
	TRAP_FRAME_CFI
	mv	a0, sp
	call	riscv_trap

	ld	t0, REGS_SEPC(sp)
	csrw	sepc, t0
	ld	t0, REGS_SSTATUS(sp)
	csrw	sstatus, t0
	ld	x1, REGS_GPR(1)(sp)
	ld	x3, REGS_GPR(3)(sp)
	ld	x4, REGS_GPR(4)(sp)
	.irp n, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, REGS_GPR(\n)(sp)
	.endr
	ld	sp, REGS_GPR(2)(sp)
	sret
	.cfi_endproc

.Lstack_overflow:
	/*
	 * One emergency stack for every hart: the first hart to overflow
	 * takes it and ends the run; another that overflows meanwhile parks
	 * here for good (its t0 is lost: it never resumes).
	 */
	lla	t0, emergency_stack_lock
	amoswap.w.aq t0, t0, (t0)       /* stores the address's low word: never 0 */
	bnez	t0, 9f
	lla	t0, emergency_stack_top
	addi	t0, t0, -REGS_FRAME_SIZE
	sd	sp, REGS_GPR(2)(t0)
	mv	sp, t0
	csrrw	t0, sscratch, zero
	sd	t0, REGS_GPR(5)(sp)
	SAVE_GPRS_BUT_SP_T0
	mv	a0, sp
	call	riscv_stack_overflow
8:	wfi
	j	8b
9:	wfi
	j	9b

/*
 * user_entry: a trap from user mode.  sp = the thread's frame (struct
 * arch_regs in its TCB), sscratch = the user's sp, tp = the user's tp.
 * The user registers go straight into the frame, then tp becomes this
 * hart's struct cpu (from the frame's REGS_CPU slot, which the last
 * return to user mode on this hart filled), sp this hart's kernel stack
 * top (CPU_KSTACK(tp)) and sscratch 0.
 *
 * The syscall path (ecall) is the IPC fast path's, so it is lean: it
 * saves only what a syscall preserves (ra, sp, gp, tp, s0-s11, a7) and
 * sepc, already advanced past the ecall, and calls
 * core_syscall_args(a0, .., a6, nr) with the user's a0..a7 untouched:
 * the core stores arg0..arg6 in the frame only on its general path.
 * ra is saved first and then holds scause for the test; t0-t6 are
 * clobbered by the syscall ABI and not saved (the frame keeps the
 * thread's older values, which .Lrestore loads, so nothing of the core
 * leaks), nor are scause, stval and sstatus.  The core returns the frame
 * of the thread to run.  Every other trap saves everything.
 *
 * Both paths end in .Lrestore, which returns with the registers of
 * the frame in a0, leaves that frame's address in sscratch and this
 * hart's struct cpu in the frame's REGS_CPU slot.
 */
	.balign 4
user_entry:
	.cfi_startproc
	.cfi_undefined ra               /* a user frame ends the core's backtrace */
	sd	x1, REGS_GPR(1)(sp)
	csrr	ra, scause
	addi	ra, ra, -8              /* EXC_ECALL_U */
	bnez	ra, .Luser_trap
	sd	x3, REGS_GPR(3)(sp)
	sd	x4, REGS_GPR(4)(sp)
	.irp n, 8,9,17,18,19,20,21,22,23,24,25,26,27
	sd	x\n, REGS_GPR(\n)(sp)
	.endr
	ld	tp, REGS_CPU(sp)        /* this hart's struct cpu */
	csrrw	t1, sscratch, zero      /* the user sp; sscratch 0: in the core now */
	sd	t1, REGS_GPR(2)(sp)
	csrr	t1, sepc
	addi	t1, t1, 4
	sd	t1, REGS_SEPC(sp)
	ld	sp, CPU_KSTACK(tp)
	jal	core_syscall_args       /* returns the frame of the thread to run */
	/* fall through, a0 = the frame */
.Lrestore:
	ld	a1, REGS_SEPC(a0)
	csrw	sepc, a1
	csrw	sscratch, a0
	sd	tp, REGS_CPU(a0)        /* the next trap of this thread finds this hart */
	ld	x1, REGS_GPR(1)(a0)
	ld	x3, REGS_GPR(3)(a0)
	ld	x4, REGS_GPR(4)(a0)
	.irp n, 5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, REGS_GPR(\n)(a0)
	.endr
	ld	sp, REGS_GPR(2)(a0)
	ld	a0, REGS_GPR(10)(a0)
	sret

/*
 * riscv_return_to_user: sp = a kernel stack, interrupts off.  Restores
 * the registers of the frame last given to arch_set_current_regs() and
 * returns to user mode.  sstatus is already right (see arch_enter_user):
 * SPP = U, SUM = 0, FS = off (an FP instruction is illegal in U-mode).
 */
	.global riscv_return_to_user
riscv_return_to_user:
	ld	a0, CPU_REGS(tp)
	j	.Lrestore

/* Any other trap from user mode (ra saved already): save everything. */
.Luser_trap:
	sd	x3, REGS_GPR(3)(sp)
	sd	x4, REGS_GPR(4)(sp)
	.irp n, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, REGS_GPR(\n)(sp)
	.endr
	csrrw	t1, sscratch, zero      /* the user sp; sscratch 0: in the core now */
	sd	t1, REGS_GPR(2)(sp)
	csrr	t1, sepc
	sd	t1, REGS_SEPC(sp)
	csrr	a1, scause
	sd	a1, REGS_SCAUSE(sp)
	csrr	t1, stval
	sd	t1, REGS_STVAL(sp)
	csrr	t1, sstatus
	sd	t1, REGS_SSTATUS(sp)
	mv	a0, sp
	ld	tp, REGS_CPU(a0)
	ld	sp, CPU_KSTACK(tp)
	sd	a0, CPU_REGS(tp)        /* the interrupted thread is current unless the core switches */
	call	riscv_user_trap         /* (regs, scause) */
	j	riscv_return_to_user
	.cfi_endproc

/*
 * arch_enter_user: the first return to user mode (interrupts off).  Sets
 * the user-mode sstatus once; later returns find it in place (a trap
 * from U-mode leaves SPP = U, every sret of a nested trap sets SPP = U
 * again, and the user-copy routine clears SUM on both of its exits).
 */
	.global arch_enter_user
arch_enter_user:
	ld	sp, CPU_KSTACK(tp)
	ld	a1, CPU_SSTATUS(tp)
	csrw	sstatus, a1
	j	riscv_return_to_user


/*
 * riscv_user_copy(dst, src, n): copy n bytes with user access open
 * (sstatus.SUM); 0, or -1 if an access faulted.  A page or access fault
 * with sepc inside [riscv_user_copy, riscv_user_copy_end) is sent to
 * riscv_user_copy_fault by the core's trap handler (trap.c).  Words when
 * both pointers are 8-byte aligned, then bytes.
 */
	.global riscv_user_copy, riscv_user_copy_end, riscv_user_copy_fault
	.balign 4
riscv_user_copy:
	.cfi_startproc
	li	t1, 1 << 18             /* SSTATUS_SUM */
	csrs	sstatus, t1
	or	t0, a0, a1
	andi	t0, t0, 7
	bnez	t0, 2f
	li	t2, 8
1:	bltu	a2, t2, 2f
	ld	t0, 0(a1)
	sd	t0, 0(a0)
	addi	a0, a0, 8
	addi	a1, a1, 8
	addi	a2, a2, -8
	j	1b
2:	beqz	a2, 3f
	lbu	t0, 0(a1)
	sb	t0, 0(a0)
	addi	a0, a0, 1
	addi	a1, a1, 1
	addi	a2, a2, -1
	j	2b
3:	csrc	sstatus, t1
	li	a0, 0
	ret

/*
 * riscv_probe_load(addr, out) / riscv_probe_store(addr, value): one word,
 * 0, or -1 if the access faulted (inside the fixup range of
 * riscv_user_copy).  sstatus.SUM is left alone: for the TLB tests
 * (smp_test.c), which probe pages without U, since QEMU empties a hart's
 * TLB whenever SUM changes.
 */
	.global riscv_probe_load, riscv_probe_store
riscv_probe_load:
	ld	t0, 0(a0)
	sd	t0, 0(a1)
	li	a0, 0
	ret
riscv_probe_store:
	sd	a1, 0(a0)
	li	a0, 0
	ret
riscv_user_copy_end:
riscv_user_copy_fault:
	li	t1, 1 << 18
	csrc	sstatus, t1
	li	a0, -1
	ret
	.cfi_endproc

	.section .data
	.balign 8
	.global riscv_late_start
riscv_late_start:               /* smp.c: the hart being started (id + 1), its opaque */
	.dword	0, 0
riscv_boot_claimed:             /* not .bss: _start tests it before clearing .bss */
	.word	0

	.section .bss
	.balign 4
emergency_stack_lock:
	.skip	4

/* Boot page tables (cleared with .bss before use) and the boot stacks. */
	.section .bss.boot_pt, "aw", @nobits
	.balign 4096
	.global boot_pt_l2, boot_pt_l3
boot_pt_l2:
	.skip	4096
boot_pt_l3:
	.skip	4096

	.section .bss.stack, "aw", @nobits
	.balign KSTACK_SIZE
	.global boot_stack_guard, boot_stack_top, emergency_stack_guard, emergency_stack_top
boot_stack_guard:                       /* the boot hart's kernel stack, for good */
	.skip	PAGE_SIZE
	.skip	KSTACK_SIZE - PAGE_SIZE
boot_stack_top:
emergency_stack_guard:
	.skip	PAGE_SIZE
	.skip	KSTACK_SIZE - PAGE_SIZE
emergency_stack_top:
