/*
 * tests=pt_guard: the core's defence against a confused memory server,
 * tried from the one task that may make the calls, on real hardware
 * tables.  Two bare tasks (a root, no thread) are made; then every call
 * that takes a frame is given page-table frames -- a live root, pooled
 * frames, tables in use, a 2 MiB frame with a table inside -- and must
 * refuse them with nothing changed; the server's physmap must map a
 * table read-only and give it back writable; tables an unmap empties
 * must come back through pt_reclaim; and a dead task's frames must be
 * ordinary frames again.  Every frame is back at the end.
 */
#include <mneme/error.h>
#include <mneme/fault.h>
#include <mneme/layout.h>
#include <ulib/ulib.h>
#include <mm/gfp.h>
#include <mm/page.h>
#include "guard.h"
#include "mem.h"
#include "task.h"
#include "vm_backend.h"

#define VA_PAGE 0x400000ULL          /* a 4 KiB page: three new tables under an empty root */
#define VA_HUGE 0x40000000ULL        /* a 2 MiB page in the next GiB */
#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)

struct guard {
	int failed;
	unsigned cases;
};

static void guard_case(struct guard *g, const char *name, int failed)
{
	g->cases++;
	g->failed += failed != 0;
	printf("    %s %u %s\n", failed ? "not ok" : "ok", g->cases, name);
}

#define EXPECT(cond) do { if (!(cond)) { printf("        # %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	bad++; } } while (0)

static uint64_t frame(void)
{
	struct page *p = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);

	return p ? page_to_phys(p) : 0;
}

static void frame_free(uint64_t pa)
{
	__free_pages(pfn_to_page(pa >> 12), 0);
}

/* The rights the server's physmap gives frame @pa (0: not mapped). */
static unsigned physmap_prot(uint64_t pa)
{
	struct mneme_sysret r;

	if (mneme_query_r(&r, mm_server.self, MNEME_LAYOUT_PHYSMAP + pa))
		return 0;
	return (unsigned)r.r[2];
}

/* A bare task on a fresh root: its handle, or 0. */
static uint64_t bare_task(uint64_t root, uint64_t badge)
{
	struct mneme_sysret r;

	for (int tries = 0; tries < 4; tries++) {
		int64_t st = mneme_task_create_r(&r, root, 0, badge);
		if (!st)
			return r.r[1];
		if (st != -MNEME_ENOMEM || vm_backend_server_pool_stock())
			break;
	}
	return 0;
}

/* Destroy @h and take its EXIT message; true if it came. */
static bool destroy(uint64_t h)
{
	struct ulib_msg m;

	if (mneme_task_destroy(h))
		return false;
	mneme_handle_close(h);
	return !ipc_recv(mm_server.ep, &m) && mneme_msginfo_label(m.info) == MNEME_LABEL_EXIT;
}

int guard_selftest(unsigned top_index)
{
	struct guard g = { 0, 0 };
	struct mneme_sysret r;
	uint64_t free_before = mem_free_pages(), own_before = vm_server_pt_frames;
	uint64_t root_a = frame(), root_b = frame(), pool[3], b_pool[3], page = frame(), other = frame();
	int bad = 0;

	printf("    KTAP version 1\n    # Subtest: pt_guard\n    1..8\n");
	uint64_t a = bare_task(root_a, 1), b = bare_task(root_b, 2);
	EXPECT(a && b);
	EXPECT(physmap_prot(root_a) == MNEME_PROT_READ && physmap_prot(root_b) == MNEME_PROT_READ);
	EXPECT(physmap_prot(page) == RW);
	guard_case(&g, "roots_read_only_for_the_server", bad);

	bad = 0;
	EXPECT(mneme_map(a, VA_PAGE, root_b, 12, RW) == -MNEME_EPERM);
	EXPECT(mneme_map(b, VA_PAGE, root_b, 12, MNEME_PROT_READ) == -MNEME_EPERM);
	EXPECT(mneme_pt_donate(a, root_b) == -MNEME_EBUSY);
	EXPECT(mneme_task_create(root_a, 0, 3) == -MNEME_EBUSY);
	EXPECT(mneme_query(a, VA_PAGE) == -MNEME_ENOENT && mneme_query(b, VA_PAGE) == -MNEME_ENOENT);
	guard_case(&g, "a_live_root_is_refused", bad);

	bad = 0;
	for (unsigned i = 0; i < 3; i++) {
		pool[i] = frame();
		EXPECT(vm_backend_pt_give(a, pool[i]) == 0);
		EXPECT(physmap_prot(pool[i]) == MNEME_PROT_READ);
	}
	EXPECT(mneme_map(b, VA_PAGE, pool[0], 12, RW) == -MNEME_EPERM);
	EXPECT(mneme_pt_donate(b, pool[1]) == -MNEME_EBUSY);
	EXPECT(mneme_task_create(pool[2], 0, 3) == -MNEME_EBUSY);
	EXPECT(mneme_query(b, VA_PAGE) == -MNEME_ENOENT);
	guard_case(&g, "pooled_frames_are_refused", bad);

	/* a's first page takes the three pooled frames as its tables (PDPT, PD, PT) */
	bad = 0;
	EXPECT(mneme_map(a, VA_PAGE, page, 12, RW) == 0);
	EXPECT(mneme_map(a, VA_PAGE + 4096, other, 12, RW) == 0);      /* the same PT: no table taken */
	for (unsigned i = 0; i < 3; i++) {
		EXPECT(mneme_map(a, VA_PAGE + 8192, pool[i], 12, MNEME_PROT_READ) == -MNEME_EPERM);
		EXPECT(mneme_map(b, VA_PAGE, pool[i], 12, MNEME_PROT_READ) == -MNEME_EPERM);
		EXPECT(mneme_pt_donate(b, pool[i]) == -MNEME_EBUSY);
		EXPECT(mneme_task_create(pool[i], 0, 3) == -MNEME_EBUSY);
		EXPECT(physmap_prot(pool[i]) == MNEME_PROT_READ);
	}
	EXPECT(mneme_query(a, VA_PAGE + 8192) == -MNEME_ENOENT);
	EXPECT(mneme_query(b, VA_PAGE) == -MNEME_ENOENT);
	guard_case(&g, "tables_in_use_are_refused", bad);

	/* a 2 MiB frame with a frame of a's pool inside */
	bad = 0;
	struct page *big = alloc_pages(GFP_KERNEL | __GFP_ZERO, 9);
	uint64_t big_pa = big ? page_to_phys(big) : 0, inside = big_pa + 17 * 4096;
	EXPECT(big);
	if (big)
		EXPECT(vm_backend_pt_give(a, inside) == 0);
	for (unsigned i = 0; i < 3; i++) {
		b_pool[i] = frame();
		EXPECT(vm_backend_pt_give(b, b_pool[i]) == 0);
	}
	EXPECT(mneme_map(b, VA_HUGE, big_pa, 21, MNEME_PROT_READ) == -MNEME_EPERM);
	EXPECT(mneme_query(b, VA_HUGE) == -MNEME_ENOENT);
	guard_case(&g, "a_huge_frame_holding_a_table_is_refused", bad);

	/* emptied tables come back: a's three, and the frame in the 2 MiB frame it had pooled */
	bad = 0;
	uint64_t back[8], nr = 0;
	EXPECT(mneme_unmap_r(&r, a, VA_PAGE) == 0 && r.r[3] == 0);
	EXPECT(mneme_unmap_r(&r, a, VA_PAGE + 4096) == 0 && r.r[3] == 3);
	while (nr < 8 && !mneme_pt_reclaim_r(&r, a) && r.r[1])
		back[nr++] = r.r[1];
	EXPECT(nr == 4);
	for (unsigned i = 0; i < nr; i++)
		EXPECT(physmap_prot(back[i]) == RW);
	EXPECT(mneme_map(b, VA_HUGE, big_pa, 21, MNEME_PROT_READ) == 0);
	EXPECT(mneme_map(a, VA_PAGE, pool[0], 12, MNEME_PROT_READ) == -MNEME_ENOMEM);   /* an ordinary frame */
	guard_case(&g, "emptied_tables_come_back", bad);

	/* both die: their roots and tables are ordinary frames again */
	bad = 0;
	EXPECT(destroy(a) && destroy(b));
	EXPECT(physmap_prot(root_a) == RW && physmap_prot(root_b) == RW);
	for (unsigned i = 0; i < 3; i++)
		EXPECT(physmap_prot(b_pool[i]) == RW);
	guard_case(&g, "a_dead_tasks_frames_come_back", bad);

	bad = 0;
	const uint64_t frames[] = { root_a, root_b, page, other, pool[0], pool[1], pool[2], b_pool[0],
				    b_pool[1], b_pool[2] };
	for (unsigned i = 0; i < sizeof(frames) / sizeof(frames[0]); i++)
		frame_free(frames[i]);
	if (big)
		__free_pages(big, 9);
	uint64_t free_after = mem_free_pages() + (vm_server_pt_frames - own_before);
	EXPECT(free_after == free_before);
	EXPECT(mem_check("after pt_guard") == 0);
	guard_case(&g, "every_frame_back", bad);
	printf("%s %u pt_guard\n", g.failed ? "not ok" : "ok", top_index);
	return g.failed;
}
