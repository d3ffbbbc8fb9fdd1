/*
 * ACPI tables (see <arch/acpi.h>): find and validate the RSDP, the root
 * table and the tables it lists, decode the MADT.
 *
 * Every read goes through mem->map() and every pointer it returns is
 * used before the next call, so the platform may back it with a single
 * window of mappings.  Multi-byte fields are read byte by byte (tables
 * need not be aligned; XSDT entries never are).  Nothing here trusts a
 * length before it is bounded: a table's length is checked against its
 * header size and ACPI_TABLE_MAX_LEN before the table is mapped whole,
 * and a MADT entry's length against what is left of the table.
 */
#include <arch/acpi.h>

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static bool same(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void copy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

static uint8_t sum(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static const uint8_t *map(const struct acpi_mem *mem, uint64_t pa, uint64_t len)
{
	if (pa == 0 || len > UINT64_MAX - pa)
		return NULL;
	return mem->map(mem->ctx, pa, len);
}

const char *acpi_rsdp_check(const struct acpi_mem *mem, uint64_t pa, struct acpi_rsdp *out)
{
	const uint8_t *p = map(mem, pa, ACPI_RSDP_V1_LEN);
	struct acpi_rsdp r = { 0 };

	if (!p)
		return "cannot be read";
	if (!same((const char *)p, ACPI_SIG_RSDP, 8))
		return "bad signature";
	if (sum(p, ACPI_RSDP_V1_LEN))
		return "bad checksum";
	copy(&r, p, ACPI_RSDP_V1_LEN);
	if (r.revision >= 2) {
		p = map(mem, pa, ACPI_RSDP_V2_LEN);
		if (!p)
			return "v2 part cannot be read";
		uint32_t len = rd32(p + 20);
		if (len < ACPI_RSDP_V2_LEN)
			return "v2 length shorter than the structure";
		if (len > ACPI_RSDP_MAX_LEN)
			return "v2 length too large";
		p = map(mem, pa, len);
		if (!p)
			return "v2 length runs past readable memory";
		if (sum(p, len))
			return "bad extended checksum";
		copy(&r, p, ACPI_RSDP_V2_LEN);
	}
	*out = r;
	return NULL;
}

/* 16-byte aligned candidates in [start, end), read one page at a time. */
static uint64_t rsdp_scan(const struct acpi_mem *mem, uint64_t start, uint64_t end)
{
	struct acpi_rsdp r;

	for (uint64_t page = start; page < end; page += 4096) {
		uint64_t n = end - page < 4096 ? end - page : 4096;
		const uint8_t *p = map(mem, page, n);
		for (uint64_t off = 0; p && off + 8 <= n; off += 16) {
			if (!same((const char *)p + off, ACPI_SIG_RSDP, 8))
				continue;
			if (!acpi_rsdp_check(mem, page + off, &r))
				return page + off;
			p = map(mem, page, n);      /* the check read through the same window */
		}
	}
	return 0;
}

#define BDA_EBDA_SEGMENT 0x40e
#define EBDA_SEARCH_LEN  1024
#define BIOS_AREA_START  0xe0000
#define BIOS_AREA_END    0x100000

uint64_t acpi_rsdp_search(const struct acpi_mem *mem)
{
	const uint8_t *p = map(mem, BDA_EBDA_SEGMENT, 2);
	uint64_t found = 0;

	if (p) {
		uint64_t ebda = (uint64_t)(p[0] | p[1] << 8) << 4;
		/* only a plausible EBDA: above the BDA, below the BIOS area (as Linux) */
		if (ebda >= 0x400 && ebda < 0xa0000)
			found = rsdp_scan(mem, ebda, ebda + EBDA_SEARCH_LEN);
	}
	if (!found)
		found = rsdp_scan(mem, BIOS_AREA_START, BIOS_AREA_END);
	return found;
}

/*
 * The table at @pa: readable, a length from a header's size to
 * ACPI_TABLE_MAX_LEN, @sig if given, a good checksum.  Returns the whole
 * table (and *@err NULL), or NULL and why; *@h gets the header if it
 * could be read.
 */
static const uint8_t *table_check(const struct acpi_mem *mem, uint64_t pa, const char *sig,
				  struct acpi_header *h, const char **err)
{
	const uint8_t *p = map(mem, pa, ACPI_HEADER_LEN);

	*h = (struct acpi_header){ 0 };
	if (!p) {
		*err = "header cannot be read";
		return NULL;
	}
	copy(h, p, ACPI_HEADER_LEN);
	if (sig && !same(h->signature, sig, 4)) {
		*err = "bad signature";
		return NULL;
	}
	if (h->length < ACPI_HEADER_LEN) {
		*err = "length shorter than its header";
		return NULL;
	}
	if (h->length > ACPI_TABLE_MAX_LEN) {
		*err = "length too large";
		return NULL;
	}
	p = map(mem, pa, h->length);
	if (!p) {
		*err = "length runs past readable memory";
		return NULL;
	}
	if (sum(p, h->length)) {
		*err = "bad checksum";
		return NULL;
	}
	*err = NULL;
	return p;
}

/* The root table at @pa with signature @sig and @esize-byte entries; NULL or why not. */
static const char *root_check(struct acpi_root *r, uint64_t pa, const char *sig, uint32_t esize)
{
	struct acpi_header h;
	const char *err;

	if (!table_check(&r->mem, pa, sig, &h, &err))
		return err;
	if ((h.length - ACPI_HEADER_LEN) % esize)
		return "length not a whole number of entries";
	r->root_pa = pa;
	r->root = h;
	r->xsdt = esize == 8;
	r->nr_tables = (h.length - ACPI_HEADER_LEN) / esize;
	return NULL;
}

const char *acpi_root_init(struct acpi_root *r, const struct acpi_mem *mem, uint64_t rsdp_pa)
{
	const char *err;

	*r = (struct acpi_root){ .mem = *mem, .rsdp_pa = rsdp_pa };
	err = acpi_rsdp_check(mem, rsdp_pa, &r->rsdp);
	if (err)
		return err;
	if (r->rsdp.revision >= 2 && r->rsdp.xsdt_address) {
		r->xsdt_error = root_check(r, r->rsdp.xsdt_address, ACPI_SIG_XSDT, 8);
		if (!r->xsdt_error)
			return NULL;
		if (!r->rsdp.rsdt_address)
			return r->xsdt_error;
	}
	if (!r->rsdp.rsdt_address)
		return "no root table address";
	return root_check(r, r->rsdp.rsdt_address, ACPI_SIG_RSDT, 4);
}

/* The address in entry @i of the root table; 0 if it cannot be read. */
static uint64_t root_entry(const struct acpi_root *r, uint32_t i)
{
	uint32_t esize = r->xsdt ? 8 : 4;
	const uint8_t *p = map(&r->mem, r->root_pa + ACPI_HEADER_LEN + (uint64_t)i * esize, esize);

	if (!p)
		return 0;
	return r->xsdt ? rd64(p) : rd32(p);
}

const void *acpi_table_get(const struct acpi_root *r, uint32_t i, struct acpi_table *t)
{
	*t = (struct acpi_table){ 0 };
	if (i >= r->nr_tables) {
		t->error = "no such entry";
		return NULL;
	}
	t->pa = root_entry(r, i);
	if (!t->pa) {
		t->error = "null entry";
		return NULL;
	}
	return table_check(&r->mem, t->pa, NULL, &t->header, &t->error);
}

const void *acpi_find_table(const struct acpi_root *r, const char sig[4], unsigned instance,
			    struct acpi_table *t)
{
	for (uint32_t i = 0; i < r->nr_tables; i++) {
		uint64_t pa = root_entry(r, i);
		const uint8_t *p = pa ? map(&r->mem, pa, 4) : NULL;
		if (!p || !same((const char *)p, sig, 4) || instance-- > 0)
			continue;
		return acpi_table_get(r, i, t);
	}
	*t = (struct acpi_table){ 0 };
	return NULL;
}

/* ---- MADT ---- */

/* One processor entry, decoded. */
struct madt_cpu_entry {
	uint32_t id, uid, flags;
	bool x2apic;
};

/*
 * Entry at @p (@len bytes, already bounded): true and *@e if it describes
 * a processor; *@err set if it is one but too short.
 */
static bool madt_cpu_entry(const uint8_t *p, uint32_t len, struct madt_cpu_entry *e,
			   const char **err)
{
	if (p[0] == ACPI_MADT_LAPIC) {
		if (len < ACPI_MADT_LAPIC_LEN) {
			*err = "local APIC entry too short";
			return false;
		}
		*e = (struct madt_cpu_entry){ p[3], p[2], rd32(p + 4), false };
		return true;
	}
	if (p[0] == ACPI_MADT_X2APIC) {
		if (len < ACPI_MADT_X2APIC_LEN) {
			*err = "local x2APIC entry too short";
			return false;
		}
		*e = (struct madt_cpu_entry){ rd32(p + 4), rd32(p + 12), rd32(p + 8), true };
		return true;
	}
	return false;
}

/* Every entry's length and every processor entry's size; NULL or why not. */
static const char *madt_check_entries(const uint8_t *t, uint32_t len)
{
	struct madt_cpu_entry e;
	const char *err = NULL;

	for (uint32_t off = ACPI_MADT_MIN_LEN; off < len;) {
		if (len - off < 2)
			return "entry header truncated";
		uint32_t elen = t[off + 1];
		if (elen < 2)
			return "entry length below 2";
		if (elen > len - off)
			return "entry runs past the table";
		madt_cpu_entry(t + off, elen, &e, &err);
		if (err)
			return err;
		off += elen;
	}
	return NULL;
}

static bool stored(const struct acpi_cpu *cpus, uint32_t n, uint32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (cpus[i].apic_id == id)
			return true;
	return false;
}

/* Count (and store, if it fits) one processor entry. */
static void madt_add_cpu(struct acpi_madt *m, const struct madt_cpu_entry *e,
			 struct acpi_cpu *cpus, uint32_t max)
{
	bool online_capable = m->revision >= 5 && (e->flags & ACPI_MADT_ONLINE_CAPABLE);

	if (e->x2apic ? e->id == 0xffffffffu : e->id == 0xff) {
		m->nr_invalid++;
	} else if (!(e->flags & ACPI_MADT_ENABLED)) {
		if (online_capable)
			m->nr_online_capable++;
		else
			m->nr_disabled++;
	} else if (stored(cpus, m->nr_cpus, e->id)) {
		m->nr_duplicates++;
	} else {
		m->nr_enabled++;
		if (m->nr_cpus < max)
			cpus[m->nr_cpus++] = (struct acpi_cpu){ e->id, e->uid, e->x2apic };
		else
			m->nr_beyond++;
	}
}

const char *acpi_madt_parse(const void *table, uint32_t len, struct acpi_madt *m,
			    struct acpi_cpu *cpus, uint32_t max)
{
	const uint8_t *t = table;
	struct madt_cpu_entry e;
	const char *err = NULL;

	*m = (struct acpi_madt){ 0 };
	if (len < ACPI_MADT_MIN_LEN)
		return "shorter than its fixed part";
	if (!same((const char *)t, ACPI_SIG_MADT, 4))
		return "bad signature";
	if (rd32(t + 4) != len)
		return "length differs from the table's";
	if (t[8] < 1)
		return "revision 0";
	err = madt_check_entries(t, len);
	if (err)
		return err;
	/* decoded: now collect */
	m->revision = t[8];
	m->lapic_address = rd32(t + ACPI_HEADER_LEN);
	m->flags = rd32(t + ACPI_HEADER_LEN + 4);
	for (uint32_t off = ACPI_MADT_MIN_LEN; off < len; off += t[off + 1])
		if (madt_cpu_entry(t + off, t[off + 1], &e, &err))
			madt_add_cpu(m, &e, cpus, max);
	if (!m->nr_enabled) {
		*m = (struct acpi_madt){ 0 };
		return "no enabled processor";
	}
	return NULL;
}

/* ---- MADT: interrupt routing ---- */

/* An I/O APIC or override entry at @p (@len bytes): NULL, or why it is malformed. */
static const char *madt_routing_entry(const uint8_t *p, uint32_t len, struct acpi_irq_routing *r)
{
	if (p[0] == ACPI_MADT_IOAPIC) {
		if (len < ACPI_MADT_IOAPIC_LEN)
			return "I/O APIC entry too short";
		if (r->nr_ioapics == ACPI_MAX_IOAPICS) {
			r->nr_ioapics_beyond++;
			return NULL;
		}
		r->ioapic[r->nr_ioapics++] = (struct acpi_ioapic){ p[2], rd32(p + 4), rd32(p + 8) };
		return NULL;
	}
	if (p[0] == ACPI_MADT_ISO) {
		if (len < ACPI_MADT_ISO_LEN)
			return "interrupt source override too short";
		if (p[2] != 0 || p[3] >= ACPI_ISA_IRQS)
			return "interrupt source override for no ISA interrupt";
		r->isa_gsi[p[3]] = rd32(p + 4);
		r->isa_flags[p[3]] = (uint16_t)(p[8] | p[9] << 8);
	}
	return NULL;
}

const char *acpi_madt_routing(const void *table, uint32_t len, struct acpi_irq_routing *r)
{
	struct acpi_madt m;
	struct acpi_cpu cpu;
	const uint8_t *t = table;
	const char *err = acpi_madt_parse(table, len, &m, &cpu, 1);

	*r = (struct acpi_irq_routing){ 0 };
	if (err)
		return err;
	for (uint32_t i = 0; i < ACPI_ISA_IRQS; i++)
		r->isa_gsi[i] = i;
	for (uint32_t off = ACPI_MADT_MIN_LEN; off < len && !err; off += t[off + 1])
		err = madt_routing_entry(t + off, t[off + 1], r);
	if (err)
		*r = (struct acpi_irq_routing){ 0 };
	return err;
}

/* ---- SRAT ---- */

/* Is the entry at @p (@len bytes, already bounded) too short for its type? */
static const char *srat_entry_short(const uint8_t *p, uint32_t len)
{
	if (p[0] == ACPI_SRAT_CPU && len < ACPI_SRAT_CPU_LEN)
		return "processor affinity entry too short";
	if (p[0] == ACPI_SRAT_MEM && len < ACPI_SRAT_MEM_LEN)
		return "memory affinity entry too short";
	if (p[0] == ACPI_SRAT_X2APIC && len < ACPI_SRAT_X2APIC_LEN)
		return "x2APIC affinity entry too short";
	if (p[0] == ACPI_SRAT_MEM && rd64(p + 16) && rd64(p + 8) > UINT64_MAX - rd64(p + 16) + 1)
		return "memory affinity range wraps";
	return NULL;
}

static const char *srat_check_entries(const uint8_t *t, uint32_t len)
{
	for (uint32_t off = ACPI_SRAT_MIN_LEN; off < len;) {
		if (len - off < 2)
			return "entry header truncated";
		uint32_t elen = t[off + 1];
		if (elen < 2)
			return "entry length below 2";
		if (elen > len - off)
			return "entry runs past the table";
		const char *err = srat_entry_short(t + off, elen);
		if (err)
			return err;
		off += elen;
	}
	return NULL;
}

/* Store or count one entry (already checked). */
static void srat_add(struct acpi_srat *s, const uint8_t *p, struct acpi_srat_mem *mem,
		     uint32_t max_mem, struct acpi_srat_cpu *cpus, uint32_t max_cpus)
{
	uint32_t flags, pxm;

	switch (p[0]) {
	case ACPI_SRAT_CPU:
		flags = rd32(p + 4);
		pxm = p[2];
		if (s->revision >= 2)
			pxm |= (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 | (uint32_t)p[11] << 24;
		if (!(flags & ACPI_SRAT_ENABLED))
			s->nr_disabled++;
		else if (s->nr_cpus < max_cpus)
			cpus[s->nr_cpus++] = (struct acpi_srat_cpu){ p[3], pxm, false };
		else
			s->nr_beyond++;
		return;
	case ACPI_SRAT_X2APIC:
		flags = rd32(p + 12);
		if (!(flags & ACPI_SRAT_ENABLED))
			s->nr_disabled++;
		else if (s->nr_cpus < max_cpus)
			cpus[s->nr_cpus++] = (struct acpi_srat_cpu){ rd32(p + 8), rd32(p + 4), true };
		else
			s->nr_beyond++;
		return;
	case ACPI_SRAT_MEM:
		flags = rd32(p + 28);
		pxm = rd32(p + 2);
		if (s->revision < 2)
			pxm &= 0xff;
		if (!(flags & ACPI_SRAT_ENABLED))
			s->nr_disabled++;
		else if (s->nr_mem < max_mem)
			mem[s->nr_mem++] = (struct acpi_srat_mem){ rd64(p + 8), rd64(p + 16), pxm, flags };
		else
			s->nr_beyond++;
		return;
	default:
		s->nr_other++;
	}
}

const char *acpi_srat_parse(const void *table, uint32_t len, struct acpi_srat *s,
			    struct acpi_srat_mem *mem, uint32_t max_mem,
			    struct acpi_srat_cpu *cpus, uint32_t max_cpus)
{
	const uint8_t *t = table;
	const char *err;

	*s = (struct acpi_srat){ 0 };
	if (len < ACPI_SRAT_MIN_LEN)
		return "shorter than its fixed part";
	if (!same((const char *)t, ACPI_SIG_SRAT, 4))
		return "bad signature";
	if (rd32(t + 4) != len)
		return "length differs from the table's";
	err = srat_check_entries(t, len);
	if (err)
		return err;
	/* decoded: now collect */
	s->revision = t[8];
	for (uint32_t off = ACPI_SRAT_MIN_LEN; off < len; off += t[off + 1])
		srat_add(s, t + off, mem, max_mem, cpus, max_cpus);
	return NULL;
}

/* ---- SLIT ---- */

const char *acpi_slit_parse(const void *table, uint32_t len, uint32_t *localities)
{
	const uint8_t *t = table;
	uint64_t n;

	*localities = 0;
	if (len < ACPI_SLIT_MIN_LEN)
		return "shorter than its fixed part";
	if (!same((const char *)t, ACPI_SIG_SLIT, 4))
		return "bad signature";
	if (rd32(t + 4) != len)
		return "length differs from the table's";
	n = rd64(t + ACPI_HEADER_LEN);
	if (n == 0)
		return "no localities";
	if (n > 0xffff)
		return "more localities than proximity domains can name";
	if ((uint64_t)len != ACPI_SLIT_MIN_LEN + n * n)
		return n * n > (uint64_t)len - ACPI_SLIT_MIN_LEN ? "truncated: fewer distances than localities squared"
							: "longer than its distances";
	*localities = (uint32_t)n;
	return NULL;
}

uint8_t acpi_slit_distance(const void *table, uint32_t n, uint32_t from, uint32_t to)
{
	return ((const uint8_t *)table)[ACPI_SLIT_MIN_LEN + (uint64_t)from * n + to];
}
