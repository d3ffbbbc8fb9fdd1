# User programs and the boot archive (included by cmake/target.cmake).
#
# Every user program is a freestanding static ELF for the target, linked
# with userland/user.ld against libmneme (the runtime) and crt0.  Each is
# linked at an address of its own (below), so the symbols of every program
# can be loaded in gdb at once and a breakpoint on a name stops in the task
# that runs that program.  The programs listed in MNEME_ARCHIVE_PROGRAMS are
# packed by cmake/mkarchive.py into mneme-archive.bin, which
# core/archive_blob.S embeds in the core image.
#
# Where programs come from:
#   userland/tests/*.c           test programs and their helpers, one file each
#   userland/apps/NAME.c         a program NAME (drop the file in, that is all)
#   userland/drivers/NAME.c      a user-mode driver NAME (the console's serial driver)
#   userland/apps/NAME/*.c       a program NAME from several files; an optional
#                                userland/apps/NAME/app.cmake is included after
#                                the target user-NAME exists (extra flags etc.)
# (docs/first-program.md walks through writing one.)
set(MNEME_USER_LDSCRIPT ${MNEME_ROOT}/userland/user.ld)
# -nostdlibinc: only these directories and the compiler's own freestanding
# headers (stdint.h, stddef.h, stdarg.h, stdbool.h, limits.h, ...) are
# searched, so a header of the host's C library can never be picked up.
set(MNEME_USER_INCLUDES
  ${MNEME_ROOT}/userland/libc/include
  ${MNEME_ROOT}/userland/include
  ${MNEME_ROOT}/userland/libmm/include
  ${MNEME_ROOT}/arch/${MNEME_ARCH}
  ${MNEME_ROOT}/ipc/include)
# -UNDEBUG: assert() works in user programs whatever the build type (a
# program can still define NDEBUG itself before including <assert.h>).
set(MNEME_USER_FLAGS ${MNEME_ARCH_USER_FLAGS} -nostdlibinc -fno-builtin
  -fno-asynchronous-unwind-tables -fno-unwind-tables -O2 -UNDEBUG)

# The runtime (libmneme): ulib (start-up, console, the formatter, KTAP, the
# memory-server client), libmm (the memory service's client library) and
# the C library (userland/libc: stdio, stdlib, string, ctype, errno,
# assert, malloc).
file(GLOB MNEME_ULIB_SOURCES CONFIGURE_DEPENDS ${MNEME_ROOT}/userland/lib/*.c
  ${MNEME_ROOT}/userland/libmm/*.c ${MNEME_ROOT}/userland/libc/*.c)
add_library(mneme-ulib STATIC ${MNEME_ULIB_SOURCES})
target_include_directories(mneme-ulib PUBLIC ${MNEME_USER_INCLUDES})
target_compile_options(mneme-ulib PUBLIC ${MNEME_USER_FLAGS})
set_target_properties(mneme-ulib PROPERTIES OUTPUT_NAME mneme)

add_library(mneme-crt0 OBJECT ${MNEME_ROOT}/arch/${MNEME_ARCH}/user/crt0.S)
target_compile_options(mneme-crt0 PRIVATE ${MNEME_ARCH_USER_FLAGS})

# The archive holds copies without debug information (the .elf files keep it for gdb).
find_program(MNEME_OBJCOPY NAMES llvm-objcopy llvm-objcopy-14 REQUIRED)

# Image addresses: the memory server at 4 MiB (its own range, up to 16 MiB);
# every other program in the next free 2 MiB slot from 16 MiB up to
# ULIB_HEAP_BASE (256 MiB, the end of the range the server's ELF check
# allows): room for 120 programs.  The link fails with a message if an
# image outgrows its slot (big buffers belong in malloc, not in .bss).
set(MNEME_USER_SLOT_FIRST 0x1000000)
set(MNEME_USER_SLOT_SIZE 0x200000)
set(MNEME_USER_SLOT_END 0x10000000)
set_property(GLOBAL PROPERTY MNEME_USER_SLOTS_USED 0)

# mneme_user_program(<name> [BASE addr LIMIT addr] <sources>...): a user
# program named <name> in the archive, linked at BASE (default: its slot).
function(mneme_user_program name)
  cmake_parse_arguments(P "" "BASE;LIMIT" "" ${ARGN})
  if(TARGET user-${name})
    message(FATAL_ERROR "two user programs are named '${name}' (userland/tests, userland/apps)")
  endif()
  string(LENGTH "${name}" len)
  if(len GREATER_EQUAL 32 OR NOT name MATCHES "^[A-Za-z0-9_.-]+$")
    message(FATAL_ERROR "user program name '${name}': 1..31 letters, digits, '_', '.', '-'")
  endif()
  if(NOT P_BASE)
    get_property(used GLOBAL PROPERTY MNEME_USER_SLOTS_USED)
    math(EXPR P_BASE "${MNEME_USER_SLOT_FIRST} + ${used} * ${MNEME_USER_SLOT_SIZE}"
      OUTPUT_FORMAT HEXADECIMAL)
    math(EXPR P_LIMIT "${P_BASE} + ${MNEME_USER_SLOT_SIZE}" OUTPUT_FORMAT HEXADECIMAL)
    math(EXPR room "${MNEME_USER_SLOT_END} - ${P_LIMIT}")
    if(room LESS 0)
      message(FATAL_ERROR "no image slot left for user program '${name}'")
    endif()
    math(EXPR used "${used} + 1")
    set_property(GLOBAL PROPERTY MNEME_USER_SLOTS_USED ${used})
  endif()
  add_executable(user-${name} ${P_UNPARSED_ARGUMENTS} $<TARGET_OBJECTS:mneme-crt0>)
  target_link_libraries(user-${name} PRIVATE mneme-ulib)
  target_link_options(user-${name} PRIVATE -T ${MNEME_USER_LDSCRIPT}
    --defsym=MNEME_USER_BASE=${P_BASE} --defsym=MNEME_USER_LIMIT=${P_LIMIT})
  set_target_properties(user-${name} PROPERTIES
    OUTPUT_NAME ${name}.elf SUFFIX ""
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/user
    LINK_DEPENDS ${MNEME_USER_LDSCRIPT})
  add_custom_command(TARGET user-${name} POST_BUILD
    COMMAND ${MNEME_OBJCOPY} --strip-debug $<TARGET_FILE:user-${name}>
            ${CMAKE_BINARY_DIR}/user/${name}.stripped
    VERBATIM)
  set_property(GLOBAL APPEND PROPERTY MNEME_ARCHIVE_PROGRAMS ${name})
endfunction()

# The memory server (first in the archive), the test/benchmark programs,
# then the apps.
include(${MNEME_ROOT}/mmserver/server/server.cmake)
file(GLOB MNEME_USER_TESTS CONFIGURE_DEPENDS ${MNEME_ROOT}/userland/tests/*.c)
foreach(src ${MNEME_USER_TESTS})
  get_filename_component(name ${src} NAME_WE)
  mneme_user_program(${name} ${src})
endforeach()
file(GLOB MNEME_USER_APPS CONFIGURE_DEPENDS LIST_DIRECTORIES true ${MNEME_ROOT}/userland/apps/*)
foreach(app ${MNEME_USER_APPS})
  get_filename_component(name ${app} NAME_WE)
  if(IS_DIRECTORY ${app})
    file(GLOB app_sources CONFIGURE_DEPENDS ${app}/*.c)
    if(NOT app_sources)
      message(FATAL_ERROR "userland/apps/${name}/ holds no .c file")
    endif()
    mneme_user_program(${name} ${app_sources})
    target_include_directories(user-${name} PRIVATE ${app})
    if(EXISTS ${app}/app.cmake)
      include(${app}/app.cmake)
    endif()
  elseif(app MATCHES "\\.c$")
    mneme_user_program(${name} ${app})
  endif()
endforeach()

# User-mode drivers: one program per file.
file(GLOB MNEME_USER_DRIVERS CONFIGURE_DEPENDS ${MNEME_ROOT}/userland/drivers/*.c)
foreach(src ${MNEME_USER_DRIVERS})
  get_filename_component(name ${src} NAME_WE)
  mneme_user_program(${name} ${src})
endforeach()

get_property(programs GLOBAL PROPERTY MNEME_ARCHIVE_PROGRAMS)
set(MNEME_ARCHIVE ${CMAKE_BINARY_DIR}/mneme-archive.bin)
set(pack_args)
set(pack_deps)
foreach(p ${programs})
  list(APPEND pack_args ${p}=${CMAKE_BINARY_DIR}/user/${p}.stripped)
  list(APPEND pack_deps user-${p})
endforeach()
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_custom_command(OUTPUT ${MNEME_ARCHIVE}
  COMMAND ${Python3_EXECUTABLE} ${MNEME_ROOT}/cmake/mkarchive.py
          --header ${MNEME_ROOT}/ipc/include/mneme/archive.h -o ${MNEME_ARCHIVE} ${pack_args}
  DEPENDS ${pack_deps} ${MNEME_ROOT}/cmake/mkarchive.py ${MNEME_ROOT}/ipc/include/mneme/archive.h
  COMMENT "Packing the boot archive (${programs})"
  VERBATIM)
add_custom_target(mneme-archive DEPENDS ${MNEME_ARCHIVE})

# Embed it in the core image; a changed archive reassembles and relinks the core.
set(blob ${MNEME_ROOT}/core/archive_blob.S)
target_sources(mneme-core PRIVATE ${blob})
set_source_files_properties(${blob} PROPERTIES
  COMPILE_DEFINITIONS "MNEME_ARCHIVE_FILE=\"${MNEME_ARCHIVE}\""
  OBJECT_DEPENDS ${MNEME_ARCHIVE})
add_dependencies(mneme-core mneme-archive)
