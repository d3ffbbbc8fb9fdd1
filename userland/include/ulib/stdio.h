/*
 * Formatted output of the user runtime.  printf() formats into a bounded
 * buffer and writes it to the debug console with one syscall, so lines of
 * concurrent tasks do not interleave mid-line.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%, flags "-0+ #", width and
 * precision (numbers or *), length modifiers hh h l ll z t j.
 */
#ifndef ULIB_STDIO_H
#define ULIB_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define ULIB_PRINTF_MAX 512   /* longest printf() output; longer output is cut */

/* Like C's: returns the length the full output would have, writes at most @size - 1 chars + NUL. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
/* Format and write to the debug console; returns the number of characters written. */
int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
/* Write @n bytes to the debug console as they are. */
void console_write(const char *s, size_t n);
int puts(const char *s);

#endif
