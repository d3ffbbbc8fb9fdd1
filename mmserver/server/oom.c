/*
 * The OOM killer: what happens when a page fault finds no memory left
 * after reclaim (direct reclaim in the fault's own allocation gave up).
 * A request in the same state fails cleanly with -MNEME_ENOMEM; a fault
 * cannot, so some task must go.
 *
 * The victim is the running task with the highest badness (Linux's
 * oom_badness): its resident pages, its pages in the compressed store and
 * its page tables, plus its oom_score_adj (given at SPAWN) in thousandths
 * of memory; -1000 is never chosen.  The memory server is not a task of
 * its table and is never chosen.  The report is Linux's (the invoking
 * task, Mem-Info, the task table, the oom-kill line and "Out of memory:
 * Killed process"), with the lines whose concepts exist here.
 *
 * The innocent.  When the task whose fault hit the shortage is not the
 * victim, it does not die: the server destroys the victim (the core stops
 * its threads everywhere and posts its EXIT before task_destroy returns)
 * and answers the fault RESUME.  The faulting thread retries its access
 * and faults again; EXIT messages are received before any waiting
 * sender, so by the time that fault is read, the victim's space is gone
 * and its memory is back.  While a victim's EXIT is still to come (it was
 * already dying on another CPU), faults that hit the shortage wait the
 * same way instead of choosing another victim.
 */
#include <mm/mm_dump.h>
#include <mm/mmzone.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>
#include <mneme/error.h>
#include <ulib/ulib.h>
#include "oom.h"
#include "serve.h"
#include "task.h"
#include "vm.h"
#include "vm_internal.h"

struct rss {
	uint64_t anon, file, shmem;
};

static void count_rss(struct vm_space *s, uint64_t va, uint64_t e, void *ctx)
{
	struct rss *r = ctx;
	uint64_t n = (e & FT_HUGE) ? VM_HUGE_PAGES : 1;

	if (ft_swapped(e) || vm_entry_zero(e))
		return;
	struct vm_object *o = vm_frame_object(ft_pfn(e));
	const struct vm_region *reg = vm_region_find(s, va);
	if (o && o->kind == VM_OBJ_FILE)
		r->file += n;
	else if (o || (reg && reg->kind == VM_SHARED))
		r->shmem += n;
	else
		r->anon += n;
}

static struct rss rss_of(struct vm_space *s)
{
	struct rss r = { 0, 0, 0 };

	ft_walk(s, 0, VM_VA_LIMIT, count_rss, &r);
	return r;
}

static void report_mem_info(void)
{
	uint64_t lru[VM_NR_LRU];

	vm_lru_counts(lru);
	printf("Mem-Info:\n");
	printf("active_anon:%llu inactive_anon:%llu isolated_anon:0\n", (unsigned long long)lru[VM_LRU_ACTIVE_ANON],
	       (unsigned long long)lru[VM_LRU_INACTIVE_ANON]);
	printf(" active_file:%llu inactive_file:%llu isolated_file:0\n",
	       (unsigned long long)lru[VM_LRU_ACTIVE_FILE], (unsigned long long)lru[VM_LRU_INACTIVE_FILE]);
	printf(" slab_reclaimable:0 slab_unreclaimable:%lu\n", slab_nr_pages());
	printf(" free:%lu free_pcp:%lu free_cma:0\n", nr_free_pages(), nr_pcp_pages());
}

static void report_tasks(void)
{
	printf("Tasks state (memory values in pages):\n");
	printf("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n");
	for (unsigned s = 1; s <= MM_MAX_TASKS; s++) {
		const struct mm_task *t = &mm_tasks[s];
		if (t->state != MM_TASK_RUNNING || !t->space)
			continue;
		const struct vm_space *sp = t->space;
		printf("[%7llu] %5d %5llu %8llu %8llu %8llu %8llu         %5d %s\n",
		       (unsigned long long)mm_task_id(s), 0, (unsigned long long)mm_task_id(s),
		       (unsigned long long)(sp->acct.mapped / VM_PAGE_SIZE),
		       (unsigned long long)sp->acct.resident,
		       (unsigned long long)((sp->acct.pt_pages + sp->ftab_nodes) * VM_PAGE_SIZE),
		       (unsigned long long)sp->acct.swapped, sp->oom_score_adj, t->name);
	}
}

/* The running task with the highest badness, or 0 (none may be chosen). */
static unsigned choose_victim(void)
{
	unsigned best = 0;
	uint64_t best_points = 0;

	for (unsigned s = 1; s <= MM_MAX_TASKS; s++) {
		if (mm_tasks[s].state != MM_TASK_RUNNING || !mm_tasks[s].space)
			continue;
		uint64_t points = vm_oom_points(mm_tasks[s].space);
		if (points > best_points) {
			best = s;
			best_points = points;
		}
	}
	return best;
}

bool mm_oom_kill(unsigned slot, uint64_t addr, uint64_t access)
{
	for (unsigned s = 1; s <= MM_MAX_TASKS; s++)
		if (mm_tasks[s].state == MM_TASK_RUNNING && mm_tasks[s].oom_victim)
			return s != slot;       /* a victim is on its way out: wait for its memory */
	struct mm_task *f = &mm_tasks[slot];
	printf("%s invoked oom-killer: gfp_mask=0x%x(GFP_HIGHUSER_MOVABLE|__GFP_ZERO), order=0, "
	       "oom_score_adj=%d\n", f->name, (unsigned)(GFP_HIGHUSER_MOVABLE | __GFP_ZERO),
	       f->space ? f->space->oom_score_adj : 0);
	printf("mmserver: page fault of %s (task %llu) at %#llx (%s) found no memory after reclaim\n",
	       f->name, (unsigned long long)mm_task_id(slot), (unsigned long long)addr,
	       mneme_access_name(access));
	report_mem_info();
	report_tasks();
	unsigned v = choose_victim();
	if (!v) {
		printf("Out of memory and no killable processes...\n");
		return false;
	}
	struct mm_task *t = &mm_tasks[v];
	struct rss r = rss_of(t->space);
	printf("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
	       "task_memcg=/,task=%s,pid=%llu,uid=0\n", t->name, (unsigned long long)mm_task_id(v));
	printf("Out of memory: Killed process %llu (%s) total-vm:%llukB, anon-rss:%llukB, file-rss:%llukB, "
	       "shmem-rss:%llukB, UID:0 pgtables:%llukB oom_score_adj:%d\n",
	       (unsigned long long)mm_task_id(v), t->name,
	       (unsigned long long)(t->space->acct.mapped >> 10), (unsigned long long)(r.anon * 4),
	       (unsigned long long)(r.file * 4), (unsigned long long)(r.shmem * 4),
	       (unsigned long long)((t->space->acct.pt_pages + t->space->ftab_nodes) * 4),
	       t->space->oom_score_adj);
	t->oom_victim = true;
	mm_server_stats.oom_kills++;
	if (v == slot)
		return false;                   /* the faulting task is the one: its fault is answered KILL */
	mm_task_kill(v);                        /* its EXIT is queued before this returns */
	return true;
}

void mm_oom_reaped(unsigned slot)
{
	printf("oom_reaper: reaped process %llu (%s), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n",
	       (unsigned long long)mm_task_id(slot), mm_tasks[slot].name);
}
