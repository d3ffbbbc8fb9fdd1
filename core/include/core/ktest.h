/*
 * In-core tests, reported in KTAP (the format of Linux's KUnit).
 *
 * A test is a function declared with KTEST(suite, name); the linker
 * collects them in the "ktest_cases" section and ktest_run_all() runs them
 * suite by suite, printing nested KTAP:
 *
 *   KTAP version 1
 *   1..2
 *       KTAP version 1
 *       # Subtest: memmap
 *       1..1
 *       ok 1 sorted
 *   ok 1 memmap
 *   ...
 *
 * A failed expectation prints a "# " diagnostic line and marks the test
 * "not ok"; the test goes on running so one run shows every failure.
 */
#ifndef CORE_KTEST_H
#define CORE_KTEST_H

#include <stdbool.h>
#include <stdint.h>

struct ktest {
	const char *name;
	int failures;
	bool skipped;
	const char *skip_reason;
};

struct ktest_case {
	const char *suite;
	const char *name;
	void (*run)(struct ktest *t);
};

#define KTEST(suite, tname)                                                        \
	static void ktest_fn_##suite##_##tname(struct ktest *t);                   \
	static const struct ktest_case ktest_case_##suite##_##tname                \
		__attribute__((used, section("ktest_cases"), aligned(8))) = {      \
			#suite, #tname, ktest_fn_##suite##_##tname };              \
	static void ktest_fn_##suite##_##tname(struct ktest *t)

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ktest_skip(struct ktest *t, const char *reason);

#define KEXPECT(t, cond)                                                           \
	do {                                                                       \
		if (!(cond))                                                       \
			ktest_fail(t, __FILE__, __LINE__, "expected %s", #cond);   \
	} while (0)

#define KEXPECT_EQ(t, a, b)                                                        \
	do {                                                                       \
		unsigned long long ka_ = (unsigned long long)(a);                  \
		unsigned long long kb_ = (unsigned long long)(b);                  \
		if (ka_ != kb_)                                                    \
			ktest_fail(t, __FILE__, __LINE__, "expected %s == %s (0x%llx != 0x%llx)", \
				   #a, #b, ka_, kb_);                              \
	} while (0)

/* Run every registered test; returns the number of failed tests. */
int ktest_run_all(void);
/*
 * Same, announcing @extra more top-level results in the plan (printed
 * later by someone else: the memory server's "user" suite); *@next gets
 * the number the first of them must carry.
 */
int ktest_run_all_plus(unsigned extra, unsigned *next);

#endif
