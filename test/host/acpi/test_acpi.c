/*
 * Host tests of the ACPI parser (arch/x86_64/acpi.c) on a simulated
 * physical address space (acpi_sim.c), under ASan and UBSan.
 *
 *   acpi_test                 the cases below, then random mutations of
 *                             good table sets (no crash, results consistent)
 *   acpi_test seeds DIR       write good images for the fuzzer's corpus
 *
 * Cases: the legacy RSDP search (EBDA first, bad candidates skipped),
 * RSDP v1 / v2 validation, XSDT preferred and the RSDT fallback, root
 * and table validation (signature, lengths that lie, checksums, null and
 * unreadable entries, instances), and the MADT (local APIC and x2APIC
 * entries, enabled / online-capable flags by revision, duplicate and
 * invalid ids, zero entries, absurd counts, truncated and malformed
 * entries).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_sim.h"

static int failures;

#define CHECK(c)                                                                         \
	do {                                                                             \
		if (!(c)) {                                                              \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
			failures++;                                                      \
		}                                                                        \
	} while (0)

#define CHECK_ERR(got, want)                                                             \
	do {                                                                             \
		const char *g_ = (got), *w_ = (want);                                    \
		if ((g_ == NULL) != (w_ == NULL) || (g_ && strcmp(g_, w_))) {             \
			fprintf(stderr, "%s:%d: error \"%s\", expected \"%s\"\n", __FILE__, \
				__LINE__, g_ ? g_ : "(none)", w_ ? w_ : "(none)");       \
			failures++;                                                      \
		}                                                                        \
	} while (0)

#define PHYS_SIZE   0x120000ull      /* 1 MiB + a bit: the BIOS area is inside */
#define TABLES_AT   0x10000ull       /* where the tests build table sets */
#define MAXCPU      16

static struct sim sim;

static void fresh(void)
{
	sim_free(&sim);
	sim_init(&sim, PHYS_SIZE);
}

/* Parse the MADT behind @rsdp into @cpus; returns the error of the first step that failed. */
static const char *discover(uint64_t rsdp, struct acpi_madt *m, struct acpi_cpu *cpus)
{
	struct acpi_root r;
	struct acpi_table t;
	const char *err = acpi_root_init(&r, &sim.acpi, rsdp);

	if (err)
		return err;
	const void *madt = acpi_find_table(&r, ACPI_SIG_MADT, 0, &t);
	if (!madt)
		return t.error ? t.error : "no MADT";
	return acpi_madt_parse(madt, t.header.length, m, cpus, MAXCPU);
}

/* ---- RSDP ---- */

static void test_search(void)
{
	fresh();
	/* the EBDA segment at 0x40e points at 0x9fc00; nothing there, the BIOS area has it */
	sim.mem[0x40e] = 0xc0, sim.mem[0x40f] = 0x9f;
	sim_put_rsdp(&sim, 0xf5a80, 0, 0x1000, 0);
	CHECK(acpi_rsdp_search(&sim.acpi) == 0xf5a80);
	/* in the EBDA's first KiB it wins over the BIOS area */
	sim_put_rsdp(&sim, 0x9fc40, 0, 0x1000, 0);
	CHECK(acpi_rsdp_search(&sim.acpi) == 0x9fc40);
	/* beyond the first KiB of the EBDA it is not looked for */
	memset(sim.mem + 0x9fc40, 0, 20);
	sim_put_rsdp(&sim, 0x9fc00 + 1024, 0, 0x1000, 0);
	CHECK(acpi_rsdp_search(&sim.acpi) == 0xf5a80);
	/* a candidate with a bad checksum is skipped for a later good one */
	sim_put_rsdp(&sim, 0xe0010, 0, 0x1000, 0);
	sim.mem[0xe0010 + 8] ^= 1;
	CHECK(acpi_rsdp_search(&sim.acpi) == 0xf5a80);
	/* not 16-byte aligned: not a candidate */
	memset(sim.mem + 0xf5a80, 0, 20);
	sim_put_rsdp(&sim, 0xf5a88, 0, 0x1000, 0);
	CHECK(acpi_rsdp_search(&sim.acpi) == 0);
	/* the last 16 bytes of the BIOS area are searched too */
	sim_put_rsdp(&sim, 0xfffe0, 0, 0x1000, 0);
	CHECK(acpi_rsdp_search(&sim.acpi) == 0xfffe0);
	/* a v2 candidate whose extended checksum is bad */
	memset(sim.mem + 0xfffe0, 0, 32);
	sim_put_rsdp(&sim, 0xf0000, 2, 0x1000, 0x2000);
	sim.mem[0xf0000 + 24] ^= 0x40;   /* inside the v2 part: only the extended checksum sees it */
	CHECK(acpi_rsdp_search(&sim.acpi) == 0);
	/* an absurd EBDA segment is ignored, the BIOS area still searched */
	sim_put_rsdp(&sim, 0xf0000, 0, 0x1000, 0);
	sim.mem[0x40e] = 0xff, sim.mem[0x40f] = 0xff;
	CHECK(acpi_rsdp_search(&sim.acpi) == 0xf0000);
	/* memory that cannot be read is no RSDP */
	sim_free(&sim);
	sim_init(&sim, 0x10000);
	CHECK(acpi_rsdp_search(&sim.acpi) == 0);
}

static void test_rsdp(void)
{
	struct acpi_rsdp r;
	uint64_t pa = 0x1000;

	fresh();
	sim_put_rsdp(&sim, pa, 0, 0x2000, 0x3000);
	CHECK_ERR(acpi_rsdp_check(&sim.acpi, pa, &r), NULL);
	CHECK(r.revision == 0 && r.rsdt_address == 0x2000 && r.xsdt_address == 0);
	sim_put_rsdp(&sim, pa, 2, 0x2000, 0x123456789ull);
	CHECK_ERR(acpi_rsdp_check(&sim.acpi, pa, &r), NULL);
	CHECK(r.revision == 2 && r.xsdt_address == 0x123456789ull && r.length == 36);

	sim.mem[pa] = 'X';
	CHECK_ERR(acpi_rsdp_check(&sim.acpi, pa, &r), "bad signature");
	sim_put_rsdp(&sim, pa, 0, 0x2000, 0);
	sim.mem[pa + 16] ^= 1;
	CHECK_ERR(acpi_rsdp_check(&sim.acpi, pa, &r), "bad checksum");
	/* v2: the extended checksum, and a length that lies either way */
	sim_put_rsdp(&sim, pa, 2, 0x2000, 0x3000);
	sim.mem[pa + 24] ^= 1;
	CHECK_ERR(acpi_rsdp_check(&sim.acpi, pa, &r), "bad extended checksum");
	uint32_t lens[] = { 20, 35, 4097, 0xffffffffu };
	const char *want[] = { "v2 length shorter than the structure",
			       "v2 length shorter than the structure", "v2 length too large",
			       "v2 length too large" };
	for (unsigned i = 0; i < 4; i++) {
		sim_put_rsdp(&sim, pa, 2, 0x2000, 0x3000);
		memcpy(sim.mem + pa + 20, &lens[i], 4);
		sim_fix_checksum(sim.mem + pa, 20, 8);
		sim_fix_checksum(sim.mem + pa, 36, 32);
		CHECK_ERR(acpi_rsdp_check(&sim.acpi, pa, &r), want[i]);
	}
	/* a longer v2 structure is fine when its checksum covers it all */
	sim_put_rsdp(&sim, pa, 2, 0x2000, 0x3000);
	uint32_t len = 64;
	memcpy(sim.mem + pa + 20, &len, 4);
	sim.mem[pa + 50] = 0x77;
	sim_fix_checksum(sim.mem + pa, 20, 8);
	sim_fix_checksum(sim.mem + pa, 64, 32);
	CHECK_ERR(acpi_rsdp_check(&sim.acpi, pa, &r), NULL);
	/* at the end of readable memory, and at 0 */
	sim_put_rsdp(&sim, PHYS_SIZE - 20, 2, 0x2000, 0x3000);
	CHECK_ERR(acpi_rsdp_check(&sim.acpi, PHYS_SIZE - 20, &r), "v2 part cannot be read");
	CHECK_ERR(acpi_rsdp_check(&sim.acpi, PHYS_SIZE - 10, &r), "cannot be read");
	CHECK_ERR(acpi_rsdp_check(&sim.acpi, 0, &r), "cannot be read");
	CHECK_ERR(acpi_rsdp_check(&sim.acpi, ~0ull - 4, &r), "cannot be read");
}

/* ---- root table and table walk ---- */

static void test_root(void)
{
	struct acpi_root r;
	struct acpi_table t;
	uint64_t base = TABLES_AT, rsdt = base + 0x40, xsdt = base + 0x80;

	fresh();
	sim_put_qemu_like(&sim, base, 4);
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), NULL);
	CHECK(r.xsdt && r.root_pa == xsdt && r.nr_tables == 2 && !r.xsdt_error);
	CHECK(!memcmp(r.root.signature, "XSDT", 4));
	for (uint32_t i = 0; i < r.nr_tables; i++)
		CHECK(acpi_table_get(&r, i, &t) && !t.error);
	CHECK(!acpi_table_get(&r, 2, &t) && t.error);

	/* revision 0: the RSDT, whatever the bytes after the v1 part say */
	sim_put_rsdp(&sim, base, 0, (uint32_t)rsdt, 0);
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), NULL);
	CHECK(!r.xsdt && r.root_pa == rsdt && r.nr_tables == 2);

	/* a bad XSDT falls back to the RSDT, saying why */
	sim_put_rsdp(&sim, base, 2, (uint32_t)rsdt, xsdt);
	sim.mem[xsdt + 40] ^= 1;
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), NULL);
	CHECK(!r.xsdt && r.root_pa == rsdt);
	CHECK_ERR(r.xsdt_error, "bad checksum");
	/* an XSDT that cannot be read: the same */
	sim_put_rsdp(&sim, base, 2, (uint32_t)rsdt, 0x4000000000ull);
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), NULL);
	CHECK(!r.xsdt && r.xsdt_error);
	/* both bad: the RSDT's reason */
	sim.mem[rsdt] = 'X';
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), "bad signature");
	CHECK(r.nr_tables == 0);
	/* a bad XSDT and no RSDT */
	sim_put_rsdp(&sim, base, 2, 0, 0x4000000000ull);
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), "header cannot be read");
	sim_put_rsdp(&sim, base, 0, 0, 0);
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), "no root table address");
	/* the RSDT's signature is checked: an XSDT at the RSDT's address is not taken */
	sim_put_qemu_like(&sim, base, 4);
	sim_put_rsdp(&sim, base, 0, (uint32_t)xsdt, 0);
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), "bad signature");
}

/* Rewrite the length field of the table at @pa and fix its checksum over @sum_len bytes. */
static void set_length(uint64_t pa, uint32_t len, uint32_t sum_len)
{
	memcpy(sim.mem + pa + 4, &len, 4);
	sim_fix_checksum(sim.mem + pa, sum_len, 9);
}

static void test_lengths(void)
{
	struct acpi_root r;
	uint64_t base = TABLES_AT, xsdt = base + 0x80, madt = base + 0x200;
	struct acpi_table t;

	/* root length: shorter than a header, not whole entries, past memory, too large */
	struct { uint32_t len, sum_len; const char *err; } cases[] = {
		{ 35, 52, "length shorter than its header" },
		{ 0, 52, "length shorter than its header" },
		{ 36 + 8 + 4, 36 + 8 + 4, "length not a whole number of entries" },
		{ ACPI_TABLE_MAX_LEN + 1, 52, "length too large" },
		{ 0xffffffffu, 52, "length too large" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fresh();
		sim_put_qemu_like(&sim, base, 2);
		sim_put_rsdp(&sim, base, 2, 0, xsdt);      /* no RSDT to fall back to */
		set_length(xsdt, cases[i].len, cases[i].sum_len);
		CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), cases[i].err);
	}
	/* a length that lies but stays in memory: the checksum over it fails */
	fresh();
	sim_put_qemu_like(&sim, base, 2);
	sim.mem[xsdt + 36 + 16] = 0x5a;                    /* junk just after the table */
	set_length(xsdt, 36 + 24, 36 + 16);
	sim_put_rsdp(&sim, base, 2, 0, xsdt);
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), "bad checksum");
	/* a table at the very end of memory claiming more than is there */
	fresh();
	sim_put_qemu_like(&sim, base, 2);
	uint64_t end = PHYS_SIZE - 40;
	uint64_t tables[2] = { base + 0x100, end };
	sim_put_root(&sim, xsdt, true, tables, 2);
	uint8_t junk[4] = { 1, 2, 3, 4 };
	sim_put_table(&sim, end, "SSDT", 1, junk, 4);
	set_length(end, 64, 40);
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), NULL);
	CHECK(!acpi_table_get(&r, 1, &t));
	CHECK_ERR(t.error, "length runs past readable memory");
	CHECK(!memcmp(t.header.signature, "SSDT", 4));
	/* the MADT's own length lies: found, rejected by its checksum */
	fresh();
	sim_put_qemu_like(&sim, base, 2);
	sim.mem[madt + 36 + 8 + 16 + 4] = 0x11;            /* junk just after the table */
	set_length(madt, 36 + 8 + 16 + 8, 36 + 8 + 16);
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), NULL);
	CHECK(!acpi_find_table(&r, ACPI_SIG_MADT, 0, &t));
	CHECK_ERR(t.error, "bad checksum");
}

static void test_find(void)
{
	struct acpi_root r;
	struct acpi_table t;
	uint64_t base = TABLES_AT, xsdt = base + 0x80;
	uint8_t payload[16] = { 0 };

	fresh();
	sim_put_qemu_like(&sim, base, 2);
	/* XSDT: null entry, unreadable entry, FACP, two SRATs, MADT, a bad SLIT */
	uint64_t tables[] = { 0, 0x4000000000ull, base + 0x100, base + 0x1000, base + 0x1100,
			      base + 0x200, base + 0x1200 };
	sim_put_root(&sim, xsdt, true, tables, 7);
	payload[0] = 1;
	sim_put_table(&sim, base + 0x1000, "SRAT", 3, payload, sizeof(payload));
	payload[0] = 2;
	sim_put_table(&sim, base + 0x1100, "SRAT", 3, payload, sizeof(payload));
	sim_put_table(&sim, base + 0x1200, "SLIT", 1, payload, sizeof(payload));
	sim.mem[base + 0x1200 + 40] ^= 0xff;
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), NULL);
	CHECK(r.nr_tables == 7);

	CHECK(!acpi_table_get(&r, 0, &t));
	CHECK_ERR(t.error, "null entry");
	CHECK(!acpi_table_get(&r, 1, &t));
	CHECK_ERR(t.error, "header cannot be read");
	const uint8_t *p = acpi_find_table(&r, "SRAT", 0, &t);
	CHECK(p && !t.error && t.pa == base + 0x1000 && p[36] == 1 && t.header.revision == 3);
	p = acpi_find_table(&r, "SRAT", 1, &t);
	CHECK(p && t.pa == base + 0x1100 && p[36] == 2);
	CHECK(!acpi_find_table(&r, "SRAT", 2, &t) && !t.error);
	CHECK(!acpi_find_table(&r, "HPET", 0, &t) && !t.error);
	CHECK(!acpi_find_table(&r, "SLIT", 0, &t));
	CHECK_ERR(t.error, "bad checksum");
	p = acpi_find_table(&r, ACPI_SIG_MADT, 0, &t);
	CHECK(p && t.header.length == 36 + 8 + 16);

	/* a root table with no entries at all */
	sim_put_root(&sim, xsdt, true, tables, 0);
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, base), NULL);
	CHECK(r.nr_tables == 0 && !acpi_find_table(&r, ACPI_SIG_MADT, 0, &t) && !t.error);
}

/* ---- MADT ---- */

static struct madt_buf mb;
static uint8_t table[ACPI_TABLE_MAX_LEN];

/* The MADT of @mb as a table in table[]; returns its length. */
static uint32_t madt_table(uint8_t revision)
{
	struct acpi_header h = { .length = ACPI_HEADER_LEN + mb.len, .revision = revision };

	memcpy(h.signature, "APIC", 4);
	memcpy(table, &h, sizeof(h));
	memcpy(table + sizeof(h), mb.b, mb.len);
	sim_fix_checksum(table, h.length, 9);
	return h.length;
}

static const char *parse(uint8_t revision, struct acpi_madt *m, struct acpi_cpu *cpus)
{
	uint32_t len = madt_table(revision);

	return acpi_madt_parse(table, len, m, cpus, MAXCPU);
}

static void test_madt(void)
{
	struct acpi_madt m;
	struct acpi_cpu cpus[MAXCPU];

	/* the QEMU set end to end, through the search */
	fresh();
	sim_put_qemu_like(&sim, 0xf5a00, 8);
	uint64_t rsdp = acpi_rsdp_search(&sim.acpi);
	CHECK(rsdp == 0xf5a00);
	CHECK_ERR(discover(rsdp, &m, cpus), NULL);
	CHECK(m.nr_cpus == 8 && m.nr_enabled == 8 && m.lapic_address == 0xfee00000);
	for (unsigned i = 0; i < 8; i++)
		CHECK(cpus[i].apic_id == i && !cpus[i].x2apic);

	/* every kind of processor entry and flag */
	madt_start(&mb, 0xfee00000);
	madt_lapic(&mb, 0, 0, ACPI_MADT_ENABLED);
	madt_lapic(&mb, 1, 2, ACPI_MADT_ENABLED);
	madt_lapic(&mb, 2, 4, 0);                               /* disabled */
	madt_lapic(&mb, 3, 5, ACPI_MADT_ONLINE_CAPABLE);        /* hot-pluggable from rev 5 */
	madt_lapic(&mb, 4, 0xff, ACPI_MADT_ENABLED);            /* invalid id */
	madt_lapic(&mb, 5, 2, ACPI_MADT_ENABLED);               /* duplicate */
	madt_x2apic(&mb, 6, 300, ACPI_MADT_ENABLED);
	madt_x2apic(&mb, 7, 0, ACPI_MADT_ENABLED);              /* duplicate across types */
	madt_x2apic(&mb, 8, 0xffffffffu, ACPI_MADT_ENABLED);    /* invalid id */
	uint8_t ioapic[12] = { 1, 12, 0, 0 };                   /* other entries are skipped */
	madt_raw(&mb, ioapic, sizeof(ioapic));
	uint8_t longer[10] = { ACPI_MADT_LAPIC, 10, 9, 7, ACPI_MADT_ENABLED };   /* longer is fine */
	madt_raw(&mb, longer, sizeof(longer));
	CHECK_ERR(parse(5, &m, cpus), NULL);
	CHECK(m.nr_cpus == 4 && m.nr_enabled == 4 && m.nr_beyond == 0);
	CHECK(m.nr_disabled == 1 && m.nr_online_capable == 1 && m.nr_duplicates == 2);
	CHECK(m.nr_invalid == 2 && m.revision == 5);
	CHECK(cpus[0].apic_id == 0 && cpus[1].apic_id == 2 && cpus[1].acpi_uid == 1);
	CHECK(cpus[2].apic_id == 300 && cpus[2].x2apic && cpus[2].acpi_uid == 6);
	CHECK(cpus[3].apic_id == 7 && cpus[3].acpi_uid == 9);
	/* before revision 5 the online-capable bit means nothing */
	CHECK_ERR(parse(4, &m, cpus), NULL);
	CHECK(m.nr_disabled == 2 && m.nr_online_capable == 0);

	/* absurd counts: 3000 processors, the first MAXCPU stored, the rest counted */
	madt_start(&mb, 0xfee00000);
	for (uint32_t i = 0; i < 3000; i++)
		madt_x2apic(&mb, i, i * 2, ACPI_MADT_ENABLED);
	CHECK_ERR(parse(3, &m, cpus), NULL);
	CHECK(m.nr_cpus == MAXCPU && m.nr_enabled == 3000 && m.nr_beyond == 3000 - MAXCPU);
	CHECK(cpus[MAXCPU - 1].apic_id == 2 * (MAXCPU - 1));
	/* 255 entries all with the same id: one processor */
	madt_start(&mb, 0xfee00000);
	for (uint32_t i = 0; i < 255; i++)
		madt_lapic(&mb, (uint8_t)i, 3, ACPI_MADT_ENABLED);
	CHECK_ERR(parse(1, &m, cpus), NULL);
	CHECK(m.nr_cpus == 1 && m.nr_duplicates == 254);
}

static void test_madt_malformed(void)
{
	struct acpi_madt m;
	struct acpi_cpu cpus[MAXCPU];

	/* zero entries, only disabled ones, only invalid ids */
	madt_start(&mb, 0xfee00000);
	CHECK_ERR(parse(1, &m, cpus), "no enabled processor");
	madt_lapic(&mb, 0, 0, 0);
	madt_x2apic(&mb, 1, 0xffffffffu, ACPI_MADT_ENABLED);
	CHECK_ERR(parse(1, &m, cpus), "no enabled processor");
	CHECK(m.nr_cpus == 0 && m.nr_disabled == 0);          /* nothing reported on failure */

	struct {
		uint8_t entry[20];
		uint32_t len;
		const char *err;
	} bad[] = {
		{ { ACPI_MADT_LAPIC, 0 }, 8, "entry length below 2" },
		{ { 1, 1 }, 8, "entry length below 2" },
		{ { ACPI_MADT_LAPIC, 6, 0, 1, 1 }, 6, "local APIC entry too short" },
		{ { ACPI_MADT_X2APIC, 12, 0, 0, 1 }, 12, "local x2APIC entry too short" },
		{ { ACPI_MADT_LAPIC, 8, 0, 1, 1 }, 1, "entry header truncated" },
		{ { ACPI_MADT_LAPIC, 8, 0, 1, 1 }, 5, "entry runs past the table" },
		{ { ACPI_MADT_X2APIC, 200, 0, 0, 1 }, 16, "entry runs past the table" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* the bad entry last, after good ones, so a truncation is at the table's end */
		madt_start(&mb, 0xfee00000);
		madt_lapic(&mb, 0, 0, ACPI_MADT_ENABLED);
		madt_lapic(&mb, 1, 1, ACPI_MADT_ENABLED);
		madt_raw(&mb, bad[i].entry, bad[i].len);
		CHECK_ERR(parse(1, &m, cpus), bad[i].err);
		CHECK(m.nr_cpus == 0 && m.nr_enabled == 0);
	}
	/* the fixed part: too short, wrong signature, length field, revision 0 */
	madt_start(&mb, 0xfee00000);
	madt_lapic(&mb, 0, 0, ACPI_MADT_ENABLED);
	uint32_t len = madt_table(1);
	CHECK_ERR(acpi_madt_parse(table, len, &m, cpus, MAXCPU), NULL);
	CHECK_ERR(acpi_madt_parse(table, 43, &m, cpus, MAXCPU), "shorter than its fixed part");
	CHECK_ERR(acpi_madt_parse(table, len - 1, &m, cpus, MAXCPU), "length differs from the table's");
	table[0] = 'X';
	CHECK_ERR(acpi_madt_parse(table, len, &m, cpus, MAXCPU), "bad signature");
	CHECK_ERR(parse(0, &m, cpus), "revision 0");
	/* a MADT truncated in memory: its header promises more than can be read */
	fresh();
	uint64_t end = sim_put_qemu_like(&sim, TABLES_AT, 4);
	sim.size = end - 3;
	CHECK_ERR(discover(TABLES_AT, &m, cpus), "length runs past readable memory");
}

/* ---- SRAT and SLIT ---- */

#define MAXMEM 8

static uint32_t srat_table(uint8_t revision)
{
	fresh();
	uint32_t len = sim_put_table(&sim, TABLES_AT, ACPI_SIG_SRAT, revision, mb.b, mb.len);
	memcpy(table, sim.mem + TABLES_AT, len);
	return len;
}

static const char *srat_parse(uint8_t revision, struct acpi_srat *s, struct acpi_srat_mem *mem,
			      struct acpi_srat_cpu *cpus)
{
	uint32_t len = srat_table(revision);

	return acpi_srat_parse(table, len, s, mem, MAXMEM, cpus, MAXCPU);
}

static void test_srat(void)
{
	struct acpi_srat s;
	struct acpi_srat_mem mem[MAXMEM];
	struct acpi_srat_cpu cpus[MAXCPU];

	/* a QEMU-like set end to end, found through the root table */
	fresh();
	sim_put_qemu_numa(&sim, TABLES_AT, 4, 2, 256ull << 20);
	struct acpi_root r;
	struct acpi_table t;
	CHECK_ERR(acpi_root_init(&r, &sim.acpi, TABLES_AT), NULL);
	const void *p = acpi_find_table(&r, ACPI_SIG_SRAT, 0, &t);
	CHECK(p != NULL);
	if (p) {
		CHECK_ERR(acpi_srat_parse(p, t.header.length, &s, mem, MAXMEM, cpus, MAXCPU), NULL);
		CHECK(s.nr_cpus == 4 && s.nr_mem == 3 && s.revision == 1);
		CHECK(cpus[2].apic_id == 2 && cpus[2].pxm == 0 && cpus[3].pxm == 1);
		CHECK(mem[0].base == 0 && mem[0].length == 0xa0000 && mem[0].pxm == 0);
		CHECK(mem[2].base == 256ull << 20 && mem[2].length == 256ull << 20 && mem[2].pxm == 1);
	}
	p = acpi_find_table(&r, ACPI_SIG_SLIT, 0, &t);
	CHECK(p != NULL);
	if (p) {
		uint32_t n;
		CHECK_ERR(acpi_slit_parse(p, t.header.length, &n), NULL);
		CHECK(n == 2 && acpi_slit_distance(p, n, 0, 0) == 10 && acpi_slit_distance(p, n, 0, 1) == 21);
	}

	/* every entry type and flag; proximity domains by revision */
	srat_start(&mb);
	srat_cpu(&mb, 0x01020304, 7, ACPI_SRAT_ENABLED);
	srat_cpu(&mb, 5, 8, 0);                                  /* disabled */
	srat_x2apic(&mb, 0x10000, 300, ACPI_SRAT_ENABLED);
	srat_mem(&mb, 0x0203, 0x100000, 0x1000000, ACPI_SRAT_ENABLED | ACPI_SRAT_MEM_HOTPLUG);
	srat_mem(&mb, 2, 1ull << 40, 1ull << 30, 0);             /* disabled */
	uint8_t gicc[76] = { 3, 76 };                            /* other types are skipped */
	madt_raw(&mb, gicc, sizeof(gicc));
	srat_mem(&mb, 1, 0xfffff000, 0x1000, ACPI_SRAT_ENABLED | ACPI_SRAT_MEM_NONVOLATILE);
	CHECK_ERR(srat_parse(3, &s, mem, cpus), NULL);
	CHECK(s.nr_cpus == 2 && s.nr_mem == 2 && s.nr_disabled == 2 && s.nr_other == 1);
	CHECK(cpus[0].pxm == 0x01020304 && cpus[0].apic_id == 7 && !cpus[0].x2apic);
	CHECK(cpus[1].pxm == 0x10000 && cpus[1].apic_id == 300 && cpus[1].x2apic);
	CHECK(mem[0].pxm == 0x0203 && (mem[0].flags & ACPI_SRAT_MEM_HOTPLUG));
	CHECK(mem[1].base == 0xfffff000 && (mem[1].flags & ACPI_SRAT_MEM_NONVOLATILE));
	/* revision 1: 8-bit domains for processors and memory (x2APIC entries are 32-bit) */
	CHECK_ERR(srat_parse(1, &s, mem, cpus), NULL);
	CHECK(cpus[0].pxm == 0x04 && mem[0].pxm == 0x03 && cpus[1].pxm == 0x10000);

	/* more entries than the arrays: the first kept, the rest counted */
	srat_start(&mb);
	for (uint32_t i = 0; i < 40; i++)
		srat_mem(&mb, i, (uint64_t)i << 30, 1ull << 30, ACPI_SRAT_ENABLED);
	for (uint32_t i = 0; i < 40; i++)
		srat_cpu(&mb, i, (uint8_t)i, ACPI_SRAT_ENABLED);
	CHECK_ERR(srat_parse(3, &s, mem, cpus), NULL);
	CHECK(s.nr_mem == MAXMEM && s.nr_cpus == MAXCPU && s.nr_beyond == 80 - MAXMEM - MAXCPU);
	/* no entries at all: a valid, empty SRAT */
	srat_start(&mb);
	CHECK_ERR(srat_parse(3, &s, mem, cpus), NULL);
	CHECK(s.nr_mem == 0 && s.nr_cpus == 0);
}

static void test_srat_malformed(void)
{
	struct acpi_srat s;
	struct acpi_srat_mem mem[MAXMEM];
	struct acpi_srat_cpu cpus[MAXCPU];
	struct {
		uint8_t entry[48];
		uint32_t len;
		const char *err;
	} bad[] = {
		{ { ACPI_SRAT_CPU, 0 }, 16, "entry length below 2" },
		{ { ACPI_SRAT_CPU, 12, 0, 1, 1 }, 12, "processor affinity entry too short" },
		{ { ACPI_SRAT_MEM, 32, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 32, "memory affinity entry too short" },
		{ { ACPI_SRAT_X2APIC, 16 }, 16, "x2APIC affinity entry too short" },
		{ { ACPI_SRAT_MEM, 40 }, 1, "entry header truncated" },
		{ { ACPI_SRAT_MEM, 40 }, 30, "entry runs past the table" },
		{ { ACPI_SRAT_MEM, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 2,
		    0, 0, 0, 0, 1 }, 40, "memory affinity range wraps" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		srat_start(&mb);
		srat_cpu(&mb, 0, 0, ACPI_SRAT_ENABLED);
		srat_mem(&mb, 0, 0, 1ull << 30, ACPI_SRAT_ENABLED);
		madt_raw(&mb, bad[i].entry, bad[i].len);
		CHECK_ERR(srat_parse(3, &s, mem, cpus), bad[i].err);
		CHECK(s.nr_cpus == 0 && s.nr_mem == 0);          /* nothing stored on failure */
	}
	/* a range ending exactly at 2^64 is fine */
	srat_start(&mb);
	srat_mem(&mb, 0, ~0ull - 0xfff, 0x1000, ACPI_SRAT_ENABLED);
	CHECK_ERR(srat_parse(3, &s, mem, cpus), NULL);
	/* the fixed part */
	srat_start(&mb);
	uint32_t len = srat_table(3);
	CHECK_ERR(acpi_srat_parse(table, len - 1, &s, mem, MAXMEM, cpus, MAXCPU), "shorter than its fixed part");
	srat_cpu(&mb, 0, 0, ACPI_SRAT_ENABLED);
	len = srat_table(3);
	CHECK_ERR(acpi_srat_parse(table, len - 1, &s, mem, MAXMEM, cpus, MAXCPU), "length differs from the table's");
	table[0] = 'X';
	CHECK_ERR(acpi_srat_parse(table, len, &s, mem, MAXMEM, cpus, MAXCPU), "bad signature");
}

static void test_slit(void)
{
	uint8_t d[9] = { 10, 20, 30, 20, 10, 40, 30, 40, 10 };
	uint32_t n, len;

	slit_build(&mb, 3, d);
	fresh();
	len = sim_put_table(&sim, TABLES_AT, ACPI_SIG_SLIT, 1, mb.b, mb.len);
	memcpy(table, sim.mem + TABLES_AT, len);
	CHECK_ERR(acpi_slit_parse(table, len, &n), NULL);
	CHECK(n == 3);
	for (uint32_t a = 0; a < 3; a++)
		for (uint32_t b = 0; b < 3; b++)
			CHECK(acpi_slit_distance(table, n, a, b) == d[a * 3 + b]);
	/* lengths that lie, counts that cannot be */
	CHECK_ERR(acpi_slit_parse(table, len - 1, &n), "length differs from the table's");
	CHECK(n == 0);
	CHECK_ERR(acpi_slit_parse(table, ACPI_SLIT_MIN_LEN - 1, &n), "shorter than its fixed part");
	uint64_t counts[] = { 0, 4, 2, 0x10000, ~0ull };
	const char *errs[] = { "no localities", "truncated: fewer distances than localities squared",
			       "longer than its distances",
			       "more localities than proximity domains can name",
			       "more localities than proximity domains can name" };
	for (unsigned i = 0; i < 5; i++) {
		memcpy(mb.b, &counts[i], 8);
		len = sim_put_table(&sim, TABLES_AT, ACPI_SIG_SLIT, 1, mb.b, mb.len);
		memcpy(table, sim.mem + TABLES_AT, len);
		CHECK_ERR(acpi_slit_parse(table, len, &n), errs[i]);
	}
	memcpy(table, "SRAT", 4);
	CHECK_ERR(acpi_slit_parse(table, len, &n), "bad signature");
}

/* ---- random mutations of good sets ---- */

static void check_consistent(const struct acpi_madt *m, const struct acpi_cpu *cpus)
{
	CHECK(m->nr_cpus <= MAXCPU && m->nr_cpus > 0);
	CHECK(m->nr_enabled == m->nr_cpus + m->nr_beyond);
	for (uint32_t i = 0; i < m->nr_cpus; i++)
		for (uint32_t j = i + 1; j < m->nr_cpus; j++)
			CHECK(cpus[i].apic_id != cpus[j].apic_id);
}

static void test_mutations(unsigned rounds)
{
	struct acpi_madt m;
	struct acpi_cpu cpus[MAXCPU];
	unsigned ok = 0;

	srand(1);
	for (unsigned i = 0; i < rounds; i++) {
		fresh();
		uint64_t end = sim_put_qemu_like(&sim, TABLES_AT, 1 + rand() % 20);
		unsigned flips = 1 + rand() % 4;
		for (unsigned f = 0; f < flips; f++) {
			uint64_t at = TABLES_AT + (uint64_t)rand() % (end - TABLES_AT);
			sim.mem[at] = (uint8_t)rand();
		}
		if (rand() % 4 == 0)
			sim.size = TABLES_AT + (uint64_t)rand() % (end - TABLES_AT + 1);
		if (!discover(TABLES_AT, &m, cpus)) {
			check_consistent(&m, cpus);
			ok++;
		}
	}
	/* most single-byte changes break a checksum; some land in slack and still parse */
	CHECK(ok < rounds);
	printf("acpi: %u of %u mutated table sets still parsed\n", ok, rounds);
}

/* ---- fuzzer seeds ---- */

/* The fuzzer's input is physical memory from 0, with the RSDP at 16 (acpi_fuzz.c). */
static int write_seeds(const char *dir)
{
	unsigned counts[] = { 1, 2, 8, 16, 40 };

	for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		char path[512];
		sim_free(&sim);
		sim_init(&sim, 0x2000);
		uint64_t end = sim_put_qemu_like(&sim, 16, counts[i]);
		snprintf(path, sizeof(path), "%s/qemu-%u", dir, counts[i]);
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(sim.mem, 1, end, f) != end || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	for (unsigned nodes = 1; nodes <= 4; nodes++) {
		char path[512];
		sim_free(&sim);
		sim_init(&sim, 0x2000);
		uint64_t end = sim_put_qemu_numa(&sim, 16, 4, nodes, 1ull << 30);
		snprintf(path, sizeof(path), "%s/qemu-numa-%u", dir, nodes);
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(sim.mem, 1, end, f) != end || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "seeds"))
		return write_seeds(argv[2]);
	test_search();
	test_rsdp();
	test_root();
	test_lengths();
	test_find();
	test_madt();
	test_madt_malformed();
	test_srat();
	test_srat_malformed();
	test_slit();
	test_mutations(20000);
	sim_free(&sim);
	if (failures) {
		fprintf(stderr, "acpi: %d checks failed\n", failures);
		return 1;
	}
	printf("acpi: all checks passed\n");
	return 0;
}
