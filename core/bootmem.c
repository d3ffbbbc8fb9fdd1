/*
 * Boot-time frame allocator (see core/bootmem.h).
 *
 * Each allocation is cut from the highest usable range that fits below
 * the caller's limit and immediately re-typed MNEME_MEM_CORE in the boot
 * map, so the map stays the single record of what the core owns.
 */
#include <core/bootmem.h>
#include <core/memmap.h>
#include <core/printk.h>

static struct mneme_boot_info *boot_map;
static uint64_t allocated;
static uint64_t limit = ~0ULL;       /* the end of the direct map */

void bootmem_init(struct mneme_boot_info *bi)
{
	boot_map = bi;
	allocated = 0;
	limit = ~0ULL;
}

void bootmem_set_limit(uint64_t max)
{
	limit = max;
}

uint64_t bootmem_alloc(uint64_t size, uint64_t align, uint64_t max_addr)
{
	ASSERT(boot_map && size && align && !(align & (align - 1)));
	if (max_addr > limit)
		max_addr = limit;
	for (uint32_t i = boot_map->nr_ranges; i-- > 0;) {
		const struct mneme_mem_range *r = &boot_map->ranges[i];
		if (r->type != MNEME_MEM_USABLE || r->base >= max_addr)
			continue;
		uint64_t end = r->base + r->size;
		if (end > max_addr)
			end = max_addr;
		if (end - r->base < size)
			continue;
		uint64_t base = (end - size) & ~(align - 1);
		if (base < r->base || base == 0)
			continue;
		if (memmap_reserve(boot_map->ranges, &boot_map->nr_ranges,
				   MNEME_BOOTINFO_MAX_RANGES, base, size, MNEME_MEM_CORE))
			return 0;
		allocated += size;
		return base;
	}
	return 0;
}

uint64_t bootmem_allocated(void)
{
	return allocated;
}
