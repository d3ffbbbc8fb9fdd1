/*
 * x86_start: the first C code, called by boot.S in the higher half on the
 * boot stack with interrupts off.  Saves the boot data (PVH start info or
 * Multiboot2 boot information) before anything
 * can overwrite it, brings up the console, reads the CPU's features, loads
 * the boot CPU's descriptor tables (its GDT and TSS live in cpu_table[0],
 * whose address becomes the GS base at once, so this_cpu() is NULL rather
 * than garbage until core_main() calls arch_cpu_init_boot()) and hands
 * over to core_main().  Also arch_exit().
 */
#include <arch/x86.h>
#include <core/cpu.h>

#define DEBUG_EXIT_PORT 0xf4             /* QEMU isa-debug-exit: status (code << 1) | 1 */

#define BOOT_IST_SIZE 8192

__attribute__((noreturn)) void x86_start(uint32_t info_pa, uint32_t protocol);

/* The boot CPU's IST stacks (#DF, NMI, #MC); application processors get theirs in smp.c. */
static uint8_t boot_ist_stacks[X86_NR_IST][BOOT_IST_SIZE] __attribute__((aligned(16)));

void x86_start(uint32_t info_pa, uint32_t protocol)
{
	uint64_t ist_top[X86_NR_IST];

	if (protocol == X86_BOOT_MULTIBOOT2)
		x86_mb2_save(info_pa);
	else
		x86_pvh_save(info_pa);
	x86_serial_init();
	x86_cpu_detect(&x86_cpu);
	for (int i = 0; i < X86_NR_IST; i++)
		ist_top[i] = (uint64_t)(uintptr_t)(boot_ist_stacks[i] + BOOT_IST_SIZE);
	x86_gdt_init(&cpu_table[0], ist_top);
	x86_idt_init();
	core_main();
}

void arch_exit(int code)
{
	arch_irq_disable();
	outl(DEBUG_EXIT_PORT, (uint32_t)code);
	for (;;)
		__asm__ volatile("cli; hlt");
}
