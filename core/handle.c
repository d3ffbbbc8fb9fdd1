/*
 * Handle tables and the object tables they point into.
 *
 * A handle is a slot of the owning task's table holding (type, object
 * index, object generation, badge, rights).  Objects are never referenced
 * by pointer from user-visible state, so a dead object is detected by its
 * generation and a reused slot never answers to an old handle.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <core/object.h>
#include <core/printk.h>
#include <mneme/error.h>

struct task task_table[MNEME_MAX_TASKS];
struct thread thread_table[MNEME_MAX_THREADS];
struct endpoint endpoint_table[MNEME_MAX_ENDPOINTS];
struct task *server_task;
struct endpoint *server_ep;

void object_init(void)
{
	for (unsigned i = 0; i < MNEME_MAX_TASKS; i++) {
		struct task *t = &task_table[i];
		uint32_t gen = t->gen;
		*t = (struct task){ .gen = gen + 1 };
		list_init(&t->threads);
		list_init(&t->exit_link);
	}
	for (unsigned i = 0; i < MNEME_MAX_THREADS; i++) {
		struct thread *t = &thread_table[i];
		uint32_t gen = t->gen;
		*t = (struct thread){ .gen = gen + 1 };
		list_init(&t->link);
		list_init(&t->task_link);
	}
	for (unsigned i = 0; i < MNEME_MAX_ENDPOINTS; i++) {
		struct endpoint *e = &endpoint_table[i];
		uint32_t gen = e->gen;
		*e = (struct endpoint){ .gen = gen + 1 };
		list_init(&e->send_q);
		list_init(&e->recv_q);
		list_init(&e->exit_q);
	}
	server_task = NULL;
	server_ep = NULL;
}

struct handle handle_make(unsigned type, uint32_t index, uint32_t gen, uint64_t badge,
			  unsigned rights)
{
	return (struct handle){ .type = (uint8_t)type, .rights = (uint8_t)rights,
				.index = (uint16_t)index, .gen = gen, .badge = badge };
}

int handle_free_slot(const struct task *task)
{
	for (unsigned slot = 1; slot < MNEME_HANDLES_PER_TASK; slot++)
		if (task->handles[slot].type == MNEME_OBJ_NONE)
			return (int)slot;
	return -MNEME_ENOMEM;
}

int handle_install(struct task *task, const struct handle *h)
{
	int slot = handle_free_slot(task);

	if (slot > 0)
		task->handles[slot] = *h;
	return slot;
}

bool handle_live(const struct handle *h)
{
	switch (h->type) {
	case MNEME_OBJ_ENDPOINT:
		return endpoint_table[h->index].alive && endpoint_table[h->index].gen == h->gen;
	case MNEME_OBJ_TASK:
		return task_table[h->index].state == TASK_ALIVE && task_table[h->index].gen == h->gen;
	case MNEME_OBJ_THREAD:
		return thread_table[h->index].state != THREAD_FREE &&
		       thread_table[h->index].gen == h->gen;
	default:
		return false;
	}
}

int handle_lookup(struct task *task, uint64_t slot, unsigned type, unsigned rights,
		  struct handle *out)
{
	if (slot == MNEME_HANDLE_NONE || slot >= MNEME_HANDLES_PER_TASK)
		return -MNEME_EBADH;
	const struct handle *h = &task->handles[slot];
	if (h->type == MNEME_OBJ_NONE || (type != MNEME_OBJ_NONE && h->type != type))
		return -MNEME_EBADH;
	if ((h->rights & rights) != rights)
		return -MNEME_EPERM;
	if (!handle_live(h))
		return -MNEME_EDEAD;
	*out = *h;
	return 0;
}

int handle_endpoint(struct task *task, uint64_t slot, unsigned rights, struct endpoint **ep,
		    uint64_t *badge)
{
	struct handle h;
	int err = handle_lookup(task, slot, MNEME_OBJ_ENDPOINT, rights, &h);

	if (err)
		return err;
	*ep = &endpoint_table[h.index];
	if (badge)
		*badge = h.badge;
	return 0;
}

int handle_task(struct task *task, uint64_t slot, struct task **out)
{
	struct handle h;
	int err = handle_lookup(task, slot, MNEME_OBJ_TASK, 0, &h);

	if (!err)
		*out = &task_table[h.index];
	return err;
}

int handle_thread(struct task *task, uint64_t slot, struct thread **out)
{
	struct handle h;
	int err = handle_lookup(task, slot, MNEME_OBJ_THREAD, 0, &h);

	if (!err)
		*out = &thread_table[h.index];
	return err;
}

static bool handle_names(const struct handle *h, const struct endpoint *ep)
{
	return h->type == MNEME_OBJ_ENDPOINT && h->index == endpoint_index(ep) && h->gen == ep->gen;
}

/*
 * True if anything can still reach @ep: a handle in any task's table, a
 * handle a blocked sender is transferring, a task's pager link, or the
 * core itself (the memory server's endpoint).  A slow scan of the static
 * tables (64 x 64 handles, 256 threads), done only when a handle closes.
 */
static bool endpoint_referenced(const struct endpoint *ep)
{
	if (ep == server_ep)
		return true;
	for (unsigned i = 0; i < MNEME_MAX_TASKS; i++) {
		const struct task *t = &task_table[i];
		if (t->pager == ep && t->pager_gen == ep->gen)
			return true;
		for (unsigned s = 1; s < MNEME_HANDLES_PER_TASK; s++)
			if (handle_names(&t->handles[s], ep))
				return true;
	}
	for (unsigned i = 0; i < MNEME_MAX_THREADS; i++) {
		const struct thread *th = &thread_table[i];
		if (th->state == THREAD_SEND && handle_names(&th->xfer, ep))
			return true;
	}
	return false;
}

/*
 * Close @slot.  Closing the last handle to a live endpoint destroys it
 * (nobody could send to it or receive from it again): its waiters wake
 * with -MNEME_EDEAD and the slot of the endpoint table is free again.
 */
int handle_remove(struct task *task, uint64_t slot)
{
	struct handle h;

	if (slot == MNEME_HANDLE_NONE || slot >= MNEME_HANDLES_PER_TASK ||
	    task->handles[slot].type == MNEME_OBJ_NONE)
		return -MNEME_EBADH;
	h = task->handles[slot];
	task->handles[slot] = (struct handle){ 0 };
	if (h.type == MNEME_OBJ_ENDPOINT && handle_live(&h) &&
	    !endpoint_referenced(&endpoint_table[h.index]))
		endpoint_destroy(&endpoint_table[h.index]);
	return 0;
}

#endif /* ARCH_HAS_USPACE */
