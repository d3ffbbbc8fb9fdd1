/*
 * Program start-up (exit() is the C library's, userland/libc/stdlib.c).
 * Programs the memory server starts get a start block (ulib/start.h); the
 * memory server itself is started by the core with the boot info instead
 * (and its IPC buffer already registered) and finds it in ulib_boot_info,
 * with main(0, NULL).
 */
#include <ulib/ulib.h>

const struct ulib_start_info *ulib_start;
struct mneme_ipc_buffer *ulib_ipc_buffer;
const struct mneme_boot_info *ulib_boot_info;
const char *ulib_progname = "?";

void ulib_main(uint64_t arg0, uint64_t arg1)
{
	const struct ulib_start_info *si = (const struct ulib_start_info *)(uintptr_t)arg0;
	const struct mneme_boot_info *bi = (const struct mneme_boot_info *)(uintptr_t)arg0;

	if (bi && bi->magic == MNEME_BOOTINFO_MAGIC) {
		ulib_boot_info = bi;
		ulib_ipc_buffer = (struct mneme_ipc_buffer *)(uintptr_t)arg1;
		ulib_progname = "mmserver";
		exit(main(0, NULL));
	}
	if (!si || si->magic != ULIB_START_MAGIC || si->argc > ULIB_START_ARGS)
		exit(-MNEME_EINVAL);
	ulib_start = si;
	if (si->argc)
		ulib_progname = (const char *)(uintptr_t)si->argv[0];
	ktap_depth = (int)si->ktap_depth;
	if (arg1 && mneme_ipc_buffer_set(arg1) == 0)
		ulib_ipc_buffer = (struct mneme_ipc_buffer *)(uintptr_t)arg1;
	exit(main((int)si->argc, (char **)(uintptr_t)si->argv));
}

const char *ulib_arg(int argc, char **argv, const char *key)
{
	size_t n = strlen(key);

	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

uint64_t ulib_strtou(const char *s)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return v;
		v = v * base + d;
	}
}
