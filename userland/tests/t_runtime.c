/*
 * The user runtime itself: formatted output, string functions, arguments
 * from the start block, the demand-zero stack and heap.
 */
#include <stdarg.h>
#include <libmm/libmm.h>
#include "common.h"

static int fmt_is(struct ktap *k, const char *want, const char *fmt, ...)
	__attribute__((format(__printf__, 3, 4)));

static int fmt_is(struct ktap *k, const char *want, const char *fmt, ...)
{
	char buf[96];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strcmp(buf, want) || n != (int)strlen(want)) {
		ktap_fail(k, __FILE__, __LINE__, "\"%s\" gave \"%s\" (%d), want \"%s\"", fmt, buf, n, want);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ktap k;
	char small[8];

	ktap_begin(&k, "runtime", 4);
	fmt_is(&k, "42 -7 ff FF 0x1f", "%d %i %x %X %#x", 42, -7, 255, 255, 31);
	fmt_is(&k, "[   5] [5    ] [00005]", "[%4d] [%-5d] [%05d]", 5, 5, 5);
	fmt_is(&k, "18446744073709551615 -9223372036854775808", "%llu %lld", ~0ULL,
	       (long long)(-9223372036854775807LL - 1));
	fmt_is(&k, "abc|  abc|ab|(null)", "%s|%5s|%.2s|%s", "abc", "abc", "abc", (char *)NULL);
	fmt_is(&k, "c % 0x10 17", "%c %% %p %o", 'c', (void *)16, 15);
	KTAP_EXPECT_EQ(&k, snprintf(small, sizeof(small), "%s", "0123456789"), 10);
	KTAP_EXPECT(&k, !strcmp(small, "0123456"));
	ktap_result(&k, "printf_formats");

	char a[64], b[64];
	memset(a, 'x', sizeof(a));
	KTAP_EXPECT(&k, a[0] == 'x' && a[63] == 'x');
	memcpy(b, "hello world", 12);
	KTAP_EXPECT(&k, !memcmp(b, "hello world", 12));
	memmove(b + 2, b, 12);
	KTAP_EXPECT(&k, !memcmp(b, "hehello world", 14));
	memmove(b, b + 2, 12);
	KTAP_EXPECT(&k, !memcmp(b, "hello world", 12));
	KTAP_EXPECT_EQ(&k, strlen("four"), 4);
	KTAP_EXPECT(&k, strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0 && !strcmp("", ""));
	KTAP_EXPECT(&k, !strncmp("abcdef", "abcxyz", 3) && strncmp("abcdef", "abcxyz", 4));
	KTAP_EXPECT(&k, strchr("hello", 'l') && *strchr("hello", 'l') == 'l' && !strchr("hello", 'z'));
	ktap_result(&k, "string_functions");

	KTAP_EXPECT(&k, argc >= 1 && !strcmp(argv[0], "t_runtime"));
	KTAP_EXPECT(&k, argv[argc] == NULL);
	KTAP_EXPECT(&k, ulib_start->server_ep != 0);
	KTAP_EXPECT(&k, ulib_ipc_buffer != NULL);
	KTAP_EXPECT_EQ(&k, ulib_strtou("0x1F"), 31);
	KTAP_EXPECT_EQ(&k, ulib_strtou("123"), 123);
	ktap_result(&k, "start_block");

	/* Demand-zero memory: the server maps zeroed pages of a lazy region on first touch. */
	void *lazy = NULL;
	KTAP_EXPECT_EQ(&k, mm_map_anon(NULL, 64 * 4096, MNEME_PROT_READ | MNEME_PROT_WRITE, &lazy), 0);
	volatile uint64_t *heap = lazy;
	unsigned nonzero = 0;
	for (unsigned i = 0; i < 64; i++) {
		nonzero += heap[i * 512] != 0;
		heap[i * 512 + 1] = i;
	}
	for (unsigned i = 0; i < 64; i++)
		nonzero += heap[i * 512 + 1] != i;
	KTAP_EXPECT_EQ(&k, nonzero, 0);
	KTAP_EXPECT_EQ(&k, mm_unmap(lazy, 64 * 4096), 0);
	volatile char deep[40000];   /* more stack than the first pages */
	deep[0] = 1, deep[sizeof(deep) - 1] = 2;
	KTAP_EXPECT(&k, deep[0] + deep[sizeof(deep) - 1] == 3);
	ktap_result(&k, "demand_zero_heap_and_stack");
	return ktap_end(&k);
}
