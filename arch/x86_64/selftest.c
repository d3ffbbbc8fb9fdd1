/*
 * Boot-time checks that must end the run, so they cannot be KTESTs: they
 * are selected on the command line and run once the final page tables
 * are live.  "x86_stack_overflow_test" overflows the boot stack into its
 * guard page; the #PF cannot push its frame there, so the CPU raises #DF,
 * which runs on its own IST stack and must print a dump.
 */
#include <arch/x86.h>
#include <core/core.h>
#include <core/printk.h>

/* Deep recursion with a large frame; the volatile depth keeps it real. */
__attribute__((noinline)) static int recurse(volatile int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	if (depth < 1000000)
		return recurse(depth + 1) + frame[0];
	return frame[0];
}

void x86_boot_selftest(void)
{
	if (cmdline_has("x86_stack_overflow_test")) {
		printk("mneme: x86_stack_overflow_test: recursing into the stack guard page\n");
		printk("mneme: x86_stack_overflow_test: survived (%d)\n", recurse(0));
	}
}
