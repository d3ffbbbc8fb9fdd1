/*
 * The core's view of the ACPI tables: where the RSDP is, a window to read
 * tables through, and the boot log lines Linux prints for them.
 *
 * The RSDP comes from the boot command line ("acpi_rsdp=ADDR", as in
 * Linux), else from the PVH start info (QEMU's PVH option ROM looks in
 * the BIOS area and passes what it found), else from the Multiboot2 ACPI
 * tag (GRUB's copy of the firmware's RSDP: under UEFI the only way to it,
 * since it is not in the BIOS area), else from the legacy search
 * (acpi.c).  "acpi=off" ignores ACPI.  Tables are read through a window
 * of fixed mappings (X86_FIXMAP_ACPI, read-only, NX), remapped for each
 * read: ACPI tables sit in ranges the direct map leaves out (QEMU's
 * are in e820 "reserved"), at any physical address.  The window is
 * changed with a local invlpg only, so it is used by the boot CPU alone,
 * before any other CPU starts.
 */
#include <arch/acpi.h>
#include <arch/pgtable.h>
#include <arch/x86.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/printk.h>

static unsigned window_pages;       /* pages of the window mapped now */

static void window_clear(void)
{
	for (unsigned i = 0; i < window_pages; i++)
		x86_fixmap_set(X86_FIXMAP_ACPI + i * PAGE_SIZE_4K, 0, 0);
	window_pages = 0;
}

static const void *window_map(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	uint64_t first = pa & ~(PAGE_SIZE_4K - 1);
	uint64_t end = pa + (len ? len : 1);
	uint64_t pages = (end - first + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K;

	ASSERT(nr_cpus_online == 1);
	window_clear();
	if (end < pa || pages > X86_FIXMAP_ACPI_PAGES || (end - 1) >> x86_cpu.phys_bits)
		return NULL;
	for (unsigned i = 0; i < pages; i++)
		x86_fixmap_set(X86_FIXMAP_ACPI + i * PAGE_SIZE_4K, first + i * PAGE_SIZE_4K,
			       x86_cpu.nx ? PTE_NX : 0);
	window_pages = (unsigned)pages;
	return (const void *)(uintptr_t)(X86_FIXMAP_ACPI + (pa - first));
}

_Static_assert(ACPI_TABLE_MAX_LEN + PAGE_SIZE_4K <= X86_FIXMAP_ACPI_PAGES * PAGE_SIZE_4K,
	       "the ACPI window holds the largest table at any offset");

static const struct acpi_mem window = { window_map, NULL };

/* The value of "@key=0x..." on the command line; false if absent or not a number. */
static bool cmdline_hex(const char *key, uint64_t *v)
{
	const char *p = boot_info.cmdline;
	size_t n = 0;

	while (key[n])
		n++;
	for (; *p; p++) {
		if ((p != boot_info.cmdline && p[-1] != ' ') || __builtin_memcmp(p, key, n) ||
		    p[n] != '=')
			continue;
		p += n + 1;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
			p += 2;
		*v = 0;
		unsigned digits = 0;
		for (; *p && *p != ' '; p++, digits++) {
			unsigned d = *p >= '0' && *p <= '9' ? *p - '0' :
				     *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 :
				     *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : 16;
			if (d > 15 || digits >= 16)
				return false;
			*v = *v << 4 | d;
		}
		return digits > 0;
	}
	return false;
}

/* @n characters of a firmware string, printable, NUL-terminated in @out. */
static const char *fw_string(char *out, const char *in, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[n] = '\0';
	return out;
}

/* Linux's line for a table: "ACPI: APIC 0x... 000078 (v01 BOCHS  BXPC     ...)". */
static void print_table(uint64_t pa, const struct acpi_header *h, const char *error)
{
	char sig[5], oem[7], table[9], creator[5];

	fw_string(sig, h->signature, 4);
	if (error) {
		printk("ACPI: %s 0x%016llX: %s, ignored\n", h->length ? sig : "????",
		       (unsigned long long)pa, error);
		return;
	}
	printk("ACPI: %s 0x%016llX %06X (v%02u %-6s %-8s %08X %-4s %08X)\n", sig,
	       (unsigned long long)pa, h->length, h->revision, fw_string(oem, h->oem_id, 6),
	       fw_string(table, h->oem_table_id, 8), h->oem_revision,
	       fw_string(creator, h->creator_id, 4), h->creator_revision);
}

static struct acpi_root root;

/* Find, check and print the RSDP and every table; false if ACPI cannot be used. */
static bool acpi_init(void)
{
	uint64_t rsdp = 0;
	const char *from = "PVH start info", *err;
	char oem[7];

	if (cmdline_has("acpi=off")) {
		printk("ACPI: disabled on the command line (acpi=off)\n");
		return false;
	}
	if (cmdline_hex("acpi_rsdp", &rsdp)) {
		from = "command line";
	} else if ((rsdp = x86_mb2_rsdp())) {
		from = "multiboot2 ACPI tag";
	} else if (!(rsdp = x86_pvh_rsdp())) {
		from = "legacy search";
		rsdp = acpi_rsdp_search(&window);
	}
	if (!rsdp) {
		printk("ACPI: no RSDP found (PVH start info, multiboot2 tags, EBDA, BIOS area)\n");
		return false;
	}
	err = acpi_rsdp_check(&window, rsdp, &root.rsdp);
	if (err) {
		printk("ACPI: RSDP at 0x%016llX (%s): %s\n", (unsigned long long)rsdp, from, err);
		return false;
	}
	printk("ACPI: RSDP 0x%016llX %06X (v%02u %-6s) from the %s\n", (unsigned long long)rsdp,
	       root.rsdp.revision >= 2 ? root.rsdp.length : ACPI_RSDP_V1_LEN, root.rsdp.revision,
	       fw_string(oem, root.rsdp.oem_id, 6), from);
	err = acpi_root_init(&root, &window, rsdp);
	if (root.xsdt_error)
		printk("ACPI: XSDT at 0x%016llX: %s\n", (unsigned long long)root.rsdp.xsdt_address,
		       root.xsdt_error);
	if (err) {
		printk("ACPI: no usable root table: %s\n", err);
		return false;
	}
	if (root.xsdt_error)
		printk("ACPI: using the RSDT instead\n");
	print_table(root.root_pa, &root.root, NULL);
	for (uint32_t i = 0; i < root.nr_tables; i++) {
		struct acpi_table t;
		acpi_table_get(&root, i, &t);
		print_table(t.pa, &t.header, t.error);
	}
	window_clear();
	return true;
}

void x86_acpi_release(void)
{
	window_clear();
}

const struct acpi_root *x86_acpi_root(void)
{
	static int state;       /* 0: not yet looked, 1: usable, -1: not */

	if (!state)
		state = acpi_init() ? 1 : -1;
	return state > 0 ? &root : NULL;
}
