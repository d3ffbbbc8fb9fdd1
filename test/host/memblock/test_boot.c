/*
 * memblock_init_from_bootinfo(): what each range type becomes, the x86
 * low-memory reservation, validation of a bad map and the all-or-nothing
 * rule.
 */
#include "mbtest.h"
#include "mneme/bootinfo.h"

#include <stdlib.h>
#include <string.h>

static struct mneme_boot_info *bi_new(uint32_t arch)
{
	struct mneme_boot_info *bi = calloc(1, sizeof(*bi));

	bi->magic = MNEME_BOOTINFO_MAGIC;
	bi->version = MNEME_BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->arch = arch;
	bi->page_shift = 12;
	return bi;
}

static void bi_add(struct mneme_boot_info *bi, uint64_t base, uint64_t size, uint32_t type,
		   uint32_t nid)
{
	bi->ranges[bi->nr_ranges++] = (struct mneme_mem_range){ base, size, type, nid };
}

/* A PC-like map: low RAM, ACPI, NVS, a hole, the core, NOMAP, node 1. */
static struct mneme_boot_info *bi_pc(uint32_t arch)
{
	struct mneme_boot_info *bi = bi_new(arch);

	bi_add(bi, 0x0, 0x9f000, MNEME_MEM_USABLE, 0);
	bi_add(bi, 0x9f000, 0x1000, MNEME_MEM_RESERVED, 0);
	bi_add(bi, 0x100000, 0x100000, MNEME_MEM_CORE, 0);
	bi_add(bi, 0x200000, 0x7e00000, MNEME_MEM_USABLE, 0);
	bi_add(bi, 0x8000000, 0x10000, MNEME_MEM_ACPI, 0);
	bi_add(bi, 0x8010000, 0x10000, MNEME_MEM_NVS, 0);
	bi_add(bi, 0x8020000, 0x20000, MNEME_MEM_NOMAP, 0);
	bi_add(bi, 0xfee00000, 0x1000, MNEME_MEM_UNUSABLE, 0);
	bi_add(bi, 0x100000000, 0x10000000, MNEME_MEM_USABLE, 1);
	return bi;
}

static void test_boot_x86(void)
{
	struct mneme_boot_info *bi = bi_pc(MNEME_ARCH_X86_64);

	mbt_capture(true);
	MBT_EQ(memblock_init_from_bootinfo(bi), 0);
	mbt_capture(false);
	MBT_REGIONS(&memblock.memory, { 0x0, 0xa0000 }, { 0x100000, 0x7f20000 },
		    { 0x8020000, 0x20000 }, { 0x100000000, 0x10000000 });
	MBT_EQ(memblock.memory.regions[2].flags, MEMBLOCK_NOMAP);
	MBT_EQ(memblock.memory.regions[0].nid, 0);
	MBT_EQ(memblock.memory.regions[3].nid, 1);
	MBT_CHECK(!memblock_is_memory(0xfee00000));
	/* first MiB (x86), core, ACPI+NVS+NOMAP */
	MBT_REGIONS(&memblock.reserved, { 0x0, 0x200000 }, { 0x8000000, 0x40000 });
	/* the free memory is exactly the usable RAM above 1 MiB */
	memblock_set_bottom_up(true);
	MBT_EQ(memblock_phys_alloc(0x7e00000, SZ_4K), 0x200000);
	MBT_EQ(memblock_phys_alloc(0x10000000, SZ_4K), 0x100000000);
	MBT_EQ(memblock_phys_alloc(SZ_4K, SZ_4K), 0);
	free(bi);
}

static void test_boot_riscv(void)
{
	struct mneme_boot_info *bi = bi_new(MNEME_ARCH_RISCV64);

	bi_add(bi, 0x80000000, 0x200000, MNEME_MEM_NOMAP, 0);   /* OpenSBI */
	bi_add(bi, 0x80200000, 0x400000, MNEME_MEM_CORE, 0);
	bi_add(bi, 0x80600000, 0x7a00000, MNEME_MEM_USABLE, 0);
	mbt_capture(true);
	MBT_EQ(memblock_init_from_bootinfo(bi), 0);
	MBT_CHECK(strstr(mbt_printed(), "memblock: 128 MiB of memory in 2 regions") != NULL);
	mbt_capture(false);
	MBT_REGIONS(&memblock.memory, { 0x80000000, 0x200000 }, { 0x80200000, 0x7e00000 });
	MBT_REGIONS(&memblock.reserved, { 0x80000000, 0x600000 });
	MBT_CHECK(!memblock_is_reserved(0x0));
	MBT_CHECK(!memblock_is_map_memory(0x80000000));
	free(bi);
}

static void test_boot_overlapping_ranges(void)
{
	struct mneme_boot_info *bi = bi_new(MNEME_ARCH_RISCV64);

	/* an unsanitised map with overlaps still yields a consistent result */
	bi_add(bi, 0x80000000, 0x1000000, MNEME_MEM_USABLE, 0);
	bi_add(bi, 0x80800000, 0x1000000, MNEME_MEM_RESERVED, 0);
	mbt_capture(true);
	MBT_EQ(memblock_init_from_bootinfo(bi), 0);
	mbt_capture(false);
	MBT_REGIONS(&memblock.memory, { 0x80000000, 0x1800000 });
	MBT_REGIONS(&memblock.reserved, { 0x80800000, 0x1000000 });
	free(bi);
}

/* Nothing recorded, and the allocation settings made before the call kept. */
static bool untouched(phys_addr_t limit)
{
	return memblock_phys_mem_size() == 0 && memblock_reserved_size() == 0 &&
	       memblock.memory.cnt == 1 && memblock.reserved.cnt == 1 &&
	       memblock.memory.max == INIT_MEMBLOCK_REGIONS &&
	       memblock.reserved.max == INIT_MEMBLOCK_RESERVED_REGIONS &&
	       memblock_bottom_up() && memblock_get_current_limit() == limit;
}

/* Corrupt a good map with @edit; it must be refused with @err and change nothing. */
static bool rejected(void (*edit)(struct mneme_boot_info *), int err)
{
	struct mneme_boot_info *bi = bi_pc(MNEME_ARCH_X86_64);
	int got;

	edit(bi);
	memblock_set_bottom_up(true);
	memblock_set_current_limit(SZ_1G);
	got = memblock_init_from_bootinfo(bi);
	free(bi);
	if (got != err)
		printf("  got %d, expected %d\n", got, err);
	return got == err && untouched(SZ_1G);
}

static void bad_magic(struct mneme_boot_info *bi) { bi->magic ^= 1; }
static void bad_version(struct mneme_boot_info *bi) { bi->version = MNEME_BOOTINFO_VERSION + 1; }
static void bad_size(struct mneme_boot_info *bi) { bi->size -= 24; }
static void bad_arch(struct mneme_boot_info *bi) { bi->arch = 9; }
static void too_many(struct mneme_boot_info *bi) { bi->nr_ranges = MNEME_BOOTINFO_MAX_RANGES + 1; }
static void zero_size(struct mneme_boot_info *bi) { bi->ranges[8].size = 0; }
static void wraps(struct mneme_boot_info *bi) { bi->ranges[8].base = UINT64_MAX - 0xfff; }
static void bad_type(struct mneme_boot_info *bi) { bi->ranges[3].type = MNEME_MEM_TYPE_MAX; }
static void type_zero(struct mneme_boot_info *bi) { bi->ranges[3].type = 0; }
static void bad_nid(struct mneme_boot_info *bi) { bi->ranges[8].nid = MAX_NUMNODES; }

static void test_boot_rejects_bad_maps(void)
{
	mbt_capture(true);
	MBT_EQ(memblock_init_from_bootinfo(NULL), -MNEME_EINVAL);
	MBT_CHECK(rejected(bad_magic, -MNEME_ECORRUPT));
	MBT_CHECK(rejected(bad_version, -MNEME_EINVAL));
	MBT_CHECK(rejected(bad_size, -MNEME_ECORRUPT));
	MBT_CHECK(rejected(bad_arch, -MNEME_EINVAL));
	MBT_CHECK(rejected(too_many, -MNEME_ECORRUPT));
	MBT_CHECK(rejected(zero_size, -MNEME_ECORRUPT));
	MBT_CHECK(rejected(wraps, -MNEME_ECORRUPT));
	MBT_CHECK(rejected(bad_type, -MNEME_ECORRUPT));
	MBT_CHECK(rejected(type_zero, -MNEME_ECORRUPT));
	MBT_CHECK(rejected(bad_nid, -MNEME_EINVAL));
	MBT_CHECK(strstr(mbt_printed(), "bad magic") != NULL);
	mbt_capture(false);
}

static void test_boot_refuses_non_empty(void)
{
	struct mneme_boot_info *bi = bi_pc(MNEME_ARCH_X86_64);

	MBT_EQ(memblock_reserve(0x1000, 0x1000), 0);
	mbt_capture(true);
	MBT_EQ(memblock_init_from_bootinfo(bi), -MNEME_EBUSY);
	mbt_capture(false);
	MBT_REGIONS(&memblock.reserved, { 0x1000, 0x1000 });
	MBT_EMPTY(&memblock.memory);
	free(bi);
}

static void test_boot_enomem_rolls_back(void)
{
	struct mneme_boot_info *bi = bi_new(MNEME_ARCH_X86_64);

	/* 128 reserved RAM ranges + the x86 low MiB need 129 reserved slots, and
	 * there is no free memory to grow the array into */
	for (int i = 0; i < MNEME_BOOTINFO_MAX_RANGES; i++)
		bi_add(bi, SZ_1G + (uint64_t)i * 2 * SZ_4K, SZ_4K, MNEME_MEM_RESERVED, 0);
	memblock_set_bottom_up(true);
	memblock_set_current_limit(SZ_1G * 4);
	mbt_capture(true);
	MBT_EQ(memblock_init_from_bootinfo(bi), -MNEME_ENOMEM);
	mbt_capture(false);
	MBT_CHECK(untouched(4 * SZ_1G));
	/* with some usable memory to grow into, a map needing more slots fits:
	 * a node-1 range filling the gaps between the reserved ones makes
	 * about 250 memory regions */
	bi->ranges[0] = (struct mneme_mem_range){ 2 * SZ_1G, SZ_16M, MNEME_MEM_USABLE, 0 };
	bi->ranges[127] = (struct mneme_mem_range){ SZ_1G, 128 * 2 * SZ_4K, MNEME_MEM_USABLE, 1 };
	mbt_capture(true);
	MBT_EQ(memblock_init_from_bootinfo(bi), 0);
	mbt_capture(false);
	MBT_CHECK(memblock.memory.max > INIT_MEMBLOCK_REGIONS);
	MBT_CHECK(memblock.memory.cnt > INIT_MEMBLOCK_REGIONS);
	MBT_EQ(memblock_phys_mem_size(), SZ_16M + 128 * 2 * SZ_4K);
	MBT_CHECK(memblock_is_reserved(0));
	MBT_CHECK(memblock_is_reserved(SZ_1G + 2 * SZ_4K));
	MBT_CHECK(!memblock_is_reserved(SZ_1G + 3 * SZ_4K));
	free(bi);
}

void memblock_tests_boot(void)
{
	MBT_RUN(test_boot_x86);
	MBT_RUN(test_boot_riscv);
	MBT_RUN(test_boot_overlapping_ranges);
	MBT_RUN(test_boot_rejects_bad_maps);
	MBT_RUN(test_boot_refuses_non_empty);
	MBT_RUN(test_boot_enomem_rolls_back);
}
