/* <linux/numa.h>: node numbering (64 nodes: the 6-bit node field of struct page). */
#ifndef _MNEME_LINUX_NUMA_H
#define _MNEME_LINUX_NUMA_H

#ifndef NODES_SHIFT
#define NODES_SHIFT 6
#endif
#ifndef MAX_NUMNODES
#define MAX_NUMNODES (1 << NODES_SHIFT)
#endif
#ifndef NUMA_NO_NODE
#define NUMA_NO_NODE (-1)
#endif

#endif
