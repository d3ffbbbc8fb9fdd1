/*
 * Environment of the vm host tests: the real mm core (buddy + slab) on a
 * host arena, and a fake core behind vm_backend.h: a page table per task
 * (hash of va -> pa, size, rights) that rejects double maps and unmaps
 * of nothing, and donates one page-table frame per 2 MiB span it is asked
 * to map into (like the core's pool).
 */
#ifndef VM_ENV_H
#define VM_ENV_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm/gfp.h"
#include "mm/page_alloc.h"
#include "mm/mm_dump.h"
#include "mm/slab.h"
#include "mm/host.h"
#include "mm/zstore.h"
#include "vm.h"
#include "vm_internal.h"

/* A fake task: its space and fake page table. */
struct fake_task {
	struct vm_space *space;
	uint64_t id;
	struct fake_pte **hash;
	uint64_t nr_ptes;
	struct fake_span *spans;   /* 2 MiB spans that got a page-table frame */
	bool fail_maps;            /* make every backend map fail (the core out of memory) */
	bool refuse_shares;        /* vm_backend_may_share() says no for shares into it */
	uint64_t range_unmaps;     /* vm_backend_unmap_range calls */
	uint64_t ages;             /* vm_backend_age calls */
};

int vm_env_init(void);
/* Create a task with @quota (0 = default). */
struct fake_task *fake_task_new(uint64_t quota);
/* Destroy the task's space (as after EXIT) and the fake. */
void fake_task_free(struct fake_task *t);
/* Free frames (buddy + per-CPU lists). */
unsigned long vm_env_free_pages(void);
/* All checks: vm_space_check, the fake page table agrees with the frame table, mm invariants. */
int vm_env_check(struct fake_task *t, char *why, size_t len);
/*
 * Every frame's reference count (single frames: struct page's owner word;
 * blocks: vm_block.refs) equals the number of pages mapping it in the
 * frame tables of the @nr tasks: no frame is handed out twice or leaked.
 */
int vm_env_check_refs(struct fake_task **t, unsigned nr, char *why, size_t len);
/* The fake page table's entry for @va (0 if none); *shift, *prot receive its size and rights. */
uint64_t fake_lookup(struct fake_task *t, uint64_t va, unsigned *shift, unsigned *prot);
/* Read / write a byte of a task's memory through the fake page table (fault as needed). */
int fake_touch(struct fake_task *t, uint64_t va, unsigned access, uint8_t *val);

/* Make @name a file of the fake archive (the page cache reads @data). */
void fake_file_add(const char *name, const void *data, uint64_t size);

/* Tiny KTAP-ish reporting. */
extern int vm_test_failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); vm_test_failures++; } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { fprintf(stderr, "%s:%d: %s = %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); vm_test_failures++; } } while (0)
#define CHECK_OK(t) do { char why_[256]; if (vm_env_check((t), why_, sizeof(why_))) { fprintf(stderr, "%s:%d: invariant: %s\n", __FILE__, __LINE__, why_); vm_test_failures++; } } while (0)

/* SHARE then SHARE_ACCEPT: [va, va + len) of @from mapped into @to at *to_va. */
int fake_share(struct vm_space *from, uint64_t va, uint64_t len, struct vm_space *to, unsigned prot,
	       uint64_t *to_va);

#endif
