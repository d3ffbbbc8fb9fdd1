/*
 * Host tests of core/numa.c: the topology checks and their application
 * to the boot map, under ASan and UBSan.
 *
 *   numa_test [ROUNDS]
 *
 * Crafted cases: no topology (one node, quietly); good two- and
 * four-node topologies (CPU nodes, distances, defaults for pairs left out,
 * sparse node ids) and their maps split at node boundaries; every kind of
 * bad table (node id out of range, overlapping nodes, RAM in no node, a
 * CPU without a node or on a node without memory, distances to self not
 * 10, zero, at most 10, asymmetric, naming a node without memory, an
 * error the architecture found), each with its reason and the one-node
 * fallback.  Random: maps from random ranges, split into random node
 * partitions, must keep every byte's type and give each RAM byte its
 * node; a map too full to split falls back to one node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <core/memmap.h>
#include <core/numa.h>

static int failures;

#define CHECK(c, ...)                                                                    \
	do {                                                                             \
		if (!(c)) {                                                              \
			fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #c); \
			fprintf(stderr, __VA_ARGS__);                                    \
			fprintf(stderr, "\n");                                           \
			failures++;                                                      \
		}                                                                        \
	} while (0)

#define GiB (1ull << 30)
#define MiB (1ull << 20)

static struct numa_firmware fw;
static struct mneme_boot_info bi;
static uint64_t hwid[MNEME_BOOTINFO_MAX_CPUS + 8];

static void map_reset(void)
{
	memset(&bi, 0, sizeof(bi));
	bi.magic = MNEME_BOOTINFO_MAGIC;
	bi.version = MNEME_BOOTINFO_VERSION;
	bi.size = sizeof(bi);
}

static void map_add(uint64_t base, uint64_t size, uint32_t type)
{
	bi.ranges[bi.nr_ranges++] = (struct mneme_mem_range){ base, size, type, 0 };
}

/* A QEMU q35-like map of @ram bytes: low RAM to 2 GiB (or less), the hole, the rest above 4 GiB. */
static void map_q35(uint64_t ram)
{
	uint64_t low = ram < 2 * GiB ? ram : 2 * GiB;

	map_reset();
	map_add(0, 0x9fc00, MNEME_MEM_USABLE);
	map_add(0x9fc00, 0x400, MNEME_MEM_FIRMWARE);
	map_add(0xf0000, 0x10000, MNEME_MEM_FIRMWARE);
	map_add(MiB, 2 * MiB, MNEME_MEM_USABLE);
	map_add(3 * MiB, 4 * MiB, MNEME_MEM_CORE);
	map_add(7 * MiB, low - 7 * MiB - 0x21000, MNEME_MEM_USABLE);
	map_add(low - 0x21000, 0x21000, MNEME_MEM_FIRMWARE);
	map_add(0xb0000000, 0x10000000, MNEME_MEM_FIRMWARE);
	if (ram > low)
		map_add(4 * GiB, ram - low, MNEME_MEM_USABLE);
}

static void fw_reset(void)
{
	numa_firmware_init(&fw, "test");
}

static void memblk(uint64_t base, uint64_t size, uint32_t nid)
{
	fw.memblk[fw.nr_memblks++] = (struct numa_memblk){ base, size, nid };
}

static void cpu(uint64_t id, uint32_t nid)
{
	fw.cpu[fw.nr_cpus++] = (struct numa_cpu){ id, nid };
}

static void dist(uint32_t a, uint32_t b, uint32_t d)
{
	fw.has_distance = true;
	fw.distance[a][b] = d;
	fw.dist_set[a][b] = 1;
}

static const char *check(uint32_t nr_cpus, struct numa_topology *t, bool *none)
{
	static char why[256];

	for (uint32_t i = 0; i < nr_cpus; i++)
		hwid[i] = i;
	return numa_check(&fw, &bi, hwid, nr_cpus, t, none, why, sizeof(why));
}

static bool is_ram(uint32_t type)
{
	return type != MNEME_MEM_FIRMWARE && type != MNEME_MEM_UNUSABLE;
}

/* The node the firmware gives @pa, or -1. */
static int fw_node(uint64_t pa)
{
	for (uint32_t i = 0; i < fw.nr_memblks; i++)
		if (pa >= fw.memblk[i].base && pa - fw.memblk[i].base < fw.memblk[i].size)
			return (int)fw.memblk[i].nid;
	return -1;
}

/* @after is @before with node ids: same bytes, same types; RAM on its affinity's node (or 0). */
static void check_applied(const struct mneme_boot_info *before, const struct mneme_boot_info *after,
			  bool one_node, const char *what)
{
	for (uint32_t t = MNEME_MEM_USABLE; t < MNEME_MEM_TYPE_MAX; t++)
		CHECK(memmap_total(before->ranges, before->nr_ranges, t) ==
		      memmap_total(after->ranges, after->nr_ranges, t), "%s: type %u bytes changed", what, t);
	for (uint32_t i = 0; i < after->nr_ranges; i++) {
		const struct mneme_mem_range *r = &after->ranges[i];
		CHECK(r->size > 0, "%s: empty range", what);
		if (i)
			CHECK(r[-1].base + r[-1].size <= r->base, "%s: ranges %u/%u unsorted", what, i - 1, i);
		if (one_node) {
			CHECK(r->nid == 0, "%s: range %u on node %u with one node", what, i, r->nid);
			continue;
		}
		if (!is_ram(r->type))
			continue;
		/* a RAM range lies in one affinity: its first and last byte agree */
		int first = fw_node(r->base), last = fw_node(r->base + r->size - 1);
		CHECK(first == (int)r->nid && last == (int)r->nid,
		      "%s: [%#llx+%#llx) on node %u, affinities say %d..%d", what,
		      (unsigned long long)r->base, (unsigned long long)r->size, r->nid, first, last);
	}
}

static void test_none(void)
{
	struct numa_topology t;
	bool none;

	map_q35(GiB);
	fw_reset();
	CHECK(!check(4, &t, &none) && none && t.nr_nodes == 1 && t.node_mask == 1, "no topology");
	struct mneme_boot_info before = bi;
	CHECK(!numa_apply(&bi, &fw, &t), "apply");
	CHECK(bi.nr_nodes == 1 && bi.distance[0][0] == 10 && bi.cpu_node[3] == 0, "one node");
	check_applied(&before, &bi, true, "none");
}

static void test_two_nodes(void)
{
	struct numa_topology t;
	bool none;
	const char *err;

	/* 4 GiB: node 0 = low RAM below 1 GiB, node 1 = the rest (above 1 GiB and above 4 GiB) */
	map_q35(4 * GiB);
	fw_reset();
	memblk(0, 0xa0000, 0);
	memblk(MiB, GiB - MiB, 0);
	memblk(GiB, GiB, 1);
	memblk(4 * GiB, 2 * GiB, 1);
	cpu(0, 0), cpu(1, 0), cpu(2, 1), cpu(3, 1), cpu(99, 1);   /* an unused CPU is fine */
	dist(0, 0, 10), dist(0, 1, 21), dist(1, 0, 21), dist(1, 1, 10);
	err = check(4, &t, &none);
	CHECK(!err && !none, "%s", err ? err : "none");
	CHECK(t.nr_nodes == 2 && t.node_mask == 3, "nodes %u mask %#llx", t.nr_nodes,
	      (unsigned long long)t.node_mask);
	CHECK(t.cpu_node[0] == 0 && t.cpu_node[1] == 0 && t.cpu_node[2] == 1 && t.cpu_node[3] == 1, "cpus");
	CHECK(t.distance[0][1] == 21 && t.distance[1][0] == 21 && t.distance[1][1] == 10, "distances");
	struct mneme_boot_info before = bi;
	CHECK(!numa_apply(&bi, &fw, &t), "apply");
	check_applied(&before, &bi, false, "two nodes");
	CHECK(bi.nr_nodes == 2 && bi.cpu_node[2] == 1 && bi.distance[0][1] == 21, "boot info");
	CHECK(bi.nr_ranges == before.nr_ranges + 1, "one range split at 1 GiB (%u -> %u)",
	      before.nr_ranges, bi.nr_ranges);

	/* no distances: the defaults */
	map_q35(4 * GiB);
	memset(fw.dist_set, 0, sizeof(fw.dist_set));
	fw.has_distance = false;
	CHECK(!check(4, &t, &none) && t.distance[0][1] == 20 && t.distance[0][0] == 10, "defaults");
	/* one direction given: the other is missing, so asymmetric */
	dist(0, 1, 30);
	err = check(4, &t, &none);
	CHECK(err && strstr(err, "asymmetric"), "%s", err ? err : "accepted");
	/* the same node's affinities may overlap */
	map_q35(4 * GiB);
	fw_reset();
	memblk(0, 2 * GiB, 0);
	memblk(GiB, GiB, 0);
	memblk(4 * GiB, 2 * GiB, 0);
	cpu(0, 0);
	CHECK(!check(1, &t, &none) && t.nr_nodes == 1 && !none, "overlap within a node");
}

/* Sparse ids and four nodes with distances that differ pair by pair (the riscv test's shape). */
static void test_four_nodes(void)
{
	static const uint8_t d[4][4] = {
		{ 10, 20, 30, 40 }, { 20, 10, 20, 30 }, { 30, 20, 10, 20 }, { 40, 30, 20, 10 } };
	struct numa_topology t;
	bool none;

	map_reset();
	map_add(0x80000000, 4 * GiB, MNEME_MEM_USABLE);
	map_add(0x80000000, 0x80000, MNEME_MEM_NOMAP);
	memmap_sanitize(bi.ranges, &bi.nr_ranges, MNEME_BOOTINFO_MAX_RANGES);
	fw_reset();
	for (uint32_t n = 0; n < 4; n++) {
		memblk(0x80000000 + n * GiB, GiB, n);
		cpu(n, n);
		for (uint32_t m = 0; m < 4; m++)
			dist(n, m, d[n][m]);
	}
	CHECK(!check(4, &t, &none), "four nodes");
	for (uint32_t n = 0; n < 4; n++)
		for (uint32_t m = 0; m < 4; m++)
			CHECK(t.distance[n][m] == d[n][m], "distance %u-%u", n, m);
	struct mneme_boot_info before = bi;
	CHECK(!numa_apply(&bi, &fw, &t), "apply");
	check_applied(&before, &bi, false, "four nodes");

	/* ids 0 and 2 only: three ids, node 1 without memory */
	map_reset();
	map_add(0x80000000, 2 * GiB, MNEME_MEM_USABLE);
	fw_reset();
	memblk(0x80000000, GiB, 0);
	memblk(0xc0000000, GiB, 2);
	cpu(0, 0), cpu(1, 2);
	dist(0, 2, 25), dist(2, 0, 25);
	CHECK(!check(2, &t, &none) && t.nr_nodes == 3 && t.node_mask == 5, "sparse ids");
	CHECK(t.distance[0][2] == 25 && t.distance[1][1] == 10 && t.distance[0][1] == 20, "sparse distances");
}

/* A bad topology: the reason names @want, and the verdict is one node. */
static void expect_bad(uint32_t nr_cpus, const char *want, const char *what)
{
	struct numa_topology t;
	bool none;
	const char *err = check(nr_cpus, &t, &none);

	CHECK(err && strstr(err, want), "%s: \"%s\", expected \"%s\"", what, err ? err : "(accepted)", want);
	CHECK(t.nr_nodes == 1 && t.node_mask == 1 && !none, "%s: not one node", what);
	struct mneme_boot_info before = bi;
	CHECK(!numa_apply(&bi, &fw, &t), "%s: apply", what);
	check_applied(&before, &bi, true, what);
	if (err)
		printf("numa: %s: %s\n", what, err);
}

/* Two good nodes on a 2 GiB map, to be spoiled by each case. */
static void good_two(void)
{
	map_q35(2 * GiB);
	fw_reset();
	memblk(0, GiB, 0);
	memblk(GiB, GiB, 1);
	cpu(0, 0), cpu(1, 1);
	dist(0, 0, 10), dist(0, 1, 20), dist(1, 0, 20), dist(1, 1, 10);
}

static void test_bad(void)
{
	good_two();
	fw.memblk[1].nid = MNEME_BOOTINFO_MAX_NODES;
	expect_bad(2, "beyond the limit", "node id too large");
	good_two();
	fw.memblk[1].base -= MiB;
	expect_bad(2, "overlaps node", "overlapping nodes");
	good_two();
	fw.memblk[0].base += 4096;
	fw.memblk[0].size -= 4096;
	expect_bad(2, "in no node's memory affinity", "RAM without a node");
	good_two();
	fw.memblk[0].size = 0;
	expect_bad(2, "empty or wraps", "empty affinity");
	good_two();
	fw.memblk[0].base = ~0ull - 10;
	expect_bad(2, "empty or wraps", "wrapping affinity");
	good_two();
	fw.nr_cpus = 1;
	expect_bad(2, "is in no node", "CPU without a node");
	good_two();
	fw.cpu[1].nid = 3;
	expect_bad(2, "has no memory", "CPU on a node without memory");
	good_two();
	fw.distance[1][1] = 20;
	expect_bad(2, "to itself", "distance to self");
	good_two();
	fw.distance[0][1] = fw.distance[1][0] = 0;
	expect_bad(2, "must be", "zero distance");
	good_two();
	fw.distance[0][1] = fw.distance[1][0] = 10;
	expect_bad(2, "must be", "distance 10 between nodes");
	good_two();
	fw.distance[0][1] = fw.distance[1][0] = 300;
	expect_bad(2, "must be", "distance above 255");
	good_two();
	fw.distance[0][1] = 21;
	expect_bad(2, "asymmetric", "asymmetric distances");
	good_two();
	dist(0, 5, 30);
	expect_bad(2, "has no memory", "distance to a node without memory");
	good_two();
	fw.error = "the SRAT is not valid (bad checksum)";
	expect_bad(2, "bad checksum", "the architecture's error");
	good_two();
	fw.nr_memblks = 0;
	expect_bad(2, "no memory affinity", "CPUs but no memory affinity");
	good_two();
	expect_bad(MNEME_BOOTINFO_MAX_CPUS + 1, "more than the boot info", "too many CPUs");
}

static uint64_t rnd(void)
{
	static uint64_t x = 88172645463325252ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/* Random maps, random partitions into nodes: applied maps keep bytes and types. */
static void test_random(unsigned rounds)
{
	unsigned good = 0, full = 0;

	for (unsigned round = 0; round < rounds; round++) {
		struct numa_topology t;
		bool none;
		uint32_t nodes = 1 + (uint32_t)(rnd() % 6), n = 1 + (uint32_t)(rnd() % 120);

		map_reset();
		for (uint32_t i = 0; i < n; i++)
			map_add((rnd() % 4096) << 20, 1 + (rnd() % 512) * MiB / (1 + rnd() % 8),
				1 + (uint32_t)(rnd() % (MNEME_MEM_TYPE_MAX - 1)));
		if (memmap_sanitize(bi.ranges, &bi.nr_ranges, MNEME_BOOTINFO_MAX_RANGES))
			continue;
		/* cut [0, 5 GiB) at random points into pieces of random nodes */
		fw_reset();
		uint64_t at = 0;
		while (at < 5 * GiB && fw.nr_memblks < 40) {
			uint64_t len = rnd() % 2 ? (rnd() % 1024) << 20 : 1 + rnd() % (64 * MiB);
			if (!len || fw.nr_memblks == 39)
				len = 5 * GiB - at;
			memblk(at, len, (uint32_t)(rnd() % nodes));
			at += len;
		}
		for (uint32_t c = 0; c < 4; c++)
			cpu(c, fw.memblk[rnd() % fw.nr_memblks].nid);
		const char *err = check(4, &t, &none);
		struct mneme_boot_info before = bi;
		int aerr = numa_apply(&bi, &fw, &t);
		if (aerr) {
			full++;
			check_applied(&before, &bi, true, "random (full)");
			CHECK(bi.nr_nodes == 1, "full map: one node");
			continue;
		}
		if (err) {   /* a CPU on a node left without RAM by the random map */
			check_applied(&before, &bi, true, "random (bad)");
			continue;
		}
		good++;
		check_applied(&before, &bi, false, "random");
	}
	printf("numa: %u random maps split into nodes, %u too full to split, %u rejected\n", good,
	       full, rounds - good - full);
	CHECK(good > rounds / 4, "too few random topologies were usable (%u)", good);
}

/* A map with no room left for the node boundaries: one node, nothing lost. */
static void test_full(void)
{
	struct numa_topology t;
	bool none;

	map_reset();
	for (uint32_t i = 0; i < MNEME_BOOTINFO_MAX_RANGES; i++)
		map_add(i * 4 * MiB, 4 * MiB, i % 2 ? MNEME_MEM_CORE : MNEME_MEM_USABLE);
	fw_reset();
	for (uint32_t n = 0; n < 8; n++)   /* every boundary in the middle of a range */
		memblk(n ? n * 64 * MiB + 2 * MiB : 0, n ? 64 * MiB : 66 * MiB, n);
	memblk(8 * 64 * MiB + 2 * MiB, GiB, 0);
	cpu(0, 0);
	CHECK(!check(1, &t, &none) && t.nr_nodes == 8, "full map: topology is good");
	struct mneme_boot_info before = bi;
	CHECK(numa_apply(&bi, &fw, &t) != 0, "full map: apply fails");
	check_applied(&before, &bi, true, "full map");
	CHECK(bi.nr_nodes == 1 && bi.nr_ranges == before.nr_ranges, "full map: one node");
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 1000;

	test_none();
	test_two_nodes();
	test_four_nodes();
	test_bad();
	test_full();
	test_random(rounds);
	if (failures) {
		fprintf(stderr, "numa: %d checks failed\n", failures);
		return 1;
	}
	printf("numa: all checks passed\n");
	return 0;
}
