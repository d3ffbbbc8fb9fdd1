/*
 * kmalloc: general-purpose allocations in size classes on top of the slab
 * caches, and straight from the buddy allocator for sizes above 8 KiB.
 *
 * Classes are 8, 16, 32, 64, 96, 128, 192, 256, ... 8192 bytes, with one
 * set of caches per kind of memory (normal, DMA32, DMA; the DMA kinds are
 * created on first use).  A large allocation is a buddy block: its head
 * page carries PG_head and the order (mm/page_alloc.h alloc_order()), and
 * page->owner holds a kmalloc cookie so kfree can tell it from pages that
 * other users took from the buddy.
 */
#include "slab_internal.h"
#include "mm/page_alloc.h"

enum kmalloc_type { KMALLOC_NORMAL, KMALLOC_DMA32, KMALLOC_DMA, KMALLOC_TYPES };
#define KMALLOC_NR_CLASSES 13

#define KMALLOC_LARGE_COOKIE 0x6b6d616c6c6f634cull /* "kmallocL" */

static const unsigned int kmalloc_sizes[KMALLOC_NR_CLASSES] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};
static const char *const kmalloc_prefix[KMALLOC_TYPES] = { "", "dma32-", "dma-" };

/* Class index for sizes 1..1024, by (size - 1) / 8: one load, no branch on the size. */
static const uint8_t kmalloc_size_index[128] = {
	0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5,     /* 8 .. 128 */
	[16 ... 23] = 6,                                     /* 192 */
	[24 ... 31] = 7,                                     /* 256 */
	[32 ... 63] = 8,                                     /* 512 */
	[64 ... 127] = 9,                                    /* 1024 */
};

static struct kmem_cache *kmalloc_caches[KMALLOC_TYPES][KMALLOC_NR_CLASSES];

static inline unsigned kmalloc_index(size_t size)
{
	if (likely(size <= 1024))
		return kmalloc_size_index[(size - 1) / 8];
	return (unsigned)(63 - __builtin_clzll((unsigned long long)size - 1)) ; /* fls - 1 */
}

static inline enum kmalloc_type kmalloc_type(gfp_t gfp)
{
	if (likely(!(gfp & (__GFP_DMA | __GFP_DMA32))))
		return KMALLOC_NORMAL;
	return (gfp & __GFP_DMA) ? KMALLOC_DMA : KMALLOC_DMA32;
}

static struct kmem_cache *kmalloc_create(enum kmalloc_type type, unsigned idx)
{
	static const unsigned int type_flags[KMALLOC_TYPES] = { 0, SLAB_CACHE_DMA32, SLAB_CACHE_DMA };
	unsigned int size = kmalloc_sizes[idx];
	unsigned int align = size & -size;
	char name[SLAB_NAME_LEN];

	if (align > PAGE_SIZE)
		align = PAGE_SIZE;
	/* Linux's names: kmalloc-96, kmalloc-1k, dma-kmalloc-8k */
	if (size >= 1024 && size % 1024 == 0)
		snprintf(name, sizeof(name), "%skmalloc-%uk", kmalloc_prefix[type], size / 1024);
	else
		snprintf(name, sizeof(name), "%skmalloc-%u", kmalloc_prefix[type], size);
	kmalloc_caches[type][idx] = slab_create_internal(name, size, align,
							 SLAB_NO_DESTROY | SLAB_KMALLOC | type_flags[type],
							 NULL);
	return kmalloc_caches[type][idx];
}

int kmalloc_init(void)
{
	memset(kmalloc_caches, 0, sizeof(kmalloc_caches));
	for (unsigned i = 0; i < KMALLOC_NR_CLASSES; i++)
		if (!kmalloc_create(KMALLOC_NORMAL, i))
			return -MNEME_ENOMEM;
	return 0;
}

struct kmem_cache *kmalloc_slab(size_t size, gfp_t gfp)
{
	enum kmalloc_type type = kmalloc_type(gfp);
	unsigned idx;

	if (!size || size > KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	idx = kmalloc_index(size);
	if (unlikely(!kmalloc_caches[type][idx]))
		return kmalloc_create(type, idx);
	return kmalloc_caches[type][idx];
}

/* ---- large allocations --------------------------------------------------- */

static unsigned get_order(size_t size)
{
	return size <= PAGE_SIZE ? 0 : (unsigned)(64 - __builtin_clzll((size - 1) >> PAGE_SHIFT));
}

static void *kmalloc_large(size_t size, gfp_t gfp, int nid)
{
	unsigned order = get_order(size);
	struct page *page;

	if (order >= MAX_ORDER)
		return NULL;
	page = alloc_pages_node(nid, gfp | __GFP_COMP, order);
	if (!page)
		return NULL;
	page->owner = KMALLOC_LARGE_COOKIE;
	return page_address(page);
}

/* Head page of the large kmalloc block starting at @p, or NULL. */
static struct page *kmalloc_large_page(const void *p)
{
	struct page *page;

	if ((uintptr_t)p & (PAGE_SIZE - 1))
		return NULL;
	page = slab_addr_to_page(p);
	if (!page || (page->flags & (PG_slab | PG_buddy | PG_pcp | PG_reserved | PG_head)) != PG_head ||
	    page->owner != KMALLOC_LARGE_COOKIE)
		return NULL;
	return page;
}

static int kfree_large(struct page *page)
{
	int err;

	page->owner = 0;
	err = __free_pages(page, alloc_order(page));
	if (err)
		page->owner = KMALLOC_LARGE_COOKIE;
	return err;
}

/* ---- the interface ------------------------------------------------------- */

void *kmalloc(size_t size, gfp_t gfp)
{
	struct kmem_cache *s;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(size > KMALLOC_MAX_CACHE_SIZE))
		return kmalloc_large(size, gfp, -1);
	void *obj;

	s = kmalloc_slab(size, gfp);
	if (unlikely(!s))
		return NULL;
	obj = slab_alloc_fast(s, gfp, (uintptr_t)__builtin_return_address(0));
	if (unlikely(slab_debug(s)) && obj)
		slab_debug_set_orig_size(s, obj, size);
	return obj;
}

void *kmalloc_node(size_t size, gfp_t gfp, int nid)
{
	struct kmem_cache *s;
	void *obj;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(size > KMALLOC_MAX_CACHE_SIZE))
		return kmalloc_large(size, gfp, nid);
	s = kmalloc_slab(size, gfp);
	if (unlikely(!s))
		return NULL;
	obj = kmem_cache_alloc_node(s, gfp, nid);
	if (unlikely(slab_debug(s)) && obj)
		slab_debug_set_orig_size(s, obj, size);
	return obj;
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp | __GFP_ZERO);
}

size_t ksize(const void *p)
{
	struct page *page;

	if (ZERO_OR_NULL_PTR(p))
		return 0;
	page = slab_page_of(p);
	if (page)
		return slab_debug_usable(page->slab_cache, (void *)p);
	page = kmalloc_large_page(p);
	return page ? PAGE_SIZE << alloc_order(page) : 0;
}

/* Free @p, validating fully if @checked; returns 0 or a negative mneme error. */
static int kfree_common(const void *p, bool checked, uintptr_t caller)
{
	struct page *page;
	int err;

	if (ZERO_OR_NULL_PTR(p))
		return 0;
	page = slab_page_of(p);
	if (likely(page)) {
		struct kmem_cache *s = page->slab_cache;

		if (likely(!checked && slab_free_fast_page(s, page, (void *)p)))
			return 0;
		err = slab_free_check(s, page, p, checked || slab_debug(s));
		if (!err)
			slab_free_validated(s, page, (void *)p, caller);
		return err;
	}
	page = kmalloc_large_page(p);
	if (!page) {
		mm_printf("kfree: %p is not a kmalloc object\n", p);
		return -MNEME_EINVAL;
	}
	return kfree_large(page);
}

void kfree(const void *p)
{
	(void)kfree_common(p, false, (uintptr_t)__builtin_return_address(0));
}

int kfree_checked(const void *p)
{
	return kfree_common(p, true, (uintptr_t)__builtin_return_address(0));
}

/* Red-zoned kmalloc object: grow within its slot by moving the slack guard. */
static bool krealloc_in_slack(const void *p, size_t new_size)
{
	struct page *page = slab_page_of(p);
	struct kmem_cache *s = page ? page->slab_cache : NULL;

	if (!s || !slab_tracks_orig_size(s) || new_size > s->object_size)
		return false;
	slab_debug_set_orig_size(s, (void *)p, new_size);
	return true;
}

void *krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	size_t old;
	void *n;

	if (ZERO_OR_NULL_PTR(p))
		return kmalloc(new_size, gfp);
	if (!new_size) {
		kfree(p);
		return ZERO_SIZE_PTR;
	}
	old = ksize(p);
	if (!old) {
		mm_printf("krealloc: %p is not a kmalloc object\n", p);
		return NULL;
	}
	if (krealloc_in_slack(p, new_size) || new_size <= old)
		return (void *)p;
	n = kmalloc(new_size, gfp);
	if (!n)
		return NULL;
	memcpy(n, p, old);
	kfree(p);
	return n;
}
