/*
 * A simulated physical address space for the ACPI parser's host tests
 * and fuzzer, and builders of firmware tables in it.
 *
 * Every map() returns a fresh heap copy of exactly the bytes asked for
 * and frees the previous one, so ASan reports a read past what was
 * mapped and any use of a pointer after the next map() (the parser's
 * "valid until the next call" contract).
 */
#ifndef ACPI_SIM_H
#define ACPI_SIM_H

#include <stdint.h>
#include <arch/acpi.h>

struct sim {
	uint8_t *mem;                  /* physical [0, size) */
	uint64_t size;
	uint64_t window;               /* longest mapping granted */
	void *mapped;                  /* the current mapping (freed by the next map) */
	unsigned long maps;
	struct acpi_mem acpi;
};

void sim_init(struct sim *s, uint64_t size);
void sim_free(struct sim *s);

/* The checksum byte that makes @len bytes at @p sum to 0 (with @p[@at] counted as 0). */
void sim_fix_checksum(uint8_t *p, uint32_t len, uint32_t at);

/* An RSDP at @pa: revision 0 (20 bytes) or 2 (36 bytes), checksums right. */
void sim_put_rsdp(struct sim *s, uint64_t pa, uint8_t revision, uint32_t rsdt, uint64_t xsdt);

/* A table at @pa: header with @sig and @revision, then @payload; checksum right. Returns its length. */
uint32_t sim_put_table(struct sim *s, uint64_t pa, const char *sig, uint8_t revision,
		       const void *payload, uint32_t len);

/* A root table (RSDT with 4-byte or XSDT with 8-byte entries) listing @n tables. */
uint32_t sim_put_root(struct sim *s, uint64_t pa, bool xsdt, const uint64_t *tables, uint32_t n);

/* MADT payload building: the fixed part, then entries appended. */
struct madt_buf {
	uint8_t b[ACPI_TABLE_MAX_LEN];
	uint32_t len;
};
void madt_start(struct madt_buf *m, uint32_t lapic_address);
void madt_lapic(struct madt_buf *m, uint8_t uid, uint8_t id, uint32_t flags);
void madt_x2apic(struct madt_buf *m, uint32_t uid, uint32_t id, uint32_t flags);
void madt_raw(struct madt_buf *m, const uint8_t *entry, uint32_t len);

/* SRAT payload building (in a struct madt_buf): the fixed part, then entries. */
void srat_start(struct madt_buf *m);
void srat_cpu(struct madt_buf *m, uint32_t pxm, uint8_t apic_id, uint32_t flags);
void srat_x2apic(struct madt_buf *m, uint32_t pxm, uint32_t apic_id, uint32_t flags);
void srat_mem(struct madt_buf *m, uint32_t pxm, uint64_t base, uint64_t length, uint32_t flags);
/* SLIT payload: @n localities, distances row by row from @d. */
void slit_build(struct madt_buf *m, uint64_t n, const uint8_t *d);

/*
 * A QEMU-like NUMA set at @base: the tables of sim_put_qemu_like() plus
 * an SRAT (revision 1: CPU i in PXM i % @nodes; node 0 the first 640 KiB
 * and [1 MiB, @node_size), node n [n * @node_size, + @node_size)) and a SLIT (10 on the
 * diagonal, 20 + |a - b| elsewhere).  Returns the end of what it wrote.
 */
uint64_t sim_put_qemu_numa(struct sim *s, uint64_t base, unsigned ncpus, unsigned nodes,
			   uint64_t node_size);

/*
 * A complete, QEMU-like set at @base: RSDP (revision 2) at @base, XSDT
 * and RSDT both listing a FACP-like dummy and a MADT with @ncpus local
 * APICs (ids 0 .. ncpus - 1).  Returns the end of what it wrote.
 */
uint64_t sim_put_qemu_like(struct sim *s, uint64_t base, unsigned ncpus);

#endif
