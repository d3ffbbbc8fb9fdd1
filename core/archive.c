/*
 * Boot archive validation and lookup (see <core/archive.h>).  Everything
 * in the archive is treated as untrusted input: every offset and size is
 * checked against the bytes really there, overflow included.
 */
#include <stdbool.h>
#include <stddef.h>
#include <core/archive.h>
#include <mneme/error.h>

static bool name_valid(const char *name)
{
	for (unsigned i = 0; i < MNEME_ARCHIVE_NAME; i++)
		if (!name[i])
			return i > 0;
	return false;
}

static bool name_equal(const char *a, const char *b)
{
	unsigned i = 0;

	while (i < MNEME_ARCHIVE_NAME && a[i] && a[i] == b[i])
		i++;
	return i < MNEME_ARCHIVE_NAME && a[i] == b[i];
}

int archive_check(const void *base, uint64_t size)
{
	const struct mneme_archive_header *h = base;

	if (size < sizeof(*h))
		return -MNEME_ETRUNC;
	if (h->magic != MNEME_ARCHIVE_MAGIC || h->version != MNEME_ARCHIVE_VERSION ||
	    h->nr_entries > MNEME_ARCHIVE_MAX_ENTRIES || h->reserved)
		return -MNEME_ECORRUPT;
	if (h->total_size > size)
		return -MNEME_ETRUNC;
	uint64_t table_end = sizeof(*h) + (uint64_t)h->nr_entries * sizeof(struct mneme_archive_entry);
	if (table_end > h->total_size)
		return -MNEME_ETRUNC;
	const struct mneme_archive_entry *e = (const void *)(h + 1);
	for (uint32_t i = 0; i < h->nr_entries; i++) {
		if (!name_valid(e[i].name) || e[i].offset % MNEME_ARCHIVE_ALIGN ||
		    e[i].offset < table_end)
			return -MNEME_ECORRUPT;
		if (e[i].offset > h->total_size || e[i].size > h->total_size - e[i].offset)
			return -MNEME_ETRUNC;
	}
	return 0;
}

int archive_find(const void *base, const char *name, const void **data, uint64_t *size)
{
	const struct mneme_archive_header *h = base;
	const struct mneme_archive_entry *e = (const void *)(h + 1);

	for (uint32_t i = 0; i < h->nr_entries; i++) {
		if (name_equal(e[i].name, name)) {
			*data = (const char *)base + e[i].offset;
			*size = e[i].size;
			return 0;
		}
	}
	return -MNEME_ENOENT;
}
