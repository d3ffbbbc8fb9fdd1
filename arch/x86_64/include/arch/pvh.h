/*
 * The PVH boot protocol's start info (Xen's public
 * arch-x86/hvm/start_info.h describes the layout), as QEMU's -kernel
 * loader passes it in %ebx.
 */
#ifndef ARCH_X86_PVH_H
#define ARCH_X86_PVH_H

#include <stdint.h>

#define HVM_START_MAGIC 0x336ec578
#define PVH_MAX_E820    128      /* QEMU gives < 10; more means garbage */

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;         /* >= 1: memmap_* are valid */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;   /* struct hvm_modlist_entry[nr_modules] */
	uint64_t cmdline_paddr;   /* NUL-terminated, 0 if none */
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;    /* struct hvm_memmap_entry[memmap_entries] */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;            /* e820 type */
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info layout");
_Static_assert(sizeof(struct hvm_memmap_entry) == 24, "hvm_memmap_entry layout");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry layout");

/*
 * Decode step of x86_pvh_save(): NULL if the copied start info @si can be
 * used, else why not (bad magic, version 0, no or absurdly many e820
 * entries, tables outside the boot identity map of the low 4 GiB).
 */
const char *x86_pvh_check(const struct hvm_start_info *si);

#endif
