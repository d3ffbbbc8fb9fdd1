/* <linux/cache.h>: cache line size (64 bytes on both mneme architectures). */
#ifndef _MNEME_LINUX_CACHE_H
#define _MNEME_LINUX_CACHE_H

#define L1_CACHE_SHIFT 6
#define L1_CACHE_BYTES (1 << L1_CACHE_SHIFT)
#ifndef SMP_CACHE_BYTES
#define SMP_CACHE_BYTES 64
#endif
#define __cacheline_aligned __attribute__((aligned(SMP_CACHE_BYTES)))

#endif
