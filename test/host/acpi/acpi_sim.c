/*
 * The simulated physical address space and table builders (acpi_sim.h).
 */
#include <stdlib.h>
#include <string.h>

#include "acpi_sim.h"

static const void *sim_map(void *ctx, uint64_t pa, uint64_t len)
{
	struct sim *s = ctx;

	free(s->mapped);
	s->mapped = NULL;
	s->maps++;
	if (pa >= s->size || len > s->size - pa || len > s->window)
		return NULL;
	s->mapped = malloc(len ? len : 1);
	memcpy(s->mapped, s->mem + pa, len);
	return s->mapped;
}

void sim_init(struct sim *s, uint64_t size)
{
	/* slack past the end: tests may build a structure that runs off readable memory */
	*s = (struct sim){ .mem = calloc(1, size + 4096), .size = size };
	s->window = ACPI_TABLE_MAX_LEN + 4096;
	s->acpi.map = sim_map;
	s->acpi.ctx = s;
}

void sim_free(struct sim *s)
{
	free(s->mapped);
	free(s->mem);
	*s = (struct sim){ 0 };
}

void sim_fix_checksum(uint8_t *p, uint32_t len, uint32_t at)
{
	uint8_t sum = 0;

	p[at] = 0;
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[at] = (uint8_t)-sum;
}

void sim_put_rsdp(struct sim *s, uint64_t pa, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	struct acpi_rsdp r = { .revision = revision, .rsdt_address = rsdt };

	memcpy(r.signature, ACPI_SIG_RSDP, 8);
	memcpy(r.oem_id, "BOCHS ", 6);
	if (revision >= 2) {
		r.length = sizeof(r);
		r.xsdt_address = xsdt;
	}
	memcpy(s->mem + pa, &r, revision >= 2 ? sizeof(r) : ACPI_RSDP_V1_LEN);
	sim_fix_checksum(s->mem + pa, ACPI_RSDP_V1_LEN, 8);
	if (revision >= 2)
		sim_fix_checksum(s->mem + pa, sizeof(r), 32);
}

uint32_t sim_put_table(struct sim *s, uint64_t pa, const char *sig, uint8_t revision,
		       const void *payload, uint32_t len)
{
	struct acpi_header h = { .length = ACPI_HEADER_LEN + len, .revision = revision,
				 .oem_revision = 1, .creator_revision = 1 };

	memcpy(h.signature, sig, 4);
	memcpy(h.oem_id, "BOCHS ", 6);
	memcpy(h.oem_table_id, "BXPC    ", 8);
	memcpy(h.creator_id, "BXPC", 4);
	memcpy(s->mem + pa, &h, sizeof(h));
	memcpy(s->mem + pa + sizeof(h), payload, len);
	sim_fix_checksum(s->mem + pa, h.length, 9);
	return h.length;
}

uint32_t sim_put_root(struct sim *s, uint64_t pa, bool xsdt, const uint64_t *tables, uint32_t n)
{
	uint8_t payload[8 * 64];
	uint32_t esize = xsdt ? 8 : 4;

	for (uint32_t i = 0; i < n; i++)
		memcpy(payload + i * esize, &tables[i], esize);   /* little-endian host */
	return sim_put_table(s, pa, xsdt ? ACPI_SIG_XSDT : ACPI_SIG_RSDT, 1, payload, n * esize);
}

void madt_start(struct madt_buf *m, uint32_t lapic_address)
{
	uint32_t flags = 1;             /* PC-AT compatible 8259s */

	memcpy(m->b, &lapic_address, 4);
	memcpy(m->b + 4, &flags, 4);
	m->len = 8;
}

void madt_raw(struct madt_buf *m, const uint8_t *entry, uint32_t len)
{
	memcpy(m->b + m->len, entry, len);
	m->len += len;
}

void madt_lapic(struct madt_buf *m, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { ACPI_MADT_LAPIC, 8, uid, id };

	memcpy(e + 4, &flags, 4);
	madt_raw(m, e, sizeof(e));
}

void madt_x2apic(struct madt_buf *m, uint32_t uid, uint32_t id, uint32_t flags)
{
	uint8_t e[16] = { ACPI_MADT_X2APIC, 16 };

	memcpy(e + 4, &id, 4);
	memcpy(e + 8, &flags, 4);
	memcpy(e + 12, &uid, 4);
	madt_raw(m, e, sizeof(e));
}

uint64_t sim_put_qemu_like(struct sim *s, uint64_t base, unsigned ncpus)
{
	static struct madt_buf m;
	uint8_t facp[80] = { 0 };
	uint64_t rsdt = base + 0x40, xsdt = base + 0x80, fadt = base + 0x100, madt = base + 0x200;
	uint64_t tables[2] = { fadt, madt };

	madt_start(&m, 0xfee00000);
	for (unsigned i = 0; i < ncpus; i++)
		madt_lapic(&m, (uint8_t)i, (uint8_t)i, ACPI_MADT_ENABLED);
	sim_put_rsdp(s, base, 2, (uint32_t)rsdt, xsdt);
	sim_put_root(s, rsdt, false, tables, 2);
	sim_put_root(s, xsdt, true, tables, 2);
	sim_put_table(s, fadt, "FACP", 1, facp, sizeof(facp));
	return madt + sim_put_table(s, madt, ACPI_SIG_MADT, 1, m.b, m.len);
}

void srat_start(struct madt_buf *m)
{
	memset(m->b, 0, 12);
	m->b[0] = 1;                    /* table revision field, as QEMU writes it */
	m->len = 12;
}

void srat_cpu(struct madt_buf *m, uint32_t pxm, uint8_t apic_id, uint32_t flags)
{
	uint8_t e[16] = { ACPI_SRAT_CPU, 16, (uint8_t)pxm, apic_id };

	memcpy(e + 4, &flags, 4);
	e[9] = (uint8_t)(pxm >> 8);
	e[10] = (uint8_t)(pxm >> 16);
	e[11] = (uint8_t)(pxm >> 24);
	madt_raw(m, e, sizeof(e));
}

void srat_x2apic(struct madt_buf *m, uint32_t pxm, uint32_t apic_id, uint32_t flags)
{
	uint8_t e[24] = { ACPI_SRAT_X2APIC, 24 };

	memcpy(e + 4, &pxm, 4);
	memcpy(e + 8, &apic_id, 4);
	memcpy(e + 12, &flags, 4);
	madt_raw(m, e, sizeof(e));
}

void srat_mem(struct madt_buf *m, uint32_t pxm, uint64_t base, uint64_t length, uint32_t flags)
{
	uint8_t e[40] = { ACPI_SRAT_MEM, 40 };

	memcpy(e + 2, &pxm, 4);
	memcpy(e + 8, &base, 8);
	memcpy(e + 16, &length, 8);
	memcpy(e + 28, &flags, 4);
	madt_raw(m, e, sizeof(e));
}

void slit_build(struct madt_buf *m, uint64_t n, const uint8_t *d)
{
	memcpy(m->b, &n, 8);
	memcpy(m->b + 8, d, n * n);
	m->len = (uint32_t)(8 + n * n);
}

uint64_t sim_put_qemu_numa(struct sim *s, uint64_t base, unsigned ncpus, unsigned nodes,
			   uint64_t node_size)
{
	static struct madt_buf m;
	static uint8_t d[64 * 64];
	uint8_t facp[80] = { 0 };
	uint64_t rsdt = base + 0x40, xsdt = base + 0x80, fadt = base + 0x100, madt = base + 0x200;
	uint64_t srat = base + 0x800, slit = base + 0x1000;
	uint64_t tables[4] = { fadt, madt, srat, slit };

	madt_start(&m, 0xfee00000);
	for (unsigned i = 0; i < ncpus; i++)
		madt_lapic(&m, (uint8_t)i, (uint8_t)i, ACPI_MADT_ENABLED);
	sim_put_rsdp(s, base, 2, (uint32_t)rsdt, xsdt);
	sim_put_root(s, rsdt, false, tables, 4);
	sim_put_root(s, xsdt, true, tables, 4);
	sim_put_table(s, fadt, "FACP", 1, facp, sizeof(facp));
	sim_put_table(s, madt, ACPI_SIG_MADT, 1, m.b, m.len);
	srat_start(&m);
	for (unsigned i = 0; i < ncpus; i++)
		srat_cpu(&m, i % nodes, (uint8_t)i, ACPI_SRAT_ENABLED);
	srat_mem(&m, 0, 0, 0xa0000, ACPI_SRAT_ENABLED);
	for (unsigned n = 0; n < nodes; n++)
		srat_mem(&m, n, n ? n * node_size : 1ull << 20, node_size - (n ? 0 : 1ull << 20),
			 ACPI_SRAT_ENABLED);
	sim_put_table(s, srat, ACPI_SIG_SRAT, 1, m.b, m.len);
	for (unsigned a = 0; a < nodes; a++)
		for (unsigned b = 0; b < nodes; b++)
			d[a * nodes + b] = a == b ? 10 : (uint8_t)(20 + (a > b ? a - b : b - a));
	slit_build(&m, nodes, d);
	return slit + sim_put_table(s, slit, ACPI_SIG_SLIT, 1, m.b, m.len);
}
