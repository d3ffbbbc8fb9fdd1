/*
 * KTAP output for test programs (the format of Linux's KUnit, as the core's
 * ktests print it).  A test program is one subtest of the memory server's
 * test run; it prints its own nested document at its depth:
 *
 *   struct ktap k;
 *   ktap_begin(&k, "ipc", 3);          // "KTAP version 1", "# Subtest: ipc", "1..3"
 *   KTAP_EXPECT(&k, x == 1);           // failing expectation: "# file:line: ..." diagnostic
 *   ktap_result(&k, "pingpong");       // "ok 1 pingpong" (or "not ok") for the checks since the last result
 *   ...
 *   return ktap_end(&k);               // number of failed cases: the program's exit status
 *
 * The depth (indentation) comes from ktap_depth, which the runtime sets
 * from the start block (the memory server nests test programs one level
 * below its own results).
 */
#ifndef ULIB_KTAP_H
#define ULIB_KTAP_H

#include <stdint.h>

struct ktap {
	const char *suite;
	int planned;
	int index;          /* results printed so far */
	int failed_cases;
	int failures;       /* failed expectations in the current case */
	int depth;
};

extern int ktap_depth;  /* nesting level of this program's document (0 = top) */

void ktap_begin(struct ktap *k, const char *suite, int planned);
/* Print the result line of the next case; returns 1 if it failed. */
int ktap_result(struct ktap *k, const char *name);
void ktap_skip(struct ktap *k, const char *name, const char *reason);
/* Diagnostic line ("# ...") at the document's depth. */
void ktap_diag(struct ktap *k, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
void ktap_fail(struct ktap *k, const char *file, int line, const char *fmt, ...)
	__attribute__((format(__printf__, 4, 5)));
/* Checks the plan was met; returns the number of failed cases (plan mismatch counts as one). */
int ktap_end(struct ktap *k);
/* Indentation prefix for @depth (4 spaces a level). */
const char *ktap_indent(int depth);

#define KTAP_EXPECT(k, cond)                                                           \
	do {                                                                           \
		if (!(cond))                                                           \
			ktap_fail(k, __FILE__, __LINE__, "expected %s", #cond);        \
	} while (0)

#define KTAP_EXPECT_EQ(k, a, b)                                                        \
	do {                                                                           \
		unsigned long long ka_ = (unsigned long long)(a);                      \
		unsigned long long kb_ = (unsigned long long)(b);                      \
		if (ka_ != kb_)                                                        \
			ktap_fail(k, __FILE__, __LINE__, "expected %s == %s (0x%llx != 0x%llx)", \
				  #a, #b, ka_, kb_);                                   \
	} while (0)

#endif
