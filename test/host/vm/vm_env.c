/*
 * The vm tests' environment: mm core bring-up and the fake core.
 */
#include "vm_env.h"
#include "mneme/bootinfo.h"

#define MiB (1ULL << 20)
#define HASH 4096

int vm_test_failures;

struct fake_pte {
	struct fake_pte *next;
	uint64_t va, pa;
	unsigned shift, prot;
	bool young;          /* the accessed bit: set when mapped and by fake_touch */
};

struct fake_span {
	struct fake_span *next;
	uint64_t span;
	uint64_t pfn;                 /* its "page table" */
	uint64_t nr;                  /* mappings in it: at 0 the table goes back, as the core's does */
};

static uint64_t next_id = 1;

static void quiet(const char *text)
{
	(void)text;
}

int vm_env_init(void)
{
	static struct mneme_boot_info bi;

	memset(&bi, 0, sizeof(bi));
	bi.magic = MNEME_BOOTINFO_MAGIC;
	bi.version = MNEME_BOOTINFO_VERSION;
	bi.size = sizeof(bi);
	bi.arch = MNEME_ARCH_X86_64;
	bi.page_shift = 12;
	bi.phys_addr_bits = 46;
	bi.nr_cpus = 1;
	bi.ranges[bi.nr_ranges++] = (struct mneme_mem_range){ 1 * MiB, 255 * MiB, MNEME_MEM_USABLE, 0 };
	if (mm_host_arena_init(256 * MiB))
		return -1;
	mm_init_verbose = false;
	mm_host_set_print_sink(quiet);
	int err = mm_init(&bi);
	mm_host_set_print_sink(NULL);
	if (err || kmem_cache_init() || vm_init())
		return -1;
	return 0;
}

unsigned long vm_env_free_pages(void)
{
	kmem_cache_shrink_all();
	return nr_free_pages() + nr_pcp_pages();
}

struct fake_task *fake_task_new(uint64_t quota)
{
	struct fake_task *t = calloc(1, sizeof(*t));

	t->hash = calloc(HASH, sizeof(*t->hash));
	t->id = next_id++;
	t->space = vm_space_create(t->id, t, quota);
	if (!t->space) {
		free(t->hash);
		free(t);
		return NULL;
	}
	return t;
}

static unsigned hash_of(uint64_t va)
{
	return (unsigned)((va >> 12) * 0x9e3779b97f4a7c15ULL >> 52) % HASH;
}

void fake_task_free(struct fake_task *t)
{
	vm_space_destroy(t->space);
	for (unsigned i = 0; i < HASH; i++)
		for (struct fake_pte *p = t->hash[i], *n; p; p = n) {
			n = p->next;
			free(p);
		}
	for (struct fake_span *p = t->spans, *n; p; p = n) {
		n = p->next;
		free(p);
	}
	free(t->hash);
	free(t);
}

static struct fake_pte **find(struct fake_task *t, uint64_t va)
{
	struct fake_pte **pp = &t->hash[hash_of(va)];

	while (*pp && (*pp)->va != va)
		pp = &(*pp)->next;
	return pp;
}

uint64_t fake_lookup(struct fake_task *t, uint64_t va, unsigned *shift, unsigned *prot)
{
	struct fake_pte *p = *find(t, va & ~(VM_HUGE_SIZE - 1));

	if (!p || p->shift != 21)
		p = *find(t, va & ~(VM_PAGE_SIZE - 1));
	if (!p)
		return 0;
	if (shift)
		*shift = p->shift;
	if (prot)
		*prot = p->prot;
	return p->pa + (va & ((1ULL << p->shift) - 1));
}

/* Donate a page-table frame the first time a 2 MiB span is mapped into. */
static int donate(struct fake_task *t, uint64_t va)
{
	uint64_t span = va >> 21;

	for (struct fake_span *p = t->spans; p; p = p->next)
		if (p->span == span) {
			p->nr++;
			return 0;
		}
	struct page *pg = alloc_pages(GFP_KERNEL, 0);
	if (!pg)
		return -MNEME_ENOMEM;
	if (vm_space_pt_donated(t->space, page_to_pfn(pg))) {
		__free_pages(pg, 0);
		return -MNEME_ENOMEM;
	}
	struct fake_span *n = malloc(sizeof(*n));
	*n = (struct fake_span){ .next = t->spans, .span = span, .pfn = page_to_pfn(pg), .nr = 1 };
	t->spans = n;
	return 0;
}

/* A mapping of @va's span went: the last one takes the span's table back (pruning). */
static void undonate(struct fake_task *t, uint64_t va)
{
	for (struct fake_span **pp = &t->spans, *p; (p = *pp); pp = &p->next) {
		if (p->span != va >> 21)
			continue;
		if (--p->nr)
			return;
		*pp = p->next;
		vm_space_pt_returned(t->space, p->pfn);
		free(p);
		return;
	}
}

int vm_backend_map(struct vm_space *s, uint64_t va, uint64_t pa, unsigned shift, unsigned prot)
{
	struct fake_task *t = s->cookie;

	if ((shift != 12 && shift != 21) || (va | pa) & ((1ULL << shift) - 1) || !prot) {
		fprintf(stderr, "fake core: bad map %#llx %#llx %u %u\n", (unsigned long long)va,
			(unsigned long long)pa, shift, prot);
		vm_test_failures++;
		return -MNEME_EINVAL;
	}
	if (t->fail_maps)
		return -MNEME_ENOMEM;
	if (fake_lookup(t, va, NULL, NULL) ||
	    (shift == 21 && (fake_lookup(t, va, NULL, NULL) || *find(t, va))))
		return -MNEME_EBUSY;
	if (shift == 21)
		for (uint64_t a = va; a < va + VM_HUGE_SIZE; a += VM_PAGE_SIZE)
			if (*find(t, a))
				return -MNEME_EBUSY;
	int err = donate(t, va);
	if (err)
		return err;
	struct fake_pte *p = malloc(sizeof(*p));
	*p = (struct fake_pte){ .va = va, .pa = pa, .shift = shift, .prot = prot, .young = true };
	struct fake_pte **head = &t->hash[hash_of(va)];
	p->next = *head;
	*head = p;
	t->nr_ptes++;
	return 0;
}

int vm_backend_unmap(struct vm_space *s, uint64_t va, unsigned shift)
{
	struct fake_task *t = s->cookie;
	struct fake_pte **pp = find(t, va), *p = *pp;

	if (!p || p->shift != shift)
		return -MNEME_ENOENT;
	*pp = p->next;
	free(p);
	t->nr_ptes--;
	undonate(t, va);
	return 0;
}

int vm_backend_protect(struct vm_space *s, uint64_t va, unsigned shift, unsigned prot)
{
	struct fake_task *t = s->cookie;
	struct fake_pte *p = *find(t, va);

	if (!p || p->shift != shift)
		return -MNEME_ENOENT;
	p->prot = prot;
	return 0;
}

int vm_backend_unmap_range(struct vm_space *s, uint64_t va, uint64_t len)
{
	struct fake_task *t = s->cookie;

	t->range_unmaps++;
	for (unsigned i = 0; i < HASH; i++)
		for (struct fake_pte **pp = &t->hash[i], *p; (p = *pp);) {
			if (p->va >= va && p->va < va + len) {
				if (p->va + (1ULL << p->shift) > va + len)
					return -MNEME_EINVAL;   /* a huge page cut: a bug of the vm module */
				*pp = p->next;
				free(p);
				t->nr_ptes--;
			} else {
				if (p->va < va && p->va + (1ULL << p->shift) > va)
					return -MNEME_EINVAL;
				pp = &p->next;
			}
		}
	return 0;
}

void vm_backend_protect_range(struct vm_space *s, uint64_t va, uint64_t len, unsigned shift,
			      unsigned prot)
{
	for (uint64_t at = va; at < va + len; at += 1ULL << shift)
		vm_backend_protect(s, at, shift, prot);
}

int64_t vm_backend_age(struct vm_space *s, uint64_t va, uint64_t len, uint64_t *bits)
{
	struct fake_task *t = s->cookie;
	int64_t young = 0;

	memset(bits, 0, (len / VM_PAGE_SIZE + 63) / 64 * 8);
	for (uint64_t at = va; at < va + len; at += VM_PAGE_SIZE) {
		struct fake_pte *p = *find(t, at & ~(VM_HUGE_SIZE - 1));
		if (!p || p->shift != 21)
			p = *find(t, at);
		if (!p || !p->young)
			continue;
		uint64_t i = (at - va) / VM_PAGE_SIZE;
		bits[i / 64] |= 1ULL << (i % 64);
		young++;
		if (p->shift == 12 || at + VM_PAGE_SIZE >= p->va + VM_HUGE_SIZE || at + VM_PAGE_SIZE >= va + len)
			p->young = false;       /* a 2 MiB leaf: cleared after its last page in the range */
	}
	t->ages++;
	return young;
}

bool vm_backend_may_share(const struct vm_space *from, const struct vm_space *to)
{
	const struct fake_task *t = to->cookie;

	return from == to || !t->refuse_shares;
}

int vm_backend_query(struct vm_space *s, uint64_t va, uint64_t *pa, unsigned *prot, unsigned *shift)
{
	uint64_t a = fake_lookup(s->cookie, va, shift, prot);

	if (!a)
		return -MNEME_ENOENT;
	*pa = a & ~((1ULL << *shift) - 1);
	return 0;
}

/* Files the tests map (and load) through the page cache. */
static struct fake_file {
	const char *name;
	const void *data;
	uint64_t size;
} files[16];

void fake_file_add(const char *name, const void *data, uint64_t size)
{
	for (unsigned i = 0; i < 16; i++) {
		if (!files[i].name || !strcmp(files[i].name, name)) {
			files[i] = (struct fake_file){ name, data, size };
			return;
		}
	}
}

int vm_backend_file(const char *name, const void **data, uint64_t *size)
{
	for (unsigned i = 0; i < 16 && files[i].name; i++) {
		if (!strcmp(files[i].name, name)) {
			*data = files[i].data;
			*size = files[i].size;
			return 0;
		}
	}
	return -MNEME_ENOENT;
}

size_t vm_backend_memmap_dump(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "[mem 0x0000000000100000-0x000000000fffffff] usable\n");
}

size_t vm_backend_tasks_dump(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "   ID   PARENT  STATE    RSS_KiB  CHARGED_KiB  QUOTA_KiB  NAME\n");
}

int fake_touch(struct fake_task *t, uint64_t va, unsigned access, uint8_t *val)
{
	unsigned prot;
	uint64_t pa = fake_lookup(t, va, NULL, &prot);

	if (!pa || (access & ~prot)) {
		struct vm_fault_result res;
		int err = vm_fault(t->space, va, access, &res);
		if (err)
			return err;
		struct fake_pte *p = *find(t, res.va);
		if (p && p->shift == res.shift)
			p->prot = res.prot;     /* already mapped: the core would answer EBUSY; resume */
		else if ((err = vm_backend_map(t->space, res.va, res.pa, res.shift, res.prot)))
			return err;
		pa = fake_lookup(t, va, NULL, &prot);
		if (!pa || (access & ~prot))
			return -MNEME_EFAULT;
	}
	uint8_t *p = mm_phys_to_virt(pa);
	if (access & MNEME_PROT_WRITE)
		*p = *val;
	else
		*val = *p;
	struct fake_pte *pte = *find(t, va & ~(VM_HUGE_SIZE - 1));
	if (!pte || pte->shift != 21)
		pte = *find(t, va & ~(VM_PAGE_SIZE - 1));
	if (pte)
		pte->young = true;              /* the hardware's accessed bit */
	return 0;
}

struct agree_ctx {
	struct fake_task *t;
	int err;
	char *why;
	size_t len;
};

/* Every page-table entry of the fake agrees with the frame table and the region's rights. */
static int pt_agrees(struct fake_task *t, char *why, size_t len)
{
	for (unsigned i = 0; i < HASH; i++) {
		for (struct fake_pte *p = t->hash[i]; p; p = p->next) {
			uint64_t e = ft_lookup(t->space, p->va);
			struct vm_region *r = vm_region_find(t->space, p->va);
			if (!e || ft_pfn(e) << 12 != (p->pa & ~((1ULL << (e & FT_HUGE ? 21 : 12)) - 1)) ||
			    ((e & FT_HUGE) != 0) != (p->shift == 21))
				return vm_fail(why, len, "pte %#llx -> %#llx disagrees with the table (%#llx)",
					       (unsigned long long)p->va, (unsigned long long)p->pa,
					       (unsigned long long)e);
			if (!r || p->prot != vm_entry_prot(e, r->prot))
				return vm_fail(why, len, "pte %#llx rights %u, region %u (entry %#llx)",
					       (unsigned long long)p->va, p->prot, r ? r->prot : 99,
					       (unsigned long long)e);
		}
	}
	return 0;
}

int vm_env_check(struct fake_task *t, char *why, size_t len)
{
	if (t && (vm_space_check(t->space, why, len) || pt_agrees(t, why, len)))
		return -1;
	return mm_check_invariants(why, len) ? -1 : 0;
}

/* ---- Reference counts across tasks ---------------------------------------- */

struct ref_count {
	uint64_t key;        /* pfn of a single frame, or address of a struct vm_block */
	uint64_t n;
};

struct ref_ctx {
	struct ref_count *tab;
	size_t size;
};

static struct ref_count *ref_slot(struct ref_ctx *c, uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) % c->size;

	while (c->tab[i].key && c->tab[i].key != key)
		i = (i + 1) % c->size;
	c->tab[i].key = key;
	return &c->tab[i];
}

static void count_entry(struct vm_space *s, uint64_t va, uint64_t e, void *ctx)
{
	struct vm_block *b;
	uint64_t n = (e & FT_HUGE) ? VM_HUGE_PAGES : 1;

	(void)s;
	(void)va;
	if (ft_swapped(e)) {                    /* a reference of the compressed store's entry */
		ref_slot(ctx, ft_handle(e) | 2)->n++;
		return;
	}
	if (vm_entry_zero(e))
		return;
	b = vm_frame_block(ft_pfn(e));
	ref_slot(ctx, b ? (uint64_t)(uintptr_t)b : ft_pfn(e) << 1 | 1)->n += n;
}

int vm_env_check_refs(struct fake_task **t, unsigned nr, char *why, size_t len)
{
	struct ref_ctx c = { .size = 1 << 20 };
	int err = 0;

	c.tab = calloc(c.size, sizeof(*c.tab));
	for (unsigned i = 0; i < nr; i++)
		if (t[i])
			ft_walk(t[i]->space, 0, VM_VA_LIMIT, count_entry, &c);
	for (size_t i = 0; i < c.size && !err; i++) {
		uint64_t key = c.tab[i].key, n = c.tab[i].n;
		if (!key)
			continue;
		if ((key & 3) == 2) {
			if (zstore_refs(key & ~3ULL) != n)
				err = vm_fail(why, len, "store entry %#llx: %llu entries name it, %u references",
					      (unsigned long long)key, (unsigned long long)n,
					      zstore_refs(key & ~3ULL));
		} else if (key & 1) {
			const struct page *p = pfn_to_page(key >> 1);
			uint64_t held = vm_frame_object(key >> 1) ? 1 : 0;
			if (!(p->flags & PG_vm) || (uint64_t)p->_refcount != n + held)
				err = vm_fail(why, len, "frame %#llx: %llu mappings, %d references",
					      (unsigned long long)(key >> 1), (unsigned long long)n,
					      p->_refcount);
		} else if (((struct vm_block *)(uintptr_t)key)->refs != n) {
			err = vm_fail(why, len, "block %#llx: %llu mapped pages, refs %llu",
				      (unsigned long long)((struct vm_block *)(uintptr_t)key)->pfn,
				      (unsigned long long)n,
				      (unsigned long long)((struct vm_block *)(uintptr_t)key)->refs);
		}
	}
	free(c.tab);
	if (!err)
		err = vm_check_all(why, len);   /* the reverse map and every frame's counts, globally */
	return err;
}

int fake_share(struct vm_space *from, uint64_t va, uint64_t len, struct vm_space *to, unsigned prot,
	       uint64_t *to_va)
{
	uint64_t grant, got_len;
	unsigned got_prot;
	int err = vm_share(from, va, len, to->id, prot, &grant);

	if (!err)
		err = vm_share_accept(to, grant, to_va, &got_len, &got_prot);
	if (!err && (got_len != len || got_prot != prot))
		err = -MNEME_ECORRUPT;
	return err;
}
