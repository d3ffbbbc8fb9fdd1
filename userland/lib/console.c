/*
 * The debug console: writes go to the core's debug_write syscall, in
 * chunks of at most MNEME_DEBUG_WRITE_MAX bytes.
 */
#include <ulib/stdio.h>
#include <ulib/sys.h>

void console_write(const char *s, size_t n)
{
	while (n) {
		size_t chunk = n < MNEME_DEBUG_WRITE_MAX ? n : MNEME_DEBUG_WRITE_MAX;
		struct mneme_sysret r;

		if (mneme_debug_write_r(&r, (uintptr_t)s, chunk) < 0 || r.r[1] == 0)
			return;
		if (r.r[1] < chunk)
			chunk = r.r[1];
		s += chunk;
		n -= chunk;
	}
}
