/*
 * The request protocol of the memory server (as seen by user tasks).
 *
 * Every task is started with a badged send handle to the server
 * (ulib_start_info.server_ep).  A request is a call() with one of the
 * labels below; the reply's label is the status (0 or -MNEME_E* as a
 * 32-bit signed value) and its words carry the results.
 *
 *   MM_REQ_SPAWN   start a program as a child of the caller.
 *                  words 0..3: the program name (32 bytes, NUL-padded);
 *                  IPC buffer: extra word 0 = MM_SPAWN_* flags, extra
 *                  word 1 = VA of the caller's page to share (with
 *                  MM_SPAWN_SHARE), extra words 2.. = the argument string
 *                  (NUL-terminated, words separated by spaces).
 *                  A transferred handle goes to the child as handles[0],
 *                  or becomes its pager with MM_SPAWN_PAGER.
 *                  reply word 0 = child id.
 *   MM_REQ_STATUS  word 0 = child id -> word 0 = MM_STATE_*, word 1 =
 *                  exit status, word 2 = exit reason (MNEME_EXIT_*), word 3
 *                  = fault kind.
 *   MM_REQ_KILL    word 0 = child id: destroy it (its children too).
 *   MM_REQ_MAP     word 0 = child id, word 1 = VA, word 2 = MNEME_PROT_*,
 *                  word 3 = fill byte: map a fresh page filled with the byte
 *                  into the child (for test pagers; only in the child's
 *                  ULIB_NOWHERE_VA page range).
 *   MM_REQ_PING    no words: replies at once (benchmarks, liveness).
 */
#ifndef ULIB_MMPROTO_H
#define ULIB_MMPROTO_H

#include <stdint.h>

#define MM_REQ_SPAWN  0x6d6d0001u
#define MM_REQ_STATUS 0x6d6d0002u
#define MM_REQ_KILL   0x6d6d0003u
#define MM_REQ_MAP    0x6d6d0004u
#define MM_REQ_PING   0x6d6d0005u

#define MM_SPAWN_PAGER   0x1u   /* the transferred handle is the child's pager */
#define MM_SPAWN_NOPAGER 0x2u   /* the child has no pager: any fault kills it */
#define MM_SPAWN_SHARE   0x4u   /* map the page at extra word 1 into the child at ULIB_SHARED_VA */

#define MM_STATE_RUNNING 1
#define MM_STATE_EXITED  2

/* Extra words of a spawn request before the argument string, and its longest length. */
#define MM_SPAWN_ARGS_WORD 2
#define MM_SPAWN_ARGS_MAX  128

#endif
