/*
 * Background reclaim: a kswapd per node (Linux's), as a work item of the
 * server (see kswapd.c).
 */
#ifndef MMSERVER_KSWAPD_H
#define MMSERVER_KSWAPD_H

#include <stdbool.h>
#include <stdint.h>

struct ulib_msg;

/* The badge of a kswapd's calls (node id in the low bits) and their label. */
#define MM_BADGE_KSWAPD (4ULL << 60)
#define MM_LABEL_KSWAPD 0x6d6d00f0u

/*
 * Read the compressed store's size from the command line (zstore=SIZE or
 * N%, zstore.max_pool_percent=N) and start a kswapd thread per online
 * node.  0 or -MNEME_E*.
 */
int mm_kswapd_start(void);
/* A kswapd's call: one slice of its node's reclaim; the reply says whether to call again. */
void mm_kswapd_handle(const struct ulib_msg *in, struct ulib_msg *out);
/* Wake the sleeping kswapds whose nodes went below their marks (no reply may be pending). */
void mm_kswapd_wake(void);

#endif
