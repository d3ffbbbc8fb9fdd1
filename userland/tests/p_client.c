/*
 * Helper of t_clients: makes `calls=N` calls on handles[0] with labels
 * 0..N-1 and checks each reply (word 0 = 2 * label + 1, word 1 = own id).
 */
#include "common.h"

int main(int argc, char **argv)
{
	const char *n = ulib_arg(argc, argv, "calls");
	const char *id = ulib_arg(argc, argv, "id");
	uint64_t calls = n ? ulib_strtou(n) : 10, me = id ? ulib_strtou(id) : 0;
	int fails = 0;

	for (uint64_t i = 0; i < calls; i++) {
		struct ulib_msg m = { .info = t_info((uint32_t)i), .w = { me, i } }, r;
		fails += ipc_call(ulib_start->handles[0], &m, &r) != 0;
		fails += r.w[0] != 2 * i + 1 || r.w[1] != me;
		if (i % 7 == 3)
			mneme_yield();
	}
	return fails;
}
