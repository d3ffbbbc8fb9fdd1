/*
 * libmm: the client side of the memory service protocol
 * (<mneme/mm_proto.h>, docs/ipc.md), one function per request.
 *
 * Every function returns 0 or a negative mneme_error (-MNEME_E*), and
 * writes its results only on success.  Rights-and-flags arguments ("pf")
 * are MNEME_PROT_* | MNEME_MM_* flags as the protocol defines them.  The
 * requests go to the task's memory-server handle from its start block;
 * requests with longer replies (mm_stats, mm_usage) need the thread's IPC
 * buffer (every thread the runtime starts has one).
 *
 * The lifecycle requests (spawn, status, kill, wait) are the runtime's
 * mm_spawn()/mm_status()/... in <ulib/ulib.h>; mm_spawn_quota() adds the
 * memory quota.
 */
#ifndef LIBMM_LIBMM_H
#define LIBMM_LIBMM_H

#include <stddef.h>
#include <stdint.h>
#include <mneme/error.h>
#include <mneme/mm_proto.h>

/* 2^@order contiguous pages, mapped: *va and (if not NULL) *pa receive the addresses. */
int64_t mm_alloc_pages(unsigned order, unsigned pf, void **va, uint64_t *pa);
/* Give back a block from mm_alloc_pages() (an UNMAP of its pages). */
int64_t mm_free_pages(void *va, unsigned order);
/* Anonymous memory: @hint (NULL = anywhere, or the address with MNEME_MM_FIXED), @len bytes. */
int64_t mm_map_anon(void *hint, size_t len, unsigned pf, void **va);
/* Physically contiguous memory below @phys_limit (0 = any) aligned to @phys_align (0 = page). */
int64_t mm_map_contig(size_t len, uint64_t phys_limit, uint64_t phys_align, unsigned pf, void **va,
		      uint64_t *pa);
int64_t mm_unmap(void *va, size_t len);
int64_t mm_protect(void *va, size_t len, unsigned prot);
/*
 * Offer [va, va + len) to task @task with @prot; *grant receives the number
 * it accepts the range with (mm_share_accept()): nothing is mapped into it,
 * or charged to it, before.
 */
int64_t mm_share(void *va, size_t len, uint64_t task, unsigned prot, uint64_t *grant);
/* Map the range of grant @grant: *va, and if not NULL *len and *prot. */
int64_t mm_share_accept(uint64_t grant, void **va, size_t *len, unsigned *prot);
/* One chunk of a statistics text from @offset: up to @len bytes into @buf; *got and *total. */
int64_t mm_stats(unsigned what, uint64_t offset, char *buf, size_t len, size_t *got, uint64_t *total);
/*
 * The whole text of @what into @buf (NUL-terminated, cut to @len - 1 bytes).
 * Returns the text's full length, or -MNEME_E*.
 */
int64_t mm_stats_read(unsigned what, char *buf, size_t len);
/* Print the text of @what on the console.  0 or -MNEME_E*. */
int64_t mm_stats_print(unsigned what);
/* The caller's accounting. */
int64_t mm_usage(struct mneme_mm_usage *u);
/* mm_spawn() with a memory quota in bytes (rounded up to pages; 0 = the default). */
int64_t mm_spawn_quota(const char *prog, const char *args, unsigned flags, uint64_t handle,
		       uint64_t share_va, uint64_t quota, uint64_t *child);

/*
 * A file of the boot archive, from the page cache: @len bytes from byte
 * @off (page-aligned) of file @name, at @hint (or exactly there with
 * MNEME_MM_FIXED); pf = rights | MNEME_MM_PRIVATE (copy-on-write; else
 * shared read-only) | MNEME_MM_POPULATE.  *va receives the address and,
 * if @size is not NULL, *size the file's size.
 */
int64_t mm_map_file(const char *name, uint64_t off, size_t len, unsigned pf, void *hint, void **va,
		    uint64_t *size);

/* What backs one page of the caller (QUERY). */
struct mm_page_info {
	uint64_t pa;             /* physical address (0: nothing yet) */
	unsigned prot;           /* rights the page table gives now */
	unsigned flags;          /* MNEME_MM_Q_* */
	uint64_t mapcount;       /* mappings of the frame, in every task */
};
int64_t mm_query(const void *va, struct mm_page_info *info);
/* Run the memory server's invariant checker (0, or -MNEME_ECORRUPT: printed on the console). */
int64_t mm_check(void);

/*
 * ALLOC_PAGES, MAP_ANON and MAP_CONTIG with MNEME_MM_NODES: frames only from
 * the nodes of @nodes (MAP_CONTIG passes it in the IPC buffer).
 */
int64_t mm_alloc_pages_nodes(unsigned order, unsigned pf, uint64_t nodes, void **va, uint64_t *pa);
int64_t mm_map_anon_nodes(void *hint, size_t len, unsigned pf, uint64_t nodes, void **va);
int64_t mm_map_contig_nodes(size_t len, uint64_t phys_limit, uint64_t phys_align, unsigned pf,
			    uint64_t nodes, void **va, uint64_t *pa);
/* NUMA memory policies (MNEME_MM_MPOL_*; node masks: bit n is node n), as Linux's calls. */
int64_t mm_set_mempolicy(unsigned mode, uint64_t nodes);
int64_t mm_mbind(void *va, size_t len, unsigned mode, uint64_t nodes);
/* Flags 0: the task's policy; F_ADDR: @va's region's; F_ADDR | F_NODE: *mode = node of @va's frame. */
int64_t mm_get_mempolicy(unsigned flags, const void *va, unsigned *mode, uint64_t *nodes);

/*
 * Memory objects (docs/ipc.md): shared memory named by handles.  Create
 * one of @size bytes whose handle has @rights; map [off, off + len) of it
 * (rights in @pf no more than the handle's); close a handle; grant it to
 * task @task with @rights (the number *grant goes to that task, which
 * accepts it for a handle of its own).
 */
int64_t mm_obj_create(size_t size, unsigned rights, uint64_t *handle);
int64_t mm_obj_map(uint64_t handle, uint64_t off, size_t len, unsigned pf, void *hint, void **va);
int64_t mm_obj_close(uint64_t handle);
int64_t mm_obj_grant(uint64_t handle, unsigned rights, uint64_t task, uint64_t *grant);
int64_t mm_obj_accept(uint64_t grant, uint64_t *handle, uint64_t *size, unsigned *rights);

/*
 * Start a copy-on-write clone of this task as a child (SPAWN_CLONE): it
 * runs this program from its entry, with @args, in a copy of the whole
 * address space (@len 0) or of [start, start + len) of the window only;
 * @quota bytes (0: the default); @handle (0: none) goes to the child.
 */
int64_t mm_clone(uint64_t start, size_t len, const char *args, uint64_t quota, uint64_t handle,
		 uint64_t *child);

/* The raw request: label, four words, extra words from the IPC buffer; reply words in @r. */
int64_t mm_request_raw(uint32_t label, const uint64_t w[4], unsigned extra, uint64_t r[4]);

#endif
