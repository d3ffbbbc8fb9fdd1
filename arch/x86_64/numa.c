/*
 * NUMA topology on x86_64: the ACPI SRAT (which proximity domain each
 * local APIC / x2APIC and each memory range is in) and SLIT (distances
 * between proximity domains), decoded by acpi.c, turned into node ids
 * for core/numa.c.
 *
 * Proximity domains are numbered as Linux numbers them: each domain gets
 * the next free node id on first appearance, processor entries first (in
 * table order), then memory entries.  Disabled entries are skipped, as
 * are hot-pluggable memory ranges (no memory hotplug here).  A SLIT must
 * cover every proximity domain the SRAT uses; its values are judged by
 * core/numa.c.  The tables are read through the ACPI window, so this runs
 * on the boot CPU before the others start.  The boot log shows Linux's
 * lines ("SRAT: PXM 0 -> APIC 0x00 -> Node 0", "ACPI: SRAT: Node 0 PXM 0
 * [mem ...]").
 */
#include <arch/acpi.h>
#include <arch/arch.h>
#include <arch/x86.h>
#include <core/numa.h>
#include <core/printk.h>

#define SRAT_MAX_MEM  NUMA_MAX_MEMBLKS
#define SRAT_MAX_CPUS NUMA_MAX_CPUS

static struct acpi_srat_mem srat_mem[SRAT_MAX_MEM];
static struct acpi_srat_cpu srat_cpu[SRAT_MAX_CPUS];
static uint32_t pxm_of_node[MNEME_BOOTINFO_MAX_NODES];
static uint32_t nr_pxms;

/* The node of proximity domain @pxm, numbering it if new; ~0u if there are too many. */
static uint32_t pxm_to_node(uint32_t pxm)
{
	for (uint32_t n = 0; n < nr_pxms; n++)
		if (pxm_of_node[n] == pxm)
			return n;
	if (nr_pxms == MNEME_BOOTINFO_MAX_NODES)
		return ~0u;
	pxm_of_node[nr_pxms] = pxm;
	return nr_pxms++;
}

static const char *srat_collect(struct numa_firmware *fw, const struct acpi_srat *s)
{
	for (uint32_t i = 0; i < s->nr_cpus; i++) {
		uint32_t nid = pxm_to_node(srat_cpu[i].pxm);
		if (nid == ~0u)
			return "the SRAT names more proximity domains than there are node ids";
		printk("SRAT: PXM %u -> APIC 0x%0*x -> Node %u\n", srat_cpu[i].pxm,
		       srat_cpu[i].x2apic ? 4 : 2, srat_cpu[i].apic_id, nid);
		fw->cpu[fw->nr_cpus++] = (struct numa_cpu){ srat_cpu[i].apic_id, nid };
	}
	for (uint32_t i = 0; i < s->nr_mem; i++) {
		const struct acpi_srat_mem *m = &srat_mem[i];
		if (m->flags & ACPI_SRAT_MEM_HOTPLUG) {
			printk("ACPI: SRAT: PXM %u [mem 0x%08llx-0x%08llx] hotplug: ignored (no memory "
			       "hotplug)\n", m->pxm, (unsigned long long)m->base,
			       (unsigned long long)(m->base + m->length - 1));
			continue;
		}
		if (!m->length)
			continue;
		uint32_t nid = pxm_to_node(m->pxm);
		if (nid == ~0u)
			return "the SRAT names more proximity domains than there are node ids";
		printk("ACPI: SRAT: Node %u PXM %u [mem 0x%08llx-0x%08llx]%s\n", nid, m->pxm,
		       (unsigned long long)m->base, (unsigned long long)(m->base + m->length - 1),
		       m->flags & ACPI_SRAT_MEM_NONVOLATILE ? " non-volatile" : "");
		fw->memblk[fw->nr_memblks++] = (struct numa_memblk){ m->base, m->length, nid };
	}
	return NULL;
}

/* The SLIT's distances between the domains the SRAT used, by node id. */
static const char *slit_collect(struct numa_firmware *fw, const void *slit, uint32_t n)
{
	for (uint32_t a = 0; a < nr_pxms; a++)
		if (pxm_of_node[a] >= n)
			return "the SLIT has fewer localities than the SRAT's proximity domains";
	for (uint32_t a = 0; a < nr_pxms; a++)
		for (uint32_t b = 0; b < nr_pxms; b++) {
			fw->distance[a][b] = acpi_slit_distance(slit, n, pxm_of_node[a], pxm_of_node[b]);
			fw->dist_set[a][b] = 1;
		}
	fw->has_distance = true;
	return NULL;
}

static const char *read_tables(struct numa_firmware *fw, const struct acpi_root *r)
{
	static char why[96];
	struct acpi_table t;
	struct acpi_srat s;
	uint32_t n;
	const char *err;
	const void *p = acpi_find_table(r, ACPI_SIG_SRAT, 0, &t);

	if (!p) {
		if (!t.error)
			return NULL;                    /* no SRAT: no topology */
		ksnprintf(why, sizeof(why), "the SRAT is not valid (%s)", t.error);
		return why;
	}
	err = acpi_srat_parse(p, t.header.length, &s, srat_mem, SRAT_MAX_MEM, srat_cpu, SRAT_MAX_CPUS);
	if (err) {
		ksnprintf(why, sizeof(why), "SRAT at 0x%llx: %s", (unsigned long long)t.pa, err);
		return why;
	}
	if (s.nr_beyond)
		return "the SRAT has more entries than the core keeps";
	err = srat_collect(fw, &s);
	if (err)
		return err;
	p = acpi_find_table(r, ACPI_SIG_SLIT, 0, &t);
	if (!p) {
		if (!t.error)
			return NULL;                    /* no SLIT: default distances */
		ksnprintf(why, sizeof(why), "the SLIT is not valid (%s)", t.error);
		return why;
	}
	err = acpi_slit_parse(p, t.header.length, &n);
	if (err) {
		ksnprintf(why, sizeof(why), "SLIT at 0x%llx: %s", (unsigned long long)t.pa, err);
		return why;
	}
	return slit_collect(fw, p, n);
}

void arch_numa_firmware(struct numa_firmware *fw)
{
	const struct acpi_root *r = x86_acpi_root();

	nr_pxms = 0;
	fw->source = "ACPI SRAT";
	if (!r)
		return;
	fw->error = read_tables(fw, r);
	x86_acpi_release();
}
