/*
 * The C library in the guest (the host test test/host/libc compares it
 * with glibc in depth; this checks that it works where it runs): standard
 * headers only, then the ways a program ends.
 *
 *   stdio      snprintf/sprintf, the streams (a line written in pieces
 *              comes out whole), fflush, perror, printf's return value
 *   stdlib     strtol & co, atoi, qsort, bsearch, rand/srand, div, abs
 *   string     the str* family, strdup, strtok_r, strerror, strcasecmp
 *   ctype, errno (malloc failing sets ENOMEM; mneme's codes are errno values)
 *   malloc     a large block freed twice and a freed large block passed to
 *              realloc are reported and counted, and the task lives on
 *   endings    children that return 7 from main, call exit(5) after three
 *              atexit functions (run last first, stdout flushed), abort(),
 *              fail an assert, and use an assert under NDEBUG: their exit
 *              status and reason (134 for abort and assert)
 *
 * Child modes: mode=exit, mode=abort, mode=assert, mode=ndebug, mode=ret.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libmm/libmm.h>
#include <mneme/fault.h>
#include <ulib/ulib.h>

static int by_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static void stdio_case(struct ktap *k)
{
	char buf[64];

	KTAP_EXPECT_EQ(k, snprintf(buf, sizeof(buf), "%" PRIu64 "-%" PRIx32 "-%s", UINT64_MAX,
				   (uint32_t)0xbeef, "x"), 27);
	KTAP_EXPECT(k, !strcmp(buf, "18446744073709551615-beef-x"));
	KTAP_EXPECT_EQ(k, sprintf(buf, "%05d|%-3s|", -42, "a"), 10);
	KTAP_EXPECT(k, !strcmp(buf, "-0042|a  |"));
	/* one line from pieces: the console shows it whole (run.py looks for it) */
	fputs("libc: a line ", stdout);
	putchar('w');
	fwrite("ritten in pieces", 1, 16, stdout);
	KTAP_EXPECT_EQ(k, fputc('\n', stdout), '\n');
	KTAP_EXPECT_EQ(k, fflush(stdout), 0);
	KTAP_EXPECT_EQ(k, fflush(NULL), 0);
	KTAP_EXPECT_EQ(k, printf("libc: printf returns %d\n", 22), 24);
	errno = ENOENT;
	perror("libc: perror says");
	KTAP_EXPECT_EQ(k, fprintf(stderr, "libc: to stderr %d\n", 1), 18);
	ktap_result(k, "stdio");
}

static void stdlib_case(struct ktap *k)
{
	char *end;

	errno = 0;
	KTAP_EXPECT_EQ(k, strtol("  -0x1fz", &end, 0), (uint64_t)-31);
	KTAP_EXPECT(k, *end == 'z' && errno == 0);
	KTAP_EXPECT_EQ(k, strtol("99999999999999999999", &end, 10), LONG_MAX);
	KTAP_EXPECT(k, errno == ERANGE && *end == '\0');
	KTAP_EXPECT_EQ(k, strtoul("-1", NULL, 10), ULONG_MAX);
	KTAP_EXPECT_EQ(k, strtoull("777", NULL, 8), 511);
	KTAP_EXPECT_EQ(k, strtoll("zz", NULL, 36), 1295);
	KTAP_EXPECT_EQ(k, atoi("  123abc"), 123);
	KTAP_EXPECT_EQ(k, atol("-77"), (uint64_t)-77);
	KTAP_EXPECT(k, strtol("abc", &end, 10) == 0 && !strcmp(end, "abc"));

	int v[200];
	srand(42);
	int first = rand();
	for (int i = 0; i < 200; i++)
		v[i] = rand() % 1000;
	srand(42);
	KTAP_EXPECT_EQ(k, rand(), first);
	qsort(v, 200, sizeof(int), by_int);
	bool sorted = true;
	for (int i = 1; i < 200; i++)
		sorted &= v[i - 1] <= v[i];
	KTAP_EXPECT(k, sorted);
	int key = v[117];
	int *hit = bsearch(&key, v, 200, sizeof(int), by_int);
	KTAP_EXPECT(k, hit && *hit == key);
	key = 5000;
	KTAP_EXPECT(k, bsearch(&key, v, 200, sizeof(int), by_int) == NULL);
	div_t d = div(-7, 2);
	KTAP_EXPECT(k, d.quot == -3 && d.rem == -1 && abs(-5) == 5 && llabs(LLONG_MIN + 1) == LLONG_MAX);
	KTAP_EXPECT(k, getenv("PATH") == NULL);
	ktap_result(k, "stdlib");
}

static void string_case(struct ktap *k)
{
	char buf[64], *save;

	strcpy(buf, "alpha");
	strcat(buf, ",beta");
	strncat(buf, ",gamma,delta", 6);
	KTAP_EXPECT(k, !strcmp(buf, "alpha,beta,gamma"));
	KTAP_EXPECT(k, strrchr(buf, 'a') == buf + 15 && strstr(buf, "beta") == buf + 6);
	KTAP_EXPECT(k, strspn(buf, "ahlp") == 5 && strcspn(buf, ",") == 5);
	KTAP_EXPECT(k, strpbrk(buf, "gb") == buf + 6 && memchr(buf, 'g', 16) == buf + 11);
	char *w1 = strtok_r(buf, ",", &save), *w2 = strtok_r(NULL, ",", &save);
	char *w3 = strtok_r(NULL, ",", &save);
	KTAP_EXPECT(k, !strcmp(w1, "alpha") && !strcmp(w2, "beta") && !strcmp(w3, "gamma"));
	KTAP_EXPECT(k, strtok_r(NULL, ",", &save) == NULL);
	char *dup = strdup("copy me");
	KTAP_EXPECT(k, dup && !strcmp(dup, "copy me"));
	free(dup);
	KTAP_EXPECT(k, strlcpy(buf, "truncated", 5) == 9 && !strcmp(buf, "trun"));
	KTAP_EXPECT(k, !strcasecmp("MiXeD", "mixed") && strncasecmp("abc", "ABD", 3) < 0);
	KTAP_EXPECT(k, !strcmp(strerror(ENOMEM), "out of memory"));
	KTAP_EXPECT(k, !strcmp(strerror(EDOM), "argument out of domain"));
	KTAP_EXPECT(k, !strcmp(strerror(12345), "unknown error"));
	KTAP_EXPECT(k, !strcmp(mneme_error_name(-MNEME_EQUOTA), "EQUOTA"));
	KTAP_EXPECT(k, !strcmp(mneme_strerror(-MNEME_EDEAD), "the peer died"));
	KTAP_EXPECT(k, !strcmp(mneme_fault_name(MNEME_FAULT_PAGE), "page fault"));
	ktap_result(k, "string");

	KTAP_EXPECT(k, isdigit('7') && !isdigit('a') && isxdigit('F') && isspace('\t'));
	KTAP_EXPECT(k, toupper('q') == 'Q' && tolower('Q') == 'q' && tolower('1') == '1');
	KTAP_EXPECT(k, ispunct('!') && !ispunct('a') && isprint(' ') && !isprint('\n'));
	KTAP_EXPECT(k, !isalpha(EOF) && !isalpha(200));
	ktap_result(k, "ctype");
}

static void errno_malloc_case(struct ktap *k)
{
	struct malloc_stats before, after;

	/* mneme's codes are errno values: a failed request's status negated */
	void *va;
	int64_t st = mm_map_anon(NULL, 3, MNEME_PROT_READ, &va);   /* not a page multiple */
	KTAP_EXPECT_EQ(k, -st, EINVAL);
	errno = 0;
	KTAP_EXPECT(k, malloc((size_t)1 << 40) == NULL && errno == ENOMEM);   /* over the quota */
	errno = 0;
	KTAP_EXPECT(k, calloc(SIZE_MAX / 2, 4) == NULL);

	malloc_get_stats(&before);
	char *big = malloc(64 * 1024);
	KTAP_EXPECT(k, big != NULL);
	if (big)
		big[64 * 1024 - 1] = 1;
	free(big);
	free(big);                                      /* reported, not followed */
	KTAP_EXPECT(k, realloc(big, 10) == NULL);       /* reported too */
	char *small = malloc(40);
	free(small);
	free(small);
	malloc_get_stats(&after);
	KTAP_EXPECT_EQ(k, after.errors - before.errors, 3);
	KTAP_EXPECT_EQ(k, after.in_use, before.in_use);
	ktap_result(k, "errno_and_malloc_reports");
}

/* The last to run leaves a line without its newline in stdout: exit() must flush it. */
static void on_exit_1(void) { fputs("libc: atexit 1 (runs last), flushed by exit", stdout); }
static void on_exit_2(void) { printf("libc: atexit 2\n"); }
static void on_exit_3(void) { printf("libc: atexit 3 (runs first)\n"); }

/* assert() is off under NDEBUG (and the header may be included again to change that). */
#define NDEBUG
#include <assert.h>
static int ndebug_child(void)
{
	assert(0 == 1);
	return 3;
}
#undef NDEBUG
#include <assert.h>

static int child(const char *mode)
{
	if (!strcmp(mode, "ret"))
		return 7;
	if (!strcmp(mode, "exit")) {
		atexit(on_exit_1);
		atexit(on_exit_2);
		atexit(on_exit_3);
		exit(5);
	}
	if (!strcmp(mode, "abort"))
		abort();
	if (!strcmp(mode, "assert")) {
		int two = 2;
		assert(two + two == 5);
		return 0;
	}
	if (!strcmp(mode, "ndebug"))
		return ndebug_child();
	return 99;
}

static void endings_case(struct ktap *k)
{
	static const struct { const char *args; int64_t status; } want[] = {
		{ "mode=ret", 7 }, { "mode=exit", 5 }, { "mode=abort", 134 },
		{ "mode=assert", 134 }, { "mode=ndebug", 3 },
	};

	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t id, status = 0, reason = 0;
		int64_t st = mm_spawn("t_libc", want[i].args, 0, 0, 0, &id);
		KTAP_EXPECT_EQ(k, st, 0);
		if (st)
			continue;
		KTAP_EXPECT_EQ(k, mm_wait(id, 200000, &status, &reason), 0);
		if ((int64_t)status != want[i].status || reason != MNEME_EXIT_NORMAL)
			ktap_fail(k, __FILE__, __LINE__, "%s: status %lld, reason %s; want %lld, exited",
				  want[i].args, (long long)status, mneme_exit_reason_name(reason),
				  (long long)want[i].status);
	}
	ktap_result(k, "exit_abort_assert");
}

int main(int argc, char **argv)
{
	const char *mode = ulib_arg(argc, argv, "mode");
	struct ktap k;

	if (mode)
		return child(mode);
	ktap_begin(&k, "libc", 6);
	stdio_case(&k);
	stdlib_case(&k);
	string_case(&k);
	errno_malloc_case(&k);
	endings_case(&k);
	return ktap_end(&k);
}
