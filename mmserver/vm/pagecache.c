/*
 * The page cache of the boot archive: each file a task maps (its program
 * image, or a MAP_FILE request) is an object of kind VM_OBJ_FILE whose
 * pages are filled from the archive on first use and then shared by every
 * task that maps them -- read-only in shared mappings (program text and
 * read-only data), copy-on-write in private ones (writable data).
 *
 * The archive is read-only and always there, so a cached page is clean
 * and can go whenever no task maps it: vm_pagecache_shrink() drops every
 * such page (and every file left without pages or users).  The server
 * shrinks before it counts free pages, the way it empties slab caches,
 * and frame allocation shrinks when the allocator runs dry, so the cache
 * never keeps memory a task needs.  Cached pages are charged to nobody:
 * they are bounded by the archive's size, and a task pays only for what
 * its private mappings may copy.
 */
#include <string.h>
#include <stdio.h>
#include <mneme/error.h>
#include "vm_internal.h"

static struct vm_object *files;      /* every cached file, a list through next/prev */

uint64_t vm_pagecache_pages(void)
{
	return mm_nr_file_pages;
}

static struct vm_object *file_find(const char *name)
{
	for (struct vm_object *o = files; o; o = o->next)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

int vm_file_get(const char *name, struct vm_object **obj)
{
	struct vm_object *o = file_find(name);

	if (!o) {
		const void *data;
		uint64_t size;
		if (strlen(name) >= sizeof(o->name) || vm_backend_file(name, &data, &size))
			return -MNEME_ENOENT;
		o = vm_object_new(VM_OBJ_FILE, (size + VM_PAGE_SIZE - 1) & ~(VM_PAGE_SIZE - 1));
		if (!o)
			return -MNEME_ENOMEM;
		memcpy(o->name, name, strlen(name) + 1);
		o->data = data;
		o->file_size = size;
		o->next = files;
		if (files)
			files->prev = o;
		files = o;
	}
	vm_object_get(o);
	*obj = o;
	return 0;
}

uint64_t vm_file_size(const struct vm_object *obj)
{
	return obj->file_size;
}

static void file_unlink(struct vm_object *o)
{
	if (o->prev)
		o->prev->next = o->next;
	else
		files = o->next;
	if (o->next)
		o->next->prev = o->prev;
}

uint64_t vm_pagecache_shrink(void)
{
	uint64_t freed = 0;

	for (struct vm_object *o = files, *next; o; o = next) {
		next = o->next;
		for (uint64_t i = 0; o->nr_pages && i < o->size / VM_PAGE_SIZE; i++) {
			uint64_t pfn = vm_object_lookup(o, i);
			if (pfn && pfn_to_page(pfn)->_refcount == 1) {   /* the cache's own reference only */
				vm_object_drop_page(o, i);
				freed++;
			}
		}
		if (!o->refs && !o->nr_pages) {
			file_unlink(o);
			vm_object_free(o);
		}
	}
	return freed;
}

void vm_pagecache_for_each(void (*fn)(struct vm_object *obj, void *ctx), void *ctx)
{
	for (struct vm_object *o = files; o; o = o->next)
		fn(o, ctx);
}

size_t vm_pagecache_dump(char *buf, size_t len)
{
	size_t n = 0;
	uint64_t total = 0, mapped_total = 0;

	int w = snprintf(buf, len, "%-32s %10s %8s %8s %8s\n", "file", "bytes", "cached", "mapped", "users");
	if (w > 0)
		n += (size_t)w;
	for (struct vm_object *o = files; o; o = o->next) {
		uint64_t mapped = 0;
		for (uint64_t i = 0; o->nr_pages && i < o->size / VM_PAGE_SIZE; i++) {
			uint64_t pfn = vm_object_lookup(o, i);
			mapped += pfn && pfn_to_page(pfn)->mapcount;
		}
		total += o->nr_pages;
		mapped_total += mapped;
		w = snprintf(buf + n, n < len ? len - n : 0, "%-32s %10llu %8llu %8llu %8llu\n", o->name,
			     (unsigned long long)o->file_size, (unsigned long long)o->nr_pages,
			     (unsigned long long)mapped, (unsigned long long)o->refs);
		if (w > 0)
			n += (size_t)w;
	}
	w = snprintf(buf + n, n < len ? len - n : 0, "%-32s %10s %8llu %8llu\n", "total", "",
		     (unsigned long long)total, (unsigned long long)mapped_total);
	if (w > 0)
		n += (size_t)w;
	if (len && n >= len)
		buf[len - 1] = '\0';
	return n < len ? n : (len ? len - 1 : 0);
}

int vm_map_file(struct vm_space *s, const char *name, uint64_t off, bool private,
		const struct vm_map_req *req, uint64_t *va, uint64_t *size)
{
	struct vm_object *o;
	int err = vm_file_get(name, &o);

	if (err)
		return err;
	if (off >= o->size || req->len > o->size - off) {
		vm_object_put(o);
		return -MNEME_ERANGE;
	}
	struct vm_map_req m = *req;
	m.kind = private ? VM_ANON : VM_OBJECT;
	m.obj = o;
	m.pgoff = off / VM_PAGE_SIZE;
	m.maxprot = private ? 0 : MNEME_PROT_READ | MNEME_PROT_EXEC;
	m.huge = false;
	err = vm_map(s, &m, va, NULL);
	*size = o->file_size;
	vm_object_put(o);                       /* the region holds its own reference */
	return err;
}
