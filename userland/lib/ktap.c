/*
 * KTAP helper of the user runtime (see ulib/ktap.h).
 */
#include <stdarg.h>
#include <ulib/ktap.h>
#include <ulib/stdio.h>

int ktap_depth;

const char *ktap_indent(int depth)
{
	static const char spaces[] = "                                ";
	int n = depth * 4;

	if (n > (int)sizeof(spaces) - 1)
		n = sizeof(spaces) - 1;
	return spaces + sizeof(spaces) - 1 - n;
}

void ktap_begin(struct ktap *k, const char *suite, int planned)
{
	*k = (struct ktap){ .suite = suite, .planned = planned, .depth = ktap_depth };
	const char *in = ktap_indent(k->depth);
	printf("%sKTAP version 1\n%s# Subtest: %s\n%s1..%d\n", in, in, suite, in, planned);
}

int ktap_result(struct ktap *k, const char *name)
{
	int failed = k->failures != 0;

	printf("%s%s %d %s\n", ktap_indent(k->depth), failed ? "not ok" : "ok", ++k->index, name);
	k->failed_cases += failed;
	k->failures = 0;
	return failed;
}

void ktap_skip(struct ktap *k, const char *name, const char *reason)
{
	printf("%sok %d %s # SKIP %s\n", ktap_indent(k->depth), ++k->index, name, reason);
	k->failures = 0;
}

static void vdiag(struct ktap *k, const char *prefix, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	printf("%s# %s%s\n", ktap_indent(k->depth), prefix, msg);
}

void ktap_diag(struct ktap *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(k, "", fmt, ap);
	va_end(ap);
}

void ktap_fail(struct ktap *k, const char *file, int line, const char *fmt, ...)
{
	char where[96];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vdiag(k, where, fmt, ap);
	va_end(ap);
	k->failures++;
}

int ktap_end(struct ktap *k)
{
	if (k->index != k->planned) {
		printf("%s# %s: planned %d cases, ran %d\n", ktap_indent(k->depth), k->suite,
		       k->planned, k->index);
		return k->failed_cases + 1;
	}
	return k->failed_cases;
}
