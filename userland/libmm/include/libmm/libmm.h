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
/* Map [va, va + len) into task @task with @prot; *their_va receives the address there. */
int64_t mm_share(void *va, size_t len, uint64_t task, unsigned prot, uint64_t *their_va);
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

/* The raw request: label, four words, extra words from the IPC buffer; reply words in @r. */
int64_t mm_request_raw(uint32_t label, const uint64_t w[4], unsigned extra, uint64_t r[4]);

#endif
