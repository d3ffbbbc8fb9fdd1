/*
 * The memory server's address space as the core builds it at boot.
 *
 * The fixed part fits the smallest user half of both architectures
 * (riscv64 Sv39: 256 GiB), so one layout serves both.  The physmap and
 * vmemmap windows are sized by the core from the boot map and the user
 * half (boot info physmap_base / physmap_limit / vmemmap_base /
 * vmemmap_size; core/boot_server.c): the physmap covers the highest RAM
 * rounded up to MNEME_LAYOUT_WINDOW_ALIGN (at least 64 GiB, at most
 * MNEME_LAYOUT_PHYSMAP_MAX_PA), the vmemmap window is as large and sits
 * right above it, and MNEME_LAYOUT_FREE_MIN above that stays free.  Under
 * Sv39 that leaves the layout below (RAM at or above 64 GiB cannot be
 * managed, and the core and the server say so); with a 47-bit user half
 * (x86_64, Sv48) the windows grow with the RAM.
 *
 *   0x0000_0000_0040_0000  image: the server's ELF segments must lie in
 *                          [MNEME_LAYOUT_IMAGE_BASE, MNEME_LAYOUT_IMAGE_END)
 *   0x0000_0000_4000_0000  boot info page (read-only, struct mneme_boot_info)
 *   0x0000_0000_4001_0000  IPC buffer of the first thread (read-write, 4 KiB page)
 *   0x0000_0000_4010_0000  stack: [STACK_TOP - STACK_SIZE, STACK_TOP), read-write,
 *                          with unmapped guard pages on both sides
 *   0x0000_0000_8000_0000  the boot archive, read-only (at most 1 GiB)
 *   0x0000_0010_0000_0000  physmap: every USABLE range of the boot map below
 *                          physmap_limit at MNEME_LAYOUT_PHYSMAP + pa
 *                          (read-write, 2 MiB pages where aligned)
 *   0x0000_0020_0000_0000  vmemmap window (the server maps it itself), at
 *                          vmemmap_base in general
 *   0x0000_0030_0000_0000  free for the server (heap, other mappings)
 *   0x0000_0040_0000_0000  end of the Sv39 layout (MNEME_LAYOUT_END)
 *
 * At entry the first thread has sp = MNEME_LAYOUT_STACK_TOP, arg0 =
 * MNEME_LAYOUT_BOOTINFO, arg1 = MNEME_LAYOUT_IPC_BUFFER (already
 * registered with ipc_buffer_set()), and the handles
 * MNEME_HANDLE_SERVER_SELF / MNEME_HANDLE_SERVER_EP (see <mneme/ipc.h>).
 * The frames of the image, stack, IPC buffer, boot info page and page
 * tables belong to the core (MNEME_MEM_CORE in the boot map).
 *
 * Other tasks are built by the server; the MNEME_LAYOUT_TASK_* values are
 * the suggested layout for them (same image range, same stack and IPC
 * buffer addresses).
 */
#ifndef MNEME_LAYOUT_H
#define MNEME_LAYOUT_H

#define MNEME_LAYOUT_IMAGE_BASE     0x0000000000400000ULL
#define MNEME_LAYOUT_IMAGE_END      0x0000000040000000ULL
#define MNEME_LAYOUT_BOOTINFO       0x0000000040000000ULL
#define MNEME_LAYOUT_IPC_BUFFER     0x0000000040010000ULL
#define MNEME_LAYOUT_STACK_TOP      0x0000000040100000ULL
#define MNEME_LAYOUT_STACK_SIZE     0x0000000000010000ULL   /* 64 KiB */
#define MNEME_LAYOUT_ARCHIVE        0x0000000080000000ULL
#define MNEME_LAYOUT_ARCHIVE_MAX    0x0000000040000000ULL
#define MNEME_LAYOUT_PHYSMAP        0x0000001000000000ULL
#define MNEME_LAYOUT_WINDOW_ALIGN   0x0000001000000000ULL   /* 64 GiB: the smallest window */
#define MNEME_LAYOUT_PHYSMAP_MAX_PA 0x0000100000000000ULL   /* 16 TiB: the mm core's MAX_PHYSMEM_BITS */
#define MNEME_LAYOUT_FREE_MIN       0x0000001000000000ULL   /* kept free above the vmemmap window */
#define MNEME_LAYOUT_VMEMMAP        0x0000002000000000ULL   /* with the smallest physmap */
#define MNEME_LAYOUT_VMEMMAP_SIZE   0x0000001000000000ULL
#define MNEME_LAYOUT_FREE           0x0000003000000000ULL
#define MNEME_LAYOUT_END            0x0000004000000000ULL

/* Suggested layout for the tasks the server starts. */
#define MNEME_LAYOUT_TASK_IPC_BUFFER MNEME_LAYOUT_IPC_BUFFER
#define MNEME_LAYOUT_TASK_STACK_TOP  MNEME_LAYOUT_STACK_TOP
#define MNEME_LAYOUT_TASK_STACK_SIZE MNEME_LAYOUT_STACK_SIZE

#endif
