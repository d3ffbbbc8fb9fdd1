# The memory server program: its bootstrap (mmserver/server), the mm core
# (mmserver/mm: memblock, sparse vmemmap, zones, buddy, slab) and the mm
# core's port to this environment (mmserver/port/mneme.c).  The mm core
# includes <string.h> / <stdio.h>; mmserver/port/include maps them to the
# user runtime.
file(GLOB MNEME_SERVER_SOURCES CONFIGURE_DEPENDS ${MNEME_ROOT}/mmserver/server/*.c)
file(GLOB MNEME_SERVER_MM_SOURCES CONFIGURE_DEPENDS ${MNEME_ROOT}/mmserver/mm/*.c)
mneme_user_program(mmserver ${MNEME_SERVER_SOURCES} ${MNEME_SERVER_MM_SOURCES}
  ${MNEME_ROOT}/mmserver/port/mneme.c)
target_include_directories(user-mmserver PRIVATE
  ${MNEME_ROOT}/mmserver/server
  ${MNEME_ROOT}/mmserver/include
  ${MNEME_ROOT}/mmserver/port/include)
