/*
 * NUMA topology on riscv64: the device tree's numa-node-id properties of
 * memory and cpu nodes and its /distance-map (Linux's
 * numa-distance-map-v1 binding), as core/dt.c recorded them with the rest
 * of the tree, turned into core/numa.c's form.
 *
 * numa-node-id is the node id itself.  The distance-map's entries name
 * pairs of nodes; an entry (a, b) also gives (b, a) unless the map gives
 * that one too (Linux's rule), and pairs it leaves out keep the default
 * distance.  Malformed properties (numa-node-id not one cell, a matrix that
 * is not whole triplets) make the topology unusable: core/numa.c then
 * reports and falls back to one node.
 */
#include <arch/arch.h>
#include <core/dt.h>
#include <core/numa.h>
#include <core/printk.h>

extern struct dt_machine riscv_dt_machine;   /* boot.c: the tree arch_firmware_map() read */

static const char *collect_memory(struct numa_firmware *fw, const struct dt_machine *m)
{
	for (uint32_t i = 0; i < m->nr_mem && i < DT_MAX_MEM; i++) {
		const struct dt_mem *e = &m->mem[i];
		if (e->has_nid == DT_NID_BAD)
			return "a memory node's numa-node-id is not one cell";
		if (e->has_nid != DT_NID_OK || !e->size)
			continue;
		if (fw->nr_memblks == NUMA_MAX_MEMBLKS)
			return "more memory ranges than the core keeps";
		fw->memblk[fw->nr_memblks++] = (struct numa_memblk){ e->base, e->size, e->nid };
	}
	return NULL;
}

static void collect_cpus(struct numa_firmware *fw, const struct dt_machine *m)
{
	uint32_t n = m->nr_cpu_nodes < DT_MAX_CPUS ? m->nr_cpu_nodes : DT_MAX_CPUS;

	for (uint32_t i = 0; i < n && fw->nr_cpus < NUMA_MAX_CPUS; i++) {
		const struct dt_cpu *c = &m->cpu[i];
		if ((c->flags & DT_CPUF_REG_OK) && (c->flags & DT_CPUF_NID_OK))
			fw->cpu[fw->nr_cpus++] = (struct numa_cpu){ c->hartid, c->nid };
	}
}

static const char *collect_distances(struct numa_firmware *fw, const struct dt_machine *m)
{
	static uint8_t given[MNEME_BOOTINFO_MAX_NODES][MNEME_BOOTINFO_MAX_NODES];

	if (m->distance_map == DT_DISTMAP_NONE)
		return NULL;
	if (m->distance_map == DT_DISTMAP_BAD)
		return "/distance-map has no distance-matrix of whole (node, node, distance) triplets";
	__builtin_memset(given, 0, sizeof(given));
	for (uint32_t i = 0; i < m->nr_distances; i++) {
		const struct dt_distance *d = &m->distance[i];
		if (d->from >= MNEME_BOOTINFO_MAX_NODES || d->to >= MNEME_BOOTINFO_MAX_NODES)
			return "/distance-map names a node beyond the node limit";
		fw->distance[d->from][d->to] = d->distance;
		fw->dist_set[d->from][d->to] = 1;
		given[d->from][d->to] = 1;
	}
	for (uint32_t a = 0; a < MNEME_BOOTINFO_MAX_NODES; a++)
		for (uint32_t b = 0; b < MNEME_BOOTINFO_MAX_NODES; b++)
			if (given[a][b] && !given[b][a]) {
				fw->distance[b][a] = fw->distance[a][b];
				fw->dist_set[b][a] = 1;
			}
	fw->has_distance = true;
	return NULL;
}

void arch_numa_firmware(struct numa_firmware *fw)
{
	const struct dt_machine *m = &riscv_dt_machine;
	const char *err;

	fw->source = "device tree";
	err = collect_memory(fw, m);
	if (!err) {
		collect_cpus(fw, m);
		err = collect_distances(fw, m);
	}
	fw->error = err;
	if (!err && fw->has_distance)
		printk("NUMA: device tree: %u entries in /distance-map\n", m->nr_distances);
}
