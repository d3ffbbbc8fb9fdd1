/*
 * KTAP test runner for the core's built-in tests (see core/ktest.h).
 */
#include <stdarg.h>
#include <core/ktest.h>
#include <core/printk.h>

extern const struct ktest_case __start_ktest_cases[];
extern const struct ktest_case __stop_ktest_cases[];

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("        # %s: %s:%d: %s\n", t->name, file, line, msg);
	t->failures++;
}

void ktest_skip(struct ktest *t, const char *reason)
{
	t->skipped = true;
	t->skip_reason = reason;
}

/* True if @c is the first case of its suite in section order. */
static bool first_of_suite(const struct ktest_case *c)
{
	for (const struct ktest_case *p = __start_ktest_cases; p < c; p++)
		if (str_eq(p->suite, c->suite))
			return false;
	return true;
}

static int run_suite(const char *suite)
{
	int n = 0, index = 0, failed = 0;

	for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases; c++)
		n += str_eq(c->suite, suite);
	printk("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", suite, n);
	for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases; c++) {
		if (!str_eq(c->suite, suite))
			continue;
		struct ktest t = { .name = c->name };
		c->run(&t);
		index++;
		if (t.skipped && !t.failures)
			printk("    ok %d %s # SKIP %s\n", index, c->name, t.skip_reason);
		else
			printk("    %s %d %s\n", t.failures ? "not ok" : "ok", index, c->name);
		failed += t.failures != 0;
	}
	return failed;
}

int ktest_run_all(void)
{
	return ktest_run_all_plus(0, NULL);
}

int ktest_run_all_plus(unsigned extra, unsigned *next)
{
	int suites = 0, index = 0, failed_tests = 0;

	for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases; c++)
		suites += first_of_suite(c);
	printk("KTAP version 1\n1..%d\n", suites + (int)extra);
	if (next)
		*next = (unsigned)suites + 1;
	for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases; c++) {
		if (!first_of_suite(c))
			continue;
		int failed = run_suite(c->suite);
		printk("%s %d %s\n", failed ? "not ok" : "ok", ++index, c->suite);
		failed_tests += failed;
	}
	printk("# ktest: %d suites, %d failed tests\n", suites, failed_tests);
	return failed_tests;
}
