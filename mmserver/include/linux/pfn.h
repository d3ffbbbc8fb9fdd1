/* <linux/pfn.h>: page frame number conversions. */
#ifndef _MNEME_LINUX_PFN_H
#define _MNEME_LINUX_PFN_H

#include "linux/types.h"

#define PFN_ALIGN(x) (((unsigned long)(x) + (PAGE_SIZE - 1)) & PAGE_MASK)
#define PFN_UP(x) (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
#ifndef PFN_PHYS
#define PFN_PHYS(x) ((phys_addr_t)(x) << PAGE_SHIFT)
#endif
#ifndef PHYS_PFN
#define PHYS_PFN(x) ((unsigned long)((x) >> PAGE_SHIFT))
#endif

#endif
