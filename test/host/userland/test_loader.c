/*
 * The memory server's archive and ELF checks (mmserver/server/loader.c):
 * a valid image and one mutation per rule, each expecting its error.
 * With arguments "ARCHIVE name=file...": check an archive packed by
 * cmake/mkarchive.py and find every file in it, byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mneme/error.h>
#include "loader.h"

#define LO 0x400000ULL
#define HI 0x10000000ULL

static int failures;

#define EXPECT_EQ(a, b)                                                                    \
	do {                                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);                        \
		if (a_ != b_) {                                                            \
			printf("FAIL %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); \
			failures++;                                                        \
		}                                                                          \
	} while (0)

static _Alignas(8) unsigned char elf[0x4000];

static struct mneme_elf64_ehdr *eh(void) { return (struct mneme_elf64_ehdr *)elf; }
static struct mneme_elf64_phdr *ph(int i) { return (struct mneme_elf64_phdr *)(elf + 64) + i; }

/* A valid two-segment executable: text R+X at 0x400000, data+bss R+W at 0x401000. */
static void make_elf(void)
{
	memset(elf, 0, sizeof(elf));
	memcpy(eh()->ident, "\x7f" "ELF", 4);
	eh()->ident[4] = MNEME_ELFCLASS64;
	eh()->ident[5] = MNEME_ELFDATA2LSB;
	eh()->ident[6] = MNEME_EV_CURRENT;
	eh()->type = MNEME_ET_EXEC;
	eh()->machine = MNEME_EM_X86_64;
	eh()->version = MNEME_EV_CURRENT;
	eh()->entry = 0x400010;
	eh()->phoff = 64;
	eh()->phentsize = sizeof(struct mneme_elf64_phdr);
	eh()->phnum = 2;
	*ph(0) = (struct mneme_elf64_phdr){ .type = MNEME_PT_LOAD, .flags = MNEME_PF_R | MNEME_PF_X,
					    .offset = 0x1000, .vaddr = 0x400000, .filesz = 0x100,
					    .memsz = 0x100 };
	*ph(1) = (struct mneme_elf64_phdr){ .type = MNEME_PT_LOAD, .flags = MNEME_PF_R | MNEME_PF_W,
					    .offset = 0x2000, .vaddr = 0x401000, .filesz = 0x10,
					    .memsz = 0x3000 };
}

static int check(void)
{
	struct elf_image img;

	return elf_check(elf, sizeof(elf), MNEME_EM_X86_64, LO, HI, &img);
}

static void test_elf(void)
{
	struct elf_image img;

	make_elf();
	EXPECT_EQ(elf_check(elf, sizeof(elf), MNEME_EM_X86_64, LO, HI, &img), 0);
	EXPECT_EQ(img.nr_segments, 2);
	EXPECT_EQ(img.entry, 0x400010);
	EXPECT_EQ(img.seg[1].memsz, 0x3000);
	EXPECT_EQ(img.seg[1].prot, 3);
	EXPECT_EQ(img.seg[0].prot, 5);
	EXPECT_EQ(elf_check(elf, sizeof(elf), MNEME_EM_RISCV, LO, HI, &img), -MNEME_ECORRUPT);
	EXPECT_EQ(elf_check(elf, 63, MNEME_EM_X86_64, LO, HI, &img), -MNEME_ETRUNC);
	EXPECT_EQ(elf_check(elf, 0x2008, MNEME_EM_X86_64, LO, HI, &img), -MNEME_ETRUNC);

	make_elf(); elf[0] = 0; EXPECT_EQ(check(), -MNEME_ECORRUPT);
	make_elf(); eh()->ident[4] = 1; EXPECT_EQ(check(), -MNEME_ECORRUPT);
	make_elf(); eh()->type = 3; EXPECT_EQ(check(), -MNEME_ECORRUPT);
	make_elf(); eh()->phentsize = 32; EXPECT_EQ(check(), -MNEME_ECORRUPT);
	make_elf(); eh()->phoff = sizeof(elf) - 8; EXPECT_EQ(check(), -MNEME_ETRUNC);
	make_elf(); eh()->phoff = ~0ULL - 7; EXPECT_EQ(check(), -MNEME_ETRUNC);
	make_elf(); eh()->phnum = 0xffff; EXPECT_EQ(check(), -MNEME_ETRUNC);
	make_elf(); eh()->phnum = 0; EXPECT_EQ(check(), -MNEME_ECORRUPT);
	make_elf(); ph(0)->flags |= MNEME_PF_W; EXPECT_EQ(check(), -MNEME_ECORRUPT);     /* W+X */
	make_elf(); ph(1)->filesz = 0x4000; EXPECT_EQ(check(), -MNEME_ECORRUPT);        /* filesz > memsz */
	make_elf(); ph(1)->filesz = 0x2001; ph(1)->memsz = 0x3000; EXPECT_EQ(check(), -MNEME_ETRUNC);
	make_elf(); ph(1)->offset = ~0ULL & ~0xfffULL; EXPECT_EQ(check(), -MNEME_ETRUNC);
	make_elf(); ph(1)->offset = 0x2008; EXPECT_EQ(check(), -MNEME_ECORRUPT);        /* not congruent */
	make_elf(); ph(0)->vaddr = 0x300000; EXPECT_EQ(check(), -MNEME_ERANGE);
	make_elf(); ph(1)->memsz = ~0ULL - 0x100; ph(1)->filesz = 0; EXPECT_EQ(check(), -MNEME_ERANGE);
	make_elf(); ph(1)->vaddr = HI - 0x1000; EXPECT_EQ(check(), -MNEME_ERANGE);
	make_elf(); ph(1)->vaddr = 0x400000; EXPECT_EQ(check(), -MNEME_ECORRUPT);       /* overlap */
	make_elf(); eh()->entry = 0x401000; EXPECT_EQ(check(), -MNEME_ECORRUPT);        /* entry not in text */
	make_elf(); ph(0)->type = 4; ph(1)->type = 4; EXPECT_EQ(check(), -MNEME_ECORRUPT);
	make_elf(); ph(0)->flags = 0; EXPECT_EQ(check(), -MNEME_ECORRUPT);
	make_elf(); ph(1)->memsz = 0; ph(1)->filesz = 0; EXPECT_EQ(check(), -MNEME_ECORRUPT);

	/* An unaligned segment start: the mapping starts at the page, file data at its offset. */
	make_elf();
	ph(1)->vaddr = 0x401010;
	ph(1)->offset = 0x2010;
	ph(1)->memsz = 0xff0;
	EXPECT_EQ(elf_check(elf, sizeof(elf), MNEME_EM_X86_64, LO, HI, &img), 0);
	EXPECT_EQ(img.seg[1].vaddr, 0x401000);
	EXPECT_EQ(img.seg[1].file_skip, 0x10);
	EXPECT_EQ(img.seg[1].memsz, 0x1000);
	ph(1)->memsz = 0xff1;
	EXPECT_EQ(elf_check(elf, sizeof(elf), MNEME_EM_X86_64, LO, HI, &img), 0);
	EXPECT_EQ(img.seg[1].memsz, 0x2000);
}

static _Alignas(8) unsigned char ar[3 * 4096];

static struct mneme_archive_header *ah(void) { return (struct mneme_archive_header *)ar; }
static struct mneme_archive_entry *ae(int i) { return (struct mneme_archive_entry *)(ar + 32) + i; }

static void make_archive(void)
{
	memset(ar, 0, sizeof(ar));
	*ah() = (struct mneme_archive_header){ MNEME_ARCHIVE_MAGIC, MNEME_ARCHIVE_VERSION, 2, sizeof(ar), 0 };
	strcpy(ae(0)->name, "mmserver");
	ae(0)->offset = 4096;
	ae(0)->size = 4096;
	strcpy(ae(1)->name, "t_ipc");
	ae(1)->offset = 8192;
	ae(1)->size = 100;
	memset(ar + 8192, 0xab, 100);
}

static void test_archive(void)
{
	const void *data;
	uint64_t size;

	make_archive();
	EXPECT_EQ(archive_check(ar, sizeof(ar)), 0);
	EXPECT_EQ(archive_find(ar, "t_ipc", &data, &size), 0);
	EXPECT_EQ(size, 100);
	EXPECT_EQ((const unsigned char *)data - ar, 8192);
	EXPECT_EQ(archive_find(ar, "t_ip", &data, &size), -MNEME_ENOENT);
	EXPECT_EQ(archive_find(ar, "nope", &data, &size), -MNEME_ENOENT);
	EXPECT_EQ(archive_name(ar, 0) != NULL && !strcmp(archive_name(ar, 0), "mmserver"), 1);
	EXPECT_EQ(archive_name(ar, 2) == NULL, 1);
	EXPECT_EQ(archive_check(ar, 16), -MNEME_ETRUNC);
	EXPECT_EQ(archive_check(ar, sizeof(ar) - 1), -MNEME_ETRUNC);
	make_archive(); ah()->magic++; EXPECT_EQ(archive_check(ar, sizeof(ar)), -MNEME_ECORRUPT);
	make_archive(); ah()->version = 9; EXPECT_EQ(archive_check(ar, sizeof(ar)), -MNEME_ECORRUPT);
	make_archive(); ah()->nr_entries = 1000; EXPECT_EQ(archive_check(ar, sizeof(ar)), -MNEME_ECORRUPT);
	make_archive(); ae(1)->offset = 8000; EXPECT_EQ(archive_check(ar, sizeof(ar)), -MNEME_ECORRUPT);
	make_archive(); ae(1)->offset = 0; EXPECT_EQ(archive_check(ar, sizeof(ar)), -MNEME_ECORRUPT);
	make_archive(); ae(1)->size = 4097; EXPECT_EQ(archive_check(ar, sizeof(ar)), -MNEME_ETRUNC);
	make_archive(); ae(1)->size = ~0ULL; EXPECT_EQ(archive_check(ar, sizeof(ar)), -MNEME_ETRUNC);
	make_archive(); ae(1)->offset = ~0ULL & ~4095ULL; EXPECT_EQ(archive_check(ar, sizeof(ar)), -MNEME_ETRUNC);
	make_archive(); memset(ae(0)->name, 'a', 32); EXPECT_EQ(archive_check(ar, sizeof(ar)), -MNEME_ECORRUPT);
	make_archive(); ae(0)->name[0] = 0; EXPECT_EQ(archive_check(ar, sizeof(ar)), -MNEME_ECORRUPT);
}

static unsigned char *slurp(const char *path, long *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(*size + 1);
	if (fread(buf, 1, *size, f) != (size_t)*size)
		*size = -1;
	fclose(f);
	return buf;
}

/* An archive from mkarchive.py: every NAME=FILE must be in it, byte for byte. */
static void test_packed(int argc, char **argv)
{
	long asize, fsize;
	unsigned char *a = slurp(argv[1], &asize);
	const void *data;
	uint64_t size;

	EXPECT_EQ(a != NULL && asize > 0, 1);
	if (!a)
		return;
	EXPECT_EQ(asize % 4096, 0);
	EXPECT_EQ(archive_check(a, asize), 0);
	EXPECT_EQ(((struct mneme_archive_header *)a)->nr_entries, argc - 2);
	for (int i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		*eq = '\0';
		unsigned char *f = slurp(eq + 1, &fsize);
		EXPECT_EQ(archive_find(a, argv[i], &data, &size), 0);
		EXPECT_EQ(size, fsize);
		EXPECT_EQ(f && size == (uint64_t)fsize && !memcmp(data, f, fsize), 1);
		free(f);
	}
	free(a);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		test_packed(argc, argv);
	} else {
		test_elf();
		test_archive();
	}
	printf("%s: %d failures\n", failures ? "FAIL" : "PASS", failures);
	return failures != 0;
}
