/*
 * Decoding Multiboot2 boot information (see <arch/multiboot2.h>).
 *
 * Freestanding C with no dependency on the core, so the host tests run
 * it under sanitizers on crafted and mutated structures.  Firmware and
 * boot loaders are input: every size is checked before a byte it covers
 * is read, and a structure that does not add up is refused with the
 * reason, never half used.
 */
#include <stdbool.h>
#include <arch/multiboot2.h>

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3
#define E820_NVS      4
#define E820_UNUSABLE 5
#define E820_PMEM     7

#define MB2_EFI_DESC_MIN 40     /* the UEFI 2.x descriptor; firmware may use a larger stride */
#define EFI_PAGE_SHIFT   12

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

uint32_t mb2_efi_to_e820(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL:
		return E820_RAM;
	case EFI_ACPI_RECLAIM:
		return E820_ACPI;
	case EFI_ACPI_NVS:
		return E820_NVS;
	case EFI_UNUSABLE:
		return E820_UNUSABLE;
	case EFI_PERSISTENT:
		return E820_PMEM;
	default:        /* reserved, runtime services, MMIO, PAL code, unknown */
		return E820_RESERVED;
	}
}

/*
 * Append [base, base + size) of e820 @type, merged into the last range if
 * it continues it with the same type (EFI maps come in many small pieces).
 */
static const char *range_add(struct mb2_info *m, uint64_t base, uint64_t size, uint32_t type)
{
	struct mb2_range *last = m->nr_ranges ? &m->ranges[m->nr_ranges - 1] : NULL;

	if (!size)
		return NULL;
	if (base + size < base)
		return "a memory range wraps around";
	if (last && last->type == type && last->base + last->size == base) {
		last->size += size;
		return NULL;
	}
	if (m->nr_ranges == MB2_MAX_RANGES)
		return "more memory ranges than the core keeps";
	m->ranges[m->nr_ranges++] = (struct mb2_range){ base, size, type };
	return NULL;
}

/* Tag 6: entry size, version, then entries of (base, length, type, reserved). */
static const char *parse_mmap(struct mb2_info *m, const uint8_t *t, uint32_t size)
{
	if (size < 16)
		return "memory map tag too short";
	uint32_t esize = rd32(t + 8);
	if (esize < 24 || esize % 8)
		return "memory map entry size invalid";
	m->nr_ranges = 0;
	for (uint32_t off = 16; off + esize <= size; off += esize) {
		const char *err = range_add(m, rd64(t + off), rd64(t + off + 8), rd32(t + off + 16));
		if (err)
			return err;
	}
	m->map_source = MB2_TAG_MMAP;
	return NULL;
}

/* Tag 17: descriptor size, version, then EFI_MEMORY_DESCRIPTORs. */
static const char *parse_efi_mmap(struct mb2_info *m, const uint8_t *t, uint32_t size)
{
	if (size < 16)
		return "EFI memory map tag too short";
	uint32_t dsize = rd32(t + 8);
	if (dsize < MB2_EFI_DESC_MIN || dsize % 8)
		return "EFI memory descriptor size invalid";
	m->nr_ranges = 0;
	m->nr_efi_descs = 0;
	for (uint32_t off = 16; off + dsize <= size; off += dsize) {
		uint64_t pages = rd64(t + off + 24), base = rd64(t + off + 8);
		if (pages > (UINT64_MAX >> EFI_PAGE_SHIFT))
			return "an EFI memory descriptor is impossibly large";
		const char *err = range_add(m, base, pages << EFI_PAGE_SHIFT,
					    mb2_efi_to_e820(rd32(t + off)));
		if (err)
			return err;
		m->nr_efi_descs++;
	}
	m->map_source = MB2_TAG_EFI_MMAP;
	return NULL;
}

static void parse_cmdline(struct mb2_info *m, const uint8_t *t, uint32_t size)
{
	uint32_t n = 0;

	for (uint32_t i = 8; i < size && t[i] && n + 1 < MB2_CMDLINE_MAX; i++)
		m->cmdline[n++] = (char)t[i];
	m->cmdline[n] = '\0';
}

static const char *parse_module(struct mb2_info *m, const uint8_t *t, uint32_t size)
{
	if (size < 16)
		return "module tag too short";
	uint32_t start = rd32(t + 8), end = rd32(t + 12);
	if (end < start)
		return "a module ends before it starts";
	if (m->nr_modules++ == 0) {
		m->module_start = start;
		m->module_end = end;
	}
	return NULL;
}

/* Tags 14 and 15 hold the RSDP itself; the newer (15) wins over the older. */
static void parse_acpi(struct mb2_info *m, const uint8_t *t, uint32_t size, uint32_t type)
{
	uint32_t n = size - 8;

	if (m->rsdp_len && type == MB2_TAG_ACPI_OLD)
		return;
	if (n > MB2_RSDP_MAX)
		n = MB2_RSDP_MAX;
	for (uint32_t i = 0; i < n; i++)
		m->rsdp[i] = t[8 + i];
	m->rsdp_len = n;
}

const char *mb2_parse(const void *mbi, size_t len, struct mb2_info *out)
{
	const uint8_t *p = mbi;
	const char *err = NULL;
	bool efi_map = false, end = false;

	*out = (struct mb2_info){ .nr_ranges = 0 };
	if (len < 16)
		return "boot information shorter than its header and end tag";
	uint32_t total = rd32(p);
	if (total < 16 || total > len || total % 8)
		return "boot information size invalid";
	for (uint32_t off = 8; off < total && !end && !err;) {
		if (total - off < 8)
			return "a tag runs past the end";
		uint32_t type = rd32(p + off), size = rd32(p + off + 4);
		if (size < 8 || size > total - off)
			return "a tag runs past the end";
		const uint8_t *t = p + off;
		switch (type) {
		case MB2_TAG_END:
			end = true;
			break;
		case MB2_TAG_CMDLINE:
			parse_cmdline(out, t, size);
			break;
		case MB2_TAG_MODULE:
			err = parse_module(out, t, size);
			break;
		case MB2_TAG_MMAP:
			if (!efi_map)
				err = parse_mmap(out, t, size);
			break;
		case MB2_TAG_EFI_MMAP:
			efi_map = true;
			err = parse_efi_mmap(out, t, size);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			parse_acpi(out, t, size, type);
			break;
		case MB2_TAG_EFI_BS:
			err = "EFI boot services were left running";
			break;
		}
		off += (size + 7) & ~7u;
	}
	if (err)
		return err;
	if (!end)
		return "no end tag";
	if (!out->nr_ranges)
		return "no memory map";
	return NULL;
}
