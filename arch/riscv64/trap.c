/*
 * riscv64 traps: the C dispatcher behind trap_entry (entry.S), the timer,
 * and register dumps.
 *
 * Interrupts: the supervisor timer (each hart has its own deadline) and
 * the supervisor software interrupt, which is the core's IPI (smp.c
 * sends it through the SBI; it is cleared here before core_ipi() runs,
 * so an IPI sent meanwhile is taken again, never lost), and the
 * supervisor external interrupt: a device's, through the PLIC (irq.c,
 * boot hart only).  Exceptions
 * in the core: a breakpoint (ebreak) is counted and stepped over (the
 * core's WARN-style hook, and what the trap tests use); a page or access
 * fault inside riscv_user_copy() resumes at its fault exit (the copy
 * fails with -MNEME_EFAULT); everything else is unexpected and ends the
 * run through core_unexpected_trap().
 *
 * Traps from user mode (riscv_user_trap, called by user_entry in
 * entry.S after the registers are in the thread's frame): the timer
 * ticks and may preempt, an IPI goes to core_ipi() with the frame, a
 * device's interrupt to irq.c with the frame; exceptions are decoded into a kind, an address
 * and an access and handed to core_user_exception() (a message to the
 * task's pager).  ecall never gets here: user_entry calls core_syscall_args().
 */
#include <arch/arch.h>
#include <arch/riscv.h>
#include <arch/uspace.h>
#include <arch/sbi.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/printk.h>

uint64_t riscv_breakpoints;          /* ebreaks taken in the core */
static uint64_t timer_interval;      /* time-CSR ticks per timer interrupt: set by the boot hart */

static const char *const exception_names[] = {
	[EXC_INST_MISALIGNED] = "instruction address misaligned",
	[EXC_INST_ACCESS] = "instruction access fault",
	[EXC_ILLEGAL_INST] = "illegal instruction",
	[EXC_BREAKPOINT] = "breakpoint",
	[EXC_LOAD_MISALIGNED] = "load address misaligned",
	[EXC_LOAD_ACCESS] = "load access fault",
	[EXC_STORE_MISALIGNED] = "store/AMO address misaligned",
	[EXC_STORE_ACCESS] = "store/AMO access fault",
	[EXC_ECALL_U] = "environment call from U-mode",
	[EXC_ECALL_S] = "environment call from S-mode",
	[EXC_INST_PAGE_FAULT] = "instruction page fault",
	[EXC_LOAD_PAGE_FAULT] = "load page fault",
	[EXC_STORE_PAGE_FAULT] = "store/AMO page fault",
};

static const char *const interrupt_names[] = {
	[IRQ_S_SOFT] = "supervisor software interrupt",
	[IRQ_S_TIMER] = "supervisor timer interrupt",
	[IRQ_S_EXT] = "supervisor external interrupt",
};

/* A human name for @scause. */
const char *riscv_cause_name(uint64_t scause)
{
	uint64_t code = scause & ~SCAUSE_INTERRUPT;
	const char *const *names = exception_names;
	uint64_t n = sizeof(exception_names) / sizeof(exception_names[0]);

	if (scause & SCAUSE_INTERRUPT) {
		names = interrupt_names;
		n = sizeof(interrupt_names) / sizeof(interrupt_names[0]);
	}
	if (code < n && names[code])
		return names[code];
	return scause & SCAUSE_INTERRUPT ? "unknown interrupt" : "unknown exception";
}

static const char *const gpr_names[REGS_NR_GPR] = {
	"ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
	"a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5",
	"t6",
};

void arch_dump_regs(const struct arch_regs *regs)
{
	struct cpu *c = this_cpu();

	if (c)
		printk("  hart %llu (cpu %u)\n", (unsigned long long)c->hwid, c->index);
	else
		printk("  hart %llu (the boot hart, before its per-CPU state)\n",
		       (unsigned long long)riscv_boot_hart);
	printk("  scause  0x%016llx (%s)\n", (unsigned long long)regs->scause,
	       riscv_cause_name(regs->scause));
	printk("  sepc    0x%016llx  stval 0x%016llx\n", (unsigned long long)regs->sepc,
	       (unsigned long long)regs->stval);
	printk("  sstatus 0x%016llx (from %s mode, SPIE %d)  sp 0x%016llx\n",
	       (unsigned long long)regs->sstatus, regs->sstatus & SSTATUS_SPP ? "S" : "U",
	       !!(regs->sstatus & SSTATUS_SPIE), (unsigned long long)regs->sp);
	for (int i = 0; i < REGS_NR_GPR; i += 3) {
		printk(" ");
		for (int j = i; j < i + 3 && j < REGS_NR_GPR; j++)
			printk(" %3s 0x%016llx", gpr_names[j], (unsigned long long)regs->gpr[j]);
		printk("\n");
	}
}

/*
 * Every hart has its own timer (the SBI programs the calling hart's) and
 * its own deadline in its struct arch_cpu; the interval is the boot
 * hart's measurement, made before any other hart starts.
 */
void arch_timer_init(uint32_t hz)
{
	struct arch_cpu *a = riscv_this_cpu();
	bool boot = this_cpu()->index == 0;

	if (boot) {
		timer_interval = boot_info.timer_hz / hz;
		if (!timer_interval)
			timer_interval = 1;
	}
	a->timer_next = arch_cycles() + timer_interval;
	sbi_set_timer(a->timer_next);
	csr_set(sie, SIE_STIE);
	if (boot)
		printk("mneme: riscv64: timer at %u Hz from timebase %llu Hz (SBI %s)\n", hz,
		       (unsigned long long)boot_info.timer_hz,
		       sbi_probe_extension(SBI_EXT_TIME) ? "TIME extension" : "legacy set_timer");
}

/*
 * Sleep in wfi (interrupts on or off) until an interrupt enabled in sie
 * is pending, at most about @ticks of the time CSR, then give the timer
 * back to this hart's own deadline (a tick that fell due meanwhile stays
 * pending).
 */
void riscv_nap(uint64_t ticks)
{
	sbi_set_timer(arch_cycles() + ticks);
	arch_wait_for_interrupt();
	sbi_set_timer(riscv_this_cpu()->timer_next);
}

/* Program this hart's next deadline on its fixed grid; skip missed ticks rather than storm. */
static void timer_interrupt(void)
{
	struct arch_cpu *a = riscv_this_cpu();
	uint64_t now = arch_cycles();

	a->timer_next += timer_interval;
	if (a->timer_next <= now)
		a->timer_next = now + timer_interval;
	sbi_set_timer(a->timer_next);
	core_timer_tick();
}

/* Length of the instruction at @pc: 2 if compressed, else 4. */
static uint64_t insn_length(uint64_t pc)
{
	uint16_t low = *(const volatile uint16_t *)(uintptr_t)pc;

	return (low & 3) == 3 ? 4 : 2;
}

extern char riscv_user_copy[], riscv_user_copy_end[], riscv_user_copy_fault[];

/* A fault of the user-copy routine: make it return failure. */
static bool user_copy_fixup(struct arch_regs *regs)
{
	uint64_t code = regs->scause;
	bool memory = code == EXC_LOAD_PAGE_FAULT || code == EXC_STORE_PAGE_FAULT ||
		      code == EXC_LOAD_ACCESS || code == EXC_STORE_ACCESS;

	if (!memory || regs->sepc < (uint64_t)(uintptr_t)riscv_user_copy ||
	    regs->sepc >= (uint64_t)(uintptr_t)riscv_user_copy_end)
		return false;
	/* a page the server aged, on a hart that faults on a clear A: set it and retry */
	if ((code == EXC_LOAD_PAGE_FAULT || code == EXC_STORE_PAGE_FAULT) &&
	    riscv_fix_accessed((csr_read(satp) & ((1ull << 44) - 1)) << PAGE_SHIFT, regs->stval,
			       code == EXC_STORE_PAGE_FAULT ? ARCH_PROT_WRITE : ARCH_PROT_READ))
		return true;
	regs->sepc = (uint64_t)(uintptr_t)riscv_user_copy_fault;
	return true;
}

static void exception(struct arch_regs *regs)
{
	uint64_t code = regs->scause;

	if (code == EXC_BREAKPOINT && (regs->sstatus & SSTATUS_SPP)) {
		riscv_breakpoints++;
		regs->sepc += insn_length(regs->sepc);
		return;
	}
	if (user_copy_fixup(regs))
		return;
	core_unexpected_trap(riscv_cause_name(regs->scause), regs->stval, regs);
}

/*
 * The core's IPI: clear sip.SSIP first, then a full fence, then let the
 * core read what was asked of it (the sender fenced before its SBI
 * call), so a request stored after the clear raises SSIP again.
 * @user: the interrupted thread's frame, NULL from the core.
 */
static void ipi_interrupt(struct arch_regs *user)
{
	csr_clear(sip, SIE_SSIE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	riscv_flush_serve();
	riscv_cpu_call_serve();
	core_ipi(user);
}

/* Called by trap_entry with the saved frame; returning resumes it. */
void riscv_trap(struct arch_regs *regs)
{
	if (regs->scause & SCAUSE_INTERRUPT) {
		uint64_t code = regs->scause & ~SCAUSE_INTERRUPT;

		if (code == IRQ_S_TIMER)
			timer_interrupt();
		else if (code == IRQ_S_SOFT)
			ipi_interrupt(NULL);
		else if (code == IRQ_S_EXT)
			riscv_external_interrupt(NULL);
		else
			core_unexpected_trap(riscv_cause_name(regs->scause), regs->stval, regs);
		return;
	}
	exception(regs);
}

struct user_exc {
	uint8_t kind;      /* enum core_exception */
	uint8_t access;    /* ARCH_PROT_* attempted, 0 if not a memory access */
	uint8_t at_pc;     /* the address reported is the instruction's, not stval */
};

static const struct user_exc user_exceptions[] = {
	[EXC_INST_MISALIGNED] = { CORE_EXC_MISALIGNED, ARCH_PROT_EXEC, 0 },
	[EXC_INST_ACCESS] = { CORE_EXC_PROTECTION, ARCH_PROT_EXEC, 0 },
	[EXC_ILLEGAL_INST] = { CORE_EXC_ILLEGAL, 0, 1 },
	[EXC_BREAKPOINT] = { CORE_EXC_BREAKPOINT, 0, 1 },
	[EXC_LOAD_MISALIGNED] = { CORE_EXC_MISALIGNED, ARCH_PROT_READ, 0 },
	[EXC_LOAD_ACCESS] = { CORE_EXC_PROTECTION, ARCH_PROT_READ, 0 },
	[EXC_STORE_MISALIGNED] = { CORE_EXC_MISALIGNED, ARCH_PROT_WRITE, 0 },
	[EXC_STORE_ACCESS] = { CORE_EXC_PROTECTION, ARCH_PROT_WRITE, 0 },
	[EXC_INST_PAGE_FAULT] = { CORE_EXC_PAGE_FAULT, ARCH_PROT_EXEC, 0 },
	[EXC_LOAD_PAGE_FAULT] = { CORE_EXC_PAGE_FAULT, ARCH_PROT_READ, 0 },
	[EXC_STORE_PAGE_FAULT] = { CORE_EXC_PAGE_FAULT, ARCH_PROT_WRITE, 0 },
};

/* Called by user_entry for every trap from user mode but ecall; @regs is the thread's frame. */
void riscv_user_trap(struct arch_regs *regs, uint64_t scause)
{
	uint64_t code = scause & ~SCAUSE_INTERRUPT;

	if (scause & SCAUSE_INTERRUPT) {
		if (code == IRQ_S_SOFT) {
			ipi_interrupt(regs);
			return;
		}
		if (code == IRQ_S_EXT) {
			riscv_external_interrupt(regs);
			return;
		}
		if (code != IRQ_S_TIMER)
			core_unexpected_trap(riscv_cause_name(scause), regs->stval, regs);
		timer_interrupt();
		core_preempt(regs);
		return;
	}
	struct user_exc e = { CORE_EXC_OTHER, 0, 0 };
	uint64_t pc = regs->sepc;
	if (code < sizeof(user_exceptions) / sizeof(user_exceptions[0]) && user_exceptions[code].kind)
		e = user_exceptions[code];
	if (e.kind == CORE_EXC_PAGE_FAULT &&
	    riscv_fix_accessed((csr_read(satp) & ((1ull << 44) - 1)) << PAGE_SHIFT, regs->stval, e.access))
		return;                         /* only A or D was missing: set, retry */
	if (code == EXC_BREAKPOINT) {
		/*
		 * As int3 on x86_64: reported at the ebreak, resumed after it (else a pager's
		 * RESUME would run it again forever).  ebreak is 4 bytes, c.ebreak 2; text the
		 * core cannot read (execute-only) counts as 4.
		 */
		uint16_t parcel = 0;
		regs->sepc += !arch_copy_from_user(&parcel, pc, sizeof(parcel)) && (parcel & 3) != 3 ? 2 : 4;
	}
	core_user_exception(regs, (enum core_exception)e.kind, e.at_pc ? pc : regs->stval, e.access);
}

/* Called by trap_entry, on the emergency stack, when a trap hit a guard page. */
__attribute__((noreturn)) void riscv_stack_overflow(struct arch_regs *regs)
{
	printk("\nmneme: kernel stack overflow (%s)", riscv_cause_name(regs->scause));
	core_unexpected_trap("kernel stack overflow", regs->stval, regs);
}

static volatile uint64_t overflow_depth_limit = ~0ull;

/* Recurse until the stack runs out; 512-byte frames, so the guard page is hit early. */
__attribute__((noinline)) static uint64_t overflow_recurse(uint64_t depth)
{
	volatile uint64_t frame[64];

	frame[0] = depth;
	if (depth >= overflow_depth_limit)
		return frame[0];
	return overflow_recurse(depth + 1) + frame[0];
}

/*
 * "stack_overflow_test" (the boot hart's stack) or "stack_overflow_test_cpu1"
 * (CPU 1's, in the stack window) on the command line: check that
 * overflowing a kernel stack gives a dump.
 */
void riscv_stack_overflow_test(void)
{
	struct cpu *c = this_cpu();

	printk("mneme: stack_overflow_test: recursing on hart %llu's kernel stack\n",
	       (unsigned long long)(c ? c->hwid : riscv_boot_hart));
	overflow_recurse(0);
}
