/*
 * The libfdt oracle: walks a blob with libfdt's own API (node lookup,
 * subnode iteration, property fetch) and extracts the same facts as
 * core/dt.c, following the same rules as documented in core/dt.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <libfdt.h>

#include "dt_oracle.h"

static uint64_t rd_cells(const fdt32_t *p, int cells)
{
	return cells == 2 ? (uint64_t)fdt32_to_cpu(p[0]) << 32 | fdt32_to_cpu(p[1]) : fdt32_to_cpu(p[0]);
}

static bool node_available(const void *fdt, int node)
{
	const char *s = fdt_getprop(fdt, node, "status", NULL);

	return !s || !strcmp(s, "okay") || !strcmp(s, "ok");
}

/* Name is "base" or "base@..." */
static bool name_is(const char *name, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '@');
}

static bool prop_number(const void *fdt, int node, const char *name, uint64_t *v, bool *bad)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (!p)
		return false;
	if (len == 4 || len == 8)
		*v = rd_cells(p, len / 4);
	else
		*bad = true;
	return true;
}

static void copy_str(char *dst, size_t cap, const char *src, int len)
{
	size_t n = strnlen(src, (size_t)len);

	if (n > cap - 1)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int cells_of(const void *fdt, int node, int *ac, int *sc)
{
	const fdt32_t *a = fdt_getprop(fdt, node, "#address-cells", NULL);
	const fdt32_t *s = fdt_getprop(fdt, node, "#size-cells", NULL);

	*ac = a ? (int)fdt32_to_cpu(*a) : 2;
	*sc = s ? (int)fdt32_to_cpu(*s) : 1;
	return *ac >= 1 && *ac <= 2 && *sc >= 1 && *sc <= 2 ? 0 : -1;
}

static int do_memory(const void *fdt, struct dt_machine *m)
{
	int ac, sc, node, len, nlen;

	fdt_for_each_subnode(node, fdt, 0) {
		const char *name = fdt_get_name(fdt, node, NULL);
		const char *type = fdt_getprop(fdt, node, "device_type", &nlen);
		const fdt32_t *reg, *nid;

		if (!(type && !strcmp(type, "memory")) && !name_is(name, "memory"))
			continue;
		reg = fdt_getprop(fdt, node, "reg", &len);
		if (!node_available(fdt, node) || !reg)
			continue;
		if (cells_of(fdt, 0, &ac, &sc) || len % ((ac + sc) * 4))
			return -1;
		nid = fdt_getprop(fdt, node, "numa-node-id", &nlen);
		for (int i = 0; i < len / ((ac + sc) * 4); i++) {
			struct dt_mem *e = &m->mem[m->nr_mem++];

			if (m->nr_mem > DT_MAX_MEM)
				return -1;
			e->base = rd_cells(reg + i * (ac + sc), ac);
			e->size = rd_cells(reg + i * (ac + sc) + ac, sc);
			e->nid = nid && nlen == 4 ? fdt32_to_cpu(*nid) : 0;
			e->has_nid = !nid ? DT_NID_NONE : nlen == 4 ? DT_NID_OK : DT_NID_BAD;
		}
	}
	return 0;
}

static int do_reserved(const void *fdt, struct dt_machine *m)
{
	int parent = fdt_path_offset(fdt, "/reserved-memory"), node, len, ac, sc;

	for (int i = 0; i < fdt_num_mem_rsv(fdt); i++) {
		struct dt_resv *r = &m->resv[m->nr_resv++];

		if (m->nr_resv > DT_MAX_RESV)
			return -1;
		fdt_get_mem_rsv(fdt, i, &r->base, &r->size);
		r->flags = DT_RESV_MEMRESERVE;
	}
	if (parent < 0)
		return 0;
	fdt_for_each_subnode(node, fdt, parent) {
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

		if (!node_available(fdt, node))
			continue;
		if (!reg) {
			if (fdt_getprop(fdt, node, "size", NULL) || fdt_getprop(fdt, node, "alloc-ranges", NULL))
				m->nr_resv_dynamic++;
			continue;
		}
		if (cells_of(fdt, parent, &ac, &sc) || len % ((ac + sc) * 4))
			return -1;
		for (int i = 0; i < len / ((ac + sc) * 4); i++) {
			struct dt_resv *r = &m->resv[m->nr_resv++];
			const char *name = fdt_get_name(fdt, node, NULL);

			if (m->nr_resv > DT_MAX_RESV)
				return -1;
			r->base = rd_cells(reg + i * (ac + sc), ac);
			r->size = rd_cells(reg + i * (ac + sc) + ac, sc);
			r->flags = fdt_getprop(fdt, node, "no-map", NULL) ? DT_RESV_NOMAP : 0;
			copy_str(r->name, sizeof(r->name), name, (int)strlen(name));
		}
	}
	return 0;
}

static int do_chosen(const void *fdt, struct dt_machine *m)
{
	int node = fdt_path_offset(fdt, "/chosen"), len;
	const char *s;
	bool bad = false, has_s, has_e;

	if (node < 0)
		return 0;
	s = fdt_getprop(fdt, node, "bootargs", &len);
	if (s) {
		m->has_bootargs = true;
		copy_str(m->bootargs, sizeof(m->bootargs), s, len);
		m->bootargs_truncated = strnlen(s, (size_t)len) > sizeof(m->bootargs) - 1;
	}
	s = fdt_getprop(fdt, node, "stdout-path", &len);
	if (s) {
		m->has_stdout_path = true;
		copy_str(m->stdout_path, sizeof(m->stdout_path), s, len);
	}
	has_s = prop_number(fdt, node, "linux,initrd-start", &m->initrd_start, &bad);
	has_e = prop_number(fdt, node, "linux,initrd-end", &m->initrd_end, &bad);
	if (has_s && has_e && bad)
		return -1;
	m->has_initrd = has_s && has_e;
	if (!m->has_initrd)
		m->initrd_start = m->initrd_end = 0;
	return 0;
}

static uint32_t mmu_sv(const char *s, int len)
{
	static const char *const names[] = { "riscv,sv32", "riscv,sv39", "riscv,sv48", "riscv,sv57" };
	static const uint32_t sv[] = { 32, 39, 48, 57 };
	size_t n = strnlen(s, (size_t)len);

	for (int i = 0; i < 4; i++)
		if (n == strlen(names[i]) && !memcmp(s, names[i], n))
			return sv[i];
	return 0;
}

/* One cpu node as core/dt.h describes struct dt_cpu. */
static void record_cpu(const void *fdt, int node, uint32_t ac, struct dt_cpu *c)
{
	int len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len), *nid;
	const char *mmu;

	if (node_available(fdt, node))
		c->flags |= DT_CPUF_OKAY;
	if (reg) {
		c->flags |= DT_CPUF_REG;
		if ((ac == 1 || ac == 2) && len == (int)ac * 4) {
			c->flags |= DT_CPUF_REG_OK;
			c->hartid = rd_cells(reg, (int)ac);
		}
	}
	nid = fdt_getprop(fdt, node, "numa-node-id", &len);
	if (nid) {
		c->flags |= DT_CPUF_NID;
		if (len == 4) {
			c->flags |= DT_CPUF_NID_OK;
			c->nid = fdt32_to_cpu(*nid);
		}
	}
	mmu = fdt_getprop(fdt, node, "mmu-type", &len);
	if (mmu) {
		c->flags |= DT_CPUF_MMU;
		copy_str(c->mmu_type, sizeof(c->mmu_type), mmu, len);
		c->mmu_sv = mmu_sv(mmu, len);
	}
}

static int do_cpus(const void *fdt, struct dt_machine *m)
{
	int cpus = fdt_path_offset(fdt, "/cpus"), node, len;
	bool bad = false;
	const fdt32_t *acp;
	uint32_t ac;

	if (cpus < 0)
		return 0;
	acp = fdt_getprop(fdt, cpus, "#address-cells", &len);
	ac = !acp ? 2 : len == 4 ? fdt32_to_cpu(*acp) : 0;
	prop_number(fdt, cpus, "timebase-frequency", &m->timebase_frequency, &bad);
	fdt_for_each_subnode(node, fdt, cpus) {
		if (!name_is(fdt_get_name(fdt, node, NULL), "cpu"))
			continue;
		if (m->nr_cpu_nodes < DT_MAX_CPUS)
			record_cpu(fdt, node, ac, &m->cpu[m->nr_cpu_nodes]);
		m->nr_cpu_nodes++;
		if (!node_available(fdt, node))
			continue;
		m->nr_cpus++;
		if (m->timebase_frequency == 0)
			prop_number(fdt, node, "timebase-frequency", &m->timebase_frequency, &bad);
	}
	return bad ? -1 : 0;
}

static void do_soc(const void *fdt, struct dt_machine *m)
{
	static const char *const tests[] = { "sifive,test1", "sifive,test0" };
	static const char *const uarts[] = { "ns16550a", "ns16550" };
	int soc = fdt_path_offset(fdt, "/soc"), node, len, ac, sc;

	if (soc < 0)
		return;
	fdt_for_each_subnode(node, fdt, soc) {
		if (!node_available(fdt, node))
			continue;
		for (int i = 0; i < 2; i++) {
			struct dt_device *devs[2] = { &m->test, &m->uart };
			const char *want[2] = { tests[i], uarts[i] };

			for (int k = 0; k < 2; k++) {
				const char *c = fdt_getprop(fdt, node, "compatible", &len);
				const fdt32_t *reg;

				if (!c || devs[k]->present || fdt_stringlist_contains(c, len, want[k]) != 1)
					continue;
				devs[k]->present = true;
				copy_str(devs[k]->compatible, DT_COMPAT_MAX, want[k], (int)strlen(want[k]));
				reg = fdt_getprop(fdt, node, "reg", &len);
				if (!reg || cells_of(fdt, soc, &ac, &sc) || len < (ac + sc) * 4)
					continue;
				devs[k]->has_reg = true;
				devs[k]->base = rd_cells(reg, ac);
				devs[k]->size = rd_cells(reg + ac, sc);
			}
		}
	}
}

/* /distance-map, read with libfdt's own compatible and property look-ups. */
static void do_distance_map(const void *fdt, struct dt_machine *m)
{
	int node, len;
	const fdt32_t *p;

	/* the first okay /distance-map[@...] compatible with the binding */
	fdt_for_each_subnode(node, fdt, 0)
		if (name_is(fdt_get_name(fdt, node, NULL), "distance-map") && node_available(fdt, node) &&
		    !fdt_node_check_compatible(fdt, node, "numa-distance-map-v1"))
			break;
	if (node < 0)
		return;
	m->distance_map = DT_DISTMAP_BAD;
	p = fdt_getprop(fdt, node, "distance-matrix", &len);
	if (!p || len <= 0 || len % 12 || len / 12 > DT_MAX_DISTANCES)
		return;
	for (int i = 0; i < len / 12; i++)
		m->distance[i] = (struct dt_distance){ fdt32_to_cpu(p[3 * i]), fdt32_to_cpu(p[3 * i + 1]),
						       fdt32_to_cpu(p[3 * i + 2]) };
	m->nr_distances = (uint32_t)(len / 12);
	m->distance_map = DT_DISTMAP_OK;
}

int oracle_parse(const void *blob, size_t size, struct dt_machine *m)
{
	memset(m, 0, sizeof(*m));
	if (fdt_check_full(blob, size) != 0)
		return -1;
	m->totalsize = fdt_totalsize(blob);
	m->version = fdt_version(blob);
	m->boot_cpuid = fdt_boot_cpuid_phys(blob);
	if (do_memory(blob, m) || do_reserved(blob, m) || do_chosen(blob, m) || do_cpus(blob, m))
		return -1;
	do_soc(blob, m);
	do_distance_map(blob, m);
	return 0;
}

#define DIFF(fmt, ...) do { fprintf(stderr, "%s: " fmt "\n", what, __VA_ARGS__); diffs++; } while (0)

static int compare_dev(const char *what, const char *dev, const struct dt_device *g, const struct dt_device *w)
{
	int diffs = 0;

	if (g->present != w->present || g->has_reg != w->has_reg || g->base != w->base ||
	    g->size != w->size || strcmp(g->compatible, w->compatible))
		DIFF("%s: got %d/%d %#" PRIx64 "+%#" PRIx64 " '%s', oracle %d/%d %#" PRIx64 "+%#" PRIx64 " '%s'",
		     dev, g->present, g->has_reg, g->base, g->size, g->compatible,
		     w->present, w->has_reg, w->base, w->size, w->compatible);
	return diffs;
}

int oracle_compare(const char *what, const struct dt_machine *g, const struct dt_machine *w)
{
	int diffs = 0;

	if (g->totalsize != w->totalsize || g->version != w->version || g->boot_cpuid != w->boot_cpuid)
		DIFF("header: totalsize %u/%u version %u/%u", g->totalsize, w->totalsize, g->version, w->version);
	if (g->nr_mem != w->nr_mem)
		DIFF("nr_mem %u, oracle %u", g->nr_mem, w->nr_mem);
	for (uint32_t i = 0; i < g->nr_mem && i < w->nr_mem; i++)
		if (memcmp(&g->mem[i], &w->mem[i], sizeof(g->mem[i])))
			DIFF("mem[%u] %#" PRIx64 "+%#" PRIx64 " nid %u, oracle %#" PRIx64 "+%#" PRIx64 " nid %u",
			     i, g->mem[i].base, g->mem[i].size, g->mem[i].nid,
			     w->mem[i].base, w->mem[i].size, w->mem[i].nid);
	if (g->nr_resv != w->nr_resv || g->nr_resv_dynamic != w->nr_resv_dynamic)
		DIFF("nr_resv %u (+%u dynamic), oracle %u (+%u)", g->nr_resv, g->nr_resv_dynamic,
		     w->nr_resv, w->nr_resv_dynamic);
	for (uint32_t i = 0; i < g->nr_resv && i < w->nr_resv; i++)
		if (g->resv[i].base != w->resv[i].base || g->resv[i].size != w->resv[i].size ||
		    g->resv[i].flags != w->resv[i].flags || strcmp(g->resv[i].name, w->resv[i].name))
			DIFF("resv[%u] %#" PRIx64 "+%#" PRIx64 " %x '%s', oracle %#" PRIx64 "+%#" PRIx64 " %x '%s'",
			     i, g->resv[i].base, g->resv[i].size, g->resv[i].flags, g->resv[i].name,
			     w->resv[i].base, w->resv[i].size, w->resv[i].flags, w->resv[i].name);
	if (g->has_bootargs != w->has_bootargs || g->bootargs_truncated != w->bootargs_truncated ||
	    strcmp(g->bootargs, w->bootargs))
		DIFF("bootargs '%s' (%d), oracle '%s' (%d)", g->bootargs, g->has_bootargs, w->bootargs, w->has_bootargs);
	if (g->has_stdout_path != w->has_stdout_path || strcmp(g->stdout_path, w->stdout_path))
		DIFF("stdout-path '%s', oracle '%s'", g->stdout_path, w->stdout_path);
	if (g->has_initrd != w->has_initrd || g->initrd_start != w->initrd_start || g->initrd_end != w->initrd_end)
		DIFF("initrd %d %#" PRIx64 "-%#" PRIx64 ", oracle %d %#" PRIx64 "-%#" PRIx64,
		     g->has_initrd, g->initrd_start, g->initrd_end, w->has_initrd, w->initrd_start, w->initrd_end);
	if (g->nr_cpus != w->nr_cpus || g->timebase_frequency != w->timebase_frequency)
		DIFF("cpus %u tbf %" PRIu64 ", oracle %u tbf %" PRIu64, g->nr_cpus, g->timebase_frequency,
		     w->nr_cpus, w->timebase_frequency);
	if (g->nr_cpu_nodes != w->nr_cpu_nodes)
		DIFF("cpu nodes %u, oracle %u", g->nr_cpu_nodes, w->nr_cpu_nodes);
	for (uint32_t i = 0; i < g->nr_cpu_nodes && i < w->nr_cpu_nodes && i < DT_MAX_CPUS; i++) {
		const struct dt_cpu *a = &g->cpu[i], *b = &w->cpu[i];

		if (a->hartid != b->hartid || a->flags != b->flags || a->nid != b->nid ||
		    a->mmu_sv != b->mmu_sv || strcmp(a->mmu_type, b->mmu_type))
			DIFF("cpu[%u] hart %#" PRIx64 " flags %#x nid %u sv%u '%s', oracle hart %#" PRIx64
			     " flags %#x nid %u sv%u '%s'", i, a->hartid, a->flags, a->nid, a->mmu_sv,
			     a->mmu_type, b->hartid, b->flags, b->nid, b->mmu_sv, b->mmu_type);
	}
	if (g->distance_map != w->distance_map || g->nr_distances != w->nr_distances ||
	    memcmp(g->distance, w->distance, sizeof(g->distance[0]) * g->nr_distances))
		DIFF("distance-map %u with %u entries, oracle %u with %u", g->distance_map,
		     g->nr_distances, w->distance_map, w->nr_distances);
	diffs += compare_dev(what, "test", &g->test, &w->test);
	diffs += compare_dev(what, "uart", &g->uart, &w->uart);
	return diffs;
}
