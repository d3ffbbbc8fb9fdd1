/*
 * Trap dispatch.
 *
 * From the core (x86_trap): breakpoints are counted and resumed, the
 * timer ticks the core, the core's IPI calls core_ipi(NULL), a request
 * IPI serves this CPU's mailbox (ipi.c), a device's interrupt goes to
 * irq.c (core_device_irq(), NULL), spurious interrupts are
 * dropped, a #PF or #GP inside the user-copy routine resumes at its
 * fault exit (the copy fails with -MNEME_EFAULT); everything else is an
 * unexpected trap that dumps the frame, with the CPU it happened on, and
 * ends the run (never a silent triple fault).
 *
 * From user mode (x86_user_trap, with the thread's frame): the timer
 * ticks and may preempt; the core's IPI calls core_ipi(frame); a request
 * IPI is served; a device's interrupt goes to irq.c with the frame; exceptions are decoded into a kind, an address and an
 * access and handed to core_user_exception() (a message to the task's
 * pager).  The syscall instruction never gets here (entry.S).
 *
 * Interrupts are acknowledged before their handler runs: an IPI sent
 * after the acknowledgement raises the vector again, so none is lost
 * while the handler looks at memory.
 */
#include <stddef.h>
#include <arch/uspace.h>
#include <arch/x86.h>
#include <core/cpu.h>
#include <core/printk.h>

_Static_assert(offsetof(struct arch_regs, cs) == REGS_CS, "trap.S frame layout");
_Static_assert(offsetof(struct arch_regs, error_code) == REGS_ERROR, "trap.S frame layout");

#define VEC_DE 0
#define VEC_DB 1
#define VEC_NMI 2
#define VEC_BP 3
#define VEC_UD 6
#define VEC_NM 7
#define VEC_DF 8
#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF 14
#define VEC_AC 17
#define VEC_MC 18
#define VEC_CP 21
#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_RSVD    (1u << 3)
#define PF_FETCH   (1u << 4)

volatile uint64_t x86_breakpoints;

static const char *const exception_names[32] = {
	"divide error", "debug", "non-maskable interrupt", "breakpoint", "overflow",
	"bound range exceeded", "invalid opcode", "device not available", "double fault",
	"coprocessor segment overrun", "invalid TSS", "segment not present",
	"stack-segment fault", "general protection", "page fault", "reserved (15)",
	"x87 floating-point error", "alignment check", "machine check",
	"SIMD floating-point error", "virtualization exception", "control protection",
	"reserved (22)", "reserved (23)", "reserved (24)", "reserved (25)", "reserved (26)",
	"reserved (27)", "hypervisor injection", "VMM communication", "security exception",
	"reserved (31)",
};

const char *x86_exception_name(uint64_t vector)
{
	if (vector < 32)
		return exception_names[vector];
	if (vector == X86_VEC_TIMER)
		return "timer interrupt";
	if (vector == X86_VEC_IPI)
		return "interprocessor interrupt";
	if (vector == X86_VEC_CALL)
		return "cross-CPU request interrupt";
	if (vector == X86_VEC_SYSCALL)
		return "syscall";
	return "unexpected interrupt";
}

static void dump_pf_error(uint64_t err)
{
	printk("  page fault: %s, %s, %s mode%s%s\n",
	       err & PF_PRESENT ? "protection violation" : "not present",
	       err & PF_WRITE ? "write" : "read", err & PF_USER ? "user" : "kernel",
	       err & PF_FETCH ? ", instruction fetch" : "",
	       err & PF_RSVD ? ", reserved bit set" : "");
}

/*
 * Which CPU: the GS base names its struct cpu.  Checked against
 * cpu_table before use, since an NMI or #MC can hit the syscall entry
 * before its swapgs (trap.S then swaps for it, but a dump must not trust
 * that blindly).
 */
static void dump_cpu(void)
{
	uint64_t gs = rdmsr(X86_MSR_GS_BASE), base = (uint64_t)(uintptr_t)cpu_table;
	uint64_t i = (gs - base) / sizeof(struct cpu);

	if (gs < base || i >= CORE_MAX_CPUS || gs != (uint64_t)(uintptr_t)&cpu_table[i]) {
		printk("  cpu: unknown (GS base 0x%016llx)\n", (unsigned long long)gs);
		return;
	}
	printk("  cpu: %llu (APIC id %llu)%s\n", (unsigned long long)i,
	       (unsigned long long)cpu_table[i].hwid, cpu_table[i].arch.self ? "" : ", early boot");
}

void arch_dump_regs(const struct arch_regs *r)
{
	dump_cpu();
	printk("  cause: %s (vector %llu), error code 0x%llx\n", x86_exception_name(r->vector),
	       (unsigned long long)r->vector, (unsigned long long)r->error_code);
	if (r->vector == VEC_PF)
		dump_pf_error(r->error_code);
	printk("  rip: 0x%016llx  rsp: 0x%016llx  rflags: 0x%08llx\n",
	       (unsigned long long)r->rip, (unsigned long long)r->rsp,
	       (unsigned long long)r->rflags);
	printk("  cs: 0x%04llx  ss: 0x%04llx  cr2: 0x%016llx\n", (unsigned long long)r->cs,
	       (unsigned long long)r->ss, (unsigned long long)r->cr2);
	printk("  rax: 0x%016llx  rbx: 0x%016llx  rcx: 0x%016llx\n", (unsigned long long)r->rax,
	       (unsigned long long)r->rbx, (unsigned long long)r->rcx);
	printk("  rdx: 0x%016llx  rsi: 0x%016llx  rdi: 0x%016llx\n", (unsigned long long)r->rdx,
	       (unsigned long long)r->rsi, (unsigned long long)r->rdi);
	printk("  rbp: 0x%016llx  r8:  0x%016llx  r9:  0x%016llx\n", (unsigned long long)r->rbp,
	       (unsigned long long)r->r8, (unsigned long long)r->r9);
	printk("  r10: 0x%016llx  r11: 0x%016llx  r12: 0x%016llx\n", (unsigned long long)r->r10,
	       (unsigned long long)r->r11, (unsigned long long)r->r12);
	printk("  r13: 0x%016llx  r14: 0x%016llx  r15: 0x%016llx\n", (unsigned long long)r->r13,
	       (unsigned long long)r->r14, (unsigned long long)r->r15);
}

/* The local APIC's spurious vector (no EOI) and the masked 8259s' IRQ 7 / 15. */
static bool spurious(uint64_t v)
{
	return v == X86_VEC_SPURIOUS || v == X86_VEC_PIC_BASE + 7 || v == X86_VEC_PIC_BASE + 15;
}

extern char x86_user_copy[], x86_user_copy_end[], x86_user_copy_fault[];

/* A #PF or #GP of the user-copy routine: make it return failure. */
static bool user_copy_fixup(struct arch_regs *regs)
{
	if ((regs->vector != VEC_PF && regs->vector != VEC_GP) ||
	    regs->rip < (uint64_t)(uintptr_t)x86_user_copy ||
	    regs->rip >= (uint64_t)(uintptr_t)x86_user_copy_end)
		return false;
	regs->rip = (uint64_t)(uintptr_t)x86_user_copy_fault;
	return true;
}

void x86_trap(struct arch_regs *regs)
{
	uint64_t v = regs->vector;

	if (v == VEC_BP) {
		x86_breakpoints++;
		return;
	}
	if (v == X86_VEC_TIMER) {
		core_timer_tick();
		lapic_eoi();
		return;
	}
	if (v == X86_VEC_IPI) {
		lapic_eoi();
		core_ipi(NULL);
		return;
	}
	if (v == X86_VEC_CALL) {
		lapic_eoi();
		x86_requests_serve();
		return;
	}
	if (x86_device_interrupt(v, NULL))
		return;
	if (spurious(v))
		return;
	if (user_copy_fixup(regs))
		return;
	core_unexpected_trap(x86_exception_name(v), v == VEC_PF ? regs->cr2 : regs->rip, regs);
}

struct user_exc {
	uint8_t kind;      /* enum core_exception */
	uint8_t access;    /* ARCH_PROT_* attempted, 0 if not a memory access */
};

static const struct user_exc user_exceptions[32] = {
	[VEC_DE] = { CORE_EXC_DIVIDE, 0 },
	[VEC_DB] = { CORE_EXC_BREAKPOINT, 0 },
	[VEC_BP] = { CORE_EXC_BREAKPOINT, 0 },
	[VEC_UD] = { CORE_EXC_ILLEGAL, 0 },
	[VEC_NM] = { CORE_EXC_ILLEGAL, 0 },         /* x87/MMX: no FP state for user tasks */
	[VEC_TS] = { CORE_EXC_PROTECTION, 0 },
	[VEC_NP] = { CORE_EXC_PROTECTION, 0 },
	[VEC_SS] = { CORE_EXC_PROTECTION, 0 },
	[VEC_GP] = { CORE_EXC_PROTECTION, 0 },
	[VEC_AC] = { CORE_EXC_MISALIGNED, 0 },
	[VEC_CP] = { CORE_EXC_PROTECTION, 0 },
};

/*
 * A #GP from ring 3 is a privileged instruction or a protection
 * violation (non-canonical address, segment); the first is reported as
 * CORE_EXC_ILLEGAL, as riscv64 reports it.  Recognised: hlt, cli, sti,
 * in/out/ins/outs, and the 0F-prefixed system instructions (mov to/from
 * control and debug registers, rdmsr/wrmsr, lgdt & co, clts, invd,
 * wbinvd, rdpmc).  Prefixes are not decoded (no instruction the core
 * cares about needs one to be privileged).
 */
static bool privileged_insn(uint64_t rip)
{
	uint8_t b[2];

	if (arch_copy_from_user(b, rip, 1))
		return false;
	if (b[0] == 0xf4 || b[0] == 0xfa || b[0] == 0xfb || (b[0] >= 0xe4 && b[0] <= 0xe7) ||
	    (b[0] >= 0xec && b[0] <= 0xef) || (b[0] >= 0x6c && b[0] <= 0x6f))
		return true;
	if (b[0] != 0x0f || arch_copy_from_user(b + 1, rip + 1, 1))
		return false;
	return b[1] == 0x01 || b[1] == 0x06 || b[1] == 0x08 || b[1] == 0x09 ||
	       (b[1] >= 0x20 && b[1] <= 0x23) || b[1] == 0x30 || b[1] == 0x32 || b[1] == 0x33;
}

static void user_exception(struct arch_regs *regs)
{
	uint64_t v = regs->vector, addr = regs->rip;
	struct user_exc e = { CORE_EXC_OTHER, 0 };

	if (user_exceptions[v].kind)
		e = user_exceptions[v];
	if (v == VEC_PF) {
		e.kind = CORE_EXC_PAGE_FAULT;
		e.access = regs->error_code & PF_FETCH ? ARCH_PROT_EXEC :
			   regs->error_code & PF_WRITE ? ARCH_PROT_WRITE : ARCH_PROT_READ;
		addr = regs->cr2;
	} else if (v == VEC_BP) {
		addr = regs->rip - 1;     /* int3 traps after itself; resuming continues past it */
	} else if (v == VEC_GP && privileged_insn(regs->rip)) {
		e.kind = CORE_EXC_ILLEGAL;
	}
	core_user_exception(regs, (enum core_exception)e.kind, addr, e.access);
}

/* The vectors on IST stacks: their frame is not the thread's. */
static bool on_ist(uint64_t v)
{
	return v == VEC_NMI || v == VEC_DF || v == VEC_MC;
}

/*
 * Called by trap.S for every trap from user mode, on the kernel stack;
 * returns to user mode.  Exceptions first: a page fault is the common
 * case and should not pay for the interrupt vectors.
 */
void x86_user_trap(struct arch_regs *regs)
{
	uint64_t v = regs->vector;

	if (v < 32 && !on_ist(v)) {
		user_exception(regs);
		return;
	}
	if (v == X86_VEC_TIMER) {
		core_timer_tick();
		lapic_eoi();
		core_preempt(regs);
		return;
	}
	if (v == X86_VEC_IPI) {
		lapic_eoi();
		core_ipi(regs);
		return;
	}
	if (v == X86_VEC_CALL) {
		lapic_eoi();
		x86_requests_serve();
		return;
	}
	if (x86_device_interrupt(v, regs))
		return;
	if (spurious(v))
		return;
	/* IST vectors and unknown interrupts are fatal. */
	core_unexpected_trap(x86_exception_name(v), regs->rip, regs);
}
