/*
 * Starting the memory server from the boot archive.
 */
#ifndef CORE_BOOT_SERVER_H
#define CORE_BOOT_SERVER_H

#include <stdbool.h>
#include <arch/arch.h>
#include <mneme/bootinfo.h>

#ifdef ARCH_HAS_USPACE

/* True if the image carries a boot archive (the build embedded user programs). */
bool boot_archive_present(void);

/*
 * Load the memory server ("mmserver") from the boot archive and enter
 * user mode with it: validates archive and ELF completely, builds its
 * address space (layout in <mneme/layout.h>) with frames from bootmem,
 * records the archive in @bi and hands the server a copy of @bi whose
 * command line ends with "ktap_next=@ktap_next".  Never returns; panics
 * if the archive or the server cannot be used.
 */
__attribute__((noreturn)) void boot_server_start(struct mneme_boot_info *bi, unsigned ktap_next);

#else /* the architecture cannot run user tasks yet: boot ends after the built-in tests */
static inline bool boot_archive_present(void)
{
	return false;
}

__attribute__((noreturn)) static inline void boot_server_start(struct mneme_boot_info *bi,
							       unsigned ktap_next)
{
	(void)bi, (void)ktap_next;
	arch_exit(CORE_EXIT_FAIL);
}
#endif

#endif
