/*
 * State and services of the core that generic code shares.
 */
#ifndef CORE_CORE_H
#define CORE_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <mneme/bootinfo.h>

/* The boot-info structure the core builds and later hands to the memory server. */
extern struct mneme_boot_info boot_info;

/* Timer interrupts since arch_timer_init(). */
uint64_t core_ticks(void);
#define CORE_TIMER_HZ 100

/* True if the boot command line contains the word @word (or "word=..."). */
bool cmdline_has(const char *word);

/* Print the boot map as "[mem 0x...-0x...] type" lines under @title. */
void memmap_print(const char *title, const struct mneme_mem_range *r, uint32_t nr);

#endif
