/*
 * What the vm module needs from the memory server around it: the core's
 * page-table calls for a task and the boot memory map.  The server implements these over the core's
 * syscalls (map, unmap, protect, pt_donate); host tests implement them
 * with a fake page table.
 *
 * Contract of the mapping calls: @s->cookie names the task; @shift is 12
 * or 21; @prot is MNEME_PROT_* (0 = leave the page mapped with no rights
 * is not asked for: the vm module unmaps instead).  vm_backend_map()
 * donates page-table frames itself when the core asks for them (recording
 * each with vm_space_pt_donated()) and returns 0 or -MNEME_E*; unmap and
 * protect of a page the vm module mapped cannot fail except for a bug of
 * the server, which they report.  The core unlinks the page tables an
 * unmap leaves empty; vm_backend_unmap() takes them back
 * (vm_space_pt_returned()), so a task's tables follow its mappings.
 */
#ifndef MMSERVER_VM_BACKEND_H
#define MMSERVER_VM_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm_space;

int vm_backend_map(struct vm_space *s, uint64_t va, uint64_t pa, unsigned shift, unsigned prot);
int vm_backend_unmap(struct vm_space *s, uint64_t va, unsigned shift);
/*
 * Unmap every page of [va, va + len) (page-aligned; no 2 MiB page of it
 * crosses an end) in one call of the core, with one TLB shootdown: when
 * it returns, no CPU can use the old translations and the frames may be
 * reused.  0, or -MNEME_E* for a bug of the server.
 */
int vm_backend_unmap_range(struct vm_space *s, uint64_t va, uint64_t len);
int vm_backend_protect(struct vm_space *s, uint64_t va, unsigned shift, unsigned prot);
/*
 * Set @prot on every mapped page of [va, va + len) (pages of 1 << @shift;
 * one not mapped is skipped): a clone write-protects whole runs of its
 * parent's memory.  One call of the core (protect_range), one shootdown.
 */
void vm_backend_protect_range(struct vm_space *s, uint64_t va, uint64_t len, unsigned shift,
			      unsigned prot);
/*
 * Read and clear the accessed bits of [va, va + len) (at most
 * VM_AGE_WINDOW bytes): bit i of @bits (zeroed first) says page
 * va + i * 4 KiB was touched since the last call.  Returns the young
 * pages, or -MNEME_E* (the task is dying: none).
 */
int64_t vm_backend_age(struct vm_space *s, uint64_t va, uint64_t len, uint64_t *bits);
#define VM_AGE_WINDOW (16ULL << 20)

/*
 * May @from map memory into @to (SHARE)?  A policy of the server (on
 * mneme: a task and its parent or children, and itself), so a task cannot
 * spend another, unrelated task's quota or address space uninvited.
 */
bool vm_backend_may_share(const struct vm_space *from, const struct vm_space *to);
/*
 * On mneme only (vm_backend_mneme.c): donate one page-table frame for @s,
 * for a MAP_RESUME fault reply the core refused with -MNEME_ENOMEM.
 */
int vm_backend_fault_donate(struct vm_space *s);
/*
 * On mneme only: give the core frame @pa for the page tables of the task
 * named by handle @handle (stocking the server's own pool first when the
 * core needs it to make @pa read-only in the server's physmap).  0,
 * -MNEME_EQUOTA (that pool is full) or an error.
 */
int vm_backend_pt_give(uint64_t handle, uint64_t pa);
/* On mneme only: give the server's own page-table pool one frame.  0 or -MNEME_ENOMEM. */
int vm_backend_server_pool_stock(void);
/* Frames the server gave its own pool (never back). */
extern uint64_t vm_server_pt_frames;
/*
 * What the page table of @s maps at @va (the checker compares it with the
 * frame table): 0 and the frame's address, rights and page shift, or
 * -MNEME_ENOENT.
 */
int vm_backend_query(struct vm_space *s, uint64_t va, uint64_t *pa, unsigned *prot, unsigned *shift);
/* The bytes of file @name of the boot archive: 0, or -MNEME_ENOENT. */
int vm_backend_file(const char *name, const void **data, uint64_t *size);
/* The physical memory map as text (STATS MEMMAP), like snprintf into @buf. */
size_t vm_backend_memmap_dump(char *buf, size_t len);
/* Every task with its memory (STATS TASKS: the shell's ps), like snprintf into @buf. */
size_t vm_backend_tasks_dump(char *buf, size_t len);

#endif
