/*
 * Shared helpers of the slab host tests: environment set-up (the page
 * provider behind the slab), capture of mm_printf output, and checks.
 */
#ifndef SLAB_TEST_H
#define SLAB_TEST_H

#include "mm/slab.h"
#include "mm/host.h"
#include "mm/mm_dump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fresh arena + page allocator + kmem_cache_init().  Returns 0 or negative. */
int slab_test_env_init(void);
/* Free pages held by the page allocator (buddy lists and per-CPU lists). */
unsigned long slab_test_free_pages(void);

static int slab_test_failures;

#define CHECK(c) do { \
	if (!(c)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
		slab_test_failures++; \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
	if (_a != _b) { \
		fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = %llu, %s = %llu\n", \
			__FILE__, __LINE__, #a, _a, #b, _b); \
		slab_test_failures++; \
	} \
} while (0)

/* Slab and page-allocator invariant checks that report the reason. */
#define CHECK_INVARIANTS() do { \
	char _why[256]; \
	if (slab_check_invariants(_why, sizeof(_why))) { \
		fprintf(stderr, "%s:%d: slab invariants broken: %s\n", __FILE__, __LINE__, _why); \
		slab_test_failures++; \
	} \
	if (mm_check_invariants(_why, sizeof(_why))) { \
		fprintf(stderr, "%s:%d: page allocator invariants broken: %s\n", __FILE__, __LINE__, _why); \
		slab_test_failures++; \
	} \
} while (0)

/* ---- mm_printf capture -------------------------------------------------- */

static char slab_test_log[16384];
static size_t slab_test_log_len;

static void slab_test_sink(const char *text)
{
	size_t n = strlen(text);

	if (slab_test_log_len + n >= sizeof(slab_test_log))
		n = sizeof(slab_test_log) - 1 - slab_test_log_len;
	memcpy(slab_test_log + slab_test_log_len, text, n);
	slab_test_log_len += n;
	slab_test_log[slab_test_log_len] = 0;
	if (getenv("SLAB_TEST_VERBOSE"))
		fputs(text, stderr);
}

/* Start capturing mm_printf output (clears what was captured). */
static inline void log_capture(void)
{
	slab_test_log_len = 0;
	slab_test_log[0] = 0;
	mm_host_set_print_sink(slab_test_sink);
}
static inline bool log_has(const char *needle)
{
	return strstr(slab_test_log, needle) != NULL;
}

typedef void (*slab_test_fn)(void);
struct slab_test_case {
	const char *name;
	slab_test_fn fn;
};

/* Run each case on a fresh environment; returns the process exit code. */
static inline int slab_test_run(const struct slab_test_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int before = slab_test_failures;

		slab_debug_set_global(0);
		if (slab_test_env_init()) {
			fprintf(stderr, "%s: environment init failed\n", cases[i].name);
			return 1;
		}
		log_capture();
		cases[i].fn();
		mm_host_set_print_sink(NULL);
		printf("%s %s\n", slab_test_failures == before ? "ok  " : "FAIL", cases[i].name);
	}
	printf("%d failure(s)\n", slab_test_failures);
	return slab_test_failures ? 1 : 0;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
