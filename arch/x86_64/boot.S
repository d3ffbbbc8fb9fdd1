/*
 * x86_64 entry: from QEMU's PVH boot (32-bit protected mode, paging off,
 * %ebx = physical address of struct hvm_start_info) or from a Multiboot2
 * loader (GRUB: the same CPU state, %eax = MB2_BOOT_MAGIC, %ebx = the
 * boot information) to C in the higher half with a stack; and the
 * application processors' way from the start-up IPI (real mode) to C.
 *
 * The image is linked at X86_KERNEL_VMA + phys and loaded at its physical
 * addresses, so until paging is on every symbol is used as PHYS(sym).  The
 * boot page tables are static data: they identity-map the low 4 GiB with
 * 2 MiB pages (C code uses this to read the start info and to reach the
 * page-table frames bootmem hands out) and map the first 1 GiB again at
 * X86_KERNEL_VMA (the image).  arch_mmu_init() replaces them.
 */
#include <arch/frame.h>
#include <arch/layout.h>

#define PHYS(x) ((x) - X86_KERNEL_VMA)

#define CR0_PE  (1 << 0)
#define CR0_PG  (1 << 31)
#define CR4_PAE (1 << 5)
#define EFER_LME (1 << 8)
#define PTE_PW  0x3          /* present, writable */
#define PTE_PWS 0x83         /* present, writable, 2 MiB leaf */
#define AP_SEL_CODE32 0x18   /* ap_gdt's 32-bit code segment */

/* The PVH ELF note: XEN_ELFNOTE_PHYS32_ENTRY (18), name "Xen", 32-bit entry. */
	.section .note.pvh, "a", @note
	.p2align 2
	.long 4
	.long 4
	.long 18
	.asciz "Xen"
	.p2align 2
	.long PHYS(pvh_start32)

/*
 * The Multiboot2 header: within the file's first 32 KiB, 8-byte aligned
 * (core.ld puts it first).  Tags: the entry address (GRUB would take the
 * ELF entry, the PVH one, otherwise) and the end.  No EFI tags: GRUB
 * exits boot services and enters in 32-bit mode under UEFI too.
 */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOT_MAGIC   0x36d76289
	.section .multiboot2, "a"
	.p2align 3
mb2_header:
	.long MB2_HEADER_MAGIC
	.long 0                         /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	.p2align 3
	.word 3, 0                      /* entry address tag */
	.long 12
	.long PHYS(mb2_start32)
	.p2align 3
	.word 0, 0                      /* end tag */
	.long 8
mb2_header_end:

	.section .text.boot, "ax", @progbits
	.code32
	.globl mb2_start32
mb2_start32:
	cli
	cld
	cmpl $MB2_BOOT_MAGIC, %eax
	jne 1f
	movl %ebx, %esi                 /* boot information: survives to C in %esi */
	movl $1, %ebp                   /* X86_BOOT_MULTIBOOT2, in %ebp */
	jmp boot32
1:	hlt                             /* not a Multiboot2 loader: nothing to report with */
	jmp 1b

	.globl pvh_start32
pvh_start32:
	cli
	cld
	movl %ebx, %esi                 /* start info: survives to C in %esi */
	xorl %ebp, %ebp                 /* X86_BOOT_PVH */
boot32:
	/* Zero .bss (QEMU's loader zeroes it too; do not rely on that). */
	movl $PHYS(__bss_start), %edi
	movl $PHYS(__bss_end), %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb

	/*
	 * Long mode: PAE, boot tables, EFER.LME, then paging.  CR4 is set,
	 * not amended: a loader may leave firmware's bits in it (GRUB under
	 * UEFI: OSFXSR, MCE, ...), and the application processors, which
	 * start from INIT, must end up with exactly the boot CPU's CR4.
	 */
	movl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0

	lgdt PHYS(boot_gdt_ptr)
	ljmp $X86_SEL_KCODE, $PHYS(pvh_start64)

	.code64
pvh_start64:
	movl $X86_SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movabsq $higher_half, %rax
	jmp *%rax
	.cfi_sections .debug_frame
higher_half:
	.cfi_startproc
	.cfi_undefined 16               /* outermost frame: gdb's backtrace ends here */
	leaq boot_stack_top(%rip), %rsp
	movl %esi, %edi                 /* x86_start(info_pa, protocol) */
	movl %ebp, %esi
	xorl %ebp, %ebp
	call x86_start
1:	cli
	hlt
	jmp 1b
	.cfi_endproc

/*
 * Application processors.  A start-up IPI starts the CPU in real mode at
 * CS:IP = (page << 8):0, in a copy of x86_trampoline (smp.c copies it to
 * a page below 1 MiB it reserved at boot).  The copy is position
 * independent: it addresses its own bytes through DS = CS, and everything
 * else it needs is a link-time physical address in the image: it loads
 * ap_gdt, turns on protection and jumps to x86_ap_start32 in the image.
 * That enters long mode on the boot page tables (still intact: the
 * identity map of the low 4 GiB covers the image, and their top entry maps
 * the image in the higher half), jumps to the higher half, turns on
 * EFER.NXE (the core's tables use NX), switches to the core's own tables,
 * takes its kernel stack and calls x86_ap_main(cpu); x86_ap_boot (smp.c)
 * holds those values, written by the boot CPU before the IPIs.
 */
	.section .rodata
	.code16
	.p2align 4
	.globl x86_trampoline, x86_trampoline_end
x86_trampoline:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl ap_gdt_ptr - x86_trampoline
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *(ap_far32 - x86_trampoline)
	.p2align 2
ap_far32:                               /* far pointer: offset, selector */
	.long PHYS(x86_ap_start32)
	.word AP_SEL_CODE32
ap_gdt_ptr:
	.word ap_gdt_end - ap_gdt - 1
	.long PHYS(ap_gdt)
x86_trampoline_end:

	.p2align 3
ap_gdt:                                 /* accessed bits preset: never written */
	.quad 0
	.quad 0x00af9b000000ffff        /* 0x08: 64-bit code, DPL 0 (X86_SEL_KCODE) */
	.quad 0x00cf93000000ffff        /* 0x10: data, DPL 0 (X86_SEL_KDATA) */
	.quad 0x00cf9b000000ffff        /* 0x18: 32-bit code, DPL 0 */
ap_gdt_end:

	.section .text.boot, "ax", @progbits
	.code32
x86_ap_start32:
	movl $X86_SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0
	ljmp $X86_SEL_KCODE, $PHYS(ap_start64)

	.code64
ap_start64:
	movabsq $ap_higher_half, %rax
	jmp *%rax
ap_higher_half:
	.cfi_startproc
	.cfi_undefined 16               /* outermost frame */
	movl $0xc0000080, %ecx
	rdmsr
	orl x86_ap_boot + AP_BOOT_EFER(%rip), %eax
	wrmsr
	movq x86_ap_boot + AP_BOOT_CR3(%rip), %rax
	movq %rax, %cr3
	movq x86_ap_boot + AP_BOOT_STACK(%rip), %rsp
	movq x86_ap_boot + AP_BOOT_CPU(%rip), %rdi
	xorl %ebp, %ebp
	call x86_ap_main
1:	cli
	hlt
	jmp 1b
	.cfi_endproc

/* A temporary GDT for the jump to 64-bit code; desc.c installs the real one. */
	.section .rodata
	.p2align 3
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff        /* 0x10: data, DPL 0 */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)

	.section .data.boot_pt, "aw", @progbits
	.p2align 12
boot_pml4:
	.quad PHYS(boot_pdpt_low) + PTE_PW
	.fill 510, 8, 0
	.quad PHYS(boot_pdpt_high) + PTE_PW
boot_pdpt_low:                          /* 0 .. 4 GiB identity */
	.quad PHYS(boot_pd) + PTE_PW
	.quad PHYS(boot_pd) + 0x1000 + PTE_PW
	.quad PHYS(boot_pd) + 0x2000 + PTE_PW
	.quad PHYS(boot_pd) + 0x3000 + PTE_PW
	.fill 508, 8, 0
boot_pdpt_high:                         /* X86_KERNEL_VMA: entry 510 = first GiB */
	.fill 510, 8, 0
	.quad PHYS(boot_pd) + PTE_PW
	.quad 0
boot_pd:                                /* 2048 x 2 MiB */
	.set addr, 0
	.rept 2048
	.quad addr + PTE_PWS
	.set addr, addr + 0x200000
	.endr

/* The boot stack, with an unmapped guard page below it (see mmu.c). */
	.section .bss.stack, "aw", @nobits
	.p2align 12
	.globl boot_stack_guard, boot_stack_top
boot_stack_guard:
	.skip 4096
	.skip 16384
boot_stack_top:
