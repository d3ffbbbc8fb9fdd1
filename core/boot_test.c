/*
 * Built-in tests of generic boot state: the boot map, the core's
 * reservations and the timer.
 */
#include <arch/arch.h>
#include <core/core.h>
#include <core/ktest.h>

KTEST(bootmap, sorted_and_disjoint)
{
	const struct mneme_boot_info *bi = &boot_info;

	KEXPECT(t, bi->nr_ranges > 0);
	for (uint32_t i = 0; i < bi->nr_ranges; i++) {
		KEXPECT(t, bi->ranges[i].size != 0);
		KEXPECT(t, bi->ranges[i].type >= MNEME_MEM_USABLE &&
			   bi->ranges[i].type < MNEME_MEM_TYPE_MAX);
		if (i)
			KEXPECT(t, bi->ranges[i - 1].base + bi->ranges[i - 1].size <=
				   bi->ranges[i].base);
	}
}

KTEST(bootmap, core_image_reserved)
{
	const struct mneme_boot_info *bi = &boot_info;
	bool covered = false;

	for (uint32_t i = 0; i < bi->nr_ranges; i++) {
		const struct mneme_mem_range *r = &bi->ranges[i];
		if (r->type == MNEME_MEM_CORE && r->base <= bi->core_phys_base &&
		    r->base + r->size >= bi->core_phys_end)
			covered = true;
	}
	KEXPECT(t, bi->core_phys_end > bi->core_phys_base);
	KEXPECT(t, covered);
}

KTEST(bootmap, has_usable_memory)
{
	uint64_t usable = 0;

	for (uint32_t i = 0; i < boot_info.nr_ranges; i++)
		if (boot_info.ranges[i].type == MNEME_MEM_USABLE)
			usable += boot_info.ranges[i].size;
	KEXPECT(t, usable >= (16ull << 20));
}

KTEST(timer, ticks_advance)
{
	uint64_t start = core_ticks();

	/* Five ticks at CORE_TIMER_HZ; a broken timer leaves us here forever,
	 * so bound the wait by a generous count of wake-ups instead. */
	for (int i = 0; i < 100000 && core_ticks() - start < 5; i++)
		arch_wait_for_interrupt();
	KEXPECT(t, core_ticks() - start >= 5);
}
