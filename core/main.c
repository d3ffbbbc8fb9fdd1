/*
 * core_main: the generic half of boot.
 *
 * The architecture's entry code brings up the console and trap vectors and
 * calls core_main(), which collects and sanitises the firmware's memory
 * map, reserves what the core itself occupies, has the architecture build
 * the final page tables, starts the timer and runs the built-in tests.
 */
#include <arch/arch.h>
#include <core/boot_server.h>
#include <core/bootmem.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/device.h>
#include <core/frametype.h>
#include <core/ktest.h>
#include <core/memmap.h>
#include <core/printk.h>
#include <mneme/error.h>

struct mneme_boot_info boot_info;
static volatile uint64_t ticks;

/* Every CPU ticks; the boot CPU's ticks are the system's clock. */
void core_timer_tick(void)
{
	if (this_cpu_index() == 0)
		ticks++;
}

uint64_t core_ticks(void)
{
	return ticks;
}

bool cmdline_has(const char *word)
{
	const char *p = boot_info.cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = word, *q = p;
		while (*w && *q == *w)
			q++, w++;
		if (!*w && (*q == '\0' || *q == ' ' || *q == '='))
			return true;
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

void memmap_print(const char *title, const struct mneme_mem_range *r, uint32_t nr)
{
	printk("%s\n", title);
	for (uint32_t i = 0; i < nr; i++)
		printk("  [mem 0x%016llx-0x%016llx] %s\n", (unsigned long long)r[i].base,
		       (unsigned long long)(r[i].base + r[i].size - 1), memmap_type_name(r[i].type));
}

void core_unexpected_trap(const char *what, uint64_t fault_addr, const struct arch_regs *regs)
{
	arch_irq_disable();
	printk("\nmneme: unexpected trap: %s\n", what);
	printk("  fault address: 0x%016llx\n", (unsigned long long)fault_addr);
	arch_dump_regs(regs);
	printk("mneme: halting after unexpected trap\n");
	arch_exit(CORE_EXIT_PANIC);
}

static void boot_info_init(struct mneme_boot_info *bi)
{
	bi->magic = MNEME_BOOTINFO_MAGIC;
	bi->version = MNEME_BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->page_shift = 12;
}

static void boot_memory_map(struct mneme_boot_info *bi)
{
	uint64_t start, end;
	int err = arch_firmware_map(bi);

	if (err)
		panic("firmware memory map unusable (error %d)", err);
	err = memmap_sanitize(bi->ranges, &bi->nr_ranges, MNEME_BOOTINFO_MAX_RANGES);
	if (err)
		panic("firmware memory map could not be sanitised (error %d)", err);
	arch_image_range(&start, &end);
	bi->core_phys_base = start;
	bi->core_phys_end = end;
	err = memmap_reserve(bi->ranges, &bi->nr_ranges, MNEME_BOOTINFO_MAX_RANGES,
			     start, end - start, MNEME_MEM_CORE);
	if (err)
		panic("cannot reserve the core image (error %d)", err);
	if (!memmap_total(bi->ranges, bi->nr_ranges, MNEME_MEM_USABLE))
		panic("no usable memory in the firmware map");
	bootmem_init(bi);
}

/* Deliberate fault for the boot test that checks trap dumps ("fault_test" on the command line). */
static void fault_test(void)
{
	printk("mneme: fault_test: writing to an unmapped address\n");
	*(volatile uint64_t *)(uintptr_t)0x10 = 0xdead;
	printk("mneme: fault_test: the write did not fault\n");
}

/*
 * With a boot archive, the memory server's results follow the core's
 * suites in the same KTAP document; it ends the run with shutdown().
 */
static __attribute__((noreturn)) void start_user_space(struct mneme_boot_info *bi)
{
	unsigned next = 1;
	int failed = 0;

	if (cmdline_has("ktest=off"))
		printk("KTAP version 1\n1..1\n# ktest: the core's built-in tests skipped (ktest=off)\n");
	else
		failed = ktest_run_all_plus(1, &next);

	if (failed) {
		printk("not ok %u user # SKIP the core's own tests failed\n", next);
		arch_exit(CORE_EXIT_FAIL);
	}
	arch_irq_disable();
	boot_server_start(bi, next);
}

void core_main(void)
{
	struct mneme_boot_info *bi = &boot_info;

	arch_cpu_init_boot(&cpu_table[0]);
	printk("mneme: core starting on %s\n", ARCH_NAME);
	boot_info_init(bi);
	boot_memory_map(bi);
	arch_mmu_init(bi);
	frametype_init(bi);
	memmap_print("mneme: physical memory map:", bi->ranges, bi->nr_ranges);
	printk("mneme: usable %llu KiB, core %llu KiB (page tables %llu KiB)\n",
	       (unsigned long long)memmap_total(bi->ranges, bi->nr_ranges, MNEME_MEM_USABLE) >> 10,
	       (unsigned long long)memmap_total(bi->ranges, bi->nr_ranges, MNEME_MEM_CORE) >> 10,
	       (unsigned long long)bootmem_allocated() >> 10);
	arch_timer_init(CORE_TIMER_HZ);
	device_init();
	smp_boot();
	arch_irq_enable();
	if (cmdline_has("fault_test"))
		fault_test();
	if (!boot_archive_present()) {
		int failed = ktest_run_all();
		arch_exit(failed ? CORE_EXIT_FAIL : CORE_EXIT_PASS);
	}
	start_user_space(bi);
}
