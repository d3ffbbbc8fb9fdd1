/*
 * The firmware memory map: arrays of struct mneme_mem_range and the
 * sanitiser that turns whatever the firmware reported (e820, device tree)
 * into the sorted, non-overlapping, merged map handed to the memory server.
 *
 * Generic and freestanding: used by the core on every architecture and by
 * the host tests.  No heap; all work is done in the caller's array plus one
 * fixed static scratch table, so the functions are not reentrant (the core
 * calls them on one CPU during boot).
 *
 * A sanitised map satisfies:
 *   - every entry has size > 0 and a known type (enum mneme_mem_type);
 *   - entries are sorted by base and do not overlap;
 *   - no two entries that touch have the same type and the same nid;
 *   - base + size does not overflow 2^64, except that a range cannot
 *     describe all of [0, 2^64): its very last byte is then dropped.
 */
#ifndef CORE_MEMMAP_H
#define CORE_MEMMAP_H

#include <stdint.h>
#include <mneme/bootinfo.h>

/*
 * The largest output map the sanitiser builds (the size of its scratch
 * table).  A @max larger than this is accepted but only this many entries
 * can be produced.
 */
#define MEMMAP_MAX_RANGES 256

/*
 * memmap_sanitize - bring @r[0..*@nr) into sanitised form, in place.
 *
 * Zero-length entries are dropped, ranges running past 2^64 are clamped,
 * where ranges overlap the more restrictive type (larger enum value) wins
 * (on equal types the smaller nid wins), and touching ranges of equal
 * type and nid are merged.  Cost O(n^2) in the number of entries.
 *
 * Returns 0; -MNEME_EINVAL if *@nr > @max or any entry (even a zero-length
 * one) has an unknown type; -MNEME_ENOMEM if the result would need more
 * than @max (or MEMMAP_MAX_RANGES) entries.  On any error @r and *@nr are
 * left unchanged.  Never writes beyond @r[@max - 1].
 */
int memmap_sanitize(struct mneme_mem_range *r, uint32_t *nr, uint32_t max);

/*
 * memmap_add - add [@base, @base + @size) as @type on node @nid to the
 * sanitised map @r, resolving overlaps by the same rule as memmap_sanitize
 * (so adding USABLE over a reservation does not un-reserve it).  The map
 * stays sanitised.  A zero @size is a no-op.  Works even when the map is
 * full as long as the result fits.  Errors as memmap_sanitize, map unchanged.
 */
int memmap_add(struct mneme_mem_range *r, uint32_t *nr, uint32_t max,
	       uint64_t base, uint64_t size, uint32_t type, uint32_t nid);

/*
 * memmap_reserve - carve [@base, @base + @size) out of the map as @type.
 * Unlike memmap_add the carved pieces keep the nid of the memory they were
 * carved from (the core's image stays on its node); parts not covered by
 * any entry are added with nid 0.  Where the map already has a more
 * restrictive type, that type stays.  Errors as memmap_add.
 */
int memmap_reserve(struct mneme_mem_range *r, uint32_t *nr, uint32_t max,
		   uint64_t base, uint64_t size, uint32_t type);

/*
 * memmap_total - bytes in entries of @type (0: of every type), saturating
 * at UINT64_MAX.  Meaningful on a sanitised map (no double counting).
 */
uint64_t memmap_total(const struct mneme_mem_range *r, uint32_t nr, uint32_t type);

/*
 * memmap_server_windows - size the memory server's physmap and vmemmap
 * windows (<mneme/layout.h>) for the sanitised map in @bi and a user half
 * of @user_top bytes, and store them in @bi (physmap_base, physmap_limit,
 * vmemmap_base, vmemmap_size).  The physmap covers the highest RAM rounded
 * up to MNEME_LAYOUT_WINDOW_ALIGN, at least one such step and at most
 * MNEME_LAYOUT_PHYSMAP_MAX_PA; the vmemmap window is as large, right
 * above it, and MNEME_LAYOUT_FREE_MIN above that stays free, all below
 * @user_top.  Returns the bytes of RAM (every type but UNUSABLE and
 * FIRMWARE) at or above physmap_limit: RAM the server cannot manage.
 */
uint64_t memmap_server_windows(struct mneme_boot_info *bi, uint64_t user_top);

/* Translate an ACPI/e820 range type into enum mneme_mem_type. */
uint32_t memmap_type_from_e820(uint32_t e820_type);

/* Linux's name for @type ("usable", "reserved", ...); "unknown" if invalid. */
const char *memmap_type_name(uint32_t type);

#endif
