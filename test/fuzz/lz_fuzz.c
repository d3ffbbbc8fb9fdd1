/*
 * libFuzzer harness of the compressed store's LZ coder (mmserver/mm/lz.c):
 * any bytes given to the decoder, at several output sizes, must be
 * refused or decoded without touching memory outside the output (ASan);
 * and any input (up to 64 KiB) must come back exactly from its own
 * compression.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mm/lz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static uint8_t out[4096 * 2], z[LZ_MAX_INPUT * 2 + 64], back[LZ_MAX_INPUT];
	static const size_t outs[] = { 0, 1, 16, 4096 };

	for (unsigned i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		uint8_t *o = malloc(outs[i] ? outs[i] : 1);
		(void)lz_decompress(data, n, o, outs[i]);
		free(o);
	}
	(void)out;
	if (n > LZ_MAX_INPUT)
		return 0;
	size_t c = lz_compress(data, n, z, sizeof(z));
	if (!c || lz_decompress(z, c, back, n) || memcmp(back, data, n))
		abort();
	return 0;
}
