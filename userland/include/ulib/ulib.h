/*
 * The user runtime: start-up, exit, and the client side of the memory
 * server's request protocol (mneme/mm_proto.h).  Programs define
 * int main(int argc, char **argv); crt0 calls ulib_main(), which sets up
 * from the start block (ulib/start.h) and calls exit() (<stdlib.h>) with
 * main's return value.
 */
#ifndef ULIB_ULIB_H
#define ULIB_ULIB_H

#include <stdbool.h>
#include <stdint.h>
#include <mneme/bootinfo.h>
#include <mneme/fault.h>
#include <ulib/ipc.h>
#include <ulib/ktap.h>
#include <mneme/mm_proto.h>
#include <ulib/names.h>
#include <ulib/start.h>
#include <ulib/stdio.h>
#include <ulib/string.h>
#include <ulib/sys.h>
#include <stdlib.h>

int main(int argc, char **argv);
__attribute__((noreturn)) void ulib_main(uint64_t arg0, uint64_t arg1);

/* The program's name (argv[0]; "mmserver" in the memory server) for messages. */
extern const char *ulib_progname;

/* The start block of this task (NULL in the memory server). */
extern const struct ulib_start_info *ulib_start;
/* The boot info, in the memory server only (NULL elsewhere). */
extern const struct mneme_boot_info *ulib_boot_info;
/* This thread's IPC buffer (NULL if none). */
extern struct mneme_ipc_buffer *ulib_ipc_buffer;

/* Words of a program's arguments: the value of "key=value" in argv, or NULL. */
const char *ulib_arg(int argc, char **argv, const char *key);
uint64_t ulib_strtou(const char *s);

/*
 * Memory server requests (return 0 or -MNEME_E*).
 * spawn: start @prog with @args (may be NULL); @flags MM_SPAWN_*; @handle
 * is transferred to the child (0 = none); @share_va is the page to share
 * with MNEME_MM_SPAWN_SHARE.  *@child receives the child's id.
 */
int64_t mm_spawn(const char *prog, const char *args, unsigned flags, uint64_t handle,
		 uint64_t share_va, uint64_t *child);
int64_t mm_status(uint64_t child, uint64_t *state, uint64_t *status, uint64_t *reason);
int64_t mm_kill(uint64_t child);
int64_t mm_map(uint64_t child, uint64_t va, unsigned prot, unsigned fill);
/* New rights @prot for @child's page at @va (0: unmap it and free its frame); the child's pager only. */
int64_t mm_protect_child(uint64_t child, uint64_t va, unsigned prot);
int64_t mm_ping(void);
/* Wait (yielding) until @child has exited; -MNEME_EBUSY if it runs past @max_yields. */
int64_t mm_wait(uint64_t child, uint64_t max_yields, uint64_t *status, uint64_t *reason);

/* Deterministic pseudo-random numbers (xorshift64*). */
static inline uint64_t ulib_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

#endif
