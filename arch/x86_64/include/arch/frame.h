/*
 * Offsets shared by the assembly entry code and C: the register frame
 * (struct arch_regs, arch_impl.h) and the per-CPU block (struct
 * arch_cpu, arch_impl.h).  Plain #defines, so trap.S and entry.S can use
 * them; trap.c and uspace.c check them against the C structures with
 * _Static_assert, so the two cannot drift apart.
 */
#ifndef ARCH_X86_FRAME_H
#define ARCH_X86_FRAME_H

/* struct arch_regs, lowest address first (what trap_common pushes last comes first). */
#define REGS_PAD     0
#define REGS_CR2     8
#define REGS_R15     16
#define REGS_R14     24
#define REGS_R13     32
#define REGS_R12     40
#define REGS_R11     48
#define REGS_R10     56
#define REGS_R9      64
#define REGS_R8      72
#define REGS_RBP     80
#define REGS_RDI     88
#define REGS_RSI     96
#define REGS_RDX     104
#define REGS_RCX     112
#define REGS_RBX     120
#define REGS_RAX     128
#define REGS_VECTOR  136
#define REGS_ERROR   144
#define REGS_RIP     152
#define REGS_CS      160
#define REGS_RFLAGS  168
#define REGS_RSP     176
#define REGS_SS      184
#define REGS_SIZE    192   /* 16-byte multiple: TSS.rsp0 = frame + REGS_SIZE stays aligned */

/*
 * The frame's "vector" of a thread whose last entry was the syscall
 * instruction: its return takes sysretq (rcx and r11 are not restored,
 * the syscall ABI clobbers them).  Any other value returns through iretq
 * with every register restored.
 */
#define X86_VEC_SYSCALL 0x100

/* struct arch_cpu (arch_impl.h), reached through %gs in the core. */
#define PCPU_REGS      0    /* struct arch_regs * of the current thread */
#define PCPU_KSTACK    8    /* top of this CPU's kernel stack */
#define PCPU_USER_RSP  16   /* the user's rsp during syscall entry */
#define PCPU_SELF      24   /* struct cpu * of this CPU */
#define PCPU_TSS       36   /* this CPU's TSS */
#define PCPU_TSS_RSP0  40   /* its rsp[0]: end of the current thread's frame */
#define PCPU_GDT       144  /* this CPU's GDT */
#define PCPU_SIZE      208

/* struct x86_ap_boot (smp.c): what an application processor's entry (boot.S) reads. */
#define AP_BOOT_CPU    0    /* its struct cpu * */
#define AP_BOOT_STACK  8    /* top of its kernel stack */
#define AP_BOOT_CR3    16   /* the core's page tables */
#define AP_BOOT_EFER   24   /* EFER bits to turn on before that CR3 (NXE) */

#endif
