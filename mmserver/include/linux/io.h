/*
 * <linux/io.h>: physical <-> virtual translation, mapped onto the mm
 * core's view of RAM (mm_phys_to_virt / mm_virt_to_phys).
 */
#ifndef _MNEME_LINUX_IO_H
#define _MNEME_LINUX_IO_H

#include "linux/types.h"

static inline void *phys_to_virt(phys_addr_t address)
{
	return mm_phys_to_virt(address);
}

static inline phys_addr_t virt_to_phys(const volatile void *address)
{
	return mm_virt_to_phys((const void *)address);
}

#define __va(x) phys_to_virt((phys_addr_t)(x))
#define __pa(x) virt_to_phys((const void *)(x))

#endif
