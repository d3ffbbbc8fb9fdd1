/*
 * <stdlib.h> besides the heap (malloc.c) and number conversion
 * (strtol.c): arithmetic helpers, pseudo-random numbers, program exit,
 * assert's failure path, and the environment that is not there.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <ulib/ulib.h>

int abs(int v) { return v < 0 ? -v : v; }
long labs(long v) { return v < 0 ? -v : v; }
long long llabs(long long v) { return v < 0 ? -v : v; }
intmax_t imaxabs(intmax_t v) { return v < 0 ? -v : v; }

div_t div(int num, int den)
{
	return (div_t){ num / den, num % den };
}

ldiv_t ldiv(long num, long den)
{
	return (ldiv_t){ num / den, num % den };
}

lldiv_t lldiv(long long num, long long den)
{
	return (lldiv_t){ num / den, num % den };
}

/* A 64-bit linear congruential generator (Knuth's MMIX constants); the top 31 bits are returned. */
static uint64_t rand_state = 1;

int rand(void)
{
	rand_state = rand_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (int)(rand_state >> 33);
}

void srand(unsigned seed)
{
	rand_state = seed;
}

char *getenv(const char *name)
{
	(void)name;
	return NULL;
}

#define ATEXIT_MAX 32
static void (*atexit_fns[ATEXIT_MAX])(void);
static unsigned atexit_count;

int atexit(void (*fn)(void))
{
	if (atexit_count == ATEXIT_MAX)
		return -1;
	atexit_fns[atexit_count++] = fn;
	return 0;
}

/* The whole task ends, every thread of it (a thread alone ends by returning from its function). */
void _Exit(int status)
{
	for (;;)
		mneme_task_exit((uint64_t)(int64_t)status);
}

void exit(int status)
{
	while (atexit_count)
		atexit_fns[--atexit_count]();   /* a function may register more: they run too */
	fflush(NULL);
	_Exit(status);
}

void abort(void)
{
	fflush(stdout);
	fprintf(stderr, "%s: aborted\n", ulib_progname);
	_Exit(134);
}

void __mneme_assert_fail(const char *expr, const char *file, int line, const char *func)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s:%d: %s: Assertion `%s' failed.\n", ulib_progname, file, line, func,
		expr);
	abort();
}
