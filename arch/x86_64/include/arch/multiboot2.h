/*
 * Multiboot2 (the GRUB 2 boot protocol, as its specification describes
 * it): the header the image carries, and the boot information GRUB hands
 * over in %ebx with %eax = MB2_BOOT_MAGIC.
 *
 * The information is a list of 8-byte aligned tags after an 8-byte
 * header (total size, reserved).  mb2_parse() is freestanding C without
 * the core (host-tested): it reads a copy of the whole structure and
 * decodes what the core needs into struct mb2_info, or says why it cannot.
 */
#ifndef ARCH_X86_MULTIBOOT2_H
#define ARCH_X86_MULTIBOOT2_H

#include <stddef.h>
#include <stdint.h>

#define MB2_HEADER_MAGIC 0xe85250d6u   /* in the image's header */
#define MB2_BOOT_MAGIC   0x36d76289u   /* in %eax at the entry */

/* Tag types of the boot information. */
#define MB2_TAG_END         0
#define MB2_TAG_CMDLINE     1
#define MB2_TAG_MODULE      3
#define MB2_TAG_MMAP        6
#define MB2_TAG_ACPI_OLD    14   /* a copy of the RSDP, revision 0 */
#define MB2_TAG_ACPI_NEW    15   /* a copy of the RSDP, revision 2 */
#define MB2_TAG_EFI_MMAP    17
#define MB2_TAG_EFI_BS      18   /* boot services were not exited */

#define MB2_INFO_MAX      (64u << 10)   /* larger boot information is refused */
#define MB2_MAX_RANGES    128           /* e820-style entries kept (after merging) */
#define MB2_CMDLINE_MAX   256
#define MB2_RSDP_MAX      36            /* an ACPI 2.0 RSDP */

/* EFI memory types (UEFI specification, EFI_MEMORY_TYPE). */
enum efi_memory_type {
	EFI_RESERVED = 0,
	EFI_LOADER_CODE, EFI_LOADER_DATA, EFI_BOOT_SERVICES_CODE, EFI_BOOT_SERVICES_DATA,
	EFI_RUNTIME_SERVICES_CODE, EFI_RUNTIME_SERVICES_DATA, EFI_CONVENTIONAL,
	EFI_UNUSABLE, EFI_ACPI_RECLAIM, EFI_ACPI_NVS, EFI_MMIO, EFI_MMIO_PORT, EFI_PAL_CODE,
	EFI_PERSISTENT,
};

/* One range of the memory map, e820-style (type: 1 usable, 2 reserved, 3 ACPI, 4 NVS, 5 bad, 7 pmem). */
struct mb2_range {
	uint64_t base;
	uint64_t size;
	uint32_t type;
};

/* What the core takes from the boot information. */
struct mb2_info {
	struct mb2_range ranges[MB2_MAX_RANGES];
	uint32_t nr_ranges;
	uint32_t map_source;            /* MB2_TAG_MMAP or MB2_TAG_EFI_MMAP: where ranges came from */
	uint32_t nr_efi_descs;          /* descriptors of the EFI map (before merging) */
	uint32_t nr_modules;
	uint64_t module_start, module_end;   /* the first module ([start, end)), if any */
	char cmdline[MB2_CMDLINE_MAX];
	uint8_t rsdp[MB2_RSDP_MAX];     /* the RSDP copy of the newest ACPI tag */
	uint32_t rsdp_len;              /* 0: no ACPI tag */
};

/*
 * Decode the boot information @mbi (@len bytes, a copy; the total size
 * in its header must fit @len).  EFI's map is preferred to the e820-style
 * one (it is the firmware's own; GRUB derives the other from it) and is
 * converted to e820 types as Linux's EFI stub converts it, adjacent
 * ranges of one type merged.  Returns NULL, or why it cannot be used:
 * bad sizes, a tag running past the end, no end tag, no memory map, too
 * many ranges, boot services still running.
 */
const char *mb2_parse(const void *mbi, size_t len, struct mb2_info *out);

/* The e820 type Linux gives an EFI memory type. */
uint32_t mb2_efi_to_e820(uint32_t efi_type);

#endif
