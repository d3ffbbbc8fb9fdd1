/*
 * The runtime's console, under the C library's <stdio.h> (printf and the
 * streams; see userland/libc/include/stdio.h).
 */
#ifndef ULIB_STDIO_H
#define ULIB_STDIO_H

#include <stddef.h>
#include <stdio.h>

#define ULIB_PRINTF_MAX BUFSIZ   /* longest output of one printf(); longer output is cut */

/* Write @n bytes to the debug console as they are (bypassing stdout's buffer). */
void console_write(const char *s, size_t n);

#endif
