/*
 * Memory and string functions.  Simple on purpose: byte loops, with word
 * loops only for aligned memset/memcpy (the memory server clears and
 * fills whole pages).
 * Built with -fno-builtin so the compiler does not turn the loops back
 * into calls to themselves.
 */
#include <stdint.h>
#include <ulib/string.h>
/* The architecture's word fill, where the user headers are on the path (the core builds this file too). */
#if __has_include(<user/fill.h>)
#include <user/fill.h>
#define STRING_ARCH_FILL 1
#endif

typedef uint64_t __attribute__((may_alias)) word_t;   /* may alias any object */

/* Word stores when the destination is 8-byte aligned (page clearing is common). */
void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t word = 0x0101010101010101ULL * (unsigned char)c;

	while (n && ((uintptr_t)d & 7)) {
		*d++ = (unsigned char)c;
		n--;
	}
#ifdef STRING_ARCH_FILL
	if (n >= 64) {   /* the architecture's fastest word fill (rep stosq, unrolled stores) */
		arch_user_fill_words((uint64_t *)(void *)d, word, n / 8);
		d += n & ~(size_t)7;
		n &= 7;
	}
#endif
	for (; n >= 8; n -= 8, d += 8)
		*(word_t *)d = word;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

/* Word copies when both sides share 8-byte alignment. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		while (n && ((uintptr_t)d & 7)) {
			*d++ = *s++;
			n--;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(word_t *)d = *(const word_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

/* Copies forwards when the destination is below the source, else backwards. */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d < (uintptr_t)s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
