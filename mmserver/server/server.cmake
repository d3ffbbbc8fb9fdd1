# The memory server program: its bootstrap and message loop (mmserver/server),
# the mm core (mmserver/mm: memblock, sparse vmemmap, zones, buddy, slab), the
# per-task address spaces (mmserver/vm, with its backend over the core's
# syscalls) and the mm core's port to this environment (mmserver/port/mneme.c).
# The mm core's <string.h> / <stdio.h> are the user C library's.
file(GLOB MNEME_SERVER_SOURCES CONFIGURE_DEPENDS ${MNEME_ROOT}/mmserver/server/*.c)
file(GLOB MNEME_SERVER_MM_SOURCES CONFIGURE_DEPENDS ${MNEME_ROOT}/mmserver/mm/*.c)
file(GLOB MNEME_SERVER_VM_SOURCES CONFIGURE_DEPENDS ${MNEME_ROOT}/mmserver/vm/*.c)
mneme_user_program(mmserver BASE 0x400000 LIMIT 0x1000000 ${MNEME_SERVER_SOURCES} ${MNEME_SERVER_MM_SOURCES}
  ${MNEME_SERVER_VM_SOURCES} ${MNEME_ROOT}/mmserver/vm/mneme/vm_backend_mneme.c
  ${MNEME_ROOT}/mmserver/port/mneme.c)
target_include_directories(user-mmserver PRIVATE
  ${MNEME_ROOT}/mmserver/server
  ${MNEME_ROOT}/mmserver/include
  ${MNEME_ROOT}/mmserver/vm)
