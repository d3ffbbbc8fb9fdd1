/*
 * The core's console output: printf for the serial line, formatted by the
 * system's one formatter (userland/lib/format.c): %d %i %u %x %X %o %p %s
 * %c %%, flags "-0+ #", width and precision, length modifiers hh h l ll z
 * t j.  No floating point.
 */
#ifndef CORE_PRINTK_H
#define CORE_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap);
/* Format into @buf (always NUL-terminated if @len > 0); returns the length that was needed. */
int ksnprintf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t len, const char *fmt, va_list ap);

/* Stop the system after a broken invariant of the core itself. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define ASSERT(c) do { if (!(c)) panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); } while (0)

#endif
