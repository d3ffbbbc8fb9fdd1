/*
 * Host tests: boot archive parsing and ELF validation, with hand-made
 * good files, every single-field corruption we can think of, and random
 * byte mutations (under ASan: nothing may be read out of bounds).
 */
#include <stdlib.h>
#include <string.h>
#include <core/archive.h>
#include <core/elf.h>
#include <mneme/layout.h>
#include "harness.h"

#define LO MNEME_LAYOUT_IMAGE_BASE
#define HI MNEME_LAYOUT_IMAGE_END

struct test_elf {
	struct mneme_elf64_ehdr eh;
	struct mneme_elf64_phdr ph[3];
	uint8_t body[3 * 4096];
};

static void make_elf(struct test_elf *f)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->eh.ident, "\x7f" "ELF", 4);
	f->eh.ident[4] = MNEME_ELFCLASS64;
	f->eh.ident[5] = MNEME_ELFDATA2LSB;
	f->eh.ident[6] = MNEME_EV_CURRENT;
	f->eh.type = MNEME_ET_EXEC;
	f->eh.machine = MNEME_EM_X86_64;
	f->eh.version = MNEME_EV_CURRENT;
	f->eh.entry = LO + 0x10;
	f->eh.phoff = sizeof(f->eh);
	f->eh.phentsize = sizeof(struct mneme_elf64_phdr);
	f->eh.phnum = 3;
	f->eh.ehsize = sizeof(f->eh);
	f->ph[0] = (struct mneme_elf64_phdr){ MNEME_PT_LOAD, MNEME_PF_R | MNEME_PF_X, 0, LO, LO, 4096, 4096, 4096 };
	f->ph[1] = (struct mneme_elf64_phdr){ MNEME_PT_LOAD, MNEME_PF_R, 4096, LO + 4096, LO + 4096, 100, 4096, 4096 };
	f->ph[2] = (struct mneme_elf64_phdr){ MNEME_PT_LOAD, MNEME_PF_R | MNEME_PF_W, 8192, LO + 8192, LO + 8192, 10, 3 * 4096, 4096 };
}

static int check(struct test_elf *f, struct elf_image *img)
{
	return elf_check(f, sizeof(*f), MNEME_EM_X86_64, LO, HI, img);
}

static void test_elf(void)
{
	struct test_elf f;
	struct elf_image img;

	make_elf(&f);
	CHECK_EQ(check(&f, &img), 0);
	CHECK_EQ(img.nr_segments, 3);
	CHECK_EQ(img.entry, LO + 0x10);
	CHECK_EQ(img.seg[0].prot, MNEME_PROT_READ | MNEME_PROT_EXEC);
	CHECK_EQ(img.seg[2].prot, MNEME_PROT_READ | MNEME_PROT_WRITE);
	CHECK_EQ(img.seg[2].memsz, 3 * 4096);
	CHECK_EQ(elf_check(&f, sizeof(f), MNEME_EM_RISCV, LO, HI, &img), -MNEME_ECORRUPT);
	CHECK_EQ(elf_check(&f, 63, MNEME_EM_X86_64, LO, HI, &img), -MNEME_ETRUNC);
	CHECK_EQ(elf_check(&f, 64 + 56 * 2, MNEME_EM_X86_64, LO, HI, &img), -MNEME_ETRUNC);

#define BAD(stmt, err) do { make_elf(&f); stmt; CHECK_EQ(check(&f, &img), err); } while (0)
	BAD(f.eh.ident[0] = 0, -MNEME_ECORRUPT);
	BAD(f.eh.ident[4] = 1, -MNEME_ECORRUPT);
	BAD(f.eh.ident[5] = 2, -MNEME_ECORRUPT);
	BAD(f.eh.type = 3, -MNEME_ECORRUPT);
	BAD(f.eh.phentsize = 55, -MNEME_ECORRUPT);
	BAD(f.eh.phnum = 0, -MNEME_ECORRUPT);
	BAD(f.eh.phnum = 0xffff, -MNEME_ETRUNC);
	BAD(f.eh.phoff = ~0ull - 10, -MNEME_ETRUNC);
	BAD(f.eh.phoff = 3, -MNEME_ECORRUPT);
	BAD(f.eh.entry = LO + 4096, -MNEME_ECORRUPT);         /* entry in a non-exec segment */
	BAD(f.eh.entry = 0, -MNEME_ECORRUPT);
	BAD(f.ph[0].flags |= MNEME_PF_W, -MNEME_EPERM);       /* W+X */
	BAD(f.ph[1].filesz = 5000, -MNEME_ECORRUPT);          /* filesz > memsz */
	BAD(f.ph[1].memsz = 0, -MNEME_ECORRUPT);
	BAD(f.ph[1].offset = sizeof(f), -MNEME_ETRUNC);
	BAD(f.ph[1].offset = ~0ull, -MNEME_ETRUNC);
	BAD(f.ph[2].filesz = f.ph[2].memsz = ~0ull - 4096, -MNEME_ETRUNC);
	BAD(f.ph[2].memsz = ~0ull, -MNEME_ERANGE);            /* vaddr + memsz overflows */
	BAD(f.ph[2].vaddr = HI - 4096, -MNEME_ERANGE);
	BAD(f.ph[2].vaddr = 0, -MNEME_ERANGE);                /* below the image range */
	BAD(f.ph[2].vaddr = 0xffff800000000000ull, -MNEME_ERANGE); /* core half */
	BAD(f.ph[1].vaddr = LO + 100, -MNEME_ECORRUPT);       /* shares a page with segment 0 */
	make_elf(&f);
	f.ph[0].type = 6;
	CHECK_EQ(check(&f, &img), -MNEME_ECORRUPT);           /* ...then no exec segment for the entry */

	/* random mutations of headers never crash; a success is always self-consistent */
	srand(1);
	for (unsigned i = 0; i < 20000; i++) {
		make_elf(&f);
		for (unsigned k = 0; k < 1 + (unsigned)(rand() % 4); k++)
			((uint8_t *)&f)[rand() % (int)(sizeof(f.eh) + sizeof(f.ph))] = (uint8_t)rand();
		if (check(&f, &img) == 0) {
			for (unsigned s = 0; s < img.nr_segments; s++) {
				CHECK(img.seg[s].vaddr >= LO && img.seg[s].vaddr + img.seg[s].memsz <= HI);
				CHECK(img.seg[s].offset + img.seg[s].filesz <= sizeof(f));
				CHECK((img.seg[s].prot & 6) != 6);
			}
		}
	}
}

static uint8_t *make_archive(uint64_t *size)
{
	uint64_t total = 3 * 4096;
	uint8_t *a = aligned_alloc(4096, total);
	struct mneme_archive_header *h = (void *)a;
	struct mneme_archive_entry *e = (void *)(h + 1);

	memset(a, 0, total);
	*h = (struct mneme_archive_header){ MNEME_ARCHIVE_MAGIC, MNEME_ARCHIVE_VERSION, 2, total, 0 };
	strcpy(e[0].name, "mmserver");
	e[0].offset = 4096;
	e[0].size = 4096;
	strcpy(e[1].name, "0123456789012345678901234567890");   /* 31 characters */
	e[1].offset = 8192;
	e[1].size = 10;
	memset(a + 4096, 0xaa, 4096);
	*size = total;
	return a;
}

static void test_archive(void)
{
	uint64_t size;
	uint8_t *a = make_archive(&size);
	struct mneme_archive_header *h = (void *)a;
	struct mneme_archive_entry *e = (void *)(h + 1);
	const void *data;
	uint64_t len;

	CHECK_EQ(archive_check(a, size), 0);
	CHECK_EQ(archive_find(a, "mmserver", &data, &len), 0);
	CHECK(data == a + 4096);
	CHECK_EQ(len, 4096);
	CHECK_EQ(archive_find(a, "0123456789012345678901234567890", &data, &len), 0);
	CHECK_EQ(len, 10);
	CHECK_EQ(archive_find(a, "mmserve", &data, &len), -MNEME_ENOENT);
	CHECK_EQ(archive_find(a, "mmserverx", &data, &len), -MNEME_ENOENT);
	CHECK_EQ(archive_check(a, 31), -MNEME_ETRUNC);
	CHECK_EQ(archive_check(a, size - 1), -MNEME_ETRUNC);

#define ABAD(stmt, err) do { free(a); a = make_archive(&size); h = (void *)a; e = (void *)(h + 1); \
	stmt; CHECK_EQ(archive_check(a, size), err); } while (0)
	ABAD(h->magic++, -MNEME_ECORRUPT);
	ABAD(h->version = 2, -MNEME_ECORRUPT);
	ABAD(h->reserved = 1, -MNEME_ECORRUPT);
	ABAD(h->nr_entries = MNEME_ARCHIVE_MAX_ENTRIES + 1, -MNEME_ECORRUPT);
	ABAD(h->total_size = size + 1, -MNEME_ETRUNC);
	ABAD(h->nr_entries = 64; h->total_size = 1024, -MNEME_ETRUNC);
	ABAD(e[0].offset = 4097, -MNEME_ECORRUPT);
	ABAD(e[0].offset = 0, -MNEME_ECORRUPT);                /* inside the entry table */
	ABAD(e[0].size = 8193, -MNEME_ETRUNC);
	ABAD(e[0].offset = ~0ull & ~4095ull, -MNEME_ETRUNC);
	ABAD(e[0].size = ~0ull, -MNEME_ETRUNC);
	ABAD(e[0].name[0] = 0, -MNEME_ECORRUPT);
	ABAD(memset(e[1].name, 'x', 32), -MNEME_ECORRUPT);     /* no NUL */
	free(a);
}

int main(void)
{
	test_elf();
	test_archive();
	return h_report("core_boot");
}
