/*
 * struct page: one per 4 KiB page frame, 32 bytes (Linux's is 64).
 *
 * The array lives in the sparse vmemmap at mm_vmemmap_base(), indexed by
 * pfn, so pfn_to_page() and page_to_pfn() are single additions.  Only
 * sections that hold memory are backed (see sparse.c).
 *
 * To fit in 32 bytes, list links are 32-bit pfns rather than pointers
 * (PAGE_LIST_NIL marks the end), which bounds physical memory at 2^32
 * pages (16 TiB); zone, node and flags share one 32-bit word.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include "mm/port.h"

#define PAGE_LIST_NIL 0xffffffffu

/* page->flags: low 16 bits are PG_* flags, then zone and node ids. */
enum pageflags {
	PG_reserved = 1u << 0,   /* not managed by the buddy allocator (hole, firmware, memblock-reserved) */
	PG_buddy    = 1u << 1,   /* head of a free block in a free_area; private = order */
	PG_pcp      = 1u << 2,   /* free page on a per-CPU list; private = order */
	PG_head     = 1u << 3,   /* first page of a live allocation (any order); order in PAGE_ORDER bits */
	PG_slab     = 1u << 4,   /* page owned by a slab cache (head page of the slab) */
	PG_zeroed   = 1u << 5,   /* known to contain zeroes */
	PG_poison   = 1u << 6,   /* debug: contents poisoned */
	PG_present  = 1u << 7,   /* physical memory exists at this pfn */
	PG_contig   = 1u << 8,   /* page of a live contiguous range (alloc_contig_pages_below); the first also PG_head */
	PG_slab_tail = 1u << 9,  /* page 1.. of a slab; slab_cache set (finds the head in one step) */
	PG_vm       = 1u << 10,  /* allocated frame the memory server maps into tasks: the vm overlay below is live */
	/* The memory server's LRU lists (mmserver/vm/lru.c); only on PG_vm pages. */
	PG_lru      = 1u << 11,  /* on an LRU list (its links are in the vm's side table) */
	PG_active   = 1u << 12,  /* on an active list (else inactive) */
	PG_referenced = 1u << 13, /* accessed since reclaim last looked (aging sets it from the A bits) */
	PG_zreject  = 1u << 14,  /* the compressed store refused it: not tried again until it ages */
};
#define PAGE_ZONE_SHIFT 16
#define PAGE_ZONE_MASK  0x7u
#define PAGE_NODE_SHIFT 20
#define PAGE_NODE_MASK  0x3fu
/* Bits 26-29: order of a live allocation (PG_head pages), kept in flags so
 * the slab overlay of the other fields cannot disturb it. */
#define PAGE_ORDER_SHIFT 26
#define PAGE_ORDER_MASK  0xfu
/* Bits 30-31, first page of each pageblock only: the pageblock's migrate type. */
#define PAGE_PBMT_SHIFT  30
#define PAGE_PBMT_MASK   0x3u

struct kmem_cache;

struct page {
	uint32_t flags;
	union {
		int32_t _refcount;           /* allocated pages: users of the block */
		struct {                     /* slab pages */
			uint16_t inuse;      /* objects handed out */
			uint16_t objects;    /* objects in the slab */
		};
	};
	union {
		struct {                     /* buddy, pcp and allocated pages */
			uint32_t next;       /* pfn of the next page on a list, or PAGE_LIST_NIL */
			uint32_t prev;
			uint32_t private;    /* order of a free or allocated block */
			uint32_t migratetype;
			uint64_t owner;      /* memory-server use: owning task/region cookie */
		};
		struct {                     /* frames mapped into tasks (PG_vm; owner above stays the vm module's) */
			uint64_t rmap;       /* reverse map: one packed mapping or the first node (mmserver/vm/rmap.c) */
			uint32_t vm_index;   /* page of an object: its index; first page of a 2 MiB chunk: 2 MiB mappings */
			uint32_t mapcount;   /* 4 KiB mappings of this frame, in every address space */
		};
		struct {                     /* slab pages (PG_slab; PG_slab_tail: slab_cache only) */
			uint32_t slab_next;  /* partial-list links, pfns */
			uint32_t slab_prev;
			void *freelist;      /* first free object, or NULL */
			struct kmem_cache *slab_cache;
		};
	};
};

_Static_assert(sizeof(struct page) == 32, "struct page must be 32 bytes");
_Static_assert(__builtin_offsetof(struct page, rmap) == 8 && __builtin_offsetof(struct page, owner) == 24,
	       "the vm overlay leaves flags, _refcount and owner where they are");

/*
 * The port's two linear maps (mm/port.h), cached by sparse_init() so that
 * every conversion below is one addition instead of a call into the port:
 * the struct page array (mm_vmemmap_base()) and the core's view of RAM
 * (mm_phys_to_virt(pa) == mm_physmap_offset + pa).  Before sparse_init()
 * there are no struct pages to convert.
 */
extern struct page *mm_memmap;
extern uintptr_t mm_physmap_offset;

static inline struct page *mm_vmemmap(void)
{
	return mm_memmap;
}
static inline struct page *pfn_to_page(uint64_t pfn)
{
	return mm_vmemmap() + pfn;
}
static inline uint64_t page_to_pfn(const struct page *page)
{
	return (uint64_t)(page - mm_vmemmap());
}
static inline phys_addr_t page_to_phys(const struct page *page)
{
	return PFN_PHYS(page_to_pfn(page));
}
static inline void *page_address(const struct page *page)
{
	return (void *)(mm_physmap_offset + page_to_phys(page));
}
/* pfn of an address of the core's view of RAM (mm_virt_to_phys() inline). */
static inline uint64_t virt_to_pfn(const void *va)
{
	return PHYS_PFN((uintptr_t)va - mm_physmap_offset);
}
static inline struct page *virt_to_page(const void *va)
{
	return pfn_to_page(virt_to_pfn(va));
}
static inline unsigned page_zonenum(const struct page *page)
{
	return (page->flags >> PAGE_ZONE_SHIFT) & PAGE_ZONE_MASK;
}
static inline unsigned page_to_nid(const struct page *page)
{
	return (page->flags >> PAGE_NODE_SHIFT) & PAGE_NODE_MASK;
}

/*
 * A doubly linked list of pages threaded through page->next/prev (pfns).
 * Used by free_area lists and per-CPU lists.  The slab code keeps its own
 * partial lists through slab_next/slab_prev with the same shape.
 */
struct page_list {
	uint32_t head;
	uint32_t tail;
	uint64_t count;
};

static inline void page_list_init(struct page_list *l)
{
	l->head = l->tail = PAGE_LIST_NIL;
	l->count = 0;
}
static inline bool page_list_empty(const struct page_list *l)
{
	return l->head == PAGE_LIST_NIL;
}
static inline void page_list_add(struct page_list *l, struct page *p)
{
	uint32_t pfn = (uint32_t)page_to_pfn(p);
	p->prev = PAGE_LIST_NIL;
	p->next = l->head;
	if (l->head != PAGE_LIST_NIL)
		pfn_to_page(l->head)->prev = pfn;
	else
		l->tail = pfn;
	l->head = pfn;
	l->count++;
}
static inline void page_list_add_tail(struct page_list *l, struct page *p)
{
	uint32_t pfn = (uint32_t)page_to_pfn(p);
	p->next = PAGE_LIST_NIL;
	p->prev = l->tail;
	if (l->tail != PAGE_LIST_NIL)
		pfn_to_page(l->tail)->next = pfn;
	else
		l->head = pfn;
	l->tail = pfn;
	l->count++;
}
static inline void page_list_del(struct page_list *l, struct page *p)
{
	if (p->prev != PAGE_LIST_NIL)
		pfn_to_page(p->prev)->next = p->next;
	else
		l->head = p->next;
	if (p->next != PAGE_LIST_NIL)
		pfn_to_page(p->next)->prev = p->prev;
	else
		l->tail = p->prev;
	p->next = p->prev = PAGE_LIST_NIL;
	l->count--;
}
static inline struct page *page_list_first(const struct page_list *l)
{
	return l->head == PAGE_LIST_NIL ? NULL : pfn_to_page(l->head);
}
/* Take the first page off @l, which must not be empty. */
static inline struct page *page_list_del_first(struct page_list *l)
{
	struct page *map = mm_vmemmap(), *p = map + l->head;
	uint32_t next = p->next;

	l->head = next;
	if (next != PAGE_LIST_NIL)
		map[next].prev = PAGE_LIST_NIL;
	else
		l->tail = PAGE_LIST_NIL;
	p->next = p->prev = PAGE_LIST_NIL;
	l->count--;
	return p;
}

#endif
