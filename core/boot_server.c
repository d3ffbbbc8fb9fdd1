/*
 * Booting the memory server.
 *
 * The build embeds the boot archive in the core's image between
 * __mneme_archive_start and __mneme_archive_end.  The core validates the
 * archive and the server's ELF in full (they are input, even if built
 * with the core), then builds the server's address space from frames it
 * takes with bootmem_alloc() (so they are MNEME_MEM_CORE in the boot map
 * and the server never sees them as free):
 *   image, stack, IPC buffer, boot-info page    fresh frames
 *   the archive                                 mapped read-only in place
 *   physmap of every USABLE range               read-write, 2 MiB pages where aligned
 * The physmap is mapped last, from a page-table pool reserved up front, so
 * the USABLE ranges it maps (and the boot info the server gets) are the
 * final ones: nothing the core took is in them.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/archive.h>
#include <core/boot_server.h>
#include <core/bootmem.h>
#include <core/elf.h>
#include <core/memmap.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/task.h>
#include <core/vm.h>
#include <mneme/error.h>
#include <mneme/layout.h>

#define PAGE_SIZE 4096ULL
#define HUGE_SIZE (2ULL << 20)
#define GIG_SIZE (1ULL << 30)
#define SERVER_PRIO 20

extern const char __mneme_archive_start[] __attribute__((weak));
extern const char __mneme_archive_end[] __attribute__((weak));

bool boot_archive_present(void)
{
	return __mneme_archive_start && __mneme_archive_end > __mneme_archive_start;
}

/* A zeroed frame of the core's (recorded MNEME_MEM_CORE). */
static uint64_t boot_frame(void)
{
	uint64_t pa = bootmem_alloc(PAGE_SIZE, PAGE_SIZE, ~0ULL);

	if (!pa)
		panic("boot_server: out of memory");
	uint64_t *p = phys_to_virt(pa);
	for (unsigned i = 0; i < PAGE_SIZE / sizeof(uint64_t); i++)
		p[i] = 0;
	return pa;
}

static uint64_t boot_pt_alloc(void *ctx)
{
	(void)ctx;
	return boot_frame();
}

/* Page-table frames reserved for the physmap: [next, end). */
struct pt_reserve {
	uint64_t next, end;
};

static uint64_t reserve_pt_alloc(void *ctx)
{
	struct pt_reserve *r = ctx;

	if (r->next >= r->end)
		return 0;
	uint64_t pa = r->next;
	r->next += PAGE_SIZE;
	uint64_t *p = phys_to_virt(pa);
	for (unsigned i = 0; i < PAGE_SIZE / sizeof(uint64_t); i++)
		p[i] = 0;
	return pa;
}

static void boot_map(struct task *t, uint64_t va, uint64_t pa, unsigned shift, unsigned prot,
		     arch_pt_alloc_fn alloc, void *ctx)
{
	int err = arch_aspace_map(&t->aspace, va, pa, shift, prot, alloc, ctx);

	if (err)
		panic("boot_server: cannot map 0x%llx -> 0x%llx (error %d)", (unsigned long long)va,
		      (unsigned long long)pa, err);
}

/* Fresh zeroed RW (or @prot) frames for [va, va + size). */
static void boot_map_fresh(struct task *t, uint64_t va, uint64_t size, unsigned prot)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		boot_map(t, va + off, boot_frame(), 12, prot, boot_pt_alloc, NULL);
}

/* Copy the ELF segments into fresh frames and map them with the segments' rights. */
static void boot_load_image(struct task *t, const char *file, const struct elf_image *img)
{
	for (unsigned i = 0; i < img->nr_segments; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t start = s->vaddr & ~(PAGE_SIZE - 1);
		uint64_t end = (s->vaddr + s->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		for (uint64_t va = start; va < end; va += PAGE_SIZE) {
			uint64_t pa = boot_frame();
			char *dst = phys_to_virt(pa);
			/* file bytes [s->offset, +filesz) land at [s->vaddr, +filesz) */
			for (uint64_t b = 0; b < PAGE_SIZE; b++) {
				uint64_t v = va + b;
				if (v >= s->vaddr && v - s->vaddr < s->filesz)
					dst[b] = file[s->offset + (v - s->vaddr)];
			}
			boot_map(t, va, pa, 12, s->prot, boot_pt_alloc, NULL);
		}
	}
}

/* Physical address of @va inside the core's image. */
static uint64_t image_virt_to_phys(const struct mneme_boot_info *bi, const void *va)
{
	return bi->core_phys_base + ((uint64_t)(uintptr_t)va - ARCH_KERNEL_VIRT_BASE);
}

static void boot_map_archive(struct task *t, struct mneme_boot_info *bi)
{
	uint64_t size = (uint64_t)(__mneme_archive_end - __mneme_archive_start);
	uint64_t pa = image_virt_to_phys(bi, __mneme_archive_start);

	if (pa % PAGE_SIZE || size % PAGE_SIZE || size > MNEME_LAYOUT_ARCHIVE_MAX ||
	    pa < bi->core_phys_base || pa + size > bi->core_phys_end)
		panic("boot_server: archive at 0x%llx (%llu bytes) is not page-aligned in the image",
		      (unsigned long long)pa, (unsigned long long)size);
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		boot_map(t, MNEME_LAYOUT_ARCHIVE + off, pa + off, 12, ARCH_PROT_READ, boot_pt_alloc, NULL);
	bi->archive_base = pa;
	bi->archive_size = size;
}

/*
 * Size the server's windows for the final map and the user half (see
 * memmap_server_windows); RAM beyond the physmap is reported here, with
 * its size and the reason, and again by the server.
 */
static void boot_server_windows(struct mneme_boot_info *bi)
{
	uint64_t user_top = bi->virt_addr_bits >= 63 ? ~0ULL : 1ULL << bi->virt_addr_bits;
	uint64_t beyond = memmap_server_windows(bi, user_top);

	vm_server_physmap_limit = bi->physmap_limit;
	printk("mneme: server physmap [0x%llx-0x%llx) for RAM below %llu GiB, vmemmap window "
	       "[0x%llx-0x%llx)\n", (unsigned long long)bi->physmap_base,
	       (unsigned long long)(bi->physmap_base + bi->physmap_limit),
	       (unsigned long long)(bi->physmap_limit >> 30), (unsigned long long)bi->vmemmap_base,
	       (unsigned long long)(bi->vmemmap_base + bi->vmemmap_size));
	if (beyond)
		printk("mneme: %llu MiB of RAM at or above %llu GiB cannot be managed: the server's "
		       "%u-bit user half has no room to map it\n", (unsigned long long)(beyond >> 20),
		       (unsigned long long)(bi->physmap_limit >> 30), bi->virt_addr_bits);
}

/* Upper bound of page-table frames the physmap of @bi's USABLE ranges needs. */
static uint64_t physmap_tables(const struct mneme_boot_info *bi)
{
	uint64_t n = 8;

	for (uint32_t i = 0; i < bi->nr_ranges; i++)
		if (bi->ranges[i].type == MNEME_MEM_USABLE)
			n += 4 + (bi->ranges[i].size >> 30);
	return n;
}

static unsigned physmap_gig_pages;   /* 1 GiB pages in the server's physmap */

/*
 * Map one USABLE range [base, end) at MNEME_LAYOUT_PHYSMAP + pa, below the
 * limit: 1 GiB pages where aligned and the CPU has them, else 2 MiB pages
 * where aligned, else 4 KiB.  (Thousands of 2 MiB leaves per TiB were most
 * of the core's boot work that grew with RAM.)
 */
static void boot_map_physmap_range(struct task *t, uint64_t base, uint64_t end,
				   struct pt_reserve *r)
{
	uint64_t pa = (base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	unsigned rw = ARCH_PROT_READ | ARCH_PROT_WRITE;

	end &= ~(PAGE_SIZE - 1);
	if (end > vm_server_physmap_limit)
		end = vm_server_physmap_limit;
	while (pa < end) {
		if (vm_physmap_gig_tables && !(pa & (GIG_SIZE - 1)) && end - pa >= GIG_SIZE) {
			boot_map(t, MNEME_LAYOUT_PHYSMAP + pa, pa, 30, rw, reserve_pt_alloc, r);
			pa += GIG_SIZE;
			physmap_gig_pages++;
		} else if (!(pa & (HUGE_SIZE - 1)) && end - pa >= HUGE_SIZE) {
			boot_map(t, MNEME_LAYOUT_PHYSMAP + pa, pa, 21, rw, reserve_pt_alloc, r);
			pa += HUGE_SIZE;
		} else {
			boot_map(t, MNEME_LAYOUT_PHYSMAP + pa, pa, 12, rw, reserve_pt_alloc, r);
			pa += PAGE_SIZE;
		}
	}
}

static void boot_map_physmap(struct task *t, const struct mneme_boot_info *bi, struct pt_reserve *r)
{
	for (uint32_t i = 0; i < bi->nr_ranges; i++) {
		const struct mneme_mem_range *m = &bi->ranges[i];
		if (m->type == MNEME_MEM_USABLE)
			boot_map_physmap_range(t, m->base, m->base + m->size, r);
	}
}

/* Copy @bi into the boot-info frame, with " ktap_next=N" appended to the command line. */
static void boot_info_copy(uint64_t pa, const struct mneme_boot_info *bi, unsigned ktap_next)
{
	struct mneme_boot_info *dst = phys_to_virt(pa);
	char word[32];

	_Static_assert(sizeof(*dst) <= PAGE_SIZE, "boot info fits a page");
	*dst = *bi;
	ksnprintf(word, sizeof(word), " ktap_next=%u", ktap_next);
	unsigned len = 0;
	while (len < MNEME_BOOTINFO_CMDLINE - 1 && dst->cmdline[len])
		len++;
	for (unsigned i = 0; word[i] && len < MNEME_BOOTINFO_CMDLINE - 1; i++)
		dst->cmdline[len++] = word[i];
	dst->cmdline[len] = '\0';
}

static const char *boot_find_server(const struct mneme_boot_info *bi, struct elf_image *img)
{
	uint64_t size = (uint64_t)(__mneme_archive_end - __mneme_archive_start);
	const void *file;
	uint64_t file_size;
	unsigned machine = bi->arch == MNEME_ARCH_X86_64 ? MNEME_EM_X86_64 : MNEME_EM_RISCV;
	int err = archive_check(__mneme_archive_start, size);

	if (err)
		panic("boot_server: boot archive is invalid (error %d)", err);
	err = archive_find(__mneme_archive_start, MNEME_ARCHIVE_SERVER_NAME, &file, &file_size);
	if (err)
		panic("boot_server: no \"%s\" in the boot archive", MNEME_ARCHIVE_SERVER_NAME);
	err = elf_check(file, file_size, machine, MNEME_LAYOUT_IMAGE_BASE, MNEME_LAYOUT_IMAGE_END, img);
	if (err)
		panic("boot_server: %s is not a valid executable (error %d)", MNEME_ARCHIVE_SERVER_NAME,
		      err);
	return file;
}

static struct task *boot_server_task(void)
{
	struct task *t = task_alloc();
	int err = t ? task_init(t, boot_frame(), true, 0) : -MNEME_ENOMEM;

	if (err)
		panic("boot_server: cannot create the server task (error %d)", err);
	server_task = t;
	server_ep = endpoint_alloc(t, 2);   /* the server's handle and the core's own reference */
	t->handles[MNEME_HANDLE_SERVER_SELF] =
		handle_make(MNEME_OBJ_TASK, task_index(t), t->gen, 0, MNEME_RIGHTS_ALL);
	t->handles[MNEME_HANDLE_SERVER_EP] =
		handle_make(MNEME_OBJ_ENDPOINT, endpoint_index(server_ep), server_ep->gen, 0,
			    MNEME_RIGHTS_ALL);
	return t;
}

void boot_server_start(struct mneme_boot_info *bi, unsigned ktap_next)
{
	struct elf_image img;
	const char *file = boot_find_server(bi, &img);

	object_init();
	sched_init();
	struct task *t = boot_server_task();
	boot_load_image(t, file, &img);
	boot_map_fresh(t, MNEME_LAYOUT_STACK_TOP - MNEME_LAYOUT_STACK_SIZE, MNEME_LAYOUT_STACK_SIZE,
		       ARCH_PROT_READ | ARCH_PROT_WRITE);
	boot_map_fresh(t, MNEME_LAYOUT_IPC_BUFFER, PAGE_SIZE, ARCH_PROT_READ | ARCH_PROT_WRITE);
	boot_map_archive(t, bi);
	uint64_t info_pa = boot_frame();
	boot_map(t, MNEME_LAYOUT_BOOTINFO, info_pa, 12, ARCH_PROT_READ, boot_pt_alloc, NULL);

	boot_server_windows(bi);
	if (bi->huge_page_sizes & GIG_SIZE) {
		/* one table per GiB of the window to split a 1 GiB physmap page, never the pool's */
		uint64_t gigs = bi->physmap_limit / GIG_SIZE;
		vm_physmap_gig_tables = bootmem_alloc(gigs * PAGE_SIZE, PAGE_SIZE, ~0ULL);
		if (!vm_physmap_gig_tables)
			printk("mneme: no memory for the physmap's 1 GiB split tables: 2 MiB pages\n");
	}
	uint64_t nr = physmap_tables(bi);
	uint64_t pool = bootmem_alloc(nr * PAGE_SIZE, PAGE_SIZE, ~0ULL);
	if (!pool)
		panic("boot_server: no memory for %llu physmap tables", (unsigned long long)nr);
	struct pt_reserve reserve = { pool, pool + nr * PAGE_SIZE };
	/* from here on the boot map is final: no more bootmem_alloc() */
	boot_info_copy(info_pa, bi, ktap_next);
	boot_map_physmap(t, bi, &reserve);

	struct thread *th = thread_alloc();
	if (!th || thread_init(th, t, img.entry, MNEME_LAYOUT_STACK_TOP, MNEME_LAYOUT_BOOTINFO,
			       MNEME_LAYOUT_IPC_BUFFER, SERVER_PRIO))
		panic("boot_server: cannot create the server's thread");
	th->ipc_buffer = MNEME_LAYOUT_IPC_BUFFER;
	printk("mneme: starting the memory server (entry 0x%llx, %u segments, archive %llu KiB, "
	       "physmap tables %llu of %llu, %u 1 GiB pages)\n", (unsigned long long)img.entry,
	       img.nr_segments, (unsigned long long)bi->archive_size >> 10,
	       (unsigned long long)((reserve.next - pool) / PAGE_SIZE), (unsigned long long)nr,
	       physmap_gig_pages);
	th->cpus_allowed = cpumask_of(this_cpu_index());   /* the server's first thread stays here */
	thread_resume(th);
	sched_start();
	sched_return();
	arch_enter_user();
}

#endif /* ARCH_HAS_USPACE */
