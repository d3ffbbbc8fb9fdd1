/*
 * <stdio.h> of mneme's C library: formatted output to the console and into
 * buffers.  There is no file system and no console input yet, so the only
 * streams are stdout and stderr, both the debug console.  stdout is line
 * buffered (flushed at each newline, by fflush and at exit), stderr is
 * unbuffered; printf() and vprintf() write each call's text in one piece
 * (after flushing stdout), so lines of concurrent tasks do not interleave.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%, flags "-0+ #", width and
 * precision (numbers or *), length modifiers hh h l ll z t j.  No floating
 * point (user programs are built without FP registers).
 *
 * Streams are not locked: one thread per task writes to each.
 */
#ifndef _MNEME_STDIO_H
#define _MNEME_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)
#define BUFSIZ 512

typedef struct mneme_file FILE;

extern FILE *const stdout;
extern FILE *const stderr;
#define stdout stdout
#define stderr stderr

/* Like C's: return the length the whole output would have; write at most @size - 1 chars + NUL. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
/* No bound: only where the caller knows the length (prefer snprintf). */
int vsprintf(char *buf, const char *fmt, va_list ap);
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));

/* The console: each call's output is written whole (up to BUFSIZ bytes; longer output is cut). */
int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
int vfprintf(FILE *f, const char *fmt, va_list ap);
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));

int fputc(int c, FILE *f);
int putc(int c, FILE *f);
int putchar(int c);
int fputs(const char *s, FILE *f);
int puts(const char *s);
size_t fwrite(const void *p, size_t size, size_t n, FILE *f);
/* Write out what @f holds (every stream if @f is NULL).  0, or EOF if @f is not a stream. */
int fflush(FILE *f);
/* "@s: <strerror(errno)>" on stderr (just the message if @s is NULL or empty). */
void perror(const char *s);

#endif
