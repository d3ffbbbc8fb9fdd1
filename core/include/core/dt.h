/*
 * A reader for flattened device trees (DTB format, versions 16 and 17),
 * written for the core: it extracts the memory map and the few machine
 * facts the core needs at boot and nothing else.
 *
 * Generic and freestanding (stdint/stddef/stdbool only; the compiler may
 * call memset/memcpy).  The blob is untrusted: the header is validated in
 * full before anything else is read, every read is bounds-checked, the
 * walk is linear in the size of the structure block, and malformed input
 * is rejected with a negative mneme_error code plus a message, never read
 * out of bounds.  Prefix dt_ (not fdt_: the host tests link libfdt).
 */
#ifndef CORE_DT_H
#define CORE_DT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mneme/bootinfo.h>

#define DT_MAX_MEM        64   /* reg pairs over all memory nodes */
#define DT_MAX_RESV       64   /* reserved-memory reg pairs plus /memreserve/ entries */
#define DT_MAX_DEPTH      64   /* deepest node nesting accepted */
#define DT_RESV_NAME      48   /* bytes kept of a reserved-memory node's name */
#define DT_BOOTARGS_MAX   MNEME_BOOTINFO_CMDLINE
#define DT_STDOUT_MAX     64
#define DT_COMPAT_MAX     32
#define DT_MAX_CPUS       64   /* cpu nodes recorded (more are only counted) */
#define DT_MMU_TYPE_MAX   16   /* bytes kept of a cpu node's mmu-type */

/* One reg pair of a memory node. */
struct dt_mem {
	uint64_t base, size;
	uint32_t nid;          /* numa-node-id, 0 if absent or malformed */
	uint32_t has_nid;      /* DT_NID_*: absent, one cell, or malformed */
};
#define DT_NID_NONE 0u
#define DT_NID_OK   1u
#define DT_NID_BAD  2u         /* present but not one cell: the caller's to judge (NUMA falls back) */

/* One entry of /distance-map's distance-matrix: node @from to node @to. */
struct dt_distance {
	uint32_t from, to, distance;
};
#define DT_MAX_DISTANCES 256

/* What /distance-map held (struct dt_machine.distance_map). */
#define DT_DISTMAP_NONE 0u     /* no okay /distance-map with compatible "numa-distance-map-v1" */
#define DT_DISTMAP_OK   1u     /* entries in distance[] */
#define DT_DISTMAP_BAD  2u     /* there is one, but its matrix is missing, malformed or too long */

#define DT_RESV_NOMAP      (1u << 0)  /* /reserved-memory child with no-map */
#define DT_RESV_MEMRESERVE (1u << 1)  /* from the /memreserve/ block */

/* One reserved range: a reg pair of a /reserved-memory child, or a /memreserve/ entry. */
struct dt_resv {
	uint64_t base, size;
	uint32_t flags;               /* DT_RESV_* */
	char name[DT_RESV_NAME];      /* node name (possibly cut), "" for /memreserve/ */
};

/* A device found by compatible string under /soc (first reg pair only). */
struct dt_device {
	bool present;
	bool has_reg;
	bool has_irq;                 /* interrupts present, first cell in irq */
	uint32_t irq;
	uint64_t base, size;
	char compatible[DT_COMPAT_MAX];   /* the entry that matched */
};

#define DT_MAX_PLIC_CTX (2 * DT_MAX_CPUS)   /* interrupts-extended pairs kept */

/* One context of the PLIC: the interrupt controller (a hart's) and its input there. */
struct dt_plic_ctx {
	uint32_t phandle;             /* a cpu's interrupt-controller node */
	uint32_t irq;                 /* 9: supervisor external, 11: machine external */
};

/* Facts about one cpu node of /cpus (struct dt_cpu.flags). */
#define DT_CPUF_OKAY    (1u << 0)  /* status absent, "okay" or "ok" */
#define DT_CPUF_REG     (1u << 1)  /* reg present (hartid valid only with DT_CPUF_REG_OK) */
#define DT_CPUF_REG_OK  (1u << 2)  /* reg is exactly one address of /cpus #address-cells (1 or 2) */
#define DT_CPUF_NID     (1u << 3)  /* numa-node-id present (nid valid only with DT_CPUF_NID_OK) */
#define DT_CPUF_NID_OK  (1u << 4)  /* numa-node-id is one cell */
#define DT_CPUF_MMU     (1u << 5)  /* mmu-type present */

/*
 * One cpu node under /cpus (named "cpu" or "cpu@..."), recorded whatever
 * its state: the reader reports, the caller decides (dt_cpus_select).
 */
struct dt_cpu {
	uint64_t hartid;              /* reg: the RISC-V hart id (the CPU's hardware id) */
	uint32_t flags;               /* DT_CPUF_* */
	uint32_t nid;                 /* numa-node-id, 0 if absent or malformed */
	uint32_t mmu_sv;              /* mmu-type "riscv,svNN" -> NN (32/39/48/57), else 0 */
	char mmu_type[DT_MMU_TYPE_MAX];   /* mmu-type as given (cut to fit), "" if absent */
	uint32_t intc_phandle;        /* phandle of its interrupt-controller child, 0 if none */
};

/*
 * What dt_parse_memory extracts from a blob.  About 12 KiB: the core keeps
 * it in static storage, not on its boot stack.
 */
struct dt_machine {
	uint32_t totalsize;           /* from the header */
	uint32_t version;
	uint32_t boot_cpuid;          /* boot_cpuid_phys from the header */

	uint32_t nr_mem;
	struct dt_mem mem[DT_MAX_MEM];
	uint32_t nr_resv;
	struct dt_resv resv[DT_MAX_RESV];
	uint32_t nr_resv_dynamic;     /* reserved-memory children without reg (size/alloc-ranges): ignored */

	bool has_bootargs, bootargs_truncated;
	char bootargs[DT_BOOTARGS_MAX];   /* NUL-terminated, cut to fit if too long */
	bool has_stdout_path;
	char stdout_path[DT_STDOUT_MAX];  /* cut to fit if too long */
	bool has_initrd;
	uint64_t initrd_start, initrd_end;

	uint64_t timebase_frequency;  /* /cpus, else the first cpu node; 0 if absent */
	uint32_t nr_cpus;             /* cpu nodes under /cpus with status okay */
	uint32_t nr_cpu_nodes;        /* every cpu node under /cpus; the first DT_MAX_CPUS are in cpu[] */
	struct dt_cpu cpu[DT_MAX_CPUS];   /* in blob order */

	/*
	 * /distance-map (compatible "numa-distance-map-v1"): the triplets of
	 * its distance-matrix, in order, unjudged; a bad one never fails the
	 * parse (NUMA falls back to one node).
	 */
	uint32_t distance_map;        /* DT_DISTMAP_* */
	uint32_t nr_distances;
	struct dt_distance distance[DT_MAX_DISTANCES];

	struct dt_device test;        /* sifive,test0/1 (the QEMU virt power-off device) */
	struct dt_device uart;        /* first ns16550/ns16550a */
	struct dt_device plic;        /* sifive,plic-1.0.0 / riscv,plic0 */
	uint32_t plic_ndev;           /* its riscv,ndev (sources 1..ndev), 0 if absent */
	uint32_t nr_plic_ctx;         /* interrupts-extended pairs in plic_ctx[] (context = index) */
	struct dt_plic_ctx plic_ctx[DT_MAX_PLIC_CTX];

	const char *error;            /* why the last parse failed (static string) */
	uint32_t error_offset;        /* blob offset it failed at, where that means something */
};

/*
 * dt_check_header - validate the header of the blob at @blob, of which
 * @avail bytes may be read.  Checks magic, version (16 or 17, or later but
 * compatible with 17), that totalsize fits in @avail, and that the
 * memory-reservation map, structure block and strings block are aligned,
 * inside totalsize and do not overlap; the reservation map must be
 * terminated.  On success stores totalsize in *@totalsize (if not NULL)
 * and returns 0.  Returns -MNEME_ETRUNC if @avail is too small to hold the
 * header or the whole blob, -MNEME_ECORRUPT for anything else wrong.  At
 * most min(@avail, totalsize) bytes are read; fewer than 4 bytes is
 * ETRUNC before reading anything.
 */
int dt_check_header(const void *blob, size_t avail, uint32_t *totalsize);

/*
 * dt_parse_memory - validate the whole blob (header and structure block,
 * at most @max_size bytes) and fill @out:
 *   - every reg pair of every memory node (children of the root named
 *     "memory"/"memory@..." or with device_type "memory", status okay),
 *     decoded with the root's #address-cells/#size-cells, with numa-node-id
 *     (a malformed one is recorded as such, DT_NID_BAD, not an error);
 *   - /distance-map's distance-matrix triplets (DT_DISTMAP_*);
 *   - every reg pair of every /reserved-memory child (status okay), with
 *     /reserved-memory's cells and the no-map flag; children with only
 *     size/alloc-ranges are counted in nr_resv_dynamic and otherwise ignored;
 *   - the /memreserve/ block;
 *   - /chosen bootargs, stdout-path, linux,initrd-start/-end (32 or 64 bit);
 *   - /cpus timebase-frequency and the number of cpu nodes with status
 *     okay; every cpu node's reg (hart id, one address of /cpus'
 *     #address-cells), status, numa-node-id and mmu-type, well-formed or
 *     not (struct dt_cpu: a bad cpu node is the caller's to skip, never a
 *     parse error);
 *   - the sifive,test and ns16550 devices under /soc (reg not translated
 *     through ranges: identity ranges are assumed).
 * #address-cells/#size-cells absent default to 2/1; values other than 1
 * or 2 where a reg must be decoded are an error.
 *
 * Returns 0, or -MNEME_ETRUNC / -MNEME_ECORRUPT for a bad blob and
 * -MNEME_ENOMEM when a fixed table in @out overflows.  On error
 * @out->error says why; the other fields of @out are unspecified.
 */
int dt_parse_memory(const void *blob, size_t max_size, struct dt_machine *out);

/*
 * dt_to_memmap - turn @m into a sanitised memory map in @r (replacing its
 * contents; capacity @max): memory -> USABLE with its nid, reserved-memory
 * no-map -> NOMAP, other reserved-memory and /memreserve/ -> RESERVED, and
 * OpenSBI's mmode_resv* nodes -> NOMAP.  Returns 0, or -MNEME_ENOMEM if
 * the sanitised map does not fit in @max (contents then unspecified).
 */
int dt_to_memmap(const struct dt_machine *m, struct mneme_mem_range *r,
		 uint32_t *nr, uint32_t max);

/* What dt_cpus_select() decided about one recorded cpu node. */
enum dt_cpu_verdict {
	DT_CPU_USE,           /* usable: gets the next CPU index */
	DT_CPU_BOOT,          /* the boot hart's node (index 0, used whatever it says) */
	DT_CPU_NO_REG,        /* no reg */
	DT_CPU_BAD_REG,       /* reg not one address of #address-cells, or the hart id ~0 */
	DT_CPU_DUPLICATE,     /* the hart id of an earlier node */
	DT_CPU_DISABLED,      /* status not okay */
	DT_CPU_BAD_NID,       /* numa-node-id not one cell */
	DT_CPU_NO_MMU,        /* no mmu-type, "riscv,none" or a mode this reader does not know */
	DT_CPU_MMU_SMALL,     /* the largest mode it has is smaller than the one required */
	DT_CPU_OVER_LIMIT,    /* usable, but @max CPUs are chosen already */
};

/*
 * dt_cpus_select - choose the CPUs to run on from the cpu nodes of @m.
 * The boot hart @boot_hartid is CPU 0 whatever its node says (it runs);
 * its node, the first with a well-formed reg equal to it, gets
 * DT_CPU_BOOT.  Every other recorded node, in blob order, is
 * DT_CPU_USE if it is okay, has a well-formed unique hart id and numa-node-id
 * and, when @need_sv is not 0, an mmu-type of at least Sv@need_sv
 * ("riscv,sv48" includes Sv39: the modes nest); it gets the next CPU
 * index, up to @max CPUs; the rest get the first reason that applies, in
 * the order of enum dt_cpu_verdict.  Fills @verdict[i] and @index[i] (for
 * USE and BOOT) for each of the min(nr_cpu_nodes, DT_MAX_CPUS) recorded
 * nodes; *@boot_node is the boot hart's node or -1 if none has its id.
 * Returns the number of CPUs chosen, boot hart included (1 .. @max; @max >= 1).
 */
unsigned dt_cpus_select(const struct dt_machine *m, uint64_t boot_hartid, uint32_t need_sv,
			unsigned max, uint8_t verdict[DT_MAX_CPUS], uint32_t index[DT_MAX_CPUS],
			int *boot_node);

/* A short description of a dt_cpu_verdict. */
const char *dt_cpu_verdict_str(unsigned verdict);

/* A short description of a (negative) error code returned by this file. */
const char *dt_strerror(int err);

#endif
