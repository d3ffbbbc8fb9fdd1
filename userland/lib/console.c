/*
 * The debug console: writes go to the core's debug_write syscall, in
 * chunks of at most MNEME_DEBUG_WRITE_MAX bytes (a chunk the core could
 * not read, taken back by reclaim, is touched and written again).
 */
#include <ulib/stdio.h>
#include <ulib/sys.h>

/*
 * Touch every page of [s, s + n): the core reads the text from our memory
 * without faulting it in, and the memory server may have taken a page
 * back under memory pressure (the next touch brings it back).
 */
static void touch(const char *s, size_t n)
{
	for (const volatile char *p = s; p < s + n; p += 4096 - ((uintptr_t)p & 4095))
		(void)*p;
	(void)*(const volatile char *)(s + n - 1);
}

void console_write(const char *s, size_t n)
{
	while (n) {
		size_t chunk = n < MNEME_DEBUG_WRITE_MAX ? n : MNEME_DEBUG_WRITE_MAX;
		struct mneme_sysret r;
		int64_t st = mneme_debug_write_r(&r, (uintptr_t)s, chunk);

		for (int tries = 0; st == -MNEME_EFAULT && tries < 8; tries++) {
			touch(s, chunk);
			st = mneme_debug_write_r(&r, (uintptr_t)s, chunk);
		}
		if (st < 0 || r.r[1] == 0)
			return;
		if (r.r[1] < chunk)
			chunk = r.r[1];
		s += chunk;
		n -= chunk;
	}
}
