/*
 * Helper of t_pager and t_nohandler: touches memory the server never maps
 * by itself.  mode=
 *   pager     read ULIB_NOWHERE_VA (its pager maps a page filled with 0x5a),
 *             then write the next page (mapped by the pager too) and read back
 *   null_read / null_write / kernel_read / kernel_write / exec_data /
 *   illegal / privileged / privileged2 / privileged3 / breakpoint /
 *   core_tables (sgdt, csrr satp)   fault and expect to be killed (exit 99 if not)
 */
#include "common.h"


static volatile uint64_t data_word;

int main(int argc, char **argv)
{
	const char *mode = ulib_arg(argc, argv, "mode");
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)ULIB_NOWHERE_VA;
	int fails = 0;

	if (!mode)
		return 100;
	if (!strcmp(mode, "pager")) {
		for (int i = 0; i < 4096; i += 512)
			fails += p[i] != 0x5a;
		p[4096 + 8] = 0x77;
		fails += p[4096 + 8] != 0x77 || p[4096] != 0x5a;
		return fails;
	}
	if (!strcmp(mode, "null_read"))
		data_word = *(volatile uint64_t *)(uintptr_t)8;
	else if (!strcmp(mode, "null_write"))
		*(volatile uint64_t *)(uintptr_t)16 = 1;
	else if (!strcmp(mode, "kernel_read"))
		data_word = *(volatile uint64_t *)(uintptr_t)ARCH_USER_CORE_VA;
	else if (!strcmp(mode, "kernel_write"))
		*(volatile uint64_t *)(uintptr_t)ARCH_USER_CORE_VA = 0;
	else if (!strcmp(mode, "exec_data"))
		((void (*)(void))(uintptr_t)&data_word)();
	else if (!strcmp(mode, "illegal"))
		arch_user_illegal();
	else if (!strcmp(mode, "privileged"))
		arch_user_privileged();
	else if (!strcmp(mode, "privileged2"))
		arch_user_privileged2();
	else if (!strcmp(mode, "privileged3"))
		arch_user_privileged3();
#ifdef ARCH_USER_HAS_MISALIGNED
	else if (!strcmp(mode, "misaligned"))
		arch_user_misaligned(&data_word);
#endif
	else if (!strcmp(mode, "core_tables"))
		arch_user_read_core_tables();
	else if (!strcmp(mode, "breakpoint"))
		arch_user_breakpoint();
	else
		return 100;
	return 99;   /* still alive: the fault did not happen or was ignored */
}
