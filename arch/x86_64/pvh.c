/*
 * The PVH boot protocol: QEMU's -kernel loader finds the
 * XEN_ELFNOTE_PHYS32_ENTRY note in the image and enters it with %ebx =
 * physical address of struct hvm_start_info (Xen's public
 * arch-x86/hvm/start_info.h describes the layout).
 *
 * The start info, its e820 memory map and the command line lie in low RAM
 * that the firmware map calls usable, so x86_pvh_save() copies them into
 * the image first thing, while only the boot identity map of the low 4 GiB
 * exists.  arch_firmware_map() later decodes the copy.  Anything odd is
 * recorded as an error, reported by arch_firmware_map(), never trusted.
 */
#include <arch/pvh.h>
#include <arch/x86.h>
#include <core/memmap.h>
#include <core/printk.h>
#include <mneme/error.h>

static struct hvm_start_info pvh_info;
static struct hvm_memmap_entry pvh_e820[PVH_MAX_E820];
static uint32_t pvh_nr_e820;
static char pvh_cmdline[MNEME_BOOTINFO_CMDLINE];
static struct hvm_modlist_entry pvh_initrd;
static uint32_t pvh_start_pa;
static const char *pvh_error;      /* why the start info cannot be used */

/*
 * True if [pa, pa + size) lies inside the boot identity map and is not a
 * null pointer (QEMU does put the e820 table in page 0, at 0x5a8).
 */
static bool boot_readable(uint64_t pa, uint64_t size)
{
	return pa != 0 && size <= X86_BOOT_MAP_LIMIT && pa <= X86_BOOT_MAP_LIMIT - size;
}

static void copy_from_phys(void *dst, uint64_t pa, uint64_t size)
{
	const volatile uint8_t *src = (const volatile uint8_t *)(uintptr_t)pa;
	uint8_t *d = dst;

	for (uint64_t i = 0; i < size; i++)
		d[i] = src[i];
}

static void save_cmdline(uint64_t pa)
{
	uint32_t n = 0;

	if (!pa)
		return;
	for (; n + 1 < sizeof(pvh_cmdline) && boot_readable(pa + n, 1); n++) {
		pvh_cmdline[n] = *(const volatile char *)(uintptr_t)(pa + n);
		if (!pvh_cmdline[n])
			break;
	}
	pvh_cmdline[n] = '\0';
}

const char *x86_pvh_check(const struct hvm_start_info *si)
{
	if (si->magic != HVM_START_MAGIC)
		return "bad hvm_start_info magic";
	if (si->version < 1)
		return "hvm_start_info version 0 has no memory map";
	if (si->memmap_entries == 0 || si->memmap_entries > PVH_MAX_E820)
		return "e820 entry count out of range";
	if (!boot_readable(si->memmap_paddr, si->memmap_entries * sizeof(struct hvm_memmap_entry)))
		return "e820 table outside the low 4 GiB";
	if (si->cmdline_paddr && !boot_readable(si->cmdline_paddr, 1))
		return "command line outside the low 4 GiB";
	if (si->nr_modules && !boot_readable(si->modlist_paddr, sizeof(struct hvm_modlist_entry)))
		return "module list outside the low 4 GiB";
	return NULL;
}

void x86_pvh_save(uint32_t start_info_pa)
{
	pvh_start_pa = start_info_pa;
	if (!boot_readable(start_info_pa, sizeof(pvh_info))) {
		pvh_error = "start info pointer is null";
		return;
	}
	copy_from_phys(&pvh_info, start_info_pa, sizeof(pvh_info));
	pvh_error = x86_pvh_check(&pvh_info);
	if (pvh_error)
		return;
	pvh_nr_e820 = pvh_info.memmap_entries;
	copy_from_phys(pvh_e820, pvh_info.memmap_paddr, pvh_nr_e820 * sizeof(pvh_e820[0]));
	save_cmdline(pvh_info.cmdline_paddr);
	if (pvh_info.nr_modules)
		copy_from_phys(&pvh_initrd, pvh_info.modlist_paddr, sizeof(pvh_initrd));
}

uint64_t x86_pvh_rsdp(void)
{
	return pvh_error || x86_boot_protocol != X86_BOOT_PVH ? 0 : pvh_info.rsdp_paddr;
}

/* Linux's words for e820 types. */
const char *x86_e820_type_name(uint32_t type)
{
	switch (type) {
	case 1: return "usable";
	case 2: return "reserved";
	case 3: return "ACPI data";
	case 4: return "ACPI NVS";
	case 5: return "unusable";
	case 7: return "persistent (type 7)";
	default: return "unknown";
	}
}

void x86_e820_print(uint64_t addr, uint64_t size, uint32_t type)
{
	if (!size) {
		printk("BIOS-e820: [mem 0x%016llx empty] %s\n", (unsigned long long)addr,
		       x86_e820_type_name(type));
		return;
	}
	printk("BIOS-e820: [mem 0x%016llx-0x%016llx] %s\n", (unsigned long long)addr,
	       (unsigned long long)(addr + size - 1), x86_e820_type_name(type));
}

static void print_e820(void)
{
	printk("BIOS-provided physical RAM map:\n");
	for (uint32_t i = 0; i < pvh_nr_e820; i++)
		x86_e820_print(pvh_e820[i].addr, pvh_e820[i].size, pvh_e820[i].type);
}

void x86_fill_cpu_facts(struct mneme_boot_info *bi)
{
	unsigned vbits = x86_cpu.virt_bits < 48 ? x86_cpu.virt_bits : 48;

	bi->arch = MNEME_ARCH_X86_64;
	bi->nr_cpus = 1;
	bi->phys_addr_bits = x86_cpu.phys_bits;
	/* The user half of 4-level paging: one bit less than the CPU's width. */
	bi->virt_addr_bits = vbits - 1;
	bi->huge_page_sizes = 1ull << 21;
	if (x86_cpu.pdpe1gb)
		bi->huge_page_sizes |= 1ull << 30;
	bi->timer_hz = x86_tsc_calibrate();
}

/* The boot protocol the image was entered by (x86_start). */
uint32_t x86_boot_protocol;

int arch_firmware_map(struct mneme_boot_info *bi)
{
	int err;

	if (x86_boot_protocol == X86_BOOT_MULTIBOOT2)
		return x86_mb2_map(bi);

	if (pvh_error) {
		printk("mneme: PVH start info at 0x%x unusable: %s (version %u, memmap 0x%llx x %u)\n", pvh_start_pa, pvh_error, pvh_info.version, (unsigned long long)pvh_info.memmap_paddr, pvh_info.memmap_entries);
		return -MNEME_ECORRUPT;
	}
	print_e820();
	for (uint32_t i = 0; i < pvh_nr_e820; i++) {
		const struct hvm_memmap_entry *e = &pvh_e820[i];
		err = memmap_add(bi->ranges, &bi->nr_ranges, MNEME_BOOTINFO_MAX_RANGES, e->addr,
				 e->size, memmap_type_from_e820(e->type), 0);
		if (err)
			return err;
	}
	if (pvh_initrd.size) {
		bi->initrd_base = pvh_initrd.paddr;
		bi->initrd_size = pvh_initrd.size;
		printk("mneme: x86_64: initrd [mem 0x%016llx-0x%016llx] kept as core\n",
		       (unsigned long long)pvh_initrd.paddr,
		       (unsigned long long)(pvh_initrd.paddr + pvh_initrd.size - 1));
		err = memmap_add(bi->ranges, &bi->nr_ranges, MNEME_BOOTINFO_MAX_RANGES,
				 pvh_initrd.paddr, pvh_initrd.size, MNEME_MEM_CORE, 0);
		if (err)
			return err;
	}
	for (uint32_t i = 0; i < sizeof(bi->cmdline); i++)
		bi->cmdline[i] = pvh_cmdline[i];
	x86_fill_cpu_facts(bi);
	return 0;
}
