/*
 * memblock: feeding the lists from the boot-info map.
 *
 * The core hands the memory server a sanitised map (mneme/bootinfo.h).
 * Every range that is RAM becomes memory on its node; everything that is
 * not free RAM is also reserved, and firmware ranges that must not be
 * mapped are marked NOMAP.  The map comes from a less trusted party, so
 * it is validated completely before memblock is touched.
 */
#include "memblock_internal.h"
#include "mneme/bootinfo.h"

#define MEMBLOCK_X86_LOW_RESERVE (1ULL << 20)

static int memblock_bad_map(const char *what, unsigned idx, int err)
{
	mm_printf("memblock: boot-info map rejected: %s (range %u)\n", what, idx);
	return err;
}

static int memblock_check_range(const struct mneme_mem_range *r, unsigned idx)
{
	if (r->size == 0)
		return memblock_bad_map("zero-sized range", idx, -MNEME_ECORRUPT);
	if (r->size > UINT64_MAX - r->base)
		return memblock_bad_map("range wraps past the end of the address space",
					idx, -MNEME_ECORRUPT);
	if (r->type < MNEME_MEM_USABLE || r->type >= MNEME_MEM_TYPE_MAX)
		return memblock_bad_map("unknown range type", idx, -MNEME_ECORRUPT);
	if (r->nid >= MAX_NUMNODES)
		return memblock_bad_map("node id out of range", idx, -MNEME_EINVAL);
	return 0;
}

/*
 * The topology (a boot info without one, nr_nodes 0, means one node):
 * node ids in range, each CPU's node one of them, distances 10 on the
 * diagonal, 11..255 elsewhere, the same both ways.
 */
static int memblock_check_topology(const struct mneme_boot_info *bi)
{
	if (!bi->nr_nodes)
		return 0;
	if (bi->nr_nodes > MNEME_BOOTINFO_MAX_NODES || bi->nr_nodes > MAX_NUMNODES)
		return memblock_bad_map("too many nodes", bi->nr_nodes, -MNEME_EINVAL);
	if (bi->nr_cpus > MNEME_BOOTINFO_MAX_CPUS)
		return memblock_bad_map("too many CPUs", bi->nr_cpus, -MNEME_EINVAL);
	for (unsigned i = 0; i < bi->nr_cpus; i++)
		if (bi->cpu_node[i] >= bi->nr_nodes)
			return memblock_bad_map("a CPU's node is out of range", i, -MNEME_EINVAL);
	for (unsigned i = 0; i < bi->nr_ranges; i++)
		if (bi->ranges[i].nid >= bi->nr_nodes)
			return memblock_bad_map("a range's node is out of range", i, -MNEME_EINVAL);
	for (unsigned a = 0; a < bi->nr_nodes; a++)
		for (unsigned b = 0; b < bi->nr_nodes; b++) {
			unsigned d = bi->distance[a][b];
			if (a == b ? d != MNEME_LOCAL_DISTANCE : d <= MNEME_LOCAL_DISTANCE ||
			    d != bi->distance[b][a])
				return memblock_bad_map("bad node distance", a, -MNEME_EINVAL);
		}
	return 0;
}

/* Decode: everything that could be wrong with @bi, before any change. */
static int memblock_check_bootinfo(const struct mneme_boot_info *bi)
{
	unsigned i;
	int err;

	if (!bi)
		return memblock_bad_map("no map", 0, -MNEME_EINVAL);
	if (bi->magic != MNEME_BOOTINFO_MAGIC)
		return memblock_bad_map("bad magic", 0, -MNEME_ECORRUPT);
	if (bi->version != MNEME_BOOTINFO_VERSION)
		return memblock_bad_map("unsupported version", 0, -MNEME_EINVAL);
	if (bi->size != sizeof(*bi))
		return memblock_bad_map("size field does not match the structure", 0,
					-MNEME_ECORRUPT);
	if (bi->arch != MNEME_ARCH_X86_64 && bi->arch != MNEME_ARCH_RISCV64)
		return memblock_bad_map("unknown architecture", 0, -MNEME_EINVAL);
	if (bi->nr_ranges > MNEME_BOOTINFO_MAX_RANGES)
		return memblock_bad_map("too many ranges", bi->nr_ranges, -MNEME_ECORRUPT);
	for (i = 0; i < bi->nr_ranges; i++) {
		err = memblock_check_range(&bi->ranges[i], i);
		if (err)
			return err;
	}
	return memblock_check_topology(bi);
}

/*
 * RAM is what goes into memblock.memory: free RAM and the firmware's and
 * core's reservations in RAM.  UNUSABLE and FIRMWARE (x86 e820 "reserved":
 * ROM, MMIO holes, the HyperTransport window) are not memory at all, as
 * Linux adds only E820_TYPE_RAM; giving them a memmap would waste RAM.
 */
static bool memblock_type_is_ram(uint32_t type)
{
	return type != MNEME_MEM_UNUSABLE && type != MNEME_MEM_FIRMWARE;
}

/* Perform: add, then reserve, then mark.  Fails only for want of array room. */
static int memblock_apply_bootinfo(const struct mneme_boot_info *bi)
{
	const struct mneme_mem_range *r;
	int err = 0;
	unsigned i;

	for (i = 0; i < bi->nr_ranges && !err; i++) {
		r = &bi->ranges[i];
		if (memblock_type_is_ram(r->type))
			err = memblock_add_node(r->base, r->size, (int)r->nid, MEMBLOCK_NONE);
	}
	for (i = 0; i < bi->nr_ranges && !err; i++) {
		r = &bi->ranges[i];
		if (memblock_type_is_ram(r->type) && r->type != MNEME_MEM_USABLE)
			err = memblock_reserve(r->base, r->size);
		if (!err && r->type == MNEME_MEM_NOMAP)
			err = memblock_mark_nomap(r->base, r->size);
	}
	if (!err && bi->arch == MNEME_ARCH_X86_64)
		err = memblock_reserve(0, MEMBLOCK_X86_LOW_RESERVE); /* real mode, BIOS, EBDA */
	return err;
}

int memblock_init_from_bootinfo(const struct mneme_boot_info *bi)
{
	bool bottom_up = memblock.bottom_up, closed = memblock_closed;
	phys_addr_t limit = memblock.current_limit;
	int err = memblock_check_bootinfo(bi);

	if (err)
		return err;
	if (!memblock_type_empty(&memblock.memory) || !memblock_type_empty(&memblock.reserved) ||
	    memblock.memory.regions != memblock_memory_init_regions ||
	    memblock.reserved.regions != memblock_reserved_init_regions) {
		mm_printf("memblock: boot-info map refused: memblock is not empty\n");
		return -MNEME_EBUSY;
	}
	err = memblock_apply_bootinfo(bi);
	if (err) {
		/* memblock was empty: going back to empty undoes everything */
		mm_printf("memblock: boot-info map could not be recorded (%d)\n", err);
		memblock_reset();
		memblock.bottom_up = bottom_up;
		memblock.current_limit = limit;
		memblock_closed = closed;
		return err;
	}
	mm_printf("memblock: %llu MiB of memory in %lu regions, %llu KiB reserved\n",
		  (unsigned long long)(memblock.memory.total_size >> 20), memblock.memory.cnt,
		  (unsigned long long)(memblock.reserved.total_size >> 10));
	return 0;
}
