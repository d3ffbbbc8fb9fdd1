/* Sparse vmemmap: present sections, memmap mapping sizes, hole and reserved pages. */
#include "bt.h"

static void x86_small(uint64_t ram)
{
	struct mneme_boot_info bi;

	bt_bootinfo_init(&bi, MNEME_ARCH_X86_64);
	bt_add(&bi, 0, 0x9fc00, MNEME_MEM_USABLE, 0);
	bt_add(&bi, 0x9fc00, 0x400, MNEME_MEM_RESERVED, 0);
	bt_add(&bi, 0xf0000, 0x10000, MNEME_MEM_RESERVED, 0);
	bt_add(&bi, 0x100000, ram - 0x100000, MNEME_MEM_USABLE, 0);
	CHECK_EQ(bt_mm_init(&bi), 0);
}

/* 128 MiB: one section, its 1 MiB memmap mapped with 4 KiB pages. */
static void test_one_section(void)
{
	x86_small(128 * MiB);
	CHECK(present_section_nr(0));
	CHECK(!present_section_nr(1));
	CHECK(pfn_valid(0) && pfn_valid(PAGES_PER_SECTION - 1));
	CHECK(!pfn_valid(PAGES_PER_SECTION));
	CHECK_EQ(sparse_stats.present_sections, 1);
	CHECK_EQ(sparse_stats.memmap_2m_maps, 0);
	CHECK_EQ(sparse_stats.memmap_4k_bytes, MEMMAP_SECTION_BYTES);
	CHECK_EQ(mm_host_vmemmap_mapped(), MEMMAP_SECTION_BYTES);
	/* the VGA hole 0xa0000-0xeffff is no memory: reserved, not present, zone DMA */
	struct page *hole = pfn_to_page(0xa0);
	CHECK((hole->flags & PG_reserved) && !(hole->flags & PG_present));
	CHECK_EQ(page_zonenum(hole), ZONE_DMA);
	/* e820-reserved memory is present but reserved */
	struct page *rom = pfn_to_page(0xf0);
	CHECK((rom->flags & PG_reserved) && (rom->flags & PG_present));
	/* the first MiB is reserved on x86 */
	CHECK(pfn_to_page(0)->flags & PG_reserved);
	/* usable memory above 1 MiB is managed, with zone and node set */
	struct page *p = pfn_to_page(0x5000);
	CHECK(!(p->flags & PG_reserved) && (p->flags & PG_present));
	CHECK_EQ(page_zonenum(p), ZONE_DMA32);
	CHECK_EQ(page_to_nid(p), 0);
	CHECK_EQ(page_zonenum(pfn_to_page(0xfff)), ZONE_DMA);
	CHECK_INVARIANTS();
}

/* 256 MiB: sections 0 and 1 share a 2 MiB memmap chunk, mapped once with one 2 MiB leaf. */
static void test_two_sections_2m(void)
{
	x86_small(256 * MiB);
	CHECK_EQ(sparse_stats.present_sections, 2);
	CHECK_EQ(sparse_stats.memmap_2m_maps, 1);
	CHECK_EQ(sparse_stats.memmap_4k_bytes, 0);
	CHECK_EQ(mm_host_vmemmap_mapped(), 2 * MiB);
	CHECK_INVARIANTS();
	/* 384 MiB: chunk 0 with 2 MiB, section 2 alone with 4 KiB pages */
	x86_small(384 * MiB);
	CHECK_EQ(sparse_stats.memmap_2m_maps, 1);
	CHECK_EQ(sparse_stats.memmap_4k_bytes, MEMMAP_SECTION_BYTES);
	CHECK_EQ(mm_host_vmemmap_mapped(), 3 * MiB);
}

/* Absent sections between memory get no memmap at all. */
static void test_sparse_holes(void)
{
	struct mneme_boot_info bi;

	bt_bootinfo_init(&bi, MNEME_ARCH_RISCV64);
	bt_add(&bi, 0x80000000, 128 * MiB, MNEME_MEM_USABLE, 0);          /* section 16 */
	bt_add(&bi, 0x80000000 + 640 * MiB, 4 * MiB, MNEME_MEM_USABLE, 0); /* section 21, partly */
	CHECK_EQ(bt_mm_init(&bi), 0);
	CHECK(present_section_nr(16) && present_section_nr(21));
	for (unsigned long nr = 17; nr <= 20; nr++)
		CHECK(!present_section_nr(nr));
	CHECK(!present_section_nr(15) && !present_section_nr(22));
	CHECK_EQ(sparse_stats.memmap_2m_maps, 0);
	CHECK_EQ(sparse_stats.memmap_4k_bytes, 2 * MEMMAP_SECTION_BYTES);
	/* the section-21 pages beyond the 4 MiB of memory exist, reserved, not present */
	unsigned long pfn = PHYS_PFN(0x80000000 + 640 * MiB) + 1024;
	CHECK(pfn_valid(pfn));
	CHECK((pfn_to_page(pfn)->flags & (PG_reserved | PG_present)) == PG_reserved);
	CHECK(!pfn_valid(PHYS_PFN(0x80000000 + 256 * MiB)));
	CHECK_EQ(bt_zone(0, ZONE_DMA32)->present_pages, (128 + 4) * MiB / PAGE_SIZE);
	CHECK_EQ(bt_zone(0, ZONE_DMA32)->spanned_pages, (640 + 4) * MiB / PAGE_SIZE);
	CHECK_INVARIANTS();
}

/* Every struct page of a present section is initialised: no zero flags anywhere. */
static void test_all_initialised(void)
{
	x86_small(256 * MiB);
	for (unsigned long pfn = 0; pfn < 2 * PAGES_PER_SECTION; pfn++) {
		struct page *p = pfn_to_page(pfn);
		if (!(p->flags & (PG_reserved | PG_buddy | PG_head)) && p->next == 0) {
			CHECK(!"uninitialised struct page");
			break;
		}
	}
}

int main(void)
{
	mm_init_verbose = false;
	test_one_section();
	test_two_sections_2m();
	test_sparse_holes();
	test_all_initialised();
	return bt_finish("test_sparse");
}
