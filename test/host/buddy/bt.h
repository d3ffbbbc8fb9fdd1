/*
 * Shared helpers for the buddy allocator's host tests: boot-info building,
 * map files, bringing up the mm core on the host arena, and checks.
 */
#ifndef BT_H
#define BT_H

#include "mm/gfp.h"
#include "mm/host.h"
#include "mm/mm_dump.h"
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mm/sparse.h"
#include "mneme/bootinfo.h"
#include "mneme/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

extern int bt_failures;

#define CHECK(cond) do { if (!(cond)) { bt_failures++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
	if (_a != _b) { bt_failures++; fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = %llu (%#llx), %s = %llu (%#llx)\n", \
	__FILE__, __LINE__, #a, _a, _a, #b, _b, _b); } } while (0)
/* Run the invariant checker; a violation is a failure. */
#define CHECK_INVARIANTS() do { char _why[256]; int _e = mm_check_invariants(_why, sizeof(_why)); \
	if (_e) { bt_failures++; fprintf(stderr, "%s:%d: invariants: %s\n", __FILE__, __LINE__, _why); } } while (0)

void bt_bootinfo_init(struct mneme_boot_info *bi, unsigned arch);
void bt_add(struct mneme_boot_info *bi, uint64_t base, uint64_t size, unsigned type, unsigned nid);
/*
 * Load a map file: "0xBASE 0xSIZE TYPE [nid]" lines, "arch x86_64|riscv64",
 * "distance A B D" (applied at once through mm_set_node_distance), # comments.
 * Returns 0 or -1.
 */
int bt_load_map(const char *path, struct mneme_boot_info *bi);
/* Arena covering the map, then mm_init(); boot lines go to the capture buffer. Returns mm_init's result. */
int bt_mm_init(const struct mneme_boot_info *bi);
/* Text printed through mm_printf since the last bt_mm_init / bt_capture_reset. */
const char *bt_captured(void);
void bt_capture_reset(void);
/* Zone @zt of node @nid. */
struct zone *bt_zone(int nid, int zt);
/* Allocate everything allocatable (order 10 down to 0) from zone-mask gfp; returns pages taken. */
unsigned long bt_drain_all(gfp_t gfp, struct page **list, unsigned long max, unsigned *orders);
int bt_finish(const char *name);

#endif
