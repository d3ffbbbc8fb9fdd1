/*
 * Memory objects: shared anonymous memory that tasks name by handles.
 *
 * An object holds its pages by index (two levels: a table of leaves, each
 * a page of 512 pfns; pages and leaves come on first touch), one
 * reference per page.  It lives while anything refers to it -- a handle,
 * a region mapping it, a grant waiting to be accepted -- and its pages go
 * back to the allocator with it.  The page cache's files are objects of
 * the same shape (pagecache.c).
 *
 * Handles.  Each space has its own table of handles (numbers that are
 * never reused within the space, each naming an object and rights), so a
 * number means nothing to any other task and nothing can be forged.  An
 * object travels by a grant: its holder offers it, with rights no greater
 * than its own, to a task it names; that task accepts the grant (the
 * number reaches it over any IPC channel) and gets a handle of its own.
 * The server thus always knows every holder: an object's frames return
 * the moment its last handle is closed and its last mapping unmapped, and
 * a task's death closes its handles.  (Core handles cannot do this: the
 * core does not tell the server when a task closes one.)  The receiver
 * must accept, so nothing is put in its table, or charged to it,
 * uninvited.
 *
 * Charges.  The creator pays for the object: its whole size (strict
 * commit, like anonymous memory) and its metadata, until the object goes;
 * if the creator ends first, the object lives on, paid for by the
 * creator's quota pool (its task tree) until it goes.  A
 * mapper pays its region and page tables, a holder its handle, a granter
 * its pending grants.
 */
#include <string.h>
#include <mneme/error.h>
#include "vm_internal.h"

#define LEAF_ENTRIES 512

/*
 * A grant: an object offered by its holder (@obj, referenced while
 * pending), or a range of the granter's own memory offered by SHARE
 * (@obj NULL: [@addr, @addr + @len) of @from, mapped into the receiver
 * when it accepts).
 */
struct vm_grant {
	uint64_t id;
	struct vm_object *obj;
	uint64_t addr, len;
	unsigned rights;
	struct vm_space *from;        /* charged VM_GRANT_META */
	uint64_t to;                  /* task id of the receiver */
	struct vm_grant *next;
};

static struct kmem_cache *object_cache, *handle_cache, *grant_cache;
static struct vm_grant *grants;
static uint64_t next_object_id = 1, next_grant_id = 1;

int vm_object_init(void)
{
	if (!object_cache)
		object_cache = kmem_cache_create("vm_object", sizeof(struct vm_object), 0, 0, NULL);
	if (!handle_cache)
		handle_cache = kmem_cache_create("vm_handle", sizeof(struct vm_handle), 0, 0, NULL);
	if (!grant_cache)
		grant_cache = kmem_cache_create("vm_grant", sizeof(struct vm_grant), 0, 0, NULL);
	return object_cache && handle_cache && grant_cache ? 0 : -MNEME_ENOMEM;
}

/* ---- Pages of an object ----------------------------------------------------- */

/* A new object of @kind and @size bytes (a page multiple), its leaf table empty; NULL if no memory. */
struct vm_object *vm_object_new(unsigned kind, uint64_t size)
{
	struct vm_object *o = kmem_cache_alloc(object_cache, VM_GFP_META | __GFP_ZERO);
	uint64_t nr = (size / VM_PAGE_SIZE + LEAF_ENTRIES - 1) / LEAF_ENTRIES;

	if (!o)
		return NULL;
	o->leaves = nr ? kmalloc(nr * sizeof(uint64_t *), VM_GFP_META | __GFP_ZERO) : NULL;
	if (nr && !o->leaves) {
		kmem_cache_free(object_cache, o);
		return NULL;
	}
	o->nr_leaves = nr;
	o->size = size;
	o->kind = kind;
	o->id = next_object_id++;
	return o;
}

void vm_object_free(struct vm_object *o)
{
	vm_object_release(o);
	kmem_cache_free(object_cache, o);
}

static uint64_t *page_slot(const struct vm_object *o, uint64_t idx)
{
	uint64_t *leaf = o->leaves[idx / LEAF_ENTRIES];

	return leaf ? &leaf[idx % LEAF_ENTRIES] : NULL;
}

uint64_t vm_object_lookup(const struct vm_object *o, uint64_t idx)
{
	uint64_t *slot = idx < o->size / VM_PAGE_SIZE ? page_slot(o, idx) : NULL;

	return slot ? *slot : 0;
}

int vm_object_page(struct vm_object *o, uint64_t idx, uint64_t *pfn)
{
	if (idx >= o->size / VM_PAGE_SIZE)
		return -MNEME_ERANGE;
	uint64_t *slot = page_slot(o, idx);
	if (slot && *slot) {
		*pfn = *slot;
		return 0;
	}
	if (!slot) {
		struct page *leaf = alloc_pages(VM_GFP_META | __GFP_ZERO, 0);
		if (!leaf)
			return -MNEME_ENOMEM;
		o->leaves[idx / LEAF_ENTRIES] = page_address(leaf);
		slot = page_slot(o, idx);
	}
	uint64_t f = vm_frame_alloc();
	if (!f)
		return -MNEME_ENOMEM;
	if (o->kind == VM_OBJ_FILE && idx * VM_PAGE_SIZE < o->file_size) {
		uint64_t n = o->file_size - idx * VM_PAGE_SIZE;
		memcpy(page_address(pfn_to_page(f)), o->data + idx * VM_PAGE_SIZE,
		       n < VM_PAGE_SIZE ? n : VM_PAGE_SIZE);
	}
	struct page *p = pfn_to_page(f);
	p->owner = (uint64_t)(uintptr_t)o | VM_OWNER_OBJECT;
	p->vm_index = (uint32_t)idx;
	if (o->kind == VM_OBJ_FILE)
		vm_lru_kind_changed(f, false);  /* a file's page: the file lists */
	else
		vm_lru_del(f);                  /* shared memory is not reclaimed: on no list */
	vm_frame_get(f, 1);                     /* the object's own reference */
	*slot = f;
	o->nr_pages++;
	if (o->kind == VM_OBJ_FILE)
		mm_nr_file_pages++;
	*pfn = f;
	return 0;
}

void vm_object_drop_page(struct vm_object *o, uint64_t idx)
{
	uint64_t *slot = page_slot(o, idx);
	uint64_t f = *slot;

	*slot = 0;
	o->nr_pages--;
	if (o->kind == VM_OBJ_FILE)
		mm_nr_file_pages--;
	struct page *p = pfn_to_page(f);
	if (p->_refcount > 1) {
		/* Still mapped (shared on with SHARE): an ordinary shared frame from now on. */
		p->owner = VM_OWNER_FRAME;
		p->vm_index = 0;
		if (o->kind == VM_OBJ_FILE)
			vm_lru_kind_changed(f, true);
		else
			vm_lru_add(f);
	}
	vm_frame_put(f, 1);
}

void vm_object_release(struct vm_object *o)
{
	for (uint64_t l = 0; l < o->nr_leaves; l++) {
		uint64_t *leaf = o->leaves[l];
		if (!leaf)
			continue;
		for (unsigned i = 0; i < LEAF_ENTRIES; i++)
			if (leaf[i])
				vm_object_drop_page(o, l * LEAF_ENTRIES + i);
		__free_pages(virt_to_page(leaf), 0);
		o->leaves[l] = NULL;
	}
	kfree(o->leaves);
	o->leaves = NULL;
	o->nr_leaves = 0;
}

void vm_object_get(struct vm_object *o)
{
	o->refs++;
}

/* Unlink @o from its creator's list, returning the charge. */
static void uncharge_creator(struct vm_object *o)
{
	struct vm_space *s = o->creator;

	if (!s)
		return;
	if (o->prev)
		o->prev->next = o->next;
	else
		s->objects = o->next;
	if (o->next)
		o->next->prev = o->prev;
	o->prev = o->next = NULL;
	s->acct.meta_bytes -= o->charge - o->size;
	vm_charge_force(s, -(int64_t)o->charge, 0);
	o->creator = NULL;
}

void vm_object_put(struct vm_object *o)
{
	MM_ASSERT(o->refs);
	if (--o->refs || o->kind == VM_OBJ_FILE)
		return;                         /* files stay cached until vm_pagecache_shrink */
	uncharge_creator(o);
	if (o->orphan)
		vm_quota_orphan_end(o->orphan, o->charge);
	vm_object_free(o);
}

/* ---- Handles ------------------------------------------------------------ */

static struct vm_handle *handle_find(const struct vm_space *s, uint64_t id)
{
	for (struct vm_handle *h = s->handles; h; h = h->next)
		if (h->id == id)
			return h;
	return NULL;
}

/* A handle for @o with @rights in @s (charged; the object gets a reference).  0 or -MNEME_E*. */
static int handle_new(struct vm_space *s, struct vm_object *o, unsigned rights, uint64_t *id)
{
	if (s->nr_handles >= MNEME_MM_MAX_HANDLES)
		return -MNEME_ENOMEM;
	if (vm_charge_check(s, (int64_t)VM_HANDLE_META, 0))
		return -MNEME_EQUOTA;
	struct vm_handle *h = kmem_cache_alloc(handle_cache, VM_GFP_META | __GFP_ZERO);
	if (!h)
		return -MNEME_ENOMEM;
	*h = (struct vm_handle){ .id = ++s->next_handle, .obj = o, .rights = rights, .next = s->handles };
	s->handles = h;
	s->nr_handles++;
	s->acct.meta_bytes += VM_HANDLE_META;
	vm_charge_force(s, (int64_t)VM_HANDLE_META, 0);
	vm_object_get(o);
	*id = h->id;
	return 0;
}

static void handle_free(struct vm_space *s, struct vm_handle *h)
{
	struct vm_handle **pp = &s->handles;

	while (*pp != h)
		pp = &(*pp)->next;
	*pp = h->next;
	s->nr_handles--;
	s->acct.meta_bytes -= VM_HANDLE_META;
	vm_charge_force(s, -(int64_t)VM_HANDLE_META, 0);
	vm_object_put(h->obj);
	kmem_cache_free(handle_cache, h);
}

/* Object metadata charged to the creator: the struct, the leaf table and every leaf it may need. */
static uint64_t object_meta(uint64_t size)
{
	uint64_t leaves = (size / VM_PAGE_SIZE + LEAF_ENTRIES - 1) / LEAF_ENTRIES;

	return sizeof(struct vm_object) + leaves * (sizeof(uint64_t *) + VM_PAGE_SIZE);
}

int vm_object_create(struct vm_space *s, uint64_t size, unsigned rights, uint64_t *handle)
{
	uint64_t charge = size + object_meta(size);

	if (s->nr_handles >= MNEME_MM_MAX_HANDLES)
		return -MNEME_ENOMEM;
	if (vm_charge_check(s, (int64_t)(charge + VM_HANDLE_META), 0))
		return -MNEME_EQUOTA;
	struct vm_object *o = vm_object_new(VM_OBJ_MEMORY, size);
	if (!o)
		return -MNEME_ENOMEM;
	o->refs = 1;                            /* held while the handle is made */
	int err = handle_new(s, o, rights, handle);
	if (err) {
		vm_object_free(o);
		return err;
	}
	o->refs--;
	o->creator = s;
	o->charge = charge;
	o->next = s->objects;
	if (s->objects)
		s->objects->prev = o;
	s->objects = o;
	s->acct.meta_bytes += charge - size;
	vm_charge_force(s, (int64_t)charge, 0);
	return 0;
}

int vm_object_map(struct vm_space *s, uint64_t handle, uint64_t off, const struct vm_map_req *req,
		  uint64_t *va)
{
	struct vm_handle *h = handle_find(s, handle);

	if (!h)
		return -MNEME_EBADH;
	if (req->prot & ~h->rights)
		return -MNEME_EPERM;
	if (off >= h->obj->size || req->len > h->obj->size - off)
		return -MNEME_ERANGE;
	struct vm_map_req m = *req;
	m.kind = VM_OBJECT;
	m.obj = h->obj;
	m.pgoff = off / VM_PAGE_SIZE;
	m.maxprot = h->rights;
	m.huge = false;
	return vm_map(s, &m, va, NULL);
}

int vm_object_close(struct vm_space *s, uint64_t handle)
{
	struct vm_handle *h = handle_find(s, handle);

	if (!h)
		return -MNEME_EBADH;
	handle_free(s, h);
	return 0;
}

/* ---- Grants ------------------------------------------------------------- */

static void grant_free(struct vm_grant *g)
{
	struct vm_grant **pp = &grants;

	while (*pp != g)
		pp = &(*pp)->next;
	*pp = g->next;
	g->from->nr_grants--;
	g->from->acct.meta_bytes -= VM_GRANT_META;
	vm_charge_force(g->from, -(int64_t)VM_GRANT_META, 0);
	if (g->obj)
		vm_object_put(g->obj);
	kmem_cache_free(grant_cache, g);
}

int vm_grant_check(struct vm_space *s)
{
	if (s->nr_grants >= MNEME_MM_MAX_GRANTS)
		return -MNEME_ENOMEM;
	if (vm_charge_check(s, (int64_t)VM_GRANT_META, 0))
		return -MNEME_EQUOTA;
	return 0;
}

/* Record a grant from @s to task @to_id (vm_grant_check() passed); *id gets its number. */
static int grant_new(struct vm_space *s, const struct vm_grant *tmpl, uint64_t *id)
{
	struct vm_grant *g = kmem_cache_alloc(grant_cache, VM_GFP_META | __GFP_ZERO);

	if (!g)
		return -MNEME_ENOMEM;
	*g = *tmpl;
	g->id = next_grant_id++;
	g->from = s;
	g->next = grants;
	grants = g;
	s->nr_grants++;
	s->acct.meta_bytes += VM_GRANT_META;
	vm_charge_force(s, (int64_t)VM_GRANT_META, 0);
	if (g->obj)
		vm_object_get(g->obj);
	*id = g->id;
	return 0;
}

/* The grant numbered @id made to @s, of the kind @share, or NULL. */
static struct vm_grant *grant_find(const struct vm_space *s, uint64_t id, bool share)
{
	struct vm_grant *g = grants;

	while (g && g->id != id)
		g = g->next;
	if (!g || g->to != s->id || (g->obj == NULL) != share)
		return NULL;                    /* a grant to someone else names nothing here */
	return g;
}

int vm_grant_share(struct vm_space *s, uint64_t addr, uint64_t len, unsigned rights, uint64_t to_id,
		   uint64_t *grant)
{
	struct vm_grant g = { .addr = addr, .len = len, .rights = rights, .to = to_id };

	return grant_new(s, &g, grant);
}

int vm_grant_share_take(struct vm_space *s, uint64_t grant, struct vm_space **from,
			uint64_t *addr, uint64_t *len, unsigned *rights)
{
	struct vm_grant *g = grant_find(s, grant, true);

	if (!g)
		return -MNEME_ENOENT;
	*from = g->from;
	*addr = g->addr;
	*len = g->len;
	*rights = g->rights;
	return 0;
}

void vm_grant_share_done(struct vm_space *s, uint64_t grant)
{
	struct vm_grant *g = grant_find(s, grant, true);

	if (g)
		grant_free(g);
}

int vm_object_grant(struct vm_space *s, uint64_t handle, unsigned rights, uint64_t to_id,
		    uint64_t *grant)
{
	struct vm_handle *h = handle_find(s, handle);
	int err;

	if (!h)
		return -MNEME_EBADH;
	if (rights & ~h->rights)
		return -MNEME_EPERM;
	if (!vm_space_lookup(to_id))
		return -MNEME_EDEAD;
	if ((err = vm_grant_check(s)))
		return err;
	struct vm_grant g = { .obj = h->obj, .rights = rights, .to = to_id };
	return grant_new(s, &g, grant);
}

int vm_object_accept(struct vm_space *s, uint64_t grant, uint64_t *handle, uint64_t *size,
		     unsigned *rights)
{
	struct vm_grant *g = grant_find(s, grant, false);

	if (!g)
		return -MNEME_ENOENT;           /* a grant to someone else names nothing here */
	int err = handle_new(s, g->obj, g->rights, handle);
	if (err)
		return err;
	*size = g->obj->size;
	*rights = g->rights;
	grant_free(g);
	return 0;
}

/* ---- A space's end, and the checker's sum ---------------------------------- */

void vm_objects_exit(struct vm_space *s)
{
	for (struct vm_grant *g = grants, *n; g; g = n) {
		n = g->next;
		if (g->from == s || g->to == s->id)
			grant_free(g);
	}
	while (s->handles)
		handle_free(s, s->handles);
	while (s->objects) {
		/* they live on while others use them, paid for by the creator's tree until they go */
		struct vm_object *o = s->objects;
		uncharge_creator(o);
		vm_quota_orphan(s->quota, o->charge);
		o->orphan = s->quota;
	}
}

uint64_t vm_objects_charge(const struct vm_space *s)
{
	uint64_t sum = s->nr_handles * VM_HANDLE_META + s->nr_grants * VM_GRANT_META;

	for (const struct vm_object *o = s->objects; o; o = o->next)
		sum += o->charge;
	return sum;
}
