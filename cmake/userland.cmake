# User programs and the boot archive (included by cmake/target.cmake).
#
# Every user program is a freestanding static ELF for the target, linked at
# 4 MiB with userland/user.ld against libmneme (the runtime) and crt0.  The
# programs listed in MNEME_ARCHIVE_PROGRAMS are packed by cmake/mkarchive.py
# into mneme-archive.bin, which core/archive_blob.S embeds in the core image.
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

# mneme_user_program(<name> <sources>...): a user program named <name> in the archive.
function(mneme_user_program name)
  add_executable(user-${name} ${ARGN} $<TARGET_OBJECTS:mneme-crt0>)
  target_link_libraries(user-${name} PRIVATE mneme-ulib)
  target_link_options(user-${name} PRIVATE -T ${MNEME_USER_LDSCRIPT})
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

# The memory server (first in the archive) and the test/benchmark programs.
include(${MNEME_ROOT}/mmserver/server/server.cmake)
file(GLOB MNEME_USER_TESTS CONFIGURE_DEPENDS ${MNEME_ROOT}/userland/tests/*.c)
foreach(src ${MNEME_USER_TESTS})
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
