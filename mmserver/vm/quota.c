/*
 * Quotas per task tree.
 *
 * A quota is a pool of bytes that one or more spaces draw on.  The memory
 * server gives each task it starts itself (a root) a quota of its own; a
 * child spawned without a quota of its own draws on its parent's, so the
 * parent and such children are held to it together; a child spawned with
 * a quota of its own gets a new pool *carved* out of its parent's: the
 * whole amount is charged to the parent's pool while the child's pool
 * lives, and given back when it goes.  So a task tree never holds more
 * than its root was given, whatever its members do, and a carved child is
 * guaranteed its amount whatever its siblings do.
 *
 *   pool->charged = the charges of the spaces drawing on it
 *                 + the limits of the pools carved from it
 *                 + what it still pays for its members that ended
 *                   (memory objects and blocks they created that others
 *                   still use: the creator's tree pays until they go)
 *
 * A pool lives while a space draws on it, a carved pool or an orphaned
 * charge refers to it; so a carved child that outlives its parent (it is
 * being killed, its EXIT not yet in) still has its pool, and its
 * parent's.
 *
 * The machine as a whole: roots are admitted by vm_quota_admit(), the one
 * hook where "the sum of what tasks may take is admitted against what
 * exists" belongs (the commit accounting of the memory-pressure work);
 * today it admits every root.
 */
#include <mneme/error.h>
#include "vm_internal.h"

static struct kmem_cache *quota_cache;

int vm_quota_init(void)
{
	if (!quota_cache)
		quota_cache = kmem_cache_create("vm_quota", sizeof(struct vm_quota), 0, 0, NULL);
	return quota_cache ? 0 : -MNEME_ENOMEM;
}

bool vm_quota_admit(uint64_t limit)
{
	(void)limit;
	return true;
}

struct vm_quota *vm_quota_root(uint64_t limit)
{
	if (!vm_quota_admit(limit))
		return NULL;
	struct vm_quota *q = kmem_cache_alloc(quota_cache, VM_GFP_META | __GFP_ZERO);

	if (q) {
		q->limit = limit;
		q->refs = 1;
	}
	return q;
}

bool vm_quota_fits(const struct vm_quota *q, uint64_t bytes)
{
	return q->charged <= q->limit && bytes <= q->limit - q->charged;
}

int vm_quota_carve(struct vm_quota *parent, uint64_t limit, struct vm_quota **out)
{
	if (!vm_quota_fits(parent, limit))
		return -MNEME_EQUOTA;
	struct vm_quota *q = kmem_cache_alloc(quota_cache, VM_GFP_META | __GFP_ZERO);
	if (!q)
		return -MNEME_ENOMEM;
	q->limit = limit;
	q->refs = 1;
	q->parent = parent;
	parent->refs++;
	parent->charged += limit;
	*out = q;
	return 0;
}

void vm_quota_get(struct vm_quota *q)
{
	q->refs++;
}

void vm_quota_put(struct vm_quota *q)
{
	while (q && !--q->refs) {
		struct vm_quota *parent = q->parent;
		MM_ASSERT(!q->charged);
		if (parent)
			parent->charged -= q->limit;
		kmem_cache_free(quota_cache, q);
		q = parent;
	}
}

void vm_quota_orphan(struct vm_quota *q, uint64_t bytes)
{
	q->charged += bytes;
	q->orphaned += bytes;
	q->refs++;
}

void vm_quota_orphan_end(struct vm_quota *q, uint64_t bytes)
{
	q->charged -= bytes;
	q->orphaned -= bytes;
	vm_quota_put(q);
}
