/*
 * The streams of <stdio.h>: stdout (line buffered) and stderr
 * (unbuffered), both the debug console, and the printf family over the
 * one formatter (userland/lib/format.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <ulib/stdio.h>

struct mneme_file {
	bool buffered;      /* stdout: kept until a newline, a full buffer or fflush */
	size_t len;
	char buf[BUFSIZ];
};

static struct mneme_file files[2] = { { .buffered = true }, { .buffered = false } };
FILE *const stdout = &files[0];
FILE *const stderr = &files[1];

static bool is_stream(const FILE *f)
{
	return f == stdout || f == stderr;
}

static void flush(FILE *f)
{
	if (f->len)
		console_write(f->buf, f->len);
	f->len = 0;
}

int fflush(FILE *f)
{
	if (!f) {
		flush(stdout);
		flush(stderr);
		return 0;
	}
	if (!is_stream(f)) {
		errno = EBADF;
		return EOF;
	}
	flush(f);
	return 0;
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	const char *s = p;
	size_t total;

	if (!is_stream(f)) {
		errno = EBADF;
		return 0;
	}
	if (!size || !n)
		return 0;
	if (n > (size_t)-1 / size)
		n = (size_t)-1 / size;
	total = size * n;
	if (!f->buffered) {
		console_write(s, total);
		return n;
	}
	for (size_t i = 0; i < total; i++) {
		f->buf[f->len++] = s[i];
		if (s[i] == '\n' || f->len == sizeof(f->buf))
			flush(f);
	}
	return n;
}

int fputc(int c, FILE *f)
{
	unsigned char ch = (unsigned char)c;

	return fwrite(&ch, 1, 1, f) == 1 ? ch : EOF;
}

int putc(int c, FILE *f)
{
	return fputc(c, f);
}

int putchar(int c)
{
	return fputc(c, stdout);
}

int fputs(const char *s, FILE *f)
{
	size_t n = strlen(s);

	return n == 0 || fwrite(s, 1, n, f) == n ? 0 : EOF;
}

int puts(const char *s)
{
	return fputs(s, stdout) == EOF || fputc('\n', stdout) == EOF ? EOF : 0;
}

/* Format into a BUFSIZ buffer and write it whole, after what stdout still holds. */
int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	char buf[BUFSIZ];
	int n;

	if (!is_stream(f)) {
		errno = EBADF;
		return -1;
	}
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	flush(stdout);
	if (n > 0)
		console_write(buf, (size_t)n);
	return n;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int vsprintf(char *buf, const char *fmt, va_list ap)
{
	return vsnprintf(buf, (size_t)-1 >> 1, fmt, ap);
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, (size_t)-1 >> 1, fmt, ap);
	va_end(ap);
	return n;
}

void perror(const char *s)
{
	const char *msg = strerror(errno);

	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, msg);
	else
		fprintf(stderr, "%s\n", msg);
}
