/*
 * The start block: what the memory server tells a program it starts.
 *
 * The server writes it into a read-only page at ULIB_START_VA of the new
 * task and enters the program with arg0 = ULIB_START_VA and arg1 = the
 * first thread's IPC buffer (not yet registered: the runtime registers
 * it).  Fixed-width fields only: the server and the program agree on the
 * layout on both architectures.
 */
#ifndef ULIB_START_H
#define ULIB_START_H

#include <stdint.h>
#include <mneme/layout.h>

#define ULIB_START_MAGIC     0x7472617473656d6dULL   /* "mmestart" */
#define ULIB_START_VA        MNEME_LAYOUT_BOOTINFO   /* unused by tasks other than the server */
#define ULIB_START_HANDLES   4
#define ULIB_START_ARGS      8
#define ULIB_START_STRINGS   256

/*
 * Besides its image, IPC buffer and start block every task gets a
 * demand-zero stack (the server maps a zeroed page on the first touch):
 *   stack  [MNEME_LAYOUT_TASK_STACK_TOP - MNEME_LAYOUT_TASK_STACK_SIZE, top)
 * Other memory comes from the memory service (libmm, malloc) in the window
 * [MNEME_MM_MAP_BASE, MNEME_MM_MAP_END).  Program images end below
 * ULIB_HEAP_BASE (a range no longer mapped: malloc uses the window).
 * ULIB_SHARED_VA is where a page shared by the parent appears (spawn flag
 * MNEME_MM_SPAWN_SHARE).  ULIB_NOWHERE_VA is never touched by the server on its own: a task
 * whose own pager is a test can have pages mapped there through
 * MNEME_MM_MAP_CHILD (ULIB_HEAP_SIZE bytes of it).
 */
#define ULIB_HEAP_BASE   0x0000000010000000ULL
#define ULIB_HEAP_SIZE   0x0000000001000000ULL   /* 16 MiB */
#define ULIB_SHARED_VA   0x0000000020000000ULL
#define ULIB_NOWHERE_VA  0x0000000030000000ULL

struct ulib_start_info {
	uint64_t magic;                        /* ULIB_START_MAGIC */
	uint32_t argc;                         /* entries of argv[] used */
	uint32_t ktap_depth;                   /* nesting of the program's KTAP output */
	uint64_t task_id;                      /* how the server names this task */
	uint64_t server_ep;                    /* handle: requests to the memory server (0 = none) */
	uint64_t handles[ULIB_START_HANDLES];  /* handles granted by the parent (0 = none) */
	uint64_t argv[ULIB_START_ARGS];        /* VAs of NUL-terminated strings in strings[] */
	char strings[ULIB_START_STRINGS];
};

_Static_assert(sizeof(struct ulib_start_info) == 32 + 8 * ULIB_START_HANDLES + 8 * ULIB_START_ARGS
	       + ULIB_START_STRINGS, "start block layout");

#endif
