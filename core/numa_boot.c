/*
 * The NUMA topology at boot: ask the architecture what the firmware says
 * (arch_numa_firmware), judge it (core/numa.c), write it into the boot
 * info and the CPUs' node fields, and print it.  Runs in smp_boot() on the
 * boot CPU once the CPUs are known and before any other starts, so every
 * CPU comes up knowing its node and the ".... node #N" lines group them.
 */
#include <arch/arch.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/numa.h>
#include <core/printk.h>

static struct numa_firmware numa_fw;      /* ~40 KiB: not on the boot stack */
static struct numa_topology numa_topo;

/* "0-3", "0-1,4" or "-": the CPUs of node @nid, as Linux lists them. */
static void cpu_list(char *buf, unsigned len, uint32_t nid, unsigned nr_cpus)
{
	unsigned pos = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < nr_cpus && pos < len; i++) {
		if (cpu_table[i].node != nid)
			continue;
		unsigned first = i;
		while (i + 1 < nr_cpus && cpu_table[i + 1].node == nid)
			i++;
		if (first == i)
			pos += (unsigned)ksnprintf(buf + pos, len - pos, "%s%u", pos ? "," : "", i);
		else
			pos += (unsigned)ksnprintf(buf + pos, len - pos, "%s%u-%u", pos ? "," : "", first, i);
	}
	if (!buf[0])
		ksnprintf(buf, len, "-");
}

/* Per node: its RAM and CPUs; then the distances, as numactl -H shows them. */
static void numa_print(const struct mneme_boot_info *bi, unsigned nr_cpus)
{
	char cpus[64];

	for (uint32_t nid = 0; nid < bi->nr_nodes; nid++) {
		uint64_t ram = 0, lo = ~0ull, hi = 0;
		if (!((numa_topo.node_mask >> nid) & 1))
			continue;
		for (uint32_t i = 0; i < bi->nr_ranges; i++) {
			const struct mneme_mem_range *r = &bi->ranges[i];
			if (r->nid != nid || r->type == MNEME_MEM_FIRMWARE || r->type == MNEME_MEM_UNUSABLE)
				continue;
			ram += r->size;
			lo = r->base < lo ? r->base : lo;
			hi = r->base + r->size > hi ? r->base + r->size : hi;
		}
		cpu_list(cpus, sizeof(cpus), nid, nr_cpus);
		printk("NUMA: node %u: [mem 0x%016llx-0x%016llx] %llu MiB of RAM, CPUs %s\n", nid,
		       (unsigned long long)lo, (unsigned long long)(hi - 1),
		       (unsigned long long)(ram >> 20), cpus);
	}
	printk("node distances:\nnode ");
	for (uint32_t b = 0; b < bi->nr_nodes; b++)
		if ((numa_topo.node_mask >> b) & 1)
			printk("%4u", b);
	printk("\n");
	for (uint32_t a = 0; a < bi->nr_nodes; a++) {
		if (!((numa_topo.node_mask >> a) & 1))
			continue;
		printk("%4u:", a);
		for (uint32_t b = 0; b < bi->nr_nodes; b++)
			if ((numa_topo.node_mask >> b) & 1)
				printk("%4u", bi->distance[a][b]);
		printk("\n");
	}
}

unsigned numa_boot(struct mneme_boot_info *bi, unsigned nr_cpus)
{
	static uint64_t hwid[CORE_MAX_CPUS];
	static char why[192];
	const char *err;
	bool none;

	numa_firmware_init(&numa_fw, "firmware");
	arch_numa_firmware(&numa_fw);
	for (unsigned i = 0; i < nr_cpus; i++)
		hwid[i] = cpu_table[i].hwid;
	err = numa_check(&numa_fw, bi, hwid, nr_cpus, &numa_topo, &none, why, sizeof(why));
	if (err)
		printk("NUMA: %s: %s: falling back to one node\n", numa_fw.source, err);
	else if (none)
		printk("NUMA: no NUMA configuration in the firmware: one node\n");
	if (numa_apply(bi, &numa_fw, &numa_topo)) {
		printk("NUMA: the memory map cannot hold the node boundaries: falling back to one node\n");
		numa_single_node(&numa_topo, nr_cpus);
	}
	for (unsigned i = 0; i < nr_cpus; i++)
		cpu_table[i].node = bi->cpu_node[i];
	if (!err && !none)
		numa_print(bi, nr_cpus);
	return (unsigned)__builtin_popcountll(numa_topo.node_mask);
}
