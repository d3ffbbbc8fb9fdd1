/*
 * The boot archive (user programs packed by cmake/mkarchive.py), embedded
 * in the core's image.  The section name matches the linker scripts'
 * *(.rodata .rodata.*) pattern, so the archive lands in read-only data
 * without script changes; the input section is page-aligned, and so is its
 * end, because the packer makes the archive a multiple of 4 KiB.
 * MNEME_ARCHIVE_FILE (a quoted path) is defined by cmake/userland.cmake.
 */
	.section .rodata.mneme_archive, "a"
	.balign 4096
	.globl __mneme_archive_start
	.globl __mneme_archive_end
__mneme_archive_start:
	.incbin MNEME_ARCHIVE_FILE
	.balign 4096
__mneme_archive_end:
