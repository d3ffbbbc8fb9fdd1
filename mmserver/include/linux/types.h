/*
 * <linux/types.h> for code written against Linux: the fixed-width kernel
 * integer names on top of the mm core's own types (mm/port.h).
 *
 * This directory sits on the host's include path ahead of the system's
 * <linux/...> UAPI headers, which the C library itself pulls in, so the
 * names that also exist there chain to the system header first
 * (include_next) and only add what is missing.
 */
#ifndef _MNEME_LINUX_TYPES_H
#define _MNEME_LINUX_TYPES_H

#if __STDC_HOSTED__ && defined(__has_include_next)
#if __has_include_next(<linux/types.h>)
#include_next <linux/types.h>
#define _MNEME_HAVE_UAPI_TYPES 1
#endif
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/port.h" /* phys_addr_t, PAGE_SIZE */

/*
 * u64 is uint64_t, the same type as phys_addr_t and the iterators' index,
 * so Linux's usual "u64 i; phys_addr_t start;" loop variables fit.
 */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#ifndef _MNEME_HAVE_UAPI_TYPES
typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef s8 __s8;
typedef s16 __s16;
typedef s32 __s32;
typedef s64 __s64;
#endif

typedef phys_addr_t resource_size_t;
typedef u64 dma_addr_t;
typedef unsigned int gfp_t;
typedef unsigned long ulong;
typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

#endif
