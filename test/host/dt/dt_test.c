/*
 * Host tests of the device-tree reader (core/dt.c).
 *
 *   dt_test check FILE[:MIB:CPUS:NODES] ...
 *       Parse each blob, compare every extracted fact with the libfdt
 *       oracle, convert it to a memory map and check the map; with
 *       MIB/CPUS/NODES (QEMU dumps) also check total usable memory, cpu
 *       count and the number of NUMA nodes.  A blob's root may carry
 *       test expectations: "mneme-test,expect-map" = <type nid base-hi
 *       base-lo size-hi size-lo>... (the exact sanitised map) and
 *       "mneme-test,expect-error" = <mneme_error> (the parse must fail so).
 *   dt_test mutate FILE ...
 *       Corrupt each (good) blob in every way listed in mutate.c and
 *       check the reader rejects it or reads it consistently, never
 *       reading out of bounds (each attempt gets an exact-size heap copy,
 *       so ASan sees any overrun).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include <core/dt.h>
#include <core/memmap.h>
#include <mneme/error.h>

#include "dt_oracle.h"
#include "dt_test.h"

int failures;

void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* The map must be sorted, non-overlapping, non-empty and merged. */
static void check_sanitised(const char *what, const struct mneme_mem_range *r, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		CHECK(r[i].size > 0, "%s: empty entry %u", what, i);
		CHECK(r[i].type >= MNEME_MEM_USABLE && r[i].type < MNEME_MEM_TYPE_MAX, "%s: type", what);
		if (i == 0)
			continue;
		CHECK(r[i - 1].base + r[i - 1].size <= r[i].base, "%s: entries %u/%u overlap", what, i - 1, i);
		CHECK(!(r[i - 1].base + r[i - 1].size == r[i].base && r[i - 1].type == r[i].type &&
			r[i - 1].nid == r[i].nid), "%s: entries %u/%u not merged", what, i - 1, i);
	}
}

static void print_map(const struct mneme_mem_range *r, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		fprintf(stderr, "    [%#018" PRIx64 "-%#018" PRIx64 "] %-18s nid %u\n", r[i].base,
			r[i].base + r[i].size - 1, memmap_type_name(r[i].type), r[i].nid);
}

static uint64_t cells64(const fdt32_t *p)
{
	return (uint64_t)fdt32_to_cpu(p[0]) << 32 | fdt32_to_cpu(p[1]);
}

/* Compare the map with the blob's own "mneme-test,expect-map", if any. */
static void check_expected_map(const char *what, const void *blob,
			       const struct mneme_mem_range *r, uint32_t n)
{
	int len;
	const fdt32_t *p = fdt_getprop(blob, 0, "mneme-test,expect-map", &len);
	uint32_t want = p ? (uint32_t)len / 24 : 0;
	bool ok;

	if (!p)
		return;
	ok = want == n;
	for (uint32_t i = 0; ok && i < n; i++, p += 6)
		ok = r[i].type == fdt32_to_cpu(p[0]) && r[i].nid == fdt32_to_cpu(p[1]) &&
		     r[i].base == cells64(p + 2) && r[i].size == cells64(p + 4);
	CHECK(ok, "%s: map differs from mneme-test,expect-map (%u entries expected)", what, want);
	if (!ok)
		print_map(r, n);
}

/*
 * The blob's own expectations for /cpus, if it has them:
 *   "mneme-test,cpus-select" = <boot-hi boot-lo need-sv max chosen boot-node>
 *       arguments of dt_cpus_select(), what it must return and *boot_node
 *       (0xffffffff: none);
 *   "mneme-test,expect-cpus" = <hart-hi hart-lo flags nid sv verdict index>...
 *       every recorded cpu node in blob order;
 *   "mneme-test,cpu-nodes" = <n>   nr_cpu_nodes, when more than are recorded.
 */
static void check_expected_cpus(const char *what, const void *blob, const struct dt_machine *m)
{
	int len, elen;
	const fdt32_t *sel = fdt_getprop(blob, 0, "mneme-test,cpus-select", &len);
	const fdt32_t *exp = fdt_getprop(blob, 0, "mneme-test,expect-cpus", &elen);
	const fdt32_t *nodes = fdt_getprop(blob, 0, "mneme-test,cpu-nodes", NULL);
	uint32_t recorded = m->nr_cpu_nodes < DT_MAX_CPUS ? m->nr_cpu_nodes : DT_MAX_CPUS;
	uint8_t verdict[DT_MAX_CPUS];
	uint32_t index[DT_MAX_CPUS];
	int boot_node;

	if (!sel)
		return;
	CHECK(len == 24 && exp && elen == (int)recorded * 28, "%s: malformed cpu expectations "
	      "(%d cpu nodes recorded)", what, recorded);
	if (len != 24 || !exp || elen != (int)recorded * 28)
		return;
	CHECK(m->nr_cpu_nodes == (nodes ? fdt32_to_cpu(*nodes) : recorded), "%s: %u cpu nodes", what,
	      m->nr_cpu_nodes);
	unsigned chosen = dt_cpus_select(m, cells64(sel), fdt32_to_cpu(sel[2]), fdt32_to_cpu(sel[3]),
					 verdict, index, &boot_node);
	CHECK(chosen == fdt32_to_cpu(sel[4]), "%s: %u CPUs chosen, want %u", what, chosen,
	      fdt32_to_cpu(sel[4]));
	CHECK((uint32_t)boot_node == fdt32_to_cpu(sel[5]), "%s: boot node %d, want %d", what, boot_node,
	      (int)fdt32_to_cpu(sel[5]));
	for (uint32_t i = 0; i < recorded; i++, exp += 7) {
		const struct dt_cpu *c = &m->cpu[i];
		bool ok = c->hartid == cells64(exp) && c->flags == fdt32_to_cpu(exp[2]) &&
			  c->nid == fdt32_to_cpu(exp[3]) && c->mmu_sv == fdt32_to_cpu(exp[4]) &&
			  verdict[i] == fdt32_to_cpu(exp[5]) && index[i] == fdt32_to_cpu(exp[6]);
		CHECK(ok, "%s: cpu node %u: hart %#" PRIx64 " flags %#x nid %u sv%u: %s (%u), index %u; "
		      "want hart %#" PRIx64 " flags %#x nid %u sv%u verdict %u index %u", what, i,
		      c->hartid, c->flags, c->nid, c->mmu_sv, dt_cpu_verdict_str(verdict[i]), verdict[i],
		      index[i], cells64(exp), fdt32_to_cpu(exp[2]), fdt32_to_cpu(exp[3]),
		      fdt32_to_cpu(exp[4]), fdt32_to_cpu(exp[5]), fdt32_to_cpu(exp[6]));
	}
}

/* A QEMU virt tree: harts 0 .. cpus-1, all okay with Sv48, every one chosen from hart 0. */
static void check_qemu_cpus(const char *what, const struct dt_machine *m, uint32_t cpus)
{
	uint8_t verdict[DT_MAX_CPUS];
	uint32_t index[DT_MAX_CPUS];
	int boot_node;

	CHECK(m->nr_cpu_nodes == cpus, "%s: %u cpu nodes, want %u", what, m->nr_cpu_nodes, cpus);
	CHECK(dt_cpus_select(m, 0, 48, 16, verdict, index, &boot_node) == cpus && boot_node == 0,
	      "%s: not every hart chosen", what);
	for (uint32_t i = 0; i < m->nr_cpu_nodes && i < DT_MAX_CPUS; i++)
		CHECK(m->cpu[i].hartid == i && m->cpu[i].mmu_sv == 48 && index[i] == i &&
		      (!(m->cpu[i].flags & DT_CPUF_NID) || m->cpu[i].nid == i) &&
		      verdict[i] == (i ? DT_CPU_USE : DT_CPU_BOOT) &&
		      m->cpu[i].flags == (DT_CPUF_OKAY | DT_CPUF_REG | DT_CPUF_REG_OK | DT_CPUF_MMU |
					  (m->cpu[i].flags & (DT_CPUF_NID | DT_CPUF_NID_OK))),
		      "%s: cpu node %u: hart %" PRIu64 " flags %#x sv%u verdict %u index %u", what, i,
		      m->cpu[i].hartid, m->cpu[i].flags, m->cpu[i].mmu_sv, verdict[i], index[i]);
}

/*
 * The blob's own expectations for NUMA properties, if it has them:
 *   "mneme-test,expect-distance-map" = <state n (from to distance){n}>
 *       DT_DISTMAP_* and the entries in order;
 *   "mneme-test,expect-mem-nid" = <has_nid nid>...   every memory reg pair.
 */
static void check_expected_numa(const char *what, const void *blob, const struct dt_machine *m)
{
	int len;
	const fdt32_t *p = fdt_getprop(blob, 0, "mneme-test,expect-distance-map", &len);

	if (p) {
		uint32_t n = fdt32_to_cpu(p[1]);
		bool ok = len == (int)(8 + 12 * n) && m->distance_map == fdt32_to_cpu(p[0]) &&
			  m->nr_distances == n;
		for (uint32_t i = 0; ok && i < n; i++)
			ok = m->distance[i].from == fdt32_to_cpu(p[2 + 3 * i]) &&
			     m->distance[i].to == fdt32_to_cpu(p[3 + 3 * i]) &&
			     m->distance[i].distance == fdt32_to_cpu(p[4 + 3 * i]);
		CHECK(ok, "%s: distance-map %u with %u entries differs from its expectation", what,
		      m->distance_map, m->nr_distances);
	}
	p = fdt_getprop(blob, 0, "mneme-test,expect-mem-nid", &len);
	if (p) {
		bool ok = len == (int)(8 * m->nr_mem);
		for (uint32_t i = 0; ok && i < m->nr_mem; i++)
			ok = m->mem[i].has_nid == fdt32_to_cpu(p[2 * i]) &&
			     m->mem[i].nid == fdt32_to_cpu(p[2 * i + 1]);
		CHECK(ok, "%s: memory numa-node-ids differ from their expectation", what);
	}
}

struct expect {
	bool given;
	uint64_t mib;
	uint32_t cpus, nodes;
};

static void check_machine(const char *what, const struct dt_machine *m,
			  const struct mneme_mem_range *r, uint32_t n, const struct expect *e)
{
	uint32_t nodes = 0;
	uint64_t seen = 0;

	if (!e->given)
		return;
	for (uint32_t i = 0; i < n; i++)
		if (r[i].type == MNEME_MEM_USABLE && r[i].nid < 64 && !(seen >> r[i].nid & 1)) {
			seen |= 1ull << r[i].nid;
			nodes++;
		}
	CHECK(memmap_total(r, n, MNEME_MEM_USABLE) == e->mib << 20, "%s: usable %" PRIu64 " MiB, want %" PRIu64,
	      what, memmap_total(r, n, MNEME_MEM_USABLE) >> 20, e->mib);
	CHECK(m->nr_cpus == e->cpus, "%s: %u cpus, want %u", what, m->nr_cpus, e->cpus);
	CHECK(nodes == e->nodes, "%s: %u NUMA nodes, want %u", what, nodes, e->nodes);
	CHECK(m->timebase_frequency == 10000000, "%s: timebase %" PRIu64, what, m->timebase_frequency);
	CHECK(m->test.present && m->test.has_reg && m->test.base == 0x100000, "%s: sifive,test device", what);
	CHECK(m->uart.present && m->uart.base == 0x10000000, "%s: uart", what);
	/*
	 * The UART's interrupt and the PLIC contexts that route it to the
	 * first hart (arch/riscv64/irq.c).  QEMU gives a PLIC per NUMA socket
	 * (the first serves the first socket's harts), and an APLIC instead
	 * with AIA (no PLIC: no console device for user mode).
	 */
	CHECK(m->uart.has_irq && m->uart.irq == 10, "%s: uart interrupt %u", what, m->uart.irq);
	for (uint32_t i = 0; i < m->nr_cpu_nodes && i < DT_MAX_CPUS; i++)
		CHECK(m->cpu[i].intc_phandle, "%s: cpu[%u]'s interrupt controller", what, i);
	if (m->plic.present) {
		bool s_ctx = false;
		CHECK(m->plic.has_reg && m->plic.base == 0xc000000 && m->plic_ndev >= 10,
		      "%s: PLIC at %#" PRIx64 ", %u sources", what, m->plic.base, m->plic_ndev);
		CHECK(m->nr_plic_ctx >= 2 && m->nr_plic_ctx % 2 == 0 && m->nr_plic_ctx <= 2 * m->nr_cpus,
		      "%s: %u PLIC contexts for %u harts", what, m->nr_plic_ctx, m->nr_cpus);
		for (uint32_t j = 0; j < m->nr_plic_ctx; j++)
			s_ctx |= m->plic_ctx[j].phandle == m->cpu[0].intc_phandle && m->plic_ctx[j].irq == 9;
		CHECK(s_ctx, "%s: cpu[0]'s supervisor PLIC context", what);
	}
	CHECK(m->has_stdout_path && !strcmp(m->stdout_path, "/soc/serial@10000000"), "%s: stdout-path", what);
	check_qemu_cpus(what, m, e->cpus);
}

static int expected_error(const void *blob)
{
	int len;
	const fdt32_t *p = fdt_getprop(blob, 0, "mneme-test,expect-error", &len);

	return p && len == 4 ? -(int)fdt32_to_cpu(*p) : 0;
}

static void check_one(const char *arg)
{
	char path[512];
	struct expect e = { 0 };
	static struct dt_machine got, want;
	struct mneme_mem_range map[MNEME_BOOTINFO_MAX_RANGES];
	uint32_t nr = 0;
	size_t size;
	void *blob;
	int err, want_err;

	snprintf(path, sizeof(path), "%s", arg);
	char *colon = strchr(path, ':');
	if (colon) {
		*colon = '\0';
		e.given = sscanf(colon + 1, "%" SCNu64 ":%u:%u", &e.mib, &e.cpus, &e.nodes) == 3;
	}
	blob = read_file(path, &size);
	want_err = expected_error(blob);
	err = dt_parse_memory(blob, size, &got);
	if (want_err) {
		CHECK(err == want_err, "%s: error %d (%s), want %d", path, err, got.error ? got.error : "", want_err);
		printf("  %-40s rejected as expected: %s\n", strrchr(path, '/') ? strrchr(path, '/') + 1 : path,
		       got.error ? got.error : "(none)");
		free(blob);
		return;
	}
	CHECK(err == 0, "%s: dt_parse_memory: %d: %s at %#x", path, err, got.error, got.error_offset);
	CHECK(oracle_parse(blob, size, &want) == 0, "%s: libfdt oracle failed", path);
	if (!err)
		CHECK(oracle_compare(path, &got, &want) == 0, "%s: differs from libfdt", path);
	err = err ? err : dt_to_memmap(&got, map, &nr, MNEME_BOOTINFO_MAX_RANGES);
	CHECK(err == 0, "%s: dt_to_memmap: %d", path, err);
	if (!err) {
		check_sanitised(path, map, nr);
		check_expected_map(path, blob, map, nr);
		check_expected_cpus(path, blob, &got);
		check_expected_numa(path, blob, &got);
		check_machine(path, &got, map, nr, &e);
	}
	printf("  %-40s %2u mem %2u resv %u cpus: %u map entries, %" PRIu64 " MiB usable\n",
	       strrchr(path, '/') ? strrchr(path, '/') + 1 : path, got.nr_mem, got.nr_resv,
	       got.nr_cpus, nr, memmap_total(map, nr, MNEME_MEM_USABLE) >> 20);
	free(blob);
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "check") && strcmp(argv[1], "mutate"))) {
		fprintf(stderr, "usage: dt_test check|mutate FILE...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[1], "check"))
			check_one(argv[i]);
		else
			mutate_all(argv[i]);
	}
	if (!strcmp(argv[1], "mutate"))
		mutate_synthetic();
	if (failures) {
		fprintf(stderr, "dt_test %s: %d failure(s)\n", argv[1], failures);
		return 1;
	}
	printf("dt_test %s: all passed\n", argv[1]);
	return 0;
}
