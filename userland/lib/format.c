/*
 * vsnprintf: mneme's one formatter.  The C library's printf family (and
 * with it the memory server and the mm core's port) formats with it, and
 * the core builds this file too for printk (cmake/target.cmake), so the
 * core and user space format alike.  It writes through a small bounded
 * sink and counts what would have been written, as C's snprintf does.
 * Conversions: see <stdio.h>.  Nothing here may depend on more than
 * <stdarg.h>, strlen and strnlen: the core has no more.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct sink {
	char *buf;
	size_t size;
	size_t len;   /* characters produced so far, written or not */
};

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec;     /* -1: none */
	int length;   /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t-like */
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

static void put_str(struct sink *s, const struct spec *sp, const char *str)
{
	if (!str)
		str = "(null)";
	int n = (int)strnlen(str, sp->prec >= 0 ? (size_t)sp->prec : SIZE_MAX);

	if (!sp->left)
		pad(s, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(s, str[i]);
	if (sp->left)
		pad(s, ' ', sp->width - n);
}

/* Format an unsigned magnitude with sign/prefix, precision and width. */
static void put_num(struct sink *s, const struct spec *sp, uint64_t v, unsigned base,
		    bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	if (n == 0 && sp->prec != 0)
		tmp[n++] = '0';
	int zeros = sp->prec > n ? sp->prec - n : 0;
	/* "%#o": a leading 0 only if the digits do not already start with one. */
	if (base == 8 && *prefix && (zeros || (n && tmp[n - 1] == '0')))
		prefix = "";
	int plen = (int)strlen(prefix);
	int body = plen + zeros + n;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > body) {
		zeros += sp->width - body;
		body = sp->width;
	}
	if (!sp->left)
		pad(s, ' ', sp->width - body);
	for (int i = 0; i < plen; i++)
		put(s, prefix[i]);
	pad(s, '0', zeros);
	while (n)
		put(s, tmp[--n]);
	if (sp->left)
		pad(s, ' ', sp->width - body);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-') sp->left = true;
		else if (*f == '0') sp->zero = true;
		else if (*f == '+') sp->plus = true;
		else if (*f == ' ') sp->space = true;
		else if (*f == '#') sp->alt = true;
		else break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	for (;; f++) {
		if (*f == 'l') sp->length = sp->length == 1 ? 2 : 1;
		else if (*f == 'h') sp->length = sp->length == -1 ? -2 : -1;
		else if (*f == 'z' || *f == 't' || *f == 'j') sp->length = 3;
		else break;
	}
	return f;
}

static int64_t get_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return (int64_t)va_arg(*ap, intptr_t);
	case -1: return (short)va_arg(*ap, int);
	case -2: return (signed char)va_arg(*ap, int);
	default: return va_arg(*ap, int);
	}
}

static uint64_t get_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	case -1: return (unsigned short)va_arg(*ap, unsigned);
	case -2: return (unsigned char)va_arg(*ap, unsigned);
	default: return va_arg(*ap, unsigned);
	}
}

static void convert(struct sink *s, struct spec *sp, char c, va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i': {
		int64_t v = get_signed(sp, ap);
		const char *sign = v < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "";
		put_num(s, sp, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, false, sign);
		break;
	}
	case 'u':
		put_num(s, sp, get_unsigned(sp, ap), 10, false, "");
		break;
	case 'x':
	case 'X': {
		uint64_t v = get_unsigned(sp, ap);
		put_num(s, sp, v, 16, c == 'X', sp->alt && v ? (c == 'X' ? "0X" : "0x") : "");
		break;
	}
	case 'o':
		put_num(s, sp, get_unsigned(sp, ap), 8, false, sp->alt ? "0" : "");
		break;
	case 'p':
		put_num(s, sp, (uintptr_t)va_arg(*ap, void *), 16, false, "0x");
		break;
	case 'c':
		sp->prec = -1;
		pad(s, ' ', sp->left ? 0 : sp->width - 1);
		put(s, (char)va_arg(*ap, int));
		pad(s, ' ', sp->left ? sp->width - 1 : 0);
		break;
	case 's':
		put_str(s, sp, va_arg(*ap, const char *));
		break;
	case '%':
		put(s, '%');
		break;
	default:   /* unknown conversion: print it as it stands */
		put(s, '%');
		if (c)
			put(s, c);
		break;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&s, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		convert(&s, &sp, *fmt, &args);
		if (*fmt)
			fmt++;
	}
	va_end(args);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
