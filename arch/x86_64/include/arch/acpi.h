/*
 * ACPI tables: the RSDP, the root table (XSDT or RSDT), any table found
 * by its signature, and the MADT's processors.
 *
 * Firmware is input: every structure is validated before anything is
 * taken from it (signature, length, checksum, revision), and a bad one
 * is described by a constant string, never trusted.  The code is
 * freestanding C with no dependency on the core: it reads physical
 * memory only through the caller's struct acpi_mem, so the same file
 * runs in the core (through a window of fixed mappings, smp.c) and on
 * the host under ASan, UBSan and libFuzzer (test/host/acpi,
 * test/fuzz/acpi_fuzz.c).
 *
 * The table walker (acpi_root_init, acpi_table_get, acpi_find_table) is
 * not MADT-specific: SRAT and SLIT are found the same way.
 */
#ifndef ARCH_X86_ACPI_H
#define ARCH_X86_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_SIG_RSDP "RSD PTR "
#define ACPI_SIG_RSDT "RSDT"
#define ACPI_SIG_XSDT "XSDT"
#define ACPI_SIG_MADT "APIC"
#define ACPI_SIG_SRAT "SRAT"
#define ACPI_SIG_SLIT "SLIT"

#define ACPI_RSDP_V1_LEN   20          /* what the v1 checksum covers */
#define ACPI_RSDP_V2_LEN   36
#define ACPI_RSDP_MAX_LEN  4096        /* a longer v2 "length" is a lie */
#define ACPI_HEADER_LEN    36
/* The largest table accepted (the core maps tables through a window of this size). */
#define ACPI_TABLE_MAX_LEN (64u * 1024)

/* The root system description pointer, as the firmware lays it out. */
struct acpi_rsdp {
	char signature[8];             /* "RSD PTR " */
	uint8_t checksum;              /* bytes 0 .. 19 sum to 0 */
	char oem_id[6];
	uint8_t revision;              /* 0: ACPI 1.0 (20 bytes); >= 2: the fields below */
	uint32_t rsdt_address;
	uint32_t length;               /* v2: of the whole structure */
	uint64_t xsdt_address;
	uint8_t extended_checksum;     /* v2: all @length bytes sum to 0 */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_LEN, "RSDP layout");

/* The header every system description table starts with. */
struct acpi_header {
	char signature[4];
	uint32_t length;               /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum;              /* all @length bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == ACPI_HEADER_LEN, "ACPI header layout");

/*
 * How the parser reads physical memory: @map returns [pa, pa + len)
 * readable, valid until the next call of @map, or NULL if that range
 * cannot be read (beyond what the platform can map, or a length too
 * large for its window).
 */
struct acpi_mem {
	const void *(*map)(void *ctx, uint64_t pa, uint64_t len);
	void *ctx;
};

/* A validated RSDP and root table, ready for table look-ups. */
struct acpi_root {
	struct acpi_mem mem;
	uint64_t rsdp_pa;
	struct acpi_rsdp rsdp;         /* a copy; v1: the fields after revision are 0 */
	uint64_t root_pa;              /* the XSDT or RSDT in use */
	struct acpi_header root;       /* its header (a copy) */
	bool xsdt;                     /* entries are 8 bytes (XSDT), else 4 (RSDT) */
	uint32_t nr_tables;            /* entries of the root table */
	const char *xsdt_error;        /* non-NULL: the XSDT was bad, the RSDT is used */
};

/* One table of the root's list, as acpi_table_get() found it. */
struct acpi_table {
	uint64_t pa;
	struct acpi_header header;     /* a copy (zero if it could not be read) */
	const char *error;             /* NULL: signature, length and checksum are good */
};

/*
 * acpi_rsdp_check - validate the RSDP at @pa: signature, v1 checksum and,
 * for revision >= 2, a length within [36, ACPI_RSDP_MAX_LEN] and the
 * extended checksum.  Returns NULL and a copy in *@out, or why not.
 */
const char *acpi_rsdp_check(const struct acpi_mem *mem, uint64_t pa, struct acpi_rsdp *out);

/*
 * acpi_rsdp_search - the legacy search for the RSDP on PC firmware (ACPI
 * 5.2.5.1, as Linux does it): on 16-byte boundaries in the first KiB of
 * the EBDA (segment at 0x40e), then in 0xe0000 - 0xfffff.  A candidate
 * must pass acpi_rsdp_check().  Returns its address, or 0 if none.
 */
uint64_t acpi_rsdp_search(const struct acpi_mem *mem);

/*
 * acpi_root_init - validate the RSDP at @rsdp_pa and its root table.  The
 * XSDT is preferred (revision >= 2, non-zero address); if it fails
 * validation the RSDT is used and *@r.xsdt_error says why.  The root
 * table needs its signature, a length of a header plus whole entries
 * (at most ACPI_TABLE_MAX_LEN) and a good checksum.
 * Returns NULL with *@r filled, or why the tables cannot be used.
 */
const char *acpi_root_init(struct acpi_root *r, const struct acpi_mem *mem, uint64_t rsdp_pa);

/*
 * acpi_table_get - entry @i (< r->nr_tables) of the root table: its
 * address and header, validated (readable, length of at least a header
 * and at most ACPI_TABLE_MAX_LEN, checksum); t->error says what is wrong.
 * Returns a pointer to the whole table, valid until the next read
 * through r->mem, or NULL if it is not valid.
 */
const void *acpi_table_get(const struct acpi_root *r, uint32_t i, struct acpi_table *t);

/*
 * acpi_find_table - the @instance-th (0: first) table with signature
 * @sig in the root table, validated as by acpi_table_get().  Returns the
 * whole table (valid until the next read through r->mem) with *@t
 * filled; NULL with t->error == NULL if there is no such table, NULL
 * with t->error set if it is not valid.
 */
const void *acpi_find_table(const struct acpi_root *r, const char sig[4], unsigned instance,
			    struct acpi_table *t);

/* ---- MADT: the processors' local APICs ---- */

#define ACPI_MADT_LAPIC       0        /* processor local APIC (8-bit id) */
#define ACPI_MADT_X2APIC      9        /* processor local x2APIC (32-bit id) */
#define ACPI_MADT_ENABLED     (1u << 0)
#define ACPI_MADT_ONLINE_CAPABLE (1u << 1)   /* meaningful from MADT revision 5 */
#define ACPI_MADT_MIN_LEN     (ACPI_HEADER_LEN + 8)
#define ACPI_MADT_LAPIC_LEN   8
#define ACPI_MADT_X2APIC_LEN  16

/* One usable processor of the MADT. */
struct acpi_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;
	bool x2apic;                   /* described by a type 9 entry */
};

/* What the MADT says about processors. */
struct acpi_madt {
	uint32_t lapic_address;        /* physical address of the local APICs */
	uint32_t flags;
	uint8_t revision;
	uint32_t nr_cpus;              /* enabled processors stored in the caller's array */
	uint32_t nr_enabled;           /* enabled processors with distinct valid ids, all */
	uint32_t nr_beyond;            /* enabled ones that did not fit the array */
	uint32_t nr_online_capable;    /* not enabled, can be brought online later (revision >= 5) */
	uint32_t nr_disabled;          /* neither enabled nor online-capable */
	uint32_t nr_duplicates;        /* enabled entries repeating a stored id (skipped) */
	uint32_t nr_invalid;           /* entries with the all-ones id (skipped) */
};

/*
 * acpi_madt_parse - decode the MADT @table of @len bytes (its header
 * already validated, e.g. by acpi_find_table()): the header is checked
 * again (signature, length, revision >= 1), then every entry's length
 * (at least 2 and inside the table; processor entries at least their
 * size).  Only then are the enabled processors stored in @cpus (at most
 * @max, in table order, the first of each id) and everything counted in
 * *@m.  Returns NULL, or why the table is malformed (then nothing was
 * stored and *@m is zero), including "no enabled processor".
 */
const char *acpi_madt_parse(const void *table, uint32_t len, struct acpi_madt *m,
			    struct acpi_cpu *cpus, uint32_t max);

/* ---- MADT: interrupt routing (I/O APICs, ISA interrupt overrides) ---- */

#define ACPI_MADT_IOAPIC      1
#define ACPI_MADT_ISO         2        /* interrupt source override */
#define ACPI_MADT_IOAPIC_LEN  12
#define ACPI_MADT_ISO_LEN     10
#define ACPI_MAX_IOAPICS      8
#define ACPI_ISA_IRQS         16
/* MPS INTI flags of an override: polarity bits 0-1, trigger mode bits 2-3. */
#define ACPI_INTI_POLARITY(f) ((f) & 3u)          /* 0 bus default, 1 high, 3 low */
#define ACPI_INTI_TRIGGER(f)  (((f) >> 2) & 3u)   /* 0 bus default, 1 edge, 3 level */

struct acpi_ioapic {
	uint32_t id;
	uint32_t address;              /* physical address of its registers */
	uint32_t gsi_base;             /* the first global system interrupt it serves */
};

/* Where each ISA interrupt goes: identity unless an override says otherwise. */
struct acpi_irq_routing {
	uint32_t nr_ioapics;           /* stored in ioapic[] (more are counted in nr_ioapics_beyond) */
	uint32_t nr_ioapics_beyond;
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	uint32_t isa_gsi[ACPI_ISA_IRQS];    /* GSI of ISA IRQ i */
	uint16_t isa_flags[ACPI_ISA_IRQS];  /* its INTI flags (0: ISA's edge, active high) */
};

/*
 * acpi_madt_routing - the I/O APICs and ISA overrides of the MADT @table
 * (@len bytes; the same checks as acpi_madt_parse() first, then I/O APIC
 * and override entries at least their size, overrides of bus 0 with a
 * source below 16).  Returns NULL, or why not (then *@r is zero).
 */
const char *acpi_madt_routing(const void *table, uint32_t len, struct acpi_irq_routing *r);

/* ---- SRAT: which proximity domain each processor and memory range is in ---- */

#define ACPI_SRAT_CPU         0        /* processor local APIC affinity */
#define ACPI_SRAT_MEM         1        /* memory affinity */
#define ACPI_SRAT_X2APIC      2        /* processor local x2APIC affinity */
#define ACPI_SRAT_CPU_LEN     16
#define ACPI_SRAT_MEM_LEN     40
#define ACPI_SRAT_X2APIC_LEN  24
#define ACPI_SRAT_MIN_LEN     (ACPI_HEADER_LEN + 12)   /* header, table revision, reserved */
#define ACPI_SRAT_ENABLED     (1u << 0)
#define ACPI_SRAT_MEM_HOTPLUG (1u << 1)
#define ACPI_SRAT_MEM_NONVOLATILE (1u << 2)

/* An enabled memory affinity entry. */
struct acpi_srat_mem {
	uint64_t base, length;
	uint32_t pxm;                  /* proximity domain (8 bits before SRAT revision 2) */
	uint32_t flags;                /* ACPI_SRAT_* */
};

/* An enabled processor affinity entry (local APIC or x2APIC). */
struct acpi_srat_cpu {
	uint32_t apic_id;
	uint32_t pxm;
	bool x2apic;
};

/* What the SRAT holds, counted. */
struct acpi_srat {
	uint8_t revision;
	uint32_t nr_mem;               /* enabled memory entries stored */
	uint32_t nr_cpus;              /* enabled processor entries stored */
	uint32_t nr_beyond;            /* enabled entries that did not fit the arrays */
	uint32_t nr_disabled;          /* entries without the enabled flag (skipped) */
	uint32_t nr_other;             /* entries of other types (GICC, ITS, initiators: skipped) */
};

/*
 * acpi_srat_parse - decode the SRAT @table of @len bytes (header already
 * validated, e.g. by acpi_find_table()): the header again (signature,
 * length), then every entry's length (at least 2, inside the table, and
 * at least its type's size for the three types used); a memory entry
 * whose range wraps is malformed.  Only then are the enabled memory
 * entries stored in @mem (at most @max_mem) and the enabled processor
 * entries in @cpus (at most @max_cpus), in table order, with proximity
 * domains as wide as the revision allows (Linux's rule: 8 bits for
 * processor and memory entries before revision 2).  Returns NULL, or why
 * the table is malformed (nothing stored, *@s zero).
 */
const char *acpi_srat_parse(const void *table, uint32_t len, struct acpi_srat *s,
			    struct acpi_srat_mem *mem, uint32_t max_mem,
			    struct acpi_srat_cpu *cpus, uint32_t max_cpus);

/* ---- SLIT: distances between proximity domains ---- */

#define ACPI_SLIT_MIN_LEN     (ACPI_HEADER_LEN + 8)

/*
 * acpi_slit_parse - check the SLIT @table of @len bytes: signature, a
 * locality count n with 1 <= n <= 65535 (wider than any SRAT here), and
 * a length of exactly the header, the count and n * n one-byte
 * distances.  Returns NULL with *@localities = n, or why not.  Values
 * are the caller's to judge (acpi_slit_distance).
 */
const char *acpi_slit_parse(const void *table, uint32_t len, uint32_t *localities);

/* Distance from locality @from to @to (both < n) of a SLIT acpi_slit_parse() accepted. */
uint8_t acpi_slit_distance(const void *table, uint32_t n, uint32_t from, uint32_t to);

#endif
