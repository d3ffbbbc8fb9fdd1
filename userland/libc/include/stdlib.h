/*
 * <stdlib.h> of mneme's C library: the heap (see <malloc.h> for its
 * design), number conversion, sorting and searching, pseudo-random
 * numbers, and program exit.
 */
#ifndef _MNEME_STDLIB_H
#define _MNEME_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX     0x7fffffff

typedef struct { int quot, rem; } div_t;
typedef struct { long quot, rem; } ldiv_t;
typedef struct { long long quot, rem; } lldiv_t;

void *malloc(size_t size);
void free(void *ptr);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *ptr, size_t size);

/*
 * Number conversion as in C: leading white space, a sign, base 0 (decimal,
 * 0x hexadecimal or 0 octal) or 2..36; *@end (if not NULL) points past the
 * digits used, or at @s if there were none; out of range -> the nearest
 * limit and errno = ERANGE; a bad base -> 0 and errno = EINVAL.
 */
long strtol(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
long long strtoll(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end, int base);
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);

int abs(int v);
long labs(long v);
long long llabs(long long v);
div_t div(int num, int den);
ldiv_t ldiv(long num, long den);
lldiv_t lldiv(long long num, long long den);

/* Sort @n elements of @size bytes in place (not stable; O(n log n) worst case). */
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *));

/* Pseudo-random numbers in [0, RAND_MAX]; the same sequence after each srand(seed). */
int rand(void);
void srand(unsigned seed);

/*
 * exit(): run the atexit() functions (last registered first, at most 32),
 * flush stdout, and end the task with @status.  _Exit() skips both.
 * abort() prints "<program>: aborted" and ends the task with status 134
 * (128 + SIGABRT, what a shell shows for an aborted program).
 */
__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn)) void _Exit(int status);
__attribute__((noreturn)) void abort(void);
int atexit(void (*fn)(void));

/* There is no environment: getenv() finds nothing. */
char *getenv(const char *name);

#endif
