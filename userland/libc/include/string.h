/*
 * <string.h> of mneme's C library.  The compiler may emit calls to memset,
 * memcpy, memmove and memcmp on its own; the core builds the same
 * functions (userland/lib/string.c) for itself.
 */
#ifndef _MNEME_STRING_H
#define _MNEME_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int strcoll(const char *a, const char *b);   /* the "C" locale: strcmp */
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
char *strpbrk(const char *s, const char *accept);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);

char *strcpy(char *restrict dst, const char *restrict src);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
char *strcat(char *restrict dst, const char *restrict src);
char *strncat(char *restrict dst, const char *restrict src, size_t n);
/* BSD's: copy/append with the whole buffer size; return the length they tried to create. */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);
size_t strlcat(char *restrict dst, const char *restrict src, size_t size);
/* Copies in malloc'd memory (NULL and errno = ENOMEM if none is left). */
char *strdup(const char *s);
char *strndup(const char *s, size_t n);

char *strtok(char *restrict s, const char *restrict delim);
char *strtok_r(char *restrict s, const char *restrict delim, char **restrict save);

/* The message for errno value @err (mneme's error codes included, see <errno.h>). */
char *strerror(int err);

#endif
