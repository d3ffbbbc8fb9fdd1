/*
 * Handle tables and the object tables they point into.
 *
 * A handle is a slot of the owning task's table holding (type, object
 * index, object generation, rights) in one word, and a badge.  Objects
 * are never referenced by pointer from user-visible state, so a dead
 * object is detected by its generation and a reused slot never answers to
 * an old handle.
 *
 * Concurrency (docs/architecture.md, "Handles"): writers of a table hold
 * its task's handle_lock, and a slot naming an endpoint is filled or
 * emptied only under that endpoint's lock too.  So a reader needs no lock
 * of the table: it reads the slot's word at once, and for an endpoint,
 * takes the endpoint's lock and reads the word again: if it is unchanged,
 * the slot holds that endpoint for as long as the lock is held, and its
 * badge (the second word) is stable.  Every endpoint handle in a table
 * holds one of the endpoint's references; the last one going destroys it.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <core/device.h>
#include <core/object.h>
#include <core/printk.h>
#include <mneme/error.h>

struct task task_table[MNEME_MAX_TASKS];
struct thread thread_table[MNEME_MAX_THREADS];
struct endpoint endpoint_table[MNEME_MAX_ENDPOINTS];
struct task *server_task;
struct endpoint *server_ep;
spinlock_t object_lock = SPINLOCK_INIT;

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
	struct handle h = { .badge = badge };

	h.type = (uint8_t)type;
	h.rights = (uint8_t)rights;
	h.index = (uint16_t)index;
	h.gen = gen;
	return h;
}

static struct handle handle_of_word(uint64_t word)
{
	struct handle h = { .badge = 0 };

	h.word = word;
	return h;
}

bool handle_live(const struct handle *h)
{
	switch (h->type) {
	case MNEME_OBJ_ENDPOINT:
		return READ_ONCE(endpoint_table[h->index].alive) &&
		       READ_ONCE(endpoint_table[h->index].gen) == h->gen;
	case MNEME_OBJ_TASK:
		return READ_ONCE(task_table[h->index].state) == TASK_ALIVE &&
		       READ_ONCE(task_table[h->index].gen) == h->gen;
	case MNEME_OBJ_THREAD:
		return READ_ONCE(thread_table[h->index].state) != THREAD_FREE &&
		       READ_ONCE(thread_table[h->index].gen) == h->gen;
	case MNEME_OBJ_DEVICE:          /* devices never die (core/device.c) */
		return h->index < nr_devices && h->gen == 1;
	default:
		return false;
	}
}

int handle_lookup(struct task *task, uint64_t slot, unsigned type, unsigned rights,
		  struct handle *out)
{
	if (slot == MNEME_HANDLE_NONE || slot >= MNEME_HANDLES_PER_TASK)
		return -MNEME_EBADH;
	struct handle h = handle_of_word(handle_word(task, slot));
	if (h.type == MNEME_OBJ_NONE || (type != MNEME_OBJ_NONE && h.type != type))
		return -MNEME_EBADH;
	if ((h.rights & rights) != rights)
		return -MNEME_EPERM;
	if (!handle_live(&h))
		return -MNEME_EDEAD;
	h.badge = READ_ONCE(task->handles[slot].badge);   /* a look, as the rest: see handle_copy() */
	*out = h;
	return 0;
}

int handle_endpoint_lock(struct task *task, uint64_t slot, unsigned rights, struct endpoint **out,
			 uint64_t *badge)
{
	for (;;) {
		struct handle h;
		int err = handle_lookup(task, slot, MNEME_OBJ_ENDPOINT, rights, &h);
		if (err)
			return err;
		struct endpoint *ep = &endpoint_table[h.index];
		spin_lock(&ep->lock);
		if (handle_word(task, slot) != h.word) {    /* changed meanwhile: look again */
			spin_unlock(&ep->lock);
			continue;
		}
		if (!ep->alive || ep->gen != h.gen) {
			spin_unlock(&ep->lock);
			return -MNEME_EDEAD;
		}
		if (badge)
			*badge = task->handles[slot].badge;
		*out = ep;
		return 0;
	}
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

int handle_copy(struct task *task, uint64_t slot, unsigned rights, struct handle *out)
{
	struct handle h;
	int err = handle_lookup(task, slot, MNEME_OBJ_NONE, rights, &h);

	if (err)
		return err;
	if (h.type != MNEME_OBJ_ENDPOINT) {
		spin_lock(&task->handle_lock);     /* the badge of a stable slot */
		if (handle_word(task, slot) == h.word)
			h.badge = task->handles[slot].badge;
		else
			err = -MNEME_EDEAD;
		spin_unlock(&task->handle_lock);
		if (!err)
			*out = h;
		return err;
	}
	struct endpoint *ep;
	err = handle_endpoint_lock(task, slot, rights, &ep, &h.badge);
	if (err)
		return err;
	h.word = handle_word(task, slot);
	ep->refs++;
	spin_unlock(&ep->lock);
	*out = h;
	return 0;
}

void handle_put(const struct handle *h)
{
	if (h->type != MNEME_OBJ_ENDPOINT)
		return;
	endpoint_put(&endpoint_table[h->index], h->gen);
}

int handle_free_slot(const struct task *task)
{
	for (unsigned slot = 1; slot < MNEME_HANDLES_PER_TASK; slot++)
		if (!handle_word(task, slot))
			return (int)slot;
	return -MNEME_ENOMEM;
}

/* First empty slot of @task (handle_lock held), or -MNEME_ENOMEM. */
static int handle_free_slot_locked(const struct task *task)
{
	for (unsigned slot = 1; slot < MNEME_HANDLES_PER_TASK; slot++)
		if (task->handles[slot].type == MNEME_OBJ_NONE)
			return (int)slot;
	return -MNEME_ENOMEM;
}

/* Write @h into empty @slot: the badge first, then the word all at once. */
static void handle_store(struct task *task, int slot, const struct handle *h)
{
	task->handles[slot].badge = h->badge;
	__atomic_store_n(&task->handles[slot].word, h->word, __ATOMIC_RELEASE);
}

int handle_install(struct task *task, const struct handle *h)
{
	struct endpoint *ep = NULL;
	int slot;

	if (h->type == MNEME_OBJ_ENDPOINT) {
		ep = &endpoint_table[h->index];
		spin_lock(&ep->lock);
		if (!ep->alive || ep->gen != h->gen) {
			spin_unlock(&ep->lock);
			return -MNEME_EDEAD;
		}
	}
	spin_lock(&task->handle_lock);
	slot = handle_free_slot_locked(task);
	if (slot > 0)
		handle_store(task, slot, h);
	spin_unlock(&task->handle_lock);
	if (ep)
		spin_unlock(&ep->lock);
	return slot;
}

/* Empty @slot if it still holds @word (handle_lock and, for an endpoint, its lock held). */
static bool handle_clear_if(struct task *task, uint64_t slot, uint64_t word)
{
	bool same;

	spin_lock(&task->handle_lock);
	same = handle_word(task, slot) == word;
	if (same)
		__atomic_store_n(&task->handles[slot].word, 0, __ATOMIC_RELEASE);
	spin_unlock(&task->handle_lock);
	return same;
}

int handle_remove(struct task *task, uint64_t slot)
{
	for (;;) {
		if (slot == MNEME_HANDLE_NONE || slot >= MNEME_HANDLES_PER_TASK)
			return -MNEME_EBADH;
		struct handle h = handle_of_word(handle_word(task, slot));
		if (h.type == MNEME_OBJ_NONE)
			return -MNEME_EBADH;
		if (h.type != MNEME_OBJ_ENDPOINT) {
			if (handle_clear_if(task, slot, h.word))
				return 0;
			continue;
		}
		struct endpoint *ep = &endpoint_table[h.index];
		struct list_node dead;
		list_init(&dead);
		spin_lock(&ep->lock);
		bool cleared = handle_clear_if(task, slot, h.word);
		if (cleared && ep->alive && ep->gen == h.gen)
			endpoint_put_locked(ep, &dead);
		spin_unlock(&ep->lock);
		endpoint_wake_dead(&dead);
		if (cleared)
			return 0;
	}
}

void handle_clear_all(struct task *task)
{
	for (unsigned slot = 1; slot < MNEME_HANDLES_PER_TASK; slot++)
		while (handle_word(task, slot))
			handle_remove(task, slot);
}

#endif /* ARCH_HAS_USPACE */
