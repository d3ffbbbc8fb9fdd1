/* Shared helpers for the buddy allocator's host tests (see bt.h). */
#include "bt.h"
#include <ctype.h>

int bt_failures;
static char capture[1 << 16];
static size_t capture_len;

static void capture_sink(const char *text)
{
	size_t n = strlen(text);

	if (capture_len + n + 1 > sizeof(capture))
		n = sizeof(capture) - capture_len - 1;
	memcpy(capture + capture_len, text, n);
	capture_len += n;
	capture[capture_len] = '\0';
}

void bt_capture_reset(void)
{
	capture_len = 0;
	capture[0] = '\0';
}

const char *bt_captured(void)
{
	return capture;
}

void bt_bootinfo_init(struct mneme_boot_info *bi, unsigned arch)
{
	memset(bi, 0, sizeof(*bi));
	bi->magic = MNEME_BOOTINFO_MAGIC;
	bi->version = MNEME_BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->arch = arch;
	bi->page_shift = 12;
	bi->phys_addr_bits = 46;
	bi->nr_cpus = 1;
}

void bt_add(struct mneme_boot_info *bi, uint64_t base, uint64_t size, unsigned type, unsigned nid)
{
	if (bi->nr_ranges >= MNEME_BOOTINFO_MAX_RANGES) {
		fprintf(stderr, "bt_add: too many ranges\n");
		exit(2);
	}
	bi->ranges[bi->nr_ranges++] = (struct mneme_mem_range){ base, size, type, nid };
}

static int parse_type(const char *s)
{
	static const char *const names[] = { [MNEME_MEM_USABLE] = "usable", [MNEME_MEM_ACPI] = "acpi",
		[MNEME_MEM_NVS] = "nvs", [MNEME_MEM_RESERVED] = "reserved", [MNEME_MEM_NOMAP] = "nomap",
		[MNEME_MEM_CORE] = "core", [MNEME_MEM_UNUSABLE] = "unusable",
		[MNEME_MEM_FIRMWARE] = "firmware" };

	for (int t = 1; t < MNEME_MEM_TYPE_MAX; t++)
		if (!strcmp(s, names[t]))
			return t;
	return -1;
}

int bt_load_map(const char *path, struct mneme_boot_info *bi)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f)
		return -1;
	bt_bootinfo_init(bi, MNEME_ARCH_X86_64);
	while (fgets(line, sizeof(line), f)) {
		char type[32], arch[32];
		unsigned long long base, size;
		unsigned nid = 0;
		char *p = line;
		int t;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '#' || !*p)
			continue;
		unsigned a, b, d;
		if (sscanf(p, "distance %u %u %u", &a, &b, &d) == 3) {
			mm_set_node_distance((int)a, (int)b, (int)d);
			continue;
		}
		if (sscanf(p, "arch %31s", arch) == 1) {
			bi->arch = !strcmp(arch, "riscv64") ? MNEME_ARCH_RISCV64 : MNEME_ARCH_X86_64;
			continue;
		}
		if (sscanf(p, "%llx %llx %31s %u", &base, &size, type, &nid) < 3 || (t = parse_type(type)) < 0) {
			fprintf(stderr, "%s: bad line: %s", path, line);
			fclose(f);
			return -1;
		}
		/* x86_64 maps are raw e820: its "reserved" (type 2) is not RAM */
		if (bi->arch == MNEME_ARCH_X86_64 && t == MNEME_MEM_RESERVED)
			t = MNEME_MEM_FIRMWARE;
		bt_add(bi, base, size, (unsigned)t, nid);
	}
	fclose(f);
	return 0;
}

int bt_mm_init(const struct mneme_boot_info *bi)
{
	uint64_t end = 0;

	for (unsigned i = 0; i < bi->nr_ranges; i++)
		if (bi->ranges[i].base + bi->ranges[i].size > end)
			end = bi->ranges[i].base + bi->ranges[i].size;
	/* whole sections, as the memmap of the last section is mapped fully */
	end = (end + (1ULL << SECTION_SIZE_BITS) - 1) & ~((1ULL << SECTION_SIZE_BITS) - 1);
	if (mm_host_arena_init(end)) {
		fprintf(stderr, "arena of %#llx bytes failed\n", (unsigned long long)end);
		exit(2);
	}
	bt_capture_reset();
	mm_host_set_print_sink(capture_sink);
	return mm_init(bi);
}

struct zone *bt_zone(int nid, int zt)
{
	return &NODE_DATA(nid)->node_zones[zt];
}

unsigned long bt_drain_all(gfp_t gfp, struct page **list, unsigned long max, unsigned *orders)
{
	unsigned long n = 0, pages = 0;

	for (int o = MAX_ORDER - 1; o >= 0; o--) {
		struct page *p;

		while (n < max && (p = alloc_pages(gfp | __GFP_NOWARN | __GFP_MEMALLOC, (unsigned)o))) {
			list[n] = p;
			orders[n++] = (unsigned)o;
			pages += 1UL << o;
		}
	}
	list[n] = NULL;
	return pages;
}

int bt_finish(const char *name)
{
	mm_host_set_print_sink(NULL);
	mm_host_arena_fini();
	if (bt_failures) {
		fprintf(stderr, "%s: %d failure(s)\n", name, bt_failures);
		return 1;
	}
	printf("%s: all checks passed\n", name);
	return 0;
}
