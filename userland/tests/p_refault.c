/*
 * Helper of t_refault: causes a fault at a page that is mapped with the
 * rights the access needs, which no pager can cure
 * (arch_user_unfixable_fault(), <user/insn.h>).  The core must kill it
 * after a bounded number of retries.  Exit status if it lives: 1 the
 * fault did not happen on this CPU, 2 the architecture has none.
 */
#include "common.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	return arch_user_unfixable_fault() ? 1 : 2;
}
