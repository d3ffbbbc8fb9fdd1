/*
 * A small LZ77 compressor for the compressed page store (mm/zstore.h):
 * byte-oriented, no entropy coding, made for 4 KiB pages -- fast enough
 * to run on every page reclaim evicts, and simple enough to decode
 * safely from untrusted bytes (the decoder checks every length and
 * offset; tests/fuzz feed it garbage).
 *
 * The format (mneme's own).  A stream of sequences, each:
 *   token     one byte: bits 0..2 literal count (7: a varint follows
 *             with the count - 7), bits 3..7 match length - 4 (31: a
 *             varint follows with the length - 35)
 *   [varint]  extra literal count
 *   literals  that many bytes, copied as they are
 *   -- the stream ends here when the output is complete --
 *   offset    two bytes, little-endian, 1..65535: the match starts this
 *             many bytes back in the output (it may overlap the bytes it
 *             produces: a run)
 *   [varint]  extra match length
 * Varints are 7 bits a byte, low first, the high bit set on every byte
 * but the last (at most 3 bytes).  The decoder is told the output size;
 * the last sequence has literals only.
 */
#ifndef MM_LZ_H
#define MM_LZ_H

#include <stddef.h>
#include <stdint.h>

/* Inputs lz_compress() accepts (offsets are 16 bits; a page is 4 KiB). */
#define LZ_MAX_INPUT 65536u

/*
 * Compress @n bytes (n <= LZ_MAX_INPUT) of @src into @dst, which has room
 * for @cap bytes.  Returns the compressed size, or 0 if it would not fit
 * in @cap (the caller keeps the data uncompressed, or gives up on it).
 * Needs no memory but its stack (an 8 KiB hash table).
 */
size_t lz_compress(const void *src, size_t n, void *dst, size_t cap);

/*
 * Decompress @n bytes of @src into exactly @out bytes at @dst.  Returns 0,
 * or -1 if @src is not a stream this format describes that produces
 * exactly @out bytes (truncated, an offset before the start, a length
 * past the end, trailing bytes): @dst then holds garbage, nothing outside
 * it was touched.
 */
int lz_decompress(const void *src, size_t n, void *dst, size_t out);

#endif
