/*
 * x86_start: the first C code, called by boot.S in the higher half on the
 * boot stack with interrupts off.  Saves the PVH boot data before anything
 * can overwrite it, brings up the console, descriptor tables and CPU
 * feature flags, and hands over to core_main().  Also arch_exit().
 */
#include <arch/x86.h>

#define DEBUG_EXIT_PORT 0xf4             /* QEMU isa-debug-exit: status (code << 1) | 1 */

__attribute__((noreturn)) void x86_start(uint32_t start_info_pa);

void x86_start(uint32_t start_info_pa)
{
	x86_pvh_save(start_info_pa);
	x86_serial_init();
	x86_gdt_init();
	x86_idt_init();
	x86_cpu_detect();
	core_main();
}

void arch_exit(int code)
{
	arch_irq_disable();
	outl(DEBUG_EXIT_PORT, (uint32_t)code);
	for (;;)
		__asm__ volatile("cli; hlt");
}
