/*
 * The C library of user programs (userland/libc, userland/lib) on the
 * host, against glibc: every public function is compiled from mneme's
 * sources with mneme's own headers (-nostdlibinc) and renamed mn_* (see
 * test/host/libc.cmake), so both libraries live in one program.
 *
 *   strtol & co   fixed edge cases and 300,000 random strings (spaces,
 *                 signs, prefixes, every base, overflow): value, end
 *                 pointer and ERANGE as glibc
 *   qsort         random arrays of several element sizes against glibc's
 *                 order, and the comparison count on patterns that defeat
 *                 naive quicksort (sorted, reversed, organ pipe, equal)
 *   bsearch, ctype, string functions, strtok_r, strerror
 *   names         every code of <mneme/error.h> and <mneme/fault.h>
 *                 (read from the headers given on the command line) has its
 *                 own name; every errno value its own message
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long mn_strtol(const char *s, char **end, int base);
unsigned long mn_strtoul(const char *s, char **end, int base);
long long mn_strtoll(const char *s, char **end, int base);
unsigned long long mn_strtoull(const char *s, char **end, int base);
int mn_atoi(const char *s);
void mn_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void *mn_bsearch(const void *key, const void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *));
int mn_isalnum(int), mn_isalpha(int), mn_isblank(int), mn_iscntrl(int), mn_isdigit(int),
    mn_isgraph(int), mn_islower(int), mn_isprint(int), mn_ispunct(int), mn_isspace(int),
    mn_isupper(int), mn_isxdigit(int), mn_tolower(int), mn_toupper(int);
void *mn_memchr(const void *s, int c, size_t n);
char *mn_strrchr(const char *s, int c);
char *mn_strchr(const char *s, int c);
char *mn_strstr(const char *h, const char *n);
char *mn_strpbrk(const char *s, const char *a);
size_t mn_strspn(const char *s, const char *a);
size_t mn_strcspn(const char *s, const char *r);
char *mn_strcpy(char *d, const char *s);
char *mn_strncpy(char *d, const char *s, size_t n);
char *mn_strcat(char *d, const char *s);
char *mn_strncat(char *d, const char *s, size_t n);
size_t mn_strlcpy(char *d, const char *s, size_t n);
size_t mn_strlcat(char *d, const char *s, size_t n);
char *mn_strdup(const char *s);
char *mn_strndup(const char *s, size_t n);
char *mn_strtok_r(char *s, const char *d, char **save);
int mn_strcasecmp(const char *a, const char *b);
int mn_strncasecmp(const char *a, const char *b, size_t n);
int mn_strcmp(const char *a, const char *b);
int mn_strncmp(const char *a, const char *b, size_t n);
char *mn_strerror(int err);
extern int mn_errno;
/* mneme's errno values (its <errno.h>), not glibc's */
#define MN_EINVAL 1
#define MN_ERANGE 6
const char *mneme_error_name(int64_t err);
const char *mneme_strerror(int64_t err);
const char *mneme_fault_name(uint64_t kind);
const char *mneme_exit_reason_name(uint64_t reason);
const char *mneme_access_name(uint64_t prot);

static int failures;
#define CHECK(c, ...) do { if (!(c)) { if (failures++ < 30) { \
	printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #c); printf(__VA_ARGS__); printf("\n"); } } } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* ---- strtol & co ------------------------------------------------------- */

static void check_strto(const char *s, int base)
{
	char *e1, *e2;
	int er1, er2;

	errno = 0, mn_errno = 0;
	long a1 = strtol(s, &e1, base);
	er1 = errno;
	long a2 = mn_strtol(s, &e2, base);
	er2 = mn_errno;
	CHECK(a1 == a2 && e1 == e2 && (er1 == ERANGE) == (er2 == MN_ERANGE),
	      "strtol(\"%s\", %d): glibc %ld end %td errno %d, ours %ld end %td errno %d",
	      s, base, a1, e1 - s, er1, a2, e2 - s, er2);
	errno = 0, mn_errno = 0;
	unsigned long b1 = strtoul(s, &e1, base);
	er1 = errno;
	unsigned long b2 = mn_strtoul(s, &e2, base);
	er2 = mn_errno;
	CHECK(b1 == b2 && e1 == e2 && (er1 == ERANGE) == (er2 == MN_ERANGE),
	      "strtoul(\"%s\", %d): glibc %lu end %td, ours %lu end %td", s, base, b1, e1 - s, b2,
	      e2 - s);
	errno = 0, mn_errno = 0;
	long long c1 = strtoll(s, &e1, base);
	long long c2 = mn_strtoll(s, &e2, base);
	CHECK(c1 == c2 && e1 == e2 && (errno == ERANGE) == (mn_errno == MN_ERANGE),
	      "strtoll(\"%s\", %d)", s, base);
	errno = 0, mn_errno = 0;
	unsigned long long d1 = strtoull(s, &e1, base);
	unsigned long long d2 = mn_strtoull(s, &e2, base);
	CHECK(d1 == d2 && e1 == e2 && (errno == ERANGE) == (mn_errno == MN_ERANGE),
	      "strtoull(\"%s\", %d)", s, base);
	if (base == 10)
		CHECK(atoi(s) == mn_atoi(s) || a1 > INT_MAX || a1 < INT_MIN, "atoi(\"%s\")", s);
}

static void test_strto(void)
{
	int f0 = failures;
	static const char *const fixed[] = {
		"", " ", "+", "-", "0", "-0", "+0", "42", "  \t\n-42xyz", "0x", "0x1g", "0X1F",
		"0xg", "-0x10", "010", "08", "0b101", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809", "18446744073709551615",
		"18446744073709551616", "-18446744073709551615", "-18446744073709551616",
		"99999999999999999999999999", "-1", "zz", "ZZ", "  +z", "0x7fffffffffffffff",
		"0xffffffffffffffff", "0x10000000000000000", "1e5", "\v\f\r 7",
	};
	static const int bases[] = { 0, 2, 8, 10, 16, 36, 1, 37, -1 };

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
			if (bases[b] == 1 || bases[b] > 36 || bases[b] < 0) {
				char *e;
				mn_errno = 0;
				CHECK(mn_strtol(fixed[i], &e, bases[b]) == 0 && e == fixed[i] &&
				      mn_errno == MN_EINVAL, "bad base %d", bases[b]);
				continue;
			}
			check_strto(fixed[i], bases[b]);
		}
	static const char alphabet[] = "0123456789abcdefxyzABCDEFXZ+- \t";
	for (int i = 0; i < 300000; i++) {
		char s[48];
		size_t n = 0, len = rnd() % 30;
		while (rnd() % 4 == 0 && n < 4)
			s[n++] = " \t\n"[rnd() % 3];
		if (rnd() % 3 == 0)
			s[n++] = "+-"[rnd() % 2];
		if (rnd() % 4 == 0) {
			s[n++] = '0';
			s[n++] = "xX"[rnd() % 2];
		}
		for (size_t k = 0; k < len; k++)
			s[n++] = rnd() % 4 ? "0123456789abcdef"[rnd() % (rnd() % 2 ? 10 : 16)]
					   : alphabet[rnd() % (sizeof(alphabet) - 1)];
		s[n] = '\0';
		static const int rb[] = { 0, 2, 3, 8, 10, 16, 20, 36 };
		check_strto(s, rb[rnd() % 8]);
	}
	printf("%s 1 strtol strtoul strtoll strtoull atoi: edge cases and 300000 random strings\n", failures == f0 ? "ok" : "not ok");
}

/* ---- qsort, bsearch ----------------------------------------------------- */

static size_t elem_size;
static unsigned long compares;

static int cmp_bytes(const void *a, const void *b)
{
	compares++;
	return memcmp(a, b, elem_size);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	compares++;
	return x < y ? -1 : x > y;
}

static void test_qsort(void)
{
	int f0 = failures;
	static const size_t sizes[] = { 1, 2, 3, 4, 7, 8, 12, 16, 24, 40 };
	static unsigned char a[5000 * 40], b[5000 * 40];

	for (int round = 0; round < 400; round++) {
		elem_size = sizes[rnd() % 10];
		size_t n = rnd() % 4 ? rnd() % 40 : rnd() % 5000;
		unsigned span = rnd() % 2 ? 4 : 256;   /* few distinct values: many duplicates */
		for (size_t i = 0; i < n * elem_size; i++)
			a[i] = (unsigned char)(rnd() % span);
		memcpy(b, a, n * elem_size);
		qsort(a, n, elem_size, cmp_bytes);
		mn_qsort(b, n, elem_size, cmp_bytes);
		CHECK(!memcmp(a, b, n * elem_size), "qsort of %zu elements of %zu bytes", n, elem_size);
	}
	/* Patterns that make naive quicksort quadratic: the comparisons stay O(n log n). */
	enum { N = 100000 };
	static int v[N];
	for (int pattern = 0; pattern < 5; pattern++) {
		for (int i = 0; i < N; i++)
			v[i] = pattern == 0 ? i : pattern == 1 ? N - i : pattern == 2 ? (i < N / 2 ? i : N - i)
			     : pattern == 3 ? 7 : (i % 2 ? i : N - i);
		compares = 0;
		mn_qsort(v, N, sizeof(int), cmp_int);
		int sorted = 1;
		for (int i = 1; i < N; i++)
			sorted &= v[i - 1] <= v[i];
		CHECK(sorted, "pattern %d not sorted", pattern);
		CHECK(compares < 4UL * N * 17, "pattern %d: %lu comparisons for %d elements", pattern,
		      compares, N);
	}
	/* bsearch finds each element and misses the gaps. */
	for (int i = 0; i < 1000; i++)
		v[i] = 2 * i;
	for (int k = -1; k < 2001; k++) {
		int *hit = mn_bsearch(&k, v, 1000, sizeof(int), cmp_int);
		CHECK(k % 2 == 0 && k >= 0 && k < 2000 ? hit && *hit == k : hit == NULL, "bsearch %d", k);
	}
	CHECK(mn_bsearch(&v[0], v, 0, sizeof(int), cmp_int) == NULL, "bsearch of nothing");
	printf("%s 2 qsort against glibc (10 element sizes, duplicates), O(n log n) on hard patterns; bsearch\n", failures == f0 ? "ok" : "not ok");
}

/* ---- ctype, strings ------------------------------------------------------ */

static void test_ctype(void)
{
	int f0 = failures;
	for (int c = -1; c < 256; c++) {
		/* glibc in the "C" locale: nothing above 127 is in a class */
		CHECK(!!isalnum(c) == !!mn_isalnum(c) && !!isalpha(c) == !!mn_isalpha(c) &&
		      !!isblank(c) == !!mn_isblank(c) && !!iscntrl(c) == !!mn_iscntrl(c) &&
		      !!isdigit(c) == !!mn_isdigit(c) && !!isgraph(c) == !!mn_isgraph(c) &&
		      !!islower(c) == !!mn_islower(c) && !!isprint(c) == !!mn_isprint(c) &&
		      !!ispunct(c) == !!mn_ispunct(c) && !!isspace(c) == !!mn_isspace(c) &&
		      !!isupper(c) == !!mn_isupper(c) && !!isxdigit(c) == !!mn_isxdigit(c) &&
		      tolower(c) == mn_tolower(c) && toupper(c) == mn_toupper(c), "class of %d", c);
	}
	printf("%s 3 ctype: every class of -1..255 as glibc's \"C\" locale\n", failures == f0 ? "ok" : "not ok");
}

static void random_string(char *s, size_t max, const char *alphabet)
{
	size_t n = rnd() % max, k = strlen(alphabet);

	for (size_t i = 0; i < n; i++)
		s[i] = alphabet[rnd() % k];
	s[n] = '\0';
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_strings(void)
{
	int f0 = failures;
	char s[64], t[8], d1[160], d2[160];

	for (int i = 0; i < 100000; i++) {
		random_string(s, sizeof(s), "abcAB ,");
		random_string(t, rnd() % 2 ? 3 : 6, "abcA ,");
		int c = "abcAB ,\0"[rnd() % 8];
		CHECK(strrchr(s, c) == mn_strrchr(s, c), "strrchr");
		CHECK(strchr(s, c) == mn_strchr(s, c), "strchr");
		CHECK(strstr(s, t) == mn_strstr(s, t), "strstr(\"%s\", \"%s\")", s, t);
		CHECK(strpbrk(s, t) == mn_strpbrk(s, t), "strpbrk");
		CHECK(strspn(s, t) == mn_strspn(s, t) && strcspn(s, t) == mn_strcspn(s, t), "strspn");
		size_t n = rnd() % 70;
		CHECK(memchr(s, c, n < sizeof(s) ? n : sizeof(s)) ==
		      mn_memchr(s, c, n < sizeof(s) ? n : sizeof(s)), "memchr");
		CHECK(sign(strcasecmp(s, t)) == sign(mn_strcasecmp(s, t)), "strcasecmp");
		CHECK(sign(strncasecmp(s, t, n)) == sign(mn_strncasecmp(s, t, n)), "strncasecmp");
		CHECK(sign(strcmp(s, t)) == sign(mn_strcmp(s, t)), "strcmp");
		CHECK(sign(strncmp(s, t, n)) == sign(mn_strncmp(s, t, n)), "strncmp");
		memset(d1, 'x', sizeof(d1));
		memset(d2, 'x', sizeof(d2));
		CHECK(strncpy(d1, s, n) == d1 && mn_strncpy(d2, s, n) == d2 && !memcmp(d1, d2, sizeof(d1)),
		      "strncpy %zu", n);
		strcpy(d1, t);
		mn_strcpy(d2, t);
		strcat(d1, s);
		mn_strcat(d2, s);
		strncat(d1, t, n % 5);
		mn_strncat(d2, t, n % 5);
		CHECK(!strcmp(d1, d2), "strcpy/strcat/strncat");
		/* strlcpy/strlcat: glibc 2.36 has none; check the contract directly */
		size_t size = rnd() % 20;
		memset(d2, 'x', sizeof(d2));
		size_t r = mn_strlcpy(d2, s, size);
		CHECK(r == strlen(s) && (size == 0 ? d2[0] == 'x' :
		      strlen(d2) == (r < size ? r : size - 1) && !strncmp(d2, s, size - 1)), "strlcpy");
		if (size) {
			r = mn_strlcat(d2, t, size + 3);
			CHECK(r == strlen(d2) + (r >= size + 3 ? r - strlen(d2) : 0) && strlen(d2) < size + 3,
			      "strlcat");
		}
		char *p = mn_strdup(s), *q = mn_strndup(s, n);
		CHECK(p && !strcmp(p, s) && q && !strncmp(q, s, n) && strlen(q) == strnlen(s, n), "strdup");
		free(p);
		free(q);
		char a1[64], a2[64], *sv1, *sv2;
		strcpy(a1, s);
		strcpy(a2, s);
		char *w1 = strtok_r(a1, " ,", &sv1), *w2 = mn_strtok_r(a2, " ,", &sv2);
		while (w1 || w2) {
			CHECK(w1 && w2 && w1 - a1 == w2 - a2 && !strcmp(w1, w2), "strtok_r of \"%s\"", s);
			if (!w1 || !w2)
				break;
			w1 = strtok_r(NULL, " ,", &sv1);
			w2 = mn_strtok_r(NULL, " ,", &sv2);
		}
	}
	printf("%s 4 string functions against glibc on 100000 random strings\n", failures == f0 ? "ok" : "not ok");
}

/* ---- names ------------------------------------------------------------ */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[65536];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Apply @fn to every "NAME = N" / "#define NAME N" matching @rx in @path; returns the matches. */
static int each_code(const char *path, const char *rx, void (*fn)(const char *name, long v))
{
	char *text = slurp(path);
	regex_t re;
	regmatch_t m[3];
	int found = 0;

	CHECK(text != NULL, "cannot read %s", path);
	if (!text || regcomp(&re, rx, REG_EXTENDED | REG_NEWLINE))
		return 0;
	for (char *p = text; !regexec(&re, p, 3, m, 0); p += m[0].rm_eo) {
		char name[64];
		int len = (int)(m[1].rm_eo - m[1].rm_so);
		snprintf(name, sizeof(name), "%.*s", len, p + m[1].rm_so);
		fn(name, strtol(p + m[2].rm_so, NULL, 0));
		found++;
	}
	regfree(&re);
	return found;
}

static const char *seen[64];
static int nseen;

static int distinct(const char *s)
{
	for (int i = 0; i < nseen; i++)
		if (!strcmp(seen[i], s))
			return 0;
	if (nseen < 64)
		seen[nseen++] = s;
	return 1;
}

static void error_code(const char *name, long v)
{
	if (!strcmp(name, "ERROR_MAX") || !strcmp(name, "OK"))
		return;
	CHECK(!strcmp(mneme_error_name(v), name) && !strcmp(mneme_error_name(-v), name),
	      "MNEME_%s = %ld is named \"%s\"", name, v, mneme_error_name(v));
	CHECK(strcmp(mneme_strerror(-v), "unknown error") && distinct(mneme_strerror(v)),
	      "MNEME_%s has no message of its own", name);
	CHECK(!strcmp(mn_strerror((int)v), mneme_strerror(v)), "strerror(%ld) is not mneme's", v);
}

static void fault_kind(const char *name, long v)
{
	CHECK(strncmp(mneme_fault_name((uint64_t)v), "unknown", 7) && distinct(mneme_fault_name((uint64_t)v)),
	      "MNEME_FAULT_%s has no name", name);
}

static void exit_reason(const char *name, long v)
{
	CHECK(strncmp(mneme_exit_reason_name((uint64_t)v), "unknown", 7) &&
	      distinct(mneme_exit_reason_name((uint64_t)v)), "MNEME_EXIT_%s has no name", name);
}

static void test_names(const char *error_h, const char *fault_h)
{
	int f0 = failures;
	nseen = 0;
	int n = each_code(error_h, "MNEME_([A-Z_]+) = ([0-9]+)", error_code);
	CHECK(n >= 14, "only %d error codes found in %s", n, error_h);
	CHECK(!strcmp(mneme_error_name(12345), "E?") && !strcmp(mneme_strerror(-999), "unknown error"),
	      "unknown codes");
	nseen = 0;
	n = each_code(fault_h, "#define MNEME_FAULT_([A-Z]+) +([0-9]+)", fault_kind);
	CHECK(n >= 7, "only %d fault kinds found", n);
	CHECK(!strncmp(mneme_fault_name(0), "unknown", 7) && !strncmp(mneme_fault_name(99), "unknown", 7),
	      "unknown fault kind");
	nseen = 0;
	n = each_code(fault_h, "#define MNEME_EXIT_([A-Z]+) +([0-9]+)", exit_reason);
	CHECK(n >= 4, "only %d exit reasons found", n);
	CHECK(!strcmp(mneme_access_name(2), "write") && !strcmp(mneme_access_name(5), "read/execute") &&
	      !strcmp(mneme_access_name(0), "no access") && !strcmp(mneme_access_name(8), "unknown access"),
	      "access names");
	printf("%s 5 names: every error code, fault kind and exit reason of the ABI headers\n", failures == f0 ? "ok" : "not ok");
}

/* The errno values of mneme's <errno.h>, read from the header (they differ from glibc's). */
static void errno_value(const char *name, long v)
{
	CHECK(strcmp(mn_strerror((int)v), "unknown error") && distinct(mn_strerror((int)v)),
	      "errno %s (%ld) has no message of its own", name, v);
}

static void test_errno(const char *errno_h)
{
	int f0 = failures;
	nseen = 0;
	int n = each_code(errno_h, "#define (E[A-Z0-9]+) +([0-9]+)", errno_value);
	CHECK(n >= 25, "only %d errno values in %s", n, errno_h);
	CHECK(!strcmp(mn_strerror(1000), "unknown error") && !strcmp(mn_strerror(-1), "unknown error"),
	      "unknown errno");
	printf("%s 6 strerror: every errno value of <errno.h> has its own message\n", failures == f0 ? "ok" : "not ok");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s ipc/include/mneme/error.h ipc/include/mneme/fault.h userland/libc/include/errno.h\n",
			argv[0]);
		return 2;
	}
	printf("TAP version 13\n1..6\n");
	test_strto();
	test_qsort();
	test_ctype();
	test_strings();
	test_names(argv[1], argv[2]);
	test_errno(argv[3]);
	if (failures)
		printf("# %d failures\n", failures);
	return failures != 0;
}
