/*
 * NUMA topology from the firmware, checked (see core/numa.h).
 *
 * Decode, then perform: numa_check() reads the firmware's affinities and
 * distances and the boot map and changes nothing; numa_apply() writes
 * node ids into the map and the topology into the boot info only once
 * the whole topology was judged usable.  Generic and freestanding: the
 * host tests run it on crafted and random topologies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <core/memmap.h>
#include <core/numa.h>
#include <mneme/error.h>

/* The system's formatter (userland/lib/format.c in the core, libc on the host). */
int snprintf(char *buf, size_t size, const char *fmt, ...);

#define NUMA_NONE 0xffffffffu

void numa_firmware_init(struct numa_firmware *fw, const char *source)
{
	__builtin_memset(fw, 0, sizeof(*fw));
	fw->source = source;
}

void numa_single_node(struct numa_topology *t, uint32_t nr_cpus)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->nr_nodes = 1;
	t->node_mask = 1;
	t->nr_cpus = nr_cpus;
	t->distance[0][0] = MNEME_LOCAL_DISTANCE;
}

/* RAM as the memory server counts it: everything but holes and bad memory. */
static bool numa_is_ram(uint32_t type)
{
	return type != MNEME_MEM_FIRMWARE && type != MNEME_MEM_UNUSABLE;
}

static uint64_t memblk_end(const struct numa_memblk *m)
{
	return m->base + m->size;
}

/* The node of the affinity holding @pa, or NUMA_NONE; *@next: where that answer may change. */
static uint32_t numa_node_at(const struct numa_firmware *fw, uint64_t pa, uint64_t *next)
{
	uint32_t nid = NUMA_NONE;

	*next = UINT64_MAX;
	for (uint32_t i = 0; i < fw->nr_memblks; i++) {
		const struct numa_memblk *m = &fw->memblk[i];
		if (pa >= m->base && pa < memblk_end(m)) {
			nid = m->nid;
			if (memblk_end(m) < *next)
				*next = memblk_end(m);
		} else if (m->base > pa && m->base < *next) {
			*next = m->base;
		}
	}
	return nid;
}

/* Each affinity well-formed, node ids in range, no two nodes overlapping. */
static const char *check_memblks(const struct numa_firmware *fw, char *why, unsigned len)
{
	for (uint32_t i = 0; i < fw->nr_memblks; i++) {
		const struct numa_memblk *a = &fw->memblk[i];
		if (a->nid >= MNEME_BOOTINFO_MAX_NODES) {
			snprintf(why, len, "memory [mem 0x%016llx-0x%016llx] names node %u, beyond the "
				 "limit of %u nodes", (unsigned long long)a->base,
				 (unsigned long long)(memblk_end(a) - 1), a->nid, MNEME_BOOTINFO_MAX_NODES);
			return why;
		}
		if (!a->size || a->size > UINT64_MAX - a->base) {
			snprintf(why, len, "memory affinity %u of node %u is empty or wraps", i, a->nid);
			return why;
		}
		for (uint32_t j = 0; j < i; j++) {
			const struct numa_memblk *b = &fw->memblk[j];
			if (a->nid != b->nid && a->base < memblk_end(b) && b->base < memblk_end(a)) {
				snprintf(why, len, "node %u [mem 0x%016llx-0x%016llx] overlaps node %u "
					 "[mem 0x%016llx-0x%016llx]", a->nid, (unsigned long long)a->base,
					 (unsigned long long)(memblk_end(a) - 1), b->nid,
					 (unsigned long long)b->base, (unsigned long long)(memblk_end(b) - 1));
				return why;
			}
		}
	}
	return NULL;
}

/* Every byte of RAM in one node's affinity; the nodes that have RAM into *@mask. */
static const char *check_ram_covered(const struct numa_firmware *fw, const struct mneme_boot_info *bi,
				     uint64_t *mask, char *why, unsigned len)
{
	*mask = 0;
	for (uint32_t i = 0; i < bi->nr_ranges; i++) {
		const struct mneme_mem_range *r = &bi->ranges[i];
		uint64_t pa = r->base, end = r->base + r->size, next;
		if (!numa_is_ram(r->type))
			continue;
		while (pa < end) {
			uint32_t nid = numa_node_at(fw, pa, &next);
			if (nid == NUMA_NONE) {
				uint64_t last = (next < end ? next : end) - 1;
				snprintf(why, len, "RAM [mem 0x%016llx-0x%016llx] is in no node's memory "
					 "affinity", (unsigned long long)pa, (unsigned long long)last);
				return why;
			}
			*mask |= 1ull << nid;
			if (next <= pa)
				break;
			pa = next;
		}
	}
	return NULL;
}

/* The node of the CPU with firmware id @hwid: its first affinity, or NUMA_NONE. */
static uint32_t numa_cpu_node(const struct numa_firmware *fw, uint64_t hwid)
{
	for (uint32_t i = 0; i < fw->nr_cpus; i++)
		if (fw->cpu[i].hwid == hwid)
			return fw->cpu[i].nid;
	return NUMA_NONE;
}

static const char *check_cpus(const struct numa_firmware *fw, const uint64_t *hwid, uint32_t nr_cpus,
			      struct numa_topology *t, char *why, unsigned len)
{
	if (nr_cpus > MNEME_BOOTINFO_MAX_CPUS) {
		snprintf(why, len, "%u CPUs, more than the boot info describes (%u)", nr_cpus,
			 MNEME_BOOTINFO_MAX_CPUS);
		return why;
	}
	for (uint32_t i = 0; i < nr_cpus; i++) {
		uint32_t nid = numa_cpu_node(fw, hwid[i]);
		if (nid == NUMA_NONE) {
			snprintf(why, len, "CPU %u (firmware id %llu) is in no node", i,
				 (unsigned long long)hwid[i]);
			return why;
		}
		if (nid >= MNEME_BOOTINFO_MAX_NODES || !((t->node_mask >> nid) & 1)) {
			snprintf(why, len, "CPU %u (firmware id %llu) names node %u, which has no memory",
				 i, (unsigned long long)hwid[i], nid);
			return why;
		}
		t->cpu_node[i] = (uint8_t)nid;
	}
	t->nr_cpus = nr_cpus;
	return NULL;
}

/* The distance from @a to @b: the table's, or the default. */
static uint32_t fw_distance(const struct numa_firmware *fw, uint32_t a, uint32_t b)
{
	if (fw->has_distance && fw->dist_set[a][b])
		return fw->distance[a][b];
	return a == b ? MNEME_LOCAL_DISTANCE : MNEME_REMOTE_DISTANCE;
}

static const char *check_distances(const struct numa_firmware *fw, struct numa_topology *t,
				   char *why, unsigned len)
{
	for (uint32_t a = 0; a < MNEME_BOOTINFO_MAX_NODES; a++)
		for (uint32_t b = 0; b < MNEME_BOOTINFO_MAX_NODES; b++) {
			bool exist = ((t->node_mask >> a) & 1) && ((t->node_mask >> b) & 1);
			uint32_t d = fw_distance(fw, a, b), back = fw_distance(fw, b, a);
			if (fw->has_distance && fw->dist_set[a][b] && !exist) {
				snprintf(why, len, "the distance table names node %u to node %u, and node %u "
					 "has no memory", a, b, ((t->node_mask >> a) & 1) ? b : a);
				return why;
			}
			if (!exist)
				continue;
			if (a == b && d != MNEME_LOCAL_DISTANCE) {
				snprintf(why, len, "distance from node %u to itself is %u, not %u", a, d,
					 MNEME_LOCAL_DISTANCE);
				return why;
			}
			if (a != b && (d <= MNEME_LOCAL_DISTANCE || d > 255)) {
				snprintf(why, len, "distance from node %u to node %u is %u (it must be %u..255)",
					 a, b, d, MNEME_LOCAL_DISTANCE + 1);
				return why;
			}
			if (d != back) {
				snprintf(why, len, "distances are asymmetric: node %u to node %u is %u, back %u",
					 a, b, d, back);
				return why;
			}
			t->distance[a][b] = (uint8_t)d;
		}
	return NULL;
}

/* Node ids that exist have distances; ids in between (no memory) get the defaults. */
static void fill_unused_distances(struct numa_topology *t)
{
	for (uint32_t a = 0; a < t->nr_nodes; a++)
		for (uint32_t b = 0; b < t->nr_nodes; b++)
			if (!t->distance[a][b])
				t->distance[a][b] = a == b ? MNEME_LOCAL_DISTANCE : MNEME_REMOTE_DISTANCE;
}

const char *numa_check(const struct numa_firmware *fw, const struct mneme_boot_info *bi,
		       const uint64_t *hwid, uint32_t nr_cpus, struct numa_topology *t,
		       bool *none, char *why, unsigned len)
{
	const char *err;

	*none = false;
	numa_single_node(t, nr_cpus);
	if (fw->error) {
		snprintf(why, len, "%s", fw->error);
		return why;
	}
	if (!fw->nr_memblks && !fw->nr_cpus && !fw->has_distance) {
		*none = true;
		return NULL;
	}
	if (!fw->nr_memblks) {
		snprintf(why, len, "no memory affinity at all");
		return why;
	}
	struct numa_topology v;
	__builtin_memset(&v, 0, sizeof(v));
	err = check_memblks(fw, why, len);
	if (!err)
		err = check_ram_covered(fw, bi, &v.node_mask, why, len);
	if (!err && !v.node_mask) {
		snprintf(why, len, "no node has RAM");
		err = why;
	}
	if (!err)
		err = check_cpus(fw, hwid, nr_cpus, &v, why, len);
	if (!err)
		err = check_distances(fw, &v, why, len);
	if (err)
		return err;
	v.nr_nodes = 64 - (uint32_t)__builtin_clzll(v.node_mask);
	fill_unused_distances(&v);
	*t = v;
	return NULL;
}

/* Give [base, base + size) node @nid in @r, splitting at its ends (map stays sanitised). */
static int set_node(struct mneme_mem_range *r, uint32_t *nr, uint32_t max, uint64_t base,
		    uint64_t size, uint32_t nid)
{
	uint64_t end = base + size;
	uint32_t n = *nr;

	/* split the ranges straddling base or end (at most two more entries) */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t rb = r[i].base, re = r[i].base + r[i].size;
		uint64_t cut = rb < base && base < re ? base : rb < end && end < re ? end : 0;
		if (!cut)
			continue;
		if (*nr >= max)
			return -MNEME_ENOMEM;
		r[*nr] = r[i];
		r[*nr].base = cut;
		r[*nr].size = re - cut;
		r[i].size = cut - rb;
		(*nr)++;
		i--;            /* the shortened range may straddle the other end too */
		n = *nr;
	}
	for (uint32_t i = 0; i < *nr; i++)
		if (r[i].base >= base && r[i].base + r[i].size <= end)
			r[i].nid = nid;
	return 0;
}

static int numa_set_ranges(struct mneme_mem_range *r, uint32_t *nr, uint32_t max,
			   const struct numa_firmware *fw, const struct numa_topology *t)
{
	int err = 0;

	for (uint32_t i = 0; i < *nr; i++)
		r[i].nid = 0;
	if (t->nr_nodes == 1 && t->node_mask == 1)
		return memmap_sanitize(r, nr, max);
	for (uint32_t i = 0; !err && i < fw->nr_memblks; i++) {
		err = set_node(r, nr, max, fw->memblk[i].base, fw->memblk[i].size, fw->memblk[i].nid);
		if (!err)
			err = memmap_sanitize(r, nr, max);
	}
	return err;
}

int numa_apply(struct mneme_boot_info *bi, const struct numa_firmware *fw,
	       const struct numa_topology *t)
{
	static struct mneme_mem_range copy[MNEME_BOOTINFO_MAX_RANGES];
	struct numa_topology one;
	uint32_t nr = bi->nr_ranges;
	int err;

	__builtin_memcpy(copy, bi->ranges, sizeof(copy));
	err = numa_set_ranges(copy, &nr, MNEME_BOOTINFO_MAX_RANGES, fw, t);
	if (err) {
		numa_single_node(&one, t->nr_cpus);
		t = &one;
		nr = bi->nr_ranges;
		__builtin_memcpy(copy, bi->ranges, sizeof(copy));
		numa_set_ranges(copy, &nr, MNEME_BOOTINFO_MAX_RANGES, fw, t);
	}
	__builtin_memcpy(bi->ranges, copy, sizeof(copy));
	bi->nr_ranges = nr;
	bi->nr_nodes = t->nr_nodes;
	__builtin_memset(bi->cpu_node, 0, sizeof(bi->cpu_node));
	__builtin_memset(bi->distance, 0, sizeof(bi->distance));
	for (uint32_t i = 0; i < t->nr_cpus && i < MNEME_BOOTINFO_MAX_CPUS; i++)
		bi->cpu_node[i] = t->cpu_node[i];
	for (uint32_t a = 0; a < t->nr_nodes; a++)
		for (uint32_t b = 0; b < t->nr_nodes; b++)
			bi->distance[a][b] = t->distance[a][b];
	return err;
}
