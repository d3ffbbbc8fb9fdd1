/*
 * Booting through Multiboot2 (GRUB from an ISO, under SeaBIOS or UEFI).
 *
 * GRUB loads the image's segments at their physical addresses and enters
 * mb2_start32 (boot.S) in 32-bit protected mode, paging off, whatever
 * the firmware: under UEFI it exits boot services and leaves long mode
 * first, since the image asks for neither EFI tag.  %ebx is the boot
 * information, somewhere in RAM the memory map calls usable, so
 * x86_mb2_save() copies all of it into the image at once, while only the
 * boot identity map of the low 4 GiB exists; mb2_parse() decodes the
 * copy.  The memory map comes from the EFI map when GRUB passes one,
 * converted to e820 types as Linux's EFI stub does, else from GRUB's
 * e820-style map; the command line from its tag; the first module is the
 * initrd; the RSDP is the copy in the ACPI tag, whose physical address in
 * the image is what acpi_boot.c reads (the tables it points to stay
 * where the firmware put them).
 */
#include <arch/multiboot2.h>
#include <arch/x86.h>
#include <core/core.h>
#include <core/memmap.h>
#include <core/printk.h>
#include <mneme/error.h>

static uint8_t mb2_copy[MB2_INFO_MAX] __attribute__((aligned(8)));
static struct mb2_info mb2;
static uint32_t mb2_pa;
static const char *mb2_error;

/* The image is loaded at its link address minus X86_KERNEL_VMA. */
static uint64_t image_pa(const void *p)
{
	return (uint64_t)(uintptr_t)p - X86_KERNEL_VMA;
}

void x86_mb2_save(uint32_t info_pa)
{
	const volatile uint8_t *src = (const volatile uint8_t *)(uintptr_t)info_pa;
	uint32_t total;

	x86_boot_protocol = X86_BOOT_MULTIBOOT2;
	mb2_pa = info_pa;
	if (!info_pa || info_pa % 8 || (uint64_t)info_pa + 8 > X86_BOOT_MAP_LIMIT) {
		mb2_error = "boot information pointer invalid";
		return;
	}
	total = (uint32_t)src[0] | (uint32_t)src[1] << 8 | (uint32_t)src[2] << 16 |
		(uint32_t)src[3] << 24;
	if (total > MB2_INFO_MAX || (uint64_t)info_pa + total > X86_BOOT_MAP_LIMIT) {
		mb2_error = "boot information larger than the core accepts";
		return;
	}
	for (uint32_t i = 0; i < total; i++)
		mb2_copy[i] = src[i];
	mb2_error = mb2_parse(mb2_copy, total, &mb2);
}

uint64_t x86_mb2_rsdp(void)
{
	if (x86_boot_protocol != X86_BOOT_MULTIBOOT2 || mb2_error || !mb2.rsdp_len)
		return 0;
	return image_pa(mb2.rsdp);
}

int x86_mb2_map(struct mneme_boot_info *bi)
{
	int err;

	if (mb2_error) {
		printk("mneme: multiboot2 boot information at 0x%x unusable: %s\n", mb2_pa, mb2_error);
		return -MNEME_ECORRUPT;
	}
	if (mb2.map_source == MB2_TAG_EFI_MMAP)
		printk("mneme: x86_64: multiboot2: memory map from the EFI memory map (%u descriptors)\n",
		       mb2.nr_efi_descs);
	else
		printk("mneme: x86_64: multiboot2: memory map from the e820-style map\n");
	printk("BIOS-provided physical RAM map:\n");
	for (uint32_t i = 0; i < mb2.nr_ranges; i++) {
		const struct mb2_range *r = &mb2.ranges[i];
		x86_e820_print(r->base, r->size, r->type);
		err = memmap_add(bi->ranges, &bi->nr_ranges, MNEME_BOOTINFO_MAX_RANGES, r->base,
				 r->size, memmap_type_from_e820(r->type), 0);
		if (err)
			return err;
	}
	if (mb2.nr_modules && mb2.module_end > mb2.module_start) {
		bi->initrd_base = mb2.module_start;
		bi->initrd_size = mb2.module_end - mb2.module_start;
		printk("mneme: x86_64: initrd [mem 0x%016llx-0x%016llx] kept as core\n",
		       (unsigned long long)mb2.module_start, (unsigned long long)(mb2.module_end - 1));
		err = memmap_add(bi->ranges, &bi->nr_ranges, MNEME_BOOTINFO_MAX_RANGES,
				 bi->initrd_base, bi->initrd_size, MNEME_MEM_CORE, 0);
		if (err)
			return err;
	}
	for (uint32_t i = 0; i < sizeof(bi->cmdline) && i < sizeof(mb2.cmdline); i++)
		bi->cmdline[i] = mb2.cmdline[i];
	bi->cmdline[sizeof(bi->cmdline) - 1] = '\0';
	x86_fill_cpu_facts(bi);
	return 0;
}
