/*
 * <linux/init.h>: section annotations.  The memory server has no init
 * sections to discard, so they all expand to nothing.
 */
#ifndef _MNEME_LINUX_INIT_H
#define _MNEME_LINUX_INIT_H

#define __init
#define __initdata
#define __initconst
#define __exit
#define __meminit
#define __meminitdata
#define __init_memblock
#define __initdata_memblock
#define __ref
#define __refdata

#endif
