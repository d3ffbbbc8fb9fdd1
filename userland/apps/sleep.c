/*
 * sleep: wait SECONDS (default 1) of the core's clock, yielding, then
 * exit 0.  Something to run in the console's background and to kill.
 */
#include <stdio.h>
#include <stdlib.h>
#include <ulib/ulib.h>

int main(int argc, char **argv)
{
	struct mneme_sysret r;
	char *end;
	unsigned long long secs = argc > 1 ? strtoull(argv[1], &end, 10) : 1;

	if (argc > 2 || (argc > 1 && (*end || end == argv[1]))) {
		fprintf(stderr, "usage: sleep [SECONDS]\n");
		return 2;
	}
	mneme_clock_read_r(&r);
	uint64_t start = r.r[1], hz = r.r[2];
	do {
		mneme_yield();
		mneme_clock_read_r(&r);
	} while ((r.r[1] - start) / hz < secs);
	return 0;
}
