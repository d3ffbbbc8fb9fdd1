/*
 * x86_64: fill @n 8-byte words at @d with @word (the runtime's memset for
 * large aligned runs, e.g. page zeroing in the memory server).  rep stosq:
 * one instruction, counted once per iteration under -icount.
 */
#ifndef USER_FILL_H
#define USER_FILL_H

#include <stddef.h>
#include <stdint.h>

static inline void arch_user_fill_words(uint64_t *d, uint64_t word, size_t n)
{
	__asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(word) : "memory");
}

#endif
