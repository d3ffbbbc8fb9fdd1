/*
 * strtol and its family, atoi & co (see <stdlib.h>): one scanner for the
 * magnitude, then each function applies its type's limits.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

struct scan {
	unsigned long long value;   /* the magnitude, ULLONG_MAX if it overflowed */
	bool negative;
	bool overflow;
};

static int digit_value(char c)
{
	if (isdigit(c))
		return c - '0';
	if (islower(c))
		return c - 'a' + 10;
	if (isupper(c))
		return c - 'A' + 10;
	return 99;
}

/* Read [space][sign][prefix]digits; returns false (and *end = s) if there are no digits. */
static bool scan(const char *s, char **end, int base, struct scan *out)
{
	const char *p = s;

	*out = (struct scan){ 0 };
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		if (end)
			*end = (char *)s;
		return false;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		out->negative = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    isxdigit((unsigned char)p[2])) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = *p == '0' ? 8 : 10;
	}
	const char *digits = p;
	for (int d; (d = digit_value(*p)) < base; p++) {
		if (out->value > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
			out->overflow = true;
		else
			out->value = out->value * (unsigned)base + (unsigned)d;
	}
	if (end)
		*end = (char *)(p == digits ? s : p);
	if (out->overflow)
		out->value = ULLONG_MAX;
	return p != digits;
}

/* The signed value within [min, max] (min = -max - 1), or the limit with ERANGE. */
static long long to_signed(const struct scan *sc, long long min, long long max)
{
	unsigned long long limit = sc->negative ? (unsigned long long)max + 1 : (unsigned long long)max;

	if (sc->overflow || sc->value > limit) {
		errno = ERANGE;
		return sc->negative ? min : max;
	}
	return sc->negative ? (long long)(0 - sc->value) : (long long)sc->value;
}

/* C's rule for unsigned conversions: "-N" is N negated in the type, unless N is out of range. */
static unsigned long long to_unsigned(const struct scan *sc, unsigned long long max)
{
	if (sc->overflow || sc->value > max) {
		errno = ERANGE;
		return max;
	}
	return sc->negative ? (0 - sc->value) & max : sc->value;
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	struct scan sc;

	return scan(s, end, base, &sc) ? to_signed(&sc, LLONG_MIN, LLONG_MAX) : 0;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	struct scan sc;

	return scan(s, end, base, &sc) ? (long)to_signed(&sc, LONG_MIN, LONG_MAX) : 0;
}

unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
	struct scan sc;

	return scan(s, end, base, &sc) ? to_unsigned(&sc, ULLONG_MAX) : 0;
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	struct scan sc;

	return scan(s, end, base, &sc) ? (unsigned long)to_unsigned(&sc, ULONG_MAX) : 0;
}

intmax_t strtoimax(const char *restrict s, char **restrict end, int base)
{
	return strtoll(s, end, base);
}

uintmax_t strtoumax(const char *restrict s, char **restrict end, int base)
{
	return strtoull(s, end, base);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

long long atoll(const char *s)
{
	return strtoll(s, NULL, 10);
}
