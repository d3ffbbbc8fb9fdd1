/*
 * The demo program (`./mneme run`): greets from user mode and exits.
 */
#include <ulib/ulib.h>

int main(int argc, char **argv)
{
	printf("hello from user mode: %s, task %llu, %d argument(s)\n", argv[0],
	       (unsigned long long)ulib_start->task_id, argc);
	return 0;
}
