/*
 * Harness of the Linux-API compatibility test (linux_api_test.c): gives
 * the mm core a simulated physical address space, like Linux's
 * tools/testing/memblock/tests/common.c, and runs the checks.
 */
#include "mm/host.h"
#include "mm/memblock.h"

#include <stdio.h>

#define DUMMY_BASE (1ULL << 30)

phys_addr_t dummy_physical_memory_base(void);
int memblock_linux_basic_checks(void);
int memblock_linux_alloc_checks(void);

phys_addr_t dummy_physical_memory_base(void)
{
	return DUMMY_BASE;
}

int main(void)
{
	int basic, alloc;

	if (mm_host_arena_init(8ULL << 30)) {
		printf("cannot create the host arena\n");
		return 2;
	}
	basic = memblock_linux_basic_checks();
	printf("%s: basic API checks (%d failed)\n", basic ? "FAIL" : "ok", basic);
	alloc = memblock_linux_alloc_checks();
	printf("%s: alloc API checks (%d failed)\n", alloc ? "FAIL" : "ok", alloc);
	if (memblock_check())
		return 1;
	return basic || alloc ? 1 : 0;
}
