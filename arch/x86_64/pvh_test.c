/*
 * Tests of the PVH start-info decoding: what the firmware hands over must
 * be rejected with a reason, never trusted, when it is malformed.
 */
#include <arch/pvh.h>
#include <arch/x86.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/ktest.h>

static struct hvm_start_info good_start_info(void)
{
	return (struct hvm_start_info){
		.magic = HVM_START_MAGIC, .version = 1, .memmap_paddr = 0x5a8, .memmap_entries = 9,
		.cmdline_paddr = 0x20000,
	};
}

KTEST(x86_pvh, accepts_qemu_layout)
{
	struct hvm_start_info si = good_start_info();

	KEXPECT(t, x86_pvh_check(&si) == NULL);
	si.nr_modules = 1;
	si.modlist_paddr = 0x6000;
	KEXPECT(t, x86_pvh_check(&si) == NULL);
}

KTEST(x86_pvh, rejects_bad_header)
{
	struct hvm_start_info si = good_start_info();

	si.magic ^= 1;
	KEXPECT(t, x86_pvh_check(&si) != NULL);
	si = good_start_info();
	si.version = 0;
	KEXPECT(t, x86_pvh_check(&si) != NULL);
}

KTEST(x86_pvh, rejects_bad_memmap)
{
	struct hvm_start_info si = good_start_info();

	si.memmap_entries = 0;
	KEXPECT(t, x86_pvh_check(&si) != NULL);
	si.memmap_entries = PVH_MAX_E820 + 1;
	KEXPECT(t, x86_pvh_check(&si) != NULL);
	si.memmap_entries = 0xffffffffu;
	KEXPECT(t, x86_pvh_check(&si) != NULL);
	si = good_start_info();
	si.memmap_paddr = 0;
	KEXPECT(t, x86_pvh_check(&si) != NULL);
	si.memmap_paddr = 0x100000000ull;
	KEXPECT(t, x86_pvh_check(&si) != NULL);
	si.memmap_paddr = 0xffffffffull - 8;              /* straddles 4 GiB */
	KEXPECT(t, x86_pvh_check(&si) != NULL);
	si.memmap_paddr = 0xfffffffffffffff0ull;          /* would wrap */
	KEXPECT(t, x86_pvh_check(&si) != NULL);
}

KTEST(x86_pvh, rejects_pointers_past_4g)
{
	struct hvm_start_info si = good_start_info();

	si.cmdline_paddr = 0x100000000ull;
	KEXPECT(t, x86_pvh_check(&si) != NULL);
	si = good_start_info();
	si.nr_modules = 1;
	si.modlist_paddr = 0x1ffffffffull;
	KEXPECT(t, x86_pvh_check(&si) != NULL);
}

KTEST(x86_pvh, boot_info_filled)
{
	const struct mneme_boot_info *bi = &boot_info;

	KEXPECT_EQ(t, bi->arch, MNEME_ARCH_X86_64);
	KEXPECT_EQ(t, bi->nr_cpus, nr_cpus_online);   /* smp_boot() counts them */
	KEXPECT(t, bi->phys_addr_bits >= 36 && bi->phys_addr_bits <= 52);
	KEXPECT_EQ(t, bi->virt_addr_bits, 47);
	KEXPECT(t, bi->huge_page_sizes & (1ull << 21));
	KEXPECT_EQ(t, !!(bi->huge_page_sizes & (1ull << 30)), x86_cpu.pdpe1gb);
}

KTEST(x86_pvh, initrd_kept_as_core)
{
	const struct mneme_boot_info *bi = &boot_info;
	uint64_t base = bi->initrd_base, end = base + bi->initrd_size;
	bool covered = false;

	if (!bi->initrd_size) {
		ktest_skip(t, "no initrd");
		return;
	}
	for (uint32_t i = 0; i < bi->nr_ranges; i++)
		if (bi->ranges[i].type == MNEME_MEM_CORE && bi->ranges[i].base <= base &&
		    bi->ranges[i].base + bi->ranges[i].size >= end)
			covered = true;
	KEXPECT(t, covered);
}
