/*
 * libFuzzer harness for the device-tree reader (core/dt.c) and the map
 * conversion behind it.  Built with ASan + UBSan: any out-of-bounds read,
 * overflow or hang is a finding.  Besides not crashing, a successful parse
 * must be self-consistent, must convert into a sanitised map, and the
 * CPUs chosen from it must be distinct, usable and numbered densely.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <core/dt.h>
#include <core/memmap.h>
#include <mneme/error.h>

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "dt_fuzz: %s failed\n", #cond); \
		abort(); \
	} \
} while (0)

static void check_map(const struct mneme_mem_range *r, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		FUZZ_CHECK(r[i].size != 0);
		FUZZ_CHECK(r[i].type >= MNEME_MEM_USABLE && r[i].type < MNEME_MEM_TYPE_MAX);
		if (i > 0)
			FUZZ_CHECK(r[i - 1].base + r[i - 1].size <= r[i].base);
	}
}

/* The CPUs dt_cpus_select() chooses from @m, for the boot hart of node 0 (or 0). */
static void check_cpus(const struct dt_machine *m)
{
	static uint8_t verdict[DT_MAX_CPUS];
	static uint32_t index[DT_MAX_CPUS];
	uint32_t n = m->nr_cpu_nodes < DT_MAX_CPUS ? m->nr_cpu_nodes : DT_MAX_CPUS;
	uint64_t boot = n ? m->cpu[0].hartid : 0, seen = 1;
	int boot_node;
	unsigned chosen = dt_cpus_select(m, boot, 48, 16, verdict, index, &boot_node);

	FUZZ_CHECK(chosen >= 1 && chosen <= 16 && boot_node < (int)n);
	for (uint32_t i = 0; i < n; i++) {
		const struct dt_cpu *c = &m->cpu[i];

		FUZZ_CHECK(c->mmu_type[DT_MMU_TYPE_MAX - 1] == '\0');
		if (verdict[i] != DT_CPU_USE)
			continue;
		FUZZ_CHECK((c->flags & DT_CPUF_OKAY) && (c->flags & DT_CPUF_REG_OK) && c->mmu_sv >= 48);
		FUZZ_CHECK(c->hartid != boot && index[i] >= 1 && index[i] < chosen);
		FUZZ_CHECK(!(seen >> index[i] & 1));
		seen |= 1ull << index[i];
		for (uint32_t j = 0; j < i; j++)
			FUZZ_CHECK(verdict[j] != DT_CPU_USE || m->cpu[j].hartid != c->hartid);
	}
	FUZZ_CHECK(seen == (chosen == 64 ? ~0ull : (1ull << chosen) - 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dt_machine m;
	static struct mneme_mem_range map[MNEME_BOOTINFO_MAX_RANGES];
	uint32_t total = 0, nr = 0;
	int herr = dt_check_header(data, size, &total);
	int err = dt_parse_memory(data, size, &m);

	FUZZ_CHECK(err <= 0 && herr <= 0);
	if (err) {
		FUZZ_CHECK(m.error != NULL);
		return 0;
	}
	FUZZ_CHECK(herr == 0 && total == m.totalsize && total <= size);
	FUZZ_CHECK(m.nr_mem <= DT_MAX_MEM && m.nr_resv <= DT_MAX_RESV);
	FUZZ_CHECK(m.bootargs[DT_BOOTARGS_MAX - 1] == '\0' && m.stdout_path[DT_STDOUT_MAX - 1] == '\0');
	/* 64 memory ranges split by 64 reservations need at most 257 entries */
	err = dt_to_memmap(&m, map, &nr, MNEME_BOOTINFO_MAX_RANGES);
	FUZZ_CHECK(err == 0 || err == -MNEME_ENOMEM);
	if (!err)
		check_map(map, nr);
	check_cpus(&m);
	return 0;
}
