/*
 * The boot-info structure: the sanitised physical memory map and the facts
 * about the machine that the core hands to the memory server at start-up.
 *
 * Defined once here and included by the core, the memory server and user
 * code.  Fixed-width fields only, no pointers, no bool: the layout is the
 * same for every compiler and both architectures, and checked below.
 */
#ifndef MNEME_BOOTINFO_H
#define MNEME_BOOTINFO_H

#include <stdint.h>

#define MNEME_BOOTINFO_MAGIC   0x6f666e69656d6e6dULL /* "mnmeinfo" */
/*
 * 2: MNEME_MEM_FIRMWARE (non-RAM) split from RESERVED.
 * 3: NUMA topology (nr_nodes, cpu_node, distance) and the server's
 *    physmap and vmemmap windows.
 */
#define MNEME_BOOTINFO_VERSION 3
#define MNEME_BOOTINFO_MAX_RANGES 128
#define MNEME_BOOTINFO_CMDLINE 256
#define MNEME_BOOTINFO_MAX_NODES 16   /* node ids 0 .. 15 */
#define MNEME_BOOTINFO_MAX_CPUS 64    /* CPU indices cpu_node[] can describe */

/* Node distances as ACPI's SLIT and Linux give them: 10 to itself, more to any other. */
#define MNEME_LOCAL_DISTANCE  10
#define MNEME_REMOTE_DISTANCE 20      /* the default between two nodes without a table */

/*
 * Range types.  Ordered by restrictiveness: where two firmware ranges
 * overlap, the larger value wins (usable memory loses to everything).
 *
 * RAM types (the memory server adds them to memblock.memory, like Linux's
 * E820_TYPE_RAM plus DT reservations): USABLE, ACPI, NVS, RESERVED, NOMAP,
 * CORE.  Not RAM (never memory, never in the direct map except the x86 BIOS
 * area below 1 MiB): UNUSABLE, FIRMWARE.
 */
enum mneme_mem_type {
	MNEME_MEM_USABLE = 1,       /* free RAM the memory server may manage */
	MNEME_MEM_ACPI = 2,         /* ACPI tables, reclaimable after parsing */
	MNEME_MEM_NVS = 3,          /* ACPI NVS: firmware state, never touched */
	MNEME_MEM_RESERVED = 4,     /* firmware reservation that is still RAM (DT reserved-memory without no-map, /memreserve/) */
	MNEME_MEM_NOMAP = 5,        /* firmware reservation that must not even be mapped (no-map, mmode_resv) */
	MNEME_MEM_CORE = 6,         /* the core's image, page tables and boot data */
	MNEME_MEM_UNUSABLE = 7,     /* bad memory (e820 type 5) */
	MNEME_MEM_FIRMWARE = 8,     /* firmware reservation that is not RAM: x86 e820 "reserved" (ROM, MMIO holes, HyperTransport) and unknown e820 types; printed "reserved" */
	MNEME_MEM_TYPE_MAX
};

struct mneme_mem_range {
	uint64_t base;   /* physical address, inclusive */
	uint64_t size;   /* bytes, never 0 in a sanitised map */
	uint32_t type;   /* enum mneme_mem_type */
	uint32_t nid;    /* NUMA node id (0 where the firmware gives none) */
};

enum mneme_arch {
	MNEME_ARCH_X86_64 = 1,
	MNEME_ARCH_RISCV64 = 2,
};

struct mneme_boot_info {
	uint64_t magic;             /* MNEME_BOOTINFO_MAGIC */
	uint32_t version;           /* MNEME_BOOTINFO_VERSION */
	uint32_t size;              /* sizeof(struct mneme_boot_info) */
	uint32_t arch;              /* enum mneme_arch */
	uint32_t nr_ranges;         /* valid entries in ranges[] */
	uint32_t page_shift;        /* base page size: 12 */
	uint32_t phys_addr_bits;    /* physical address width of the CPU */
	uint32_t virt_addr_bits;    /* user address bits: 47 (x86_64), 38 (Sv39) or 47 (Sv48) */
	uint32_t nr_cpus;
	uint64_t huge_page_sizes;   /* bitmask: bit n set means 2^n-byte leaf pages exist */
	uint64_t timer_hz;          /* frequency of the core's time counter */
	uint64_t archive_base;      /* physical address of the boot archive */
	uint64_t archive_size;
	uint64_t initrd_base;       /* from the firmware (0 if none) */
	uint64_t initrd_size;
	uint64_t core_phys_base;    /* the core's image, for information */
	uint64_t core_phys_end;
	/*
	 * The server's windows onto memory (chosen by the core from the user
	 * half's size, see <mneme/layout.h>): RAM at physical pa < physmap_limit
	 * is mapped at physmap_base + pa (USABLE ranges only); RAM at or above
	 * physmap_limit cannot be reached and is left out (the core reports
	 * it).  The vmemmap window [vmemmap_base, + vmemmap_size) is the
	 * server's to fill.
	 */
	uint64_t physmap_base;
	uint64_t physmap_limit;
	uint64_t vmemmap_base;
	uint64_t vmemmap_size;
	/*
	 * NUMA topology, validated by the core (one node when the firmware's
	 * tables are absent or bad): node ids 0 .. nr_nodes - 1 (each range's
	 * nid is one of them; a node without memory is not online), the node
	 * of each CPU index 0 .. nr_cpus - 1, and the distance between any two
	 * nodes (distance[a][b] == distance[b][a], MNEME_LOCAL_DISTANCE on the
	 * diagonal only).
	 */
	uint32_t nr_nodes;
	uint32_t pad_;
	uint8_t cpu_node[MNEME_BOOTINFO_MAX_CPUS];
	uint8_t distance[MNEME_BOOTINFO_MAX_NODES][MNEME_BOOTINFO_MAX_NODES];
	char cmdline[MNEME_BOOTINFO_CMDLINE];
	struct mneme_mem_range ranges[MNEME_BOOTINFO_MAX_RANGES];
};

_Static_assert(sizeof(struct mneme_mem_range) == 24, "mem_range layout");
_Static_assert(MNEME_MEM_FIRMWARE > MNEME_MEM_USABLE && MNEME_MEM_TYPE_MAX == 9, "mem types");
_Static_assert(__builtin_offsetof(struct mneme_boot_info, huge_page_sizes) == 40, "boot_info layout");
_Static_assert(__builtin_offsetof(struct mneme_boot_info, physmap_base) == 104, "boot_info layout");
_Static_assert(__builtin_offsetof(struct mneme_boot_info, nr_nodes) == 136, "boot_info layout");
_Static_assert(__builtin_offsetof(struct mneme_boot_info, cpu_node) == 144, "boot_info layout");
_Static_assert(__builtin_offsetof(struct mneme_boot_info, distance) == 208, "boot_info layout");
_Static_assert(__builtin_offsetof(struct mneme_boot_info, cmdline) == 464, "boot_info layout");
_Static_assert(__builtin_offsetof(struct mneme_boot_info, ranges) == 720, "boot_info layout");
_Static_assert(sizeof(struct mneme_boot_info) == 720 + 24 * MNEME_BOOTINFO_MAX_RANGES, "boot_info layout");
_Static_assert(sizeof(struct mneme_boot_info) <= 4096, "boot_info fits its page");
_Static_assert(MNEME_BOOTINFO_MAX_NODES <= 64, "a node mask is one word");

#endif
