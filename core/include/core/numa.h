/*
 * NUMA topology: what the firmware says about nodes, checked and turned
 * into the boot info's node ids, CPU nodes and distance matrix.
 *
 * The architecture reads its firmware's tables (x86_64: the ACPI SRAT and
 * SLIT; riscv64: numa-node-id and /distance-map in the device tree) into
 * a struct numa_firmware, node ids already assigned (an ACPI proximity
 * domain becomes the next free id in table order, as Linux numbers them;
 * a device tree's numa-node-id is the id).  numa_check() then judges it as
 * a whole, generic and freestanding (host-tested), and numa_apply() writes
 * the result into the boot info.
 *
 * What is checked.  A node exists when it has RAM (a memory affinity
 * covering some RAM of the boot map).  Then:
 *   - every node id is below MNEME_BOOTINFO_MAX_NODES;
 *   - memory affinities of different nodes do not overlap;
 *   - every byte of RAM in the boot map lies in some node's affinity
 *     (none is dropped or guessed);
 *   - every CPU the core runs on has an affinity naming an existing node;
 *   - a given distance is MNEME_LOCAL_DISTANCE from a node to itself,
 *     above it between two nodes, at most 255, the same both ways, and
 *     names existing nodes only; pairs the firmware leaves out are
 *     MNEME_REMOTE_DISTANCE (Linux's default).
 * Anything else is reported with the reason and the system runs with one
 * node (every range on node 0): RAM is never lost over bad tables.
 */
#ifndef CORE_NUMA_H
#define CORE_NUMA_H

#include <stdbool.h>
#include <stdint.h>
#include <mneme/bootinfo.h>

#define NUMA_MAX_MEMBLKS 128   /* memory affinities kept */
#define NUMA_MAX_CPUS    256   /* processor affinities kept */

/* A memory affinity: [base, base + size) is on node @nid. */
struct numa_memblk {
	uint64_t base, size;
	uint32_t nid;
};

/* A processor affinity: the CPU whose firmware id is @hwid is on node @nid. */
struct numa_cpu {
	uint64_t hwid;
	uint32_t nid;
};

/* What the architecture found, before judgement. */
struct numa_firmware {
	const char *source;                /* "SRAT", "device tree": for messages */
	const char *error;                 /* the architecture's reason the tables are unusable */
	uint32_t nr_memblks;
	struct numa_memblk memblk[NUMA_MAX_MEMBLKS];
	uint32_t nr_cpus;
	struct numa_cpu cpu[NUMA_MAX_CPUS];
	bool has_distance;                 /* a distance table was given */
	/* dist_set[a][b]: the table gives distance[a][b] */
	uint8_t dist_set[MNEME_BOOTINFO_MAX_NODES][MNEME_BOOTINFO_MAX_NODES];
	uint32_t distance[MNEME_BOOTINFO_MAX_NODES][MNEME_BOOTINFO_MAX_NODES];
};

/* The verdict: the topology the boot info will carry. */
struct numa_topology {
	uint32_t nr_nodes;                 /* highest existing node id + 1 */
	uint64_t node_mask;                /* nodes with RAM */
	uint32_t nr_cpus;
	uint8_t cpu_node[MNEME_BOOTINFO_MAX_CPUS];
	uint8_t distance[MNEME_BOOTINFO_MAX_NODES][MNEME_BOOTINFO_MAX_NODES];
};

/* Reset @fw to "nothing found" (no error). */
void numa_firmware_init(struct numa_firmware *fw, const char *source);

/*
 * numa_check - judge @fw against the boot map @bi (its RAM ranges) and the
 * @nr_cpus CPUs the core runs on, whose firmware ids are @hwid[0..).
 * Returns NULL and fills *@t, or the reason the topology cannot be used
 * (written into @why, @len bytes; *@t is then the one-node fallback).
 * A firmware with no affinity at all and no error is not an error: one
 * node, returns NULL with t->nr_nodes == 1 and *@none set.
 */
const char *numa_check(const struct numa_firmware *fw, const struct mneme_boot_info *bi,
		       const uint64_t *hwid, uint32_t nr_cpus, struct numa_topology *t,
		       bool *none, char *why, unsigned len);

/* The one-node topology for @nr_cpus CPUs. */
void numa_single_node(struct numa_topology *t, uint32_t nr_cpus);

/*
 * numa_apply - give every range of @bi the node of the affinity covering
 * it (splitting ranges at affinity boundaries; all node 0 for a one-node
 * @t) and copy @t's CPU nodes and distances into @bi.  Returns 0, or
 * -MNEME_ENOMEM if the split map does not fit (then @bi is unchanged but
 * for the one-node topology, which always fits).
 */
int numa_apply(struct mneme_boot_info *bi, const struct numa_firmware *fw,
	       const struct numa_topology *t);

/*
 * The boot CPU, in smp_boot() once cpu_table[0 .. @nr_cpus) have their
 * hardware ids and before any other CPU starts: read, judge, apply and
 * print the topology; every CPU's node field is set.  Returns the number
 * of nodes with memory (at least 1).
 */
unsigned numa_boot(struct mneme_boot_info *bi, unsigned nr_cpus);

#endif
