/*
 * hello: greets from user mode and lists its arguments, then exits 0.
 *   ./mneme run --prog hello one two
 */
#include <stdio.h>
#include <ulib/ulib.h>

int main(int argc, char **argv)
{
	printf("hello from user mode: %s, task %llu, %d argument(s)\n", argv[0],
	       (unsigned long long)ulib_start->task_id, argc);
	for (int i = 1; i < argc; i++)
		printf("  argv[%d] = \"%s\"\n", i, argv[i]);
	return 0;
}
