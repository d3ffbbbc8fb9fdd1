/*
 * libFuzzer harness for the ACPI parser (arch/x86_64/acpi.c).  The input
 * is physical memory from address 0 (through the simulated map of
 * test/host/acpi/acpi_sim.c, which copies each mapping exactly, so ASan
 * sees any read past it or any stale pointer); the RSDP is at 16, as in
 * the seeds `acpi_test seeds` writes.  Every table of the root is
 * validated, the MADT, SRAT and SLIT parsed; the input is also parsed as
 * each of those tables itself.
 * A successful parse must be self-consistent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../host/acpi/acpi_sim.h"

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "acpi_fuzz: %s failed\n", #cond); \
		abort(); \
	} \
} while (0)

#define MAXCPU 16

static void check_madt(const char *err, const struct acpi_madt *m, const struct acpi_cpu *cpus)
{
	if (err) {
		FUZZ_CHECK(m->nr_cpus == 0 && m->nr_enabled == 0);
		return;
	}
	FUZZ_CHECK(m->nr_cpus > 0 && m->nr_cpus <= MAXCPU);
	FUZZ_CHECK(m->nr_enabled == m->nr_cpus + m->nr_beyond);
	for (uint32_t i = 0; i < m->nr_cpus; i++)
		for (uint32_t j = i + 1; j < m->nr_cpus; j++)
			FUZZ_CHECK(cpus[i].apic_id != cpus[j].apic_id);
}

#define MAXMEM 16

/* A successful SRAT parse stores what it counts; a failed one stores nothing. */
static void check_srat(const void *t, uint32_t len)
{
	struct acpi_srat s;
	struct acpi_srat_mem mem[MAXMEM];
	struct acpi_srat_cpu cpus[MAXCPU];
	const char *err = acpi_srat_parse(t, len, &s, mem, MAXMEM, cpus, MAXCPU);

	if (err) {
		FUZZ_CHECK(s.nr_mem == 0 && s.nr_cpus == 0 && s.nr_beyond == 0);
		return;
	}
	FUZZ_CHECK(s.nr_mem <= MAXMEM && s.nr_cpus <= MAXCPU);
	for (uint32_t i = 0; i < s.nr_mem; i++)
		FUZZ_CHECK(!mem[i].length || mem[i].base <= UINT64_MAX - mem[i].length + 1);
	for (uint32_t i = 0; i < s.nr_cpus; i++)
		FUZZ_CHECK(cpus[i].x2apic || cpus[i].apic_id <= 0xff);
}

/* A SLIT accepted has exactly its distances; reading all of them stays inside. */
static void check_slit(const void *t, uint32_t len)
{
	uint32_t n;
	unsigned sum = 0;

	if (acpi_slit_parse(t, len, &n)) {
		FUZZ_CHECK(n == 0);
		return;
	}
	FUZZ_CHECK((uint64_t)len == ACPI_SLIT_MIN_LEN + (uint64_t)n * n);
	for (uint32_t a = 0; a < n; a++)
		for (uint32_t b = 0; b < n; b++)
			sum += acpi_slit_distance(t, n, a, b);
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim s;
	struct acpi_root r;
	struct acpi_table t;
	struct acpi_madt m;
	struct acpi_cpu cpus[MAXCPU];

	sim_init(&s, size);
	memcpy(s.mem, data, size);
	if (!acpi_root_init(&r, &s.acpi, 16)) {
		FUZZ_CHECK(r.nr_tables <= (ACPI_TABLE_MAX_LEN - ACPI_HEADER_LEN) / 4);
		for (uint32_t i = 0; i < r.nr_tables; i++) {
			const void *p = acpi_table_get(&r, i, &t);
			FUZZ_CHECK((p == NULL) == (t.error != NULL));
			FUZZ_CHECK(!p || (t.header.length >= ACPI_HEADER_LEN &&
					  t.header.length <= ACPI_TABLE_MAX_LEN));
		}
		const void *madt = acpi_find_table(&r, ACPI_SIG_MADT, 0, &t);
		if (madt)
			check_madt(acpi_madt_parse(madt, t.header.length, &m, cpus, MAXCPU), &m, cpus);
		const void *srat = acpi_find_table(&r, ACPI_SIG_SRAT, 0, &t);
		if (srat)
			check_srat(srat, t.header.length);
		const void *slit = acpi_find_table(&r, ACPI_SIG_SLIT, 0, &t);
		if (slit)
			check_slit(slit, t.header.length);
	}
	if (size <= ACPI_TABLE_MAX_LEN) {
		check_madt(acpi_madt_parse(data, (uint32_t)size, &m, cpus, MAXCPU), &m, cpus);
		check_srat(data, (uint32_t)size);
		check_slit(data, (uint32_t)size);
	}
	sim_free(&s);
	return 0;
}
