/* <linux/mm.h>: the small part of it that early memory code needs. */
#ifndef _MNEME_LINUX_MM_H
#define _MNEME_LINUX_MM_H

#include "linux/io.h"
#include "linux/kernel.h"
#include "linux/pfn.h"
#include "linux/types.h"

#define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)
#define PAGE_ALIGN_DOWN(addr) ALIGN_DOWN(addr, PAGE_SIZE)
#define PAGE_ALIGNED(addr) IS_ALIGNED((unsigned long)(addr), PAGE_SIZE)

#endif
