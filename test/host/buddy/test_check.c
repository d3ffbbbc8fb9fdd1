/* The invariant checker catches deliberately corrupted state, and passes once it is repaired. */
#include "bt.h"

static int corrupt_count;

/* Expect the checker to fail with a message containing @what. */
static void expect_corrupt(const char *what, int line)
{
	char why[256];
	int err = mm_check_invariants(why, sizeof(why));

	corrupt_count++;
	if (err != -MNEME_ECORRUPT || !strstr(why, what)) {
		bt_failures++;
		fprintf(stderr, "test_check.c:%d: expected corruption \"%s\", got %d \"%s\"\n", line, what, err, why);
	}
}
#define EXPECT_CORRUPT(what) expect_corrupt(what, __LINE__)

static struct zone *z;

/* First free block of @order in the zone's movable lists. */
static struct page *free_block(unsigned order)
{
	return page_list_first(&z->free_area[order].free_list[MIGRATE_MOVABLE]);
}

int main(void)
{
	struct mneme_boot_info bi;

	mm_init_verbose = false;
	bt_bootinfo_init(&bi, MNEME_ARCH_RISCV64);
	bt_add(&bi, 0x80000000, 256 * MiB, MNEME_MEM_USABLE, 0);
	CHECK_EQ(bt_mm_init(&bi), 0);
	z = bt_zone(0, ZONE_DMA32);
	CHECK_INVARIANTS();
	struct page *a = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);    /* on pcp lists now: a batch */
	struct page *big = alloc_pages(GFP_HIGHUSER_MOVABLE, 5);
	CHECK_INVARIANTS();

	/* 1. wrong order on a free block */
	struct page *f = free_block(10);
	f->private = 9;
	EXPECT_CORRUPT("on list of order 10");
	f->private = 10;
	/* 2. nr_free off by one */
	z->free_area[3].nr_free++;
	EXPECT_CORRUPT("nr_free");
	z->free_area[3].nr_free--;
	/* 3. zone free counter off */
	z->free_pages += 1;
	EXPECT_CORRUPT("free_pages");
	z->free_pages -= 1;
	/* 4. a page inside a free block claims to be a free block itself (overlap) */
	f[8].flags |= PG_buddy;
	EXPECT_CORRUPT("inside block");
	f[8].flags &= ~PG_buddy;
	/* 5. a free block dropped from its list but still marked free */
	page_list_del(&z->free_area[10].free_list[MIGRATE_MOVABLE], f);
	EXPECT_CORRUPT("");
	page_list_add(&z->free_area[10].free_list[MIGRATE_MOVABLE], f);
	/* 6. an allocated block that lost its mark: neither free nor allocated */
	big->flags &= ~PG_head;
	EXPECT_CORRUPT("neither free nor allocated");
	big->flags |= PG_head;
	/* 7. allocated order recorded wrongly: its tail looks like part of nothing */
	big->flags = (big->flags & ~(PAGE_ORDER_MASK << PAGE_ORDER_SHIFT)) | (4u << PAGE_ORDER_SHIFT);
	EXPECT_CORRUPT("neither free nor allocated");
	big->flags = (big->flags & ~(PAGE_ORDER_MASK << PAGE_ORDER_SHIFT)) | (5u << PAGE_ORDER_SHIFT);
	/* 8. per-CPU count off */
	z->pcp[0].count++;
	EXPECT_CORRUPT("pcp count");
	z->pcp[0].count--;
	/* 9. managed pages off */
	z->managed_pages--;
	EXPECT_CORRUPT("managed");
	z->managed_pages++;
	/* 10. a broken prev link */
	struct page *g = free_block(10);
	uint32_t saved = pfn_to_page(g->next)->prev;
	pfn_to_page(g->next)->prev = PAGE_LIST_NIL;
	EXPECT_CORRUPT("prev link");
	pfn_to_page(g->next)->prev = saved;
	/* 11. a misaligned block: move a free order-10 head's order to its odd neighbour */
	struct page *h = free_block(10);
	unsigned long hp = page_to_pfn(h);
	z->free_area[10].free_list[MIGRATE_MOVABLE].head = (uint32_t)(hp + 1);
	EXPECT_CORRUPT("misaligned");
	z->free_area[10].free_list[MIGRATE_MOVABLE].head = (uint32_t)hp;
	/* 12. a free block whose list link leaves the zone */
	z->free_area[10].free_list[MIGRATE_MOVABLE].head = 0x10000;
	EXPECT_CORRUPT("no memmap");
	z->free_area[10].free_list[MIGRATE_MOVABLE].head = (uint32_t)hp;
	/* 13. the pcp flag on a page of the buddy lists */
	f->flags |= PG_pcp;
	EXPECT_CORRUPT("on a buddy list");
	f->flags &= ~PG_pcp;
	/* 14. the wrong migrate type on a listed block */
	f->migratetype = MIGRATE_UNMOVABLE;
	EXPECT_CORRUPT("migratetype");
	f->migratetype = MIGRATE_MOVABLE;
	/* 15. a slab tail mark left behind on a page of a free block */
	f[3].flags |= PG_slab_tail;
	EXPECT_CORRUPT("inside block");
	f[3].flags &= ~PG_slab_tail;
	/* 16. ... or on an allocated block that is no slab */
	big[1].flags |= PG_slab_tail;
	EXPECT_CORRUPT("inside block");
	big[1].flags &= ~PG_slab_tail;

	CHECK_INVARIANTS();                  /* repaired: clean again */
	CHECK_EQ(__free_pages(a, 0), 0);
	CHECK_EQ(__free_pages(big, 5), 0);
	CHECK_INVARIANTS();
	CHECK_EQ(corrupt_count, 16);
	return bt_finish("test_check");
}
