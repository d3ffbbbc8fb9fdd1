/*
 * riscv64: fill @n 8-byte words at @d with @word (the runtime's memset for
 * large aligned runs, e.g. page zeroing in the memory server): sixteen
 * stores per iteration (18 instructions per 128 bytes: a page is 576),
 * then single words.
 */
#ifndef USER_FILL_H
#define USER_FILL_H

#include <stddef.h>
#include <stdint.h>

static inline void arch_user_fill_words(uint64_t *d, uint64_t word, size_t n)
{
	uint64_t *end16 = d + (n & ~(size_t)15), *end = d + n;

	if (d != end16)
		__asm__ volatile("1:\n\t"
				 "sd %2, 0(%0)\n\tsd %2, 8(%0)\n\tsd %2, 16(%0)\n\tsd %2, 24(%0)\n\t"
				 "sd %2, 32(%0)\n\tsd %2, 40(%0)\n\tsd %2, 48(%0)\n\tsd %2, 56(%0)\n\t"
				 "sd %2, 64(%0)\n\tsd %2, 72(%0)\n\tsd %2, 80(%0)\n\tsd %2, 88(%0)\n\t"
				 "sd %2, 96(%0)\n\tsd %2, 104(%0)\n\tsd %2, 112(%0)\n\tsd %2, 120(%0)\n\t"
				 "addi %0, %0, 128\n\tbne %0, %1, 1b"
				 : "+r"(d) : "r"(end16), "r"(word) : "memory");
	while (d != end)
		*d++ = word;
}

#endif
