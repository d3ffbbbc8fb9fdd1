/*
 * x86_64 instructions user tests use to provoke exceptions, and an
 * address inside the core's image (the top 2 GiB) that user mode must not
 * reach.
 */
#ifndef USER_INSN_H
#define USER_INSN_H

#define ARCH_USER_CORE_VA 0xffffffff80200000ULL

static inline void arch_user_illegal(void)
{
	__asm__ volatile("ud2");
}

/* Privileged in ring 3: #GP. */
static inline void arch_user_privileged(void)
{
	__asm__ volatile("hlt");
}

static inline void arch_user_breakpoint(void)
{
	__asm__ volatile("int3");
}

/* A second privileged instruction (interrupts off). */
static inline void arch_user_privileged2(void)
{
	__asm__ volatile("cli");
}

/* A third: reading a control register (#GP outside ring 0). */
static inline void arch_user_privileged3(void)
{
	unsigned long cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
}

/*
 * Reading where the core's descriptor table is (sgdt): #GP in ring 3 when
 * the core turned UMIP on, which it does whenever the CPU has it
 * (arch_user_tables_hidden()).
 */
static inline void arch_user_read_core_tables(void)
{
	struct __attribute__((packed)) { unsigned short limit; unsigned long base; } gdt;

	__asm__ volatile("sgdt %0" : "=m"(gdt));
}

/* Does this CPU have UMIP (CPUID.7.0:ECX bit 2)? */
static inline int arch_user_tables_hidden(void)
{
	unsigned a = 0, b, c, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	if (a < 7)
		return 0;
	a = 7;
	c = 0;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (c >> 2) & 1;
}

/* Calibration loop: exactly 2 instructions per iteration. */
static inline void arch_user_spin(unsigned long n)
{
	__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
}

/*
 * A fault the core sees at a page mapped with the rights the access
 * needs: an iretq from ring 3 to ring 3 with its frame on our own
 * (mapped, writable) stack.  QEMU 7.2 pops the frame with supervisor
 * accesses, so with SMAP on it raises a page fault at the stack that no
 * mapping can cure (real CPUs just return).  Returns 1 if the iretq came
 * back (no such fault on this CPU), or never (the core kills the task
 * after its retries); 0 where the architecture has no such fault.
 */
static inline int arch_user_unfixable_fault(void)
{
	unsigned long cs, ss;

	__asm__ volatile("mov %%cs, %0\n\tmov %%ss, %1" : "=r"(cs), "=r"(ss));
	__asm__ volatile("mov %%rsp, %%rax\n\t"
			 "pushq %1\n\t"          /* ss */
			 "pushq %%rax\n\t"       /* rsp */
			 "pushfq\n\t"
			 "pushq %0\n\t"          /* cs */
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"       /* rip */
			 "iretq\n"
			 "1:"
			 : : "r"(cs), "r"(ss) : "rax", "memory", "cc");
	return 1;
}

#endif
