/*
 * Host tests of the Multiboot2 boot-information decoder
 * (arch/x86_64/multiboot2_parse.c): structures shaped as GRUB builds them
 * under SeaBIOS and under UEFI, every refusal, and random mutations that
 * must never read out of bounds (ASan) or be half used.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arch/multiboot2.h>

static uint8_t buf[32768];
static uint32_t used;

static void put32(uint32_t off, uint32_t v) { memcpy(buf + off, &v, 4); }
static void put64(uint32_t off, uint64_t v) { memcpy(buf + off, &v, 8); }

static void begin(void)
{
	memset(buf, 0, sizeof(buf));
	used = 8;
}

/* A tag of @type with @len payload bytes (returned: the payload's offset). */
static uint32_t tag(uint32_t type, uint32_t len)
{
	uint32_t off = used;

	put32(off, type);
	put32(off + 4, 8 + len);
	used += (8 + len + 7) & ~7u;
	return off + 8;
}

static size_t end(void)
{
	tag(MB2_TAG_END, 0);
	put32(0, used);
	return used;
}

static void e820_tag(void)
{
	static const uint64_t map[][3] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
		{ 0x100000, 0x7ee0000, 1 }, { 0xfffc0000, 0x40000, 2 },
	};
	uint32_t p = tag(MB2_TAG_MMAP, 8 + 24 * 5);

	put32(p, 24);
	for (int i = 0; i < 5; i++) {
		put64(p + 8 + 24 * i, map[i][0]);
		put64(p + 16 + 24 * i, map[i][1]);
		put32(p + 24 + 24 * i, (uint32_t)map[i][2]);
	}
}

static void efi_tag(uint32_t dsize)
{
	static const uint64_t map[][3] = {      /* type, base, pages */
		{ EFI_BOOT_SERVICES_CODE, 0, 0xa0 }, { EFI_CONVENTIONAL, 0x100000, 0x700 },
		{ EFI_ACPI_NVS, 0x800000, 8 }, { EFI_LOADER_DATA, 0x808000, 3 },
		{ EFI_RUNTIME_SERVICES_DATA, 0x80b000, 1 }, { EFI_ACPI_RECLAIM, 0x80c000, 4 },
		{ EFI_MMIO, 0xb0000000, 0x10000 },
	};
	uint32_t p = tag(MB2_TAG_EFI_MMAP, 8 + dsize * 7);

	put32(p, dsize);
	put32(p + 4, 1);
	for (int i = 0; i < 7; i++) {
		put32(p + 8 + dsize * i, (uint32_t)map[i][0]);
		put64(p + 16 + dsize * i, map[i][1]);
		put64(p + 32 + dsize * i, map[i][2]);
	}
}

static void test_seabios_shape(void)
{
	struct mb2_info m;

	begin();
	uint32_t p = tag(MB2_TAG_CMDLINE, 12);
	memcpy(buf + p, "tests=t_ipc", 12);
	p = tag(MB2_TAG_MODULE, 8 + 7);
	put32(p, 0x400000);
	put32(p + 4, 0x401000);
	memcpy(buf + p + 8, "initrd", 7);
	e820_tag();
	p = tag(MB2_TAG_ACPI_OLD, 20);
	memcpy(buf + p, "RSD PTR ", 8);
	size_t len = end();
	assert(mb2_parse(buf, len, &m) == NULL);
	assert(!strcmp(m.cmdline, "tests=t_ipc"));
	assert(m.nr_modules == 1 && m.module_start == 0x400000 && m.module_end == 0x401000);
	assert(m.map_source == MB2_TAG_MMAP && m.nr_ranges == 5);
	assert(m.ranges[3].base == 0x100000 && m.ranges[3].size == 0x7ee0000 && m.ranges[3].type == 1);
	assert(m.rsdp_len == 20 && !memcmp(m.rsdp, "RSD PTR ", 8));
}

static void test_efi_shape(uint32_t dsize)
{
	struct mb2_info m;

	begin();
	e820_tag();                       /* GRUB's derived map: the EFI map wins */
	efi_tag(dsize);
	uint32_t p = tag(MB2_TAG_ACPI_NEW, 36);
	memcpy(buf + p, "RSD PTR 2", 9);
	p = tag(MB2_TAG_ACPI_OLD, 20);   /* after the new one: ignored */
	memcpy(buf + p, "RSD PTR 1", 9);
	size_t len = end();
	assert(mb2_parse(buf, len, &m) == NULL);
	assert(m.map_source == MB2_TAG_EFI_MMAP && m.nr_efi_descs == 7);
	/* boot services code + conventional are not adjacent (hole at 0xa0000): two RAM ranges */
	assert(m.nr_ranges == 7);
	assert(m.ranges[0].base == 0 && m.ranges[0].size == 0xa0000 && m.ranges[0].type == 1);
	assert(m.ranges[1].base == 0x100000 && m.ranges[1].size == 0x700000 && m.ranges[1].type == 1);
	assert(m.ranges[2].type == 4 && m.ranges[2].size == 0x8000);
	assert(m.ranges[3].type == 1 && m.ranges[3].size == 0x3000);      /* loader data is RAM */
	assert(m.ranges[4].type == 2 && m.ranges[4].size == 0x1000);      /* runtime: reserved */
	assert(m.ranges[5].type == 3 && m.ranges[5].base == 0x80c000);
	assert(m.ranges[6].type == 2 && m.ranges[6].base == 0xb0000000);    /* MMIO: reserved */
	assert(m.rsdp_len == 36 && !memcmp(m.rsdp, "RSD PTR 2", 9));
}

static void test_merging(void)
{
	struct mb2_info m;

	begin();
	uint32_t p = tag(MB2_TAG_EFI_MMAP, 8 + 48 * 300);
	put32(p, 48);
	for (int i = 0; i < 300; i++) {          /* 300 adjacent pieces of RAM: one range */
		put32(p + 8 + 48 * i, i % 2 ? EFI_CONVENTIONAL : EFI_BOOT_SERVICES_DATA);
		put64(p + 16 + 48 * i, 0x100000 + 0x1000ull * i);
		put64(p + 32 + 48 * i, 1);
	}
	size_t len = end();
	assert(mb2_parse(buf, len, &m) == NULL);
	assert(m.nr_ranges == 1 && m.ranges[0].size == 300 * 0x1000ull);
	begin();
	p = tag(MB2_TAG_EFI_MMAP, 8 + 48 * 200);
	put32(p, 48);
	for (int i = 0; i < 200; i++) {          /* 200 alternating types: more than the core keeps */
		put32(p + 8 + 48 * i, i % 2 ? EFI_CONVENTIONAL : EFI_RESERVED);
		put64(p + 16 + 48 * i, 0x100000 + 0x1000ull * i);
		put64(p + 32 + 48 * i, 1);
	}
	len = end();
	assert(mb2_parse(buf, len, &m) != NULL);
}

static void test_refusals(void)
{
	struct mb2_info m;
	size_t len;

	begin();
	e820_tag();
	len = end();
	assert(mb2_parse(buf, len - 1, &m) != NULL);            /* size beyond the copy */
	put32(0, (uint32_t)len - 8);
	assert(!strcmp(mb2_parse(buf, len, &m), "no end tag"));  /* the size leaves it out */
	put32(0, (uint32_t)len);
	put32(12, 0x10000);                                     /* first tag runs past the end */
	assert(mb2_parse(buf, len, &m) != NULL);
	begin();
	tag(MB2_TAG_CMDLINE, 4);
	len = end();
	assert(!strcmp(mb2_parse(buf, len, &m), "no memory map"));
	begin();
	e820_tag();
	tag(MB2_TAG_EFI_BS, 0);
	len = end();
	assert(mb2_parse(buf, len, &m) != NULL);
	begin();
	efi_tag(32);                                            /* descriptors too small */
	len = end();
	assert(mb2_parse(buf, len, &m) != NULL);
	begin();
	uint32_t p = tag(MB2_TAG_MODULE, 8);
	put32(p, 0x2000);
	put32(p + 4, 0x1000);                                   /* ends before it starts */
	e820_tag();
	len = end();
	assert(mb2_parse(buf, len, &m) != NULL);
	assert(mb2_parse(buf, 8, &m) != NULL);
}

/* Random byte flips of a good structure: refused or decoded, never out of bounds. */
static void test_mutations(void)
{
	static uint8_t good[32768];
	struct mb2_info m;

	begin();
	e820_tag();
	efi_tag(48);
	size_t len = end();
	memcpy(good, buf, len);
	srand(1);
	for (int i = 0; i < 200000; i++) {
		uint8_t *copy = malloc(len);      /* exact size: ASan sees any overrun */
		memcpy(copy, good, len);
		for (int k = 1 + rand() % 4; k; k--)
			copy[rand() % len] ^= (uint8_t)(1u << (rand() % 8));
		const char *err = mb2_parse(copy, len, &m);
		if (!err)
			assert(m.nr_ranges > 0 && m.nr_ranges <= MB2_MAX_RANGES);
		free(copy);
	}
}

int main(void)
{
	test_seabios_shape();
	test_efi_shape(48);
	test_efi_shape(40);
	test_merging();
	test_refusals();
	test_mutations();
	printf("multiboot2: all tests passed\n");
	return 0;
}
