/*
 * Test harness for the core's host tests: a world of tasks and threads on
 * the fake architecture, "user" threads driven by calling core_syscall()
 * with their registers, and CHECK macros that count failures.
 */
#ifndef CORE_HARNESS_H
#define CORE_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <core/object.h>
#include <core/sched.h>
#include <mneme/error.h>
#include <mneme/fault.h>
#include <mneme/ipc.h>
#include <mneme/syscall.h>
#include "fake_arch.h"

extern int h_failures;

#define CHECK(c) do { if (!(c)) { h_failures++; \
	printf("# FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
	h_failures++; printf("# FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, \
	#a, #b, a_, b_); } } while (0)

/* Fresh world: empty tables, one usable RAM range backed by a host arena. */
void h_init(void);
/* A 4 KiB frame of the arena (its "physical" address = its host address). */
uint64_t h_frame(void);
/* A 2 MiB-aligned 2 MiB frame. */
uint64_t h_frame_2m(void);
/* A new task; the first privileged one becomes the server (with server_ep). */
struct task *h_task(bool privileged);
/* A runnable thread of @task at @prio. */
struct thread *h_thread(struct task *task, unsigned prio);
/* Map @pages fresh frames RW at @va into @task (pool donated as needed); returns host pointer. */
void *h_map(struct task *task, uint64_t va, unsigned pages);
/* Install a handle to @ep in @task: the slot. */
int h_ep_handle(struct task *task, struct endpoint *ep, uint64_t badge, unsigned rights);
/* Make @ep @task's pager (a link holding a reference), or none. */
void h_set_pager(struct task *task, struct endpoint *ep);
/* Make @t current (taking it off the run queue). */
void h_run(struct thread *t);
/*
 * Syscall @nr from @t (must be current) with args; returns ret0.  If the
 * core went idle (nothing runnable), *idled is set (may be NULL).
 */
int64_t h_sys(struct thread *t, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
	      uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);
extern bool h_idled;
static inline uint64_t h_ret(const struct thread *t, unsigned i) { return fake_regs_ret(&t->regs, i); }

int h_report(const char *name);

#endif
