/*
 * Host tests of the core's address-space calls for the memory server that
 * the other suites do not reach: age_range (the accessed bits the server's
 * reclaim ages pages by) -- decoding, the bitmap, clearing, the shootdown.
 */
#include <string.h>
#include <arch/uspace.h>
#include <core/task.h>
#include <core/vm.h>
#include "harness.h"

#define SYS(t, nr, ...) h_sys(t, MNEME_SYS_##nr, __VA_ARGS__)
#define VA 0x40000000ull

static uint64_t h_task_handle(struct thread *s, uint64_t badge)
{
	CHECK_EQ(SYS(s, task_create, h_frame(), 0, badge, 0, 0, 0, 0), 0);
	return h_ret(s, 1);
}

static void test_age_range(void)
{
	h_init();
	struct task *srv = h_task(true);
	struct thread *s = h_thread(srv, 10);
	h_run(s);
	uint64_t ht = h_task_handle(s, 1);
	struct task *t;
	CHECK_EQ(handle_task(srv, ht, &t), 0);
	/* page tables first (a walk of the four-level tree), so h_map's frames are contiguous */
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(vm_pt_donate(t, h_frame(), &(uint64_t){ 0 }), 0);
		CHECK_EQ(vm_pt_donate(srv, h_frame(), &(uint64_t){ 0 }), 0);
	}
	h_map(t, VA, 8);
	/* the server's bitmap: a page of its own */
	uint64_t *bits = h_map(srv, VA, 1), out = VA;

	/* decode: alignment, size, range, bitmap address; nothing cleared on error */
	CHECK_EQ(SYS(s, age_range, ht, VA + 1, 4096, out, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(s, age_range, ht, VA, 0, out, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(s, age_range, ht, VA, (MNEME_AGE_MAX_PAGES + 1) * 4096ull, out, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(s, age_range, ht, VA, 4096, out + 4, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(s, age_range, ht, VA, 4096, 0x7000, 0, 0, 0), -MNEME_EFAULT);   /* not mapped */
	CHECK_EQ(SYS(s, age_range, ht, 1ull << 62, 4096, out, 0, 0, 0), -MNEME_ERANGE);
	CHECK_EQ(SYS(s, age_range, 0, VA, 4096, out, 0, 0, 0), -MNEME_EBADH);

	/* every page was mapped young: all eight reported, in a 16-page window */
	memset(bits, 0xff, 64);
	unsigned flushes = fake_flushes;
	CHECK_EQ(SYS(s, age_range, ht, VA - 4 * 4096ull, 16 * 4096ull, out, 0, 0, 0), 0);
	CHECK_EQ(h_ret(s, 1), 8);
	CHECK_EQ(bits[0], 0xff0ull);
	CHECK_EQ(bits[1], 0xffffffffffffffffull);   /* past the bitmap's length: untouched */
	CHECK(fake_flushes > flushes);              /* cleared entries are shot down */

	/* cleared now: nothing young, no flush */
	flushes = fake_flushes;
	CHECK_EQ(SYS(s, age_range, ht, VA, 8 * 4096ull, out, 0, 0, 0), 0);
	CHECK_EQ(h_ret(s, 1), 0);
	CHECK_EQ(bits[0], 0);
	CHECK_EQ(fake_flushes, flushes);

	/* the "hardware" touches pages 2 and 5: exactly those come back, once */
	CHECK(fake_access(&t->aspace, VA + 2 * 4096));
	CHECK(fake_access(&t->aspace, VA + 5 * 4096 + 17));
	CHECK_EQ(SYS(s, age_range, ht, VA, 8 * 4096ull, out, 0, 0, 0), 0);
	CHECK_EQ(h_ret(s, 1), 2);
	CHECK_EQ(bits[0], (1ull << 2) | (1ull << 5));
	CHECK_EQ(SYS(s, age_range, ht, VA, 8 * 4096ull, 0, 0, 0, 0), 0);   /* no bitmap: count only */
	CHECK_EQ(h_ret(s, 1), 0);

	/* a dying task is refused */
	CHECK_EQ(SYS(s, task_destroy, ht, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, age_range, ht, VA, 4096, out, 0, 0, 0), -MNEME_EDEAD);
}

int main(void)
{
	test_age_range();
	return h_report("core_vm");
}
