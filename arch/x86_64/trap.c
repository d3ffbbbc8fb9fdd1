/*
 * Trap dispatch: trap.S hands every exception and interrupt to x86_trap().
 * Breakpoints are counted and resumed, the timer ticks the core, spurious
 * interrupts are dropped; everything else is an unexpected trap that
 * dumps the frame and ends the run (never a silent triple fault).
 */
#include <stddef.h>
#include <arch/x86.h>
#include <core/printk.h>

_Static_assert(offsetof(struct arch_regs, cr2) == 0, "trap.S frame layout");
_Static_assert(offsetof(struct arch_regs, r15) == 8, "trap.S frame layout");
_Static_assert(offsetof(struct arch_regs, rax) == 120, "trap.S frame layout");
_Static_assert(offsetof(struct arch_regs, vector) == 128, "trap.S frame layout");
_Static_assert(offsetof(struct arch_regs, cs) == 128 + 24, "trap.S frame layout");
_Static_assert(sizeof(struct arch_regs) == 184, "trap.S frame layout");

#define VEC_BP 3
#define VEC_PF 14
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

void arch_dump_regs(const struct arch_regs *r)
{
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
	/* Spurious: the local APIC's (no EOI) and the masked 8259s' IRQ 7 / 15. */
	if (v == X86_VEC_SPURIOUS || v == X86_VEC_PIC_BASE + 7 || v == X86_VEC_PIC_BASE + 15)
		return;
	core_unexpected_trap(x86_exception_name(v), v == VEC_PF ? regs->cr2 : regs->rip, regs);
}
