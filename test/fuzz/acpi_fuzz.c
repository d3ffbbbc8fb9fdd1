/*
 * libFuzzer harness for the ACPI parser (arch/x86_64/acpi.c).  The input
 * is physical memory from address 0 (through the simulated map of
 * test/host/acpi/acpi_sim.c, which copies each mapping exactly, so ASan
 * sees any read past it or any stale pointer); the RSDP is at 16, as in
 * the seeds `acpi_test seeds` writes.  Every table of the root is
 * validated, the MADT parsed; the input is also parsed as a MADT itself.
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
	}
	if (size <= ACPI_TABLE_MAX_LEN)
		check_madt(acpi_madt_parse(data, (uint32_t)size, &m, cpus, MAXCPU), &m, cpus);
	sim_free(&s);
	return 0;
}
