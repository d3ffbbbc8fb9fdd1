/*
 * A small harness for the memblock host tests: checks that stop the
 * current test on the first failure, a layout comparison for region lists,
 * and a runner that resets memblock before each test and checks the list
 * invariants after it.
 */
#ifndef MBTEST_H
#define MBTEST_H

#include "mm/host.h"
#include "mm/memblock.h"
#include "mneme/error.h"

#include <stdio.h>

/* Simulated physical address space of every test: [0, MBT_PHYS_END). */
#define MBT_PHYS_END (8ULL << 30)

void mbt_fail(const char *file, int line, const char *what);
void mbt_fail_eq(const char *file, int line, const char *a, const char *b,
		 unsigned long long va, unsigned long long vb);
bool mbt_layout(const char *file, int line, const struct memblock_type *type,
		size_t n, const phys_addr_t (*exp)[2]);
void mbt_run(const char *name, void (*fn)(void));
/* Copy of both lists (for "an error left the state unchanged"). */
struct mbt_snapshot {
	struct memblock_type memory, reserved;
	struct memblock_region mem[1024], res[1024];
};
void mbt_snapshot_take(struct mbt_snapshot *s);
bool mbt_snapshot_same(const struct mbt_snapshot *s);
/* Capture mm_printf output; mbt_printed() holds everything since the last clear. */
void mbt_capture(bool on);
const char *mbt_printed(void);

#define MBT_CHECK(c) do { if (!(c)) { mbt_fail(__FILE__, __LINE__, #c); return; } } while (0)
#define MBT_EQ(a, b) do {							\
	unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
	if (_a != _b) { mbt_fail_eq(__FILE__, __LINE__, #a, #b, _a, _b); return; } \
} while (0)
/* MBT_REGIONS(&memblock.memory, {base, size}, ...): exact (base, size) list. */
#define MBT_REGIONS(type, ...) do {						\
	static const phys_addr_t _exp[][2] = { __VA_ARGS__ };			\
	if (!mbt_layout(__FILE__, __LINE__, type, sizeof(_exp) / sizeof(_exp[0]), _exp)) \
		return;								\
} while (0)
#define MBT_EMPTY(type) do {							\
	MBT_EQ((type)->cnt, 1); MBT_EQ((type)->regions[0].size, 0);		\
	MBT_EQ((type)->total_size, 0);						\
} while (0)
#define MBT_RUN(fn) mbt_run(#fn, fn)

#define SZ_4K 0x1000ULL
#define SZ_64K 0x10000ULL
#define SZ_1M 0x100000ULL
#define SZ_2M 0x200000ULL
#define SZ_16M 0x1000000ULL
#define SZ_1G 0x40000000ULL

/* Suites (one per file). */
void memblock_tests_lists(void);
void memblock_tests_alloc(void);
void memblock_tests_iter(void);
void memblock_tests_boot(void);

#endif
