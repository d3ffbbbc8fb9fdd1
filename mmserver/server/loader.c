/*
 * Boot archive lookup and ELF validation (see loader.h).  Decode only: no
 * function here changes anything outside its output arguments.
 */
#include <stdbool.h>
#include <mneme/error.h>
#include <mneme/syscall.h>
#include <ulib/string.h>
#include "loader.h"

#define PAGE 4096ULL

static const struct mneme_archive_entry *archive_entries(const void *base)
{
	return (const struct mneme_archive_entry *)((const char *)base +
						    sizeof(struct mneme_archive_header));
}

int archive_check(const void *base, uint64_t size)
{
	const struct mneme_archive_header *h = base;

	if (size < sizeof(*h))
		return -MNEME_ETRUNC;
	if (h->magic != MNEME_ARCHIVE_MAGIC || h->version != MNEME_ARCHIVE_VERSION ||
	    h->nr_entries > MNEME_ARCHIVE_MAX_ENTRIES)
		return -MNEME_ECORRUPT;
	if (h->total_size > size)
		return -MNEME_ETRUNC;
	uint64_t table_end = sizeof(*h) + (uint64_t)h->nr_entries * sizeof(struct mneme_archive_entry);
	if (table_end > h->total_size)
		return -MNEME_ETRUNC;
	const struct mneme_archive_entry *e = archive_entries(base);
	for (uint32_t i = 0; i < h->nr_entries; i++) {
		if (strnlen(e[i].name, MNEME_ARCHIVE_NAME) == MNEME_ARCHIVE_NAME || !e[i].name[0])
			return -MNEME_ECORRUPT;
		if (e[i].offset % MNEME_ARCHIVE_ALIGN || e[i].offset < table_end)
			return -MNEME_ECORRUPT;
		if (e[i].offset > h->total_size || e[i].size > h->total_size - e[i].offset)
			return -MNEME_ETRUNC;
	}
	return 0;
}

int archive_find(const void *base, const char *name, const void **data, uint64_t *size)
{
	const struct mneme_archive_header *h = base;
	const struct mneme_archive_entry *e = archive_entries(base);

	for (uint32_t i = 0; i < h->nr_entries; i++) {
		if (!strncmp(e[i].name, name, MNEME_ARCHIVE_NAME)) {
			*data = (const char *)base + e[i].offset;
			*size = e[i].size;
			return 0;
		}
	}
	return -MNEME_ENOENT;
}

const char *archive_name(const void *base, uint32_t i)
{
	const struct mneme_archive_header *h = base;

	return i < h->nr_entries ? archive_entries(base)[i].name : NULL;
}

static int elf_check_header(const struct mneme_elf64_ehdr *eh, uint64_t size, unsigned machine)
{
	uint32_t magic;

	if (size < sizeof(*eh))
		return -MNEME_ETRUNC;
	memcpy(&magic, eh->ident, sizeof(magic));
	if (magic != MNEME_ELF_MAGIC || eh->ident[4] != MNEME_ELFCLASS64 ||
	    eh->ident[5] != MNEME_ELFDATA2LSB || eh->ident[6] != MNEME_EV_CURRENT)
		return -MNEME_ECORRUPT;
	if (eh->type != MNEME_ET_EXEC || eh->machine != machine || eh->version != MNEME_EV_CURRENT)
		return -MNEME_ECORRUPT;
	if (eh->phentsize != sizeof(struct mneme_elf64_phdr) || eh->phnum == 0)
		return -MNEME_ECORRUPT;
	if (eh->phoff > size || (uint64_t)eh->phnum * eh->phentsize > size - eh->phoff)
		return -MNEME_ETRUNC;
	if (eh->phoff % 8)
		return -MNEME_ECORRUPT;
	return 0;
}

/* Check one PT_LOAD header and describe it as a page-granular mapping. */
static int elf_check_segment(const struct mneme_elf64_phdr *ph, uint64_t size, uint64_t lo,
			     uint64_t hi, struct elf_segment *s)
{
	if (ph->filesz > ph->memsz || ph->memsz == 0)
		return -MNEME_ECORRUPT;
	if (ph->offset > size || ph->filesz > size - ph->offset)
		return -MNEME_ETRUNC;
	if (ph->vaddr % PAGE != ph->offset % PAGE)
		return -MNEME_ECORRUPT;
	if ((ph->flags & MNEME_PF_W) && (ph->flags & MNEME_PF_X))
		return -MNEME_ECORRUPT;
	if (ph->vaddr < lo || ph->vaddr >= hi || ph->memsz > hi - ph->vaddr)
		return -MNEME_ERANGE;
	s->vaddr = ph->vaddr & ~(PAGE - 1);
	s->file_skip = ph->vaddr - s->vaddr;
	s->memsz = (s->file_skip + ph->memsz + PAGE - 1) & ~(PAGE - 1);
	if (s->memsz > hi - s->vaddr)
		return -MNEME_ERANGE;
	s->file_off = ph->offset;
	s->filesz = ph->filesz;
	s->bss = ph->memsz > ph->filesz;
	s->prot = (ph->flags & MNEME_PF_R ? MNEME_PROT_READ : 0) |
		  (ph->flags & MNEME_PF_W ? MNEME_PROT_WRITE : 0) |
		  (ph->flags & MNEME_PF_X ? MNEME_PROT_EXEC : 0);
	return s->prot ? 0 : -MNEME_ECORRUPT;
}

static bool segments_overlap(const struct elf_segment *a, const struct elf_segment *b)
{
	return a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz;
}

int elf_check(const void *file, uint64_t size, unsigned machine, uint64_t lo, uint64_t hi,
	      struct elf_image *img)
{
	const struct mneme_elf64_ehdr *eh = file;
	int err = elf_check_header(eh, size, machine);

	if (err)
		return err;
	const struct mneme_elf64_phdr *ph =
		(const struct mneme_elf64_phdr *)((const char *)file + eh->phoff);
	img->nr_segments = 0;
	img->entry = eh->entry;
	bool entry_ok = false;
	for (unsigned i = 0; i < eh->phnum; i++) {
		if (ph[i].type != MNEME_PT_LOAD)
			continue;
		if (img->nr_segments == ELF_MAX_SEGMENTS)
			return -MNEME_ECORRUPT;
		struct elf_segment *s = &img->seg[img->nr_segments];
		err = elf_check_segment(&ph[i], size, lo, hi, s);
		if (err)
			return err;
		for (unsigned j = 0; j < img->nr_segments; j++)
			if (segments_overlap(s, &img->seg[j]))
				return -MNEME_ECORRUPT;
		if ((s->prot & MNEME_PROT_EXEC) && eh->entry >= ph[i].vaddr &&
		    eh->entry < ph[i].vaddr + ph[i].memsz)
			entry_ok = true;
		img->nr_segments++;
	}
	return img->nr_segments && entry_ok ? 0 : -MNEME_ECORRUPT;
}
