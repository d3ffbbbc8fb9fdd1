/*
 * The runtime's vsnprintf (renamed mn_vsnprintf here) against the C
 * library's: fixed cases, then seeded random conversions with random
 * flags, widths, precisions and values, plus truncation and the returned
 * length.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mn_snprintf(char *buf, size_t size, const char *fmt, ...);
int mn_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

static int failures;

static void check(const char *fmt, ...)
{
	char want[512], got[512];
	va_list ap, aq;

	va_start(ap, fmt);
	va_copy(aq, ap);
	int n1 = vsnprintf(want, sizeof(want), fmt, ap);
	int n2 = mn_vsnprintf(got, sizeof(got), fmt, aq);
	va_end(aq);
	va_end(ap);
	if (n1 != n2 || strcmp(want, got)) {
		if (failures++ < 20)
			printf("FAIL: format \"%s\": libc \"%s\" (%d), ours \"%s\" (%d)\n", fmt, want, n1, got, n2);
	}
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void random_case(void)
{
	static const char *const flags[] = { "", "-", "0", "+", " ", "#", "-0", "+0", "-#", "0#" };
	static const char *const conv[] = { "d", "i", "u", "x", "X", "o", "ld", "lld", "lu", "llx",
					    "zu", "hhd", "hd", "s", "c", "p" };
	char fmt[64];
	const char *c = conv[rnd() % 16];
	const char *f = flags[rnd() % 10];
	int w = rnd() % 3 ? (int)(rnd() % 25) : -1, p = rnd() % 3 ? -1 : (int)(rnd() % 22);
	uint64_t v = rnd() >> (rnd() % 64);
	char wbuf[8] = "", pbuf[8] = "";

	if (w >= 0)
		snprintf(wbuf, sizeof(wbuf), "%d", w);
	if (p >= 0 && c[0] != 'c' && c[0] != 'p')
		snprintf(pbuf, sizeof(pbuf), ".%d", p);
	if (c[0] == 'p' || c[0] == 'c' || c[0] == 's')
		f = strchr(f, '-') ? "-" : "";   /* other flags are undefined for these */
	snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s>", f, wbuf, pbuf, c);
	if (!strcmp(c, "s"))
		check(fmt, "random string");
	else if (!strcmp(c, "c"))
		check(fmt, (int)('a' + v % 26));
	else if (!strcmp(c, "p"))
		check(fmt, (void *)(uintptr_t)(v | 1));   /* libc prints (nil) for NULL */
	else if (c[0] == 'l' && c[1] == 'l')
		check(fmt, (long long)v);
	else if (c[0] == 'l' || c[0] == 'z')
		check(fmt, (long)v);
	else
		check(fmt, (int)v);
}

int main(void)
{
	char small[6];

	check("plain text");
	check("%d %i %u %x %X %o", -5, 42, 7u, 0xabcu, 0xabcu, 8u);
	check("%5d|%-5d|%05d|%+d|% d|%.3d|%8.3d|%-8.3d|", 42, 42, 42, 42, 42, 42, 42, 42);
	check("%#x %#o %#X %#x", 255, 8, 255, 0);
	check("%lld %llu %lx", (long long)INT64_MIN, (unsigned long long)UINT64_MAX, (long)-1);
	check("%s|%10s|%-10s|%.2s|%*s|%-*s|", "abc", "abc", "abc", "abc", 6, "x", 6, "y");
	check("%c%c%c %%", 'a', 'b', 'c');
	check("%p", (void *)0x1234);
	check("%hhd %hd %hhu", 300, 70000, 511);
	check("%zu %zx", (size_t)123456789, (size_t)0xdead);
	check("%.0d|%.0x|%5.0d|", 0, 0, 0);
	check("%*d|%-*d|%.*d", 7, 1, 7, 2, 4, 3);
	for (int i = 0; i < 200000; i++)
		random_case();
	int n = mn_snprintf(small, sizeof(small), "%s", "truncated");
	if (n != 9 || strcmp(small, "trunc")) {
		printf("FAIL: truncation gave \"%s\" (%d)\n", small, n);
		failures++;
	}
	if (mn_snprintf(NULL, 0, "%d", 12345) != 5) {
		printf("FAIL: size 0 must only count\n");
		failures++;
	}
	printf("%s: %d failures\n", failures ? "FAIL" : "PASS", failures);
	return failures != 0;
}
