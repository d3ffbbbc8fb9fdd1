/*
 * The memory service protocol: every request a task can send to the
 * memory server, and every reply.  docs/ipc.md explains each one with its
 * errors; this header is the definition both sides compile against.
 *
 * Transport.  A request is a call() on the task's server handle
 * (ulib_start_info.server_ep) with msginfo label = one of MNEME_MM_* below,
 * words 0..3 in registers and, for the few requests that need more, extra
 * words in the caller's IPC buffer (msginfo extra count).  The reply's
 * label is the status as a signed 32-bit value: 0 or -MNEME_E* (from
 * <mneme/error.h>, nothing else); reply words carry the results, and
 * longer results (statistics text, usage) come back as extra words in the
 * caller's IPC buffer.  A reply word not listed for a request is 0.
 *
 * Decoding rules, common to every request:
 *   - an unknown label                              -> -MNEME_ENOSYS
 *   - a word the request does not use is not 0      -> -MNEME_EINVAL
 *   - unknown flag bits, or flags the request does
 *     not take                                      -> -MNEME_EINVAL
 *   - more extra words than the request reads       -> -MNEME_EINVAL
 *   - a transferred handle on a request other than
 *     SPAWN                                         -> -MNEME_EINVAL
 *     (the server closes it)
 * The server validates everything before changing anything: a request that
 * fails has changed nothing (decode, then perform).
 *
 * Addresses and lengths.  Every address and length is in bytes and must be
 * a multiple of MNEME_MM_PAGE_SIZE.  A task's own mappings live in the
 * window [MNEME_MM_MAP_BASE, MNEME_MM_MAP_END): the server places mappings
 * there, a MNEME_MM_FIXED address must lie in it, and UNMAP / PROTECT /
 * SHARE work on ranges inside it (the image, stack and start block below
 * the window are the server's to manage).
 *
 * Rights and flags share one word ("pf"): the low bits are MNEME_PROT_*
 * from <mneme/syscall.h>, the flags sit above them.
 */
#ifndef MNEME_MM_PROTO_H
#define MNEME_MM_PROTO_H

#include <stdint.h>
#include <mneme/error.h>
#include <mneme/ipc.h>
#include <mneme/syscall.h>

/* ---- Labels ------------------------------------------------------------ */

/* Task lifecycle (values shared with the issue-3 runtime's ulib/mmproto.h). */
#define MNEME_MM_SPAWN       0x6d6d0001u
#define MNEME_MM_STATUS      0x6d6d0002u
#define MNEME_MM_KILL        0x6d6d0003u
#define MNEME_MM_MAP_CHILD   0x6d6d0004u   /* test pagers: a filled page into a child */
#define MNEME_MM_PING        0x6d6d0005u
#define MNEME_MM_PROTECT_CHILD 0x6d6d0006u /* test pagers: new rights on a child's page (0: drop it) */

/* Memory. */
#define MNEME_MM_ALLOC_PAGES 0x6d6d0010u
#define MNEME_MM_MAP_ANON    0x6d6d0011u
#define MNEME_MM_MAP_CONTIG  0x6d6d0012u
#define MNEME_MM_UNMAP       0x6d6d0013u
#define MNEME_MM_PROTECT     0x6d6d0014u
#define MNEME_MM_SHARE       0x6d6d0015u
#define MNEME_MM_STATS       0x6d6d0016u
#define MNEME_MM_USAGE       0x6d6d0017u
#define MNEME_MM_MAP_FILE    0x6d6d0018u   /* a file of the boot archive, shared read-only or private */
#define MNEME_MM_QUERY       0x6d6d0019u   /* what backs one page of the caller */
#define MNEME_MM_CHECK       0x6d6d001au   /* run the server's invariant checker */

/* Memory objects (shared anonymous memory named by handles). */
#define MNEME_MM_OBJ_CREATE  0x6d6d0020u
#define MNEME_MM_OBJ_MAP     0x6d6d0021u
#define MNEME_MM_OBJ_CLOSE   0x6d6d0022u
#define MNEME_MM_OBJ_GRANT   0x6d6d0023u
#define MNEME_MM_OBJ_ACCEPT  0x6d6d0024u
#define MNEME_MM_SHARE_ACCEPT 0x6d6d0025u  /* map a range another task offered with SHARE */

/* NUMA memory policies (Linux's set_mempolicy, mbind, get_mempolicy). */
#define MNEME_MM_SET_MEMPOLICY 0x6d6d0030u
#define MNEME_MM_MBIND         0x6d6d0031u
#define MNEME_MM_GET_MEMPOLICY 0x6d6d0032u

#define MNEME_MM_LABEL_FIRST MNEME_MM_SPAWN
#define MNEME_MM_LABEL_LAST  MNEME_MM_GET_MEMPOLICY

/* ---- Limits ------------------------------------------------------------ */

#define MNEME_MM_PAGE_SHIFT  12
#define MNEME_MM_PAGE_SIZE   (1ULL << MNEME_MM_PAGE_SHIFT)
#define MNEME_MM_HUGE_SHIFT  21
#define MNEME_MM_HUGE_SIZE   (1ULL << MNEME_MM_HUGE_SHIFT)     /* 2 MiB */

/* The window of a task's own mappings: 4 GiB .. 256 GiB (fits Sv39). */
#define MNEME_MM_MAP_BASE    0x0000000100000000ULL
#define MNEME_MM_MAP_END     0x0000004000000000ULL
#define MNEME_MM_MAP_MAX     (MNEME_MM_MAP_END - MNEME_MM_MAP_BASE)

/* ALLOC_PAGES orders: 0 .. MNEME_MM_MAX_ORDER (2^10 pages = 4 MiB, the buddy's largest block). */
#define MNEME_MM_MAX_ORDER   10

/* MAP_CONTIG: alignment is a power of two in [PAGE_SIZE, MNEME_MM_CONTIG_MAX_ALIGN]. */
#define MNEME_MM_CONTIG_MAX_ALIGN (1ULL << 30)
#define MNEME_MM_CONTIG_MAX_LEN   (1ULL << 30)

/* Regions one task may hold; past it a mapping request fails with -MNEME_ENOMEM. */
#define MNEME_MM_MAX_REGIONS 65536

/* Quota of a task spawned with quota 0 (bytes). */
#define MNEME_MM_QUOTA_DEFAULT (64ULL << 20)

/* Memory objects: the largest size, handles one task may hold, grants one task may have pending. */
#define MNEME_MM_OBJ_MAX_SIZE  (1ULL << 30)
#define MNEME_MM_MAX_HANDLES   256
#define MNEME_MM_MAX_GRANTS    64

/* ---- The rights-and-flags word ------------------------------------------ */

#define MNEME_MM_PROT_MASK   (MNEME_PROT_READ | MNEME_PROT_WRITE | MNEME_PROT_EXEC)

#define MNEME_MM_ZONE_DMA    0x0100u   /* frames from ZONE_DMA (x86_64: below 16 MiB) */
#define MNEME_MM_ZONE_DMA32  0x0200u   /* frames from ZONE_DMA32 or below (below 4 GiB) */
#define MNEME_MM_ZERO        0x0400u   /* zero the memory (anonymous memory always is) */
#define MNEME_MM_POPULATE    0x0800u   /* back every page now, not on first touch */
#define MNEME_MM_HUGE        0x1000u   /* 2 MiB pages where alignment and length allow */
#define MNEME_MM_FIXED       0x2000u   /* word 0 is the exact address, not a hint */
#define MNEME_MM_PRIVATE     0x4000u   /* MAP_FILE: a private copy-on-write mapping (else shared read-only) */
#define MNEME_MM_NODES       0x8000u   /* frames only from the nodes of a node mask given with the request */

/* Flags each request takes (anything else is -MNEME_EINVAL). */
#define MNEME_MM_ALLOC_FLAGS  (MNEME_MM_ZONE_DMA | MNEME_MM_ZONE_DMA32 | MNEME_MM_ZERO | MNEME_MM_HUGE | \
			       MNEME_MM_NODES)
#define MNEME_MM_ANON_FLAGS   (MNEME_MM_POPULATE | MNEME_MM_HUGE | MNEME_MM_FIXED | MNEME_MM_NODES)
#define MNEME_MM_CONTIG_FLAGS (MNEME_MM_ZERO | MNEME_MM_HUGE | MNEME_MM_NODES)
#define MNEME_MM_FILE_FLAGS   (MNEME_MM_POPULATE | MNEME_MM_FIXED | MNEME_MM_PRIVATE)
#define MNEME_MM_OBJMAP_FLAGS (MNEME_MM_POPULATE | MNEME_MM_FIXED)
#define MNEME_MM_PF_MASK      (MNEME_MM_PROT_MASK | MNEME_MM_ZONE_DMA | MNEME_MM_ZONE_DMA32 | \
			       MNEME_MM_ZERO | MNEME_MM_POPULATE | MNEME_MM_HUGE | MNEME_MM_FIXED | \
			       MNEME_MM_PRIVATE | MNEME_MM_NODES)

_Static_assert(MNEME_MM_PROT_MASK < MNEME_MM_ZONE_DMA, "rights sit below the flags");

/* ---- Requests (words w0..w3 of the call; results in reply words r0..r3) ----
 *
 * MNEME_MM_ALLOC_PAGES   2^order physically contiguous, naturally aligned pages,
 *                        mapped into the caller at once.
 *   w0 = order (0..MNEME_MM_MAX_ORDER)
 *   w1 = pf: rights (not 0) | MNEME_MM_ALLOC_FLAGS (at most one ZONE flag)
 *   w2 = with MNEME_MM_NODES: a node mask (else 0); the block comes only
 *        from those nodes, nearest to the requesting CPU first (a BIND
 *        policy for this request: -MNEME_ENOMEM when they are full)
 *   r0 = address (aligned to the block size, at least 2 MiB for HUGE blocks)
 *   r1 = physical address of the block
 *   Without MNEME_MM_ZERO the contents are unspecified, but never another
 *   task's data (the server hands out only zeroed frames today).
 *   Free with UNMAP of the whole block (a partial UNMAP unmaps those pages;
 *   the block goes back to the allocator with its last page).
 *
 * MNEME_MM_MAP_ANON      anonymous zero-filled memory of any page-multiple length.
 *   w0 = address hint (0 = anywhere), or the exact address with MNEME_MM_FIXED
 *   w1 = length (bytes, > 0)
 *   w2 = pf: rights (0 = no access: a reservation) | MNEME_MM_ANON_FLAGS
 *   w3 = with MNEME_MM_NODES: a node mask (else 0): the region's pages
 *        come only from those nodes (its MBIND policy is BIND to them)
 *   r0 = address
 *   Lazy by default: a frame is taken on the first touch of each page (the
 *   page-fault path); MNEME_MM_POPULATE backs every page before replying.
 *   MNEME_MM_HUGE uses 2 MiB pages for the 2 MiB-aligned part of the region
 *   (the server aligns a non-FIXED address to 2 MiB when length >= 2 MiB).
 *   A FIXED range must not overlap an existing mapping (-MNEME_EBUSY).
 *
 * MNEME_MM_MAP_CONTIG    physically contiguous memory for DMA.
 *   w0 = length (bytes, > 0, <= MNEME_MM_CONTIG_MAX_LEN)
 *   w1 = physical limit: the block's last byte lies below it (0 = no limit)
 *   w2 = physical alignment (power of two, 0 = PAGE_SIZE, <= MNEME_MM_CONTIG_MAX_ALIGN)
 *   w3 = pf: rights (not 0) | MNEME_MM_CONTIG_FLAGS
 *   extra word 0 = with MNEME_MM_NODES (and only then): a node mask, as
 *   for ALLOC_PAGES
 *   A node mask must name online nodes only, at least one (-MNEME_EINVAL).
 *   r0 = address, r1 = physical address
 *   Backed at once.  No range below the limit -> -MNEME_ENOMEM.
 *
 * MNEME_MM_UNMAP         remove every page of [w0, w0 + w1).
 *   w0 = address, w1 = length
 *   Regions straddling the range's ends are split.  Every page of the range
 *   must belong to a mapping (-MNEME_ENOENT otherwise, nothing changes).
 *
 * MNEME_MM_PROTECT       set the rights of every page of [w0, w0 + w1).
 *   w0 = address, w1 = length, w2 = rights (MNEME_PROT_*, 0 allowed)
 *   Regions are split as needed.  Every page must belong to a mapping
 *   (-MNEME_ENOENT).  A shared-in page can never gain a right the sharer
 *   did not give (-MNEME_EPERM); a contiguous or allocated block can drop
 *   and regain rights freely.
 *
 * MNEME_MM_SHARE         offer the caller's [w0, w0 + w1) to another task.
 *   w0 = address, w1 = length, w2 = task id of the receiver (its
 *   ulib_start_info.task_id), w3 = rights for the receiver
 *   r0 = grant number: the receiver maps the range with SHARE_ACCEPT (tell
 *   it over any IPC channel); nothing is mapped into or charged to the
 *   receiver before it accepts
 *   The rights must be a subset of the caller's rights on every page of the
 *   range, and the receiver the caller itself, its parent or a child
 *   (-MNEME_EPERM).  Lazy pages of the range are backed first, so both
 *   tasks see the same frames.  The receiver's pages stay valid after the
 *   caller unmaps or exits (frames are reference-counted).  Errors in this
 *   order: EINVAL, ERANGE, ENOENT, EPERM (rights), EDEAD, EPERM (policy),
 *   ENOMEM (grants pending), EQUOTA.
 *
 * MNEME_MM_SHARE_ACCEPT  w0 = grant number -> r0 = address of the range in
 *   the caller (placed by the server), r1 = length, r2 = rights.  The
 *   caller is charged for the mapping from now on.
 *
 * MNEME_MM_STATS         a statistics text (Linux 6.1's /proc formats).
 *   w0 = what (MNEME_MM_STAT_*), w1 = byte offset into the text
 *   r0 = bytes in this chunk (in the IPC buffer, extra words; at most
 *   MNEME_MM_STATS_CHUNK), r1 = total length of the text
 *   The text is rendered per request; read it from offset 0 onwards.  An
 *   offset past the end -> -MNEME_ERANGE.  The caller needs an IPC buffer.
 *
 * MNEME_MM_USAGE         the caller's own accounting.
 *   no words
 *   r0 = bytes charged, r1 = quota (bytes), r2 = resident pages,
 *   r3 = regions; the whole struct mneme_mm_usage in the IPC buffer.
 *
 * MNEME_MM_MAP_FILE      map a file of the boot archive from its page cache.
 *   w0 = address hint (0 = anywhere), or the exact address with MNEME_MM_FIXED
 *   w1 = length (bytes, > 0; the range must end within the file's last page)
 *   w2 = pf: rights (not 0) | MNEME_MM_FILE_FLAGS
 *   w3 = file offset (page-aligned)
 *   extra words 0..3 = the file's name (32 bytes, NUL-padded)
 *   r0 = address, r1 = the file's size in bytes
 *   Shared (no PRIVATE): the cache's pages themselves, read-only (WRITE
 *   -> -MNEME_EPERM).  PRIVATE: the cache's pages until written, then a
 *   private copy per page (copy-on-write).  Bytes past the end of the
 *   file in its last page read as zero.
 *
 * MNEME_MM_QUERY         what backs the caller's page at w0.
 *   w0 = address (page-aligned, any mapped address of the caller)
 *   r0 = physical address (0: no frame yet), r1 = rights the page table
 *   gives now, r2 = MNEME_MM_Q_* flags, r3 = mappings of the frame (all
 *   tasks)
 *
 * MNEME_MM_CHECK         run the memory server's invariant checker now
 *   (allocator, slab caches, every space, the reverse map against every
 *   page table).  No words.  -MNEME_ECORRUPT if it finds a violation
 *   (printed on the console).
 *
 * MNEME_MM_OBJ_CREATE    a memory object: shared anonymous memory.
 *   w0 = size (bytes, page multiple, > 0, <= MNEME_MM_OBJ_MAX_SIZE)
 *   w1 = rights of the handle (READ, optionally WRITE and/or EXEC)
 *   r0 = handle (a number naming the object in the caller's handle table)
 *   The object is charged to its creator (size + metadata) until it goes.
 *
 * MNEME_MM_OBJ_MAP       map an object.
 *   w0 = address hint / exact address (FIXED), w1 = length,
 *   w2 = pf: rights (not 0, no more than the handle's) | MNEME_MM_OBJMAP_FLAGS,
 *   w3 = handle; extra word 0 (optional) = byte offset in the object
 *   r0 = address
 *
 * MNEME_MM_OBJ_CLOSE     w0 = handle.  The object and its frames go when
 *   its last handle is closed and its last mapping unmapped.
 *
 * MNEME_MM_OBJ_GRANT     offer an object to another task.
 *   w0 = handle, w1 = rights (not 0, no more than the handle's),
 *   w2 = task id of the receiver
 *   r0 = grant number: the receiver accepts it with OBJ_ACCEPT (tell it
 *   over any IPC channel); it names nothing for any other task
 *
 * MNEME_MM_OBJ_ACCEPT    w0 = grant number -> r0 = handle, r1 = the
 *   object's size, r2 = the handle's rights
 *
 * MNEME_MM_SET_MEMPOLICY the caller's memory policy (Linux's set_mempolicy):
 *                        where its pages come from unless a region has its own.
 *   w0 = mode (MNEME_MM_MPOL_*), w1 = node mask (bit n: node n)
 *   DEFAULT and LOCAL take no nodes (the mask must be 0); PREFERRED, BIND
 *   and INTERLEAVE take at least one node, each online with memory.  An
 *   unknown mode or a bad mask -> -MNEME_EINVAL, the policy unchanged.
 *   DEFAULT: pages from the node of the CPU the faulting or requesting
 *   thread runs on, then the other nodes nearest first (its zonelist).
 *   PREFERRED: the mask's first node first, then its zonelist.  BIND: only
 *   the mask's nodes, nearest to the requesting CPU first; when they are
 *   full the request fails with -MNEME_ENOMEM (a fault kills the task).
 *   INTERLEAVE: page by page over the mask's nodes (a region's page goes
 *   to node number (address / page size) mod n of the mask; ALLOC_PAGES
 *   and MAP_CONTIG take the nodes in turn).  A clone inherits the policy.
 *   Pages already there stay where they are.
 *
 * MNEME_MM_MBIND         the policy of the caller's range [w0, w0 + w1)
 *                        (Linux's mbind without MPOL_MF_MOVE).
 *   w0 = address, w1 = length, w2 = mode, w3 = node mask
 *   Range as for PROTECT (every page in a mapping, -MNEME_ENOENT; regions
 *   split as needed); mode and mask as for SET_MEMPOLICY.  DEFAULT gives
 *   the range back to the task's policy.  Later faults and populates of
 *   the range follow it; pages already there stay where they are.
 *
 * MNEME_MM_GET_MEMPOLICY a policy, or where a page is (Linux's get_mempolicy).
 *   w0 = flags: 0 (the caller's policy), MNEME_MM_MPOL_F_ADDR (the policy
 *   of the region holding the address w1: its own, or DEFAULT), or
 *   MNEME_MM_MPOL_F_ADDR | MNEME_MM_MPOL_F_NODE (the node of the frame
 *   backing page w1: -MNEME_ENOENT if none yet); w1 = address (0 without F_ADDR)
 *   r0 = mode, or the node with F_NODE; r1 = node mask (0 with F_NODE)
 *
 * MNEME_MM_SPAWN         start a program of the boot archive as a child.
 *   w0..w3 = program name (32 bytes, NUL-padded)
 *   extra word 0 = MNEME_MM_SPAWN_* flags (bits 0..15) | the child's
 *                  oom_score_adj (bits 16..31, int16, -1000..1000) | quota
 *                  in pages (bits 32..63; 0 = MNEME_MM_QUOTA_DEFAULT)
 *   extra word 1 = address of a page of the caller to share (MNEME_MM_SPAWN_SHARE)
 *   extra words 2.. = argument string (NUL-terminated, words separated by
 *                  spaces, at most MNEME_MM_SPAWN_ARGS_MAX bytes)
 *   a transferred handle goes to the child (handles[0]) or is its pager
 *   (MNEME_MM_SPAWN_PAGER)
 *   r0 = child's task id
 *   With MNEME_MM_SPAWN_CLONE the child runs the caller's own program in a
 *   copy-on-write clone of the caller: w0 = start, w1 = length of the
 *   range of the window to clone (both 0: the whole address space: image,
 *   stack and every mapping), w2 = w3 = 0; the child gets its own start
 *   block and IPC buffer and enters the program's entry with its argument
 *   string (PAGER, NOPAGER and SHARE are refused with it).
 *
 * MNEME_MM_STATUS        w0 = child id -> r0 = MNEME_MM_STATE_*, r1 = exit
 *                        status, r2 = exit reason (MNEME_EXIT_*), r3 = fault kind
 * MNEME_MM_KILL          w0 = child id: destroy it (and its children)
 * MNEME_MM_MAP_CHILD     w0 = child id, w1 = address, w2 = rights, w3 = fill
 *                        byte (a child whose pager is the caller only)
 * MNEME_MM_PROTECT_CHILD w0 = child id, w1 = address, w2 = rights (0: unmap the page and free
 *                        its frame); returns once no CPU can use the old translation
 * MNEME_MM_PING          no words; replies at once
 */

/* STATS: what to render. */
#define MNEME_MM_STAT_BUDDYINFO 1   /* /proc/buddyinfo: free blocks per order per zone */
#define MNEME_MM_STAT_ZONEINFO  2   /* /proc/zoneinfo: per zone spans, watermarks, counters */
#define MNEME_MM_STAT_SLABINFO  3   /* /proc/slabinfo: every cache */
#define MNEME_MM_STAT_MEMINFO   4   /* /proc/meminfo: totals */
#define MNEME_MM_STAT_MEMMAP    5   /* the physical memory map (memblock regions) */
#define MNEME_MM_STAT_MAPS      6   /* the caller's own regions (like /proc/self/maps) */
#define MNEME_MM_STAT_PAGETYPEINFO 7 /* /proc/pagetypeinfo: free blocks per migrate type, pageblocks */
#define MNEME_MM_STAT_VMSTAT    8   /* /proc/vmstat: counters */
#define MNEME_MM_STAT_PAGECACHE 9   /* the page cache per file: size, pages cached, pages mapped */
#define MNEME_MM_STAT_TASKS     10  /* every task: id, parent, state, resident memory, charge, quota, name */
#define MNEME_MM_STAT_NODE_MEMINFO  11 /* /sys/devices/system/node/nodeN/meminfo */
#define MNEME_MM_STAT_NODE_NUMASTAT 12 /* .../nodeN/numastat: numa_hit, numa_miss, ... */
#define MNEME_MM_STAT_NODE_DISTANCE 13 /* .../nodeN/distance: distances to every online node */
#define MNEME_MM_STAT_NODE_CPULIST  14 /* .../nodeN/cpulist: the node's CPUs ("0-1,4") */
#define MNEME_MM_STAT_MAX       14
/*
 * STATS w0 for a node's view: the view in bits 0..7, the node in bits
 * 8..15 (the node of other views must be 0; a node that is not online ->
 * -MNEME_ENOENT, as Linux has no directory for it).
 */
#define MNEME_MM_STAT_NODE_SHIFT 8
#define MNEME_MM_STAT_ON_NODE(what, nid) ((unsigned)(what) | (unsigned)(nid) << MNEME_MM_STAT_NODE_SHIFT)

/* Memory policy modes (SET_MEMPOLICY, MBIND; Linux's values) and GET_MEMPOLICY flags. */
#define MNEME_MM_MPOL_DEFAULT    0
#define MNEME_MM_MPOL_PREFERRED  1
#define MNEME_MM_MPOL_BIND       2
#define MNEME_MM_MPOL_INTERLEAVE 3
#define MNEME_MM_MPOL_LOCAL      4
#define MNEME_MM_MPOL_F_NODE     0x1u
#define MNEME_MM_MPOL_F_ADDR     0x2u
#define MNEME_MM_MAX_NODES       64   /* node masks are one word */

/* QUERY flags. */
#define MNEME_MM_Q_ZERO   0x01u   /* the shared zero page */
#define MNEME_MM_Q_COW    0x02u   /* copy-on-write: a write copies it (or takes it, if no one else maps it) */
#define MNEME_MM_Q_HUGE   0x04u   /* part of a 2 MiB mapping */
#define MNEME_MM_Q_FILE   0x08u   /* a page of the page cache */
#define MNEME_MM_Q_OBJECT 0x10u   /* a page of a memory object */
#define MNEME_MM_Q_SHARED 0x20u   /* in a shared mapping (SHARE, memory object, shared file) */
#define MNEME_MM_Q_COMPRESSED 0x40u /* in the compressed store (no frame until it is touched) */
#define MNEME_MM_STATS_CHUNK    (MNEME_IPC_BUFFER_WORDS * 8)

/* USAGE: the caller's accounting (extra words of the reply, in this order). */
struct mneme_mm_usage {
	uint64_t charged;        /* bytes charged to the quota (frames + page tables + metadata) */
	uint64_t quota;          /* bytes: the limit of the pool it draws on (its own, or its parent's) */
	uint64_t resident;       /* pages backed by a frame (own and shared-in) */
	uint64_t regions;        /* mappings (after splits) */
	uint64_t mapped;         /* bytes of address space mapped (lazy included) */
	uint64_t pt_pages;       /* page-table frames donated to the core for this task */
	uint64_t meta_bytes;     /* server metadata charged (regions, frame tables) */
	uint64_t faults;         /* demand faults resolved */
	uint64_t shared;         /* pages shared in from other tasks */
	uint64_t huge;           /* 2 MiB mappings */
	uint64_t peak;           /* highest charged so far */
	uint64_t failed;         /* requests refused for the quota */
	uint64_t pool_charged;   /* charged to the quota's pool: every task drawing on it, carved quotas, orphans */
	uint64_t compressed;     /* pages reclaim moved to the compressed store (back on the next touch) */
};
#define MNEME_MM_USAGE_WORDS (sizeof(struct mneme_mm_usage) / 8)
_Static_assert(sizeof(struct mneme_mm_usage) == 112, "usage layout");
_Static_assert(MNEME_MM_USAGE_WORDS <= MNEME_IPC_BUFFER_WORDS, "usage fits the IPC buffer");

/*
 * SPAWN's extra word 0: flags (bits 0..15), the child's oom_score_adj
 * (bits 16..31, a signed 16-bit value in -1000..1000, like Linux's: added
 * to its OOM badness in thousandths of memory; -1000 = never chosen), the
 * quota in pages (bits 32..63).
 */
#define MNEME_MM_SPAWN_PAGER   0x1u   /* the transferred handle is the child's pager */
#define MNEME_MM_SPAWN_NOPAGER 0x2u   /* no pager: any fault kills the child */
#define MNEME_MM_SPAWN_SHARE   0x4u   /* map the page at extra word 1 into the child */
#define MNEME_MM_SPAWN_CLONE   0x8u   /* the child is a copy-on-write clone of the caller (w0, w1: range) */
#define MNEME_MM_SPAWN_FLAGS   (MNEME_MM_SPAWN_PAGER | MNEME_MM_SPAWN_NOPAGER | MNEME_MM_SPAWN_SHARE | \
				MNEME_MM_SPAWN_CLONE)
#define MNEME_MM_SPAWN_FLAG_BITS   0xffffu
#define MNEME_MM_SPAWN_ADJ_SHIFT   16
#define MNEME_MM_OOM_SCORE_ADJ_MIN (-1000)
#define MNEME_MM_OOM_SCORE_ADJ_MAX 1000
/* The bits of extra word 0 that give the child oom_score_adj @adj (OR them into the flags). */
#define MNEME_MM_SPAWN_OOM_ADJ(adj) ((uint32_t)(uint16_t)(int16_t)(adj) << MNEME_MM_SPAWN_ADJ_SHIFT)
#define MNEME_MM_SPAWN_QUOTA_SHIFT 32
#define MNEME_MM_SPAWN_ARGS_WORD   2     /* first extra word of the argument string */
#define MNEME_MM_SPAWN_ARGS_MAX    128   /* bytes */
_Static_assert(MNEME_MM_SPAWN_ARGS_WORD + MNEME_MM_SPAWN_ARGS_MAX / 8 <= MNEME_IPC_BUFFER_WORDS,
	       "spawn fits the IPC buffer");

static inline uint64_t mneme_mm_spawn_word0(unsigned flags, uint64_t quota_pages)
{
	return (uint64_t)flags | quota_pages << MNEME_MM_SPAWN_QUOTA_SHIFT;
}

/* STATUS states. */
#define MNEME_MM_STATE_RUNNING 1
#define MNEME_MM_STATE_EXITED  2

/* Reply status from a reply's msginfo (the label as a signed 32-bit value). */
static inline int64_t mneme_mm_status(uint64_t info)
{
	return (int32_t)mneme_msginfo_label(info);
}

#endif
