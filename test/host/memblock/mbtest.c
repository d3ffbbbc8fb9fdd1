/* The memblock host-test harness (see mbtest.h) and the unit-test main. */
#include "mbtest.h"

#include <stdlib.h>
#include <string.h>

static int failures, tests;
static bool current_failed;
static char printed[1 << 16];
static size_t printed_len;

void mbt_fail(const char *file, int line, const char *what)
{
	printf("  %s:%d: check failed: %s\n", file, line, what);
	current_failed = true;
}

void mbt_fail_eq(const char *file, int line, const char *a, const char *b,
		 unsigned long long va, unsigned long long vb)
{
	printf("  %s:%d: %s == %#llx, expected %s == %#llx\n", file, line, a, va, b, vb);
	current_failed = true;
}

static void mbt_print_type(const struct memblock_type *type)
{
	for (unsigned long i = 0; i < type->cnt; i++)
		printf("    %s[%lu] = {%#llx, %#llx} nid %d flags %#x\n", type->name, i,
		       (unsigned long long)type->regions[i].base,
		       (unsigned long long)type->regions[i].size, type->regions[i].nid,
		       (unsigned)type->regions[i].flags);
}

bool mbt_layout(const char *file, int line, const struct memblock_type *type,
		size_t n, const phys_addr_t (*exp)[2])
{
	bool ok = type->cnt == n;
	phys_addr_t total = 0;

	for (size_t i = 0; ok && i < n; i++) {
		ok = type->regions[i].base == exp[i][0] && type->regions[i].size == exp[i][1];
		total += exp[i][1];
	}
	ok = ok && type->total_size == total;
	if (!ok) {
		printf("  %s:%d: %s layout differs; expected:\n", file, line, type->name);
		for (size_t i = 0; i < n; i++)
			printf("    {%#llx, %#llx}\n", (unsigned long long)exp[i][0],
			       (unsigned long long)exp[i][1]);
		printf("  actual (total %#llx):\n", (unsigned long long)type->total_size);
		mbt_print_type(type);
		current_failed = true;
	}
	return ok;
}

static void mbt_copy_type(struct memblock_type *dst, struct memblock_region *dregs,
			  const struct memblock_type *src)
{
	*dst = *src;
	if (src->cnt > 1024)
		abort();
	memcpy(dregs, src->regions, src->cnt * sizeof(*dregs));
}

void mbt_snapshot_take(struct mbt_snapshot *s)
{
	mbt_copy_type(&s->memory, s->mem, &memblock.memory);
	mbt_copy_type(&s->reserved, s->res, &memblock.reserved);
}

static bool mbt_type_same(const struct memblock_type *a, const struct memblock_region *aregs,
			  const struct memblock_type *b)
{
	return a->cnt == b->cnt && a->max == b->max && a->total_size == b->total_size &&
	       a->regions == b->regions &&
	       !memcmp(aregs, b->regions, a->cnt * sizeof(*aregs));
}

bool mbt_snapshot_same(const struct mbt_snapshot *s)
{
	return mbt_type_same(&s->memory, s->mem, &memblock.memory) &&
	       mbt_type_same(&s->reserved, s->res, &memblock.reserved);
}

static void mbt_sink(const char *text)
{
	size_t n = strlen(text);

	if (printed_len + n >= sizeof(printed))
		n = sizeof(printed) - 1 - printed_len;
	memcpy(printed + printed_len, text, n);
	printed_len += n;
	printed[printed_len] = 0;
}

void mbt_capture(bool on)
{
	printed_len = 0;
	printed[0] = 0;
	mm_host_set_print_sink(on ? mbt_sink : NULL);
}

const char *mbt_printed(void)
{
	return printed;
}

void mbt_run(const char *name, void (*fn)(void))
{
	memblock_reset();
	current_failed = false;
	tests++;
	fn();
	mbt_capture(false);
	if (!current_failed && memblock_check() != 0) {
		printf("  invariants broken after the test\n");
		current_failed = true;
	}
	if (current_failed) {
		failures++;
		printf("FAIL %s\n", name);
		memblock_dump_all();
	} else {
		printf("ok   %s\n", name);
	}
}

int main(void)
{
	if (mm_host_arena_init(MBT_PHYS_END)) {
		printf("cannot create the host arena\n");
		return 2;
	}
	memblock_tests_lists();
	memblock_tests_alloc();
	memblock_tests_iter();
	memblock_tests_boot();
	printf("%d tests, %d failed\n", tests, failures);
	return failures ? 1 : 0;
}
